"""Scale benchmarks (issue 4): one scenario, HS6, 10,000 draws, a 1,000-scenario grid.

Run ``python benchmarks/scale.py`` (``--smoke``: tiny sizes, one repetition, as CI does;
``--only a,c``: some subjects). Each subject reports wall time, cells per second (cells =
scenarios × draws × years × importers × exporters × products evaluated), peak memory, and two
ratios measured in the same run:

* ``× loop``: the straightforward per-scenario pandas loop (``reference.py``) timed on a few
  points in this run, scaled linearly to the subject's points, ÷ the subject's wall time;
* ``% bw``: cells/s ÷ the memory-bandwidth bound, the cells/s of a pass that reads and writes
  8 bytes per cell (16 B/cell) at the bandwidth of a numpy copy/triad measured in this run.

Peak memory: traced numpy/Python allocations (``tracemalloc``) for the in-process subjects (a,
b); the process's peak resident-memory increase, sampled every 5 ms, for the Dask sweeps (c, d).
The sweeps (c, d) run three times (once with ``--smoke``): the median wall time and the largest
peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lean  # noqa: E402
import reference  # noqa: E402

import tradesim  # noqa: E402
from tradesim import io  # noqa: E402
from tradesim.analysis import sweep  # noqa: E402
from tradesim.scenario.sweep_file import parse_sweep  # noqa: E402

ROOT = HERE.parent
FRAMEWORK = ROOT / "scenarios" / "framework-2025.toml"
MC_FILE = ROOT / "sweeps" / "framework-mc.toml"

#: Subject sizes: full (the issue's) and smoke (CI).
SIZES = {
    "full": {"a": 1, "b": 1, "c": 10_000, "d": 1_000},
    "smoke": {"a": 1, "b": 1, "c": 64, "d": 8},
}
TARGETS = {"a": "< 15 ms", "b": "< 1 s, < 1 GB", "c": "< 10 s (2 cores)", "d": "< 5 s",
           "c64": "(prototype)", "c32": "(prototype)"}


@dataclasses.dataclass
class Row:
    """One subject's measurements."""

    subject: str
    what: str
    points: int
    cells: int
    seconds: float
    peak_mb: float
    loop_seconds_per_point: float = float("nan")

    @property
    def cells_per_s(self) -> float:
        """Evaluated cells per second."""
        return self.cells / self.seconds


def bandwidth(n: int = 2**25, repeat: int = 3) -> float:
    """Best numpy copy / triad bandwidth, bytes/s (STREAM counting: 16 and 24 B/element)."""
    a, b, c = np.ones(n), np.ones(n), np.ones(n)
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        np.copyto(b, a)
        best = max(best, 16 * n / (time.perf_counter() - t))
        t = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)  # numpy's triad is two passes: 40 B moved, 24 B counted
        best = max(best, 24 * n / (time.perf_counter() - t))
    return best


def _traced(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _rss_peak(work: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and peak resident-memory increase (MB) of ``work``."""
    import psutil

    proc = psutil.Process()
    start_rss = proc.memory_info().rss
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], proc.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t = time.perf_counter()
    work()
    seconds = time.perf_counter() - t
    stop.set()
    thread.join()
    return seconds, (peak[0] - start_rss) / 2**20


def _cells(baseline, years: int) -> int:  # noqa: ANN001
    return years * baseline.sizes["importer"] * baseline.sizes["exporter"] * \
        baseline.sizes["product"]


def one_scenario(resolution: str, repeat: int, smoke: bool) -> Row:
    """(a)/(b): one ``simulate`` of the framework scenario."""
    baseline = tradesim.load_baseline(resolution)
    scenario = tradesim.load_scenario(FRAMEWORK)
    if smoke and resolution == "hs6":
        scenario = dataclasses.replace(scenario, horizon=scenario.base_year + 1)
    tradesim.simulate(scenario, baseline)  # warm caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        tradesim.simulate(scenario, baseline)
        times.append(time.perf_counter() - t)
    peak = _traced(lambda: tradesim.simulate(scenario, baseline))
    row = Row("a" if resolution == "mixed" else "b", f"one scenario, {resolution}", 1,
              _cells(baseline, len(scenario.years)), statistics.median(times), peak)
    if not (smoke and resolution == "hs6"):
        t = time.perf_counter()
        reference.balance(baseline, scenario)
        row.loop_seconds_per_point = time.perf_counter() - t
    return row


def _sweep_row(subject: str, what: str, spec: sweep.Sweep, baseline, ranges,  # noqa: ANN001
               loop_points: int, draws: bool, repeat: int = 3) -> Row:
    runs = []
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="tradesim-bench-")) / "s.zarr"
        try:
            runs.append(_rss_peak(lambda at=out: sweep.run_sweep(spec, baseline, at,
                                                                 ranges=ranges)))
        finally:
            shutil.rmtree(out.parent, ignore_errors=True)
    seconds, peak = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
    points = len(spec.points) * max(spec.n_draws, 1)
    row = Row(subject, what, points, points * _cells(baseline, len(spec.years)), seconds, peak)
    if draws:
        assert spec.monte_carlo is not None
        few = sweep.sample(spec.monte_carlo, sweep.centres(baseline), ranges,
                           0, loop_points)
        t = time.perf_counter()
        reference.loop(baseline, [spec.base], few)
    else:
        t = time.perf_counter()
        reference.loop(baseline, list(spec.points[:loop_points]))
    row.loop_seconds_per_point = (time.perf_counter() - t) / loop_points
    return row


def monte_carlo(draws: int, smoke: bool) -> Row:
    """(c): the framework scenario's Monte Carlo sweep (``sweeps/framework-mc.toml``)."""
    baseline = tradesim.load_baseline()
    ranges = io.elasticity_ranges(baseline)
    spec = io.read_sweep(MC_FILE)
    assert spec.monte_carlo is not None
    # Totals only (balance, exports, imports by year): the engine then evaluates the price index
    # for every supplier and demand for the bilateral flows alone (trajectory.run keep=TOTALS).
    spec = dataclasses.replace(
        spec, monte_carlo=dataclasses.replace(spec.monte_carlo, draws=draws),
        outputs=dataclasses.replace(spec.outputs, products=()))
    return _sweep_row("c", f"{draws:,} draws, mixed", spec, baseline, ranges,
                      1 if smoke else 5, draws=True, repeat=1 if smoke else 3)


def reduced(draws: int, dtype: type, smoke: bool) -> Row:
    """(c) by the reduced-pass prototype (``lean.py``): chunks of 250 draws on 2 threads."""
    from concurrent.futures import ThreadPoolExecutor

    from tradesim.model import trajectory

    baseline = tradesim.load_baseline()
    ranges = io.elasticity_ranges(baseline)
    spec = io.read_sweep(MC_FILE)
    assert spec.monte_carlo is not None
    mc = dataclasses.replace(spec.monte_carlo, draws=draws)
    centre = sweep.centres(baseline)

    def chunk(start: int) -> np.ndarray:
        d = sweep.sample(mc, centre, ranges, start, min(start + 250, draws))
        return lean.balance(prep, *(d[k].to_numpy() for k in ("sigma", "eta", "adjustment")),
                            dtype=dtype)

    def work() -> np.ndarray:
        with ThreadPoolExecutor(2) as pool:
            return np.concatenate(list(pool.map(chunk, range(0, draws, 250))))

    prep = lean.prepare(baseline, spec.base)
    seconds, peak = _rss_peak(work)
    few = sweep.sample(mc, centre, ranges, 0, 4)
    engine = trajectory.run(baseline, [spec.base], few)["balance"].to_numpy()[0]
    error = float(np.max(np.abs(chunk(0)[:4] / engine - 1)))
    name = "c64" if dtype is np.float64 else "c32"
    row = Row(name, f"{draws:,} draws, reduced pass, {np.dtype(dtype).name} "
              f"(max rel. error {error:.0e})", draws, draws * _cells(baseline, len(spec.years)),
              seconds, peak)
    return row


def grid(points: int, smoke: bool) -> Row:
    """(d): the framework scenario on a grid of reciprocal rate × transshipment share."""
    baseline = tradesim.load_baseline()
    shares = 25 if points >= 100 else 2
    rates = np.round(np.linspace(0, 46, points // shares), 3).tolist()
    doc = {"sweep": {"name": "bench-grid", "grid": {
        "tariff.vn-recip-20.rate": rates,
        "tariff.vn-transship-40.share": np.round(np.linspace(0.01, 0.25, shares), 4).tolist()}}}
    spec = parse_sweep(doc, tradesim.load_scenario(FRAMEWORK))
    return _sweep_row("d", f"{len(spec.points):,} scenarios, mixed", spec, baseline, None,
                      1 if smoke else 5, draws=False, repeat=1 if smoke else 3)


def main(argv: list[str] | None = None) -> list[Row]:
    """Print the table (Markdown) and return the rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    parser.add_argument("--only", default="a,b,c,d,c64,c32",
                        help="subjects, e.g. a,c (c64/c32: the reduced-pass prototype)")
    args = parser.parse_args(argv)
    size = SIZES["smoke" if args.smoke else "full"]
    wanted = args.only.split(",")
    bw = bandwidth(2**22 if args.smoke else 2**25, 1 if args.smoke else 3)
    runs: dict[str, Callable[[], Row]] = {
        "a": lambda: one_scenario("mixed", 1 if args.smoke else 30, args.smoke),
        "b": lambda: one_scenario("hs6", 1 if args.smoke else 5, args.smoke),
        "c": lambda: monte_carlo(size["c"], args.smoke),
        "d": lambda: grid(size["d"], args.smoke),
        "c64": lambda: reduced(size["c"], np.float64, args.smoke),
        "c32": lambda: reduced(size["c"], np.float32, args.smoke),
    }
    rows = [runs[k]() for k in wanted]
    print(f"memory bandwidth (numpy copy/triad, best): {bw / 1e9:.1f} GB/s; bound "
          f"{bw / 16 / 1e6:,.0f} M cells/s at 16 B/cell")
    print("| subject | points | cells | wall s | cells/s | peak MB | × loop | % bw | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        loop = r.loop_seconds_per_point if r.subject[0] != "c" or r.subject == "c" else \
            next((x.loop_seconds_per_point for x in rows if x.subject == "c"), float("nan"))
        ratio = loop * r.points / r.seconds
        print(f"| ({r.subject}) {r.what} | {r.points:,} | {r.cells:,} | {r.seconds:.3f} | "
              f"{r.cells_per_s:,.0f} | {r.peak_mb:,.0f} | {ratio:,.1f} | "
              f"{100 * r.cells_per_s / (bw / 16):.1f} | {TARGETS[r.subject]} |")
    return rows


if __name__ == "__main__":
    main()

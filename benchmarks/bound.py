"""How close a Monte Carlo sweep comes to the cost of its transcendental functions (issue 13).

Run ``python benchmarks/bound.py`` (``--draws N``, ``--smoke``: 512 draws). For
``sweeps/framework-mc.toml`` as shipped (product outputs included) it counts the transcendental
evaluations the model needs per draw on the active cells, times each function per element in
this run on arrays of one block's size, and compares their sum (the *bound*) with:

* **kernel**: the reduced pass alone (``Batch.reduced``, one thread, in this process, with
  freed memory kept for reuse as ``tradesim sweep`` does), every draw in blocks of
  ``DRAW_BLOCK`` as a sweep's chunk evaluates them; the median of three runs;
* **sweep**: ``tradesim sweep FILE -o out.zarr`` as a whole process (start-up, sampling,
  storage, summary included), against the bound shared by the machine's cores.

Counts, per draw, with ``T`` years, ``A`` active cells (trade and a tariff change: the price
index needs no other), ``M`` active markets and ``C`` output cells (the bilateral flows and
the listed products' cells that trade): ``expm1`` on ``A × T`` (and ``M_N × T`` for the nest in
the upper level), ``log1p`` on ``M × T`` per CES level, ``exp`` on ``C × T``. This is the
dense-in-years count; the code evaluates ``expm1`` once per distinct yearly tariff pattern
(``U`` of them), which the table also shows, so a fraction above 100 % is possible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MC_FILE = ROOT / "sweeps" / "framework-mc.toml"
REPEAT = 3  # the kernel's median of this many runs


def per_element(fn: np.ufunc, n: int, repeat: int = 7) -> float:
    """Best seconds per element of ``fn`` in place on ``n`` float64 in [−0.5, 0.5]."""
    x = np.random.default_rng(0).uniform(-0.5, 0.5, n)
    if fn is np.log1p:
        x = np.abs(x)
    best = float("inf")
    for _ in range(repeat):
        y = x.copy()
        t = time.perf_counter()
        fn(y, out=y)
        best = min(best, time.perf_counter() - t)
    return best / n


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Print the counts, the bound and the fractions; return them."""
    import dataclasses

    import tradesim
    from tradesim import cli, io
    from tradesim.analysis import sweep
    from tradesim.scenario.sweep_file import DRAW_BLOCK

    cli._reuse_freed_memory()  # as ``tradesim sweep`` runs: freed blocks are reused

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="512 draws, no whole process")
    args = parser.parse_args(argv)
    draws = 512 if args.smoke else args.draws
    baseline = tradesim.load_baseline()
    ranges = io.elasticity_ranges(baseline)
    spec = io.read_sweep(MC_FILE)
    assert spec.monte_carlo is not None
    spec = dataclasses.replace(spec, monte_carlo=dataclasses.replace(spec.monte_carlo,
                                                                     draws=draws))
    plan = sweep.plan(spec, baseline)
    batch, centre = sweep._prepared(spec, baseline, [0])
    assert centre is not None
    order, _ = sweep._members(baseline, spec.outputs.products)
    detail = np.unique(order)
    active = batch.active
    cells = batch._output_cells(tuple(detail.tolist()))
    n_t = active.shape[1]
    levels = [active.upper] + ([active.nest] if active.nest is not None else [])
    n_active = sum(level.cell.size for level in levels)
    n_markets = sum(level.markets.size for level in levels)
    nest_markets = active.nest.markets.size if active.nest is not None else 0
    patterns = max(level.patterns.shape[2] for level in levels)
    counts = {"expm1": (n_active + nest_markets) * n_t, "log1p": n_markets * n_t,
              "exp": cells.flat.size * n_t}
    chunk = min(plan.draw_chunk, DRAW_BLOCK)  # a chunk's draws go DRAW_BLOCK at a time
    costs = {name: per_element(getattr(np, name), max(n * chunk, 1))
             for name, n in counts.items()}
    bound = draws * sum(counts[k] * costs[k] for k in counts)

    chunks = [sweep.sample(spec.monte_carlo, centre, ranges, a, min(a + chunk, draws))
              for a in range(0, draws, chunk)]
    batch.reduced(chunks[0], detail)  # warm: the output cells and anchor factors are built
    runs = []
    for _ in range(REPEAT):
        start = time.process_time()
        for d in chunks:
            batch.reduced(d, detail)
        runs.append(time.process_time() - start)
    kernel = statistics.median(runs)

    print(f"draws {draws:,} in chunks of {chunk}; years T = {n_t}; active cells A = "
          f"{n_active:,} of {int(np.prod(active.shape[2:])):,}; active markets M = {n_markets}"
          f" (nest {nest_markets}); output cells C = {cells.flat.size:,}; distinct yearly "
          f"tariff patterns U = {patterns}")
    print("| function | evaluations per draw | ns per element (this run) |")
    print("|---|---:|---:|")
    for k in counts:
        print(f"| {k} | {counts[k]:,} | {costs[k] * 1e9:.2f} |")
    cores = os.cpu_count() or 1
    out = {"bound_s": bound, "kernel_s": kernel, "kernel_fraction": bound / kernel}
    print(f"\nbound (one core): {bound:.3f} s for {draws:,} draws")
    print("| subject | seconds | bound ÷ seconds |")
    print("|---|---:|---:|")
    print(f"| kernel: Batch.reduced, CPU time, one thread | {kernel:.3f} | "
          f"{100 * bound / kernel:.0f} % |")
    if not args.smoke and draws == spec_draws():
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tradesim.cli", "sweep", str(MC_FILE), "-o",
                            str(Path(tmp) / "s.zarr"), "-q"], check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
        out.update(sweep_s=wall, sweep_fraction=bound / cores / wall)
        print(f"| `tradesim sweep {MC_FILE.relative_to(ROOT)}`, wall, {cores} cores | "
              f"{wall:.2f} | {100 * bound / cores / wall:.0f} % |")
    return out


def spec_draws() -> int:
    """The shipped file's number of draws (the whole process runs the file as shipped)."""
    from tradesim import io

    spec = io.read_sweep(MC_FILE)
    return spec.monte_carlo.draws if spec.monte_carlo is not None else 0


if __name__ == "__main__":
    main()

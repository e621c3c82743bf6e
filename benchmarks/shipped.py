"""The shipped sweep files as users run them: ``tradesim sweep FILE -o out.zarr``, whole process.

Run ``python benchmarks/shipped.py`` (``--repeat N``; ``--only framework-mc``; ``--against PATH``:
also time a checkout of another commit, interleaved in the same run). Each row: the file, its
points × draws, the wall time from launch to exit (median over the repetitions), and the
process's peak resident memory (``wait4``'s ``ru_maxrss``). Reference in the same run: the
interpreter's own start with ``numpy, pandas, xarray`` imported, so a loaded machine shows as a
slower reference. The store goes to a temporary folder and is removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import compile_package  # noqa: E402 - the sibling benchmark's bytecode step

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = sorted((ROOT / "sweeps").glob("*.toml"))


def once(args: list[str], checkout: Path | None) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one process; raises if it fails."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=checkout or ROOT,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{args} failed: {err.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[tuple[str, str], float]:
    """Print one row per checkout and file; return the median seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", help="comma-separated file stems")
    parser.add_argument("--against", type=Path, help="another checkout to time alongside")
    args = parser.parse_args(argv)
    files = [f for f in SWEEPS if not args.only or f.stem in args.only.split(",")]
    checkouts: dict[str, Path | None] = {"this": None}
    if args.against is not None:
        checkouts = {"other": args.against.resolve(), "this": None}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for checkout in checkouts.values():  # bytecode, as an installed package has
        compile_package(checkout)
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for label, checkout in checkouts.items():
                times.setdefault((label, "arrays"), []).append(
                    once(["-c", "import numpy, pandas, xarray"], checkout))
                for f in files:
                    store = Path(tmp) / f"{label}-{f.stem}.zarr"
                    times.setdefault((label, f.stem), []).append(
                        once(["-m", "tradesim.cli", "sweep", str(f), "-o", str(store)],
                             checkout))
                    shutil.rmtree(store, ignore_errors=True)
    medians = {k: statistics.median(s for s, _ in v) for k, v in times.items()}
    print(f"{'checkout':<8} {'subject':<22} {'median s':>9} {'peak MB':>8} {'× arrays':>9}")
    for (label, subject), values in times.items():
        ref = medians[(label, "arrays")]
        print(f"{label:<8} {subject:<22} {medians[(label, subject)]:9.2f} "
              f"{max(m for _, m in values):8.0f} {medians[(label, subject)] / ref:9.1f}")
    return medians


if __name__ == "__main__":
    main()

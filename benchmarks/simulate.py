"""Wall time, throughput and peak memory of one ``simulate`` call on the embedded baselines.

Run ``python benchmarks/simulate.py`` (add ``--smoke`` for a single quick repetition, as CI does).
Cells are importer × exporter × product × year evaluated per call.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

import tradesim

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "framework-2025.toml"


def measure(resolution: str, repeat: int) -> dict[str, float]:
    """Median wall time (s), cells per second and peak traced memory (MB) of one run."""
    baseline = tradesim.load_baseline(resolution)
    scenario = tradesim.load_scenario(SCENARIO)
    result = tradesim.simulate(scenario, baseline)  # warm caches
    cells = result["value"].size
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tradesim.simulate(scenario, baseline)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    tradesim.simulate(scenario, baseline)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    wall = statistics.median(times)
    return {"cells": cells, "seconds": wall, "cells_per_s": cells / wall, "peak_mb": peak}


def main(argv: list[str] | None = None) -> None:
    """Print one row per resolution."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one repetition, mixed only")
    args = parser.parse_args(argv)
    resolutions = ["mixed"] if args.smoke else ["mixed", "hs6"]
    print(f"{'resolution':<10} {'cells':>10} {'ms/run':>10} {'cells/s':>12} {'peak MB':>9}")
    for res in resolutions:
        m = measure(res, 1 if args.smoke else (30 if res == "mixed" else 5))
        print(f"{res:<10} {m['cells']:>10,} {m['seconds'] * 1e3:>10.1f} "
              f"{m['cells_per_s']:>12,.0f} {m['peak_mb']:>9.1f}")


if __name__ == "__main__":
    main()

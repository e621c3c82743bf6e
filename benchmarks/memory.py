"""Peak memory of ``tradesim sweep`` against the number of draws, whole process (issue 13).

Run ``python benchmarks/memory.py`` (``--draws 1000,10000,20000,40000``, the default;
``--outputs products,totals``: also (or only) the copy without product outputs; ``--chunk N``:
every copy cut into chunks of N draws (``[sweep] chunk``) instead of the default plan;
``--repeat N``;
``--against PATH``: also a checkout of another commit, interleaved in the same run; ``--smoke``:
tiny sizes, as CI does).

Each subject is a copy of ``sweeps/framework-mc.toml`` with only ``draws`` changed (and, for
``totals``, without ``[sweep.outputs] products``), run as users run it: ``tradesim sweep FILE
-o out.zarr`` in a fresh interpreter (``benchmarks/shipped.py``'s :func:`once`: wall time from
launch to exit, peak resident memory from ``wait4``'s ``ru_maxrss``). Each row gives the median
wall time and the largest peak over the repetitions; the last column is the peak over the
peak at the smallest draw count of the same checkout and outputs, so "flat in the number of
draws" reads as a ratio near 1. The default plan cuts few draws into smaller chunks (two per
worker) than many, so its peak at 10³ draws is that of a smaller chunk; ``--chunk 512`` holds
the chunk fixed and leaves the number of draws the only change. The stores go to a temporary
folder and are removed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shipped import compile_package, once  # noqa: E402 - the sibling benchmarks' helpers

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sweeps" / "framework-mc.toml"
DRAWS = (1000, 10000, 20000, 40000)
SMOKE = (20, 40)


def variant(folder: Path, draws: int, products: bool, chunk: int | None = None) -> Path:
    """A copy of the shipped Monte Carlo sweep with ``draws`` draws (without product outputs
    unless ``products``; in chunks of ``chunk`` draws if given); its base scenario is the
    shipped one, by absolute path."""
    text = SOURCE.read_text(encoding="utf-8")
    base = (ROOT / "scenarios" / "framework-2025.toml").as_posix()
    text, n_base = re.subn(r'(?m)^base = ".*"$', f'base = "{base}"', text)
    text, n_draws = re.subn(r"(?m)^draws = \d+$", f"draws = {draws}", text)
    if n_base != 1 or n_draws != 1:
        raise RuntimeError(f"{SOURCE}: expected one 'base = ' and one 'draws = ' line")
    if not products:
        text, n = re.subn(r"(?m)^products = .*\n", "", text)
        if n != 1:
            raise RuntimeError(f"{SOURCE}: expected one 'products = ' line")
    if chunk is not None:
        text, n = re.subn(r"(?m)^\[sweep\]$", f"[sweep]\nchunk = {chunk}", text)
        if n != 1:
            raise RuntimeError(f"{SOURCE}: expected one '[sweep]' line")
    path = folder / f"mc-{draws}-{'products' if products else 'totals'}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> dict[tuple[str, str, int], tuple[float, float]]:
    """Print one row per checkout, outputs and draw count; return (median s, peak MB)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", default=",".join(map(str, DRAWS)),
                        help="comma-separated draw counts")
    parser.add_argument("--outputs", default="products",
                        help="comma-separated: products (as shipped), totals (without "
                             "[sweep.outputs] products)")
    parser.add_argument("--chunk", type=int, help="draws per chunk (default: the sweep's plan)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--against", type=Path, help="another checkout to run alongside")
    parser.add_argument("--smoke", action="store_true", help="tiny draw counts, one run")
    args = parser.parse_args(argv)
    counts = SMOKE if args.smoke else tuple(int(x) for x in args.draws.split(","))
    outputs = tuple(args.outputs.split(","))
    if not set(outputs) <= {"products", "totals"}:
        parser.error(f"--outputs {args.outputs}: products, totals or both")
    checkouts: dict[str, Path | None] = {"this": None}
    if args.against is not None:
        checkouts = {"other": args.against.resolve(), "this": None}
    runs: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    for checkout in checkouts.values():  # bytecode, as an installed package has
        compile_package(checkout)
    with tempfile.TemporaryDirectory() as tmp:
        files = {(o, n): variant(Path(tmp), n, o == "products", args.chunk) for o in outputs
                 for n in counts}
        for _ in range(1 if args.smoke else args.repeat):
            for (o, n), f in files.items():
                for label, checkout in checkouts.items():
                    store = Path(tmp) / f"{label}-{f.stem}.zarr"
                    runs.setdefault((label, o, n), []).append(
                        once(["-m", "tradesim.cli", "sweep", str(f), "-o", str(store), "-q"],
                             checkout))
                    shutil.rmtree(store, ignore_errors=True)
    result = {k: (statistics.median(s for s, _ in v), max(m for _, m in v))
              for k, v in runs.items()}
    print(f"chunks: {args.chunk or 'the default plan'} draws")
    print(f"{'checkout':<8} {'outputs':<9} {'draws':>7} {'median s':>9} {'peak MB':>8} "
          f"{'× peak@' + str(counts[0]):>12}")
    for (label, o, n), (seconds, peak) in sorted(result.items(),
                                                 key=lambda kv: (kv[0][0], kv[0][1],
                                                                 kv[0][2])):
        first = result[(label, o, counts[0])][1]
        print(f"{label:<8} {o:<9} {n:>7} {seconds:9.2f} {peak:8.0f} {peak / first:12.2f}")
    return result


if __name__ == "__main__":
    main()

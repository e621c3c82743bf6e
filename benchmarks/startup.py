"""Start-up as users meet it: whole processes, timed from launch to exit (issue 13).

Run ``python benchmarks/startup.py`` (``--smoke``: one repetition of the quick subjects, as CI
does; ``--repeat N``; ``--against PATH``: also time a checkout of another commit, e.g. a
``git worktree`` of the previous main, interleaved with this one in the same run).

Subjects, each a fresh interpreter (``python -m tradesim.cli`` is the ``tradesim`` program):

* ``python``: ``python -c pass``, the interpreter's own start (reference);
* ``arrays``: ``import numpy, pandas, xarray``, the floor of any command that computes (reference);
* ``import``: ``import tradesim``;
* ``help``: ``tradesim --help``;
* ``run``: ``tradesim run scenarios/framework-2025.toml``, the baseline cache warm;
* ``run-cold``: the same with an empty cache folder (the baseline built from the packaged CSVs);
* ``run-source``: ``run`` without tradesim's bytecode: a copy of the package with no
  ``__pycache__`` and ``PYTHONDONTWRITEBYTECODE`` set, so each of its modules is compiled from
  source, as a checkout runs where that variable is set (it is on the project machine).

Before timing, each checkout's ``tradesim`` is compiled to bytecode (:func:`compile_package`), as
``pip install`` does for an installed package and as Python does on an editable checkout's first
import (where bytecode may be written); ``run-source`` shows what that saves.

Each row gives the median and the minimum wall time over the repetitions and the median's ratio
to the ``python`` and ``arrays`` references measured in the same run, so a loaded machine shows
as slower references rather than as a different result.
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

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "framework-2025.toml"

SUBJECTS: dict[str, list[str]] = {
    "python": ["-c", "pass"],
    "arrays": ["-c", "import numpy, pandas, xarray"],
    "import": ["-c", "import tradesim"],
    "help": ["-m", "tradesim.cli", "--help"],
    "run": ["-m", "tradesim.cli", "run", str(SCENARIO)],
    "run-cold": ["-m", "tradesim.cli", "run", str(SCENARIO)],
    "run-source": ["-m", "tradesim.cli", "run", str(SCENARIO)],
}
SMOKE = ("python", "import", "help")
TARGETS = {"import": "< 0.5 s", "help": "< 0.3 s", "run": "< 1.5 s", "run-cold": "—",
           "run-source": "—"}


def compile_package(checkout: Path | None) -> None:
    """Write the bytecode of a checkout's ``tradesim`` package (``__pycache__``, git-ignored)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str((checkout or ROOT) /
                                                                   "tradesim")], check=True)


def source_copy(checkout: Path | None, folder: Path) -> Path:
    """A copy of a checkout's ``tradesim`` package without bytecode, in ``folder``."""
    shutil.copytree((checkout or ROOT) / "tradesim", folder / "tradesim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def once(args: list[str], checkout: Path | None, cache: Path,
         source: Path | None = None) -> float:
    """Wall seconds of one process; raises if it fails. With ``source`` (a
    :func:`source_copy`), tradesim is imported from there without reading or writing
    bytecode."""
    env = {**os.environ, "TRADESIM_CACHE_DIR": str(cache)}
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    if source is not None:
        env.update(PYTHONPATH=str(source), PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env=env,
                   cwd=source or checkout or ROOT,  # the folder run from is first on the path
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def measure(subjects: list[str], repeat: int, checkouts: dict[str, Path | None]
            ) -> dict[tuple[str, str], list[float]]:
    """Times per (checkout label, subject); the checkouts alternate within each repetition."""
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm = {label: Path(tmp) / f"warm-{i}" for i, label in enumerate(checkouts)}
        sources = {label: source_copy(checkout, Path(tmp) / f"source-{i}")
                   for i, (label, checkout) in enumerate(checkouts.items())}
        for label, checkout in checkouts.items():  # fill each warm cache once
            compile_package(checkout)
            once(SUBJECTS["run"], checkout, warm[label])
        for r in range(repeat):
            for subject in subjects:
                for label, checkout in checkouts.items():
                    cache = Path(tmp) / f"cold-{label}-{r}" if subject == "run-cold" \
                        else warm[label]
                    times.setdefault((label, subject), []).append(
                        once(SUBJECTS[subject], checkout, cache,
                             sources[label] if subject == "run-source" else None))
    return times


def main(argv: list[str] | None = None) -> dict[tuple[str, str], float]:
    """Print one row per checkout and subject; return the medians (s)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="quick subjects, once")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another checkout to time alongside")
    args = parser.parse_args(argv)
    subjects = list(SMOKE) if args.smoke else list(SUBJECTS)
    checkouts: dict[str, Path | None] = {"this": None}
    if args.against is not None:
        checkouts = {"other": args.against.resolve(), "this": None}
    times = measure(subjects, 1 if args.smoke else args.repeat, checkouts)
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'checkout':<8} {'subject':<9} {'median s':>9} {'min s':>7} {'× python':>9} "
          f"{'× arrays':>9}  target")
    for (label, subject), values in times.items():
        ref = medians[(label, "python")]
        arrays = medians.get((label, "arrays"))
        over_arrays = f"{medians[(label, subject)] / arrays:9.2f}" if arrays else f"{'':>9}"
        print(f"{label:<8} {subject:<9} {medians[(label, subject)]:9.3f} {min(values):7.3f} "
              f"{medians[(label, subject)] / ref:9.1f} {over_arrays}  "
              f"{TARGETS.get(subject, '(reference)')}")
    if args.against is not None:
        print("\nthis ÷ other (medians): " + ", ".join(
            f"{s} {medians[('this', s)] / medians[('other', s)]:.2f}" for s in subjects))
    return medians


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Build the packaged data files in ``tradesim/data/embedded/`` from the shared source data.

Usage (from the repository root)::

    python tools/build_package_data.py [--shared ../shared/data] [--out DIR]

The script reads only the shared (read-only) source files, writes the small packaged
tables that tradesim ships with, writes ``tradesim/data/embedded/SOURCES.md`` and prints the
headline checks.  It exits with a non-zero status if a headline check fails or if any
row of a data CSV lacks a source. The parts live in ``tools/package_data/``, one module per
kind of table (flows, tariffs, growth, elasticities, products, catalogues, sources).

Determinism: rows are sorted, floats use fixed formats, line endings are ``\\n`` and gzip
files are written with ``mtime=0`` and no embedded file name, so two runs on the same
inputs give byte-identical outputs.  Only pandas, numpy and pyarrow are used.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from package_data.actuals import build_headline_2025, build_naics3_monthly  # noqa: E402
from package_data.calibration import build_reallocation  # noqa: E402
from package_data.catalogues import build_names, build_product_groups, build_purchase_items  # noqa: E402
from package_data.common import OUT, REPO, Build, hs2_of  # noqa: E402
from package_data.elasticities import build_elasticities_hs2, build_elasticities_hs6  # noqa: E402
from package_data.flows import (  # noqa: E402
    build_totals,
    build_us_exports_hs6,
    build_us_imports_2017,
    build_us_imports_hs2_consumption,
    build_us_imports_hs2_general,
    build_us_imports_hs6,
    build_vn_histories,
)
from package_data.growth import build_growth  # noqa: E402
from package_data.products import build_hs6_names, build_hs_chapters, build_product_splits  # noqa: E402
from package_data.sources import validate_sources, write_sources_md  # noqa: E402
from package_data.step2025 import build_step_2025  # noqa: E402
from package_data.tariffs import build_us_duty_hs2_2017, build_vn_mfn  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default="../shared/data",
                    help="shared data directory (relative paths are taken from the repo root)")
    ap.add_argument("--out", default=None,
                    help="output folder (default: tradesim/data/embedded in this checkout)")
    args = ap.parse_args(argv)
    root = Path(args.shared)
    if not root.is_absolute():
        root = (REPO / root).resolve()
    if not (root / "SOURCES.md").exists():
        print(f"shared data not found at {root}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else OUT
    out.mkdir(parents=True, exist_ok=True)
    sh = Build(root, out)

    splits = build_product_splits(sh)
    hs6 = build_us_imports_hs6(sh)
    general = build_us_imports_hs2_general(sh)
    exports_hs6 = build_us_exports_hs6(sh)
    imp_hist, exp_hist = build_vn_histories(sh, exports_hs6)
    y2017 = build_us_imports_2017(sh)
    cons = build_us_imports_hs2_consumption(sh)
    build_us_duty_hs2_2017(sh, hs6, cons)
    chapter_sets = [set(hs2_of(hs6["hs6"])), set(general["hs2"]), set(hs2_of(exports_hs6["hs6"])),
                    set(imp_hist["hs2"]), set(exp_hist["hs2"]), set(y2017["hs2"]), set(cons["hs2"])]
    chapters = build_hs_chapters(sh, chapter_sets)
    growth = build_growth(sh, hs6, general, exports_hs6, list(chapters["hs2"]))
    build_elasticities_hs2(sh)
    build_elasticities_hs6(sh)
    build_vn_mfn(sh)
    build_hs6_names(sh)
    build_totals(sh)
    build_naics3_monthly(sh)
    build_headline_2025(sh)
    build_step_2025(sh)
    build_reallocation(sh)
    build_product_groups(sh)
    build_purchase_items(sh)
    build_names(sh)
    info = validate_sources(sh)
    write_sources_md(sh, info, growth)

    print("\nFILES")
    for name, (n, size) in info.items():
        print(f"  {name:40s} {n:>7,} rows {size / 1024:>8.1f} kB")
    print(f"\nproduct_splits: {len(splits)} rows; dropped (no trade): {sh.stats['splits_dropped'] or 'none'}; "
          f"no US-VN trade: {sh.stats['splits_no_vn_trade']}")
    failed = [t for _, t, f in sh.checks if f]
    if failed:
        print("\nBUILD FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    print("\nall hard checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

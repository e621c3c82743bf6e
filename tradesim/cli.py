"""Command line: ``tradesim run | validate | baseline | describe``. The only module that prints."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import pandas as pd

import tradesim
from tradesim import io, report, schema
from tradesim.errors import TradesimError

EXIT_OK, EXIT_RUNTIME, EXIT_INPUT = 0, 1, 2


def _fail(message: str, code: int) -> int:
    print(f"tradesim: error: {message}", file=sys.stderr)
    return code


def _fmt(table: pd.DataFrame) -> str:
    return table.to_string(float_format=lambda x: f"{x:,.2f}")


def _run(args: argparse.Namespace) -> int:
    scenario = tradesim.load_scenario(args.scenario)
    baseline = tradesim.load_baseline(args.resolution)
    result = tradesim.simulate(scenario, baseline)
    print(f"Scenario: {scenario.name} — {scenario.title}")
    print(f"Baseline: {baseline.attrs['title']}; basis: {result['balance'].attrs['basis']}")
    stats = {"us": "US Census statistics", "vn": "Vietnamese customs statistics"}
    print(f"\nUS goods balance with Vietnam, bn USD (exports − imports), on "
          f"{stats[scenario.basis]}")
    print(_fmt(report.balance_table(result)))
    year = min(args.year or 2030, scenario.horizon)
    print(f"\nProducts moving the balance most in {year}, bn USD")
    print(_fmt(report.top_products(result, year, n=args.top)))
    if args.output:
        path = io.write_result(result, args.output)
        print(f"\nwrote {path}")
    if args.plot:
        from tradesim import plot

        fig = plot.balance_trajectory(result)
        with io.atomic_path(args.plot) as tmp:
            fig.savefig(tmp, format=args.plot.rsplit(".", 1)[-1], dpi=120)
        print(f"wrote {args.plot}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    s = tradesim.load_scenario(args.scenario)
    from tradesim import schedule

    baseline = tradesim.load_baseline(args.resolution)
    schedule.tariff_path(baseline, s)
    schedule.commitment_path(baseline, s)
    schedule.overrides(baseline, s)
    print(f"{args.scenario}: valid ({len(s.measures)} measures, {len(s.commitments)} "
          f"commitments, {s.base_year}–{s.horizon}, digest {s.digest()})")
    return EXIT_OK


def _baseline(args: argparse.Namespace) -> int:
    b = tradesim.load_baseline(args.resolution)
    print(b.attrs["title"])
    for key in ("basis", "vnm_market", "tariff_source", "growth_source", "source"):
        print(f"  {key}: {b.attrs[key]}")
    print(f"  products: {b.sizes['product']}, suppliers: {b.sizes['exporter']}")
    print()
    print(_fmt(report.baseline_summary(b)))
    print("\nProvenance of every file: tradesim/embedded/SOURCES.md")
    return EXIT_OK


def _describe(args: argparse.Namespace) -> int:
    print(schema.describe())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = argparse.ArgumentParser(prog="tradesim", description=__doc__)
    parser.add_argument("--version", action="version", version=tradesim.__version__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario and print the balance by year")
    run.add_argument("scenario")
    run.add_argument("-o", "--output", help="write results (.nc or .csv)")
    run.add_argument("--plot", help="write the balance figure (.png, .svg or .pdf)")
    run.add_argument("--year", type=int, help="year for the product table (default 2030)")
    run.add_argument("--top", type=int, default=10, help="products in the table")
    run.set_defaults(func=_run)
    val = sub.add_parser("validate", help="check a scenario file against the baseline")
    val.add_argument("scenario")
    val.set_defaults(func=_validate)
    base = sub.add_parser("baseline", help="baseline totals and provenance")
    base.set_defaults(func=_baseline)
    for p in (run, val, base):
        p.add_argument("--resolution", choices=("mixed", "hs6"), default="mixed")
    desc = sub.add_parser("describe", help="the scenario file fields")
    desc.set_defaults(func=_describe)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 runtime failure, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except TradesimError as err:
        if args.debug:
            raise
        return _fail(str(err), EXIT_INPUT)
    except (ValueError, OSError) as err:
        if args.debug:
            raise
        return _fail(str(err), EXIT_INPUT if isinstance(err, ValueError) else EXIT_RUNTIME)
    except Exception as err:  # noqa: BLE001 - last resort: a message, not a traceback
        if args.debug:
            raise
        return _fail(f"internal error ({type(err).__name__}): {err}; rerun with --debug",
                     EXIT_RUNTIME)


if __name__ == "__main__":
    sys.exit(main())

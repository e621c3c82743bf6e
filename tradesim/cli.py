"""Command line: ``tradesim run | validate | baseline | describe | scenarios | products | sweep |
goal | compare | report | serve``. The only module that prints."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

import tradesim
from tradesim.errors import TradesimError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from tradesim.scenario import target as targets

# Each command imports what it needs (numpy, pandas, xarray, scipy, dask, matplotlib), so
# `tradesim --help` and `tradesim describe` start at once and `run` pays for no sweep machinery.

EXIT_OK, EXIT_RUNTIME, EXIT_INPUT = 0, 1, 2


def _fail(message: str, code: int) -> int:
    print(f"tradesim: error: {message}", file=sys.stderr)
    return code


def _fmt(table: pd.DataFrame) -> str:
    from tradesim import io

    io.check_finite(table, "table")  # never print NaN or inf
    return table.to_string(float_format=lambda x: f"{x:,.2f}")


# ---------------------------------------------------------------- output flags (-o, --json)

#: Control characters that must not reach a terminal raw: C0 (but tab and newline), DEL, C1,
#: and the bidirectional overrides; shown as ``\xNN`` / ``\uNNNN``.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")


def _shown(char: re.Match[str]) -> str:
    code = ord(char.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _Escaping:
    """A text stream that escapes control characters (terminal escape sequences in a scenario
    title or name are printed as text, never obeyed); a carriage return is kept only at the
    start of a write (the sweep's progress line)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        head = "\r" if text.startswith("\r") else ""
        self._stream.write(head + _CONTROL.sub(_shown, text[len(head):]))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _escaped_output() -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaping(out), _Escaping(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


FIGURE_FORMATS = (".png", ".svg", ".pdf")


def _run_formats() -> dict[str, Any]:
    """The formats ``run -o`` and ``compare -o`` write: results and the Excel tables."""
    from tradesim import io

    return {**io.RESULT_FORMATS, ".xlsx": io.TABLE_FORMATS[".xlsx"]}


def _inputs(*paths: str | None) -> list[str]:
    """Every file a command reads: scenarios with their includes, parameter files."""
    from tradesim import io

    found: list[str] = []
    for path in paths:
        if path is None:
            continue
        found.append(path)
        if path.lower().endswith(".toml") or path.startswith("tradesim:") or os.path.isfile(
                path):
            found += [str(p) for p in io.scenario_inputs(path)]
    return found


def _check_outputs(args: argparse.Namespace, formats: Mapping[str, str] | Sequence[str],
                   inputs: Callable[[], Sequence[str]] | Sequence[str] = ()) -> None:
    """Check ``-o`` and ``--plot`` before any work (format; not an input; not a device).

    ``inputs``: the files the command reads, or a function listing them (:func:`_inputs`
    reads the scenario files again; called only when there is an output to check)."""
    from tradesim import io

    if callable(inputs):
        inputs = inputs() if getattr(args, "output", None) or getattr(args, "plot", None) \
            else ()
    if getattr(args, "output", None):
        io.check_output(args.output, formats, inputs)
        if getattr(args, "detail", False) and not args.output.lower().endswith(".csv"):
            raise ValueError(f"--detail writes every cell to a .csv; -o {args.output} is not "
                             "one (the .nc file always holds every cell)")
    elif getattr(args, "detail", False):
        raise ValueError("--detail needs -o FILE.csv")
    if getattr(args, "plot", None):
        io.check_output(args.plot, FIGURE_FORMATS, inputs)
        if getattr(args, "output", None) and io.output_path(args.plot) == io.output_path(
                args.output):
            raise ValueError(f"--plot and -o name the same file ({args.plot})")


def _json_value(value: Any) -> Any:
    """Plain JSON values; non-finite numbers are an error (never written or printed)."""
    from tradesim import io

    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not (value == value and abs(value) != float("inf")):
        raise io.NonFiniteError(f"--json: a value is {value}; nothing is printed")
    return value if isinstance(value, int | float | bool | str) or value is None else str(value)


def _emit_json(command: str, payload: Mapping[str, Any]) -> None:
    doc = {"command": command, "tradesim_version": tradesim.__version__, **payload}
    print(json.dumps(_json_value(doc), indent=2, ensure_ascii=True, allow_nan=False))


def _json_tables(named: Mapping[str, pd.DataFrame]) -> dict[str, list[dict[str, object]]]:
    from tradesim import io
    from tradesim.present import tables

    for name, table in named.items():
        io.check_finite(table, f"table {name!r}")
    return {name: tables.records(table) for name, table in named.items()}


def _scenario_json(s: Any) -> dict[str, Any]:
    return {"name": s.name, "title": s.title, "file": s.file, "digest": s.digest(),
            "base_year": s.base_year, "horizon": s.horizon, "basis": s.basis,
            "method": s.method}


def _quiet(args: argparse.Namespace) -> Callable[..., None]:
    """``print``, or nothing with ``--json`` (stdout then holds the JSON document only)."""
    return (lambda *a, **k: None) if getattr(args, "json", False) else print


def _baseline_for(resolution: str, year: int, rest_of_world: float | None = None,
                  reallocation: str | None = None, anchor: bool = True) -> xr.Dataset:
    """The embedded baseline for a scenario's base year (2017 exists at chapter level only),
    anchored to the observed 2025 where a 2025 step exists unless ``anchor`` is false."""
    if year != 2024 and resolution == "mixed":
        resolution = "hs2"
    return tradesim.load_baseline(resolution, year=year, rest_of_world=rest_of_world,
                                  reallocation=reallocation, anchor=None if anchor else False)


def _anchor_line(baseline: xr.Dataset) -> str:
    """What the CLI tables say about the 2025 anchor (empty for an unanchored baseline)."""
    if "anchor" not in baseline:
        return ""
    return (f"Anchored: {baseline.attrs['anchor_year']} is observed; the 2025 measures in force "
            f"({baseline.attrs['anchor_regime']}) reproduce the 2025 totals by construction of "
            "the baseline (--no-anchor: the 2024-based projection)")


def _view_year(requested: int | None, first: int, last: int) -> int:
    """The year of the product views: ``--year`` if within ``first``–``last``, else 2030 (or
    the last year). A ``--year`` outside the simulated years is a bad input."""
    if requested is None:
        return min(2030, last)
    if not first <= requested <= last:
        raise ValueError(f"--year {requested} is outside the simulated years {first}–{last}; "
                         "raise [scenario].horizon or pick a year within them")
    return requested


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """``--set KEY.PATH=VALUE`` options as an ordered mapping (the last of a path wins)."""
    from tradesim.scenario.overrides import parse_assignment

    return dict(parse_assignment(text) for text in getattr(args, "set", None) or [])


def _load(source: str, args: argparse.Namespace) -> tradesim.Scenario:
    """A scenario file or ``tradesim:NAME``, with the ``--set`` overrides applied."""
    return tradesim.load_scenario(source, overrides=_overrides(args))


def _said(args: argparse.Namespace) -> str:
    """The overrides as one line for the header, or nothing."""
    sets = getattr(args, "set", None)
    return f"Set:      {', '.join(sets)}\n" if sets else ""


def _top(n: int) -> int:
    """``--top``, checked: at least one product."""
    if n < 1:
        raise ValueError(f"--top {n}: the number of products shown is 1 or more")
    return n


def _run(args: argparse.Namespace) -> int:
    from tradesim import io
    from tradesim.present import tables

    _check_outputs(args, _run_formats())  # the format, before anything is read
    scenario = _load(args.scenario, args)
    _view_year(args.year, scenario.base_year, scenario.horizon)  # before the run
    _top(args.top)
    _check_outputs(args, _run_formats(), lambda: _inputs(args.scenario, args.reallocation))
    baseline = _baseline_for(args.resolution, scenario.base_year, args.rest_of_world,
                             args.reallocation, not args.no_anchor)
    result = tradesim.simulate(scenario, baseline)
    year = _view_year(args.year, scenario.base_year, scenario.horizon)
    shown = {"balance": tables.balance_table(result),
             "top_products": tables.top_products(result, year, n=args.top),
             "market_shift": tables.market_shift(result, year)}
    for name, table in shown.items():
        io.check_finite(table, f"table {name!r}")
    wrote = _write_run(args, result, year, baseline, scenario)
    if args.json:
        _emit_json("run", {"scenario": _scenario_json(scenario), "year": year,
                           "units": {"money": "bn USD", "share": "%"},
                           "basis": str(result["balance"].attrs.get("basis", "")),
                           "anchor": _anchor_line(baseline) or None,
                           "set": list(args.set or []),
                           "tables": _json_tables(shown), "wrote": wrote})
        return EXIT_OK
    print(f"Scenario: {scenario.name} — {scenario.title}")
    print(_said(args), end="")
    print(f"Method: {scenario.method}; solver iterations {result.attrs['solver_iterations']}, "
          f"max residual {result.attrs['solver_max_residual']:.1e}")
    print(f"Baseline: {baseline.attrs['title']}; basis: {result['balance'].attrs['basis']}")
    if _anchor_line(baseline):
        print(_anchor_line(baseline))
    stats = {"us": "US Census statistics", "vn": "Vietnamese customs statistics"}
    print(f"\nUS goods balance with Vietnam, bn USD (exports − imports), on "
          f"{stats[scenario.basis]}")
    print(_fmt(shown["balance"]))
    _print_items(scenario)
    print(f"\nProducts moving the balance most in {year}, bn USD")
    print(_fmt(shown["top_products"]))
    print(f"\nWho sells to the US market in {year}, all products, bn USD and % of US imports")
    print(_fmt(shown["market_shift"]))
    if wrote:
        print()
    for path in wrote:
        print(f"wrote {path}")
    return EXIT_OK


def _write_run(args: argparse.Namespace, result: xr.Dataset, year: int, baseline: xr.Dataset,
               scenario: Any) -> list[str]:
    """Write ``-o`` (.nc, .csv, .xlsx) and ``--plot``; return the paths written."""
    from tradesim import io
    from tradesim.present import tables

    wrote = []
    if args.output:
        if args.output.lower().endswith(".xlsx"):
            io.write_tables(tables.result_workbook(result, year, dict(baseline.attrs),
                                                   scenario.to_dict()), args.output)
        else:
            io.write_result(result, args.output, detail=args.detail)
        wrote.append(args.output)
    if args.plot:
        from tradesim.present import figures

        fig = figures.balance_trajectory(result)
        io.write_figure(fig, args.plot)
        wrote.append(args.plot)
    return wrote


def _validate(args: argparse.Namespace) -> int:
    s = _load(args.scenario, args)
    from tradesim.scenario import schedule

    baseline = _baseline_for(args.resolution, s.base_year, anchor=False)
    schedule.tariff_path(baseline, s)
    schedule.commitment_path(baseline, s)
    schedule.overrides(baseline, s)
    print(f"{args.scenario}: valid ({len(s.measures)} measures, {len(s.commitments)} "
          f"commitments, {s.base_year}–{s.horizon}, digest {s.digest()})")
    return EXIT_OK


def _baseline(args: argparse.Namespace) -> int:
    from tradesim.present import tables

    b = tradesim.load_baseline(args.resolution)
    if args.json:
        _emit_json("baseline", {"resolution": args.resolution,
                                "attrs": {str(k): v for k, v in b.attrs.items()},
                                "units": {"value": "bn USD", "tariff": "%"},
                                "sizes": {str(k): int(v) for k, v in b.sizes.items()},
                                "tables": _json_tables({"summary": tables.baseline_summary(b)})})
        return EXIT_OK
    print(b.attrs["title"])
    for key in ("basis", "vnm_market", "tariff_source", "growth_source", "source"):
        print(f"  {key}: {b.attrs[key]}")
    print(f"  products: {b.sizes['product']}, suppliers: {b.sizes['exporter']}")
    print()
    print(_fmt(tables.baseline_summary(b)))
    print("\nProvenance of every file: tradesim/data/embedded/SOURCES.md")
    return EXIT_OK


def _print_items(scenario: tradesim.Scenario) -> None:
    """The commitments bought as catalogue items, each with the assumption behind its value."""
    priced = [c for c in scenario.commitments if c.item]
    if priced:
        print("\nCommitments bought as catalogue items (value = units x unit price):")
        for c in priced:
            print(f"  {c.id}: {c.price_note}")


def _products(args: argparse.Namespace) -> int:
    import pandas as pd

    from tradesim.data import catalogues

    lang = args.lang
    if getattr(args, "json", False):
        return _products_json(args)
    try:
        if args.group:
            return _show_group(args.group, args.resolution, lang)
    except KeyError as err:
        raise ValueError(err.args[0]) from None
    if args.groups:
        rows = []
        for name, g in catalogues.groups().iterrows():
            e = catalogues.expand_group(str(name), args.resolution)
            codes = ", ".join(e.codes) or "(no whole product: see --group)"
            rows.append({"group": f"@{name}", "title": g[f"title_{lang}"],
                         "completeness": g["completeness"],
                         f"codes on the {args.resolution} axis": codes[:70] +
                         (" ..." if len(codes) > 70 else "")})
        print(pd.DataFrame(rows).to_string(index=False))
        print("\nUse in [[tariff]] products/exclude as \"@name\"; details, legal source and HS "
              "list: tradesim products --group NAME")
        return EXIT_OK
    if args.items:
        table = catalogues.items()
        show = pd.DataFrame({"name": table[f"name_{lang}"], "unit": table[f"unit_{lang}"],
                             "unit_usd": table["unit_usd"].map(lambda x: f"{x:,.0f}"),
                             "list_usd": table["list_usd"].map(
                                 lambda x: "" if pd.isna(x) else f"{x:,.0f}"),
                             "status": table["status"], "hs_line": table["hs_line"],
                             "product": table["product"]})
        print(show.to_string())
        print("\nHow each price is set:")
        for name, row in table.iterrows():
            print(f"  {name}: {row['method']}")
        print('\nUse in [[commitment]]: item = "boeing-737-max-8", deliveries = { 2027 = 10 } '
              "(or units with start/end); unit_usd overrides the price. Sources: "
              "tradesim/data/embedded/purchase_items.csv")
        return EXIT_OK
    query = " ".join(args.query)
    found = catalogues.search_products(query, args.resolution)
    if found.empty:
        print(f"no product on the {args.resolution} axis matches {query!r}")
        return EXIT_OK
    print(found[["code", "name_en", "name_vi"]].head(args.limit).to_string(index=False))
    if len(found) > args.limit:
        print(f"... {len(found) - args.limit} more (--limit N)")
    return EXIT_OK


def _products_json(args: argparse.Namespace) -> int:
    """``products --json``: the search, ``--groups``, ``--group NAME`` or ``--items``."""
    import pandas as pd

    from tradesim.data import catalogues as cat
    from tradesim.present import tables

    doc: dict[str, Any] = {"resolution": args.resolution}
    if args.group:
        try:
            g, e = cat.group(args.group), cat.expand_group(args.group, args.resolution)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        names = cat.product_names([*e.products, *(p for p, _ in e.partial)], args.lang)
        doc["group"] = {"name": g.name, "title_en": g.title_en, "title_vi": g.title_vi,
                        "legal": g.legal, "completeness": g.completeness,
                        "min_share": g.min_share, "note": g.note, "source": g.source,
                        "codes": list(g.codes),
                        "products": [{"product": p, "name": names[p]} for p in e.products],
                        "partial": [{"product": p, "share": share, "name": names[p]}
                                    for p, share in e.partial]}
    elif args.groups:
        table = cat.groups()
        doc["groups"] = [{"group": str(name), **{k: row[k] for k in table.columns},
                          "axis_codes": list(cat.expand_group(str(name), args.resolution).codes)}
                         for name, row in table.iterrows()]
    elif args.items:
        table = cat.items().astype(object)
        doc["items"] = [{k: (None if pd.isna(v) else v) for k, v in
                         {"item": name, **row.to_dict()}.items()}
                        for name, row in table.iterrows()]
    else:
        query = " ".join(args.query)
        found = cat.search_products(query, args.resolution)
        doc.update(query=query, matches=len(found),
                   products=tables.records(found.head(args.limit).reset_index(drop=True)))
    _emit_json("products", doc)
    return EXIT_OK


def _show_group(name: str, resolution: str, lang: str) -> int:
    from tradesim.data import catalogues as cat

    g = cat.group(name)
    e = cat.expand_group(name, resolution)
    print(f"@{g.name}: {g.title_en}\n  {g.title_vi}")
    for key in ("legal", "completeness", "note", "source"):
        print(f"  {key}: {getattr(g, key)}")
    print(f"  rule: a product joins when >= {g.min_share:.0%} of its 2024 US imports from "
          "Vietnam (50 suppliers where Vietnam sold none) are on the list")
    print(f"  HS list ({len(g.codes)} codes as the source lists them): {' '.join(g.codes)}")
    names = cat.product_names(e.products, lang)
    print(f"\nOn the {resolution} axis: {', '.join(e.codes) or '(no whole product)'}")
    for p in e.products:
        print(f"  {p:8s} {names[p]}")
    if e.partial:
        print("Touched but below the rule (share of 2024 US imports on the list), not included:")
        for p, share in e.partial:
            print(f"  {p:8s} {share:6.1%}  {cat.product_names([p], lang)[p]}")
    return EXIT_OK


def _bound(value: object) -> object:
    """A field's bound or default for JSON: infinity (no bound) is ``null``."""
    if isinstance(value, float) and abs(value) == float("inf"):
        return None
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


def _describe(args: argparse.Namespace) -> int:
    from tradesim.scenario import fields

    if args.json:
        _emit_json("describe", {
            "sections": {section: [
                {"key": f.name, "type": f.kind, "unit": f.unit, "required": f.required,
                 "default": None if f.required else _bound(f.default), "low": _bound(f.low),
                 "high": _bound(f.high), "choices": list(f.choices), "meaning": f.doc}
                for f in table] for section, table in fields.SECTIONS.items()},
            "tariff_modes": dict(fields.MODES),
            "elasticities": [{"key": k, "low": _bound(lo), "high": _bound(hi), "meaning": doc}
                             for k, (doc, lo, hi) in fields.ELASTICITY_PARAMS.items()],
            "note": "null bounds are unbounded (e.g. omega's inf: full pass-through)"})
        return EXIT_OK
    print(fields.describe())
    return EXIT_OK


#: Rows of a sweep table printed by default (``--rows``); longer tables say what is hidden.
SWEEP_ROWS = 40


def _rows(text: str) -> int:
    """``--rows N`` (N >= 1) or ``--rows all`` (0: every row)."""
    if text.strip().lower() == "all":
        return 0
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of rows >= 1, or all") \
            from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of rows >= 1, or all")
    return n


def _goal_grid(text: str) -> int:
    """``goal --grid``: a whole number of points, also written ``1e2``; its range is the
    library's (:data:`tradesim.analysis.goal.MAX_GRID`), checked before any run."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of points") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"{text}: the first scan takes a whole number of "
                                         "points")
    return int(value)


def _show(table: pd.DataFrame, rows: int, fmt: str = "{:,.2f}") -> str:
    """The table, or its first and last rows and a line saying how many are hidden."""
    import pandas as pd

    text = lambda t: t.to_string(float_format=lambda x: fmt.format(x))  # noqa: E731
    if not rows or len(table) <= rows:
        return text(table)
    head = table.head(rows - rows // 2)
    tail = table.tail(rows // 2)
    hidden = len(table) - len(head) - len(tail)
    lines = text(pd.concat([head, tail])).splitlines()
    cut = len(lines) - len(tail)
    return "\n".join([*lines[:cut], f"… {hidden:,} of {len(table):,} rows hidden "
                      "(--rows all shows every row)", *lines[cut:]])


def _sweep_output(output: str) -> tuple[str, str]:
    """``-o`` -> (format, zarr store): ``.zarr`` (a path or fsspec URL) is the store itself;
    ``.nc`` runs into the working store ``<output>.zarr``, then writes netCDF."""
    name = output.rstrip("/").lower()
    if name.endswith((".nc", ".nc4")):
        if "://" in output and not output.startswith("file://"):
            raise ValueError(f"-o {output}: netCDF is written to a local file; for a remote "
                             "store use .zarr (e.g. s3://bucket/out.zarr)")
        return "netcdf", output.removeprefix("file://") + ".zarr"
    if name.endswith(".zarr"):
        return "zarr", output
    raise ValueError(f"-o {output}: a sweep writes a zarr store (.zarr: a path, or a URL such "
                     "as s3://bucket/out.zarr) or a netCDF file (.nc)")


@contextlib.contextmanager
def _logging(quiet: bool, verbose: bool) -> Iterator[None]:
    """The library's log messages on stderr: warnings only with ``--quiet``, debug with
    ``--verbose``, else information."""
    logger = logging.getLogger("tradesim")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def _sweep(args: argparse.Namespace) -> int:
    with _logging(args.quiet, args.verbose):
        return _sweep_logged(args)


def _sweep_logged(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from tradesim import io
    from tradesim.analysis import sweep

    kind, store = _sweep_output(args.output)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1 (got {args.workers})")
    if args.chunk is not None and args.chunk < 1:
        raise ValueError(f"--chunk must be >= 1 points (got {args.chunk})")
    if args.resume and args.overwrite:
        raise ValueError("--resume or --overwrite, not both: --resume finishes a store, "
                         "--overwrite replaces it")
    if kind == "netcdf" and os.path.exists(args.output) and not args.overwrite:
        raise ValueError(f"-o {args.output} exists: --overwrite replaces it")
    spec = io.read_sweep(args.sweep)
    if args.plot and spec.n_draws < 2:
        raise ValueError("--plot draws a fan chart of Monte Carlo draws; this sweep has "
                         + ("no [sweep.monte_carlo]" if not spec.n_draws else "one draw"))
    baseline = tradesim.load_baseline(spec.resolution,
                                      anchor=False if args.no_anchor else None)
    ranged = spec.monte_carlo and any(d.low is None for d in spec.monte_carlo.distributions)
    ranges = io.elasticity_ranges(baseline) if ranged else None
    where = args.scheduler or (f"local cluster, {args.workers} worker process(es)"
                               if args.workers else "local threads")
    say = (lambda *a: None) if args.quiet or args.json else print  # noqa: E731
    say(f"Sweep: {spec.name} — {spec.title}")
    say(f"Base: {spec.base.name} ({os.path.basename(spec.base.file)}); {len(spec.points)} "
        f"grid point(s) × {max(spec.n_draws, 1):,} draw(s), {spec.base.base_year}–"
        f"{spec.base.horizon}, {spec.resolution} resolution; {where}")
    for a in spec.grid:
        say(f"Grid axis {a.name}: {a.path} ({a.unit}), {len(a.values)} value(s)")
    state = {"done": 0, "total": 0}
    bar: list[Any] = []

    def progress(done: int, total: int) -> None:
        state.update(done=done, total=total)
        if not bar:
            bar.append(tqdm(total=total, initial=done, unit="chunk", desc="chunks",
                            file=sys.stderr, disable=args.quiet, dynamic_ncols=True,
                            mininterval=0.5 if sys.stderr.isatty() else 5.0))
        else:
            bar[0].update(done - bar[0].n)

    again = (f"tradesim sweep {args.sweep} -o {args.output} --resume")
    stage = "run"
    with contextlib.ExitStack() as scope:
        if not args.scheduler and not args.workers:
            import dask
            import dask.threaded

            # the store read by Dask's threads directly: by default Dask first imports
            # distributed (0.25 s) to look for a client
            scope.enter_context(dask.config.set(scheduler=dask.threaded.get))
        try:
            try:
                ran = sweep.run_sweep(spec, baseline, store, ranges=ranges, resume=args.resume,
                                      overwrite=args.overwrite, chunk=args.chunk,
                                      scheduler=args.scheduler, workers=args.workers,
                                      progress=progress)
            finally:
                if bar:
                    bar[0].close()
            say(f"{len(ran.computed)} chunk(s) computed in {ran.seconds:.1f} s (session "
                f"{ran.session}); {ran.done_before} were already done"
                + (f", {len(ran.repaired)} marked done were recomputed (data missing or damaged)"
                   if ran.repaired else "")
                + f"; chunks of {ran.plan.scenario_chunk} grid point(s) × "
                  f"{max(ran.plan.draw_chunk, 1)} draw(s)")
            results = sweep.open_store(store, dask=False)
            summary = ran.summary if ran.summary is not None else sweep.summarize(results, spec)
            stage = "tables"
            if not args.json:
                _print_sweep(spec, summary, results, args.rows)
            if args.plot:
                from tradesim.present import figures

                first = {a.name: 0 for a in spec.grid}  # the fan of the first grid point
                fig = figures.balance_fan(summary["balance_quantile"].isel(first).load(),
                                          results["balance_baseline"].isel(first).load(),
                                          title=f"{spec.title or spec.name}"
                                                + (f": {spec.labels[0]}" if spec.grid else ""))
                io.write_figure(fig, args.plot)
            if kind == "netcdf":
                stage = "netcdf"
                io.write_result(results, args.output)
                sweep.remove_store(store)
        except KeyboardInterrupt:
            done, total = state["done"], state["total"]
            if stage == "run" and total and done < total:
                text = (f"interrupted with {done} of {total} chunks done (kept in {store}); "
                        f"finish with: {again}")
            elif stage == "run":
                text = (f"interrupted after every chunk was done (kept in {store}) but before "
                        f"the summary was written; finish with: {again} (nothing is recomputed)")
            elif stage == "netcdf":
                text = (f"interrupted before {args.output} was written; every chunk is done (kept "
                        f"in {store}): finish with: {again} (nothing is recomputed)")
            else:
                text = (f"interrupted while printing; {store} is complete"
                        + (f"; finish {args.output} with: {again}" if kind == "netcdf" else ""))
            return _fail(text, EXIT_RUNTIME)
        if args.json:
            tabs = sweep.summary_tables(summary, results, spec)
            named = {"balance": tabs["balance"]}
            if spec.outputs.statements:
                named["statements"] = tabs["statements"]
            _emit_json("sweep", {
                "sweep": {"name": spec.name, "title": spec.title, "digest": spec.digest(),
                          "base": spec.base.name, "points": len(spec.points),
                          "draws": spec.n_draws},
                "units": {"money": "bn USD"}, "statements_kind": tabs["statements_kind"],
                "tables": _json_tables(named),
                "wrote": [args.output, *([args.plot] if args.plot else [])]})
            return EXIT_OK
        print(f"\nwrote {args.output}")
        if args.plot:
            print(f"wrote {args.plot}")
        return EXIT_OK


def _print_sweep(spec: Any, summary: xr.Dataset, results: xr.Dataset, rows: int) -> None:
    """The balance table and the statements, every row up to ``rows`` (0: all)."""
    from tradesim.analysis import sweep

    tabs = sweep.summary_tables(summary, results, spec)
    what = (f"quantiles over {spec.n_draws:,} draws" if sweep.has_draws(results)
            else "by grid point" if spec.grid else "")
    print(f"\nUS goods balance with Vietnam, bn USD (exports − imports){', ' if what else ''}"
          f"{what}")
    print(_show(tabs["balance"], rows))
    if spec.outputs.statements:
        if tabs["statements_kind"] == "probability":
            print("\nProbabilities (share of draws where the statement holds)")
            print(_show(tabs["statements"], rows, "{:.3f}"))
        else:
            print("\nStatements at each grid point (1 = holds, 0 = does not; no draws, so "
                  "these are facts of the model, not probabilities)")
            print(_show(tabs["statements"], rows, "{:.0f}"))


def _goal(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    if args.by is not None and args.by not in scenario.years:
        raise ValueError(f"--by {args.by} is outside the simulated years {scenario.base_year}–"
                         f"{scenario.horizon}")
    baseline = _baseline_for(args.resolution, scenario.base_year, reallocation=args.reallocation,
                             anchor=not args.no_anchor)
    bounds = (args.bounds[0], args.bounds[1]) if args.bounds else None
    g = tradesim.solve_for(scenario, args.target, vary=args.vary, by=args.by, bounds=bounds,
                           baseline=baseline, grid=args.grid)
    lo, hi = g.bounds
    payload = {
        "scenario": _scenario_json(scenario), "target": g.target.text, "vary": g.vary,
        "unit": g.unit, "bounds": [lo, hi], "status": g.status, "solution": g.solution,
        "best": g.best, "holds": g.holds, "left_usd": g.left, "right_usd": g.right,
        "as_written_usd": g.as_written, "current": g.current, "evaluations": g.evaluations,
        "check": {"left_usd": g.check_left, "right_usd": g.check_right,
                  "margin_usd": g.checked, "holds": g.holds_check},
        "grid": [{"value": v, "left_usd": left, "margin_usd": m} for v, left, m in
                 zip(g.grid, g.grid_left, g.grid_margin, strict=True)],
        "note": g.note or None, "summary": g.summary()}
    _json_value(payload)  # no NaN or inf, printed as text or JSON
    if args.json:
        _emit_json("goal", payload)
        return EXIT_OK if g.reachable else EXIT_RUNTIME
    print(f"Scenario: {scenario.name} — {scenario.title}")
    print(_said(args), end="")
    print(f"Target:   {g.target.text}")
    unit = "relative change" if g.target.relative else "USD"
    print(f"          ({unit}; balance = US exports to Vietnam − US imports from Vietnam, "
          f"{'Vietnamese' if scenario.basis == 'vn' else 'US'} statistics)")
    print(f"Vary:     {g.vary} ({g.unit or 'file units'}) within [{lo:g}, {hi:g}]; "
          f"{g.evaluations} model runs")
    print()
    print(g.summary())
    return EXIT_OK if g.reachable else EXIT_RUNTIME


def _compare(args: argparse.Namespace) -> int:
    from tradesim import io
    from tradesim.present import tables
    from tradesim.scenario import target as targets

    if len(args.scenarios) < 2:
        raise ValueError("compare needs at least two scenario files")
    _check_outputs(args, _run_formats())
    loaded = [_load(source, args) for source in args.scenarios]
    first = loaded[0]
    _view_year(args.year, first.base_year, min(s.horizon for s in loaded))  # before the run
    _top(args.top)
    goals = [targets.parse_target(t) for t in args.target or []]
    _check_outputs(args, _run_formats(), lambda: _inputs(*args.scenarios, args.reallocation))
    baseline = _baseline_for(args.resolution, first.base_year, reallocation=args.reallocation,
                             anchor=not args.no_anchor)
    results = tradesim.compare(args.scenarios, baseline, overrides=_overrides(args))
    labels = [str(s) for s in results["scenario"].to_numpy()]
    years = results["year"].to_numpy()
    year = _view_year(args.year, int(years[0]), int(years[-1]))
    shown = {"balance": tables.comparison_table(results),
             "products": tables.comparison_products(results, year, n=args.top)}
    if goals:
        shown["targets"] = _target_table(goals, results, year)
    for name, table in shown.items():
        io.check_finite(table, f"table {name!r}")
    wrote = []
    if args.output:
        if args.output.lower().endswith(".xlsx"):
            io.write_tables(tables.comparison_workbook(results, year, dict(baseline.attrs)),
                            args.output)
        else:
            io.write_result(results, args.output, detail=args.detail)
        wrote.append(args.output)
    if args.json:
        if args.plot:
            from tradesim.present import figures

            io.write_figure(figures.balance_scenarios(results), args.plot)
            wrote.append(args.plot)
        _emit_json("compare", {
            "scenarios": [{"label": label, "title": str(t), "digest": str(d)} for label, t, d in
                          zip(labels, results["scenario_title"].to_numpy(),
                              results["scenario_digest"].to_numpy(), strict=True)],
            "year": year, "units": {"money": "bn USD"},
            "basis": str(results["balance"].attrs.get("basis", "")),
            "anchor": _anchor_line(baseline) or None,
            "set": list(args.set or []),
            "tables": {**_comparison_json(results, shown["products"], labels),
                       "targets": tables.records(shown["targets"]) if goals else []},
            "wrote": wrote})
        return EXIT_OK
    print("Scenarios:")
    for label, title, digest in zip(labels, results["scenario_title"].to_numpy(),
                                    results["scenario_digest"].to_numpy(), strict=True):
        print(f"  {label}: {title} (digest {digest})")
    print(f"\nUS goods balance with Vietnam, bn USD (exports − imports); basis: "
          f"{results['balance'].attrs.get('basis', '')}")
    if _anchor_line(baseline):
        print(_anchor_line(baseline))
    print(_said(args), end="")
    print(_fmt(shown["balance"]))
    if goals:
        print(f"\nTargets (quantities without a year are in {year}; bn USD, or % for a change "
              "against a percentage)")
        print(_fmt(shown["targets"]))
    print(f"\nProducts whose balance change in {year} differs most between the scenarios, bn USD"
          " (each against the baseline; spread = largest − smallest)")
    print(_fmt(shown["products"]))
    for path in wrote:
        print(f"\nwrote {path}")
    if args.plot:
        from tradesim.present import figures

        fig = figures.balance_scenarios(results)
        io.write_figure(fig, args.plot)
        print(f"\nwrote {args.plot}")
    return EXIT_OK


def _target_table(goals: Sequence[targets.Target], results: xr.Dataset,
                  year: int) -> pd.DataFrame:
    """Both sides of each target for each scenario of a comparison, and whether it holds."""
    import pandas as pd

    from tradesim.scenario import target as targets

    rows = []
    for t in goals:
        t = t.with_year(year)
        left, right, margin = targets.evaluate(t, results)
        scale = 100.0 if t.relative else 1e-9
        for label, a, b, ok in zip(results["scenario"].to_numpy(), left, right, t.holds(
                margin, atol=1e-6 * float(abs(right).max()) + (1e-9 if t.relative else 1.0)),
                strict=True):
            rows.append({"target": t.text, "scenario": str(label), "left": a * scale,
                         "right": b * scale, "holds": "yes" if ok else "no"})
    return pd.DataFrame(rows).set_index(["target", "scenario"])


def _scenarios(args: argparse.Namespace) -> int:
    import pandas as pd

    from tradesim import io

    rows = pd.DataFrame(io.shipped_files())
    rows["years"] = [f"{a}–{b}" for a, b in zip(rows["base_year"], rows["horizon"], strict=True)]
    for kind, part in rows.groupby("kind", sort=False):
        use = "tradesim run tradesim:NAME, or include = [\"tradesim:NAME\"] in your own file" \
            if kind == "scenario" else "tradesim sweep tradesim:NAME -o out.zarr"
        print(f"Shipped {kind}s ({use})")
        print(part.set_index("name")[["years", "title"]].to_string())
        print()
    return EXIT_OK


def _comparison_json(results: xr.Dataset, products: pd.DataFrame,
                     labels: list[str]) -> dict[str, list[dict[str, Any]]]:
    """compare --json tables in long form, so the keys do not depend on scenario names."""
    balance = (results["balance"] / 1e9).transpose("scenario", "year").to_numpy()
    base = (results["balance_baseline"] / 1e9).transpose("scenario", "year").to_numpy()
    years = [int(y) for y in results["year"].to_numpy()]
    rows = [{"scenario": label, "year": y, "balance": float(balance[i, k]),
             "balance_baseline": float(base[i, k])}
            for i, label in enumerate(labels) for k, y in enumerate(years)]
    prods = [{"product": str(code), "name": str(row.get("name", "")),
              "spread": float(row["spread"]),
              "balance_change": {label: float(row[label]) for label in labels}}
             for code, row in products.iterrows()]
    return {"balance": rows, "products": prods}


def _report(args: argparse.Namespace) -> int:
    from tradesim.present import report

    if os.path.splitext(args.output)[1].lower() not in (".html", ".htm", ".md"):
        raise ValueError(f"-o {args.output}: the report is .html (self-contained) or .md")
    _check_outputs(args, (".html", ".htm", ".md"),
                   lambda: _inputs(args.scenario, args.vs, args.reallocation))
    scenario = _load(args.scenario, args)
    if args.set:  # the report says it is a what-if, and tells it apart from --vs
        scenario = dataclasses.replace(
            scenario, title=f"{scenario.title or scenario.name} (with {', '.join(args.set)})")
    other = tradesim.load_scenario(args.vs) if args.vs else None
    if args.year is not None:
        _view_year(args.year, scenario.base_year, scenario.horizon)
    baseline = _baseline_for(args.resolution, scenario.base_year, reallocation=args.reallocation,
                             anchor=not args.no_anchor)
    written = report.write_report(report.build(scenario, baseline, other, year=args.year),
                                   args.output)
    extra = f" and {len(written) - 1} figure(s) beside it" if len(written) > 1 else ""
    sets = f", with --set {', '.join(args.set)}" if args.set else ""
    print(f"wrote {written[0]}{extra} (scenario {scenario.name}{sets}, digest "
          f"{scenario.digest()})")
    return EXIT_OK


def _bootstrap_fits(boot: int) -> int:
    """``--boot``, checked: the number of bootstrap fits is 0 or more."""
    if boot < 0:
        raise ValueError(f"--boot {boot}: the number of bootstrap fits is 0 or more")
    return boot


def _calibrate(args: argparse.Namespace) -> int:
    import pandas as pd

    from tradesim import io
    from tradesim.analysis import backtest, calibrate

    if os.path.splitext(args.output)[1].lower() != ".csv":
        raise ValueError(f"-o {args.output}: the parameter file is .csv (the format of the "
                         "shipped reallocation.csv)")
    _check_outputs(args, (".csv",))
    boot = _bootstrap_fits(args.boot)
    monthly = io.imports_by_sector_monthly()
    eps = backtest.episodes(monthly, args.episodes)
    names = list(eps)
    est = calibrate.fit(list(eps.values()), boot=boot, seed=args.seed)
    table = calibrate.parameter_table(
        est, source=f"tradesim calibrate --episodes {' '.join(names)} --boot {args.boot} "
                    f"--seed {args.seed} (Census N1 NAICS3 monthly); estimated",
        persistence=calibrate.trend_persistence(monthly, seed=args.seed))
    io.check_finite(table[["value"]], "parameter table")  # low/high are empty with --boot 0
    with io.atomic_path(args.output) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n")
    if args.json:
        _emit_json("calibrate", {"episode": est.episode, "level": est.level, "boot": boot,
                                 "tables": {"parameters": _band_records(table)},
                                 "wrote": [args.output]})
        return EXIT_OK
    print(f"Estimated on {est.episode} ({args.boot} bootstrap fits over sectors, "
          f"{est.level:.0%} intervals):")
    shown = table.set_index("parameter")[["value", "low", "high"]].copy()
    for column in ("low", "high"):  # no interval without bootstrap fits (--boot 0): "-"
        shown[column] = shown[column].map(lambda x: "-" if pd.isna(x) else f"{x:,.2f}")
    print(_fmt(shown))
    print(f"\nwrote {args.output}; use it with --reallocation {args.output} (run, compare, "
          "report, goal) or tradesim.load_baseline(reallocation=...)")
    return EXIT_OK


def _band_records(table: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of a parameter table; a missing interval bound (``--boot 0``) is ``null``."""
    from tradesim.present import tables

    rows = tables.records(table)
    for row in rows:
        for key in ("low", "high"):
            if isinstance(row.get(key), float) and row[key] != row[key]:
                row[key] = None
    return rows


def _no_empty_bands(table: pd.DataFrame) -> pd.DataFrame:
    """The table without band columns that hold no number (``--boot 0``: no bootstrap)."""
    empty = [c for c in table.columns if table[c].dtype.kind == "f" and table[c].isna().all()]
    return table.drop(columns=empty)


def _interval(pair: Sequence[float], digits: int) -> str:
    """`` [low, high]``, or nothing where there is no interval (``--boot 0``)."""
    low, high = (float(v) for v in pair)
    if not (abs(low) < float("inf") and abs(high) < float("inf")):
        return ""
    return f" [{low:.{digits}f}, {high:.{digits}f}]"


def _backtest(args: argparse.Namespace) -> int:
    from tradesim import io
    from tradesim.analysis import backtest

    boot = _bootstrap_fits(args.boot)
    _check_outputs(args, FIGURE_FORMATS, lambda: _inputs(args.scenario))
    say = _quiet(args)
    result = backtest.backtest(io.imports_by_sector_monthly(), boot=boot, seed=args.seed)
    say("Backtest: fit on one episode, predict the other (out of sample), conditional on "
        "observed world imports by NAICS3 sector.\nUS imports for consumption, bn USD: the "
        "episode's last year against the same months of the base year (2025: Jan-Nov)")
    level = next(iter(result.estimates.values())).level
    episodes = _no_empty_bands(result.table)
    say(_fmt(episodes.rename(columns={"low": f"{level:.0%} band low", "high": "band high"})))
    say(f"\nEstimated parameters (nested Armington, China and Vietnam in one nest; "
        f"{level:.0%} intervals from {args.boot} bootstrap fits over sectors)")
    for name, est in result.estimates.items():
        iv = est.intervals
        say(f"  {name}: sigma {est.sigma:.2f}{_interval(iv['sigma'], 2)}, "
            f"sigma_nest {est.sigma_nest:.2f}{_interval(iv['sigma_nest'], 2)}, monthly "
            f"adjustment {est.mu:.3f}{_interval(iv['mu'], 3)}, first-year share "
            f"{est.lambda_year1:.2f}")
    est = result.pooled
    say(f"  pooled (the shipped defaults): sigma {est.sigma:.2f}, sigma_nest "
        f"{est.sigma_nest:.2f} ({est.sigma_nest / est.sigma:.2f} x sigma), first-year "
        f"share {est.lambda_year1:.2f}")
    named = {"episodes": episodes}
    scenario_file = args.scenario or "tradesim:framework-2025"  # the 2025 measures in force
    if scenario_file:
        scenario = tradesim.load_scenario(scenario_file)
        baseline = _baseline_for("mixed", scenario.base_year, anchor=False)
        demand = backtest.observed_demand(io.imports_by_sector_monthly(),
                                          io.step_tables()["step_hs6_naics3"],
                                          io.packaged_tables()["imports_hs6"], baseline)
        engine = backtest.engine_2025(baseline, scenario, demand,
                                      backtest.reallocation_draws(result.pooled), est.level)
        say(f"\nThe projection engine on the 2024 baseline: {scenario.name} (the 2025 "
            "measures) with the observed 2025 demand by sector; US general imports, bn USD, "
            "2024 -> 2025; band from the pooled bootstrap")
        engine = _no_empty_bands(engine)
        say(_fmt(engine))
        named["engine_2025"] = engine
    if args.plot:
        from tradesim.present import figures

        io.write_figure(figures.backtest_sectors(result.sectors), args.plot)
        say(f"wrote {args.plot}")
    if args.json:
        estimates = {name: {"sigma": e.sigma, "sigma_nest": e.sigma_nest, "mu": e.mu,
                            "lambda_year1": e.lambda_year1, "level": e.level,
                            "intervals": {k: list(v) if _interval(v, 3) else None
                                          for k, v in e.intervals.items()}}
                     for name, e in {**result.estimates, "pooled": result.pooled}.items()}
        _emit_json("backtest", {"boot": boot, "seed": args.seed, "units": {"money": "bn USD"},
                                "estimates": estimates, "tables": _json_tables(named),
                                "wrote": [args.plot] if args.plot else []})
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """Start the HTTP API and the what-if page (uvicorn) and print its URL."""
    import uvicorn

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: a port is 0-65535")
    if args.workers < 1:
        raise ValueError(f"--workers {args.workers}: at least 1")
    token = args.token if args.token is not None else os.environ.get("TRADESIM_TOKEN")
    if token is not None:
        os.environ["TRADESIM_TOKEN"] = token  # read by each worker's app factory
    host = f"[{args.host}]" if ":" in args.host else args.host
    query = f"?token={token}" if token else ""
    print(f"tradesim page: http://{host}:{args.port}/{query}  (API: /api/openapi.json; "
          "Ctrl+C stops)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not token:
        print("warning: listening beyond this machine without --token", file=sys.stderr)
    uvicorn.run("tradesim.web.app:from_environment", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_level="warning")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = argparse.ArgumentParser(prog="tradesim", description=__doc__)
    parser.add_argument("--version", action="version", version=tradesim.__version__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario and print the balance by year")
    run.add_argument("scenario", help="scenario file, or tradesim:NAME (tradesim scenarios)")
    run.add_argument("-o", "--output", help="write results: .nc or .zarr (every variable), .csv "
                     "(tidy: balance and totals by year; --detail for every cell) or .xlsx "
                     "(summary, products, suppliers, provenance)")
    run.add_argument("--detail", action="store_true",
                     help="with -o FILE.csv: every cell (importer, exporter, product, year)")
    run.add_argument("--plot", help="write the balance figure (.png, .svg or .pdf)")
    run.add_argument("--year", type=int, help="year for the product table (default 2030)")
    run.add_argument("--top", type=int, default=10, help="products in the table")
    run.add_argument("--rest-of-world", type=float, metavar="K",
                     help="add an assumed rest-of-world market K times the US market (GSIM)")
    run.set_defaults(func=_run)
    val = sub.add_parser("validate", help="check a scenario file against the baseline")
    val.add_argument("scenario")
    val.set_defaults(func=_validate)
    base = sub.add_parser("baseline", help="baseline totals and provenance")
    base.set_defaults(func=_baseline)
    for p in (run, val, base):
        p.add_argument("--resolution", choices=("mixed", "hs6", "hs2"), default="mixed",
                       help="product axis (a 2017 base year uses hs2)")
    desc = sub.add_parser("describe", help="the scenario file fields")
    desc.add_argument("--json", action="store_true",
                      help="print the field table as one JSON document (docs/outputs.md)")
    desc.set_defaults(func=_describe)
    prod = sub.add_parser("products", help="search products by code or name (English or "
                          "Vietnamese); list product groups and purchasable items")
    prod.add_argument("query", nargs="*", help="code prefix or words, accents optional")
    prod.add_argument("--groups", action="store_true", help="the named product groups")
    prod.add_argument("--group", metavar="NAME", help="one group: legal source, HS list, "
                      "expansion")
    prod.add_argument("--items", action="store_true", help="the purchasable items and prices")
    prod.add_argument("--resolution", choices=("mixed", "hs6", "hs2"), default="mixed",
                      help="product axis")
    prod.add_argument("--lang", choices=("en", "vi"), default="en", help="language of titles")
    prod.add_argument("--limit", type=int, default=60, help="rows of a search (default 60)")
    prod.add_argument("--json", action="store_true",
                      help="print one JSON document instead of tables (docs/outputs.md)")
    prod.set_defaults(func=_products)
    swp = sub.add_parser("sweep", help="run a grid / Monte Carlo sweep into a zarr store (or "
                         "netCDF)")
    swp.add_argument("sweep", help="sweep file (TOML)")
    swp.add_argument("-o", "--output", required=True,
                     help="out.zarr (a path, or an fsspec URL such as s3://bucket/out.zarr) or "
                          "out.nc (netCDF, written once the sweep is done)")
    swp.add_argument("--workers", type=int,
                     help="run on a local Dask cluster of N worker processes")
    swp.add_argument("--scheduler", help="Dask distributed scheduler address, tcp://host:port "
                     "(the workers write into the store: it must be reachable from them)")
    swp.add_argument("--resume", action="store_true",
                     help="finish a killed sweep: compute only the chunks not marked done (or "
                          "whose data is missing or damaged)")
    swp.add_argument("--overwrite", action="store_true", help="replace an existing output")
    swp.add_argument("--chunk", type=int, metavar="N",
                     help="points (grid points × draws) per chunk (default: by memory)")
    swp.add_argument("--rows", type=_rows, default=SWEEP_ROWS, metavar="N|all",
                     help=f"table rows to print (default {SWEEP_ROWS}; the rest are counted)")
    swp.add_argument("--plot", help="write the fan chart of the balance (.png, .svg or .pdf)")
    noise = swp.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bar or messages, only the tables and errors")
    noise.add_argument("-v", "--verbose", action="store_true", help="debug messages")
    swp.set_defaults(func=_sweep)
    goal = sub.add_parser("goal", help="solve for the value of one scenario key that meets a "
                          "target, e.g. how much Vietnam must buy")
    goal.add_argument("scenario")
    goal.add_argument("--target", required=True,
                      help="e.g. \"balance(2028) >= 0.8 * baseline\" or \"deficit(2028) vs "
                           "baseline <= -10%%\" (USD; 150 bn; deficit, exports, imports, "
                           "value(USA, VNM, 61, 2028); >= <= == > <; docs/targets.md)")
    goal.add_argument("--vary", required=True,
                      help="key path: commitment.<id>.value_usd, commitment.<id>.units (items), "
                           "commitment.<id>.additionality, "
                           "tariff.<id>.rate (percent), tariff.<id>.share, elasticities.<param>")
    goal.add_argument("--bounds", type=float, nargs=2, metavar=("LOW", "HIGH"),
                      help="search interval in file units (default by key: 0-500e9 USD, "
                           "0-100 %%, 0-1)")
    goal.add_argument("--by", type=int, help="year for quantities written without one")
    goal.add_argument("--grid", type=_goal_grid, default=9,
                      help="points of the first scan (default 9; at most "
                           "tradesim.analysis.goal.MAX_GRID)")
    goal.set_defaults(func=_goal)
    cmp_ = sub.add_parser("compare", help="balance by year and the products that differ most, "
                          "for two or more scenarios")
    cmp_.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    cmp_.add_argument("--year", type=int, help="year for the product table (default 2030)")
    cmp_.add_argument("--top", type=int, default=10, help="products in the table")
    cmp_.add_argument("--plot", help="write the balance figure (.png, .svg or .pdf)")
    cmp_.add_argument("--target", action="append", metavar="EXPR",
                      help="a target to check for each scenario (repeatable), e.g. "
                           "\"balance(2030) > -175 bn\" or \"deficit(2028) vs baseline <= -10%%\"")
    cmp_.add_argument("-o", "--output", help="write the comparison: .nc, .zarr, .csv (tidy; "
                      "--detail for every cell) or .xlsx")
    cmp_.add_argument("--detail", action="store_true",
                      help="with -o FILE.csv: every cell (scenario, importer, exporter, product)")
    cmp_.set_defaults(func=_compare)
    rep = sub.add_parser("report", help="write a self-contained HTML (or Markdown) report")
    rep.add_argument("scenario")
    rep.add_argument("--vs", metavar="OTHER", help="a second scenario to compare with")
    rep.add_argument("-o", "--output", required=True, help="report.html or report.md")
    rep.add_argument("--year", type=int, help="year of the product views (default 2030)")
    rep.set_defaults(func=_report)
    cal = sub.add_parser("calibrate", help="estimate the reallocation parameters (nest premium, "
                         "adjustment, trend persistence) and write a parameter file")
    cal.add_argument("-o", "--output", required=True, help="parameter file, .csv")
    cal.add_argument("--episodes", nargs="+", metavar="NAME",
                     help="episodes to pool (default: all, 2017-2019 and 2024-2025)")
    cal.add_argument("--boot", type=int, default=200, help="bootstrap fits (default 200)")
    cal.add_argument("--seed", type=int, default=1)
    cal.set_defaults(func=_calibrate)
    bt = sub.add_parser("backtest", help="fit on the 2018-19 episode and predict 2025, and the "
                        "reverse; print actual vs model changes")
    bt.add_argument("--boot", type=int, default=200, help="bootstrap fits per episode (default "
                    "200; 0 for point estimates only)")
    bt.add_argument("--seed", type=int, default=1)
    bt.add_argument("--scenario", metavar="FILE", help="the 2025 measures for the engine check "
                    "(default: the shipped tradesim:framework-2025)")
    bt.add_argument("--plot", metavar="FILE", help="write actual vs model by sector (PNG/SVG)")
    bt.set_defaults(func=_backtest)
    for p in (run, base, goal, cmp_, cal, bt, swp):
        p.add_argument("--json", action="store_true",
                       help="print one JSON document instead of tables (keys: docs/outputs.md)")
    srv = sub.add_parser("serve", help="start the what-if page and the HTTP API on "
                         "127.0.0.1 and print its URL")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                     "127.0.0.1: this machine only)")
    srv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    srv.add_argument("--token", help="require this access token on every API request "
                     "(default: $TRADESIM_TOKEN, else none)")
    srv.add_argument("--workers", type=int, default=1, help="server processes (default 1; "
                     "2 uses both cores of a small machine)")
    srv.set_defaults(func=_serve)
    for p in (goal, cmp_, rep):
        p.add_argument("--resolution", choices=("mixed", "hs6", "hs2"), default="mixed",
                       help="product axis (a 2017 base year uses hs2)")
    for p in (run, goal, cmp_, rep, swp):
        p.add_argument("--no-anchor", action="store_true",
                       help="the 2024-based projection: 2025 as the model projects it, not the "
                            "observed 2025 the default baseline is anchored to")
    shipped = sub.add_parser("scenarios", help="list the shipped scenarios and sweeps (use them "
                             "as tradesim:NAME)")
    shipped.set_defaults(func=_scenarios)
    for p in (run, val, goal, cmp_, rep):
        p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE",
                       help="override one value of the scenario (repeatable; file units), e.g. "
                            "tariff.vn-recip-20.rate=46, commitment.ID.additionality=0.5, "
                            "scenario.horizon=2032, elasticities.sigma.61=3" + (
                                "; applied to every scenario" if p is cmp_ else ""))
    for p in (run, goal, cmp_, rep):
        p.add_argument("--reallocation", metavar="FILE.csv",
                       help="reallocation parameters from tradesim calibrate -o (default: the "
                            "shipped estimates)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 runtime failure, 2 bad input)."""
    with _escaped_output():
        return _main(build_parser(), argv)


def _main(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
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


#: Commands that use Dask; the others never do.
DASK_COMMANDS = frozenset({"sweep"})
#: Duck-array libraries xarray imports to check an array's type whenever they are installed,
#: and tradesim never uses (pint comes with the test extra).
UNUSED_PROBES = ("pint",)


def _reuse_freed_memory() -> bool:
    """Keep the memory a sweep's chunks free in the process for the next chunk (glibc only).

    A chunk's temporaries are a few MB each; glibc gives blocks that large back to the kernel
    when they are freed (mmap, trim), so the next chunk pays a page fault for every 4 KB it
    touches again: about a third of a draw's time on ``sweeps/framework-mc.toml``
    (``benchmarks/README.md``). Serving blocks up to 32 MB (glibc's largest threshold) from the
    heap and never trimming it reuses the same pages; the peak is the same blocks, held.

    All threads share one heap (arena) instead of glibc's up to eight per core: the chunks'
    threads and the store's (zarr's event loop and its pool) then reuse the blocks any of
    them freed instead of each holding its own high-water mark. The peak of
    ``sweeps/framework-mc.toml`` fell from 372-403 to 292-318 MB at 10^4-4x10^4 draws with one
    heap per core, and from 249-259 to 243-244 MB at 10^4 draws (1,000-40,000 draws:
    228-232 to 246-247 MB, against 234-239 to 259-263 MB) with one for all, at the same speed
    (measured, ``benchmarks/memory.py`` and /usr/bin/time, 4 interleaved runs). False where
    the C library has no ``mallopt`` (the sweep then runs as before).
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # <malloc.h>
    return bool(mallopt(m_mmap_threshold, 32 * 2**20)) and bool(
        mallopt(m_trim_threshold, 2**31 - 1)) and bool(
        mallopt(m_arena_max, 1))


def console(argv: Sequence[str] | None = None) -> int:
    """The ``tradesim`` program: :func:`main` in a process of its own.

    For a command that never uses Dask, Dask is marked absent for the rest of the process
    before anything runs: xarray imports ``dask.array`` (and with it much of scipy, about
    0.5 s) the first time it wraps a numpy array whenever Dask is installed, and a plain
    ``tradesim run`` has no use for it; likewise pint (:data:`UNUSED_PROBES`) for every
    command. Only the console entry point does this; :func:`main` called in-process (tests,
    notebooks) leaves the interpreter as it is. A sweep also keeps freed memory for reuse
    (:func:`_reuse_freed_memory`), and every command ends with :func:`gc.freeze`.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args if not a.startswith("-")), None)
    absent = [*UNUSED_PROBES, *(("dask",) if command not in DASK_COMMANDS else ())]
    for name in absent:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import name -> ImportError
    if command == "sweep":
        _reuse_freed_memory()
    try:
        return main(args)
    finally:
        # The process ends next: spare the interpreter's last collections a pass over every
        # object the imports made (~80,000 with numpy, pandas and xarray; 0.15-0.2 s of a
        # 1 s `run`, measured in benchmarks/startup.py). Objects are still released and
        # atexit handlers still run; only cycles already garbage are left to the exit.
        gc.freeze()


if __name__ == "__main__":
    sys.exit(console())

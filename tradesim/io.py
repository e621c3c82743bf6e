"""Edges: read scenario TOML (with ``include``), the packaged data, and write results atomically.

Nothing in the core imports this module.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.analysis import anchor as _anchor
from tradesim.data import baseline as _baseline
from tradesim.data.frame import with_rest_of_world
from tradesim.dims import IMPORTER, PRODUCT
from tradesim.errors import DataError, Problem, ScenarioError, closest
from tradesim.scenario.parse import Scenario, parse_scenario, too_deep
from tradesim.scenario.sweep_file import Sweep, parse_sweep

__all__ = [
    "atomic_path",
    "elasticity_ranges",
    "imports_by_sector_monthly",
    "load_baseline",
    "packaged_tables",
    "read_reallocation",
    "step_tables",
    "read_scenario",
    "read_sweep",
    "resolve_shipped",
    "shipped_files",
    "shipped_names",
    "shipped_path",
    "write_figure",
    "write_result",
]

_FILES: dict[str, str] = {
    "imports_hs6": "us_imports_hs6_2024.csv.gz",
    "imports_hs2_general": "us_imports_hs2_general_2024.csv",
    "exports_hs6": "us_exports_to_vn_hs6.csv.gz",
    "growth": "growth_hs2.csv",
    "elasticities_hs2": "elasticities_hs2.csv",
    "elasticities_hs6_us": "elasticities_hs6_us.csv.gz",
    "vn_mfn": "vn_mfn_rates.csv",
    "splits": "product_splits.csv",
    "chapters": "hs_chapters.csv",
    "hs6_names": "hs6_names.csv.gz",
    "totals": "us_vn_totals.csv",
    "imports_hs2_consumption": "us_imports_hs2_consumption_2017_2020.csv.gz",
    "duty_hs2_2017": "us_duty_hs2_2017.csv",
    "exports_hs2": "us_exports_to_vn_hs2_history.csv",
    "reallocation": "reallocation.csv",
    "share_trends": "share_trends.csv",
}
_CODE_COLUMNS = {"hs6": str, "hs2": str, "hs": str, "code": str, "exporter": str, "naics3": str,
                 "valid_from": str, "valid_to": str}

MAX_SCENARIO_BYTES = 1_000_000


def embedded_path(name: str) -> Path:
    """Path of a packaged data file in ``tradesim/data/embedded``."""
    return Path(str(resources.files("tradesim.data") / "embedded" / name))


def shipped_path(name: str, kind: str = "scenarios") -> Path:
    """Path of a shipped scenario (``kind="scenarios"``) or sweep file by name (``.toml``
    optional), packaged with tradesim (the repository's ``scenarios/`` and ``sweeps/``)."""
    stem = name.removesuffix(".toml")
    return Path(str(resources.files("tradesim.data") / kind / f"{stem}.toml"))


#: Prefix naming a shipped file: ``tradesim:framework-2025`` (``tradesim run``, ``include``).
SHIPPED = "tradesim:"
_SHIPPED_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)?$")


def shipped_names(kind: str = "scenarios") -> list[str]:
    """Names of the shipped scenarios (``replay/...`` for the 2018–19 replay) or sweeps."""
    folder = shipped_path("x", kind).parent
    return sorted(p.relative_to(folder).with_suffix("").as_posix()
                  for p in folder.rglob("*.toml"))


def resolve_shipped(source: str, kind: str = "scenarios", where: str = "",
                    path: str = "") -> Path:
    """The file a ``tradesim:NAME`` reference names, or :class:`ScenarioError` with the
    closest shipped name (``path``: the key path for the message, e.g. ``scenario.include``)."""
    name = source.removeprefix(SHIPPED).removesuffix(".toml")
    names = shipped_names(kind)
    if _SHIPPED_NAME.match(name) and name in names:
        return shipped_path(name, kind).resolve()
    listing = f"shipped {kind} (tradesim scenarios lists them)"
    raise ScenarioError(Problem(path, f"no shipped {kind[:-1]} of that name", source,
                                closest(name, names, listing)), where or source)


def shipped_files() -> list[dict[str, Any]]:
    """Every shipped scenario and sweep: ``kind``, ``name`` (use it as ``tradesim:NAME``),
    ``title``, ``base_year``, ``horizon`` (a sweep's are its base scenario's) and ``base``
    (a sweep's base scenario file)."""
    rows = []
    for name in shipped_names("scenarios"):
        s = read_scenario(SHIPPED + name)
        rows.append({"kind": "scenario", "name": name, "title": s.title,
                     "base_year": s.base_year, "horizon": s.horizon, "base": ""})
    for name in shipped_names("sweeps"):
        path = shipped_path(name, "sweeps")
        head = _read_toml(path, SHIPPED + name).get("sweep", {})
        ref = str(head.get("base", ""))
        base = read_scenario(ref if ref.startswith(SHIPPED) else (path.parent / ref).resolve())
        rows.append({"kind": "sweep", "name": name, "title": str(head.get("title", "")),
                     "base_year": base.base_year, "horizon": base.horizon,
                     "base": str(head.get("base", ""))})
    return rows


def _read_packaged(name: str, **options: Any) -> pd.DataFrame:
    """One packaged CSV (``pd.read_csv`` options), or :class:`DataError` if it is missing."""
    path = embedded_path(name)
    if not path.exists():
        raise DataError(f"packaged data file {name} is missing from {path.parent}")
    return pd.read_csv(path, **options)


@functools.cache
def imports_by_sector_monthly() -> pd.DataFrame:
    """US imports for consumption by NAICS3 × month for VNM, CHN and WORLD (packaged, cached).

    Columns ``month, partner, naics3, name, value_usd, duty_usd, basis, source``; read only by
    the backtests and calibration, so a plain run never pays for it.
    """
    return _read_packaged("us_imports_naics3_monthly_vn_cn_world.csv.gz",
                          dtype={"month": str, "partner": str, "naics3": str})


@functools.cache
def packaged_tables() -> dict[str, pd.DataFrame]:
    """Read every packaged table (cached; treat the frames as read-only)."""
    return {key: _read_packaged(name, dtype=_CODE_COLUMNS, keep_default_na=False,
                                na_values=[""]) for key, name in _FILES.items()}


#: Packaged tables of the 2025 starting point (``tools/package_data/step2025.py``).
_STEP_FILES: dict[str, str] = {
    "step_hs6_naics3": "step_2025_hs6_naics3.csv.gz",
    "step_factors": "step_2025_factors.csv.gz",
}


@functools.cache
def step_tables() -> dict[str, pd.DataFrame]:
    """The 2025-step tables (cached), with every code column read as text."""
    codes = {"group": str, "hs6": str, "naics3": str, "kind": str}
    return {key: _read_packaged(name, dtype=codes, keep_default_na=False, na_values=[""])
            for key, name in _STEP_FILES.items()}


def _build_baseline(resolution: str, year: int, tables: Mapping[str, pd.DataFrame],
                    anchor: bool = False) -> xr.Dataset:
    if anchor:
        plain = _build_baseline(resolution, 2024, tables)
        observed = _baseline.step_2025(plain, tables)["value"]
        regime = read_scenario(shipped_path(ANCHOR_REGIME))
        anchored = _anchor.anchor(plain, regime, observed, ANCHOR_YEAR)
        unscaled = float(anchored.attrs["anchor_unscaled_usd"])
        note = ANCHOR_NOTE if unscaled == 0 else (
            f"{ANCHOR_NOTE}. Left out: {unscaled / 1e9:.3f} bn USD of 2025 flows in cells "
            "with no 2024 flow, which a level factor cannot scale")
        anchored.attrs.update(title=f"{plain.attrs['title']}, anchored to observed 2025",
                              anchor_note=note)
        return anchored
    if year == 2025 and resolution in ("mixed", "hs6"):
        return _baseline.step_2025(_build_baseline(resolution, 2024, tables), tables)
    if resolution == "hs2":
        return _baseline.build_chapters(tables, year=year)
    if year != 2024:
        raise DataError(f"the {resolution!r} baseline exists for 2024 and 2025 only; for "
                        f"{year} use resolution='hs2' (years {list(_baseline.CHAPTER_YEARS)})")
    return _baseline.build(tables, resolution=resolution)


@functools.cache
def _cached_baseline(resolution: str, year: int = 2024, anchor: bool = False) -> xr.Dataset:
    return _build_baseline(resolution, year, {**packaged_tables(), **step_tables()}, anchor)


#: The observed year the default baselines are anchored to, and the shipped scenario holding
#: the measures in force that year (framework-2025 and turn-2026 agree on every 2025 measure).
ANCHOR_YEAR = 2025
ANCHOR_REGIME = "framework-2025"
ANCHOR_NOTE = (
    "2025 is observed: the baseline carries a level factor per cell from 2025 on so that the "
    "2025 measures in force (scenario framework-2025, identical to turn-2026 for 2025) "
    "reproduce the 2025 step exactly (US imports from Vietnam 193.86 bn, US exports to Vietnam "
    "15.66 bn, balance -178.2 bn, US imports from China 308.4 bn); a scenario with other 2025 "
    "measures differs from them in 2025 by what those measures change. load_baseline("
    "anchor=False) / --no-anchor: the 2024-based projection (backtests)")


#: Columns and parameters a reallocation parameter file (``tradesim calibrate -o``) must have.
REALLOCATION_COLUMNS = ("importer", "parameter", "value", "nest", "episodes")
REALLOCATION_BOUNDS = {"nest_ratio": (1.0, 50.0), "adjustment": (1e-6, 1.0),
                       "trend_persistence": (0.0, 1.0)}


def read_reallocation(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a reallocation parameter file (the format of ``reallocation.csv``).

    Raises
    ------
    DataError
        Missing file or column, a market without ``nest_ratio`` or ``adjustment``, a value out
        of bounds; each message names the file.
    """
    where = Path(path)
    if not where.is_file():
        raise DataError(f"{where}: no such reallocation parameter file")
    table = pd.read_csv(where, dtype={"importer": str, "parameter": str, "nest": str})
    missing = [c for c in REALLOCATION_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}; write it with tradesim "
                        "calibrate -o FILE.csv")
    for importer, rows in table.groupby("importer"):
        value = rows.set_index("parameter")["value"]
        for name in ("nest_ratio", "adjustment"):
            if name not in value:
                raise DataError(f"{where}: market {importer} has no {name!r} row")
        for name, (low, high) in REALLOCATION_BOUNDS.items():
            if name in value and not low <= float(value[name]) <= high:
                raise DataError(f"{where}: {importer} {name} = {float(value[name]):g} is outside "
                                f"[{low:g}, {high:g}]")
    return table


def load_baseline(resolution: str = "mixed", year: int | None = None,
                  rest_of_world: float | None = None,
                  reallocation: str | os.PathLike[str] | None = None,
                  anchor: bool | None = None) -> xr.Dataset:
    """Return an embedded US–Vietnam baseline (a copy; cached after the first call).

    Parameters
    ----------
    resolution : {"mixed", "hs6", "hs2"}
        ``"mixed"``: chapters with negotiation lines split out (fast default);
        ``"hs6"``: the US market at HS6 with ~50 named suppliers;
        ``"hs2"``: whole chapters (2017: imports for consumption and the 20 largest suppliers
        of 2013–2020, the base of the 2018–19 replay; 2024: the default data without splits).
    year : int, optional
        Base year: 2024 (default) for every resolution; 2025 (the observed starting point:
        the 2024 HS6 structure carried to the 2025 Census NAICS3 x supplier actuals and
        headline totals, :func:`tradesim.data.baseline.step_2025`) with ``"mixed"`` or
        ``"hs6"``; or 2017 with ``resolution="hs2"``.
    rest_of_world : float, optional
        Add an assumed rest-of-world import market of this size relative to the US market
        (:func:`tradesim.data.frame.with_rest_of_world`), for GSIM with finite ω.
    reallocation : path, optional
        A reallocation parameter file (``tradesim calibrate -o FILE.csv``) instead of the
        shipped estimates: the nest premium, adjustment and trend persistence by market.
    anchor : bool, optional
        Calibrate the 2024 baseline to the observed 2025 (:func:`tradesim.analysis.anchor.
        anchor`): a level factor per cell from 2025 on, solved so that the 2025 measures in
        force (the shipped ``framework-2025``) reproduce the 2025 step exactly, so projections
        pass through the observed 2025 totals. Default: on for ``"mixed"`` and ``"hs6"`` with
        base year 2024, the only baselines a 2025 step exists for; ``False`` gives the
        2024-based projection the backtests use.
    """
    year = 2024 if year is None else int(year)
    possible = resolution in ("mixed", "hs6") and year == 2024
    if anchor and not possible:
        raise DataError(f"anchor=True needs the 'mixed' or 'hs6' baseline of 2024, not "
                        f"{resolution!r} of {year}: only they have a 2025 step")
    anchor = possible if anchor is None else bool(anchor)
    if reallocation is None:
        baseline = _cached_baseline(resolution, year, anchor).copy()
    else:
        tables = {**packaged_tables(), **step_tables(),
                  "reallocation": read_reallocation(reallocation)}
        baseline = _build_baseline(resolution, year, tables, anchor)
    if rest_of_world is not None:
        baseline = with_rest_of_world(baseline, rest_of_world)
    return baseline


#: Deepest nesting of arrays and inline tables, of dotted keys and of tables a scenario or sweep
#: file may have; the shipped files use 3. Checked before parsing, so a bracket bomb is refused
#: with a message instead of a RecursionError (or minutes of work) inside the TOML reader.
MAX_TOML_DEPTH = 32
#: Most files one scenario may read through ``include`` (all levels, a file included twice
#: counted twice), and the longest include chain.
MAX_INCLUDES = 64
MAX_INCLUDE_DEPTH = 8

# What the depth scan looks for: brackets, the dots and separators of keys, and the starts of
# strings and comments (skipped whole, so what is inside them does not count). Every pattern
# below scans in linear time.
_TOML_MARKS = re.compile(r"\"\"\"|'''|[\"'#\[\]{}.=,\n]")
_STRING_ENDS = {
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    "'": re.compile(r"[^'\n]*'"),
    "'''": re.compile(r"(?:[^']|'(?!''))*'''"),
}


def _nesting(text: str, limit: int) -> tuple[int, str] | None:  # noqa: C901
    """Where a TOML text first nests deeper than ``limit``: (line, what), or None.

    Counts open arrays and inline tables, and the dots of one key (``a.b.c = 1`` or a
    ``[a.b.c]`` header), which the TOML reader resolves in time quadratic in their number.
    A syntax error (an unterminated string) ends the scan; the TOML reader reports it.
    """
    if text.count("[") + text.count("{") <= limit and text.count(".") <= limit:
        return None
    opens: list[str] = []
    in_key, dots, pos = True, 0, 0
    while (found := _TOML_MARKS.search(text, pos)) is not None:
        mark, pos = found.group(), found.end()
        if mark in "[{":
            opens.append(mark)
            if len(opens) > limit:
                return text.count("\n", 0, found.start()) + 1, "arrays or inline tables"
            if mark == "{":
                in_key, dots = True, 0
        elif mark in "]}":
            if opens:
                opens.pop()
            in_key = False
        elif mark == ".":
            dots += in_key
            if dots > limit:
                return text.count("\n", 0, found.start()) + 1, "dotted keys"
        elif mark == "=":
            in_key = False
        elif mark == ",":
            if opens and opens[-1] == "{":
                in_key, dots = True, 0
        elif mark == "\n":
            if not opens:
                in_key, dots = True, 0
        elif mark == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        else:
            end = _STRING_ENDS[mark].match(text, pos)
            if end is None:
                return None
            pos = end.end()
    return None


def _regular_file_bytes(path: Path, where: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_SCENARIO_BYTES`; anything else (a
    FIFO, a device such as /dev/zero, a socket) is refused without reading from it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(Problem("", "file does not exist", hint="check the path"),
                            where) from None
    except OSError as err:
        raise ScenarioError(Problem("", f"cannot read the file ({err.strerror})"),
                            where) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(Problem("", "is a directory, not a scenario file"), where)
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(Problem("", f"is not a regular file ({_file_kind(info.st_mode)}); "
                                    "give a scenario file saved on disk"), where)
    if info.st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(Problem("", f"file is too large ({info.st_size} bytes; limit "
                                    f"{MAX_SCENARIO_BYTES})"), where)
    # O_NONBLOCK: should the path become a FIFO after the stat, opening it does not wait for
    # a writer; fstat on the open file then refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise ScenarioError(Problem("", f"cannot read the file ({err.strerror})"),
                            where) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ScenarioError(Problem("", f"is not a regular file ({_file_kind(mode)})"),
                                where)
        raw = handle.read(MAX_SCENARIO_BYTES + 1)
    if len(raw) > MAX_SCENARIO_BYTES:  # grew after the stat
        raise ScenarioError(Problem("", f"file is too large (more than {MAX_SCENARIO_BYTES} "
                                    f"bytes; limit {MAX_SCENARIO_BYTES})"), where)
    return raw


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    """Parse one scenario or sweep file: a regular UTF-8 file within the size and depth limits."""
    raw = _regular_file_bytes(path, where)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(Problem("", f"not UTF-8 text (byte {err.start})",
                                    hint="save the file as UTF-8"), where) from None
    deep = _nesting(text, MAX_TOML_DEPTH)
    if deep is not None:
        raise ScenarioError(Problem("", f"{deep[1]} nest more than {MAX_TOML_DEPTH} deep (line "
                                    f"{deep[0]})", hint="scenario files need 3 levels at most"),
                            where)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(Problem("", f"TOML syntax error: {err}"), where) from None
    if too_deep(doc, MAX_TOML_DEPTH):
        raise ScenarioError(Problem("", f"tables nest more than {MAX_TOML_DEPTH} deep "
                                    "(dotted keys or [a.b.c...] headers)",
                                    hint="scenario files need 3 levels at most"), where)
    return doc


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(file|data|ftp|https?):", re.IGNORECASE)


def _include_target(including: Path, name: str, where: str) -> Path:
    """The file an ``include`` names, resolved against the including file's folder (after
    symlinks, whatever the current directory); it must stay inside that folder."""
    folder = including.parent
    if name.startswith(SHIPPED):
        return resolve_shipped(name, "scenarios", where, "scenario.include")
    if _URL.match(name):
        raise ScenarioError(Problem("scenario.include", "include takes a file path, not a URL",
                                    name, "download the file next to the scenario"), where)
    if Path(name).is_absolute():
        raise ScenarioError(Problem("scenario.include", "include path leaves the scenario's "
                                    "folder (absolute path)", name,
                                    "give a path relative to the including file"), where)
    target = (folder / name).resolve()
    if not target.is_relative_to(folder):
        raise ScenarioError(Problem("scenario.include", "include path leaves the scenario's "
                                    "folder", name, f"it resolves to {target}"), where)
    if target.is_dir():
        raise ScenarioError(Problem("scenario.include", "included path is a folder, not a "
                                    "scenario file", name), where)
    if not target.exists():
        raise ScenarioError(Problem("scenario.include", "included file does not exist",
                                    name, f"looked for {target}"), where)
    return target


def read_scenario(source: str | os.PathLike[str] | dict[str, Any],
                  _seen: tuple[Path, ...] = ()) -> Scenario:
    """Read and validate a scenario from a TOML path or an already parsed dict.

    ``include = [...]`` in the header names other scenario files, relative to this one and
    inside its folder (after symlinks, whatever the current directory; no URLs, absolute paths
    or folders), or shipped ones by name (``"tradesim:framework-2025"``, from anywhere); their
    measures and commitments come first. ``source`` may itself be ``"tradesim:NAME"``
    (:func:`shipped_names`). Include cycles are errors, and so are a file listed twice in one
    ``include``, chains deeper than :data:`MAX_INCLUDE_DEPTH` and more than
    :data:`MAX_INCLUDES` files read in all (includes multiply: a file that two others include
    is read twice).
    """
    if not isinstance(source, str | os.PathLike):
        return parse_scenario(source)  # a dict, or a ScenarioError saying what it is not
    where = os.fspath(source)
    if where.startswith(SHIPPED):
        path = resolve_shipped(where, "scenarios")
    else:
        path = Path(source).resolve()
    return _read_with_includes(path, where, _seen, [0], where)


def _read_with_includes(path: Path, where: str, chain: tuple[Path, ...], count: list[int],
                        top: str) -> Scenario:
    """One file of an include tree; ``count`` holds the files read so far (shared by the
    tree), ``top`` names the file the user gave, where the limits are reported."""
    if path in chain:
        trail = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(Problem("scenario.include", "include cycle", trail), where)
    if len(chain) > MAX_INCLUDE_DEPTH:
        trail = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(Problem("scenario.include", f"includes nest more than "
                                    f"{MAX_INCLUDE_DEPTH} files deep", trail,
                                    "include the files from one top-level scenario"), top)
    count[0] += 1
    if count[0] > MAX_INCLUDES:
        raise ScenarioError(Problem("scenario.include", f"more than {MAX_INCLUDES} files read "
                                    "through include (each file is read once per include "
                                    "naming it)", path.name,
                                    "include shared files once, from the top-level scenario"),
                            top)
    doc = _read_toml(path, where)
    head = doc.get("scenario")
    names = head.get("include", []) if isinstance(head, dict) else []
    included = []
    if isinstance(names, list):
        targets: list[Path] = []
        for name in names:
            if not isinstance(name, str):
                continue  # parse_scenario reports the type
            target = _include_target(path, name, where)
            if target in targets:
                raise ScenarioError(Problem("scenario.include", "lists the same file twice",
                                            name), where)
            targets.append(target)
        included = [_read_with_includes(t, os.fspath(t), (*chain, path), count, top)
                    for t in targets]
    return parse_scenario(doc, file=where, includes=included)


def read_sweep(source: str | os.PathLike[str]) -> Sweep:
    """Read and validate a sweep file; its ``[sweep] base`` is a path relative to the file.

    Raises
    ------
    ScenarioError
        Every problem of the sweep (or of its base scenario), with file and key path.
    """
    where = os.fspath(source)
    shipped = where.startswith(SHIPPED)
    path = resolve_shipped(where, "sweeps") if shipped else Path(source).resolve()
    doc = _read_toml(path, where)
    head = doc.get("sweep")
    base = head.get("base") if isinstance(head, dict) else None
    if isinstance(base, str) and base.startswith(SHIPPED):
        return parse_sweep(doc, read_scenario(base), file=where)
    if not isinstance(base, str):
        raise ScenarioError(Problem("sweep.base", "required: the base scenario file, relative "
                                    "to this sweep file", base,
                                    'e.g. base = "../scenarios/framework-2025.toml"'), where)
    target = (path.parent / base).resolve()
    if not target.is_file():
        raise ScenarioError(Problem("sweep.base", "file does not exist", base,
                                    f"looked for {target}"), where)
    return parse_sweep(doc, read_scenario(target), file=where)


def elasticity_ranges(baseline: xr.Dataset) -> xr.Dataset:
    """Low/high (25th/75th percentile) of σ and η for each importer × product of a baseline.

    From the packaged ``elasticities_hs2.csv`` by chapter (the ``all`` row where a chapter has
    none), scaled by the baseline's own value over the chapter's, so a product whose value
    differs from its chapter's (HS6 σ) keeps the chapter's relative spread.

    Returns
    -------
    Dataset
        ``sigma_low``, ``sigma_high``, ``eta_low``, ``eta_high`` (importer, product).
    """
    table = packaged_tables()["elasticities_hs2"].copy()
    table["hs2"] = table["hs2"].astype(str)
    keyed = table.set_index(["importer", "hs2"])
    importers = [str(i) for i in baseline.indexes[IMPORTER]]
    chapters = [str(p)[:2] for p in baseline.indexes[PRODUCT]]
    out = xr.Dataset(coords={IMPORTER: baseline.indexes[IMPORTER],
                             PRODUCT: baseline.indexes[PRODUCT]})
    for param in ("sigma", "eta"):
        cols = [param, f"{param}_low", f"{param}_high"]
        own = keyed.reindex([(i, c) for i in importers for c in chapters])[cols].to_numpy()
        fall = keyed.reindex([(i, "all") for i in importers for _ in chapters])[cols].to_numpy()
        own = np.where(np.isnan(own), fall, own).reshape(len(importers), len(chapters), 3)
        centre = baseline[param].transpose(IMPORTER, PRODUCT).to_numpy()
        scale = centre / own[..., 0]
        out[f"{param}_low"] = ((IMPORTER, PRODUCT), own[..., 1] * scale)
        out[f"{param}_high"] = ((IMPORTER, PRODUCT), own[..., 2] * scale)
    return out


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    An exception inside the block leaves the previous file (or none) and no temporary file.
    """
    dest = Path(target)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.is_file():  # mkstemp makes 0600; give the file the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            tmp_path.chmod(0o666 & ~umask)
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _writer(suffix: str) -> Callable[[xr.Dataset, Path], None]:
    def netcdf(ds: xr.Dataset, path: Path) -> None:
        clean = ds.copy()
        for name in list(clean.coords):
            if clean[name].dtype == object:
                clean[name] = clean[name].astype(str)
        clean.attrs = {k: str(v) for k, v in clean.attrs.items()}
        clean.to_netcdf(path, engine="netcdf4")

    def csv(ds: xr.Dataset, path: Path) -> None:
        tidy_frame(ds).to_csv(path, index=False)

    writers = {".nc": netcdf, ".csv": csv}
    if suffix not in writers:
        raise ValueError(f"unknown output format {suffix!r}; use .nc or .csv")
    return writers[suffix]


def tidy_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Long table of the result: variable, unit, labels, year, value."""
    frames = []
    for name, da in ds.data_vars.items():
        frame = da.to_dataframe(name="value").reset_index()
        frame = frame[[c for c in frame.columns if c in (*da.dims, "value")]]
        frame.insert(0, "unit", da.attrs.get("units", ""))
        frame.insert(0, "variable", name)
        frames.append(frame)
    cols = ["variable", "unit", "importer", "exporter", "product", "year", "value"]
    out = pd.concat(frames, ignore_index=True)
    return out[[c for c in cols if c in out.columns]]


def write_figure(fig: Any, target: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Save a matplotlib Figure atomically; the format follows the suffix (.png, .svg, .pdf)."""
    dest = Path(target)
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format=dest.suffix.lstrip(".").lower() or "png", dpi=dpi)
    return dest


def write_result(ds: xr.Dataset, target: str | os.PathLike[str]) -> Path:
    """Write a result to ``.nc`` (netCDF4) or ``.csv`` (long table), atomically."""
    dest = Path(target)
    write = _writer(dest.suffix.lower())
    with atomic_path(dest) as tmp:
        write(ds, tmp)
    return dest

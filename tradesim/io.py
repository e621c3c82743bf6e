"""Edges: read scenario TOML (with ``include``), the packaged data, and write results atomically.

Nothing in the core imports this module.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import importlib.metadata
import os
import re
import shutil
import stat
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from tradesim import cache
from tradesim.analysis import anchor as _anchor
from tradesim.data import baseline as _baseline
from tradesim.data.frame import with_rest_of_world
from tradesim.dims import EXPORTER, IMPORTER, PRODUCT
from tradesim.errors import DataError, Problem, ScenarioError, closest
from tradesim.scenario.parse import Scenario, parse_scenario, too_deep

if TYPE_CHECKING:
    from tradesim.scenario.sweep_file import Sweep

__all__ = [
    "RESULT_FORMATS",
    "TABLE_FORMATS",
    "NonFiniteError",
    "OutputError",
    "atomic_folder",
    "atomic_path",
    "cf_dataset",
    "check_finite",
    "check_output",
    "elasticity_ranges",
    "imports_by_sector_monthly",
    "load_baseline",
    "output_path",
    "packaged_table",
    "packaged_tables",
    "read_reallocation",
    "step_tables",
    "read_scenario",
    "read_sweep",
    "remove_stale_parts",
    "resolve_shipped",
    "shipped_files",
    "shipped_names",
    "scenario_inputs",
    "shipped_path",
    "tidy_frame",
    "write_figure",
    "write_result",
    "write_tables",
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
    return {key: packaged_table(key) for key in _FILES}


@functools.cache
def packaged_table(key: str) -> pd.DataFrame:
    """One packaged table by its key in :func:`packaged_tables` (cached; read-only)."""
    return _read_packaged(_FILES[key], dtype=_CODE_COLUMNS, keep_default_na=False,
                          na_values=[""])


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


def _build_packaged(resolution: str, year: int, anchor: bool) -> xr.Dataset:
    """An embedded baseline built from the packaged tables (what the disk cache stores)."""
    return _build_baseline(resolution, year, {**packaged_tables(), **step_tables()}, anchor)


def _cache_inputs() -> list[Path]:
    """Files an embedded baseline depends on: the packaged tables, the shipped scenarios (the
    anchor simulates one) and tradesim's own source."""
    package = Path(__file__).resolve().parent
    data = [embedded_path(name) for name in sorted({*_FILES.values(), *_STEP_FILES.values()})]
    scenarios = sorted(shipped_path(ANCHOR_REGIME).parent.rglob("*.toml"))
    return data + scenarios + sorted(package.rglob("*.py"))


@functools.cache
def _cached_baseline(resolution: str, year: int = 2024, anchor: bool = False) -> xr.Dataset:
    """The one place an embedded baseline is built or loaded: from memory, else from the disk
    cache (:mod:`tradesim.cache`, keyed by these arguments, the packaged files, the shipped
    scenarios, the source and the version), else built and stored there. Every argument of
    the build joins the key."""
    return cache.memo(_build_packaged, inputs=_cache_inputs(), resolution=resolution,
                      year=year, anchor=anchor)


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

    The built baselines are also kept on disk (:mod:`tradesim.cache`: the user cache folder,
    or ``$TRADESIM_CACHE_DIR``; ``TRADESIM_CACHE_DIR=off`` turns it off), rebuilt whenever the
    packaged data, the shipped scenarios, tradesim's source or its version change.

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
    from tradesim.scenario.sweep_file import parse_sweep  # sweeps only (and their targets)

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
    table = packaged_table("elasticities_hs2").copy()  # a sweep on a cached baseline
    # reads this table alone
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


# ------------------------------------------------------------------------------------ outputs
#
# Policy (docs/outputs.md): every file is written to a hidden temporary file beside the target
# (``.<name>.<pid>-<random>.part``) and renamed onto it only when complete, so a failure or a
# kill leaves the previous file (or none). A target that is a symbolic link is followed: the
# file it points to is replaced atomically and the link stays. A target that exists but is not
# a regular file (a device such as /dev/null, a FIFO, a socket, a folder) is refused, and so is
# a target that is one of the command's inputs (after symlinks and hard links). Temporary files
# of a killed earlier run (their process is gone) are removed by the next write to that target.

#: Result formats of :func:`write_result`, by suffix.
RESULT_FORMATS: dict[str, str] = {
    ".nc": "netCDF4, compressed, CF-style attributes (units, long_name)",
    ".zarr": "zarr store (format 2, consolidated metadata, compressed), CF-style attributes",
    ".csv": "tidy table: balance and totals by year (detail=True: every cell of the cube)",
}
#: Table formats of :func:`write_tables` (summary tables of run, compare, sweep).
TABLE_FORMATS: dict[str, str] = {
    ".xlsx": "Excel workbook, one sheet per table, codes stored as text",
    ".csv": "one CSV table (several tables stacked, with a 'table' column)",
}

_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large (for the file system or the process's file-size limit)",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EEXIST: "a part of the path is a file, not a folder",
    errno.EISDIR: "the target is a folder",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EIO: "input/output error",
}
_PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[^.]+\.part$")
#: Characters of the target's name kept in its temporary file's name (a name near the file
#: system's 255-byte limit still gets a temporary file).
PART_NAME_CHARS = 100


def _suffix(target: str | os.PathLike[str], formats: Mapping[str, str] | Sequence[str], kind: str,
            where: str = "") -> str:
    """The lower-case suffix of ``target`` if ``formats`` accepts it, else ValueError (``where``
    prefixes the message, which lists the accepted suffixes)."""
    suffix = Path(target).suffix.lower()
    if suffix not in formats:
        raise ValueError(f"{where}unknown {kind} format {suffix or '(none)'!r}; accepted: "
                         f"{', '.join(formats)}")
    return suffix


def _part_prefix(dest: Path) -> str:
    return f".{dest.name[:PART_NAME_CHARS]}."
#: A temporary file without a process id (written by tradesim before 0.x) counts as left over
#: once it has not changed for this long, in seconds.
STALE_PART_SECONDS = 3600.0


class OutputError(OSError):
    """A result could not be written (disk full, read-only folder, file too large, …).

    The message is plain and says whether the previous file is unchanged; the CLI exits 1.
    """


class NonFiniteError(DataError):
    """A result or table holds NaN or infinity: it is neither written nor printed."""


def _exists(path: Path) -> bool:
    """Whether ``path`` exists (False where it cannot even be looked up, e.g. too long)."""
    try:
        return path.exists()
    except OSError:
        return False


def _kind(path: Path) -> str | None:
    """What an existing non-regular file is (``None`` for a regular file or nothing)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError:  # e.g. a symlink loop: left to the write, which reports it
        return None
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "FIFO (named pipe)"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "special file"


def output_path(target: str | os.PathLike[str]) -> Path:
    """The file a write to ``target`` replaces: ``target`` with symlinks followed.

    Raises
    ------
    ValueError
        ``target`` exists and is not a regular file (device, FIFO, socket, folder).
    """
    dest = Path(os.path.realpath(target))
    kind = _kind(dest)
    if kind == "folder" and dest.suffix.lower() == ".zarr" and _is_zarr(dest):
        return dest  # a store written before: replaced as a whole
    if kind is not None:
        shown = os.fspath(target) + (f" (-> {dest})" if os.fspath(target) != str(dest) else "")
        raise ValueError(f"{shown} is a {kind}, not a regular file: tradesim writes and "
                         "replaces regular files only (to discard the output, leave out -o)")
    return dest


def _is_zarr(folder: Path) -> bool:
    return any((folder / marker).is_file() for marker in (".zgroup", "zarr.json", ".zattrs"))


def check_output(target: str | os.PathLike[str], formats: Mapping[str, str] | Sequence[str],
                 inputs: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Check an output path before any work: format, not an input, not a special file.

    Parameters
    ----------
    target : path
        The output file (``-o``).
    formats : mapping or sequence of str
        The accepted suffixes (lower case, with the dot), e.g. :data:`RESULT_FORMATS`.
    inputs : sequence of paths
        Files the command reads (scenarios, parameter files): the output must be none of them,
        compared after symlinks (and as the same file, for hard links).

    Returns
    -------
    Path
        The file that will be replaced (symlinks followed, see :func:`output_path`).

    Raises
    ------
    ValueError
        Unknown suffix (the message lists the accepted ones), an input, or a special file.
    """
    _suffix(target, formats, "output", where=f"-o {os.fspath(target)}: ")
    dest = output_path(target)
    for source in inputs:
        real = Path(os.path.realpath(source))
        same = real == dest
        if not same and _exists(dest) and _exists(real):
            with contextlib.suppress(OSError):
                same = os.path.samefile(real, dest)
        if same:
            raise ValueError(f"-o {os.fspath(target)} is an input of this command "
                             f"({os.fspath(source)}): refusing to write over it; choose "
                             "another output file")
    return dest


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_parts(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose process is gone.

    A part file of a process still running (another tradesim writing the same file) is left
    alone. Returns the files removed.
    """
    dest = Path(target)
    removed = []
    now = time.time()
    prefix = _part_prefix(dest)
    for part in dest.parent.glob(f"{glob.escape(prefix)}*.part"):
        m = _PART.match(part.name)
        try:
            if m is not None and f".{m['name']}." == prefix:
                stale = not _alive(int(m["pid"]))
            else:  # the older, process-less naming
                stale = now - part.stat().st_mtime > STALE_PART_SECONDS
            if stale:
                if part.is_dir() and not part.is_symlink():
                    shutil.rmtree(part)
                else:
                    part.unlink()
                removed.append(part)
        except OSError:
            continue  # not ours to fix; the write itself uses a fresh name
    return removed


def _plain(err: BaseException, dest: Path, existed: bool) -> str:
    """A plain message for a failed write."""
    reason = _REASONS.get(getattr(err, "errno", None) or -1)
    if reason is None:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
    kept = "the previous file is unchanged" if existed else "nothing was written"
    return f"could not write {dest}: {reason}; {kept}"


def _fsync(path: Path, directory: bool = False) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    An exception inside the block (or a kill) leaves the previous file (or none); the temporary
    file is removed on every failure path, and left-overs of killed earlier runs are removed
    (:func:`remove_stale_parts`). ``target`` may be a symlink (the file it points to is
    replaced; the link stays); a device, FIFO, socket or folder is refused (``ValueError``).

    Raises
    ------
    OutputError
        The file system refused (full, read-only, too large, …): a plain message.
    """
    dest = output_path(target)
    existed = _exists(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(dest)
        fd, tmp = tempfile.mkstemp(prefix=f"{_part_prefix(dest)}{os.getpid()}-", suffix=".part",
                                   dir=dest.parent)
        os.close(fd)
    except OSError as err:
        raise OutputError(_plain(err, dest, existed)) from err
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.is_file():  # mkstemp makes 0600; give the file the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            tmp_path.chmod(0o666 & ~umask)
            _fsync(tmp_path)
        os.replace(tmp_path, dest)
        _fsync(dest.parent, directory=True)
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(_plain(err, dest, existed)) from err
    finally:
        with contextlib.suppress(OSError):
            if tmp_path.is_dir() and not tmp_path.is_symlink():
                shutil.rmtree(tmp_path)
            elif tmp_path.exists() or tmp_path.is_symlink():
                tmp_path.unlink()


def check_finite(data: xr.Dataset | pd.DataFrame, what: str = "result") -> None:
    """Raise :class:`NonFiniteError` if any number in ``data`` is NaN or infinite.

    The message names the variable (or column) and the first offending labels.
    """
    if isinstance(data, pd.DataFrame):
        numeric = data.select_dtypes("number")
        for column in numeric.columns:
            values = numeric[column].to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                row = numeric.index[int(np.argmax(bad))]
                raise NonFiniteError(
                    f"{what}: column {column!r} holds {values[bad][0]} at row {row!r} "
                    f"({int(bad.sum())} non-finite value(s)); nothing is written or printed. "
                    "Check the scenario's amounts (values near the float maximum overflow)")
        return
    for name, da in data.data_vars.items():
        if da.dtype.kind not in "fc":
            continue
        values = np.asarray(da.to_numpy())
        bad = ~np.isfinite(values)
        if bad.any():
            at = np.unravel_index(int(np.argmax(bad)), values.shape)
            where = ", ".join(f"{d}={da[d].to_numpy()[i]}" if d in da.coords else f"{d}={i}"
                              for d, i in zip(da.dims, at, strict=True))
            raise NonFiniteError(
                f"{what}: {name} holds {values[at]} at {where or 'its only cell'} "
                f"({int(bad.sum())} non-finite value(s)); nothing is written or printed. "
                "Check the scenario's amounts (values near the float maximum overflow)")


#: CF ``long_name`` of the coordinates tradesim results carry.
COORD_LONG_NAMES = {
    "year": "calendar year",
    "importer": "importing market (reporter), ISO 3166-1 alpha-3",
    "exporter": "supplier, ISO 3166-1 alpha-3 (EU: European Union, ROW: rest of world)",
    "product": "HS product code, as text (mixed depth; '85*' is the rest of chapter 85)",
    "name": "product name",
    "kind": "product kind (chapter, line, rest of chapter)",
    "chapter": "HS chapter (2 digits, as text)",
    "scenario": "scenario label",
    "draw": "Monte Carlo draw",
    "part": "part of the balance change",
    "part_name": "part of the balance change, in words",
    "group": "product group",
}
#: Units written as udunits/pint understand them ("1": dimensionless).
CF_UNITS = {"fraction": "1", "share": "1", "ratio": "1", "percent": "%", "usd": "USD",
            "": None}


def cf_dataset(ds: xr.Dataset, history: str | None = None) -> xr.Dataset:
    """A copy of ``ds`` with CF-style metadata, ready for netCDF or zarr.

    Every variable and coordinate gets ``long_name`` (its ``description`` or the name in words)
    and numeric variables ``units`` in udunits/pint spelling (``"1"`` for fractions, ``"USD"``);
    every label coordinate is one string dtype (``str``); attributes are numbers or strings;
    global ``Conventions = "CF-1.10"``.
    """
    clean = ds.copy()
    for name in list(clean.variables):
        var = clean[name]
        if var.dtype.kind in "OSU":
            values = np.asarray(var.to_numpy(), dtype=object)
            text = np.array([str(v) for v in values.ravel()], dtype=str).reshape(values.shape)
            if name in clean.indexes:
                clean = clean.assign_coords({name: text})
            else:
                clean[name] = (var.dims, text, dict(var.attrs))
        attrs = dict(clean[name].attrs)
        unit = attrs.get("units")
        if unit is not None:
            mapped = CF_UNITS.get(str(unit).strip().lower(), str(unit).strip())
            if mapped is None:
                attrs.pop("units")
            else:
                attrs["units"] = mapped
        if "long_name" not in attrs:
            attrs["long_name"] = (attrs.get("description") or COORD_LONG_NAMES.get(str(name))
                                  or str(name).replace("_", " "))
        clean[name].attrs = {k: _attr(v) for k, v in attrs.items()}
    attrs = {k: _attr(v) for k, v in ds.attrs.items()}
    attrs.setdefault("Conventions", "CF-1.10")
    if "title" not in attrs and "scenario_title" in attrs:
        attrs["title"] = f"tradesim result: {attrs['scenario_title']}"
    if history:
        attrs["history"] = history
    clean.attrs = attrs
    return clean


def _attr(value: Any) -> Any:
    """An attribute netCDF and zarr both store: a number or a string."""
    if isinstance(value, bool | np.bool_) or value is None:
        return str(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return value
    return str(value)


#: netCDF4 compression of every numeric variable (zlib level 4 with byte shuffle).
NETCDF_COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}


def _version() -> str:
    try:
        return importlib.metadata.version("tradesim")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _netcdf(ds: xr.Dataset, path: Path, dest: Path, existed: bool) -> None:
    clean = cf_dataset(ds, history=f"written by tradesim {_version()}")
    encoding = {name: dict(NETCDF_COMPRESSION) for name, var in clean.variables.items()
                if var.dtype.kind in "fiu" and var.ndim > 0}
    try:
        clean.to_netcdf(path, engine="netcdf4", encoding=encoding)
    except RuntimeError as err:  # the netCDF library says "NetCDF: HDF error" and no more
        try:
            free = f"; {shutil.disk_usage(dest.parent).free:,} bytes free in {dest.parent}"
        except OSError:
            free = ""
        kept = "the previous file is unchanged" if existed else "nothing was written"
        raise OutputError(f"could not write {dest}: the netCDF library failed ({err}): most "
                          "often a full disk, a file-size limit or a folder that cannot be "
                          f"written{free}; {kept}") from err


def _zarr(ds: xr.Dataset, path: Path) -> None:
    clean = cf_dataset(ds, history=f"written by tradesim {_version()}")
    for name in list(clean.variables):  # zarr's specified string type is variable-length
        if clean[name].dtype.kind == "U":
            values = clean[name].to_numpy().astype(object)
            attrs = dict(clean[name].attrs)
            if name in clean.indexes:
                clean = clean.assign_coords({name: values})
            else:
                clean[name] = (clean[name].dims, values)
            clean[name].attrs = attrs
    clean.to_zarr(path, mode="w", consolidated=True, zarr_format=2)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where
    the system or file system cannot."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(done == 0)


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str]) -> Iterator[Path]:
    """:func:`atomic_path` for a folder output (a zarr store): build it in a hidden temporary
    folder beside ``target``, then put it in place in one step.

    An existing store is swapped out atomically where the system can (Linux
    ``renameat2``), else moved aside for the instant of the rename; the old store is removed
    once the new one is in place, and the temporary folder on every failure path.
    """
    dest = output_path(target)
    existed = _exists(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(dest)
        tmp = Path(tempfile.mkdtemp(prefix=f"{_part_prefix(dest)}{os.getpid()}-", suffix=".part",
                                    dir=dest.parent))
    except OSError as err:
        raise OutputError(_plain(err, dest, existed)) from err
    try:
        yield tmp
        if not existed:
            os.replace(tmp, dest)
        elif not _exchange(tmp, dest):  # tmp now holds the old store when the swap worked
            aside = tmp.with_name(tmp.name.removesuffix(".part") + "-old.part")
            os.replace(dest, aside)
            os.replace(tmp, dest)
            tmp = aside
        _fsync(dest.parent, directory=True)
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(_plain(err, dest, existed)) from err
    finally:
        with contextlib.suppress(OSError):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp)


def tidy_frame(ds: xr.Dataset, detail: bool = False) -> pd.DataFrame:
    """Long table of the result: ``variable, unit, [scenario, draw,] labels, year, value``.

    By default small: the bilateral totals by year (``exports``, ``imports``, ``balance`` and
    their ``_baseline``) and every other variable summed over exporters and products, by
    importer and year (``tariff``-like rates and indices, which do not add up, are left out).
    ``detail=True``: every cell of every variable. ``product`` is text: read it back with
    ``pd.read_csv(path, dtype={"product": str})`` to keep leading zeros.
    """
    frames = []
    for name, da in ds.data_vars.items():
        unit = str(da.attrs.get("units", ""))
        if not detail:
            if unit != "USD":
                continue  # rates, indices and fractions do not add up over cells
            summed = [d for d in (EXPORTER, PRODUCT) if d in da.dims]
            da = da.sum(summed) if summed else da
        frame = da.to_dataframe(name="value").reset_index()
        frame = frame[[c for c in frame.columns if c in (*da.dims, "value")]]
        frame.insert(0, "unit", CF_UNITS.get(unit.lower(), unit) or "")
        frame.insert(0, "variable", str(name))
        frames.append(frame)
    first = ("exports", "exports_baseline", "imports", "imports_baseline", "balance",
             "balance_baseline")
    frames.sort(key=lambda f: first.index(f["variable"].iat[0]) if f["variable"].iat[0] in first
                else len(first))  # the bilateral totals by year first (a stable sort)
    cols = ["variable", "unit", "scenario", "draw", "importer", "exporter", "product", "year",
            "value"]
    out = pd.concat(frames, ignore_index=True)
    if "draw" in out.columns and out["draw"].nunique() <= 1:
        out = out.drop(columns="draw")
    for code in ("importer", "exporter", "product", "scenario"):
        if code in out.columns:
            out[code] = out[code].astype("string")
    return out[[c for c in cols if c in out.columns]]


def write_figure(fig: Any, target: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Save a matplotlib Figure atomically; the format follows the suffix (.png, .svg, .pdf)."""
    dest = Path(target)
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format=dest.suffix.lstrip(".").lower() or "png", dpi=dpi)
    return dest


def write_result(ds: xr.Dataset, target: str | os.PathLike[str], detail: bool = False) -> Path:
    """Write a result to ``.nc`` (netCDF4), ``.zarr`` (a store; both compressed, with CF
    attributes) or ``.csv``, atomically.

    ``.csv`` is the small tidy table of :func:`tidy_frame` (``detail=True``: the full cube).
    Nothing is written if a value is NaN or infinite (:class:`NonFiniteError`).

    Raises
    ------
    ValueError
        Unknown suffix (the accepted ones are :data:`RESULT_FORMATS`), or a special file.
    NonFiniteError
        A non-finite value in the result.
    OutputError
        The file system refused; the previous file is unchanged.
    """
    suffix = _suffix(target, RESULT_FORMATS, "output")
    check_finite(ds)
    dest = output_path(target)
    existed = _exists(dest)
    if suffix == ".zarr":
        with atomic_folder(dest) as tmp:
            _zarr(ds, tmp)
        return Path(target)
    with atomic_path(dest) as tmp:
        if suffix == ".nc":
            _netcdf(ds, tmp, dest, existed)
        else:
            tidy_frame(ds, detail=detail).to_csv(tmp, index=False, lineterminator="\n")
    return Path(target)


def _excel_text(value: str) -> str:
    """Text a worksheet cell holds as typed: control characters shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _write_workbook(sheets: Mapping[str, pd.DataFrame], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31])
        frame = table.reset_index() if _named_index(table) else table
        header = [str(c) for c in frame.columns]
        sheet.append(header)
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        for cell in (c for line in sheet.iter_rows(min_row=2) for c in line):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.000"
        for k, name in enumerate(header, start=1):
            width = max([len(name), *(len(str(v)) for v in frame.iloc[:200, k - 1])])
            sheet.column_dimensions[get_column_letter(k)].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    book.save(path)


def _named_index(table: pd.DataFrame) -> bool:
    return any(n is not None for n in table.index.names)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _excel_text(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float):
        return value
    return _excel_text(str(value))


def write_tables(tables: Mapping[str, pd.DataFrame], target: str | os.PathLike[str]) -> Path:
    """Write named tables atomically: ``.xlsx`` (one sheet each) or ``.csv`` (stacked).

    The CLI's summaries of ``run`` and ``compare`` use it, and any command with a summary table
    can (a sweep's, for instance). Labels and codes are written as text (HS codes keep their
    leading zeros; an Excel cell starting with ``=`` is text, not a formula); an index with a
    name becomes the first column(s). Nothing is written if a number is NaN or infinite.

    Raises
    ------
    ValueError
        Unknown suffix (the accepted ones are :data:`TABLE_FORMATS`), or a special file.
    NonFiniteError
        A non-finite number in a table.
    OutputError
        The file system refused; the previous file is unchanged.
    """
    suffix = _suffix(target, TABLE_FORMATS, "table")
    for name, table in tables.items():
        check_finite(table, f"table {name!r}")
    with atomic_path(target) as tmp:
        if suffix == ".xlsx":
            _write_workbook(tables, tmp)
        else:
            frames = [(t.reset_index() if _named_index(t) else t).assign(table=name)
                      for name, t in tables.items()]
            stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            if len(frames) == 1:
                stacked = stacked.drop(columns="table")
            stacked.to_csv(tmp, index=False, lineterminator="\n")
    return Path(target)


def scenario_inputs(source: str | os.PathLike[str]) -> list[Path]:
    """The files a scenario reads (a path or ``tradesim:NAME``): itself and its includes,
    recursively (symlinks followed).

    For the output checks (an output must not replace an input); a file that cannot be read
    is left out, since reading the scenario reports it.
    """
    found: list[Path] = []
    try:
        first = (resolve_shipped(os.fspath(source)) if os.fspath(source).startswith(SHIPPED)
                 else Path(source).resolve())
    except ScenarioError:
        return found
    todo = [first]
    while todo and len(found) < 1000:
        path = todo.pop()
        if path in found:
            continue
        found.append(path)
        if not path.is_file():  # a FIFO or device is never read here (reading reports it)
            continue
        try:
            head = _read_toml(path, os.fspath(path)).get("scenario")
            names = head.get("include", []) if isinstance(head, dict) else []
            todo += [_include_target(path, n, os.fspath(path)) for n in names
                     if isinstance(n, str)]
        except (ScenarioError, OSError):
            continue
    return found

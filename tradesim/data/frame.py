"""The baseline contract: flows, base tariffs, growth and elasticities as a validated Dataset.

No file I/O here: :mod:`tradesim.io` reads the packaged tables, :mod:`tradesim.data.baseline` turns
them into the frames this module assembles, and :func:`baseline_from_frame` does the same for an
analyst's own long table.

The baseline Dataset has dims ``importer``, ``exporter``, ``product`` (and ``hs6`` for the member
map) and variables

=============  ==============================  =========================================
``value``      importer × exporter × product   base-year customs value, USD
``tariff``     importer × exporter × product   applied ad valorem rate, fraction
``growth``     importer × exporter × product   baseline growth per year, fraction
``sigma``      importer × product              substitution among suppliers
``eta``        importer × product              composite import demand elasticity
``adjustment`` importer × product              λ, share of the long-run gap closed a year
``omega``      importer × product              export supply elasticity (inf: full pass-through)
``sigma_nest`` importer × product              substitution inside the nest, >= sigma
``nest``       importer × exporter             bool: suppliers in the nest of close substitutes
``share_trend`` importer × exporter × product  log-share trend per year (0: none)
``omega_exporter`` importer × exporter         an exporter's own supply elasticity (NaN: use omega)
``trend_persistence`` importer                 share of a share trend kept each year, [0, 1]
``anchor``     importer × exporter × product   level factor on the projection from
                                               ``attrs["anchor_year"]`` on (1: none)
``anchor_tariff`` importer × exporter × product the anchor regime's tariffs that year
``member_product`` hs6                          product label of each member code
=============  ==============================  =========================================

``sigma_nest`` and ``nest`` are optional: without them (or with ``sigma_nest == sigma``) demand is
the one-level CES; with them it is the nested Armington of
:func:`tradesim.model.kernels.nested_ces_demand` (China and its close substitutes in one nest).
``share_trend`` and ``trend_persistence`` are optional too: the projection moves each supplier's
share of its market and product by ``exp(δ h(t))``, renormalised so the market total follows
``growth`` alone, with ``h(t) = (1 − ρ^t)/(1 − ρ)`` (``t`` when ``ρ = 1``).
``anchor`` is optional: it multiplies each cell's projection from ``attrs["anchor_year"]`` on,
so that a stated regime reproduces observed values in that year
(:func:`tradesim.analysis.anchor.anchor`).
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.data.products import describe_axis, sort_key
from tradesim.dims import EXPORTER, HS6, IMPORTER, MARKET_DIMS, PRODUCT
from tradesim.errors import DataError

__all__ = ["DEFAULT_ELASTICITIES", "assemble", "baseline_from_frame", "validate_baseline",
           "with_rest_of_world"]

MARKET_VARS = ("value", "tariff", "growth")
PRODUCT_VARS = ("sigma", "eta", "adjustment", "omega")

#: Literature medians used when nothing more specific is given (see embedded/SOURCES.md).
DEFAULT_ELASTICITIES: dict[str, tuple[float, str]] = {
    "sigma": (3.14, "Broda & Weinstein (2006) median over US HTS10 lines"),
    "eta": (1.08, "Hauk (2012) median US import-demand elasticity, correctly signed HS6"),
    "adjustment": (0.38, "Boehm, Levchenko & Pandalai-Nayar (2023): year-1 share 0.76/2.0"),
    "omega": (np.inf, "full pass-through of tariffs to US buyers: Amiti, Redding & Weinstein "
                      "(2019), Fajgelbaum et al. (2020), Cavallo et al. (2021)"),
}

#: Largest accepted ``sigma_nest``: ``exp(−σ_N ln 11)`` (a 1,000 % tariff) stays a normal float.
MAX_SIGMA_NEST = 200.0

UNITS = {
    "value": "USD", "tariff": "fraction", "growth": "fraction per year", "sigma": "1",
    "eta": "1", "adjustment": "fraction per year", "omega": "1 (inf = perfectly elastic)",
    "sigma_nest": "1", "share_trend": "1 per year (log points)", "trend_persistence": "1",
    "anchor": "1",
}


def assemble(
    flows: pd.DataFrame,
    params: pd.DataFrame,
    members: pd.Series,
    attrs: Mapping[str, object],
    names: Mapping[str, str] | None = None,
    nest: Mapping[str, Sequence[str]] | None = None,
    persistence: Mapping[str, float] | None = None,
) -> xr.Dataset:
    """Build the baseline Dataset from tidy frames.

    Parameters
    ----------
    flows : DataFrame
        Columns importer, exporter, product, value (USD), tariff (fraction), growth (fraction),
        optionally share_trend (log points a year). Missing (importer, exporter, product)
        cells are zero-value flows.
    params : DataFrame
        Columns importer, product, sigma, eta, adjustment, and optionally omega and
        sigma_nest (default: sigma, no nest premium).
    members : Series
        Product label indexed by member code (HS6).
    attrs : mapping
        Dataset attributes (sources, basis, base_year, resolution).
    names : mapping, optional
        Product label -> description.
    nest : mapping, optional
        Importer -> the exporters in its nest of close substitutes (default: no nest).
    persistence : mapping, optional
        Importer -> ``trend_persistence`` (default 1 where there are share trends).
    """
    products = sorted(set(members.to_numpy()), key=sort_key)
    importers = sorted(flows["importer"].unique())
    exporters = sorted(set(flows["exporter"]) | set(importers))
    full = pd.MultiIndex.from_product([importers, exporters, products], names=list(MARKET_DIMS))
    cells = flows.set_index(list(MARKET_DIMS))
    if not cells.index.is_unique:
        raise DataError("flows have duplicate (importer, exporter, product) rows")
    extra = cells.index.difference(full)
    if len(extra):
        raise DataError(f"flows name products not on the axis, e.g. {list(extra[:3])}")
    cells = cells.reindex(full)
    ds = xr.Dataset(coords={IMPORTER: importers, EXPORTER: exporters, PRODUCT: products})
    shape = tuple(len(ds[d]) for d in MARKET_DIMS)
    for var in MARKET_VARS:
        data = cells[var].to_numpy(dtype=float).reshape(shape)
        fill: float | np.ndarray = 0.0
        if var == "growth":  # a missing flow grows like the rest of that market and product
            overall = float(flows["growth"].median()) if len(flows) else 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-missing markets
                typical = np.nanmedian(data, axis=1, keepdims=True)
            fill = np.where(np.isnan(typical), overall, typical)
        ds[var] = (MARKET_DIMS, np.where(np.isnan(data), fill, data))
    if "share_trend" in cells:
        data = cells["share_trend"].to_numpy(dtype=float).reshape(shape)
        ds["share_trend"] = (MARKET_DIMS, np.where(np.isnan(data), 0.0, data))
        ds["trend_persistence"] = (IMPORTER, np.array(
            [float((persistence or {}).get(i, 1.0)) for i in importers]))
    par = params.set_index([IMPORTER, PRODUCT]).reindex(
        pd.MultiIndex.from_product([importers, products], names=[IMPORTER, PRODUCT]))
    for var in PRODUCT_VARS:
        default = DEFAULT_ELASTICITIES[var][0]
        column = par[var] if var in par else pd.Series(np.nan, index=par.index)
        data = column.to_numpy(dtype=float).reshape(len(importers), len(products))
        ds[var] = ((IMPORTER, PRODUCT), np.where(np.isnan(data), default, data))
    column = par["sigma_nest"] if "sigma_nest" in par else pd.Series(np.nan, index=par.index)
    data = column.to_numpy(dtype=float).reshape(len(importers), len(products))
    ds["sigma_nest"] = ((IMPORTER, PRODUCT), np.where(np.isnan(data), ds["sigma"], data))
    unknown = {e for members_ in (nest or {}).values() for e in members_} - set(exporters)
    if unknown or set(nest or {}) - set(importers):
        raise DataError(f"nest names suppliers or markets not in the flows: "
                        f"{sorted(unknown | (set(nest or {}) - set(importers)))}")
    ds["nest"] = ((IMPORTER, EXPORTER), np.array(
        [[e in (nest or {}).get(i, ()) for e in exporters] for i in importers], dtype=bool))
    axis = describe_axis(products)
    for col in ("kind", "chapter", "hs_level"):
        ds.coords[f"{col}"] = (PRODUCT, axis[col].to_numpy())
    label = [(names or {}).get(p, "") for p in products]
    ds.coords["name"] = (PRODUCT, np.array(label, dtype=object))
    ds["member_product"] = (HS6, members.to_numpy().astype(str))
    ds.coords[HS6] = members.index.to_numpy().astype(str)
    for var, unit in UNITS.items():
        if var in ds:
            ds[var].attrs["units"] = unit
    ds.attrs.update(attrs)
    return validate_baseline(ds)


def validate_baseline(ds: xr.Dataset) -> xr.Dataset:
    """Check the baseline contract; return ``ds`` or raise :class:`DataError`."""
    for var in MARKET_VARS:
        if var not in ds or ds[var].dims != MARKET_DIMS:
            raise DataError(f"baseline variable {var!r} must have dims {MARKET_DIMS}")
    for var in PRODUCT_VARS:
        if var not in ds or ds[var].dims != (IMPORTER, PRODUCT):
            raise DataError(f"baseline variable {var!r} must have dims (importer, product)")
    for var in MARKET_VARS + PRODUCT_VARS:
        values = ds[var].to_numpy()
        bad = np.isnan(values) if var == "omega" else ~np.isfinite(values)
        if bad.any():
            raise DataError(f"baseline variable {var!r} has NaN or infinite values")
    if (ds["value"] < 0).any():
        raise DataError("baseline values must be >= 0 USD")
    if (ds["tariff"] < 0).any():
        raise DataError("baseline tariffs must be >= 0")
    if (ds["sigma"] <= 0).any() or (ds["eta"] < 0).any() or (ds["omega"] <= 0).any():
        raise DataError("sigma and omega must be > 0 and eta >= 0")
    if ((ds["adjustment"] <= 0) | (ds["adjustment"] > 1)).any():
        raise DataError("adjustment (lambda) must lie in (0, 1]")
    if "sigma_nest" in ds:
        if ds["sigma_nest"].dims != (IMPORTER, PRODUCT):
            raise DataError("baseline variable 'sigma_nest' must have dims (importer, product)")
        nested = ds["sigma_nest"].to_numpy()
        if not np.isfinite(nested).all() or (nested < ds["sigma"].to_numpy()).any():
            raise DataError("sigma_nest must be finite and >= sigma (substitutes inside the "
                            "nest substitute at least as well as across it)")
        if (nested > MAX_SIGMA_NEST).any():
            raise DataError(f"sigma_nest must be <= {MAX_SIGMA_NEST:g} (beyond it a tariff "
                            "change would move a supplier's sales by more than float range)")
    if "nest" in ds and (ds["nest"].dims != (IMPORTER, EXPORTER) or ds["nest"].dtype != bool):
        raise DataError("baseline variable 'nest' must be bool with dims (importer, exporter)")
    if "omega_exporter" in ds:
        own = ds["omega_exporter"]
        values = own.to_numpy()
        if own.dims != (IMPORTER, EXPORTER) or (values[~np.isnan(values)] <= 0).any():
            raise DataError("omega_exporter must have dims (importer, exporter) and be > 0 "
                            "(NaN where the product's omega applies)")
    if "share_trend" in ds:
        trend = ds["share_trend"]
        if trend.dims != MARKET_DIMS or not np.isfinite(trend.to_numpy()).all() or \
                (np.abs(trend.to_numpy()) > 1).any():
            raise DataError(f"share_trend must be finite log points a year in [-1, 1] with dims "
                            f"{MARKET_DIMS}")
        rho = ds["trend_persistence"].to_numpy() if "trend_persistence" in ds else np.ones(1)
        if not ((rho >= 0) & (rho <= 1)).all():
            raise DataError("trend_persistence must lie in [0, 1]")
    if "anchor" in ds:
        factor = ds["anchor"].to_numpy()
        if ds["anchor"].dims != MARKET_DIMS or not np.isfinite(factor).all() or \
                (factor < 0).any() or "anchor_year" not in ds.attrs:
            raise DataError(f"anchor must be finite factors >= 0 with dims {MARKET_DIMS} and "
                            "attrs['anchor_year'] the first year they apply")
    if "anchor_tariff" in ds and (ds["anchor_tariff"].dims != MARKET_DIMS or not np.isfinite(
            ds["anchor_tariff"].to_numpy()).all() or (ds["anchor_tariff"] < 0).any()):
        raise DataError(f"anchor_tariff must be finite tariffs >= 0 with dims {MARKET_DIMS}")
    for dim in (IMPORTER, EXPORTER, PRODUCT):
        if not ds.indexes[dim].is_unique:
            raise DataError(f"duplicate labels on dimension {dim!r}")
    return ds


REQUIRED_COLUMNS = ("importer", "exporter", "product", "year", "value", "tariff")
OPTIONAL_COLUMNS = ("growth", "share_trend")
PARAM_COLUMNS = ("importer", "product", "sigma", "eta", "adjustment")
OPTIONAL_PARAM_COLUMNS = ("omega", "sigma_nest")

#: The largest flow a frame may hold, USD: 10 trillion, about 40 % of world goods trade (the
#: scenario files' bound on money, ``tradesim.scenario.fields.MAX_USD``).
MAX_FLOW_USD = 1e13
#: Bounds of the numeric columns of a frame and its params: (low, high), the same as the
#: scenario files' ``[elasticities]`` where both exist. Growth is a fraction a year.
FLOW_BOUNDS: dict[str, tuple[float, float]] = {
    "tariff": (0.0, 10.0), "growth": (-0.5, 1.0), "share_trend": (-1.0, 1.0)}
PARAM_BOUNDS: dict[str, tuple[float, float]] = {
    "sigma": (0.05, 50.0), "eta": (0.0, 20.0), "adjustment": (0.01, 1.0),
    "omega": (0.01, np.inf), "sigma_nest": (0.05, MAX_SIGMA_NEST)}
_PARAM_HINTS = {
    "sigma": "substitution among suppliers, > 0", "eta": "import demand elasticity, >= 0",
    "adjustment": "lambda, the share of the long-run gap closed a year",
    "omega": "export supply elasticity, > 0 (inf: full pass-through)",
    "sigma_nest": "substitution inside the nest"}
_CODE = re.compile(r"[A-Z][A-Z0-9_-]{1,9}")
_LEADING_ZERO_HINT = ("HS codes have 2, 4, 6, 8 or 10 digits: was a leading zero lost (read "
                      "as a number)? Read the column as text, e.g. pd.read_csv(..., "
                      "dtype={'product': str})")


def _show(value: object) -> str:
    """``repr`` of a cell as Python shows it (``2024.5``, not ``np.float64(2024.5)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _rows(mask: pd.Series) -> list:
    """Row labels (the frame's index) where ``mask`` holds, at most five."""
    return list(mask.index[mask.to_numpy()][:5])


def _check_table(table: object, name: str, required: Sequence[str],
                 optional: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with every required column, no duplicated or misspelt optional one."""
    if not isinstance(table, pd.DataFrame):
        hint = f"; build one with pd.DataFrame({name})" if isinstance(
            table, Mapping | list) else ""
        raise DataError(f"{name} must be a pandas DataFrame, got {type(table).__name__}{hint}")
    columns = [str(c) for c in table.columns]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise DataError(f"{name} has column(s) {twice} twice")
    missing = [c for c in required if c not in columns]
    if missing:
        spare = [c for c in columns if c not in (*required, *optional)]
        near = {m: difflib.get_close_matches(m, spare, n=1, cutoff=0.6) for m in missing}
        hints = "".join(f"; did you mean {n[0]!r} for {m!r}?" for m, n in near.items() if n)
        raise DataError(f"{name} is missing column(s) {missing}; required: {list(required)}"
                        + (f", optional: {list(optional)}" if optional else "") + hints)
    for column in columns:
        if column in (*required, *optional):
            continue
        alike = difflib.get_close_matches(column, [o for o in optional if o not in columns],
                                          n=1, cutoff=0.75)
        if alike:
            raise DataError(f"{name} column {column!r} looks like a misspelt {alike[0]!r}, "
                            f"which is then missing; rename or drop it")
    if table.empty:
        raise DataError(f"{name} has no rows")
    return table


def _codes(column: pd.Series, name: str) -> pd.Series:
    """Country codes trimmed and upper-cased ('vnm ' -> 'VNM'); missing or malformed refused."""
    missing = column.isna() | column.map(lambda v: isinstance(v, str) and not v.strip())
    if missing.any():
        rows = _rows(missing)
        raise DataError(f"{name}: missing code in row(s) {rows} (got {_show(column[rows[0]])})")
    text = column.map(lambda v: v.strip().upper() if isinstance(v, str) else None)
    bad = text.isna() | ~text.fillna("").str.fullmatch(_CODE)
    if bad.any():
        rows = _rows(bad)
        value = column[rows[0]]
        valid = sorted(set(text[~bad]))
        near = difflib.get_close_matches(str(value).strip().upper().replace(" ", ""), valid,
                                         n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise DataError(f"{name} row {rows[0]}: {_show(value)} is not a country code (letters and "
                        f"digits such as 'VNM', 'EU' or 'ROW'; bad rows {rows}){hint}")
    return text


def _hs_codes(column: pd.Series, name: str) -> pd.Series:
    """HS codes as text of digits ('8517.13' -> '851713'); numbers, odd lengths refused."""
    missing = column.isna()
    if missing.any():
        rows = _rows(missing)
        raise DataError(f"{name}: missing product code in row(s) {rows}")
    floats = column.map(lambda v: isinstance(v, float | np.floating))
    if floats.any():
        rows = _rows(floats)
        raise DataError(f"{name} row {rows[0]}: product code {_show(column[rows[0]])} is a number; "
                        f"{_LEADING_ZERO_HINT}")
    text = column.map(lambda v: re.sub(r"[.\s]", "", str(v)))
    bad = ~text.str.fullmatch(r"\d{2,10}")
    if bad.any():
        raise DataError(f"product codes must be HS digits, got "
                        f"{list(column[bad].unique()[:5])} in row(s) {_rows(bad)}")
    odd = text.str.len() % 2 == 1
    if odd.any():
        rows = _rows(odd)
        code = text[rows[0]]
        raise DataError(f"{name} row {rows[0]}: product code {code!r} has an odd number of "
                        f"digits (is it '0{code}'?); {_LEADING_ZERO_HINT}; odd rows {rows}")
    return text


def _numbers(table: pd.DataFrame, col: str, name: str, allow_inf: bool = False,
             allow_missing: bool = False) -> pd.Series:
    """A numeric column as floats; missing, text and (unless allowed) inf entries refused."""
    raw = table[col]
    flags = raw.map(lambda v: isinstance(v, bool | np.bool_))
    if flags.any():
        rows = _rows(flags)
        raise DataError(f"{name} column {col!r} row {rows[0]}: {_show(raw[rows[0]])} is not a "
                        "number")
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    values = numbers.to_numpy()
    bad = (np.isnan(values) & ~(raw.isna().to_numpy() & allow_missing)) | (
        np.isinf(values) & (not allow_inf))
    if bad.any():
        rows = list(table.index[bad][:5])
        got = raw[rows[0]]
        what = "missing" if pd.isna(got) else _show(got)
        raise DataError(f"column {col!r} has missing, non-numeric or infinite entries in "
                        f"row(s) {rows} ({name}; row {rows[0]} is {what})")
    return numbers


def _out_of_bounds(values: pd.Series, low: float, high: float) -> pd.Series:
    return (values < low) | (values > high)


def _flows(df: object) -> pd.DataFrame:
    """The flows of a user frame, checked and normalised (codes, numbers, one year)."""
    frame = _check_table(df, "frame", REQUIRED_COLUMNS, OPTIONAL_COLUMNS).copy()
    if "growth" not in frame:
        frame["growth"] = 0.0
    for col in ("importer", "exporter"):
        frame[col] = _codes(frame[col], f"frame column {col!r}")
    frame["product"] = _hs_codes(frame["product"], "frame column 'product'")
    for col in ("value", "tariff", "growth", "share_trend"):
        if col in frame:
            frame[col] = _numbers(frame, col, "frame")
    if (frame["value"] < 0).any():
        rows = _rows(frame["value"] < 0)
        raise DataError(f"negative value (USD) in row(s) {rows} (row {rows[0]} is "
                        f"{frame['value'][rows[0]]:g})")
    if (frame["value"] > MAX_FLOW_USD).any():
        rows = _rows(frame["value"] > MAX_FLOW_USD)
        raise DataError(f"frame column 'value' row {rows[0]} is {frame['value'][rows[0]]:g} USD, "
                        f"above {MAX_FLOW_USD:g} (10 trillion, about 40 % of world goods "
                        f"trade); values are USD, not thousands; rows {rows}")
    tariff_low, tariff_high = FLOW_BOUNDS["tariff"]
    if _out_of_bounds(frame["tariff"], tariff_low, tariff_high).any():
        rows = _rows(_out_of_bounds(frame["tariff"], tariff_low, tariff_high))
        raise DataError(f"tariff must be a fraction in [0, 10] (0.25 = 25 %): row {rows[0]} is "
                        f"{frame['tariff'][rows[0]]:g}; rows {rows}")
    for col in ("growth", "share_trend"):
        low, high = FLOW_BOUNDS[col]
        if col in frame and _out_of_bounds(frame[col], low, high).any():
            rows = _rows(_out_of_bounds(frame[col], low, high))
            value = frame[col][rows[0]]
            unit = ("a fraction per year (0.05 = 5 %)" if col == "growth" else
                    "log points per year")
            percent = " (is it in percent? write 0.05 for 5 %)" if abs(value) > 1 else ""
            raise DataError(f"frame column {col!r} row {rows[0]} is {value:g}: {col} is {unit} "
                            f"in [{low:g}, {high:g}]{percent}; rows {rows}")
    frame["year"] = _year(frame)
    return frame


def _year(frame: pd.DataFrame) -> pd.Series:
    """The year column as integers; missing, text and fractional years refused."""
    raw = frame["year"]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round()) | (numbers < 1900) | (numbers > 2100)
    if bad.any():
        rows = _rows(bad)
        got = raw[rows[0]]
        what = "missing" if pd.isna(got) else _show(got)
        raise DataError(f"frame column 'year' row {rows[0]} is {what}: a year such as 2024 "
                        f"(1900 to 2100); bad rows {rows}")
    years = sorted(set(numbers.astype(int)))
    if len(years) != 1:
        first = {y: raw.index[(numbers == y).to_numpy()][0] for y in years[:5]}
        raise DataError(f"frame must hold one base year, found {years} (first rows: {first})")
    return numbers.astype(int)


def _params(params: object, frame: pd.DataFrame) -> pd.DataFrame:
    """Checked params: every required column, codes that name the frame's markets and
    products, one row per (importer, product), numbers within :data:`PARAM_BOUNDS`."""
    table = _check_table(params, "params", PARAM_COLUMNS, OPTIONAL_PARAM_COLUMNS).copy()
    table["importer"] = _codes(table["importer"], "params column 'importer'")
    table["product"] = _hs_codes(table["product"], "params column 'product'")
    for col, known in (("importer", sorted(frame["importer"].unique())),
                       ("product", sorted(frame["product"].unique()))):
        unknown = ~table[col].isin(known)
        if unknown.any():
            rows = _rows(unknown)
            code = table[col][rows[0]]
            near = difflib.get_close_matches(code, known, n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            what = "market" if col == "importer" else "product"
            raise DataError(f"params row {rows[0]}: {col} {code!r} is no {what} of the frame"
                            f"{hint} (rows {rows})")
    dup = table.duplicated(["importer", "product"], keep=False)
    if dup.any():
        rows = _rows(dup)
        key = tuple(table.loc[rows[0], ["importer", "product"]])
        raise DataError(f"params has duplicate (importer, product) rows {rows}, e.g. {key} "
                        "(codes compared after trimming and upper-casing)")
    for col in (*PARAM_COLUMNS[2:], *OPTIONAL_PARAM_COLUMNS):
        if col not in table:
            continue
        optional = col in OPTIONAL_PARAM_COLUMNS
        values = _numbers(table, col, "params", allow_inf=col == "omega",
                          allow_missing=optional)
        low, high = PARAM_BOUNDS[col]
        out = _out_of_bounds(values, low, high)
        if out.any():
            rows = _rows(out)
            rule = f">= {low:g}" if values[rows[0]] < low else f"<= {high:g}"
            raise DataError(f"params row {rows[0]}: {col} must be {rule} ({_PARAM_HINTS[col]}; "
                            f"got {values[rows[0]]:g}; rows {rows})")
        table[col] = values
    if "sigma_nest" in table:
        below = table["sigma_nest"] < table["sigma"]
        if below.any():
            rows = _rows(below)
            raise DataError(f"params row {rows[0]}: sigma_nest must be finite and >= sigma "
                            f"(got {table['sigma_nest'][rows[0]]:g} < {table['sigma'][rows[0]]:g}"
                            "; substitutes inside the nest substitute at least as well as "
                            "across it)")
    return table


def baseline_from_frame(
    df: pd.DataFrame,
    params: pd.DataFrame | None = None,
    source: str = "user-supplied frame",
    nest: Mapping[str, Sequence[str]] | None = None,
) -> xr.Dataset:
    """Build a validated baseline from an analyst's long table.

    Parameters
    ----------
    df : DataFrame
        One row per (importer, exporter, product) of one year, columns ``importer``,
        ``exporter`` (codes such as ``VNM``; spaces trimmed, upper-cased), ``product`` (HS
        code as text of 2 to 10 digits, an even number; dots allowed), ``year``, ``value``
        (USD, at most :data:`MAX_FLOW_USD`), ``tariff`` (fraction, 0 to 10), and optionally
        ``growth`` (fraction per year in [-0.5, 1], default 0).
    params : DataFrame, optional
        Elasticities by importer and product: columns importer, product, sigma, eta,
        adjustment (all required), optionally omega (empty: inf) and sigma_nest (empty:
        sigma, no nest premium); bounds :data:`PARAM_BOUNDS`. Without ``params``, and for
        (importer, product) pairs it does not list, the literature medians
        (:data:`DEFAULT_ELASTICITIES`).
    source : str
        Provenance recorded in ``attrs``.
    nest : mapping, optional
        Importer -> exporters in its nest of close substitutes, e.g. ``{"USA": ["CHN", "VNM"]}``.

    Raises
    ------
    DataError
        Naming the column, row and value: not a DataFrame, a missing or misspelt column, a
        missing, non-numeric, infinite or out-of-bounds number (growth in percent), a missing
        or malformed code, a product code of odd length (a lost leading zero), missing or
        several years, duplicate rows (also in ``params``), params naming a market or product
        the frame lacks, overlapping product codes.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"importer": "USA", "exporter": ["VNM", "CHN"],
    ...     "product": "8517", "year": 2024, "value": [10e9, 40e9], "tariff": 0.0})
    >>> float(baseline_from_frame(df)["value"].sum())
    50000000000.0
    """
    frame = _flows(df)
    dup = frame.duplicated(["importer", "exporter", "product"], keep=False)
    if dup.any():
        keys = frame.loc[dup, ["importer", "exporter", "product"]].head(3).to_numpy().tolist()
        raise DataError(f"duplicate (importer, exporter, product) rows: {keys} in rows "
                        f"{_rows(dup)} (codes compared after trimming and upper-casing)")
    codes = sorted(frame["product"].unique())
    overlaps = [(a, b) for a, b in zip(codes, codes[1:], strict=False) if b.startswith(a)]
    if overlaps:
        raise DataError(f"product codes overlap (one is a prefix of another): {overlaps[:3]}; "
                        "the axis must partition trade")
    members = pd.Series(codes, index=codes, dtype=object)
    if params is None:
        params = pd.DataFrame(columns=["importer", "product", *PRODUCT_VARS])
    else:
        params = _params(params, frame)
    attrs = {"source": source, "base_year": int(frame["year"].iloc[0]), "resolution": "user",
             "basis": "as supplied"}
    return assemble(frame, params, members, attrs, nest=_nest(nest))


def _nest(nest: object) -> dict[str, list[str]] | None:
    """The nest mapping with its codes trimmed and upper-cased like the frame's."""
    if nest is None:
        return None
    if not isinstance(nest, Mapping) or not all(
            isinstance(k, str) and not isinstance(v, str) and isinstance(v, Sequence)
            and all(isinstance(e, str) for e in v) for k, v in nest.items()):
        raise DataError('nest must map importer codes to lists of exporter codes, e.g. '
                        f'{{"USA": ["CHN", "VNM"]}}; got {nest!r}')
    return {k.strip().upper(): [e.strip().upper() for e in v] for k, v in nest.items()}


def with_rest_of_world(baseline: xr.Dataset, ratio: float, like: str = "USA") -> xr.Dataset:
    """Add a rest-of-world import market, so exporters' supply has somewhere else to go (GSIM).

    The shared data hold no third-country import markets, so this market is an explicit
    ASSUMPTION: each exporter sells ``ratio`` times its sales to ``like`` (default the US) of
    every product, at zero tariff, with ``like``'s elasticities and growth. It matters only
    where world prices link markets (``method = "gsim"`` with finite ω); the US–Vietnam balance
    does not include it.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline with importer ``like``.
    ratio : float
        Rest-of-world purchases per dollar of ``like``'s, > 0.
    like : str
        The market the rest of the world is modelled on.
    """
    if not ratio > 0 or not np.isfinite(ratio):
        raise DataError(f"rest-of-world ratio must be a positive number, got {ratio!r}")
    if like not in baseline.indexes[IMPORTER] or "ROW" in baseline.indexes[IMPORTER]:
        raise DataError(f"need an importer {like!r} and no existing 'ROW' importer")
    row = baseline.sel({IMPORTER: [like]}).assign_coords({IMPORTER: ["ROW"]})
    row["value"] = row["value"] * ratio
    row["value"].loc[{EXPORTER: "ROW"}] = 0.0  # the rest of the world's own supply is not trade
    row["tariff"] = row["tariff"] * 0.0
    if "anchor" in row:
        row["anchor"] = row["anchor"] * 0.0 + 1.0  # the assumed market has no observed year
    if "anchor_tariff" in row:
        row["anchor_tariff"] = row["tariff"]
    market_vars = [v for v in baseline.data_vars if IMPORTER in baseline[v].dims]
    merged = xr.concat([baseline[market_vars], row[market_vars]], dim=IMPORTER)
    out = baseline.drop_vars(market_vars).drop_dims(IMPORTER).merge(merged)
    out.attrs = {**baseline.attrs, "rest_of_world": (
        f"ASSUMPTION: importer ROW buys {ratio:g} x the {like} market's purchases from each "
        "exporter, tariff-free, with its elasticities (no data on third-country markets)")}
    return validate_baseline(out.transpose(IMPORTER, EXPORTER, PRODUCT, ...))

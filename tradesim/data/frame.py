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
        ``exporter``, ``product`` (HS code, digits), ``year``, ``value`` (USD), ``tariff``
        (fraction), and optionally ``growth`` (fraction per year, default 0).
    params : DataFrame, optional
        Elasticities by importer and product (columns importer, product, sigma, eta,
        adjustment, optionally omega and sigma_nest); literature medians
        (:data:`DEFAULT_ELASTICITIES`) where missing, ``sigma_nest = sigma`` (no nest premium).
    source : str
        Provenance recorded in ``attrs``.
    nest : mapping, optional
        Importer -> exporters in its nest of close substitutes, e.g. ``{"USA": ["CHN", "VNM"]}``.

    Raises
    ------
    DataError
        Missing column, negative or non-finite value, duplicate key, several years,
        overlapping product codes.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"importer": "USA", "exporter": ["VNM", "CHN"],
    ...     "product": "8517", "year": 2024, "value": [10e9, 40e9], "tariff": 0.0})
    >>> float(baseline_from_frame(df)["value"].sum())
    50000000000.0
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"frame is missing column(s) {missing}; required: {list(REQUIRED_COLUMNS)}")
    frame = df.copy()
    if "growth" not in frame:
        frame["growth"] = 0.0
    for col in ("value", "tariff", "growth"):
        numbers = pd.to_numeric(frame[col], errors="coerce")
        bad = frame[~np.isfinite(numbers.to_numpy(dtype=float))]
        if len(bad):
            raise DataError(f"column {col!r} has missing, non-numeric or infinite entries "
                            f"in row(s) {list(bad.index[:5])}")
        frame[col] = numbers.astype(float)
    if (frame["value"] < 0).any():
        rows = list(frame.index[frame["value"] < 0][:5])
        raise DataError(f"negative value (USD) in row(s) {rows}")
    if ((frame["tariff"] < 0) | (frame["tariff"] > 10)).any():
        raise DataError("tariff must be a fraction in [0, 10] (0.25 = 25 %)")
    years = frame["year"].unique()
    if len(years) != 1:
        raise DataError(f"frame must hold one base year, found {sorted(map(int, years))}")
    for col in ("importer", "exporter", "product"):
        frame[col] = frame[col].astype(str)
    bad_codes = frame.loc[~frame["product"].str.fullmatch(r"\d{2,10}"), "product"].unique()
    if len(bad_codes):
        raise DataError(f"product codes must be HS digits, got {list(bad_codes[:5])}")
    dup = frame.duplicated(["importer", "exporter", "product"], keep=False)
    if dup.any():
        keys = frame.loc[dup, ["importer", "exporter", "product"]].head(3).to_numpy().tolist()
        raise DataError(f"duplicate (importer, exporter, product) rows: {keys}")
    codes = sorted(frame["product"].unique())
    overlaps = [(a, b) for a, b in zip(codes, codes[1:], strict=False) if b.startswith(a)]
    if overlaps:
        raise DataError(f"product codes overlap (one is a prefix of another): {overlaps[:3]}; "
                        "the axis must partition trade")
    members = pd.Series(codes, index=codes, dtype=object)
    if params is None:
        params = pd.DataFrame(columns=["importer", "product", *PRODUCT_VARS])
    attrs = {"source": source, "base_year": int(years[0]), "resolution": "user",
             "basis": "as supplied"}
    return assemble(frame, params, members, attrs, nest=nest)


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

"""Years: baseline growth, pro-rated measures, partial adjustment and commitments (DESIGN §3)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from tradesim import kernels, model, schedule
from tradesim.dims import EXPORTER, IMPORTER, MARKET_DIMS, PRODUCT, US, VN, YEAR
from tradesim.errors import ScheduleError
from tradesim.scenario import Scenario

__all__ = ["simulate"]


def simulate(baseline: xr.Dataset, scenario: Scenario) -> xr.Dataset:
    """Run a scenario on a baseline and return the yearly result Dataset.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline (see :mod:`tradesim.data`).
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    Dataset
        ``value``/``value_baseline`` (year, importer, exporter, product; USD),
        ``tariff``/``tariff_baseline`` (fraction), ``duty_revenue``/``duty_revenue_baseline``
        (USD), ``commitment`` (USD added by commitments, net of displacement), ``price_index``
        (year, importer, product; baseline = 1), ``buyers_surplus`` (USD),
        ``exports``/``imports``/``balance`` and their ``_baseline`` (year; USD). The balance is
        US exports to Vietnam minus US imports from Vietnam.

    Notes
    -----
    Prices move with tariffs in the year they apply (full pass-through); quantities close a
    share λ of the log gap to the long run each year; commitments are added after the price
    response and are not subject to λ.
    """
    if scenario.base_year != int(baseline.attrs.get("base_year", scenario.base_year)):
        raise ScheduleError(f"scenario base_year {scenario.base_year} differs from the "
                            f"baseline's {baseline.attrs.get('base_year')}")
    years = np.arange(scenario.base_year, scenario.horizon + 1)
    params = schedule.parameters(baseline, scenario)
    t1 = schedule.tariff_path(baseline, scenario)
    a = model.market_arrays(baseline, params, t1, (years - scenario.base_year).astype(float))
    r = model.respond(a)
    priced = a.projected * np.exp(kernels.adjust(np.log(r.ratio), a.adjustment, axis=0))
    deals = schedule.commitment_path(baseline, scenario)
    added = deals["added"].transpose(YEAR, *MARKET_DIMS).to_numpy()
    taken = np.minimum(deals["displace"].transpose(YEAR, *MARKET_DIMS).to_numpy(), priced)
    value = priced + added - taken
    return _result(baseline, scenario, years, a, r, value, added - taken)


def _result(baseline: xr.Dataset, scenario: Scenario, years: np.ndarray,
            a: model.MarketArrays, r: model.Response, value: np.ndarray,
            commitment: np.ndarray) -> xr.Dataset:
    """Wrap the arrays in a labelled Dataset with units, descriptions and the balance."""
    cells = (YEAR, *MARKET_DIMS)
    markets = (YEAR, IMPORTER, PRODUCT)
    t0 = np.broadcast_to(a.t0, a.t1.shape)
    coords = {YEAR: years, **{d: baseline.indexes[d] for d in MARKET_DIMS}}
    result = xr.Dataset(
        {
            "value": (cells, value),
            "value_baseline": (cells, a.projected),
            "tariff": (cells, a.t1),
            "tariff_baseline": (cells, t0),
            "duty_revenue": (cells, a.t1 * value),
            "duty_revenue_baseline": (cells, t0 * a.projected),
            "commitment": (cells, commitment),
            "price_index": (markets, r.index[:, :, 0, :]),
            "buyers_surplus": (markets, r.surplus[:, :, 0, :]),
        },
        coords=coords,
    )
    exporters = list(baseline.indexes[EXPORTER])
    importers = list(baseline.indexes[IMPORTER])
    for suffix, cube in (("", value), ("_baseline", a.projected)):
        exports = _bilateral(cube, importers, exporters, VN, US)
        imports = _bilateral(cube, importers, exporters, US, VN)
        result[f"exports{suffix}"] = (YEAR, exports)
        result[f"imports{suffix}"] = (YEAR, imports)
        result[f"balance{suffix}"] = (YEAR, exports - imports)
    _describe(result, baseline, scenario)
    return result


def _bilateral(cube: np.ndarray, importers: list[str], exporters: list[str],
               importer: str, exporter: str) -> np.ndarray:
    """Yearly total of one bilateral flow, USD (zero where the baseline lacks that market)."""
    if importer not in importers or exporter not in exporters:
        return np.zeros(cube.shape[0])
    # A contiguous copy fixes the summation order, so a zero shock gives the baseline to the bit.
    flow = np.ascontiguousarray(cube[:, importers.index(importer), exporters.index(exporter)])
    return flow.sum(axis=-1)


_DOCS = {
    "value": ("USD", "customs value after the scenario"),
    "value_baseline": ("USD", "baseline projection: base value × (1 + growth)^(year − base)"),
    "tariff": ("fraction", "applied ad valorem tariff, day-weighted within the year"),
    "tariff_baseline": ("fraction", "base-year applied tariff"),
    "duty_revenue": ("USD", "tariff × customs value"),
    "duty_revenue_baseline": ("USD", "base tariff × baseline value"),
    "commitment": ("USD", "value added by purchase commitments, net of displaced sales"),
    "price_index": ("1", "import price index, baseline = 1"),
    "buyers_surplus": ("USD", "change in importers' surplus from the price index (long run)"),
    "exports": ("USD", "US exports to Vietnam"),
    "imports": ("USD", "US imports from Vietnam"),
    "balance": ("USD", "US exports to Vietnam minus US imports from Vietnam"),
}


def _describe(result: xr.Dataset, baseline: xr.Dataset, scenario: Scenario) -> None:
    for var in result.data_vars:
        unit, doc = _DOCS.get(str(var), _DOCS.get(str(var).removesuffix("_baseline"), ("", "")))
        result[var].attrs.update(units=unit, description=doc)
    basis = ("US statistics: imports = US general imports (customs value), exports = US total "
             "exports (f.a.s.)")
    result["balance"].attrs["basis"] = basis
    result["balance_baseline"].attrs["basis"] = basis
    for coord in ("name", "kind", "chapter"):
        if coord in baseline.coords:
            result.coords[coord] = baseline[coord]
    result.attrs.update(
        scenario=scenario.name, scenario_title=scenario.title, scenario_digest=scenario.digest(),
        scenario_file=scenario.file, base_year=scenario.base_year, horizon=scenario.horizon,
        basis=scenario.basis, method=scenario.method,
        baseline_resolution=str(baseline.attrs.get("resolution", "")),
        baseline_source=str(baseline.attrs.get("source", "")),
    )

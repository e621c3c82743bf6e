"""Years: baseline growth, pro-rated measures, partial adjustment and commitments (DESIGN §3)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from tradesim import kernels, model, schedule
from tradesim.dims import EXPORTER, IMPORTER, MARKET_DIMS, PRODUCT, US, VN, YEAR
from tradesim.errors import ScheduleError
from tradesim.scenario import Scenario

__all__ = ["simulate"]


def _years(scenario: Scenario) -> xr.DataArray:
    years = np.array(list(scenario.years))
    return xr.DataArray(years - scenario.base_year, coords={YEAR: years}, dims=YEAR)


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
    params = schedule.parameters(baseline, scenario)
    t0 = baseline["tariff"]
    t1 = schedule.tariff_path(baseline, scenario)
    projected = baseline["value"] * (1.0 + params["growth"]) ** _years(scenario)
    projected = projected.transpose(YEAR, *MARKET_DIMS)
    ratio, index = model.long_run(projected, t0, t1, params["sigma"], params["eta"])
    gap = np.log(ratio.to_numpy())
    rate = params["adjustment"].transpose(IMPORTER, PRODUCT).to_numpy()[:, None, :]
    priced = projected * np.exp(kernels.adjust(gap, rate, axis=0))
    deals = schedule.commitment_path(baseline, scenario)
    taken = np.minimum(deals["displace"], priced)
    value = priced + deals["added"] - taken
    result = xr.Dataset(
        {
            "value": value,
            "value_baseline": projected,
            "tariff": t1,
            "tariff_baseline": t0.broadcast_like(t1),
            "duty_revenue": t1 * value,
            "duty_revenue_baseline": t0 * projected,
            "commitment": deals["added"] - taken,
            "price_index": index,
            "buyers_surplus": model.surplus(projected, t0, index, params["eta"]),
        }
    )
    result = result.transpose(YEAR, *MARKET_DIMS, missing_dims="ignore")
    for name, frame in (("", result["value"]), ("_baseline", result["value_baseline"])):
        result[f"exports{name}"] = _bilateral(frame, VN, US)
        result[f"imports{name}"] = _bilateral(frame, US, VN)
        result[f"balance{name}"] = result[f"exports{name}"] - result[f"imports{name}"]
    _describe(result, baseline, scenario)
    return result


def _bilateral(value: xr.DataArray, importer: str, exporter: str) -> xr.DataArray:
    """Yearly total of one bilateral flow (zero where the baseline lacks that market)."""
    if importer in value[IMPORTER] and exporter in value[EXPORTER]:
        flow = value.sel({IMPORTER: importer, EXPORTER: exporter}, drop=True)
        # A fixed memory layout makes the sum order, and so the rounding, identical for the
        # scenario and the baseline: a zero shock then gives exactly the baseline balance.
        flow = flow.transpose(..., PRODUCT).copy(data=np.ascontiguousarray(flow.data))
        return flow.sum(PRODUCT)
    return xr.zeros_like(value[YEAR], dtype=float)


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
    basis = "US statistics: imports = US general imports (customs value), exports = US total " \
            "exports (f.a.s.)" if scenario.basis == "us" else scenario.basis
    result["balance"].attrs["basis"] = basis
    result["balance_baseline"].attrs["basis"] = basis
    result.attrs.update(
        scenario=scenario.name, scenario_title=scenario.title, scenario_digest=scenario.digest(),
        scenario_file=scenario.file, base_year=scenario.base_year, horizon=scenario.horizon,
        basis=scenario.basis, method=scenario.method,
        baseline_resolution=str(baseline.attrs.get("resolution", "")),
        baseline_source=str(baseline.attrs.get("source", "")),
    )

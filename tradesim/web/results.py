"""Results as JSON: the numbers the page shows, taken from the same Dataset the CLI prints.

Money is in bn USD (floats at full precision; the page rounds for display). The balance is US
exports to Vietnam − US imports from Vietnam on the scenario's basis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from tradesim.data import catalogues
from tradesim.dims import DRAW, YEAR
from tradesim.errors import Problem, ScenarioError
from tradesim.present import tables
from tradesim.scenario.parse import Scenario

__all__ = ["BN", "QUANTILES", "band", "parts", "problems_json", "summary"]

BN = 1e9
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _bn(da: xr.DataArray) -> list[float]:
    return [float(x) / BN for x in da.to_numpy()]


def summary(result: xr.Dataset, scenario: Scenario, year: int | None = None,
            decomposition: xr.Dataset | None = None, n: int = 8) -> dict[str, Any]:
    """The page's view of one simulated scenario.

    Parameters
    ----------
    result : Dataset
        From :func:`tradesim.simulate`.
    scenario : Scenario
    year : int, optional
        The target year of the headline and the product views (default: the horizon).
    decomposition : Dataset, optional
        From :func:`tradesim.decompose` (summed over its groups for ``year``).
    n : int
        Products and suppliers listed.

    Returns
    -------
    dict
        ``years``; ``balance``, ``balance_baseline``, ``exports``, ``imports`` (bn USD a year);
        ``headline`` (balance, baseline and change in ``year``); ``products`` (largest
        balance changes: code, English and Vietnamese names of the catalogue,
        exports/imports/balance change); ``market`` (US imports
        by supplier, every supplier, largest change first: base, value, change, shares in %);
        ``decomposition`` (part, name, value).
    """
    year = scenario.horizon if year is None else year
    years = [int(y) for y in result[YEAR].to_numpy()]
    at = years.index(year)
    bal, base = _bn(result["balance"]), _bn(result["balance_baseline"])
    top = tables.top_products(result, year, n=n)
    codes = [str(c) for c in top.index]
    en, vi = catalogues.product_names(codes, "en"), catalogues.product_names(codes, "vi")
    products = [{"code": str(code), "name": en[str(code)], "name_vi": vi[str(code)],
                 "exports_change": float(row["exports change"]),
                 "imports_change": float(row["imports change"]),
                 "balance_change": float(row["balance change"])}
                for code, row in top.iterrows()]
    shift = tables.market_shift(result, year)
    order = shift["change"].abs().sort_values(ascending=False).index
    sup_en, sup_vi = catalogues.supplier_names("en"), catalogues.supplier_names("vi")
    market = [{"exporter": str(code), "name": sup_en.get(str(code), str(code)),
               "name_vi": sup_vi.get(str(code), str(code)),
               **{k: float(v) for k, v in shift.loc[code].items()}} for code in order]
    return {
        "scenario": {"name": scenario.name, "title": scenario.title,
                     "digest": scenario.digest(), "basis": scenario.basis,
                     "method": scenario.method, "base_year": scenario.base_year,
                     "horizon": scenario.horizon},
        "basis_note": str(result["balance"].attrs.get("basis", "")),
        "year": year, "years": years, "balance": bal, "balance_baseline": base,
        "exports": _bn(result["exports"]), "imports": _bn(result["imports"]),
        "exports_baseline": _bn(result["exports_baseline"]),
        "imports_baseline": _bn(result["imports_baseline"]),
        "headline": {"balance": bal[at], "balance_baseline": base[at],
                     "change": bal[at] - base[at]},
        "products": products, "market": market,
        "decomposition": [] if decomposition is None else parts(decomposition, year),
        "solver": {"iterations": int(result.attrs.get("solver_iterations", 0)),
                   "max_residual": float(result.attrs.get("solver_max_residual", 0.0))},
    }


def parts(decomposition: xr.Dataset, year: int) -> list[dict[str, Any]]:
    """The decomposition in ``year``, summed over product groups: part, name, value (bn USD)."""
    change = decomposition["change"].sel({YEAR: year}).sum("group")
    names = decomposition["part_name"].to_series().astype(str)
    return [{"part": str(p), "name": str(names[p]), "value": float(v) / BN}
            for p, v in zip(change["part"].to_numpy(), change.to_numpy(), strict=True)]


def band(draws: xr.DataArray, quantiles: Sequence[float] = QUANTILES) -> dict[str, Any]:
    """Quantiles over draws of the balance by year (bn USD): ``{"q05": [...], ...}``."""
    values = draws.transpose(DRAW, YEAR).to_numpy() / BN
    qs = np.quantile(values, list(quantiles), axis=0)
    return {"years": [int(y) for y in draws[YEAR].to_numpy()],
            "quantiles": list(quantiles), "draws": int(values.shape[0]),
            **{f"q{round(q * 100):02d}": [float(x) for x in row]
               for q, row in zip(quantiles, qs, strict=True)}}


def problems_json(err: ScenarioError | Sequence[Problem]) -> list[dict[str, Any]]:
    """A ScenarioError's problems as JSON: key path, message, value, hint."""
    items: Sequence[Problem] = err.problems if isinstance(err, ScenarioError) else err
    return [{"path": p.path, "message": p.message, "value": _plain(p.value), "hint": p.hint}
            for p in items]


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)

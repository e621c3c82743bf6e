"""Tables from results and baselines (pandas DataFrames; no printing)."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, US, VN, YEAR

__all__ = ["balance_table", "baseline_summary", "top_products"]

BN = 1e9


def balance_table(result: xr.Dataset) -> pd.DataFrame:
    """US–Vietnam balance by year, baseline vs scenario, in bn USD.

    Columns: exports and imports (baseline and scenario), balance (baseline, scenario) and the
    change. Balance = US exports to Vietnam − US imports from Vietnam.
    """
    cols = {
        "exports_baseline": "exports (base)", "exports": "exports",
        "imports_baseline": "imports (base)", "imports": "imports",
        "balance_baseline": "balance (base)", "balance": "balance",
    }
    table = pd.DataFrame({label: result[var].to_series() / BN for var, label in cols.items()})
    table["change"] = table["balance"] - table["balance (base)"]
    table.index.name = YEAR
    return table


def top_products(result: xr.Dataset, year: int, n: int = 10) -> pd.DataFrame:
    """Products moving the balance most in ``year`` (bn USD), largest absolute change first.

    ``balance change`` = change in US exports to Vietnam − change in US imports from Vietnam.
    """
    at = result.sel({YEAR: year})
    delta = at["value"] - at["value_baseline"]
    exports = delta.sel({IMPORTER: VN, EXPORTER: US}, drop=True).to_series() / BN
    imports = delta.sel({IMPORTER: US, EXPORTER: VN}, drop=True).to_series() / BN
    table = pd.DataFrame({"exports change": exports, "imports change": imports})
    table["balance change"] = table["exports change"] - table["imports change"]
    if "name" in result.coords:
        table.insert(0, "name", result["name"].to_series().astype(str).str.slice(0, 40))
    order = table["balance change"].abs().sort_values(ascending=False).index
    table = table.loc[order].head(n)
    table.index.name = PRODUCT
    return table


def baseline_summary(baseline: xr.Dataset) -> pd.DataFrame:
    """Base-year value (bn USD) and value-weighted tariff (%) by market and supplier."""
    value = baseline["value"].sum(PRODUCT)
    duty = (baseline["value"] * baseline["tariff"]).sum(PRODUCT)
    table = pd.DataFrame({
        "value, bn USD": value.to_series() / BN,
        "tariff, %": (duty / value.where(value > 0)).to_series() * 100,
    })
    table = table[table["value, bn USD"] > 0]
    return table.sort_values("value, bn USD", ascending=False).sort_index(
        level=IMPORTER, sort_remaining=False)

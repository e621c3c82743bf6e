"""Tables from results and baselines (pandas DataFrames; no printing)."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, US, VN, YEAR

__all__ = ["balance_table", "baseline_summary", "diversion", "market_shift", "top_products"]

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


def diversion(result: xr.Dataset, year: int, importer: str = US,
              min_change_usd: float = 0.0) -> pd.DataFrame:
    """Who gained and who lost each product's market in ``year``: one row per supplier.

    Columns: ``importer``, ``product``, ``exporter``, ``base`` and ``value`` (bn USD),
    ``change`` (bn USD), ``share_base`` and ``share`` (% of the market's imports of that
    product), ``role`` (``gains`` / ``loses`` / ``unchanged``). Sorted by product, then change.
    Rows whose absolute change is below ``min_change_usd`` are dropped.
    """
    at = result.sel({YEAR: year, IMPORTER: importer})
    value, base = at["value"], at["value_baseline"]
    total, total_base = value.sum(EXPORTER), base.sum(EXPORTER)
    table = pd.DataFrame({
        "base": base.to_series() / BN,
        "value": value.to_series() / BN,
        "share_base": (100 * base / total_base.where(total_base > 0)).to_series(),
        "share": (100 * value / total.where(total > 0)).to_series(),
    }).swaplevel().sort_index()
    table["change"] = table["value"] - table["base"]
    table = table[(table["change"].abs() * BN >= min_change_usd) & (table["base"] + table[
        "value"] > 0)]
    table["role"] = pd.cut(table["change"], [-float("inf"), -1e-12, 1e-12, float("inf")],
                           labels=["loses", "unchanged", "gains"]).astype(str)
    table = table.reset_index().sort_values([PRODUCT, "change"], ascending=[True, True])
    table.insert(0, IMPORTER, importer)
    cols = [IMPORTER, PRODUCT, EXPORTER, "base", "value", "change", "share_base", "share", "role"]
    return table[cols].reset_index(drop=True)


def market_shift(result: xr.Dataset, year: int, importer: str = US) -> pd.DataFrame:
    """Each supplier's sales to ``importer`` in ``year``, all products: bn USD and share (%).

    Columns ``base``, ``value``, ``change`` (bn USD), ``share_base``, ``share`` (% of the
    market's imports); sorted by change, losers first.
    """
    at = result.sel({YEAR: year, IMPORTER: importer}).sum(PRODUCT)
    base, value = at["value_baseline"].to_series() / BN, at["value"].to_series() / BN
    table = pd.DataFrame({"base": base, "value": value, "change": value - base,
                          "share_base": 100 * base / base.sum(),
                          "share": 100 * value / value.sum()})
    table = table[(table["base"] > 0) | (table["value"] > 0)]
    return table.sort_values("change")

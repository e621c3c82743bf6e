"""Tables from results and baselines (pandas DataFrames; no printing)."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, SCENARIO, US, VN, YEAR

__all__ = ["balance_table", "baseline_summary", "comparison_products", "comparison_table",
           "decomposition_table", "diversion", "market_shift", "top_products"]

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


def comparison_table(results: xr.Dataset) -> pd.DataFrame:
    """US–Vietnam balance by year for several scenarios (``scenario`` dim), bn USD.

    Columns: ``baseline`` (the no-change projection; one column per scenario, named
    ``baseline: <label>``, where scenarios override growth differently), then one column per
    scenario. Balance = US exports to Vietnam − US imports from Vietnam.
    """
    balance = results["balance"].transpose(SCENARIO, YEAR) / BN
    base = results["balance_baseline"].transpose(SCENARIO, YEAR) / BN
    labels = [str(s) for s in results[SCENARIO].to_numpy()]
    same = bool((base == base.isel({SCENARIO: 0})).all())
    columns = {"baseline": base.isel({SCENARIO: 0}).to_numpy()} if same else {
        f"baseline: {s}": base.sel({SCENARIO: s}).to_numpy() for s in labels}
    columns |= {s: balance.sel({SCENARIO: s}).to_numpy() for s in labels}
    table = pd.DataFrame(columns, index=pd.Index(results[YEAR].to_numpy(), name=YEAR))
    table.columns.name = "balance, bn USD"
    return table


def comparison_products(results: xr.Dataset, year: int, n: int = 10) -> pd.DataFrame:
    """Products whose balance change in ``year`` differs most between scenarios, bn USD.

    One column per scenario: the change in the product's balance against the baseline (US
    exports to Vietnam − US imports from Vietnam). ``spread`` is the largest minus the
    smallest of them (with one scenario, the absolute change); rows are sorted by it.
    """
    at = results.sel({YEAR: year})
    delta = (at["value"] - at["value_baseline"]) / BN
    change = (delta.sel({IMPORTER: VN, EXPORTER: US}, drop=True)
              - delta.sel({IMPORTER: US, EXPORTER: VN}, drop=True)).transpose(PRODUCT, SCENARIO)
    table = pd.DataFrame(change.to_numpy(), index=pd.Index(change[PRODUCT].to_numpy(),
                                                           name=PRODUCT),
                         columns=[str(s) for s in change[SCENARIO].to_numpy()])
    values = table.to_numpy()
    table["spread"] = (values.max(axis=1) - values.min(axis=1) if values.shape[1] > 1
                       else abs(values[:, 0]))
    if "name" in results.coords:
        table.insert(0, "name", results["name"].to_series().astype(str).str.slice(0, 40))
    return table.sort_values("spread", ascending=False, kind="stable").head(n)


def decomposition_table(decomposition: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """The balance change split into its parts (:mod:`tradesim.analysis.decomposition`), bn USD.

    Without ``year``: one row per year, summed over product groups. With ``year``: one row per
    product group and a ``total`` row. Columns: baseline growth, tariff response, diversion,
    commitments and ``total`` (the change since the base year; the parts add up to it).
    """
    change = decomposition["change"] / BN
    total = decomposition["total"] / BN
    names = [str(p) for p in decomposition["part_name"].to_numpy()]
    if year is None:
        parts, whole = change.sum("group").transpose(YEAR, "part"), total.sum("group")
        index = pd.Index(decomposition[YEAR].to_numpy(), name=YEAR)
    else:
        parts = change.sel({YEAR: year}).transpose("group", "part")
        whole = total.sel({YEAR: year})
        index = pd.Index(decomposition["group"].to_numpy(), name="product group")
    table = pd.DataFrame(parts.to_numpy(), index=index, columns=names)
    table["total"] = whole.to_numpy()
    if year is not None:
        table.loc["total"] = table.sum()
    return table

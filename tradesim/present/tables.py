"""Tables from results and baselines (pandas DataFrames; no printing)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, SCENARIO, US, VN, YEAR
from tradesim.present import labels

__all__ = ["balance_table", "baseline_summary", "comparison_products", "comparison_table",
           "comparison_workbook", "country_name", "decomposition_table", "diversion",
           "entries_table", "json_key", "market_shift", "product_changes", "provenance_table",
           "records", "result_workbook", "supplier_table", "top_products"]

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


# ------------------------------------------------------------------ names, keys and workbooks

def country_name(code: str) -> str:
    """English name of a supplier code (:func:`tradesim.present.labels.country`).

    >>> country_name("VNM"), country_name("KOR"), country_name("EU")
    ('Vietnam', 'South Korea', 'European Union')
    """
    return labels.country(code)


def json_key(label: object) -> str:
    """A table column label as a stable JSON key: lower case, words joined by ``_``.

    >>> [json_key(c) for c in ("exports (base)", "value, bn USD", "tariff, %", "balance change")]
    ['exports_base', 'value_bn_usd', 'tariff_pct', 'balance_change']
    """
    text = str(label).replace("%", " pct ").lower()
    return "_".join(re.findall(r"[0-9a-z]+", text))


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of a table as JSON-ready dicts (index levels first), keys by :func:`json_key`."""
    frame = table.reset_index() if any(n is not None for n in table.index.names) else table
    keys = [json_key(c) for c in frame.columns]
    out = []
    for row in frame.itertuples(index=False):
        out.append({k: _plain(v) for k, v in zip(keys, row, strict=True)})
    return out


def _plain(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value if isinstance(value, int | float | bool | str) or value is None else str(value)


def _flat(doc: object, prefix: str = "") -> list[tuple[str, str]]:
    """``key.path = value`` rows of a nested document (lists of plain values joined)."""
    if isinstance(doc, dict):
        return [row for k, v in doc.items() for row in _flat(v, f"{prefix}.{k}" if prefix
                                                               else str(k))]
    if isinstance(doc, list) and any(isinstance(v, dict | list) for v in doc):
        return [row for i, v in enumerate(doc) for row in _flat(v, f"{prefix}[{i}]")]
    if isinstance(doc, list):
        return [(prefix, ", ".join(str(v) for v in doc))]
    return [(prefix, "" if doc is None else str(doc))]


def provenance_table(result: xr.Dataset, baseline_attrs: dict[str, object] | None = None,
                     scenario_doc: dict[str, object] | None = None) -> pd.DataFrame:
    """Key / value rows: the result's attributes (scenario, solver), the baseline's attributes
    (sources, basis) and the scenario's header (``[scenario]``)."""
    rows = [("result." + str(k), str(v)) for k, v in result.attrs.items()]
    rows += [("baseline." + str(k), str(v)) for k, v in (baseline_attrs or {}).items()]
    head = (scenario_doc or {}).get("scenario", {})
    rows += [("scenario." + k, v) for k, v in _flat(head)]
    return pd.DataFrame(rows, columns=["key", "value"])


def entries_table(scenario_doc: dict[str, object], key: str) -> pd.DataFrame:
    """One row per entry of a scenario table array (``tariff``, ``commitment``), its fields
    as columns (lists joined by ``, ``)."""
    entries = scenario_doc.get(key) or []
    rows = [dict(_flat(e)) for e in entries if isinstance(e, dict)] if isinstance(
        entries, list) else []
    return pd.DataFrame(rows).astype(str) if rows else pd.DataFrame({"id": []}, dtype=str)


def product_changes(result: xr.Dataset, year: int) -> pd.DataFrame:
    """Every product's bilateral flows in ``year``, baseline and scenario, bn USD.

    Columns ``product`` (text), ``name``, US exports to and imports from Vietnam (baseline,
    scenario) and ``balance change``; sorted by the absolute balance change.
    """
    at = result.sel({YEAR: year})
    cols = {}
    for label, (imp, exp) in {"exports": (VN, US), "imports": (US, VN)}.items():
        for var, tag in (("value_baseline", " (base)"), ("value", "")):
            cols[f"{label}{tag}"] = at[var].sel({IMPORTER: imp, EXPORTER: exp},
                                                drop=True).to_series() / BN
    table = pd.DataFrame(cols)
    table["balance change"] = ((table["exports"] - table["exports (base)"])
                               - (table["imports"] - table["imports (base)"]))
    if "name" in result.coords:
        table.insert(0, "name", result["name"].to_series().astype(str))
    table.index = table.index.astype(str)
    table.index.name = PRODUCT
    order = table["balance change"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order]


def supplier_table(result: xr.Dataset, year: int, importer: str = US) -> pd.DataFrame:
    """:func:`market_shift` with each supplier's country name (``exporter`` index, text)."""
    table = market_shift(result, year, importer)
    table.insert(0, "country", [country_name(c) for c in table.index])
    table.index = table.index.astype(str)
    table.index.name = EXPORTER
    return table


def result_workbook(result: xr.Dataset, year: int,
                    baseline_attrs: dict[str, object] | None = None,
                    scenario_doc: dict[str, object] | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of ``run -o out.xlsx``: ``summary`` (balance by year, baseline vs scenario,
    bn USD), ``products`` (names, ``year``), ``suppliers`` (country names, US market,
    ``year``), ``provenance`` (result and baseline attributes: scenario, sources, basis),
    ``measures`` and ``commitments`` (the scenario's entries, one row each)."""
    summary = balance_table(result)
    summary.columns = [f"{c}, bn USD" for c in summary.columns]
    doc = scenario_doc or {}
    return {"summary": summary,
            f"products {year}": product_changes(result, year),
            f"suppliers {year}": supplier_table(result, year),
            "provenance": provenance_table(result, baseline_attrs, doc),
            "measures": entries_table(doc, "tariff"),
            "commitments": entries_table(doc, "commitment")}


def comparison_workbook(results: xr.Dataset, year: int,
                        baseline_attrs: dict[str, object] | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of ``compare -o out.xlsx``: ``summary`` (balance by year per scenario, bn
    USD), ``products`` (every product's balance change per scenario in ``year``, with names),
    ``suppliers`` (US market by supplier and scenario, country names) and ``provenance``."""
    summary = comparison_table(results)
    summary.columns = [f"{c}, bn USD" for c in summary.columns]
    products = comparison_products(results, year, n=results.sizes[PRODUCT])
    products.index = products.index.astype(str)
    labels = [str(s) for s in results[SCENARIO].to_numpy()]
    first = market_shift(results.sel({SCENARIO: labels[0]}), year)
    suppliers = pd.DataFrame({"country": [country_name(c) for c in first.index],
                              "base": first["base"]}, index=first.index.astype(str))
    for s in labels:
        shift = market_shift(results.sel({SCENARIO: s}), year)
        suppliers[f"{s}"] = shift["value"].reindex(suppliers.index).fillna(0.0)
    suppliers.index.name = EXPORTER
    rows = [(f"{s}.{k}", str(results[k].sel({SCENARIO: s}).item()))
            for s in labels for k in ("scenario_title", "scenario_digest") if k in results]
    rows += [("result." + str(k), str(v)) for k, v in results.attrs.items()]
    rows += [("baseline." + str(k), str(v)) for k, v in (baseline_attrs or {}).items()]
    return {"summary": summary, f"products {year}": products,
            f"suppliers {year}": suppliers,
            "provenance": pd.DataFrame(rows, columns=["key", "value"])}

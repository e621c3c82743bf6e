"""Figures from results. matplotlib is imported lazily, inside each function."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from tradesim.present.tables import BN, market_shift, top_products

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["backtest_sectors", "balance_fan", "balance_scenarios", "balance_trajectory",
           "decomposition_bars", "diversion_bars", "effective_tariff", "product_waterfall"]


def balance_trajectory(result: xr.Dataset, title: str | None = None) -> Figure:
    """Baseline vs scenario US–Vietnam balance by year, bn USD, with the basis in the footer."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    years = result["year"].to_numpy()
    ax.plot(years, result["balance_baseline"].to_numpy() / BN, color="0.5", ls="--",
            marker="o", label="baseline (no change from 2024)")
    ax.plot(years, result["balance"].to_numpy() / BN, color="C3", marker="o",
            label=result.attrs.get("scenario_title") or result.attrs.get("scenario", "scenario"))
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("US balance with Vietnam, bn USD")
    ax.set_title(title or "US goods trade balance with Vietnam (exports − imports)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.005, f"Basis: {result['balance'].attrs.get('basis', '')}. "
             "Source: US Census Bureau via tradesim.", fontsize=7, color="0.4")
    return fig


def balance_fan(quantiles: xr.DataArray, baseline: xr.DataArray | None = None,
                title: str | None = None) -> Figure:
    """Fan chart of the US–Vietnam balance by year, bn USD, from Monte Carlo quantiles.

    Parameters
    ----------
    quantiles : DataArray (quantile, year)
        Balance quantiles in USD, e.g. ``summary["balance_quantile"].sel(scenario=...)`` from
        :func:`tradesim.analysis.sweep.summarize`. Symmetric pairs (0.05/0.95, 0.25/0.75) become
        bands, 0.5 the median line.
    baseline : DataArray (year) or (draw, year), optional
        The no-change projection, drawn dashed (the median over draws when it has them: on a
        baseline anchored to an observed year it differs by draw).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if baseline is not None and "draw" in baseline.dims:
        baseline = baseline.median("draw")

    q = quantiles.squeeze(drop=True) if "scenario" in quantiles.dims else quantiles
    if set(q.dims) != {"quantile", "year"}:
        raise ValueError(f"balance_fan needs dims (quantile, year), got {q.dims}: select one "
                         "scenario first")
    q = q.transpose("quantile", "year")
    levels = [float(v) for v in q["quantile"].to_numpy()]
    years = q["year"].to_numpy()
    values = q.to_numpy() / BN
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    pairs = sorted(lo for lo in levels if lo < 0.5 and any(abs(hi - (1 - lo)) < 1e-9
                                                           for hi in levels))
    for k, lo in enumerate(pairs):
        hi = next(h for h in levels if abs(h - (1 - lo)) < 1e-9)
        ax.fill_between(years, values[levels.index(lo)], values[levels.index(hi)], color="C3",
                        alpha=0.18 + 0.22 * k / max(len(pairs), 1), lw=0,
                        label=f"{lo * 100:g}–{hi * 100:g} % of draws")
    if 0.5 in levels:
        ax.plot(years, values[levels.index(0.5)], color="C3", marker="o", label="median")
    if baseline is not None:
        ax.plot(baseline["year"].to_numpy(), baseline.to_numpy() / BN, color="0.4", ls="--",
                label="baseline (no change from 2024)")
    ax.set_xlabel("year")
    ax.set_ylabel("US balance with Vietnam, bn USD")
    ax.set_title(title or "US goods trade balance with Vietnam: elasticity uncertainty",
                 fontsize=11)
    ax.legend(frameon=False, loc="lower left")
    ax.grid(alpha=0.3)
    engine: Any = fig.get_layout_engine()
    engine.set(rect=(0, 0.06, 1, 0.94))
    fig.text(0.01, 0.01, "Balance = US exports to Vietnam − US imports from Vietnam, US "
             "statistics. Source: US Census Bureau via tradesim.\nElasticity ranges: "
             "Broda & Weinstein (2006) σ, Hauk (2012) η; see the sweep file for the "
             "distributions.", fontsize=7, color="0.4", va="bottom")
    return fig


# --------------------------------------------------------------------------- negotiator figures

_SOURCE = ("Balance = US exports to Vietnam − US imports from Vietnam, US statistics. Source: US "
           "Census Bureau trade statistics (2024 base) via tradesim.")


_PLACE = {"USA": "the US", "VNM": "Vietnam"}


def _footer(fig: Figure, text: str = _SOURCE) -> None:
    """A source line under the axes (the constrained layout keeps room for it)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0.0, 0.035, 1.0, 0.965))
    fig.text(0.01, 0.008, text, fontsize=7, color="0.4")


def _product_labels(result: xr.Dataset, codes: list[str], width: int = 30) -> list[str]:
    if "name" not in result.coords:
        return codes
    names = result["name"].to_series().astype(str).reindex(codes).fillna("")
    return [f"{c} {n[:width]}".strip() for c, n in zip(codes, names, strict=True)]


def balance_scenarios(results: xr.Dataset, title: str | None = None) -> Figure:
    """The balance by year for several scenarios beside the baseline, bn USD.

    Parameters
    ----------
    results : Dataset
        From :func:`tradesim.compare` (a ``scenario`` dim) or one result.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    ds = results if "scenario" in results.dims else results.expand_dims(
        scenario=[results.attrs.get("scenario", "scenario")])
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    years = ds["year"].to_numpy()
    ax.plot(years, ds["balance_baseline"].isel(scenario=0).to_numpy() / BN, color="0.45",
            ls="--", marker="o", ms=4, label="baseline (no change from 2024)")
    for k, label in enumerate(ds["scenario"].to_numpy()):
        ax.plot(years, ds["balance"].sel(scenario=label).to_numpy() / BN, color=f"C{k}",
                marker="o", ms=4, label=str(label))
    ax.axhline(0, color="0.8", lw=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel("US balance with Vietnam, bn USD")
    ax.set_title(title or "US goods trade balance with Vietnam, by scenario")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    _footer(fig)
    return fig


def product_waterfall(result: xr.Dataset, year: int, n: int = 8,
                      title: str | None = None) -> Figure:
    """Waterfall of the change in the balance against the baseline in ``year``, by product.

    The ``n`` products that move the balance most, then all other products, then the total
    change (bn USD; positive = the US deficit narrows).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.figure import Figure

    table = top_products(result, year, n=result.sizes["product"])
    head = table.head(n)
    steps = np.append(head["balance change"].to_numpy(),
                      table["balance change"].iloc[n:].sum())
    labels = _product_labels(result, [str(c) for c in head.index]) + [
        f"other products ({max(len(table) - n, 0)})", "total change"]
    ends = np.cumsum(steps)
    starts = ends - steps
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(labels))
    colors = np.where(steps >= 0, "C2", "C3").tolist() + ["0.3"]
    lefts = np.append(starts, 0.0)
    widths = np.append(steps, ends[-1])
    ax.barh(rows, widths, left=lefts, color=colors, height=0.6)
    ax.vlines(ends[:-1], rows[:-2] - 0.3, rows[1:-1] + 0.3, color="0.6", lw=0.8)
    for y, x0, w in zip(rows.tolist(), lefts, widths, strict=True):
        ax.text(x0 + w, y, f" {w:+.2f} ", va="center", fontsize=7,
                ha="left" if w >= 0 else "right")
    ax.set_yticks(rows, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.8)
    ax.margins(x=0.15)
    ax.set_xlabel(f"change in the balance vs baseline, {year}, bn USD (+ = smaller US deficit)",
                  fontsize=9)
    ax.set_title(title or f"Which products move the balance, {year}")
    ax.grid(axis="x", alpha=0.3)
    _footer(fig)
    return fig


def diversion_bars(result: xr.Dataset, year: int, importer: str = "USA",
                   products: Sequence[str] | None = None, n: int = 10,
                   title: str | None = None) -> Figure:
    """Who gains the market share Vietnam loses: change in each supplier's share, in points.

    Bars are the change in each supplier's share of ``importer``'s imports against the
    baseline in ``year`` (percentage points), the ``n`` largest moves, labelled with the
    change in sales (bn USD).

    Parameters
    ----------
    result : Dataset
        One scenario's result.
    year : int
    importer : str
        The market (default the US).
    products : sequence of str, optional
        Axis products to sum over (default: all products).
    n : int
        Suppliers shown.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.figure import Figure

    scope = result if products is None else result.sel(product=list(products))
    table = market_shift(scope, year, importer)
    table["points"] = table["share"] - table["share_base"]
    table = table.loc[table["points"].abs().sort_values(ascending=False).index[:n]]
    table = table.sort_values("points")
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(table))
    points = table["points"].to_numpy()
    colors = np.where(points >= 0, "C0", "C3")
    colors[table.index == "VNM"] = "C1"
    ax.barh(rows, points, color=colors.tolist(), height=0.6)
    for y, w, bn in zip(rows.tolist(), points, table["change"].to_numpy(), strict=True):
        ax.text(w, y, f" {w:+.2f} pp ({bn:+.1f} bn) ", va="center", fontsize=7,
                ha="left" if w >= 0 else "right")
    ax.set_yticks(rows, [str(s) for s in table.index], fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.margins(x=0.3)
    market = "US" if importer == "USA" else importer
    what = "all products" if products is None else "products " + ", ".join(products)
    ax.set_xlabel(f"change in share of {market} imports vs baseline, {year}, percentage points",
                  fontsize=9)
    ax.set_title(title or f"Who gains the {market} market share Vietnam loses, {year}")
    ax.grid(axis="x", alpha=0.3)
    _footer(fig, f"{market} imports by supplier, {what}, customs value; labels: change in "
                 "sales, bn USD. Source: US Census Bureau (2024 base) via tradesim.")
    return fig


def effective_tariff(result: xr.Dataset, year: int, importer: str = "USA",
                     exporter: str = "VNM", n: int = 12, title: str | None = None) -> Figure:
    """Applied tariff on one supplier by product, baseline vs scenario, in ``year`` (%).

    The ``n`` products with the largest baseline trade of the flow, plus the trade-weighted
    average over all products (duty ÷ customs value).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.figure import Figure

    at = result.sel(year=year, importer=importer, exporter=exporter)
    base_value = at["value_baseline"].to_series()
    top = base_value[base_value > 0].sort_values(ascending=False).index[:n]
    codes = [str(c) for c in top]
    scen = 100 * at["tariff"].to_series().reindex(top).to_numpy()
    base = 100 * at["tariff_baseline"].to_series().reindex(top).to_numpy()
    value, projected = float(at["value"].sum()), float(at["value_baseline"].sum())
    avg_scen = 100 * float(at["duty_revenue"].sum()) / value if value > 0 else np.nan
    avg_base = (100 * float(at["duty_revenue_baseline"].sum()) / projected
                if projected > 0 else np.nan)
    labels = ["all products (trade-weighted)"] + _product_labels(result, codes, width=26)
    scen, base = np.append(avg_scen, scen), np.append(avg_base, base)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(labels))
    ax.barh(rows - 0.2, base, height=0.4, color="0.7", label="baseline (2024 rates)")
    ax.barh(rows + 0.2, scen, height=0.4, color="C0",
            label=result.attrs.get("scenario", "scenario"))
    for y, w in zip(rows + 0.2, scen, strict=True):
        ax.text(w, y, f" {w:.1f}", va="center", fontsize=7)
    ax.set_yticks(rows, labels, fontsize=8)
    ax.invert_yaxis()
    ax.margins(x=0.12)
    ax.set_xlabel(f"applied tariff, % of customs value, {year} (day-weighted)")
    ax.set_title(title or f"Tariff on goods from {_PLACE.get(exporter, exporter)} entering "
                          f"{_PLACE.get(importer, importer)}, largest products")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    _footer(fig, f"Products: the {len(codes)} largest of {importer} imports from {exporter} in the "
                 "baseline. Source: 2024 duty ÷ value (US Census) and the scenario's measures, "
                 "via tradesim.")
    return fig


def decomposition_bars(decomposition: xr.Dataset, year: int, n: int = 8,
                       title: str | None = None) -> Figure:
    """The balance change since the base year by product group, split into its parts, bn USD.

    Stacked bars of baseline growth, tariff response, diversion and commitments for the ``n``
    groups with the largest total change (then all others), and a marker at each total.

    Parameters
    ----------
    decomposition : Dataset
        From :func:`tradesim.analysis.decomposition.decompose`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.figure import Figure

    change = decomposition["change"].sel(year=year).transpose("group", "part").to_numpy() / BN
    total = decomposition["total"].sel(year=year).to_numpy() / BN
    groups = [str(g) for g in decomposition["group"].to_numpy()]
    order = np.argsort(-np.abs(total), kind="stable")
    top, rest = order[:n], order[n:]
    parts = np.vstack([change[top], change[rest].sum(axis=0, keepdims=True)]) if len(rest) \
        else change[top]
    totals = np.append(total[top], total[rest].sum()) if len(rest) else total[top]
    labels = [g if len(g) <= 34 else g[:33] + "…" for g in (groups[i] for i in top)] + (
        [f"other groups ({len(rest)})"] if len(rest) else [])
    names = [str(p) for p in decomposition["part_name"].to_numpy()]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(labels))
    pos = np.cumsum(np.clip(parts, 0, None), axis=1) - np.clip(parts, 0, None)
    neg = np.cumsum(np.clip(parts, None, 0), axis=1) - np.clip(parts, None, 0)
    lefts = np.where(parts >= 0, pos, neg)
    colors = ["0.65", "C0", "C1", "C2"]
    for k, name in enumerate(names):
        ax.barh(rows, parts[:, k], left=lefts[:, k], height=0.6, color=colors[k % 4],
                label=name)
    ax.plot(totals, rows, "D", color="black", ms=4, label="total change")
    ax.set_yticks(rows, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.8)
    base_year = decomposition.attrs.get("base_year", "the base year")
    ax.set_xlabel(f"change in the US balance with Vietnam, {base_year}→{year}, bn USD")
    ax.set_title(title or f"Where the change in the balance comes from, {year}")
    ax.use_sticky_edges = False  # zero-width segments must not pin the axis limits
    ax.margins(x=0.05, y=0.03)
    fig.legend(frameon=False, fontsize=8, loc="outside lower center", ncols=5)
    ax.grid(axis="x", alpha=0.3)
    _footer(fig)
    return fig


def backtest_sectors(sectors: Any, suppliers: Sequence[str] = ("VNM", "CHN"),
                     minimum: float = 1.0) -> Figure:
    """Out-of-sample model change against actual change by NAICS3 sector, bn USD.

    ``sectors`` is :attr:`tradesim.analysis.backtest.Backtest.sectors` (a DataFrame with
    ``direction, supplier, sector, base, actual, model``); one panel per direction, sectors with a
    base of at least ``minimum`` bn USD, the 45° line where the model would be exact.
    """
    from matplotlib.figure import Figure

    names = {"VNM": "Vietnam", "CHN": "China", "ROW": "rest of the world"}
    directions = list(dict.fromkeys(sectors["direction"]))
    fig = Figure(figsize=(11, 5), layout="constrained")
    axes = fig.subplots(1, len(directions), squeeze=False)[0]
    for ax, direction in zip(axes, directions, strict=True):
        d = sectors[(sectors["direction"] == direction) & (sectors["base"] >= minimum)
                    & sectors["supplier"].isin(suppliers)]
        for k, supplier in enumerate(suppliers):
            g = d[d["supplier"] == supplier]
            ax.scatter(g["actual"] - g["base"], g["model"] - g["base"], s=22, color=f"C{k}",
                       alpha=0.8, label=names.get(supplier, supplier))
        lim = float(np.nanmax(np.abs(np.r_[d["actual"] - d["base"], d["model"] - d["base"]])))
        ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=0.8, ls="--")
        ax.axhline(0, color="0.85", lw=0.6)
        ax.axvline(0, color="0.85", lw=0.6)
        ax.set_title(f"fit {direction.replace(' → ', ', predict ')}", fontsize=10)
        ax.set_xlabel("actual change, bn USD")
        ax.set_ylabel("model change (out of sample), bn USD")
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False)
    fig.suptitle("Backtest by NAICS3 sector: US imports by supplier, model vs actual")
    _footer(fig, "US imports for consumption by NAICS3 sector (sectors over 1 bn USD in the base "
                 "year); Census via tradesim. 2025 = January–November.")
    return fig

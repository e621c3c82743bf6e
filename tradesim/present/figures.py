"""Figures from results, 16:9 at 1920 × 1080 pixels (``SIZE`` inches at ``DPI``), sized for
a projector. matplotlib is imported lazily, inside each function.

Every figure is one :class:`~matplotlib.figure.Figure` with two sub-figures: the plot on top
and the source line (wrapped to the width, its height measured) underneath, so that axis labels,
legends and the footer never overlap and the footer never runs off the image. Legends name
scenarios by their titles, suppliers by their country names, products by code and name in
sentence case, shortened at word boundaries (:mod:`tradesim.present.labels`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from tradesim.present.labels import country, product_label, shorten
from tradesim.present.tables import BN, market_shift, top_products

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = ["DPI", "SIZE", "backtest_sectors", "balance_fan", "balance_scenarios",
           "balance_trajectory", "decomposition_bars", "diversion_bars", "effective_tariff",
           "product_waterfall"]

SIZE = (16.0, 9.0)  # inches, 16:9
DPI = 120  # 1920 x 1080 pixels (tradesim.io.write_figure saves at this resolution)
FONT = {"tick": 15.0, "label": 17.0, "title": 22.0, "legend": 15.0, "note": 13.0,
        "annotation": 13.0}
TITLE_WIDTH = 60  # characters of a scenario title in a legend
_NOTE_COLOR = "0.35"


def _measure(fig: Figure, text: str, size: float) -> tuple[float, float]:
    """Width and height of ``text`` at ``size`` points on ``fig``, in pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    probe = fig.text(0, 0, text, fontsize=size)
    box = probe.get_window_extent(renderer)
    probe.remove()
    return box.width, box.height


def _canvas(footer: str) -> tuple[Figure, SubFigure]:
    """A 16:9 figure: the plot's sub-figure (returned) above a footer wrapped to the width."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    engine: Any = fig.get_layout_engine()
    engine.set(w_pad=0.12, h_pad=0.08)  # inches: nothing touches the image's edge
    text = " ".join(footer.split())
    width, _ = _measure(fig, text, FONT["note"])
    room = 0.93 * fig.bbox.width  # a margin for font hinting at other resolutions
    if width > room:
        chars = max(int(len(text) * room / width) - 2, 20)
        text = textwrap.fill(text, chars, break_long_words=True, break_on_hyphens=False)
    _, height = _measure(fig, text, FONT["note"])
    inches = height / DPI + 0.2
    parts: Any = fig.subfigures(2, 1, height_ratios=[SIZE[1] - inches, inches])
    main, foot = parts[0], parts[1]
    foot.text(0.008, 0.5, text, fontsize=FONT["note"], color=_NOTE_COLOR, va="center",
              ha="left")
    return fig, main


def _axes(main: SubFigure, title: str, xlabel: str, ylabel: str = "") -> Axes:
    ax = main.add_subplot()
    ax.set_title(title, fontsize=FONT["title"], pad=14)
    ax.set_xlabel(xlabel, fontsize=FONT["label"], labelpad=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT["label"], labelpad=8)
    ax.tick_params(labelsize=FONT["tick"])
    return ax


def _source(result: xr.Dataset | None = None) -> str:
    year = (result.attrs.get("base_year") if result is not None else None) or 2024
    return f"Source: US Census Bureau trade statistics ({year} base) via tradesim."


def _basis_note(result: xr.Dataset) -> str:
    """What the balance is measured on, in a sentence (US or Vietnamese statistics)."""
    basis = str(result["balance"].attrs.get("basis", ""))
    if result.attrs.get("basis") == "vn" or basis.startswith("Vietnamese"):
        ratios = re.findall(r"= ([0-9.]+)", basis)
        scale = (f" (US exports × {ratios[0]}, US imports × {ratios[1]})" if len(ratios) >= 2
                 else "")
        return ("Balance = US exports to Vietnam − US imports from Vietnam on Vietnamese "
                "customs statistics: US totals scaled by the base-year ratios of Vietnam's to "
                f"the US's figures{scale}, Vietnamese figures as reported in the press; "
                "product detail stays on US statistics.")
    return ("Balance = US exports to Vietnam − US imports from Vietnam, US statistics (general "
            "imports, customs value; total exports, f.a.s.).")


def _titles(ds: xr.Dataset) -> list[str]:
    """A legend label per scenario: its title (shortened), else its name."""
    names = [str(s) for s in ds["scenario"].to_numpy()]
    if "scenario_title" in ds:
        titles = [str(t) for t in np.atleast_1d(ds["scenario_title"].to_numpy())]
    else:
        titles = [str(ds.attrs.get("scenario_title") or "")] * len(names)
    return [shorten(t or n, TITLE_WIDTH) for t, n in zip(titles, names, strict=True)]


def _title(result: xr.Dataset) -> str:
    return shorten(str(result.attrs.get("scenario_title") or result.attrs.get("scenario")
                       or "scenario"), TITLE_WIDTH)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _market(code: str) -> str:
    """A market as an adjective or name: "US", "Vietnam"."""
    return "US" if code == "USA" else country(code)


def _place(code: str) -> str:
    return {"USA": "the US"}.get(code, country(code))


def balance_trajectory(result: xr.Dataset, title: str | None = None) -> Figure:
    """Baseline vs scenario US–Vietnam balance by year, bn USD, with the basis in the footer.

    Parameters
    ----------
    result : Dataset
        One scenario's result (:func:`tradesim.simulate`); its ``scenario_title`` names the line.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    fig, main = _canvas(f"{_basis_note(result)} {_source(result)}")
    ax = _axes(main, title or "US goods trade balance with Vietnam (exports − imports)",
               "year", "US balance with Vietnam, bn USD")
    years = result["year"].to_numpy()
    base_year = result.attrs.get("base_year", int(years[0]))
    ax.plot(years, result["balance_baseline"].to_numpy() / BN, color="0.5", ls="--",
            marker="o", ms=7, lw=2, label=f"baseline (no change from {base_year})")
    ax.plot(years, result["balance"].to_numpy() / BN, color="C3", marker="o", ms=7, lw=2.5,
            label=_title(result))
    ax.axhline(0, color="0.8", lw=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=FONT["legend"])
    ax.grid(alpha=0.3)
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
    from matplotlib.ticker import MaxNLocator

    q = quantiles.squeeze(drop=True) if "scenario" in quantiles.dims else quantiles
    if set(q.dims) != {"quantile", "year"}:
        raise ValueError(f"balance_fan needs dims (quantile, year), got {q.dims}: select one "
                         "scenario first")
    q = q.transpose("quantile", "year")
    levels = [float(v) for v in q["quantile"].to_numpy()]
    years = q["year"].to_numpy()
    values = q.to_numpy() / BN
    fig, main = _canvas(
        "Balance = US exports to Vietnam − US imports from Vietnam, US statistics. Source: US "
        "Census Bureau via tradesim. Elasticity ranges: Broda & Weinstein (2006) σ, Hauk (2012) "
        "η; see the sweep file for the distributions.")
    ax = _axes(main, title or "US goods trade balance with Vietnam: elasticity uncertainty",
               "year", "US balance with Vietnam, bn USD")
    pairs = sorted(lo for lo in levels if lo < 0.5 and any(abs(hi - (1 - lo)) < 1e-9
                                                           for hi in levels))
    for k, lo in enumerate(pairs):
        hi = next(h for h in levels if abs(h - (1 - lo)) < 1e-9)
        ax.fill_between(years, values[levels.index(lo)], values[levels.index(hi)], color="C3",
                        alpha=0.18 + 0.22 * k / max(len(pairs), 1), lw=0,
                        label=f"{lo * 100:g}–{hi * 100:g} % of draws")
    if 0.5 in levels:
        ax.plot(years, values[levels.index(0.5)], color="C3", marker="o", ms=7, lw=2.5,
                label="median")
    if baseline is not None:
        base = baseline.squeeze(drop=True)
        label = "baseline (no change)"
        if "draw" in base.dims:
            base, label = base.median("draw"), "baseline (no change), median of draws"
        ax.plot(base["year"].to_numpy(), base.transpose("year").to_numpy() / BN, color="0.4",
                ls="--", lw=2, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="lower left", fontsize=FONT["legend"])
    ax.grid(alpha=0.3)
    return fig


# --------------------------------------------------------------------------- negotiator figures


def _product_labels(result: xr.Dataset, codes: list[str], width: int = 44) -> list[str]:
    if "name" not in result.coords:
        return codes
    names = result["name"].to_series().astype(str).reindex(codes).fillna("")
    return [product_label(c, n, width) for c, n in zip(codes, names, strict=True)]


def balance_scenarios(results: xr.Dataset, title: str | None = None) -> Figure:
    """The balance by year for several scenarios beside the baseline, bn USD.

    Parameters
    ----------
    results : Dataset
        From :func:`tradesim.compare` (a ``scenario`` dim, and ``scenario_title``) or one
        result. Lines are labelled with the scenarios' titles.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    ds = results if "scenario" in results.dims else results.expand_dims(
        scenario=[results.attrs.get("scenario", "scenario")])
    fig, main = _canvas(f"{_basis_note(ds)} {_source(ds)}")
    ax = _axes(main, title or "US goods trade balance with Vietnam, by scenario", "year",
               "US balance with Vietnam, bn USD")
    years = ds["year"].to_numpy()
    base_year = ds.attrs.get("base_year", int(years[0]))
    ax.plot(years, ds["balance_baseline"].isel(scenario=0).to_numpy() / BN, color="0.45",
            ls="--", marker="o", ms=6, lw=2, label=f"baseline (no change from {base_year})")
    for k, (label, name) in enumerate(zip(_titles(ds), ds["scenario"].to_numpy(),
                                          strict=True)):
        ax.plot(years, ds["balance"].sel(scenario=name).to_numpy() / BN, color=f"C{k}",
                marker="o", ms=6, lw=2.5, label=label)
    ax.axhline(0, color="0.8", lw=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=FONT["legend"], loc="best")
    ax.grid(alpha=0.3)
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
    table = top_products(result, year, n=result.sizes["product"])
    head = table.head(n)
    steps = np.append(head["balance change"].to_numpy(),
                      table["balance change"].iloc[n:].sum())
    labels = _product_labels(result, [str(c) for c in head.index]) + [
        f"other products ({max(len(table) - n, 0)})", "total change"]
    ends = np.cumsum(steps)
    starts = ends - steps
    fig, main = _canvas(f"{_basis_note(result)} Products on US statistics. {_source(result)}")
    ax = _axes(main, title or f"Which products move the balance, {year}",
               f"change in the balance vs baseline, {year}, bn USD (+ = smaller US deficit)")
    rows = np.arange(len(labels))
    colors = np.where(steps >= 0, "C2", "C3").tolist() + ["0.3"]
    lefts = np.append(starts, 0.0)
    widths = np.append(steps, ends[-1])
    ax.barh(rows, widths, left=lefts, color=colors, height=0.6)
    ax.vlines(ends[:-1], rows[:-2] - 0.3, rows[1:-1] + 0.3, color="0.6", lw=0.8)
    for y, x0, w in zip(rows.tolist(), lefts, widths, strict=True):
        ax.text(x0 + w, y, f" {w:+.2f} ".replace("-", "−"), va="center",
                fontsize=FONT["annotation"], ha="left" if w >= 0 else "right")
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.8)
    ax.margins(x=0.15)
    ax.grid(axis="x", alpha=0.3)
    return fig


def diversion_bars(result: xr.Dataset, year: int, importer: str = "USA",
                   products: Sequence[str] | None = None, n: int = 10,
                   title: str | None = None) -> Figure:
    """Who gains the market share Vietnam loses: change in each supplier's share, in points.

    Bars are the change in each supplier's share of ``importer``'s imports against the
    baseline in ``year`` (percentage points), the ``n`` largest moves, labelled with the
    change in sales (bn USD); suppliers by country name.

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
    scope = result if products is None else result.sel(product=list(products))
    table = market_shift(scope, year, importer)
    table["points"] = table["share"] - table["share_base"]
    table = table.loc[table["points"].abs().sort_values(ascending=False).index[:n]]
    table = table.sort_values("points")
    market = _market(importer)
    what = "all products" if products is None else "products " + ", ".join(products)
    fig, main = _canvas(f"{market} imports by supplier, {what}, customs value; labels: change "
                        f"in sales, bn USD. {_source(result)}")
    ax = _axes(main, title or f"Who gains the {market} market share Vietnam loses, {year}",
               f"change in share of {market} imports vs baseline, {year}, percentage points")
    rows = np.arange(len(table))
    points = table["points"].to_numpy()
    colors = np.where(points >= 0, "C0", "C3")
    colors[table.index == "VNM"] = "C1"
    ax.barh(rows, points, color=colors.tolist(), height=0.6)
    for y, w, bn in zip(rows.tolist(), points, table["change"].to_numpy(), strict=True):
        ax.text(w, y, f" {w:+.2f} pp ({bn:+.1f} bn) ".replace("-", "−"), va="center",
                fontsize=FONT["annotation"], ha="left" if w >= 0 else "right")
    ax.set_yticks(rows, [_capital(country(str(s))) for s in table.index])
    ax.axvline(0, color="0.5", lw=0.8)
    ax.margins(x=0.3)
    ax.grid(axis="x", alpha=0.3)
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
    labels = ["all products (trade-weighted)"] + _product_labels(result, codes, width=48)
    scen, base = np.append(avg_scen, scen), np.append(avg_base, base)
    base_year = result.attrs.get("base_year", 2024)
    fig, main = _canvas(
        f"Products: the {len(codes)} largest of {_market(importer)} imports from "
        f"{country(exporter)} in the baseline. Source: {base_year} duty ÷ value (US Census) "
        "and the scenario's measures, via tradesim.")
    ax = _axes(main, title or f"Tariff on goods from {_place(exporter)} entering "
                              f"{_place(importer)}, largest products",
               f"applied tariff, % of customs value, {year} (day-weighted)")
    rows = np.arange(len(labels))
    ax.barh(rows - 0.2, base, height=0.4, color="0.7", label=f"baseline ({base_year} rates)")
    ax.barh(rows + 0.2, scen, height=0.4, color="C0", label=_title(result))
    for y, w in zip(rows + 0.2, scen, strict=True):
        ax.text(w, y, f" {w:.1f}", va="center", fontsize=FONT["annotation"])
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.margins(x=0.12)
    main.legend(frameon=False, fontsize=FONT["legend"], loc="outside lower center", ncols=2)
    ax.grid(axis="x", alpha=0.3)
    return fig


def decomposition_bars(decomposition: xr.Dataset, year: int, n: int = 8,
                       title: str | None = None) -> Figure:
    """The balance change since the base year by product group, split into its parts, bn USD.

    Stacked bars of baseline growth, tariff response, diversion and commitments for the ``n``
    groups with the largest total change (then all others), and a marker at each total. The
    legend sits under the axes, above the footer.

    Parameters
    ----------
    decomposition : Dataset
        From :func:`tradesim.analysis.decomposition.decompose`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    change = decomposition["change"].sel(year=year).transpose("group", "part").to_numpy() / BN
    total = decomposition["total"].sel(year=year).to_numpy() / BN
    groups = [str(g) for g in decomposition["group"].to_numpy()]
    order = np.argsort(-np.abs(total), kind="stable")
    top, rest = order[:n], order[n:]
    parts = np.vstack([change[top], change[rest].sum(axis=0, keepdims=True)]) if len(rest) \
        else change[top]
    totals = np.append(total[top], total[rest].sum()) if len(rest) else total[top]
    labels = [shorten(groups[i], 44) for i in top] + (
        [f"other groups ({len(rest)})"] if len(rest) else [])
    names = [str(p) for p in decomposition["part_name"].to_numpy()]
    base_year = decomposition.attrs.get("base_year", "the base year")
    fig, main = _canvas(
        "Balance = US exports to Vietnam − US imports from Vietnam, US statistics; groups are "
        f"HS sections. Source: US Census Bureau trade statistics ({base_year} base) via "
        "tradesim.")
    ax = _axes(main, title or f"Where the change in the balance comes from, {year}",
               f"change in the US balance with Vietnam, {base_year}→{year}, bn USD")
    rows = np.arange(len(labels))
    pos = np.cumsum(np.clip(parts, 0, None), axis=1) - np.clip(parts, 0, None)
    neg = np.cumsum(np.clip(parts, None, 0), axis=1) - np.clip(parts, None, 0)
    lefts = np.where(parts >= 0, pos, neg)
    colors = ["0.65", "C0", "C1", "C2"]
    for k, name in enumerate(names):
        ax.barh(rows, parts[:, k], left=lefts[:, k], height=0.6, color=colors[k % 4],
                label=name)
    ax.plot(totals, rows, "D", color="black", ms=7, label="total change")
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.8)
    ax.use_sticky_edges = False  # zero-width segments must not pin the axis limits
    ax.margins(x=0.05, y=0.03)
    main.legend(frameon=False, fontsize=FONT["legend"], loc="outside lower center",
                ncols=len(names) + 1)
    ax.grid(axis="x", alpha=0.3)
    return fig


def backtest_sectors(sectors: Any, suppliers: Sequence[str] = ("VNM", "CHN"),
                     minimum: float = 1.0) -> Figure:
    """Out-of-sample model change against actual change by NAICS3 sector, bn USD.

    ``sectors`` is :attr:`tradesim.analysis.backtest.Backtest.sectors` (a DataFrame with
    ``direction, supplier, sector, base, actual, model``); one panel per direction, sectors with a
    base of at least ``minimum`` bn USD, the 45° line where the model would be exact.
    """
    directions = list(dict.fromkeys(sectors["direction"]))
    fig, main = _canvas(
        "US imports for consumption by NAICS3 sector (sectors over 1 bn USD in the base year). "
        "Source: US Census Bureau via tradesim. 2025 = January–November.")
    axes = main.subplots(1, len(directions), squeeze=False)[0]
    for ax, direction in zip(axes, directions, strict=True):
        d = sectors[(sectors["direction"] == direction) & (sectors["base"] >= minimum)
                    & sectors["supplier"].isin(suppliers)]
        for k, supplier in enumerate(suppliers):
            g = d[d["supplier"] == supplier]
            ax.scatter(g["actual"] - g["base"], g["model"] - g["base"], s=60, color=f"C{k}",
                       alpha=0.8, label=country(supplier))
        lim = float(np.nanmax(np.abs(np.r_[d["actual"] - d["base"], d["model"] - d["base"]])))
        ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=1, ls="--")
        ax.axhline(0, color="0.85", lw=0.6)
        ax.axvline(0, color="0.85", lw=0.6)
        ax.set_title(f"fit {direction.replace(' → ', ', predict ')}", fontsize=FONT["label"])
        ax.set_xlabel("actual change, bn USD", fontsize=FONT["label"])
        ax.set_ylabel("model change (out of sample), bn USD", fontsize=FONT["label"])
        ax.tick_params(labelsize=FONT["tick"])
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False, fontsize=FONT["legend"])
    main.suptitle("Backtest by NAICS3 sector: US imports by supplier, model vs actual",
                  fontsize=FONT["title"])
    return fig

"""A report a negotiator can email: one self-contained HTML page (or Markdown with PNGs).

:func:`build` runs a scenario (and optionally a second one to compare with) and collects the tables
(:mod:`tradesim.present.tables`), the figures (:mod:`tradesim.present.figures`), the decomposition
of the balance change (:mod:`tradesim.analysis.decomposition`), the scenario's assumptions and
sources, the data vintage, the tradesim version and the scenario digest. :func:`to_html` renders it
with the figures embedded as base64 PNG; :func:`to_markdown` as Markdown whose figures are PNG files
beside it. :func:`write_report` writes either, atomically. An edge module like :mod:`io`: nothing in
the core imports it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io as _bytes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from tradesim import io
from tradesim.analysis import comparison, decomposition
from tradesim.present import figures, tables
from tradesim.scenario.parse import Measure, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Item", "Report", "Section", "build", "to_html", "to_markdown", "write_report"]

BN = 1e9


@dataclass
class Item:
    """A labelled entry of a list (a measure, a commitment) with details in small print."""

    label: str
    text: str
    details: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A heading, paragraphs, figures (caption, PNG), tables (caption, DataFrame), items."""

    title: str
    text: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, bytes]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    collapsed: bool = False  # HTML: items inside a <details> block


@dataclass
class Report:
    """Everything a report shows, before rendering."""

    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    colophon: list[tuple[str, str]]


def _png(fig: Figure) -> bytes:
    buf = _bytes.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _bn(x: float) -> str:
    return f"{x / BN:,.1f} bn USD".replace("-", "−")


def _codes(codes: Sequence[str] | None, most: int = 10) -> str:
    if codes is None:
        return "all"
    shown = ", ".join(codes[:most])
    return shown + (f" … ({len(codes) - most} more)" if len(codes) > most else "")


def _bilateral(m: Measure) -> bool:
    partner = "VNM" if m.importer == "USA" else "USA"
    return m.exporters is None or partner in m.exporters


def _assumptions(s: Scenario, measures: Sequence[Measure] | None = None,
                 commitments: bool = True) -> list[Item]:
    """One item per measure and per commitment: what it does, status, source and note."""
    items = []
    for m in s.measures if measures is None else measures:
        when = f"{m.start or s.base_year} → {m.end or s.horizon}"
        what = (f"{m.importer} tariff on {_codes(m.exporters)}: {m.rate * 100:g} % ({m.mode})"
                f" on products {_codes(m.products)}"
                + (f", excluding {_codes(m.exclude)}" if m.exclude else "")
                + (f", on {m.share:g} of the flow" if m.share < 1 else "")
                + f"; {when}" + (f"; overrides {_codes(m.overrides, 6)}" if m.overrides else ""))
        items.append(Item(m.id, what, [f"status: {m.status}" if m.status else "",
                                       f"source: {m.source}" if m.source else "",
                                       f"note: {m.note}" if m.note else ""]))
    for c in s.commitments if commitments else ():
        years = f"{c.schedule[0][0]}–{c.schedule[-1][0]}"
        what = (f"{c.buyer} buys {c.product} from {c.seller}: {c.total_usd / BN:,.3g} bn USD "
                f"in {years}, additionality {c.additionality:g}"
                + (f", displacing {', '.join(c.displaces)}" if c.displaces else ""))
        items.append(Item(c.id, what, [f"status: {c.status}" if c.status else "",
                                       f"source: {c.source}" if c.source else "",
                                       f"note: {c.note}" if c.note else ""]))
    return items


def build(scenario: Scenario, baseline: xr.Dataset, other: Scenario | None = None,
          year: int | None = None, chapters: pd.DataFrame | None = None) -> Report:
    """Run ``scenario`` (and ``other``) and collect the report's tables and figures.

    Parameters
    ----------
    scenario : Scenario
    baseline : Dataset
        Its base year must be the scenarios'.
    other : Scenario, optional
        A second scenario to compare with (``--vs``).
    year : int, optional
        Year of the product, supplier and decomposition views (default: 2030, or the
        horizon if earlier).
    chapters : DataFrame, optional
        HS chapter → section table (default: the packaged ``hs_chapters.csv``).
    """
    import tradesim

    year = min(year or 2030, scenario.horizon)
    runs = [scenario] if other is None else [scenario, other]
    labels = comparison.unique_labels([s.name for s in runs])
    both = comparison.compare(baseline, runs, labels)
    result = both.sel(scenario=labels[0], drop=True)
    result.attrs.update(scenario=labels[0], scenario_title=scenario.title)
    chapters = io.packaged_tables()["chapters"] if chapters is None else chapters
    parts = decomposition.decompose(baseline, scenario,
                                    decomposition.section_groups(baseline, chapters))
    at = result.sel(year=year)
    change = float(at["balance"] - at["balance_baseline"])
    facts = [
        (f"US balance with Vietnam {year}, baseline", _bn(float(at["balance_baseline"]))),
        (f"US balance with Vietnam {year}, {labels[0]}", _bn(float(at["balance"]))),
        ("change (+ = smaller US deficit)", ("+" if change > 0 else "") + _bn(change)),
        ("change in the deficit", f"{-100 * change / abs(float(at['balance_baseline'])):+.1f} %"
         .replace("-", "−")),
    ]
    if other is not None:
        at_o = both.sel(scenario=labels[1], year=min(year, int(both["year"][-1])))
        facts.append((f"US balance {int(at_o['year'])}, {labels[1]}", _bn(float(at_o["balance"]))))
    basis = str(result["balance"].attrs.get("basis", ""))
    sections = [
        Section("Balance by year", [
            "US exports to Vietnam minus US imports from Vietnam (negative = US deficit), "
            f"bn USD. Basis: {basis}."],
            [("US goods balance with Vietnam, bn USD", tables.comparison_table(both)
              if other is not None else tables.balance_table(result))],
            [("Balance by year, baseline and scenario", _png(figures.balance_scenarios(both)))]),
        Section("Where the change comes from", [
            "The change in the balance since the base year, split so that the parts add up "
            "to the total: baseline growth (the no-change trend), tariff response (the "
            "scenario's US tariffs on Vietnam and Vietnam's tariffs on the US), diversion "
            "(tariffs on third suppliers and origin switching), commitments (purchases, net "
            f"of what they displace). Order: {parts.attrs['order']}. Product detail on US "
            "statistics."],
            [("Change since the base year by part, bn USD", tables.decomposition_table(parts)),
             (f"By HS section, {year}, bn USD", tables.decomposition_table(parts, year))],
            [(f"Decomposition by HS section, {year}",
              _png(figures.decomposition_bars(parts, year)))]),
        Section("Products", [
            f"The products that move the balance most in {year}, against the baseline."],
            [(f"Products moving the balance most in {year}, bn USD",
              tables.top_products(result, year, n=12))],
            [(f"Balance change by product, {year}",
              _png(figures.product_waterfall(result, year))),
             (f"Tariff on Vietnamese goods, {year}",
              _png(figures.effective_tariff(result, year)))]),
        Section("Who gains the US market", [
            "Each supplier's US sales and share of US imports, all products: who takes the "
            "market share Vietnam loses (or gives it up)."],
            [(f"US imports by supplier, {year}, bn USD and %",
              tables.market_shift(result, year).round(3))],
            [(f"Change in US market shares, {year}", _png(figures.diversion_bars(result, year)))]),
    ]
    if other is not None:
        sections.append(Section(f"{labels[0]} versus {labels[1]}", [
            f"Products whose balance change in {year} differs most between the two scenarios "
            "(each against the baseline)."],
            [(f"Balance change by product, {year}, bn USD",
              tables.comparison_products(both, year, n=12))]))
    for s, label in zip(runs, labels, strict=True):
        text = [s.description.strip() or s.title] if s.description or s.title else []
        own = [m for m in s.measures if _bilateral(m)]
        rest = [m for m in s.measures if not _bilateral(m)]
        text.append(f"{len(own)} tariff measure(s) on US–Vietnam trade and "
                    f"{len(s.commitments)} purchase commitment(s), each with its status, source "
                    "and note (rates in percent of customs value; dates inclusive)."
                    if s.measures or s.commitments else
                    "No tariff measures or commitments: the no-change baseline.")
        if s.sources:
            text.append("Sources of the scenario: " + "; ".join(s.sources) + ".")
        sections.append(Section(f"Assumptions and sources: {label}", text,
                                items=_assumptions(s, own)))
        if rest:
            sections.append(Section(
                f"{label}: tariffs on other suppliers ({len(rest)} measures)",
                ["US and Vietnamese tariffs on third countries: they divert trade towards or "
                 "away from the US–Vietnam flows (the 'diversion' part above)."],
                items=_assumptions(s, rest, commitments=False), collapsed=True))
    data = Section("Data and model", [
        f"Baseline: {baseline.attrs.get('title', 'user-supplied baseline')} (base year "
        f"{baseline.attrs.get('base_year', '')}, {baseline.attrs.get('resolution', '')} "
        "resolution).",
        f"Sources: {baseline.attrs.get('source', '')}",
        f"Valuation: {baseline.attrs.get('basis', '')}",
        f"Tariffs: {baseline.attrs.get('tariff_source', '')}",
        f"Growth: {baseline.attrs.get('growth_source', '')}",
        *([f"Observed 2025: {baseline.attrs['anchor_note']}"] if "anchor" in baseline else []),
        f"Model: partial-equilibrium Armington ({scenario.method}), yearly partial adjustment; "
        "equations in docs/model.md.",
    ])
    sections.append(data)
    colophon = [
        ("tradesim", tradesim.__version__),
        ("scenario", f"{scenario.name} ({scenario.file or 'in memory'})"),
        ("scenario digest", scenario.digest()),
    ]
    if other is not None:
        colophon += [("compared with", f"{other.name} ({other.file or 'in memory'})"),
                     ("its digest", other.digest())]
    colophon += [
        ("data vintage", f"{baseline.attrs.get('title', '')}; base year "
                         f"{baseline.attrs.get('base_year', '')}"),
        ("generated", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return Report(title=scenario.title or scenario.name,
                  subtitle=f"Scenario {scenario.name}: US–Vietnam goods trade, "
                           f"{scenario.base_year}–{scenario.horizon}",
                  facts=facts, sections=sections, colophon=colophon)


def _number(x: object) -> str:
    if isinstance(x, float):
        return f"{x:,.2f}".replace("-", "−")
    return str(x)


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers formatted for display (2 decimals, true minus signs), labels as text."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(_number)
    return out


_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1040px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.1em}h2{border-bottom:2px solid #c33;padding-bottom:.2em;margin-top:1.8em}
.sub{color:#555;margin-top:0}.facts{display:flex;flex-wrap:wrap;gap:.8em;margin:1.2em 0}
.fact{background:#f6f6f6;border-left:4px solid #c33;padding:.5em .9em;min-width:200px}
.fact b{display:block;font-size:1.35em}.fact span{font-size:.85em;color:#555}
table{border-collapse:collapse;font-size:12.5px;margin:.4em 0 1.2em}
th,td{padding:3px 8px;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f0f0f0;text-align:left}td{text-align:right}
td.t{text-align:left;max-width:360px}caption{text-align:left;font-weight:600;padding:.3em 0}
.scroll{overflow-x:auto}figure{margin:1em 0}figure img{max-width:100%;height:auto;
border:1px solid #eee}figcaption{font-size:.85em;color:#555}
.colophon{font-size:.85em;color:#555;margin-top:2em;border-top:1px solid #ddd}
.colophon td,.colophon th{text-align:left;border:none}
.item{margin:.35em 0;padding:.35em .6em;border-left:3px solid #ccc;font-size:13.5px}
summary{cursor:pointer;color:#c33;margin:.4em 0}
.item small{display:block;color:#666;font-size:11.5px;overflow-wrap:anywhere}
"""


def _html_table(caption: str, df: pd.DataFrame) -> str:
    shown = _frame(df)
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in
                   [shown.index.name or ""] + [str(c) for c in shown.columns])
    rows = []
    for label, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        cells = [f'<th>{html.escape(str(label))}</th>']
        for value, col in zip(row, shown.columns, strict=True):
            text = "" if value is None or (isinstance(value, float) and value != value) \
                else str(value)
            numeric = pd.api.types.is_float_dtype(df[col]) or pd.api.types.is_integer_dtype(
                df[col])
            cls = "" if numeric else ' class="t"'
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def to_html(rep: Report) -> str:
    """The report as one self-contained HTML page (figures as base64 PNG, no external files)."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(rep.title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(rep.title)}</h1>", f'<p class="sub">{html.escape(rep.subtitle)}</p>',
           '<div class="facts">']
    out += [f'<div class="fact"><span>{html.escape(k)}</span><b>{html.escape(v)}</b></div>'
            for k, v in rep.facts]
    out.append("</div>")
    for sec in rep.sections:
        out.append(f"<h2>{html.escape(sec.title)}</h2>")
        out += [f"<p>{html.escape(t)}</p>" for t in sec.text]
        for caption, png in sec.figures:
            data = base64.b64encode(png).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" '
                       f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}'
                       "</figcaption></figure>")
        out += [_html_table(caption, df) for caption, df in sec.tables]
        if sec.items and sec.collapsed:
            out.append(f"<details><summary>Show the {len(sec.items)} measures</summary>")
        for item in sec.items:
            small = " · ".join(html.escape(d) for d in item.details if d)
            out.append(f'<div class="item"><b>{html.escape(item.label)}</b> '
                       f"{html.escape(item.text)}" + (f"<small>{small}</small>" if small else "")
                       + "</div>")
        if sec.items and sec.collapsed:
            out.append("</details>")
    out.append('<table class="colophon">')
    out += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in rep.colophon]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def _md_cell(x: object) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> str:
    shown = _frame(df)
    cols = [shown.index.name or ""] + [str(c) for c in shown.columns]
    lines = ["| " + " | ".join(_md_cell(c) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in (label, *row)) + " |"
              for label, row in zip(shown.index, shown.itertuples(index=False), strict=True)]
    return "\n".join(lines)


def to_markdown(rep: Report, figure_names: Sequence[str] = ()) -> str:
    """The report as Markdown; figures are linked as ``figure_names`` (in figure order)."""
    names = iter(figure_names)
    out = [f"# {rep.title}", "", f"*{rep.subtitle}*", ""]
    out += [f"- **{k}**: {v}" for k, v in rep.facts] + [""]
    for sec in rep.sections:
        out += [f"## {sec.title}", ""]
        for t in sec.text:
            out += [t, ""]
        for caption, _ in sec.figures:
            name = next(names, None)
            if name is not None:
                out += [f"![{caption}]({name})", ""]
        for caption, df in sec.tables:
            out += [f"**{caption}**", "", _md_table(df), ""]
        for item in sec.items:
            out.append(f"- **{item.label}** {item.text}")
            out += [f"  - {d}" for d in item.details if d]
        if sec.items:
            out.append("")
    out += ["---", ""] + [f"- {k}: {v}" for k, v in rep.colophon]
    return "\n".join(out) + "\n"


def write_report(rep: Report, target: str | os.PathLike[str]) -> list[Path]:
    """Write ``.html`` (self-contained) or ``.md`` (plus ``<stem>-figN.png`` beside it).

    Every file is written atomically. Returns the paths written, the report first.

    Raises
    ------
    ValueError
        For another suffix.
    """
    dest = Path(target)
    suffix = dest.suffix.lower()
    if suffix in (".html", ".htm"):
        with io.atomic_path(dest) as tmp:
            tmp.write_text(to_html(rep), encoding="utf-8")
        return [dest]
    if suffix != ".md":
        raise ValueError(f"unknown report format {dest.suffix!r}; use .html or .md")
    written = []
    pngs = [png for sec in rep.sections for _, png in sec.figures]
    for k, png in enumerate(pngs, start=1):
        path = dest.with_name(f"{dest.stem}-fig{k}.png")
        with io.atomic_path(path) as tmp:
            tmp.write_bytes(png)
        written.append(path)
    with io.atomic_path(dest) as tmp:
        tmp.write_text(to_markdown(rep, [p.name for p in written]), encoding="utf-8")
    return [dest, *written]

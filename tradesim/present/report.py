"""A report a negotiator can email: one self-contained HTML page (or Markdown with PNGs).

:func:`build` runs a scenario (and optionally a second one to compare with) and collects the tables
(:mod:`tradesim.present.tables`), the figures (:mod:`tradesim.present.figures`), the decomposition
of the balance change (:mod:`tradesim.analysis.decomposition`), the scenario's assumptions and
sources, the data vintage, the tradesim version and the scenario digest. Provenance is made
readable for someone who cannot open the repository (:mod:`tradesim.present.citations`: numbered
references with URLs, no internal paths or source codes), suppliers by country name.

:func:`to_html` renders it from the Jinja2 template ``templates/report.html.j2`` (autoescaped, print
CSS, figures embedded as base64 PNG); :func:`to_markdown` from ``templates/report.md.j2``, where
every piece of text is escaped too (raw HTML and Markdown marks in a title or note are shown, never
interpreted). :func:`write_report` writes either; a Markdown report and its figures are replaced as
a set (figures named by their content, the report written last, stale figures removed after). An
edge module like :mod:`io`: nothing in the core imports it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io as _bytes
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from tradesim import io
from tradesim.analysis import comparison, decomposition
from tradesim.present import figures, tables
from tradesim.present.citations import Citations, Reference, link_spans
from tradesim.present.labels import country, sentence_case, shorten
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
    references: list[Reference] = field(default_factory=list)


def _png(fig: Figure) -> bytes:
    buf = _bytes.BytesIO()
    fig.savefig(buf, format="png", dpi=figures.DPI)
    return buf.getvalue()


def _bn(x: float) -> str:
    return f"{x / BN:,.1f} bn USD".replace("-", "−")


def _codes(codes: Sequence[str] | None, most: int = 10) -> str:
    if codes is None:
        return "all"
    shown = ", ".join(codes[:most])
    return shown + (f" … ({len(codes) - most} more)" if len(codes) > most else "")


def _countries(codes: Sequence[str] | None, most: int = 10) -> str:
    return "all suppliers" if codes is None else _codes([country(c) for c in codes], most)


def _bilateral(m: Measure) -> bool:
    partner = "VNM" if m.importer == "USA" else "USA"
    return m.exporters is None or partner in m.exporters


def _assumptions(s: Scenario, cite: Citations, measures: Sequence[Measure] | None = None,
                 commitments: bool = True) -> list[Item]:
    """One item per measure and per commitment: what it does, status, source and note."""
    items = []
    for m in s.measures if measures is None else measures:
        when = f"{m.start or s.base_year} → {m.end or s.horizon}"
        what = (f"{_importer(m.importer)} tariff on {_countries(m.exporters)}: "
                f"{m.rate * 100:g} % ({m.mode})"
                f" on products {_codes(m.products)}"
                + (f", excluding {_codes(m.exclude)}" if m.exclude else "")
                + (f", on {m.share:g} of the flow" if m.share < 1 else "")
                + f"; {when}" + (f"; overrides {_codes(m.overrides, 6)}" if m.overrides else ""))
        items.append(Item(m.id, what, _details(m.status, m.source, m.note, cite)))
    for c in s.commitments if commitments else ():
        years = f"{c.schedule[0][0]}–{c.schedule[-1][0]}"
        what = (f"{country(c.buyer)} buys {c.product} from {_importer(c.seller)}: "
                f"{c.total_usd / BN:,.3g} bn USD in {years}, additionality {c.additionality:g}"
                + (f", displacing {_countries(c.displaces)}" if c.displaces else ""))
        items.append(Item(c.id, what, _details(c.status, c.source, c.note, cite)))
    return items


def _importer(code: str) -> str:
    return {"USA": "US"}.get(code, country(code))


def _details(status: str, source: str, note: str, cite: Citations) -> list[str]:
    """Status, readable source and note of a measure or commitment (empty ones dropped)."""
    return [text for text in (f"status: {status}" if status else "",
                              f"source: {cite.readable(source)}" if source else "",
                              f"note: {cite.readable(note)}" if note else "") if text]


def _suppliers(table: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by supplier code, indexed by country name instead."""
    out = table.copy()
    out.index = pd.Index([country(str(c)) for c in out.index], name="supplier")
    return out


def _named(table: pd.DataFrame) -> pd.DataFrame:
    """Product names in sentence case, shortened at word boundaries."""
    if "name" not in table.columns:
        return table
    return table.assign(name=[shorten(sentence_case(str(n)), 44) for n in table["name"]])


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
    titles = [shorten(s.title or label, figures.TITLE_WIDTH)
              for s, label in zip(runs, labels, strict=True)]
    cite = Citations()
    chapters = io.packaged_tables()["chapters"] if chapters is None else chapters
    parts = decomposition.decompose(baseline, scenario,
                                    decomposition.section_groups(baseline, chapters))
    at = result.sel(year=year)
    change = float(at["balance"] - at["balance_baseline"])
    facts = [
        (f"US balance with Vietnam {year}, baseline", _bn(float(at["balance_baseline"]))),
        (f"US balance with Vietnam {year}, {titles[0]}", _bn(float(at["balance"]))),
        ("change (+ = smaller US deficit)", ("+" if change > 0 else "") + _bn(change)),
        ("change in the deficit", f"{-100 * change / abs(float(at['balance_baseline'])):+.1f} %"
         .replace("-", "−")),
    ]
    if other is not None:
        at_o = both.sel(scenario=labels[1], year=min(year, int(both["year"][-1])))
        facts.append((f"US balance {int(at_o['year'])}, {titles[1]}",
                      _bn(float(at_o["balance"]))))
    basis = cite.readable(str(result["balance"].attrs.get("basis", "")))
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
              _named(tables.top_products(result, year, n=12)))],
            [(f"Balance change by product, {year}",
              _png(figures.product_waterfall(result, year))),
             (f"Tariff on Vietnamese goods, {year}",
              _png(figures.effective_tariff(result, year)))]),
        Section("Who gains the US market", [
            "Each supplier's US sales and share of US imports, all products: who takes the "
            "market share Vietnam loses (or gives it up)."],
            [(f"US imports by supplier, {year}, bn USD and %",
              _suppliers(tables.market_shift(result, year).round(3)))],
            [(f"Change in US market shares, {year}", _png(figures.diversion_bars(result, year)))]),
    ]
    if other is not None:
        sections.append(Section(f"{labels[0]} versus {labels[1]}", [
            f"Columns: {labels[0]} = {titles[0]}; {labels[1]} = {titles[1]}.",
            f"Products whose balance change in {year} differs most between the two scenarios "
            "(each against the baseline)."],
            [(f"Balance change by product, {year}, bn USD",
              _named(tables.comparison_products(both, year, n=12)))]))
    for s, label, name in zip(runs, titles, labels, strict=True):
        text = [f"Scenario file {name}: " + (s.description.strip() or s.title)
                if s.description or s.title else f"Scenario file {name}."]
        own = [m for m in s.measures if _bilateral(m)]
        rest = [m for m in s.measures if not _bilateral(m)]
        text.append(f"{len(own)} tariff measure(s) on US–Vietnam trade and "
                    f"{len(s.commitments)} purchase commitment(s), each with its status, source "
                    "and note (rates in percent of customs value; dates inclusive)."
                    if s.measures or s.commitments else
                    "No tariff measures or commitments: the no-change baseline.")
        if s.sources:
            text.append("Sources of the scenario: "
                        + "; ".join(cite.readable(x) for x in s.sources) + ".")
        sections.append(Section(f"Assumptions and sources: {label}", text,
                                items=_assumptions(s, cite, own)))
        if rest:
            sections.append(Section(
                f"{label}: tariffs on other suppliers ({len(rest)} measures)",
                ["US and Vietnamese tariffs on third countries: they divert trade towards or "
                 "away from the US–Vietnam flows (the 'diversion' part above)."],
                items=_assumptions(s, cite, rest, commitments=False), collapsed=True))
    data = Section("Data and model", [
        f"Baseline: {baseline.attrs.get('title', 'user-supplied baseline')} (base year "
        f"{baseline.attrs.get('base_year', '')}, {baseline.attrs.get('resolution', '')} "
        "resolution).",
        f"Sources: {cite.readable(baseline.attrs.get('source', ''))}",
        f"Valuation: {cite.readable(baseline.attrs.get('basis', ''))}",
        f"Tariffs: {cite.readable(baseline.attrs.get('tariff_source', ''))}",
        f"Growth: {cite.readable(baseline.attrs.get('growth_source', ''))}",
        *([f"Observed 2025: {cite.readable(baseline.attrs['anchor_note'])}"]
          if "anchor" in baseline else []),
        f"Model: partial-equilibrium Armington ({scenario.method}), yearly partial adjustment; "
        "the equations are in the model documentation of tradesim.",
    ])
    sections.append(data)
    colophon = [
        ("tradesim", tradesim.__version__),
        ("scenario", f"{scenario.name} ({_file(scenario)})"),
        ("scenario digest", scenario.digest()),
    ]
    if other is not None:
        colophon += [("compared with", f"{other.name} ({_file(other)})"),
                     ("its digest", other.digest())]
    colophon += [
        ("data vintage", f"{baseline.attrs.get('title', '')}; base year "
                         f"{baseline.attrs.get('base_year', '')}"),
        ("generated", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return Report(title=scenario.title or scenario.name,
                  subtitle=f"Scenario {scenario.name}: US–Vietnam goods trade, "
                           f"{scenario.base_year}–{scenario.horizon}",
                  facts=facts, sections=sections, colophon=colophon, references=cite.used)


def _file(s: Scenario) -> str:
    """The scenario's file name (no folder: the reader has another machine), or in memory."""
    return Path(s.file).name if s.file else "in memory"


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


@dataclass(frozen=True)
class _Table:
    """A table ready for a template: header names and rows of (label, [(text, numeric)])."""

    header: list[str]
    rows: list[tuple[str, list[tuple[str, bool]]]]


def _table(df: pd.DataFrame) -> _Table:
    shown = _frame(df)
    numeric = [pd.api.types.is_float_dtype(df[c]) or pd.api.types.is_integer_dtype(df[c])
               for c in df.columns]
    rows = []
    for label, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        cells = [("" if v is None or (isinstance(v, float) and v != v) else str(v), n)
                 for v, n in zip(row, numeric, strict=True)]
        rows.append((str(label), cells))
    return _Table([str(shown.index.name or "")] + [str(c) for c in shown.columns], rows)


def _md(text: object) -> str:
    """User or data text made inert inside a Markdown line.

    Raw HTML is escaped as entities (``<script>`` shows as text); the characters that make
    Markdown links, images, emphasis, code, strike-through or table cells are backslash-escaped.
    """
    one_line = re.sub(r"\s+", " ", str(text))
    inert = re.sub(r"&(?=#?\w+;)", "&amp;", one_line).replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", inert)


def _md_block(text: object) -> str:
    """:func:`_md` for text that starts a line: a leading heading, list or rule mark is
    escaped too."""
    escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", _md(text).lstrip())
    return re.sub(r"^([#+=>-])", r"\\\1", escaped)


def _spans(text: str) -> list[tuple[str, str | None]]:
    return link_spans(str(text))


@functools.cache
def _environment(kind: str) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("tradesim.present", "templates"),
                             autoescape=kind == "html", undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=False)
    env.filters.update(spans=_spans, md=_md, cell=_md, block=_md_block,
                       b64=lambda png: base64.b64encode(png).decode("ascii"))
    return env


def _view(rep: Report, figure_names: Sequence[str] = ()) -> SimpleNamespace:
    """What the templates see: the report, its tables ready to show, figures' file names."""
    names = iter(figure_names)
    sections = []
    for sec in rep.sections:
        linked = [(caption, name) for caption, _ in sec.figures
                  if (name := next(names, None)) is not None]
        sections.append(SimpleNamespace(
            title=sec.title, text=sec.text, figures=sec.figures, figure_names=linked,
            items=sec.items, collapsed=sec.collapsed,
            tables=[(caption, _table(df)) for caption, df in sec.tables]))
    return SimpleNamespace(title=rep.title, subtitle=rep.subtitle, facts=rep.facts,
                           sections=sections, references=rep.references,
                           colophon=rep.colophon)


def to_html(rep: Report) -> str:
    """The report as one self-contained HTML page (figures as base64 PNG, no external files;
    links to the cited sources), with print CSS."""
    from importlib import resources

    css = (resources.files("tradesim.present") / "templates" / "report.css").read_text("utf-8")
    return str(_environment("html").get_template("report.html.j2").render(
        rep=_view(rep), css=css))


def to_markdown(rep: Report, figure_names: Sequence[str] = ()) -> str:
    """The report as Markdown; figures are linked as ``figure_names`` (in figure order).

    All text is escaped (raw HTML as entities, Markdown marks with backslashes), so a title or
    note shows as written and cannot add markup, links or images.
    """
    return str(_environment("md").get_template("report.md.j2").render(
        rep=_view(rep, figure_names)))


_FIGURE = "{stem}-fig{k}-{digest}.png"


def _figure_name(stem: str, k: int, png: bytes) -> str:
    """A figure's file name from its content: a report can only link the figures it made."""
    return _FIGURE.format(stem=stem, k=k, digest=hashlib.sha256(png).hexdigest()[:12])


def _ours(stem: str) -> re.Pattern[str]:
    """Figure files of a report named ``stem`` (this scheme, and the earlier ``-figN.png``)."""
    return re.compile(rf"{re.escape(stem)}-fig\d+(?:-[0-9a-f]{{12}})?\.png")


def _write_bytes(path: Path, data: bytes) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_report(rep: Report, target: str | os.PathLike[str]) -> list[Path]:
    """Write ``.html`` (self-contained) or ``.md`` (plus ``<stem>-figN-<digest>.png`` beside it).

    Every file is written atomically. A Markdown report and its figures are replaced as a set:
    the figures are named by their content and written first, the report last, and only then
    are the previous version's figures removed. A process killed at any point leaves either
    the old report with its own figures or the new one with its own, never a mix (at worst a
    few unreferenced figures, removed by the next write). Returns the paths written, the
    report first.

    Raises
    ------
    ValueError
        For another suffix.
    """
    dest = Path(target)
    suffix = dest.suffix.lower()
    if suffix in (".html", ".htm"):
        _write_bytes(dest, to_html(rep).encode("utf-8"))
        return [dest]
    if suffix != ".md":
        raise ValueError(f"unknown report format {dest.suffix!r}; use .html or .md")
    written = []
    pngs = [png for sec in rep.sections for _, png in sec.figures]
    for k, png in enumerate(pngs, start=1):
        path = dest.with_name(_figure_name(dest.stem, k, png))
        if not (path.is_file() and path.read_bytes() == png):
            _write_bytes(path, png)
        written.append(path)
    _write_bytes(dest, to_markdown(rep, [p.name for p in written]).encode("utf-8"))
    keep = {p.name for p in written}
    pattern = _ours(dest.stem)
    for old in dest.parent.iterdir():
        if pattern.fullmatch(old.name) and old.name not in keep and old.is_file():
            old.unlink(missing_ok=True)
    return [dest, *written]

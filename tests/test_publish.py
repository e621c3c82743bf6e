"""The negotiator's report: one self-contained HTML page, or Markdown with PNGs beside it.

Both are rendered from the Jinja2 templates in ``tradesim/present/templates``; their sources
read as citations with URLs (no internal paths or source codes).
"""

from __future__ import annotations

import base64
import html.parser
import re
from pathlib import Path

import pytest

import tradesim
from tradesim import io
from tradesim.present import report
from tradesim.scenario.parse import parse_scenario

DEAL = {
    "scenario": {"name": "toy-deal", "title": "Toy deal <20 % & jets>", "horizon": 2027,
                 "description": "A tariff on Vietnam and a jet purchase.",
                 "sources": ["https://example.org/framework"]},
    "tariff": [
        {"id": "recip", "importer": "USA", "exporters": ["VNM"], "products": "all", "rate": 20,
         "status": "in_force", "source": "EO 14326", "note": "held to the horizon"},
        {"id": "china", "importer": "USA", "exporters": ["CHN"], "products": "all", "rate": 10,
         "source": "EO 14257"},
    ],
    "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "value_usd": 2e9, "start": 2026, "end": 2027, "status": "MOU",
                    "note": "ASSUMPTION: half of list price"}],
}
OTHER = {"scenario": {"name": "toy-none", "horizon": 2027}}


class _Tags(html.parser.HTMLParser):
    VOID = {"meta", "img", "br", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []  # resources the page would load from elsewhere
        self.links: list[str] = []  # <a href>: citations a reader may follow

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "a":
            self.links.append(a.get("href", ""))
        elif any(a.get(key, "").startswith(("http", "//", "file:")) for key in ("src", "href")):
            self.external.append(a.get("src") or a.get("href"))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1:] == [tag], f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


@pytest.fixture(scope="module")
def rep():
    from tradesim.data.examples import toy_baseline

    return report.build(parse_scenario(DEAL), toy_baseline(), parse_scenario(OTHER), year=2027)


def test_html_is_self_contained_and_well_formed(rep, tmp_path: Path) -> None:
    (path,) = report.write_report(rep, tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(text)
    assert tags.stack == ["html"] or tags.stack == []  # <html> closes at the end
    assert not tags.external
    assert "https://example.org/framework" in tags.links  # the scenario's source, as a link
    assert all(link.startswith("https://") for link in tags.links)
    assert len(tags.images) == 5  # balance, decomposition, waterfall, tariff, diversion
    for src in tags.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_says_what_a_negotiator_needs(rep, tmp_path: Path) -> None:
    (path,) = report.write_report(rep, tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    s = parse_scenario(DEAL)
    for needle in (
        "Toy deal &lt;20 % &amp; jets&gt;",  # escaped, never raw markup
        "Balance by year", "Where the change comes from", "Who gains the US market",
        "toy-deal versus toy-none", "toy-deal = Toy deal &lt;20 % &amp; jets&gt;",
        "Assumptions and sources: Toy deal &lt;20 % &amp; jets&gt;",
        "US balance with Vietnam 2027, Toy deal &lt;20 % &amp; jets&gt;",  # a fact, by title
        "US tariff on Vietnam: 20 %", "US tariff on China: 10 %",
        "Vietnam buys 8802 from US",  # country names, not ISO codes
        "EO 14326", "held to the horizon", "ASSUMPTION: half of list price", "MOU",
        "https://example.org/framework", "tradesim.data.examples toy baseline (invented)",
        tradesim.__version__, s.digest(), "scenario digest", "data vintage",
        "baseline growth", "tariff response", "diversion", "commitments",
    ):
        assert needle in text, needle
    assert "<20 %" not in text


def test_markdown_links_its_figures(rep, tmp_path: Path) -> None:
    written = report.write_report(rep, tmp_path / "out" / "deal.md")
    md, *figures = written
    assert md.name == "deal.md"
    assert len(figures) == 5
    text = md.read_text(encoding="utf-8")
    for fig in figures:
        assert f"]({fig.name})" in text
        assert fig.read_bytes()[:4] == b"\x89PNG"
    assert "| year | baseline | toy-deal | toy-none |" in text
    assert "- **jets** Vietnam buys 8802 from US" in text
    assert "# Toy deal &lt;20 % & jets&gt;" in text  # raw HTML in a title is escaped


def test_unknown_format(rep, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="use .html or .md"):
        report.write_report(rep, tmp_path / "report.pdf")
    assert not list(tmp_path.iterdir())


def test_html_is_built_from_packaged_templates_with_print_css(rep) -> None:
    from importlib import resources

    folder = resources.files("tradesim.present") / "templates"
    assert (folder / "report.html.j2").is_file()
    assert (folder / "report.md.j2").is_file()
    text = report.to_html(rep)
    for rule in ("@media print", "break-inside:avoid", "@page"):
        assert rule in text, rule
    assert "beforeprint" in text  # collapsed measure lists open for printing
    assert "<details>" in text  # the third-country measures, collapsed on screen


def test_sources_read_as_citations_not_internal_paths(tmp_path: Path) -> None:
    """The embedded baseline's provenance ("S1, S3, S5 (see tradesim/data/embedded/SOURCES.md)")
    and a shipped scenario's sources ("shared/data/...") become numbered references with URLs."""
    s = tradesim.load_scenario(io.shipped_path("framework-2025"))
    rep = report.build(s, tradesim.load_baseline(), year=2026)
    for render in (re.sub(r"data:image/png;base64,[^\"]+", "", report.to_html(rep)),
                   report.to_markdown(rep)):
        assert "shared/data" not in render
        assert "SOURCES.md" not in render
        for internal in ("tariff_measures.csv", "purchase_commitments.csv", "growth_hs2.csv",
                         "vn_mfn_rates.csv", "us_vn_totals.csv", "share_trends.csv",
                         "reallocation.csv", "docs/", "TARIFFS_NOTES"):
            assert internal not in render, internal
        assert not re.search(r"\b(S[1-6]|N1|P[12]|C1)\b", render), "a bare source code"
        assert "https://github.com/tradewartracker/trade-war-redux-2025/tree/726c595" in render
        assert "https://github.com/Budget-Lab-Yale/tariff-rate-tracker" in render
        assert "References" in render
    keys = [ref.key for ref in rep.references]
    assert {"S1", "S3", "S5"} <= set(keys)
    assert len(keys) == len(set(keys))
    text = report.to_markdown(rep)
    for number, ref in enumerate(rep.references, start=1):
        assert f"{number}. US Census Bureau" in text or f"{number}. {ref.text[:10]}" in text
        assert f"\\[{number}\\]" in text  # cited in the text


def test_every_source_code_in_the_data_resolves() -> None:
    from tradesim.present.citations import references

    refs = references()
    assert {"S1", "S2", "S3", "S4", "S5", "S6", "N1", "C1", "P1", "P2"} <= set(refs)
    assert refs["S4"].url == "https://github.com/Leakathr1n/US-Census-Trade-Analysis/tree/44078db"
    for year in (2024, 2025):
        attrs = tradesim.load_baseline(year=year).attrs
        codes = set(re.findall(r"\b([A-Z]\d)\b", " ".join(str(v) for v in attrs.values())))
        assert codes <= set(refs), codes - set(refs)

"""The negotiator's report: one self-contained HTML page, or Markdown with PNGs beside it."""

from __future__ import annotations

import base64
import html.parser
from pathlib import Path

import pytest

import tradesim
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
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http", "//", "file:")):
                self.external.append(a[key])
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
        "toy-deal versus toy-none", "Assumptions and sources: toy-deal",
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
    assert "- **jets** VNM buys 8802 from USA" in text


def test_unknown_format(rep, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="use .html or .md"):
        report.write_report(rep, tmp_path / "report.pdf")
    assert not list(tmp_path.iterdir())

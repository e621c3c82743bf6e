"""Hostile report outputs (issue 15): raw HTML and Markdown in user text is shown, never
interpreted, in Markdown reports as in HTML (class 8); a Markdown report and its figures are
replaced as a set, so no kill leaves a report showing another scenario's figures (class 2)."""

from __future__ import annotations

import hashlib
import html
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tradesim.data.examples import toy_baseline
from tradesim.present import report
from tradesim.scenario.parse import parse_scenario

markdown_it = pytest.importorskip("markdown_it")

#: Text an attacker (or a careless copy-paste) puts into a scenario file.
HOSTILE = [
    "<script>alert('title')</script>",
    "<img src=x onerror=alert(1)>",
    "![pixel](https://evil.example/track.png)",
    "[click](javascript:alert(1))",
    "<a href='https://evil.example'>link</a>",
    "line one\n\n# an injected heading\n\n<iframe src=https://evil.example></iframe>",
    "| a | table | row |",
    "`code` **bold** _em_ ~~struck~~",
    "&lt;already escaped&gt; &amp;",
]


def _doc() -> dict:
    """One scenario carrying every hostile text in every kind of field (one report to build)."""
    return {
        "scenario": {"name": "hostile", "title": " ".join(HOSTILE),
                     "description": "\n\n".join(HOSTILE), "horizon": 2026,
                     "sources": HOSTILE},
        "tariff": [{"id": f"t{k}", "importer": "USA", "exporters": ["VNM"], "products": "all",
                    "rate": 1 + k, "status": f"s{k} {text}", "source": text,
                    "note": f"note{k} {text}"} for k, text in enumerate(HOSTILE)],
        "commitment": [{"id": f"c{k}", "buyer": "VNM", "seller": "USA", "product": "8802",
                        "value_usd": 1e8, "start": 2025, "end": 2026, "note": f"cnote{k} {text}",
                        "source": text} for k, text in enumerate(HOSTILE)],
    }


@pytest.fixture(scope="module")
def toy():
    return toy_baseline()


@pytest.fixture(scope="module")
def hostile(toy) -> report.Report:
    return report.build(parse_scenario(_doc()), toy, year=2026)


def _rendered(markdown: str) -> str:
    """The HTML a Markdown viewer would show (CommonMark with GitHub tables, raw HTML on)."""
    return markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)


def _visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_markdown_report_shows_user_text_and_never_interprets_it(hostile) -> None:
    shown = _rendered(report.to_markdown(hostile))
    for tag in ("<script", "<iframe", "<a href='https://evil", "href=\"javascript", "<code>",
                "<strong>bold", "<em>em", "<del>"):
        assert tag not in shown, tag
    assert shown.count("<h1>") == 1  # the report's own title only
    # every image is one of the report's own figures
    assert all(src.startswith("hostile-fig") for src in re.findall(r'<img src="([^"]*)"', shown))
    # a web address in a source becomes a visible link to itself, never a hidden one
    for href, label in re.findall(r'<a href="([^"]*)">(.*?)</a>', shown):
        assert href in (label, "https://" + label), (href, label)
    # and the reader sees the text as it was written
    (title,) = re.findall(r"<h1>(.*?)</h1>", shown, flags=re.S)
    assert _visible(title) == " ".join(" ".join(HOSTILE).split())
    visible = " ".join(_visible(shown).split())
    for k, text in enumerate(HOSTILE):
        assert f"note{k} " + " ".join(text.split()) in visible, k
        assert f"cnote{k} " + " ".join(text.split()) in visible, k


def test_html_report_escapes_the_same_text(hostile) -> None:
    page = report.to_html(hostile)
    for tag in ("<script>alert", "<img src=x", "<iframe", "<a href='https://evil"):
        assert tag not in page, tag
    assert 'href="javascript' not in page
    (title,) = re.findall(r"<h1>(.*?)</h1>", page, flags=re.S)
    assert html.unescape(title) == " ".join(HOSTILE)


def test_a_table_cell_cannot_break_the_table(two) -> None:
    rep = two[0]
    rep.sections[0].tables[0][1].index.name = "year | injected | cells"
    shown = _rendered(report.to_markdown(rep))
    first = shown[shown.index("<table>"):shown.index("</table>")]
    header = first[:first.index("</thead>")]
    assert header.count("<th>") == len(rep.sections[0].tables[0][1].columns) + 1


# ----------------------------------------------------------------------- replaced as a set


def _figures_of(md: Path) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text(encoding="utf-8"))


def _consistent(md: Path, expected: dict[str, bytes] | None = None) -> None:
    """Every figure the report links exists, holds the bytes its name promises and, if given,
    is one of ``expected`` (name -> bytes written by the run whose report this is)."""
    for name in _figures_of(md):
        path = md.parent / name
        assert path.is_file(), f"{md.name} links a missing figure {name}"
        data = path.read_bytes()
        digest = re.fullmatch(r".*-fig\d+-([0-9a-f]{12})\.png", name)
        assert digest, name
        assert hashlib.sha256(data).hexdigest()[:12] == digest.group(1), name
        if expected is not None:
            assert expected[name] == data


@pytest.fixture(scope="module")
def two(toy):
    """Two reports that differ in every figure (different tariffs)."""
    a = {"scenario": {"name": "a", "horizon": 2026},
         "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"], "products": "all",
                     "rate": 10}]}
    b = {"scenario": {"name": "b", "horizon": 2026},
         "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"], "products": "all",
                     "rate": 46}]}
    return (report.build(parse_scenario(a), toy, year=2026),
            report.build(parse_scenario(b), toy, year=2026))


def test_rewriting_a_report_replaces_its_figures_and_removes_the_old_ones(two, tmp_path):
    a, b = two
    md = tmp_path / "deal.md"
    first = report.write_report(a, md)
    (tmp_path / "deal-fig1.png").write_bytes(b"an older tradesim's figure")  # old naming
    (tmp_path / "other-fig1.png").write_bytes(b"another report's figure")
    (tmp_path / "deal-notes.png").write_bytes(b"the user's own file")
    second = report.write_report(b, md)
    assert set(p.name for p in first[1:]).isdisjoint(p.name for p in second[1:])
    _consistent(md)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([md.name, *(p.name for p in second[1:]), "other-fig1.png",
                           "deal-notes.png"])
    assert not [n for n in left if n.endswith(".part")]


@pytest.mark.parametrize("fail_at", range(7))  # 5 figures, the report, the clean-up
def test_a_failure_at_any_step_leaves_one_consistent_report(two, tmp_path, fail_at: int,
                                                             monkeypatch) -> None:
    """Write report a, then b with the k-th file write failing (as a kill or a full disk
    would): the folder shows a with a's figures or b with b's, never a mix."""
    a, b = two
    md = tmp_path / "deal.md"
    written_a = report.write_report(a, md)
    a_files = {p.name: p.read_bytes() for p in written_a[1:]}
    a_text = md.read_text(encoding="utf-8")

    calls = {"n": 0}
    real_write, real_unlink = report._write_bytes, Path.unlink

    def failing_write(path: Path, data: bytes) -> None:
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device (simulated)")
        calls["n"] += 1
        real_write(path, data)

    def failing_unlink(self: Path, missing_ok: bool = False) -> None:
        if fail_at == 6 and self.suffix == ".png":
            raise KeyboardInterrupt  # interrupted during the clean-up
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(report, "_write_bytes", failing_write)
    monkeypatch.setattr(Path, "unlink", failing_unlink)
    with pytest.raises((OSError, KeyboardInterrupt)):
        report.write_report(b, md)
    monkeypatch.undo()

    text = md.read_text(encoding="utf-8")
    if fail_at <= 5:  # the report itself was not replaced
        assert text == a_text
        _consistent(md, a_files)
    else:
        assert text != a_text
        _consistent(md)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    # and the next write tidies up whatever the failure left
    report.write_report(b, md)
    _consistent(md)
    linked = set(_figures_of(md))
    assert {p.name for p in tmp_path.glob("deal-fig*.png")} == linked


KILLER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tradesim.data.examples import toy_baseline
    from tradesim.present import report
    from tradesim.scenario.parse import parse_scenario

    toy = toy_baseline()
    reps = [report.build(parse_scenario({"scenario": {"name": f"s{r}", "horizon": 2026},
                                         "tariff": [{"id": "t", "importer": "USA",
                                                     "exporters": ["VNM"], "products": "all",
                                                     "rate": r}]}), toy, year=2026)
            for r in (10, 46)]
    print("ready", flush=True)
    k = 0
    while True:
        report.write_report(reps[k % 2], Path(sys.argv[1]))
        k += 1
""")


@pytest.mark.slow
def test_sigkill_during_rewrites_never_mixes_reports(tmp_path: Path) -> None:
    """A real process rewriting the report in a loop, killed with SIGKILL at 8 moments."""
    md = tmp_path / "deal.md"
    killed = 0
    for attempt in range(8):
        with subprocess.Popen([sys.executable, "-c", KILLER, str(md)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONHASHSEED": "0"}) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            try:
                proc.wait(timeout=0.03 + 0.05 * attempt)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait()
        if md.exists():
            _consistent(md)
    assert killed == 8  # every run was killed while rewriting, none finished on its own
    assert md.exists()

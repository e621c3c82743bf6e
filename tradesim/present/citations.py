"""Sources a reader outside the project can follow: short source codes and internal paths
turned into numbered citations with URLs.

The data's provenance is written for the people who build it: "S1, S3, S5 (see
tradesim/data/embedded/SOURCES.md)", "shared/data/tariff_measures.csv US-232-AUTOS: …". A report
is read by someone who cannot open the repository. :class:`Citations` rewrites such text:

- source codes (``S1``–``S6`` from the table in the packaged ``SOURCES.md``; ``N1``, ``C1``,
  ``P1``, ``P2`` of the 2025 data, :data:`SUPPLEMENT`) become ``[n]``, and the reference list
  (:attr:`Citations.used`) says what each is, with its public URL;
- paths into the project's source data become what the file is ("the tradesim table of tariff
  measures") or, for the copies of public repositories, that repository's URL;
- file names of packaged tables and pointers to project documents are dropped (the sentence
  around them already says what they hold).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

__all__ = ["Citations", "Reference", "SUPPLEMENT", "link_spans", "references"]


@dataclass(frozen=True)
class Reference:
    """One cited source: a key (``S1``), readable text, and a URL if there is one."""

    key: str
    text: str
    url: str | None = None


#: Codes of the 2025 data, cited in baseline attributes and the headline-actuals table, that the
#: packaged SOURCES.md does not list (their definitions are in the source data's 2025 notes).
SUPPLEMENT = {
    "N1": Reference("N1", "US Census Bureau, US imports for consumption and calculated duty by "
                    "NAICS3 sector and month, 2013-01…2025-11 (Census API intltrade/imports/"
                    "naics), compiled in tradewartracker/us-imports-hs2 @ 5530afc, "
                    "data/top30-NAICS-imports.parquet",
                    "https://github.com/tradewartracker/us-imports-hs2/tree/5530afc"),
    "C1": Reference("C1", "US Census Bureau import concordance HTS10 → NAICS (2022 code list), "
                    "compiled in tradewartracker/ai-trade-index @ 10656da, "
                    "data-input/census_imp_code_2022.csv",
                    "https://github.com/tradewartracker/ai-trade-index/tree/10656da"),
    "P1": Reference("P1", "US Department of Commerce trade release of 2026-02-19, as reported "
                    "via Bloomberg: 2025 deficit with Vietnam 178.2 bn USD (secondary report)",
                    "https://redcensor.com/?p=102602"),
    "P2": Reference("P2", "Reuters, 2026-03-13: Vietnam's 2025 surplus with the US \"totaled "
                    "$178 billion for the full year\" (secondary report)",
                    "https://news.az/news/vietnam-posts-largest-trade-surplus-with-us-in-january"),
}

_ROW = re.compile(r"^\|\s*(S\d)\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*$")
_REPO = re.compile(r"`([\w.-]+/[\w.-]+)`\s*@\s*([0-9a-f]{7,40})")


def _plain(markdown: str) -> str:
    """Markdown emphasis and code marks removed."""
    return re.sub(r"\*\*|`", "", markdown).strip()


@functools.cache
def references() -> dict[str, Reference]:
    """Every source code the data cites, read from the packaged ``SOURCES.md`` (S1–S6), plus
    :data:`SUPPLEMENT`.

    Examples
    --------
    >>> ref = references()["S5"]
    >>> ref.url
    'https://github.com/tradewartracker/trade-war-redux-2025/tree/726c595'
    >>> ref.text.startswith("US Census Bureau: US imports for consumption")
    True
    """
    text = (resources.files("tradesim.data") / "embedded" / "SOURCES.md").read_text("utf-8")
    out: dict[str, Reference] = {}
    repo = commit = ""
    for line in text.splitlines():
        row = _ROW.match(line)
        if row is None:
            continue
        key, where, path, content, _licence = row.groups()
        found = _REPO.search(where)
        if found:
            repo, commit = found.groups()
        else:  # "same repo @ 44078db"
            again = re.search(r"@\s*([0-9a-f]{7,40})", where)
            commit = again.group(1) if again else commit
        what = re.split(r"\.\s+(?=[A-Z])", _plain(content))[0].rstrip(".")
        out[key] = Reference(key, f"US Census Bureau: {what}; compiled in {repo} @ {commit}, "
                                  f"{_plain(path)}",
                             f"https://github.com/{repo}/tree/{commit}")
    return {**out, **SUPPLEMENT}


_TRACKER = "https://github.com/Budget-Lab-Yale/tariff-rate-tracker"

#: Files of the project's source data, as a reader would name them.
_DESCRIBED = {
    "tariff_measures.csv": "the tradesim table of tariff measures (each entry cites its legal "
                           "text or reports)",
    "tariff_events.csv": "the tradesim chronology of tariff events",
    "tariff_scopes.csv": "the tradesim table of tariff scopes",
    "purchase_commitments.csv": "the tradesim table of announced purchase commitments",
    "TARIFFS_NOTES.md": "the tradesim notes on tariff sources",
    "competitor_tariffs_NOTES.md": "the tradesim notes on competitors' tariffs",
    "us_imports_hs10_by_partner_2024.csv.gz": "US Census imports by partner and HS10, 2024 (S5)",
    "us_imports_hs6_by_partner_2024.csv.gz": "US Census imports by partner and HS6, 2024 (S5)",
    "us_exports_to_vn_hs6_annual_2013_2026.csv": "US Census exports to Vietnam by HS6 and year "
                                                 "(S1)",
}

_FILE = r"[\w./-]*[\w-]\.(?:csv\.gz|csv|md|txt|yaml|parquet|rds|json)"
_RULES: list[tuple[re.Pattern[str], str]] = [
    # pointers to the project's own documents add nothing for an outside reader
    (re.compile(r"\s*\((?:see )?(?:tradesim/data/embedded/)?SOURCES\.md\)"), ""),
    (re.compile(r";?\s*see tradesim/data/embedded/SOURCES\.md(?:, '[^']*')?"), ""),
    # copies of the Yale Budget Lab tariff-rate tracker
    (re.compile(r"(?:copy at )?shared/data/raw/budgetlab/tariff-rate-tracker/([\w./-]+)"),
     rf"Yale Budget Lab tariff-rate tracker, \1 ({_TRACKER})"),
    (re.compile(r"\btracker (?:resources/)?([\w.-]+\.(?:csv|txt|yaml))"),
     r"Yale Budget Lab tariff-rate tracker \1"),
    # github:owner/repo@commit path -> a URL
    (re.compile(r"github:([\w.-]+/[\w.-]+)@([0-9a-f]{7,40}) ([\w./-]+)"),
     r"https://github.com/\1/blob/\2/\3"),
    (re.compile(r"github:([\w.-]+/[\w.-]+)@([0-9a-f]{7,40})"), r"https://github.com/\1/tree/\2"),
]


@dataclass
class Citations:
    """Turns provenance text into readable text with ``[n]`` references, numbered in order of
    first use; :attr:`used` is the reference list.

    Examples
    --------
    >>> c = Citations()
    >>> c.readable("US Census Bureau trade statistics via S1, S3 (see "
    ...            "tradesim/data/embedded/SOURCES.md); growth (growth_hs2.csv)")
    'US Census Bureau trade statistics via [1], [2]; growth'
    >>> [ref.key for ref in c.used]
    ['S1', 'S3']
    >>> c.readable("see shared/data/tariff_events.csv (2025-04-09)")
    'see the tradesim chronology of tariff events (2025-04-09)'
    """

    used: list[Reference] = field(default_factory=list)

    def number(self, key: str) -> int:
        """The reference number of a source code (given one on first use)."""
        ref = references()[key]
        if ref not in self.used:
            self.used.append(ref)
        return self.used.index(ref) + 1

    def readable(self, text: str) -> str:
        """``text`` with source codes as ``[n]`` and no internal paths."""
        out = str(text)
        for pattern, repl in _RULES:
            out = pattern.sub(repl, out)
        out = re.sub(r"(?:shared/data/)?tariff_measures\.csv (?=[A-Z][A-Z0-9-]+)",
                     "tariff table entry ", out)
        out = re.sub(r"(?:shared/data/)?purchase_commitments\.csv row ",
                     "commitment table entry ", out)
        parts = re.split(r"(https?://[^\s()<>;,]+)", out)  # odd items are URLs: kept whole
        parts[::2] = [self._plain(p) for p in parts[::2]]
        out = "".join(parts)
        out = re.sub(r" {2,}", " ", out).strip()
        return re.sub(r"\s+([:;,)])", r"\1", out)

    def _plain(self, out: str) -> str:
        out = re.sub(r"(?:shared/data/)+(" + _FILE + ")", _described_path, out)
        # bare file names of packaged tables or project documents: dropped with their separator
        out = re.sub(r"\s*\((?:" + _FILE + r"|docs/[\w./-]+)(?:[;,] ?)?", " (", out)
        out = re.sub(r"[;:,]?\s*(?:(?<![\w/.])" + _FILE + r"|docs/[\w./-]+)\b", _dropped, out)
        out = re.sub(r"\(\s*\)", "", out)
        out = re.sub(r"\(\s+", "(", out)
        keys = "|".join(sorted(references(), key=len, reverse=True))
        return re.sub(rf"\b({keys})\b", lambda m: f"[{self.number(m.group(1))}]", out)


def _described_path(match: re.Match[str]) -> str:
    name = match.group(1).rsplit("/", 1)[-1]
    return _DESCRIBED.get(name, "the tradesim source data")


def _dropped(match: re.Match[str]) -> str:
    name = match.group(0).strip(" ;:,").rsplit("/", 1)[-1]
    return " " + _DESCRIBED[name] if name in _DESCRIBED else ""


_URL = re.compile(r"https?://[^\s()<>;,]+[^\s()<>;,.'\"]"
                  r"|(?<![\w@/.-])(?:[a-z0-9-]+\.)+(?:com|org|gov|net|vn|edu|int|io|info|news|"
                  r"co\.uk|de|fr|it|my|az|tr)(?:/[^\s()<>;,]*[^\s()<>;,.'\"])?")


def link_spans(text: str) -> list[tuple[str, str | None]]:
    """``text`` split into ``(part, url)`` pairs: URLs and bare web addresses
    (``whitecase.com/insight-alert/…``) get a URL, the rest ``None``.

    Examples
    --------
    >>> link_spans("see whitecase.com/a-b; EO 14257")
    [('see ', None), ('whitecase.com/a-b', 'https://whitecase.com/a-b'), ('; EO 14257', None)]
    """
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        url = m.group(0)
        out.append((url, url if url.startswith("http") else "https://" + url))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out

"""What-ifs as data: the page's controls -> a flat scenario document, and JSON <-> TOML documents.

A *what-if* is a small JSON object (it fits in a permalink)::

    {"base": "framework-2025", "rate": 46, "exempt": ["electronics-apr-2025"],
     "commitments": [{"product": "8800", "value_bn": 1.0, "first": 2027, "last": 2030}],
     "method": "ces", "basis": "vn", "horizon": 2030}

:func:`document` turns it into a complete scenario document (the shipped base read with its
includes and flattened by :meth:`Scenario.to_dict`, then edited), which is what every endpoint
simulates and what the TOML download holds, so ``tradesim run`` on the download reproduces the
page. Every problem a control can cause is reported once, with the control's key path and a
message in English and Vietnamese (:class:`WhatIfError`). Nothing here reads a path a user gave:
a base is a *name* looked up among the shipped scenarios.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import tomli_w

from tradesim import io
from tradesim.data import catalogues
from tradesim.errors import Problem, ScenarioError, TradesimError, closest
from tradesim.scenario.fields import MAX_HORIZON
from tradesim.scenario.parse import Scenario

__all__ = ["EXEMPTIONS", "METHODS", "Exemption", "WhatIfError", "controls", "document",
           "from_json", "headline_measure", "shipped_names", "to_json", "to_toml"]

METHODS = ("ces", "smart", "gsim", "gsim-exact")
BASES = ("us", "vn")
#: Largest value of one commitment a year, bn USD (Vietnam's 2024 imports from the US were 13).
MAX_COMMITMENT_BN = 200.0
MAX_COMMITMENTS = 20
MAX_RATE = 200.0
#: Id of the measure a what-if adds when its base has no US tariff on all Vietnamese goods.
ADDED_MEASURE = "whatif-us-vn"


@dataclass(frozen=True)
class Exemption:
    """A named group of HS prefixes the US tariff on Vietnam can leave out (``exclude``)."""

    key: str
    label_en: str
    label_vi: str
    codes: tuple[str, ...]
    source: str


#: The exemption groups the page offers. Together they are the ``exclude`` list of the
#: reciprocal measures in the shipped ``framework-2025.toml`` (a test holds this); when the
#: named product groups of the catalogue land, each entry becomes a reference to its group.
EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption("electronics-apr-2025", "Electronics (11 Apr 2025 exemption)",
              "Điện tử (miễn trừ ngày 11/4/2025)",
              ("8471", "847330", "8486", "851713", "851762", "852351", "8524", "852852",
               "854110", "854121", "854129", "854130", "854149", "854151", "854159", "854190",
               "8542"),
              "CBP CSMS #64724565 (11 Apr 2025), as modelled in scenarios/framework-2025.toml"),
    Exemption("annex-ii-energy-minerals", "Energy and critical minerals (Annex II, by chapter)",
              "Năng lượng và khoáng sản thiết yếu (Phụ lục II, theo chương)",
              ("27", "75", "79", "81"),
              "EO 14257 Annex II (HTSUS 9903.01.32), whole chapters as in "
              "scenarios/framework-2025.toml"),
)
_GROUP_CODES = {c for e in EXEMPTIONS for c in e.codes}


def _messages(code: str, **p: Any) -> dict[str, str]:
    """The English and Vietnamese text of one what-if problem."""
    texts = {
        "unknown-key": ("unknown setting {key!r}; {hint}", "thiết lập không hợp lệ {key!r}"),
        "base": ("no shipped scenario named {value!r}; {hint}",
                 "không có kịch bản mẫu tên {value!r}"),
        "number": ("must be a number", "phải là một số"),
        "range": ("must be between {low:g} and {high:g} (got {value:g})",
                  "phải nằm trong khoảng {low:g} đến {high:g} (nhận {value:g})"),
        "choice": ("must be one of {options}", "phải là một trong {options}"),
        "exempt": ("unknown exemption group {value!r}; {hint}",
                   "nhóm miễn trừ không tồn tại {value!r}"),
        "list": ("must be a list", "phải là một danh sách"),
        "too-many": ("at most {most} commitments", "tối đa {most} cam kết"),
        "product": ("{value!r} is not a product of the axis; {hint}",
                    "{value!r} không phải là mã hàng của danh mục"),
        "years": ("delivery years must run from {low} to {high}, first <= last",
                  "năm giao hàng phải từ {low} đến {high}, năm đầu <= năm cuối"),
        "table": ("must be a table of settings", "phải là một bảng thiết lập"),
        "item": ("no catalogue item named {value!r}; {hint}",
                 "không có mặt hàng {value!r} trong danh mục"),
        "one-of": ("give a product with value_bn, or an item with units",
                   "chọn mã hàng với giá trị (tỷ USD), hoặc một mặt hàng với số lượng"),
    }
    en, vi = texts[code]
    return {"en": en.format(**p), "vi": vi.format(**p)}


@dataclass(frozen=True)
class WhatIfProblem:
    """One bad control: its key path (``rate``, ``commitments[0].value_bn``), both texts."""

    path: str
    code: str
    message: dict[str, str]
    value: object = None

    def as_json(self) -> dict[str, Any]:
        """The problem as the API returns it."""
        return {"path": self.path, "code": self.code, "message": self.message["en"],
                "message_vi": self.message["vi"], "value": _jsonable(self.value)}


class WhatIfError(TradesimError, ValueError):
    """A what-if has bad controls; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[WhatIfProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path}: {p.message['en']}" for p in self.problems))


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def shipped_names() -> list[str]:
    """Names of the shipped scenarios the server runs: :func:`tradesim.io.shipped_names` but
    the 2018–19 replay (``replay/...``, a 2017 chapter baseline: the command line runs it)."""
    return [n for n in io.shipped_names() if "/" not in n]


@functools.cache
def _base_scenario(name: str) -> Scenario:
    """A shipped scenario, read once per process (the shipped files are package data)."""
    return io.read_scenario(io.shipped_path(name))


@functools.cache
def _base_text(name: str) -> str:
    return json.dumps(to_json(_base_scenario(name).to_dict()))


def _base_document(name: str) -> dict[str, Any]:
    """A fresh, editable copy of a shipped scenario's flat document (from the cached JSON)."""
    doc = json.loads(_base_text(name))
    _read_dates(doc, [])
    return doc


def headline_measure(doc: Mapping[str, Any]) -> int | None:
    """Index of the US tariff on all Vietnamese goods in force last (its ``rate`` is the page's
    rate): the latest-starting ``[[tariff]]`` with importer USA, exporters ``["VNM"]``,
    products ``"all"``, mode ``add`` and share 1; ``None`` if there is none."""
    best: tuple[dt.date, int] | None = None
    for i, m in enumerate(doc.get("tariff", [])):
        if _blanket(m) and float(m.get("share", 1.0)) == 1.0 and m.get("mode", "add") == "add":
            start = m.get("from") or dt.date.min
            if best is None or start >= best[0]:
                best = (start, i)
    return None if best is None else best[1]


def _blanket(m: Mapping[str, Any]) -> bool:
    return (m.get("importer") == "USA" and list(m.get("exporters", [])) == ["VNM"]
            and m.get("products") == "all")


def controls(base: str = "framework-2025") -> dict[str, Any]:
    """The what-if that reproduces a shipped scenario, with what the page shows about it.

    Returns
    -------
    dict
        ``whatif`` (the controls' starting values: the base's headline rate, the exemption
        groups its headline measure leaves out, horizon at most 2030, basis, method) and
        ``measure`` (id and first day of the measure the rate control sets, or ``None``).
    """
    problems: list[WhatIfProblem] = []
    _check_base(base, problems)
    if problems:
        raise WhatIfError(problems)
    s = _base_scenario(base)
    doc = _base_document(base)
    i = headline_measure(doc)
    m = doc["tariff"][i] if i is not None else None
    exclude = set(m.get("exclude", [])) if m else set()
    whatif = {"base": base, "rate": m["rate"] if m else 0.0,
              "exempt": [e.key for e in EXEMPTIONS if m and set(e.codes) <= exclude],
              "commitments": [], "method": s.method, "basis": s.basis,
              "horizon": min(s.horizon, 2030)}
    measure = None if m is None else {"id": m["id"], "from": _iso(m.get("from"))}
    return {"whatif": whatif, "measure": measure, "title": s.title,
            "first_year": s.base_year + 1, "last_year": MAX_HORIZON}


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _check_base(base: object, problems: list[WhatIfProblem]) -> None:
    names = shipped_names()
    if not isinstance(base, str) or base not in names:
        problems.append(WhatIfProblem("base", "base", _messages(
            "base", value=base, hint=closest(str(base), names, "shipped scenarios")), base))


def _number(problems: list[WhatIfProblem], path: str, raw: object, low: float,
            high: float) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw:
        problems.append(WhatIfProblem(path, "number", _messages("number"), raw))
        return None
    if not low <= raw <= high:
        problems.append(WhatIfProblem(path, "range", _messages(
            "range", low=low, high=high, value=float(raw)), raw))
        return None
    return float(raw)


_WHATIF_KEYS = ("base", "rate", "exempt", "commitments", "method", "basis", "horizon")
_COMMITMENT_KEYS = ("product", "value_bn", "item", "units", "first", "last", "additionality")
#: Most units of a catalogue item a year (the money bound is checked by the parser).
MAX_UNITS = 1e9


def document(whatif: Mapping[str, Any], products: Sequence[str] | None = None) -> dict[str, Any]:
    """The complete scenario document of a what-if.

    Parameters
    ----------
    whatif : mapping
        See the module docstring; every key but ``base`` is optional (then: as in the base).
    products : sequence of str, optional
        The codes of the product axis, to check commitment products against.

    Raises
    ------
    WhatIfError
        Every bad control at once, each with its key path and both texts.

    Examples
    --------
    >>> doc = document({"base": "framework-2025", "rate": 46, "horizon": 2030})
    >>> [m["rate"] for m in doc["tariff"] if m["id"] == "vn-recip-20"], doc["scenario"]["horizon"]
    ([46.0], 2030)
    """
    problems: list[WhatIfProblem] = []
    if not isinstance(whatif, Mapping):
        raise WhatIfError([WhatIfProblem("", "table", _messages("table"), type(whatif).__name__)])
    for key in whatif:
        if key not in _WHATIF_KEYS:
            problems.append(WhatIfProblem(str(key), "unknown-key", _messages(
                "unknown-key", key=key, hint=closest(str(key), _WHATIF_KEYS)), key))
    base = whatif.get("base", "framework-2025")
    _check_base(base, problems)
    if problems and any(p.path == "base" for p in problems):
        raise WhatIfError(problems)
    s = _base_scenario(str(base))
    doc = _base_document(str(base))
    head = doc["scenario"]
    head["name"] = re.sub(r"[^a-z0-9-]", "-", f"{s.name}-whatif")
    head["title"] = f"What-if on {s.name}"
    first, horizon = s.base_year + 1, s.horizon
    if "horizon" in whatif:
        h = _number(problems, "horizon", whatif["horizon"], first, MAX_HORIZON)
        if h is not None and h != int(h):
            problems.append(WhatIfProblem("horizon", "number", _messages("number"), h))
        elif h is not None:
            horizon = int(h)
    head["horizon"] = horizon
    for key, options in (("method", METHODS), ("basis", BASES)):
        if key in whatif:
            if whatif[key] in options:
                head[key] = whatif[key]
            else:
                problems.append(WhatIfProblem(key, "choice", _messages(
                    "choice", options=", ".join(options)), whatif[key]))
    tariffs = doc.setdefault("tariff", [])
    i = headline_measure(doc)
    if "rate" in whatif:
        rate = _number(problems, "rate", whatif["rate"], 0.0, MAX_RATE)
        if rate is not None and i is None:
            tariffs.append({"id": ADDED_MEASURE, "importer": "USA", "exporters": ["VNM"],
                            "products": "all", "exclude": [], "rate": rate, "mode": "add",
                            "from": dt.date(first, 1, 1),
                            "note": "set on the what-if page: the US tariff on Vietnam"})
            i = len(tariffs) - 1
        elif rate is not None and i is not None:
            tariffs[i]["rate"] = rate
    if "exempt" in whatif:
        chosen = _exemptions(problems, whatif["exempt"])
        if chosen is not None:
            _apply_exemptions(tariffs, i, chosen)
    if "commitments" in whatif:
        added = _commitments(problems, whatif["commitments"], first, horizon, products)
        doc.setdefault("commitment", []).extend(added)
        if not doc["commitment"]:
            del doc["commitment"]
    if problems:
        raise WhatIfError(problems)
    _cut_to_horizon(doc, horizon)
    head["title"] += _summary(doc, i)
    return doc


def _summary(doc: Mapping[str, Any], headline: int | None) -> str:
    """`` (US tariff on Vietnam 46 %, exempt: electronics-apr-2025; 1 purchase)``."""
    if headline is None or headline >= len(doc.get("tariff", [])):
        return ""
    m = doc["tariff"][headline]
    exclude = set(m.get("exclude", []))
    groups = [e.key for e in EXEMPTIONS if set(e.codes) <= exclude]
    bought = [c for c in doc.get("commitment", []) if str(c.get("id", "")).startswith("whatif-")]
    return (f": US tariff on Vietnam {m['rate']:g} % ({m['id']}), exempt: "
            f"{', '.join(groups) or 'none'}" + (f"; {len(bought)} purchase(s) added"
                                                 if bought else ""))


def _exemptions(problems: list[WhatIfProblem], raw: object) -> list[Exemption] | None:
    if not isinstance(raw, list):
        problems.append(WhatIfProblem("exempt", "list", _messages("list"), raw))
        return None
    keys = {e.key: e for e in EXEMPTIONS}
    out = []
    for j, key in enumerate(raw):
        if key in keys:
            out.append(keys[key])
        else:
            problems.append(WhatIfProblem(f"exempt[{j}]", "exempt", _messages(
                "exempt", value=key, hint=closest(str(key), list(keys), "groups")), key))
    return out


def _apply_exemptions(tariffs: list[dict[str, Any]], headline: int | None,
                      chosen: Sequence[Exemption]) -> None:
    """Set the groups left out of every US tariff on all Vietnamese goods: the codes of the
    known groups are replaced by the chosen ones; other exclusions stay."""
    codes = [c for e in chosen for c in e.codes]
    for j, m in enumerate(tariffs):
        if _blanket(m) or j == headline:
            rest = [c for c in m.get("exclude", []) if c not in _GROUP_CODES]
            m["exclude"] = rest + [c for c in codes if c not in rest]


def _commitments(problems: list[WhatIfProblem], raw: object, first: int, horizon: int,
                 products: Sequence[str] | None) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        problems.append(WhatIfProblem("commitments", "list", _messages("list"), raw))
        return []
    if len(raw) > MAX_COMMITMENTS:
        problems.append(WhatIfProblem("commitments", "too-many", _messages(
            "too-many", most=MAX_COMMITMENTS), len(raw)))
        return []
    out: list[dict[str, Any]] = []
    for j, item in enumerate(raw):
        where = f"commitments[{j}]"
        if not isinstance(item, Mapping):
            problems.append(WhatIfProblem(where, "table", _messages("table"), item))
            continue
        for key in item:
            if key not in _COMMITMENT_KEYS:
                problems.append(WhatIfProblem(f"{where}.{key}", "unknown-key", _messages(
                    "unknown-key", key=key, hint=closest(str(key), _COMMITMENT_KEYS)), key))
        by_item = "item" in item or "units" in item
        if by_item and ("product" in item or "value_bn" in item):
            problems.append(WhatIfProblem(where, "one-of", _messages("one-of"), None))
            continue
        product, name = item.get("product"), item.get("item")
        if by_item:
            if not isinstance(name, str) or name not in catalogues.item_names():
                hint = closest(str(name), catalogues.item_names(), "items")
                problems.append(WhatIfProblem(f"{where}.item", "item", _messages(
                    "item", value=name, hint=hint), name))
            value = _number(problems, f"{where}.units", item.get("units"), 0.0, MAX_UNITS)
        else:
            if not isinstance(product, str) or (products is not None
                                                and product not in products):
                hint = closest(str(product), list(products or ()), "products")
                hint = hint.split("? ")[0] + "?" if "? " in hint else "see /api/products"
                problems.append(WhatIfProblem(f"{where}.product", "product", _messages(
                    "product", value=product, hint=hint), product))
            value = _number(problems, f"{where}.value_bn", item.get("value_bn"), 0.0,
                            MAX_COMMITMENT_BN)
        add = _number(problems, f"{where}.additionality", item.get("additionality", 1.0),
                      0.0, 1.0)
        lo = _number(problems, f"{where}.first", item.get("first", first), first, horizon)
        hi = _number(problems, f"{where}.last", item.get("last", horizon), first, horizon)
        if lo is not None and hi is not None and (lo > hi or lo != int(lo) or hi != int(hi)):
            problems.append(WhatIfProblem(f"{where}.last", "years", _messages(
                "years", low=first, high=horizon), hi))
            continue
        if value is None or add is None or lo is None or hi is None:
            continue
        years = range(int(lo), int(hi) + 1)
        if by_item:
            out.append({"id": f"whatif-{j + 1}", "buyer": "VNM", "seller": "USA", "item": name,
                        "deliveries": {str(y): value for y in years}, "additionality": add,
                        "displaces": [], "note": "set on the what-if page: catalogue items "
                        "bought from the US, units a year at the catalogue price"})
        else:
            out.append({"id": f"whatif-{j + 1}", "buyer": "VNM", "seller": "USA",
                        "product": product, "additionality": add, "displaces": [],
                        "schedule": {str(y): value * 1e9 for y in years},
                        "note": "set on the what-if page: a purchase of US goods, USD a year"})
    return out


def _cut_to_horizon(doc: dict[str, Any], horizon: int) -> None:
    """Drop what a shorter horizon leaves out (the parser refuses it): measures starting after
    it, deliveries after it, demand shifts after it."""
    last = dt.date(horizon, 12, 31)
    kept = [m for m in doc.get("tariff", []) if m.get("from") is None or m["from"] <= last]
    ids = {m["id"] for m in kept}
    for m in kept:
        if m.get("overrides"):
            m["overrides"] = [o for o in m["overrides"] if o in ids]
    if "tariff" in doc:
        doc["tariff"] = kept
    for c in doc.get("commitment", []):
        for key in ("schedule", "deliveries"):
            if key in c:
                c[key] = {y: v for y, v in c[key].items() if int(y) <= horizon}
    if "commitment" in doc:
        doc["commitment"] = [c for c in doc["commitment"]
                             if c.get("schedule", c.get("deliveries"))]
        if not doc["commitment"]:
            del doc["commitment"]
    for d in doc.get("demand", []):
        if d.get("end") is not None and d["end"] > horizon:
            d["end"] = horizon
    if "demand" in doc:
        doc["demand"] = [d for d in doc["demand"] if d["start"] <= horizon]
        if not doc["demand"]:
            del doc["demand"]


# --------------------------------------------------------------------------- JSON and TOML

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def from_json(doc: object) -> dict[str, Any]:
    """A scenario document sent as JSON -> the document TOML would give: ``from``/``to`` of a
    measure written ``"2025-08-07"`` become dates. ``include`` is refused: inputs are data.

    Raises
    ------
    ScenarioError
        Not a table, an ``include``, or a date that is not a date; with the key path.
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError(Problem("", "a scenario document must be a JSON object",
                                    type(doc).__name__))
    out = json.loads(json.dumps(doc))  # a deep copy of plain JSON data
    head = out.get("scenario")
    if isinstance(head, Mapping) and "include" in head:
        raise ScenarioError(Problem("scenario.include", "include is not accepted over HTTP: "
                                    "a document is data, not a path",
                                    hint="send the included measures inline (the downloaded "
                                         "TOML of a shipped scenario has them)"))
    problems: list[Problem] = []
    _read_dates(out, problems)
    if problems:
        raise ScenarioError(problems)
    return out


def _read_dates(doc: dict[str, Any], problems: list[Problem]) -> None:
    """``from``/``to`` of each measure: ISO text -> date, in place; bad text is a problem."""
    for i, m in enumerate(doc.get("tariff", []) if isinstance(doc.get("tariff"), list) else []):
        if not isinstance(m, dict):
            continue
        for key in ("from", "to"):
            raw = m.get(key)
            if isinstance(raw, str):
                try:
                    if not _DATE.match(raw):
                        raise ValueError(raw)
                    m[key] = dt.date.fromisoformat(raw)
                except ValueError:
                    problems.append(Problem(f"tariff[{i}].{key}", "must be a date YYYY-MM-DD",
                                            raw))


def to_json(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario document with its dates as ISO strings (what :func:`from_json` reads)."""
    def plain(x: object) -> object:
        if isinstance(x, dt.date):
            return x.isoformat()
        if isinstance(x, Mapping):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [plain(v) for v in x]
        return x
    return plain(doc)  # type: ignore[return-value]


def to_toml(doc: Mapping[str, Any], comment: str = "") -> str:
    """A scenario document as a TOML scenario file that ``tradesim run`` reads back exactly."""
    def clean(x: object) -> object:
        if isinstance(x, Mapping):
            return {str(k): clean(v) for k, v in x.items() if v is not None}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    return head + tomli_w.dumps(clean(doc))  # type: ignore[arg-type]

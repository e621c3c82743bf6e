"""Scenario documents (parsed TOML dicts) -> frozen, validated :class:`Scenario` objects.

Every problem in a document is collected, with its key path, value, rule and a hint, and raised
once as :class:`~tradesim.errors.ScenarioError`. This module knows nothing of arrays or files:
:mod:`tradesim.io` reads the TOML and resolves ``include``; :mod:`tradesim.scenario.schedule` maps
the validated measures onto a baseline.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tradesim.data import catalogues
from tradesim.errors import Problem, Problems, ScenarioError, closest
from tradesim.scenario.fields import (
    COMMITMENT_FIELDS,
    DEMAND_FIELDS,
    ELASTICITY_PARAMS,
    KNOWN_CODES,
    MAX_USD,
    SCENARIO_FIELDS,
    TARIFF_FIELDS,
    TOP_LEVEL_KEYS,
    TRANSSHIPMENT_FIELDS,
    Field,
)

__all__ = [
    "Commitment",
    "DemandShift",
    "Measure",
    "Scenario",
    "Transshipment",
    "normalize_hs",
    "parse_scenario",
    "read_item",
    "too_deep",
]

_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HS = re.compile(r"^\d{2}(\d{2}){0,4}$")

#: Problems reported for one document at most; reading stops once this many are found, so a
#: file of thousands of broken tables is answered quickly and with a readable message.
MAX_PROBLEMS = 100
#: Deepest nesting of tables and lists a document may have (the shipped files use 3).
MAX_DEPTH = 32


@dataclass(frozen=True)
class Measure:
    """A tariff measure. ``exporters``/``products`` are ``None`` for "all"; rate is a fraction.

    For ``mode = "cut"`` the rate is the share of the rate in force removed; for ``"cap"`` the
    maximum rate; for ``"swiss"`` the coefficient ``a`` (fractions, like the rates it acts on).
    """

    id: str
    importer: str
    exporters: tuple[str, ...] | None
    products: tuple[str, ...] | None
    exclude: tuple[str, ...]
    rate: float
    mode: str
    overrides: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    share: float
    source: str = ""
    status: str = ""
    note: str = ""


@dataclass(frozen=True)
class Commitment:
    """A purchase commitment: ``schedule`` holds (year, USD) pairs in year order.

    A commitment bought as catalogue items keeps ``item``, ``deliveries`` ((year, units) pairs),
    the ``unit_usd`` price used and ``price_note``, the assumption behind the value.
    """

    id: str
    buyer: str
    seller: str
    product: str
    schedule: tuple[tuple[int, float], ...]
    additionality: float
    displaces: tuple[str, ...]
    source: str = ""
    status: str = ""
    note: str = ""
    item: str = ""
    deliveries: tuple[tuple[int, float], ...] = ()
    unit_usd: float = 0.0
    price_note: str = ""

    @property
    def total_usd(self) -> float:
        """Sum of the schedule, USD."""
        return float(sum(v for _, v in self.schedule))


@dataclass(frozen=True)
class Transshipment:
    """Origin switching: a share of ``sources``' lost US sales re-routed through ``via``."""

    origin_switching: float
    sources: tuple[str, ...] = ("CHN",)
    via: str = "VNM"
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class DemandShift:
    """The market's demand growth for some products in some years (all suppliers alike)."""

    id: str
    importer: str
    products: tuple[str, ...] | None  # None = all
    exclude: tuple[str, ...]
    growth: float  # fraction a year
    start: int
    end: int
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: header, measures, commitments and elasticity overrides."""

    name: str
    title: str = ""
    description: str = ""
    base_year: int = 2024
    horizon: int = 2030
    basis: str = "us"
    method: str = "ces"
    sources: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    demand: tuple[DemandShift, ...] = ()
    #: parameter -> ((HS prefix or "all", value), ...)
    elasticities: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    transshipment: Transshipment | None = None
    file: str = field(default="", compare=False)

    @property
    def years(self) -> range:
        """Simulated years, base year to horizon inclusive."""
        return range(self.base_year, self.horizon + 1)

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as a plain document that :func:`parse_scenario` reads back."""
        head = {k: getattr(self, k) for k in
                ("name", "title", "description", "base_year", "horizon", "basis", "method")}
        head["sources"] = list(self.sources)
        doc: dict[str, Any] = {"scenario": head}
        if self.measures:
            doc["tariff"] = [_measure_doc(m) for m in self.measures]
        if self.commitments:
            doc["commitment"] = [_commitment_doc(c) for c in self.commitments]
        if self.demand:
            doc["demand"] = [{**_shallow(d), "growth": d.growth * 100.0,
                              "products": "all" if d.products is None else list(d.products),
                              "exclude": list(d.exclude)} for d in self.demand]
        if self.elasticities:
            doc["elasticities"] = {p: dict(v) for p, v in self.elasticities}
        if self.transshipment is not None:
            t = _shallow(self.transshipment)
            doc["transshipment"] = {**t, "sources": list(self.transshipment.sources)}
        return doc

    @functools.cached_property
    def _digest(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def digest(self) -> str:
        """Short SHA-256 of the canonical content (file name excluded)."""
        return self._digest


def _shallow(record: Measure | Commitment | DemandShift | Transshipment) -> dict[str, Any]:
    """A record's fields as a dict, values as they are (``dataclasses.asdict`` copies deeply;
    the records hold only scalars, dates and tuples of them)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _measure_doc(m: Measure) -> dict[str, Any]:
    d = _shallow(m)
    d["exporters"] = "all" if m.exporters is None else list(m.exporters)
    d["products"] = "all" if m.products is None else list(m.products)
    d["exclude"], d["overrides"] = list(m.exclude), list(m.overrides)
    d["rate"] = m.rate * 100.0
    d["from"], d["to"] = d.pop("start"), d.pop("end")
    return {k: v for k, v in d.items() if v is not None}


def _commitment_doc(c: Commitment) -> dict[str, Any]:
    d = _shallow(c)
    for key in ("item", "deliveries", "unit_usd", "price_note"):
        d.pop(key)
    if c.item:  # bought as items: the document names them (and pins the price used)
        d.pop("schedule")
        d.update(item=c.item, deliveries={str(y): n for y, n in c.deliveries},
                 unit_usd=c.unit_usd)
    else:
        d["schedule"] = {str(y): v for y, v in c.schedule}
    d["displaces"] = list(c.displaces)
    return d


def normalize_hs(code: str) -> str:
    """Return an HS code as digits only: ``"8517.13.00"`` -> ``"85171300"``."""
    return re.sub(r"[.\s]", "", code)


def _is_number(x: object) -> bool:
    """A real number (int, float, numpy scalar), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_float(x: Any) -> float:
    """``float(x)``, with integers too large for a float as ``inf`` of their sign."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _plain(x: Any) -> int | float:
    """A number as a Python int or float, for messages (``nan``, not ``np.float64(nan)``)."""
    return int(x) if isinstance(x, numbers.Integral) else float(x)


def _non_finite(raw: object, value: float) -> bool:
    """NaN or inf given as such (an integer too large for a float is out of bounds instead)."""
    return math.isnan(value) or (math.isinf(value) and not isinstance(raw, numbers.Integral))


def too_deep(doc: object, limit: int = MAX_DEPTH) -> bool:
    """Whether a document's tables and lists nest deeper than ``limit`` (iterative, so a
    bomb or a cyclic structure from the dict API cannot exhaust the stack)."""
    stack: list[tuple[object, int]] = [(doc, 0)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return True
        children = node.values() if isinstance(node, Mapping) else node if isinstance(
            node, list | tuple) else ()
        stack.extend((child, level + 1) for child in children)
    return False


def _too_many(c: Problems) -> bool:
    return len(c) >= MAX_PROBLEMS


def _check_keys(
    c: Problems, path: str, table: Mapping[str, Any], fields: Sequence[Field]
) -> None:
    names = [f.name for f in fields]
    for key in table:
        if _too_many(c):
            return
        if key not in names:
            c.add(f"{path}.{key}", "unknown key", hint=closest(str(key), names))
    for f in fields:
        if f.required and f.name not in table:
            c.add(f"{path}.{f.name}", "required key is missing", hint=f.doc)


def _read_field(c: Problems, path: str, f: Field, raw: object) -> object:  # noqa: C901
    """Check one value against its field; return the converted value, or None after a problem."""
    where = f"{path}.{f.name}"
    if f.kind in ("str", "id"):
        if not isinstance(raw, str):
            c.add(where, "must be a string", raw)
            return None
        if f.kind == "id" and not _ID.match(raw):
            c.add(where, "ids use letters, digits, '-', '_' and '.' only", raw)
            return None
        if f.choices and raw not in f.choices:
            c.add(where, "not an accepted value", raw, closest(raw, f.choices, "accepted"))
            return None
        return raw
    if f.kind in ("int", "float"):
        if not _is_number(raw) or (f.kind == "int" and not isinstance(raw, numbers.Integral)):
            c.add(where, f"must be {'an integer' if f.kind == 'int' else 'a number'}", raw)
            return None
        assert isinstance(raw, numbers.Real)
        value: int | float = _as_float(raw) if f.kind == "float" else _plain(raw)
        raw = _plain(raw)
        if f.kind == "float" and math.isnan(value):
            c.add(where, "must be finite", raw, "NaN is not a value; give a number")
            return None
        if f.kind == "float" and math.isinf(value) and not isinstance(raw, numbers.Integral):
            c.add(where, "must be finite", raw, "inf is not a value; give a number")
            return None
        if f.low is not None and (value < f.low or (f.low_open and value == f.low)):
            rule = "must be >" if f.low_open else "must be >="
            c.add(where, f"{rule} {f.low:g}" + (f" {f.unit}" if f.unit else ""), raw,
                  _bound_hint(f))
            return None
        if f.high is not None and value > f.high:
            c.add(where, f"must be <= {f.high:g}" + (f" {f.unit}" if f.unit else ""), raw,
                  _bound_hint(f))
            return None
        return value
    if f.kind == "date":
        if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
            c.add(where, "must be a TOML date such as 2025-08-07 (no quotes, no time)", raw)
            return None
        return raw
    if f.kind in ("codes", "code"):
        return _read_codes(c, where, raw, single=f.kind == "code", listing=f.required)
    if f.kind in ("hs_list", "hs"):
        return _read_hs(c, where, raw, single=f.kind == "hs", allow_all=f.name == "products")
    if f.kind in ("strs", "ids"):
        if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
            c.add(where, "must be a list of strings", raw)
            return None
        return tuple(raw)
    if f.kind == "table":
        if not isinstance(raw, dict):
            c.add(where, f"must be a table of year = {'units' if f.unit == 'items' else 'USD'}",
                  raw)
            return None
        return raw
    raise AssertionError(f"unhandled field kind {f.kind}")


def _bound_hint(f: Field) -> str:
    if f.unit == "percent":
        return "rates are percent in scenario files: write 20 for 20 %"
    if f.unit == "fraction":
        return "a share is a fraction between 0 and 1"
    if f.unit == "USD":
        return _USD_HINT
    return ""


_USD_HINT = (f"money is in USD; {MAX_USD:g} USD (10 trillion) is the most one amount may be, "
             "about 40 % of world goods trade")


def _read_codes(c: Problems, where: str, raw: object, single: bool, listing: bool) -> object:
    """Country codes. ``listing`` (exporters): "all" allowed, an empty list is not."""
    if single:
        if not isinstance(raw, str):
            c.add(where, "must be a country code string", raw)
            return None
        items = [raw]
    elif raw == "all" and listing:
        return None
    elif isinstance(raw, str):
        items = [raw]
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        items = list(raw)
        if not items and listing:
            c.add(where, "is empty", raw, 'list at least one code, or write "all"')
            return None
    else:
        c.add(where, 'must be a list of country codes or "all"', raw)
        return None
    bad = [s for s in items if s not in KNOWN_CODES]
    for s in bad:
        match = difflib.get_close_matches(s.upper(), sorted(KNOWN_CODES), n=1, cutoff=0.6)
        c.add(where, "unknown country code", s,
              f"did you mean '{match[0]}'?" if match else "use ISO3 codes, EU or ROW")
    if bad:
        return None
    if len(set(items)) != len(items):
        c.add(where, "lists a code twice", raw)
        return None
    return items[0] if single else tuple(items)


def _read_hs(c: Problems, where: str, raw: object, single: bool, allow_all: bool) -> object:
    if allow_all and raw == "all":
        return None
    if single:
        items = [raw]
    elif isinstance(raw, list):
        items = list(raw)
        if not items and allow_all:
            c.add(where, "is empty", raw, 'list HS codes, or write "all"')
            return None
    else:
        c.add(where, "must be a list of HS codes" + (' or "all"' if allow_all else ""), raw)
        return None
    out = []
    for item in items:
        if isinstance(item, str) and item.startswith(catalogues.GROUP_MARK):
            if single:
                c.add(where, "is one HS code: product groups go in products/exclude", item)
            elif item[1:] not in catalogues.group_names():
                c.add(where, "unknown product group", item,
                      closest(item[1:], catalogues.group_names(), "groups (tradesim products "
                              "--groups)"))
            else:
                out.append(item)
            continue
        code = normalize_hs(item) if isinstance(item, str) else None
        if code is None or not _HS.match(code):
            c.add(where, "not an HS code: 2 to 10 digits, even length (dots allowed)", item,
                  'quote codes ("0207", not 0207) so leading zeros survive')
            continue
        out.append(code)
    if len(out) != len(items):
        return None
    return out[0] if single else tuple(out)


def _read_table(c: Problems, path: str, table: object, fields: Sequence[Field]) -> dict | None:
    if not isinstance(table, dict):
        c.add(path, "must be a table", table)
        return None
    before = len(c.items)
    _check_keys(c, path, table, fields)
    values = {}
    for f in fields:
        if f.name in table:
            values[f.name] = _read_field(c, path, f, table[f.name])
        else:
            values[f.name] = None if f.required else f.default
    return values if len(c.items) == before else None


def _parse_header(c: Problems, doc: Mapping[str, Any]) -> dict | None:
    if "scenario" not in doc:
        c.add("scenario", "the [scenario] header table is missing",
              hint='start the file with [scenario] and name = "..."')
        return None
    head = _read_table(c, "scenario", doc["scenario"], SCENARIO_FIELDS)
    if head is None:
        return None
    if not _NAME.match(head["name"]):
        c.add("scenario.name", "use lowercase letters, digits and dashes", head["name"])
        return None
    return head


def _parse_measure(c: Problems, i: int, table: object) -> Measure | None:
    path = f"tariff[{i}]"
    v = _read_table(c, path, table, TARIFF_FIELDS)
    if v is None:
        return None
    if v["from"] is not None and v["to"] is not None and v["to"] < v["from"]:
        c.add(f"{path}.to", f"ends before it starts (from = {v['from']})", v["to"],
              "swap the dates, or fix the year")
        return None
    if v["products"] is not None and set(v["products"]) <= set(v["exclude"]):
        c.add(f"{path}.exclude", "excludes every product the measure lists", list(v["exclude"]))
        return None
    if v["id"] in v["overrides"]:
        c.add(f"{path}.overrides", "a measure cannot override itself", v["id"])
        return None
    if v["mode"] == "cut" and v["rate"] > 100.0:
        c.add(f"{path}.rate", "a cut must be <= 100 percent (it reduces each line's rate by "
              "that share of itself)", v["rate"], 'rate = 50 halves the rate; 100 removes it')
        return None
    if v["mode"] == "swiss" and v["rate"] <= 0.0:
        c.add(f"{path}.rate", "the Swiss coefficient must be > 0 percent", v["rate"],
              "r1 = a r0 / (a + r0) with a in percent: a = 25 caps every rate below 25 %")
        return None
    return Measure(
        id=v["id"], importer=v["importer"], exporters=v["exporters"], products=v["products"],
        exclude=v["exclude"], rate=v["rate"] / 100.0, mode=v["mode"], overrides=v["overrides"],
        start=v["from"], end=v["to"], share=v["share"], source=v["source"],
        status=v["status"], note=v["note"],
    )


def read_item(section: str, i: int, table: object) -> Measure | Commitment | None:
    """One ``[[tariff]]`` or ``[[commitment]]`` table (``section``) read alone, at position
    ``i``, by the rules :func:`parse_scenario` applies to it; None when it breaks one.

    The checks that look beyond one table (ids, overrides, dates against the horizon) are not
    made: sweeps use this for grid points that change only values inside a table.
    """
    read = _parse_measure if section == "tariff" else _parse_commitment
    return read(Problems(), i, table)


def _parse_demand(c: Problems, i: int, table: object) -> DemandShift | None:
    path = f"demand[{i}]"
    v = _read_table(c, path, table, DEMAND_FIELDS)
    if v is None:
        return None
    end = v["start"] if v["end"] is None else v["end"]
    if end < v["start"]:
        c.add(f"{path}.end", f"ends before it starts ({v['start']})", end)
        return None
    return DemandShift(id=v["id"], importer=v["importer"], products=v["products"],
                       exclude=v["exclude"], growth=v["growth"] / 100.0, start=v["start"],
                       end=end, source=v["source"], note=v["note"])


def _parse_commitment(c: Problems, i: int, table: object) -> Commitment | None:
    path = f"commitment[{i}]"
    v = _read_table(c, path, table, COMMITMENT_FIELDS)
    if v is None:
        return None
    priced = _priced_items(c, path, v) if v["item"] is not None else None
    if v["item"] is None:
        extra = [k for k in ("units", "deliveries", "unit_usd") if v[k] is not None]
        if extra:
            c.add(f"{path}.{extra[0]}", "needs an `item` (a catalogue item)", v[extra[0]],
                  closest("", catalogues.item_names(), "items"))
            return None
        if v["product"] is None:
            c.add(f"{path}.product", "required key is missing",
                  hint="give product (an HS code), or item (a catalogue item such as "
                       "boeing-737-max-8)")
            return None
        schedule = _commitment_schedule(c, path, v)
    elif priced is None:
        return None
    else:
        schedule = priced[0]
    if schedule is None:
        return None
    if v["seller"] == v["buyer"]:
        c.add(f"{path}.seller", "buyer and seller are the same market", v["seller"])
        return None
    if v["seller"] in v["displaces"] or v["buyer"] in v["displaces"]:
        c.add(f"{path}.displaces", "cannot displace the buyer or the seller itself",
              list(v["displaces"]))
        return None
    c_ = Commitment(
        id=v["id"], buyer=v["buyer"], seller=v["seller"],
        product=v["product"] or catalogues.item(v["item"]).product,
        schedule=schedule, additionality=v["additionality"], displaces=v["displaces"],
        source=v["source"], status=v["status"], note=v["note"],
    )
    if priced is None:
        return c_
    it = catalogues.item(v["item"])
    return replace(c_, item=it.name, deliveries=priced[1], unit_usd=priced[2],
                   price_note=_price_note(it, priced[1], priced[2]))


def _priced_items(c: Problems, path: str, v: dict[str, Any]) -> tuple[
        tuple[tuple[int, float], ...], tuple[tuple[int, float], ...], float] | None:
    """(schedule in USD, deliveries in units, unit price) of a commitment bought as items."""
    if v["item"] not in catalogues.item_names():
        c.add(f"{path}.item", "unknown catalogue item", v["item"],
              closest(v["item"], catalogues.item_names(), "items (tradesim products --items)"))
        return None
    for key in ("value_usd", "schedule"):
        if v[key] is not None:
            c.add(f"{path}.{key}", "give units or deliveries with an item, not a value in USD",
                  v[key], "the value is units x the item's price; set unit_usd to change it")
            return None
    price = catalogues.item(v["item"]).unit_usd if v["unit_usd"] is None else v["unit_usd"]
    if v["deliveries"] is not None:
        if v["start"] is not None or v["end"] is not None:
            c.add(f"{path}.deliveries", "give either deliveries, or units with start/end, not both")
            return None
        out = []
        for key, n in v["deliveries"].items():
            where = f"{path}.deliveries.{key}"
            if not re.fullmatch(r"\d{4}", str(key)):
                c.add(where, "delivery keys are years such as 2027", key)
            elif not _is_number(n) or not math.isfinite(n) or n < 0:
                c.add(where, "units must be a finite number >= 0", n)
            else:
                out.append((int(key), float(n)))
        if len(out) != len(v["deliveries"]):
            return None
        if not out:
            c.add(f"{path}.deliveries", "is empty", v["deliveries"],
                  "list at least one year = units, e.g. { 2027 = 10 }")
            return None
        total = sum(n for _, n in out)
        if v["units"] is not None and not math.isclose(v["units"], total, rel_tol=1e-9):
            c.add(f"{path}.units", f"differs from the deliveries' total {total:g}", v["units"],
                  "drop units, or make the deliveries add up to it")
            return None
        deliveries = tuple(sorted(out))
    else:
        if v["units"] is None or v["start"] is None or v["end"] is None:
            missing = [k for k in ("units", "start", "end") if v[k] is None]
            c.add(f"{path}.{missing[0]}", "required with an item: give deliveries, or units "
                  "with start and end", hint=f"missing: {', '.join(missing)}")
            return None
        if v["end"] < v["start"]:
            c.add(f"{path}.end", f"ends before it starts (start = {v['start']})", v["end"])
            return None
        years = range(v["start"], v["end"] + 1)
        deliveries = tuple((y, v["units"] / len(years)) for y in years)
    schedule = tuple((y, n * price) for y, n in deliveries)
    too_big = [y for y, usd in schedule if usd > MAX_USD]
    if too_big:
        c.add(f"{path}.deliveries" if v["deliveries"] is not None else f"{path}.units",
              f"is worth more than {MAX_USD:g} USD in {too_big[0]} at {price:,.0f} USD each",
              v["deliveries"] if v["deliveries"] is not None else v["units"],
              "check the units (and unit_usd)")
        return None
    return schedule, deliveries, float(price)


def _price_note(it: catalogues.Item, deliveries: Sequence[tuple[int, float]],
                price: float) -> str:
    """The assumption behind an item commitment's value, in one line."""
    units = sum(n for _, n in deliveries)
    basis = (f"catalogue price, {it.status}" if price == it.unit_usd
             else f"price set in the scenario; catalogue {it.unit_usd:,.0f} ({it.status})")
    return (f"{units:g} x {it.name_en} at {price:,.0f} USD each = {units * price / 1e9:,.3f} bn "
            f"USD ({basis}: {it.method})")


def _commitment_schedule(
    c: Problems, path: str, v: dict[str, Any]
) -> tuple[tuple[int, float], ...] | None:
    has_spread = v["start"] is not None or v["end"] is not None
    if v["schedule"] is not None:
        if has_spread or v["value_usd"] is not None:
            c.add(f"{path}.schedule", "give either schedule, or value_usd with start/end, not both")
            return None
        out = []
        for key, amount in v["schedule"].items():
            where = f"{path}.schedule.{key}"
            usd = _as_float(amount) if _is_number(amount) else None
            if _too_many(c):
                return None
            if not re.fullmatch(r"\d{4}", str(key)):
                c.add(where, "schedule keys are years such as 2030", key)
            elif usd is None:
                c.add(where, "amount must be a number of USD", amount)
            elif _non_finite(amount, usd):
                c.add(where, "amount must be finite", _plain(amount),
                      "NaN and inf are not amounts")
            elif usd < 0:
                c.add(where, "amount must be a finite number of USD >= 0", amount)
            elif usd > MAX_USD:
                c.add(where, f"amount must be <= {MAX_USD:g} USD", _plain(amount), _USD_HINT)
            else:
                out.append((int(key), usd))
        if len(out) != len(v["schedule"]):
            return None
        if not out:
            c.add(f"{path}.schedule", "is empty", {}, "list at least one year = USD")
            return None
        return tuple(sorted(out))
    if v["value_usd"] is None or v["start"] is None or v["end"] is None:
        missing = [k for k in ("value_usd", "start", "end") if v[k] is None]
        c.add(f"{path}.{missing[0]}", "required: give schedule, or value_usd with start and end",
              hint=f"missing: {', '.join(missing)}")
        return None
    if v["end"] < v["start"]:
        c.add(f"{path}.end", f"ends before it starts (start = {v['start']})", v["end"])
        return None
    years = range(v["start"], v["end"] + 1)
    return tuple((y, v["value_usd"] / len(years)) for y in years)


def _parse_elasticities(c: Problems, raw: object) -> tuple | None:
    if not isinstance(raw, dict):
        c.add("elasticities", "must be a table", raw)
        return None
    out = []
    for name, spec in raw.items():
        where = f"elasticities.{name}"
        if name not in ELASTICITY_PARAMS:
            c.add(where, "unknown parameter", hint=closest(str(name), list(ELASTICITY_PARAMS)))
            continue
        doc, low, high = ELASTICITY_PARAMS[name]
        table = spec if isinstance(spec, dict) else {"all": spec}
        pairs = []
        for prefix, value in table.items():
            if _too_many(c):
                return None
            number = _as_float(value) if _is_number(value) else None
            code = prefix if prefix == "all" or not isinstance(prefix, str) else normalize_hs(
                prefix)
            supplier = name == "omega" and prefix in KNOWN_CODES
            if supplier:
                code = prefix
            if code != "all" and not supplier and not (isinstance(code, str) and _HS.match(code)):
                c.add(f"{where}.{prefix}", 'keys are HS prefixes or "all"' + (
                    " (or, for omega, a supplier code such as CHN)" if name == "omega" else ""),
                    prefix)
            elif number is None:
                c.add(f"{where}.{prefix}", "must be a number" + (
                    " (or inf)" if name == "omega" else ""), value)
            elif _non_finite(value, number) and not (name == "omega" and number > 0):
                c.add(f"{where}.{prefix}", "must be finite" + (
                    " (or inf: full pass-through)" if name == "omega" else ""), _plain(value),
                    "NaN and inf are not values; give a number")
            elif not low <= number <= high:
                c.add(f"{where}.{prefix}", f"must lie in [{low:g}, {high:g}] ({doc})",
                      _plain(value))
            else:
                pairs.append((code, number))
        out.append((name, tuple(pairs)))
    return tuple(out)


def _cross_check(c: Problems, s: Scenario, own_ids: set[str]) -> None:
    """Checks that need the whole (merged) scenario: ids, references, cycles, horizon."""
    seen: dict[str, int] = {}
    for i, m in enumerate(s.measures):
        if m.id in seen:
            c.add(f"tariff[{i}].id", f"duplicate measure id (also tariff[{seen[m.id]}])", m.id)
        seen.setdefault(m.id, i)
    for i, m in enumerate(s.measures):
        for ref in m.overrides:
            if ref not in seen:
                c.add(f"tariff[{i}].overrides", "names no measure in this scenario", ref,
                      closest(ref, sorted(seen), "measure ids"))
    _check_cycles(c, s.measures)
    _check_demand(c, s)
    first, last = dt.date(s.base_year, 1, 1), dt.date(s.horizon, 12, 31)
    for i, m in enumerate(s.measures):
        if m.start is not None and m.start > last:
            c.add(f"tariff[{i}].from", f"starts after the horizon ({s.horizon})", m.start,
                  "raise [scenario].horizon or fix the date")
        if m.end is not None and m.end < first:
            c.add(f"tariff[{i}].to", f"ends before the base year ({s.base_year})", m.end)
    cseen: dict[str, int] = {}
    for i, cm in enumerate(s.commitments):
        if cm.id in cseen:
            c.add(f"commitment[{i}].id", "duplicate commitment id", cm.id)
        cseen.setdefault(cm.id, i)
        for year, _ in cm.schedule:
            if year > s.horizon:
                c.add(f"commitment[{i}]", f"delivers in {year}, beyond the horizon {s.horizon}",
                      year, "raise [scenario].horizon or shorten the schedule")
            elif year < s.base_year:
                c.add(f"commitment[{i}]", f"delivers in {year}, before the base year "
                      f"{s.base_year}", year, "deliveries before the base year are in the data")


def _check_demand(c: Problems, s: Scenario) -> None:
    """Demand shifts: unique ids, years after the base year and within the horizon."""
    seen: dict[str, int] = {}
    for i, d in enumerate(s.demand):
        if d.id in seen:
            c.add(f"demand[{i}].id", f"duplicate demand id (also demand[{seen[d.id]}])", d.id)
        seen.setdefault(d.id, i)
        if d.start <= s.base_year:
            c.add(f"demand[{i}].start", f"must be after the base year {s.base_year} (the base "
                  "year's demand is in the data)", d.start)
        if d.end > s.horizon:
            c.add(f"demand[{i}].end", f"is beyond the horizon {s.horizon}", d.end,
                  "raise [scenario].horizon or end the demand shift earlier")


def _check_cycles(c: Problems, measures: Sequence[Measure]) -> None:
    graph = {m.id: set(m.overrides) for m in measures}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                c.add("tariff", "circular overrides", " -> ".join(cycle),
                      "a measure cannot, through others, override itself")
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [node])


def parse_scenario(
    doc: Mapping[str, Any], file: str = "", includes: Sequence[Scenario] = ()
) -> Scenario:
    """Validate a scenario document and return a frozen :class:`Scenario`.

    Parameters
    ----------
    doc : mapping
        The parsed TOML document (``[scenario]``, ``[[tariff]]``, ``[[commitment]]``,
        ``[elasticities]``); rates in percent, money in USD.
    file : str
        Where the document came from, for messages.
    includes : sequence of Scenario
        Already parsed scenarios whose measures and commitments are added before this one's.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file, key path, value, rule and a hint.

    Examples
    --------
    >>> s = parse_scenario({"scenario": {"name": "demo", "horizon": 2026},
    ...     "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                 "products": "all", "rate": 20}]})
    >>> s.measures[0].rate
    0.2
    """
    c = Problems(file)
    if not isinstance(doc, Mapping):
        raise ScenarioError(Problem("", "a scenario document must be a table", type(doc).__name__),
                            file)
    if too_deep(doc):
        raise ScenarioError(Problem("", f"the document nests more than {MAX_DEPTH} deep",
                                    hint="scenario documents need 3 levels at most"), file)
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            c.add(str(key), "unknown top-level table", hint=closest(str(key), TOP_LEVEL_KEYS))
    head = _parse_header(c, doc)
    measures: list[Measure] = []
    commitments: list[Commitment] = []
    demand: list[DemandShift] = []
    readers: tuple[tuple[str, Any, list[Any]], ...] = (
        ("tariff", _parse_measure, measures), ("commitment", _parse_commitment, commitments),
        ("demand", _parse_demand, demand))
    for name, parse, sink in readers:
        items = doc.get(name, [])
        if not isinstance(items, list):
            c.add(name, f"must be an array of tables: write [[{name}]]", type(items).__name__)
            continue
        for i, table in enumerate(items):
            if _too_many(c):
                break
            item = parse(c, i, table)
            if item is not None:
                sink.append(item)
    elasticities = _parse_elasticities(c, doc["elasticities"]) if "elasticities" in doc else ()
    transshipment = None
    if "transshipment" in doc:
        t = _read_table(c, "transshipment", doc["transshipment"], TRANSSHIPMENT_FIELDS)
        if t is not None and t["via"] in (t["sources"] or ()):
            c.add("transshipment.via", "cannot also be a source", t["via"])
        elif t is not None:
            transshipment = Transshipment(**t)
    if head is None or c.items:
        raise ScenarioError(_capped(c.items, file), file)
    if head["horizon"] < head["base_year"] + 1:
        c.add("scenario.horizon", "must be after base_year", head["horizon"])
    inc_measures = tuple(m for s in includes for m in s.measures)
    inc_commitments = tuple(cm for s in includes for cm in s.commitments)
    scenario = Scenario(
        name=head["name"], title=head["title"], description=head["description"],
        base_year=head["base_year"], horizon=head["horizon"], basis=head["basis"],
        method=head["method"], sources=head["sources"],
        measures=inc_measures + tuple(measures),
        commitments=inc_commitments + tuple(commitments),
        demand=tuple(d for s in includes for d in s.demand) + tuple(demand),
        elasticities=_merge_elasticities(includes, elasticities or ()),
        transshipment=transshipment or next(
            (s.transshipment for s in reversed(includes) if s.transshipment), None),
        file=file,
    )
    _cross_check(c, scenario, {m.id for m in measures})
    if c.items:
        raise ScenarioError(_capped(c.items, file), file)
    return scenario


def _capped(items: list[Problem], file: str) -> list[Problem]:
    """The first :data:`MAX_PROBLEMS` problems, and a last one saying the reading stopped."""
    if len(items) < MAX_PROBLEMS:
        return items
    return [*items[:MAX_PROBLEMS], Problem("", f"stopped after {MAX_PROBLEMS} problems; fix "
                                              "these and read the file again", file=file)]


def _merge_elasticities(includes: Sequence[Scenario], own: tuple) -> tuple:
    merged: dict[str, dict[str, float]] = {}
    for part in [s.elasticities for s in includes] + [own]:
        for param, pairs in part:
            merged.setdefault(param, {}).update(dict(pairs))
    return tuple((p, tuple(v.items())) for p, v in merged.items())



"""Key-path overrides of a scenario (``--set tariff.vn-recip-20.rate=46``), validated like a file.

A key path names one value of the scenario document, in file units (rates in percent, money in
USD):

==================================================  ===========================================
``scenario.<key>``                                  a header key: ``horizon``, ``basis``, ...
``tariff.<id>.<key>``                               ``rate``, ``share``, ``mode``, ``from``, ...
``commitment.<id>.<key>``                           ``additionality``; ``value_usd`` rescales the
                                                    schedule; ``start``/``end`` spread the total
                                                    evenly over the new years;
                                                    ``schedule.<year>`` one year's amount;
                                                    bought as items: ``units``/``value_usd``
                                                    rescale the deliveries,
                                                    ``deliveries.<year>`` one year's units
``demand.<id>.<key>``                               ``growth`` (percent a year), ``start``, ...
``elasticities.<param>[.<HS prefix or supplier>]``  e.g. ``elasticities.sigma.61`` (default all)
``transshipment.<key>``                             ``origin_switching``, ...
==================================================  ===========================================

Ids may contain dots; the longest id that matches wins. :func:`apply_overrides` sets every value
in the scenario's document (:meth:`~tradesim.scenario.parse.Scenario.to_dict`, includes already
merged) and re-parses it with :func:`~tradesim.scenario.parse.parse_scenario`, so a value is
checked exactly as in a file; every problem names the override's key path and, for a typo, the
closest id or key.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from tradesim.data import catalogues
from tradesim.errors import Problem, Problems, ScenarioError, closest
from tradesim.scenario.fields import ELASTICITY_PARAMS, SECTIONS
from tradesim.scenario.parse import Scenario, parse_scenario

__all__ = ["SECTION_NAMES", "apply_overrides", "parse_assignment"]

SECTION_NAMES = ("scenario", "tariff", "commitment", "demand", "elasticities", "transshipment")
_ITEMS = ("tariff", "commitment", "demand")
_NOT_SETTABLE = {"include": "includes are read from the file; write include in the file",
                 "id": "ids name the item; change the file to rename it"}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``"PATH=VALUE"``; the value is read as a TOML value (``46``, ``0.5``, ``true``,
    ``2025-08-07``, ``["VNM", "CHN"]``), else kept as text (``vn``).

    Raises
    ------
    ScenarioError
        Without ``=``, with an empty path or an empty value.

    Examples
    --------
    >>> parse_assignment("tariff.vn-recip-20.rate=46")
    ('tariff.vn-recip-20.rate', 46)
    >>> parse_assignment("scenario.basis = vn")
    ('scenario.basis', 'vn')
    """
    path, eq, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not eq or not path:
        raise ScenarioError(Problem("override", "must be KEY.PATH=VALUE", text,
                                    "e.g. --set tariff.vn-recip-20.rate=46"))
    if not raw:
        raise ScenarioError(Problem(f"override {path}", "has no value after '='", text))
    try:
        return path, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return path, raw


def _find_id(items: list[dict[str, Any]], rest: str) -> str | None:
    ids = [str(m.get("id")) for m in items]
    return next((i for i in sorted(ids, key=len, reverse=True)
                 if rest == i or rest.startswith(i + ".")), None)


def _set(p: Problems, doc: dict[str, Any], path: str, value: Any) -> str | None:
    """Set one override in ``doc`` (in place); return the document path it touched."""
    where = f"override {path}"
    section, _, rest = path.partition(".")
    if section not in SECTION_NAMES:
        p.add(where, "unknown section", section, closest(section, SECTION_NAMES, "sections"))
        return None
    if section == "elasticities":
        param, _, prefix = rest.partition(".")
        if param not in ELASTICITY_PARAMS:
            p.add(where, "unknown elasticity parameter", param,
                  closest(param, list(ELASTICITY_PARAMS), "parameters"))
            return None
        table = doc.setdefault("elasticities", {})
        current = table.get(param, {})
        table[param] = {**(current if isinstance(current, dict) else {"all": current}),
                        prefix or "all": value}
        return f"elasticities.{param}.{prefix or 'all'}"
    names = [f.name for f in SECTIONS[section]]
    if section in ("scenario", "transshipment"):
        if rest in _NOT_SETTABLE:
            p.add(where, "cannot be set", hint=_NOT_SETTABLE[rest])
            return None
        if rest not in names:
            p.add(where, f"unknown key of [{section}]", rest or None,
                  closest(rest, [n for n in names if n not in _NOT_SETTABLE]))
            return None
        doc.setdefault(section, {})[rest] = value
        return f"{section}.{rest}"
    items = doc.get(section, [])
    ident = _find_id(items, rest)
    if ident is None:
        guess = rest.rsplit(".", 1)[0] if "." in rest else rest
        ids = [str(m.get("id")) for m in items]
        p.add(where, f"no {section} with that id in the scenario", guess,
              closest(guess, ids, f"{section} ids") if ids else
              f"the scenario has no [[{section}]]")
        return None
    index = [str(m.get("id")) for m in items].index(ident)
    key, item = rest[len(ident) + 1:], items[index]
    at = f"{section}[{index}]"
    if section == "commitment" and "deliveries" in item and (
            key in ("units", "value_usd") or key.startswith(("schedule.", "deliveries."))):
        return _set_items(p, where, at, item, key, value)
    if section == "commitment" and key == "item" and "unit_usd" in item:
        old = str(item.get("item", ""))  # a price pinned from the old item's catalogue entry
        if old in catalogues.item_names() and item["unit_usd"] == catalogues.item(old).unit_usd:
            del item["unit_usd"]  # goes with it: the new item takes its own catalogue price
    if section == "commitment" and key.startswith("schedule."):
        year = key.removeprefix("schedule.")
        if not year.isdigit() or len(year) != 4:
            p.add(where, "schedule keys are years such as 2030", year)
            return None
        _as_schedule(item)
        item["schedule"] = {**item["schedule"], year: value}
        return f"{at}.schedule"
    if key in _NOT_SETTABLE:
        p.add(where, "cannot be set", hint=_NOT_SETTABLE[key])
        return None
    if key not in names:
        options = names + (["schedule.<year>"] if section == "commitment" else [])
        p.add(where, f"unknown key of {section} {ident!r}", key or None,
              closest(key, options))
        return None
    if section == "commitment" and key in ("value_usd", "start", "end"):
        return _set_spread(p, where, at, item, key, value)
    item[key] = value
    return f"{at}.{key}"


def _set_items(p: Problems, where: str, at: str, item: dict[str, Any], key: str,
               value: Any) -> str | None:
    """A commitment bought as catalogue items (its document holds ``deliveries`` in units and
    the ``unit_usd`` used): ``units`` and ``value_usd`` rescale the deliveries, keeping their
    pattern; ``deliveries.<year>`` sets one year's units, ``schedule.<year>`` its USD."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        p.add(where, "must be a finite number", value)
        return None
    price = float(item.get("unit_usd") or 0.0)
    if key.startswith(("schedule.", "deliveries.")):
        year = key.split(".", 1)[1]
        if not year.isdigit() or len(year) != 4:
            p.add(where, "keys are years such as 2030", year)
            return None
        units = value / price if key.startswith("schedule.") and price > 0 else value
        item["deliveries"] = {**item["deliveries"], year: units}
        return f"{at}.deliveries"
    total = sum(float(n) for n in item["deliveries"].values())
    target = value / price if key == "value_usd" and price > 0 else value
    if total <= 0:
        p.add(where, "the commitment delivers 0 units, so it cannot be rescaled", value,
              f"set {where.removeprefix('override ')} via deliveries.<year>")
        return None
    item["deliveries"] = {y: float(n) * target / total for y, n in item["deliveries"].items()}
    return f"{at}.deliveries"


def _as_schedule(item: dict[str, Any]) -> None:
    """Turn a ``value_usd``/``start``/``end`` commitment into its per-year schedule."""
    if "schedule" in item:
        return
    start, end, total = item.pop("start"), item.pop("end"), item.pop("value_usd")
    years = range(int(start), int(end) + 1)
    item["schedule"] = {str(y): total / len(years) for y in years}


def _set_spread(p: Problems, where: str, at: str, item: dict[str, Any], key: str,
                value: Any) -> str | None:
    """``value_usd`` rescales the schedule; ``start``/``end`` spread the total evenly."""
    if "schedule" in item:
        schedule = {int(y): float(v) for y, v in item.pop("schedule").items()}
        item.update(value_usd=sum(schedule.values()), start=min(schedule),
                    end=max(schedule))
        uniform = len(set(schedule.values())) == 1 and len(schedule) == item["end"] - \
            item["start"] + 1
        if key == "value_usd" and not uniform:  # keep the shape: scale every year
            total = item.pop("value_usd")
            del item["start"], item["end"]
            ok = isinstance(value, int | float) and not isinstance(value, bool) and \
                math.isfinite(value)
            if ok and total <= 0:
                p.add(where, "the commitment's schedule sums to 0, so it cannot be rescaled",
                      value, f"set {where.removeprefix('override ')} via schedule.<year>")
                return None
            scale = value / total if ok else value
            item["schedule"] = {str(y): (v * scale if ok else value)
                                for y, v in schedule.items()}
            return f"{at}.schedule"
    item[key] = value
    return f"{at}.{key}"


def apply_overrides(scenario: Scenario,
                    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Scenario:
    """The scenario with each key path set to its value (file units), validated like a file.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (includes merged).
    overrides : mapping or sequence of (path, value)
        E.g. ``{"tariff.vn-recip-20.rate": 46, "commitment.boeing.additionality": 0.5}``;
        applied in order.

    Returns
    -------
    Scenario
        A new scenario (same file, new digest); ``scenario`` itself is unchanged.

    Raises
    ------
    ScenarioError
        Every unknown path (with the closest id or key) and every value the scenario rules
        refuse, each named ``override <path>``.

    Examples
    --------
    >>> from tradesim.scenario.parse import parse_scenario
    >>> s = parse_scenario({"scenario": {"name": "d", "horizon": 2026},
    ...     "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                 "products": "all", "rate": 20}]})
    >>> apply_overrides(s, {"tariff.t.rate": 46, "scenario.horizon": 2028}).measures[0].rate
    0.46
    >>> try:
    ...     apply_overrides(s, {"tariff.tt.rate": 46})
    ... except ScenarioError as err:
    ...     print(err.problems[0].path, "|", err.problems[0].hint)
    override tariff.tt.rate | did you mean 't'? tariff ids: t
    """
    pairs = list(overrides.items() if isinstance(overrides, Mapping) else overrides)
    if not pairs:
        return scenario
    doc = copy.deepcopy(scenario.to_dict())
    p = Problems(scenario.file)
    touched: dict[str, str] = {}
    for path, value in pairs:
        at = _set(p, doc, str(path), value)
        if at is not None:
            touched[at] = str(path)
    p.raise_if_any()
    try:
        return parse_scenario(doc, file=scenario.file)
    except ScenarioError as err:
        named = ", ".join(f"{k}={v!r}" for k, v in pairs)
        problems = []
        for q in err.problems:
            key = next((k for at, k in touched.items()
                        if q.path == at or q.path.startswith((at + ".", at + "["))), None)
            problems.append(Problem(f"override {key}", q.message, q.value, q.hint, q.file)
                            if key else
                            Problem(q.path, q.message, q.value,
                                    "; ".join(x for x in (q.hint, f"after the overrides {named}")
                                              if x), q.file))
        raise ScenarioError(problems, err.file) from None

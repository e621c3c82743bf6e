"""Sweep files -> frozen, validated :class:`Sweep` specifications (no arrays, no files).

A sweep names a base scenario, a grid over numeric key paths (``tariff.<id>.rate``,
``commitment.<id>.additionality``, ``elasticities.<param>.<HS prefix>`` …), a Monte Carlo
block and the outputs wanted. :func:`parse_sweep` checks it all, collecting every problem with
its key path, and validates every grid point exactly like a scenario: each point equals
``parse_scenario`` of the modified base document (a point that changes only values inside
tariff or commitment tables is built by re-reading those tables alone).
:mod:`tradesim.analysis.sweep` evaluates it; :mod:`tradesim.io` reads the TOML.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from tradesim.errors import Problem, Problems, ScenarioError, closest
from tradesim.scenario.fields import ELASTICITY_PARAMS
from tradesim.scenario.parse import Scenario, normalize_hs, parse_scenario, read_item
from tradesim.scenario.target import (
    Change,
    Quantity,
    TargetError,
    constant,
    parse_target,
    quantities_in,
)

__all__ = [
    "DRAW_BLOCK",
    "MAX_GRID_POINTS",
    "MAX_POINTS",
    "Distribution",
    "GridAxis",
    "MonteCarlo",
    "Outputs",
    "PARAMS",
    "Statement",
    "Sweep",
    "VARIABLES",
    "axis_names",
    "parse_statement",
    "parse_sweep",
]

#: Draws per random stream: draw ``d`` uses stream ``d // DRAW_BLOCK`` whatever the chunking.
DRAW_BLOCK = 128
#: Most points (grid points × draws) in one sweep.
MAX_POINTS = 10_000_000
#: Most grid points in one sweep: each is a validated scenario (a few µs to 4 ms each,
#: depending on what the grid changes), so a bigger grid is refused before any is built.
MAX_GRID_POINTS = 10_000
#: Grid point problems listed in full; the rest are counted.
_MAX_POINT_PROBLEMS = 20
#: Names a grid axis cannot take (the result's other dimensions).
_RESERVED = ("scenario", "draw", "year", "importer", "exporter", "product", "quantile",
             "statement")
#: Yearly totals a sweep can keep for every point.
VARIABLES = ("balance", "exports", "imports")
#: Parameters a Monte Carlo block can draw, with their random-stream numbers.
PARAMS = {"sigma": 0, "eta": 1, "adjustment": 2, "nest_ratio": 3}
_RANGED = ("sigma", "eta")  # parameters with a low/high range in the embedded table
_SWEEPABLE = {
    "tariff": {"rate": "percent", "share": "fraction"},
    "commitment": {"value_usd": "USD", "additionality": "fraction", "units": "items"},
}
_SWEEP_KEYS = ("name", "title", "description", "base", "resolution", "chunk", "grid",
               "monte_carlo", "outputs")
_MC_KEYS = ("draws", "seed", "correlation", *PARAMS)
_OUT_KEYS = ("variables", "products", "quantiles", "probabilities")


# --------------------------------------------------------------------------- spec objects


@dataclass(frozen=True)
class Distribution:
    """How one parameter is drawn: ``lognormal`` or ``triangular``.

    ``low``/``high`` are absolute quartiles (lognormal) or bounds (triangular); ``None`` takes
    the per-product range of the embedded elasticity table. The median (lognormal) or mode
    (triangular) is the baseline value of each importer × product.
    """

    param: str
    kind: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class MonteCarlo:
    """``draws`` draws from ``seed``; ``correlation`` ∈ [0, 1] is the share of the (Gaussian)
    variance common to all importers × products within a draw."""

    draws: int
    seed: int
    distributions: tuple[Distribution, ...]
    correlation: float = 0.0


@dataclass(frozen=True)
class Statement:
    """A parsed probability statement, e.g. ``deficit(2028) vs baseline <= -10%``."""

    text: str
    variable: str  # balance | exports | imports | deficit (= −balance)
    year: int
    reference: str | None  # None (a level), "baseline", or a year as text
    op: str
    threshold: float  # USD, or a fraction when ``relative``
    relative: bool


@dataclass(frozen=True)
class Outputs:
    """What each chunk keeps: yearly totals, ``value`` summed over HS prefixes, summaries."""

    variables: tuple[str, ...] = VARIABLES
    products: tuple[str, ...] = ()
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)
    statements: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class GridAxis:
    """One grid key path, its values (file units), the unit, and ``name``: the dimension the
    axis becomes in results (``rate`` for ``tariff.vn-recip-20.rate``; see :func:`axis_names`).
    """

    path: str
    values: tuple[float, ...]
    unit: str
    name: str = ""


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: base scenario, grid points (validated scenarios) and draws."""

    name: str
    base: Scenario
    title: str = ""
    description: str = ""
    resolution: str = "mixed"
    chunk: int | None = None
    grid: tuple[GridAxis, ...] = ()
    monte_carlo: MonteCarlo | None = None
    outputs: Outputs = Outputs()
    points: tuple[Scenario, ...] = field(default=(), compare=False, repr=False)
    labels: tuple[str, ...] = ()
    file: str = field(default="", compare=False)

    @property
    def n_draws(self) -> int:
        """Monte Carlo draws (0: no ``draw`` dimension)."""
        return self.monte_carlo.draws if self.monte_carlo else 0

    @property
    def years(self) -> range:
        """Simulated years (shared by every point)."""
        return self.base.years

    def spec(self) -> dict[str, Any]:
        """Canonical JSON-able description (what a store records and resume checks)."""
        return {
            "name": self.name, "base": self.base.name, "base_digest": self.base.digest(),
            "resolution": self.resolution, "chunk": self.chunk,
            "grid": [asdict(a) for a in self.grid],
            "monte_carlo": asdict(self.monte_carlo) if self.monte_carlo else None,
            "outputs": asdict(self.outputs), "draw_block": DRAW_BLOCK,
        }

    def digest(self) -> str:
        """Short SHA-256 of :meth:`spec`."""
        text = json.dumps(self.spec(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- parsing


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{tariff: {x: {rate: [..]}}}`` and ``{"tariff.x.rate": [..]}`` -> ``[("tariff.x.rate",
    [..])]``."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        out += _flatten(value, path) if isinstance(value, dict) else [(path, value)]
    return out


def _resolve(p: Problems, path: str, base: Scenario,
             doc: Mapping[str, Any]) -> tuple[tuple[Any, ...], str] | None:
    """Key path -> (target, unit). Targets: ("tariff", index, field), ("commitment", index,
    field), ("schedule", index, year), ("elasticities", param, prefix)."""
    where = f"sweep.grid.{path}"
    section, _, rest = path.partition(".")
    if section == "scenario":
        if rest in ("horizon", "base_year"):
            p.add(where, "is not sweepable: every point of a sweep shares the years",
                  hint="run one sweep per horizon")
        else:
            p.add(where, "is not a numeric key that a sweep can vary",
                  hint="sweepable: tariff.<id>.rate|share, commitment.<id>.value_usd|"
                       "units|additionality|schedule.<year>, elasticities.<param>[.<HS "
                       "prefix>]")
        return None
    if section == "elasticities":
        param, _, prefix = rest.partition(".")
        if param not in ELASTICITY_PARAMS:
            p.add(where, "unknown elasticity parameter",
                  hint=closest(param, list(ELASTICITY_PARAMS), "valid parameters"))
            return None
        unit = "fraction" if param in ("adjustment", "growth") else "1"
        return ("elasticities", param, prefix or "all"), unit
    if section not in _SWEEPABLE:
        p.add(where, "unknown key path",
              hint=closest(section, ["tariff", "commitment", "elasticities"], "sections"))
        return None
    items = doc.get(section, [])
    ids = [str(m["id"]) for m in items]
    ident = next((i for i in sorted(ids, key=len, reverse=True)
                  if rest == i or rest.startswith(i + ".")), None)
    if ident is None:
        guess = rest.rsplit(".", 1)[0] if "." in rest else rest
        p.add(where, f"no {section} with that id in the base scenario", guess,
              closest(guess, ids, f"{section} ids") if ids else
              f"the base scenario has no [[{section}]]")
        return None
    index, fld = ids.index(ident), rest[len(ident) + 1:]
    if section == "commitment" and fld.startswith("schedule."):
        year = fld.removeprefix("schedule.")
        if not re.fullmatch(r"\d{4}", year):
            p.add(where, "schedule keys are years such as 2030", year)
            return None
        return ("schedule", index, year), "USD"
    fields = _SWEEPABLE[section]
    if fld == "units" and "item" not in items[index]:
        p.add(where, f"commitment {ident!r} is not bought as catalogue items", fld,
              "units applies to a commitment with item = ...; vary value_usd instead")
        return None
    if fld not in fields:
        options = list(fields) + (["schedule.<year>"] if section == "commitment" else [])
        p.add(where, f"not a sweepable field of {section} {ident!r}", fld or None,
              closest(fld, options, "sweepable fields"))
        return None
    return (section, index, fld), fields[fld]


def _apply(doc: dict[str, Any], target: tuple[Any, ...], value: float) -> dict[str, Any]:
    """A copy of ``doc`` with one grid value set (only the touched branches are copied)."""
    kind = target[0]
    out = dict(doc)
    if kind in ("tariff", "commitment", "schedule"):
        section = "tariff" if kind == "tariff" else "commitment"
        items = list(out[section])
        item = dict(items[target[1]])
        price = float(item.get("unit_usd") or 1.0)  # bought as catalogue items: USD -> units
        key = "deliveries" if "deliveries" in item else "schedule"
        if kind == "schedule":
            item[key] = {**item[key], target[2]: value / price}
        elif target[2] in ("value_usd", "units"):  # rescale, keeping the yearly pattern
            total = sum(item[key].values()) * (price if target[2] == "value_usd" else 1.0)
            scale = value / total if total > 0 else math.nan
            item[key] = {y: v * scale for y, v in item[key].items()}
        else:
            item[target[2]] = value
        items[target[1]] = item
        out[section] = items
    else:
        _, param, prefix = target
        el = dict(out.get("elasticities", {}))
        el[param] = {**el.get(param, {}), prefix: value}
        out["elasticities"] = el
    return out


def _label(paths: Sequence[str], values: Sequence[float]) -> str:
    short = [re.sub(r"^(tariff|commitment)\.", "", p) for p in paths]
    names = short if len(set(short)) == len(short) else list(paths)
    return " ".join(f"{n}={v:g}" for n, v in zip(names, values, strict=True))


def axis_names(paths: Sequence[str]) -> tuple[str, ...]:
    """Dimension names of grid axes: the last part of each key path when it is a word and no
    other axis (or result dimension) has it, else the path without its section.

    Examples
    --------
    >>> axis_names(["tariff.vn-recip-20.rate", "tariff.vn-transship-40.share"])
    ('rate', 'share')
    >>> axis_names(["tariff.a.rate", "tariff.b.rate", "elasticities.sigma.61"])
    ('a.rate', 'b.rate', 'sigma.61')
    """
    last = [p.rsplit(".", 1)[-1] for p in paths]
    rest = [p.split(".", 1)[-1] for p in paths]
    names = []
    for k in range(len(paths)):
        word = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", last[k]) is not None
        names.append(last[k] if word and last.count(last[k]) == 1 else rest[k])
    return tuple(n if names.count(n) == 1 and n not in _RESERVED else p
                 for n, p in zip(names, paths, strict=True))


def _grid(p: Problems, raw: object, base: Scenario) -> tuple[GridAxis, ...]:
    if not isinstance(raw, dict):
        p.add("sweep.grid", "must be a table of key path = [values]", raw)
        return ()
    doc = base.to_dict()
    axes, seen = [], set()
    for path, values in _flatten(raw):
        where = f"sweep.grid.{path}"
        if path in seen:
            p.add(where, "is listed twice")
            continue
        seen.add(path)
        resolved = _resolve(p, path, base, doc)
        if not isinstance(values, list) or not values:
            p.add(where, "must be a non-empty list of numbers", values)
            continue
        if len(values) > MAX_GRID_POINTS:
            p.add(where, f"{len(values):,} values exceed the limit of {MAX_GRID_POINTS:,} grid "
                  "points", hint="split the sweep, or draw the values by Monte Carlo")
            continue
        bad = [v for v in values if not _number(v)]
        if bad:
            p.add(where, "values must be finite numbers", bad[0])
            continue
        if len(set(values)) != len(values):
            p.add(where, "lists a value twice", values)
            continue
        if resolved is not None:
            axes.append(GridAxis(path, tuple(float(v) for v in values), resolved[1]))
    names = axis_names([a.path for a in axes])
    return tuple(GridAxis(a.path, a.values, a.unit, n) for a, n in zip(axes, names,
                                                                      strict=True))


def _points(p: Problems, base: Scenario, axes: Sequence[GridAxis], fast: bool = True) -> tuple[
        tuple[Scenario, ...], tuple[str, ...]]:
    """Every grid point as a validated Scenario (problems collected once per kind).

    A point that only changes values of existing tariffs and commitments is built from the
    parsed base by re-reading just the tables it changes (:class:`_Variants`): the same readers
    and rules as the whole document, so it equals ``parse_scenario`` of the modified document.
    Points whose keys change the structure (elasticities, a new schedule year) and points that
    break a rule are read whole, so their messages are those of the full parse. ``fast=False``
    reads every point whole (the reference the tests compare with).
    """
    if not axes:
        return (base,), (base.name,)
    doc = base.to_dict()
    targets = [_resolve(Problems(), a.path, base, doc) for a in axes]
    assert all(t is not None for t in targets)
    resolved = [t[0] for t in targets if t is not None]
    variants = _Variants.of(doc, resolved, base.file) if fast else None
    points: list[Scenario] = []
    labels: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    broken = 0
    for combo in itertools.product(*(a.values for a in axes)):
        label = _label([a.path for a in axes], combo)
        built = variants.point(combo) if variants is not None else None
        if built is not None:
            points.append(built)
            labels.append(label)
            continue
        if variants is not None and broken >= _MAX_POINT_PROBLEMS:
            broken += 1  # known to be invalid: only counted from here on
            continue
        point = doc
        for target, value in zip(resolved, combo, strict=True):
            point = _apply(point, target, value)
        try:
            points.append(parse_scenario(point, file=base.file))
            labels.append(label)
        except ScenarioError as err:
            broken += 1
            if broken > _MAX_POINT_PROBLEMS:
                continue
            for q in err.problems:
                key = (q.path, q.message, repr(q.value))
                if key not in seen:
                    seen.add(key)
                    p.add(f"sweep.grid[{label}]", f"makes {q.path} invalid: {q.message}",
                          q.value, q.hint)
    if broken > _MAX_POINT_PROBLEMS:
        p.add("sweep.grid", f"and {broken - _MAX_POINT_PROBLEMS:,} more invalid grid point(s) "
              f"({broken:,} in all)")
    return tuple(points), tuple(labels)


class _Variants:
    """Grid points that change only values inside existing ``[[tariff]]``/``[[commitment]]``
    tables, built from the parsed base document by re-reading the changed tables alone.

    The checks of a whole document that look beyond one table (ids, overrides, dates against
    the horizon, delivery years) do not read those values, so a point is valid exactly when its
    changed tables are, and then equals ``parse_scenario`` of the whole modified document.
    Each changed table is read once per distinct combination of its own values.
    """

    def __init__(self, doc: dict[str, Any], ref: Scenario,
                 targets: Sequence[tuple[Any, ...]]) -> None:
        self.doc, self.ref, self.targets = doc, ref, list(targets)
        # (section, index) -> positions of the grid axes that change that table
        self.tables: dict[tuple[str, int], list[int]] = {}
        for k, t in enumerate(self.targets):
            section = "tariff" if t[0] == "tariff" else "commitment"
            self.tables.setdefault((section, t[1]), []).append(k)
        self._read: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def of(cls, doc: dict[str, Any], targets: Sequence[tuple[Any, ...]],
           file: str) -> _Variants | None:
        """The builder for these grid targets, or None when a target can change structure."""
        for t in targets:
            if t[0] == "elasticities":
                return None  # a new prefix adds an override, merged with the includes'
            if t[0] == "schedule":
                item = doc["commitment"][t[1]]
                key = "deliveries" if "deliveries" in item else "schedule"
                if t[2] not in item[key]:
                    return None  # a new delivery year: checked against the horizon
        try:
            ref = parse_scenario(doc, file=file)
        except ScenarioError:
            return None
        return cls(doc, ref, targets)

    def _table(self, section: str, index: int, values: tuple[float, ...]) -> Any:
        """The table ``section[index]`` read with its grid values (None when invalid)."""
        key = (section, index, values)
        if key not in self._read:
            point = self.doc
            for k, value in zip(self.tables[(section, index)], values, strict=True):
                point = _apply(point, self.targets[k], value)
            self._read[key] = read_item(section, index, point[section][index])
        return self._read[key]

    def point(self, combo: Sequence[float]) -> Scenario | None:
        """The scenario of one grid point, or None when a changed table breaks a rule."""
        measures, commitments = list(self.ref.measures), list(self.ref.commitments)
        for (section, index), axes in self.tables.items():
            item = self._table(section, index, tuple(combo[k] for k in axes))
            if item is None:
                return None
            (measures if section == "tariff" else commitments)[index] = item
        return replace(self.ref, measures=tuple(measures), commitments=tuple(commitments))


def _distribution(p: Problems, param: str, raw: object) -> Distribution | None:
    where = f"sweep.monte_carlo.{param}"
    kinds = ("lognormal", "triangular")
    if isinstance(raw, str):
        if raw not in kinds:
            p.add(where, "unknown distribution", raw, closest(raw, kinds, "accepted"))
            return None
        if param not in _RANGED:
            p.add(where, "the embedded table has no low/high range for this parameter", raw,
                  f'give one: {param} = {{ distribution = "{raw}", low = 0.2, high = 0.6 }}')
            return None
        return Distribution(param, raw)
    if not isinstance(raw, dict):
        p.add(where, 'must be "lognormal", "triangular" or a table with distribution, low, '
              "high", raw)
        return None
    extra = set(raw) - {"distribution", "low", "high"}
    for key in sorted(extra):
        p.add(f"{where}.{key}", "unknown key",
              hint=closest(key, ["distribution", "low", "high"]))
    kind, low, high = raw.get("distribution"), raw.get("low"), raw.get("high")
    if kind not in kinds:
        p.add(f"{where}.distribution", "must be lognormal or triangular", kind)
        return None
    _, lo_b, hi_b = ELASTICITY_PARAMS[param]
    if not (_number(low) and _number(high)):
        p.add(where, "low and high must both be numbers", raw)
        return None
    assert isinstance(low, int | float)
    assert isinstance(high, int | float)
    if not lo_b <= low <= high <= hi_b or (kind == "lognormal" and low <= 0):
        p.add(where, f"need {lo_b:g} <= low <= high <= {hi_b:g}"
              + (" and low > 0" if kind == "lognormal" else ""), [low, high])
        return None
    return None if extra else Distribution(param, kind, float(low), float(high))


def _monte_carlo(p: Problems, raw: object) -> MonteCarlo | None:
    where = "sweep.monte_carlo"
    if not isinstance(raw, dict):
        p.add(where, "must be a table", raw)
        return None
    for key in raw:
        if key not in _MC_KEYS:
            p.add(f"{where}.{key}", "unknown key", hint=closest(key, _MC_KEYS))
    draws, seed, rho = raw.get("draws"), raw.get("seed"), raw.get("correlation", 0.0)
    ok = True
    if not isinstance(draws, int) or isinstance(draws, bool) or not 1 <= draws <= MAX_POINTS:
        p.add(f"{where}.draws", f"must be an integer in 1 … {MAX_POINTS:,}", draws)
        ok = False
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        p.add(f"{where}.seed", "must be an integer >= 0 (required: draws are reproducible)",
              seed)
        ok = False
    if not _number(rho) or not 0 <= rho <= 1:
        p.add(f"{where}.correlation", "must be a number in [0, 1]", rho)
        ok = False
    dists = [_distribution(p, k, raw[k]) for k in PARAMS if k in raw]
    if not dists:
        p.add(where, "names no parameter to draw",
              hint='add e.g. sigma = "lognormal" (sigma, eta, adjustment)')
    if not ok or not dists or None in dists:
        return None
    assert isinstance(draws, int)
    assert isinstance(seed, int)
    assert isinstance(rho, int | float)
    return MonteCarlo(draws, seed, tuple(d for d in dists if d is not None), float(rho))


_STATEMENT_VARS = (*VARIABLES, "deficit")
_STATEMENT_SYNTAX = ("syntax: VAR(YEAR) [vs baseline|YEAR] OP NUMBER [%|bn|m], e.g. "
                     "'deficit(2028) vs baseline <= -10%' (the target grammar of "
                     "docs/targets.md, one quantity against a number; OP one of >= <= > <)")
_MIRROR = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "=="}


def parse_statement(text: str, years: range) -> Statement:
    """Parse ``VAR(YEAR) [vs baseline|YEAR] OP NUMBER [%|bn|m]`` with the target grammar
    (:func:`tradesim.scenario.target.parse_target`; never evaluated as code).

    ``VAR`` is balance, exports, imports or deficit (= −balance, USD). Without ``vs`` the
    number is a level in USD (``bn``: billions); with ``vs`` it is a change against the
    baseline projection or another year of the same draw, in USD, or relative with ``%``
    (``(x − ref) / |ref|``). The number may be written first (``0 < balance(2030)``).

    Raises
    ------
    ValueError
        With what is wrong and the syntax (a :class:`~tradesim.scenario.target.TargetError`
        for what the target grammar refuses).

    Examples
    --------
    >>> s = parse_statement("deficit(2028) vs baseline <= -10%", range(2024, 2031))
    >>> (s.variable, s.year, s.reference, s.op, s.threshold, s.relative)
    ('deficit', 2028, 'baseline', '<=', -0.1, True)
    """
    try:
        t = parse_target(text)
    except TargetError as err:
        if err.position is None:  # not a token: percentages, limits, numbers, constants
            raise ValueError(err.reason) from None
        raise ValueError(f"cannot read this statement; {_STATEMENT_SYNTAX} (at position "
                         f"{err.position}: {err.reason})") from None
    left, op, right = t.left, t.op, t.right
    if not quantities_in(left) and quantities_in(right):
        left, right, op = right, left, _MIRROR[op]
    q = left.quantity if isinstance(left, Change) else left
    if not isinstance(q, Quantity) or q.baseline or q.kind == "value" or quantities_in(right):
        raise ValueError(f"a statement compares one quantity with a number; "
                         f"{_STATEMENT_SYNTAX}")
    if op == "==":
        raise ValueError("a statement needs <, <=, > or >= (a probability of exact equality "
                         "is 0)")
    if q.kind not in _STATEMENT_VARS:
        raise ValueError(f"unknown variable {q.kind!r}; use {', '.join(_STATEMENT_VARS)}")
    if q.year is None:
        raise ValueError(f"{q.kind} needs a year in a statement: write {q.kind}(2028)")
    ref = left.reference if isinstance(left, Change) else None
    for y in (q.year, ref.year if ref is not None and ref.year is not None else q.year):
        if y not in years:
            raise ValueError(f"year {y} is outside {years[0]}–{years[-1]}")
    reference = None if ref is None else ("baseline" if ref.baseline else str(ref.year))
    relative = isinstance(left, Change) and left.relative
    return Statement(t.text, q.kind, q.year, reference, op, constant(right, t.text), relative)


def _outputs(p: Problems, raw: object, years: range) -> Outputs:
    where = "sweep.outputs"
    if not isinstance(raw, dict):
        p.add(where, "must be a table", raw)
        return Outputs()
    for key in raw:
        if key not in _OUT_KEYS:
            p.add(f"{where}.{key}", "unknown key", hint=closest(key, _OUT_KEYS))
    strings = lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v)  # noqa: E731
    variables = raw.get("variables", list(VARIABLES))
    if not strings(variables) or not set(variables) <= set(VARIABLES) or not variables:
        p.add(f"{where}.variables", f"must be a non-empty list drawn from {list(VARIABLES)}",
              variables)
        variables = list(VARIABLES)
    products = raw.get("products", [])
    codes = [normalize_hs(c) for c in products] if strings(products) else []
    if not strings(products) or any(not re.fullmatch(r"\d{2}(\d{2}){0,4}", c) for c in codes):
        p.add(f"{where}.products", "must be a list of HS prefixes such as \"61\" or \"8517\"",
              products)
        codes = []
    quantiles = raw.get("quantiles", [0.05, 0.5, 0.95])
    if (not isinstance(quantiles, list) or not quantiles
            or not all(_number(q) and 0 < q < 1 for q in quantiles)):
        p.add(f"{where}.quantiles", "must be a non-empty list of numbers in (0, 1)", quantiles)
        quantiles = [0.05, 0.5, 0.95]
    statements = []
    texts = raw.get("probabilities", [])
    if not strings(texts):
        p.add(f"{where}.probabilities", "must be a list of strings", texts)
        texts = []
    for i, text in enumerate(texts):
        try:
            statements.append(parse_statement(text, years))
        except ValueError as err:
            p.add(f"{where}.probabilities[{i}]", str(err), text)
    need = {"balance" if s.variable == "deficit" else s.variable for s in statements}
    variables = [v for v in VARIABLES if v in set(variables) | need]
    return Outputs(tuple(variables), tuple(dict.fromkeys(codes)),
                   tuple(sorted(set(float(q) for q in quantiles))), tuple(statements))


def parse_sweep(doc: Mapping[str, Any], base: Scenario, file: str = "") -> Sweep:
    """Validate a sweep document against its (already read) base scenario.

    Parameters
    ----------
    doc : mapping
        The parsed TOML: a ``[sweep]`` table with ``name``, optional ``title``,
        ``description``, ``resolution`` ("mixed" or "hs6"), ``chunk`` (points per chunk), and
        the sub-tables ``grid`` (key path -> list of values, in file units), ``monte_carlo``
        and ``outputs``. ``base`` (the scenario path) is resolved by the caller.
    base : Scenario
        The validated base scenario.
    file : str
        Where the document came from, for messages.

    Returns
    -------
    Sweep
        With ``points``: one validated Scenario per grid point, in C order of the grid keys.

    Raises
    ------
    ScenarioError
        Every problem at once, each with its key path: unknown keys or key paths (with the
        closest valid one), non-numeric values, and every way a grid point breaks a scenario
        rule.

    Examples
    --------
    >>> base = parse_scenario({"scenario": {"name": "b", "horizon": 2026},
    ...     "tariff": [{"id": "recip", "importer": "USA", "exporters": ["VNM"],
    ...                 "products": "all", "rate": 20}]})
    >>> s = parse_sweep({"sweep": {"name": "g", "grid": {"tariff.recip.rate": [0, 10, 46]}}},
    ...                 base)
    >>> s.labels, s.points[2].measures[0].rate
    (('recip.rate=0', 'recip.rate=10', 'recip.rate=46'), 0.46)
    """
    p = Problems(file)
    head = doc.get("sweep")
    if not isinstance(head, dict):
        raise ScenarioError(Problem("sweep", "the [sweep] table is missing",
                                    hint='start the file with [sweep], name and base'), file)
    for key in doc:
        if key != "sweep":
            p.add(key, "unknown top-level table", hint="a sweep file holds only [sweep.*]")
    for key in head:
        if key not in _SWEEP_KEYS:
            p.add(f"sweep.{key}", "unknown key", hint=closest(key, _SWEEP_KEYS))
    name = head.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        p.add("sweep.name", "required: lowercase letters, digits and dashes", name)
    texts = {k: head.get(k, "") for k in ("title", "description")}
    for k, v in texts.items():
        if not isinstance(v, str):
            p.add(f"sweep.{k}", "must be a string", v)
    resolution = head.get("resolution", "mixed")
    if resolution not in ("mixed", "hs6"):
        p.add("sweep.resolution", "must be mixed or hs6", resolution)
    chunk = head.get("chunk")
    if chunk is not None and (not isinstance(chunk, int) or isinstance(chunk, bool)
                              or chunk < 1):
        p.add("sweep.chunk", "must be an integer >= 1 (points per chunk)", chunk)
    axes = _grid(p, head.get("grid", {}), base)
    mc = _monte_carlo(p, head["monte_carlo"]) if "monte_carlo" in head else None
    outputs = _outputs(p, head.get("outputs", {}), base.years)
    n_grid = math.prod(len(a.values) for a in axes)
    size = n_grid * max(mc.draws if mc else 1, 1)
    if n_grid > MAX_GRID_POINTS:
        p.add("sweep.grid", f"{n_grid:,} grid points exceed the limit of {MAX_GRID_POINTS:,} "
              "(each is a validated scenario)",
              hint="split the sweep, or draw the values by Monte Carlo")
    elif size > MAX_POINTS:
        p.add("sweep", f"{size:,} points (grid points × draws) exceed the limit of "
              f"{MAX_POINTS:,}", hint="split the sweep")
    p.raise_if_any()
    points, labels = _points(p, base, axes)
    p.raise_if_any()
    assert isinstance(name, str)
    return Sweep(name=name, base=base, title=str(texts["title"]),
                 description=str(texts["description"]), resolution=str(resolution),
                 chunk=chunk, grid=axes, monte_carlo=mc, outputs=outputs, points=points,
                 labels=labels, file=file)

"""Targets on results: the one grammar of ``goal``, ``compare --target`` and sweep statements.

Parsed by recursive descent (limits on length, parts and nesting) and never evaluated as code::

    target   := side CMP side                      CMP: >=  <=  ==  >  <  (also ≥ ≤)
    side     := quantity "vs" ("baseline" | YEAR)  a change against the baseline or a year
              | expr
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := ("-" | "+") unary | primary
    primary  := NUMBER ["bn" | "m" | "%"] | "(" expr ")" | quantity | "baseline" ["(" quantity ")"]
    quantity := ("balance" | "exports" | "imports" | "deficit") ["(" YEAR ")"]
              | "value" "(" IMPORTER "," EXPORTER "," PRODUCT ["," YEAR] ")"

Quantities are in USD (``bn`` = 10⁹, ``m`` = 10⁶ after a number): ``balance`` = US exports to
Vietnam − US imports from Vietnam, ``deficit`` = −balance, ``value(USA, VNM, 61, 2028)`` =
customs value of one flow (``EXPORTER`` may be ``all``; ``PRODUCT`` is an HS prefix that covers
whole axis products, a quoted axis label such as ``"85*"``, or ``all``). ``baseline`` alone is
the baseline projection of the one quantity the target names; ``baseline(balance(2028))`` says
which. ``deficit(2028) vs baseline`` is the change against the baseline projection, ``exports(2030)
vs 2025`` the change against another year of the same run: in USD when compared with an amount,
relative (``(x − ref) / |ref|``) when compared with a percentage (``vs baseline <= -10%``); a
percentage anywhere else is an error. A quantity without a year takes the year given to
:meth:`Target.with_year`. A target must name at least one quantity of the run (``1 >= 0`` is
refused) and every number must be finite. :func:`evaluate` computes both sides on a result with
any leading dims (``scenario``, ``draw``) at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, YEAR
from tradesim.errors import TradesimError
from tradesim.scenario.parse import normalize_hs

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_TOKENS", "Change", "Quantity", "Target",
           "TargetError", "check", "constant", "evaluate", "parse_target",
           "quantities_in"]

VARIABLES = ("balance", "exports", "imports", "deficit")
SYNTAX = ("syntax: QUANTITY OP EXPRESSION, e.g. 'balance(2028) >= 0.8 * baseline' or "
          "'deficit(2028) vs baseline <= -10%'; quantities balance|exports|imports|deficit(YEAR) "
          "and value(IMPORTER, EXPORTER, PRODUCT, YEAR); numbers (with bn, m or %), baseline, "
          "vs baseline|YEAR, + - * / ( ); one of >= <= == > <")
COMPARISONS = (">=", "<=", "==", ">", "<")
#: Refused before parsing: characters, tokens, and levels of parentheses or signs.
MAX_LENGTH, MAX_TOKENS, MAX_DEPTH = 1000, 200, 24
_SCALE = {"bn": 1e9, "m": 1e6}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op>>=|<=|==|≥|≤|[-+*/(),<>%])
""", re.VERBOSE | re.ASCII)


class TargetError(TradesimError, ValueError):
    """A target expression cannot be read, or names something the run does not have.

    ``position`` is the 0-based character offset of the bad token (None if not one token);
    ``reason`` is the message without the position, caret and syntax.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        self.text, self.position, self.reason = text, position, message
        where = f" at position {position}" if position is not None else ""
        caret = f"\n    {text}\n    {' ' * position}^" if text and position is not None else ""
        super().__init__(f"target: {message}{where}{caret}\n  {SYNTAX}")


# --------------------------------------------------------------------------- the grammar


@dataclass(frozen=True)
class Quantity:
    """One result quantity: a bilateral total, or a ``value`` flow; USD."""

    kind: str  # balance | exports | imports | deficit | value
    year: int | None = None
    importer: str | None = None
    exporter: str | None = None  # code, or "all"
    product: str | None = None  # HS prefix, quoted axis label, or "all"
    baseline: bool = False
    position: int = 0

    def __str__(self) -> str:
        year = "" if self.year is None else str(self.year)
        if self.kind == "value":
            args = [str(self.importer), str(self.exporter), str(self.product)] + (
                [year] if year else [])
            text = f"value({', '.join(args)})"
        else:
            text = f"{self.kind}({year})" if year else self.kind
        return f"baseline({text})" if self.baseline else text

    def key(self) -> tuple[Any, ...]:
        """Identity of the quantity, ignoring where it was written."""
        return (self.kind, self.year, self.importer, self.exporter, self.product)


@dataclass(frozen=True)
class Change:
    """``quantity vs reference``: ``quantity − reference`` (USD), or over ``|reference|``
    when ``relative`` (compared with a percentage). ``reference`` is the same quantity on the
    baseline projection (``vs baseline``) or in another year (``vs 2025``)."""

    quantity: Quantity
    reference: Quantity
    relative: bool = False

    def __str__(self) -> str:
        ref = "baseline" if self.reference.baseline else str(self.reference.year)
        return f"{self.quantity} vs {ref}"


@dataclass(frozen=True)
class _Num:
    value: float
    text: str
    percent: bool = False
    amount: bool = False  # written with bn or m

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Ref:
    """A bare ``baseline``, resolved after parsing."""

    position: int

    def __str__(self) -> str:
        return "baseline"


@dataclass(frozen=True)
class _Neg:
    operand: Node

    def __str__(self) -> str:
        return f"-{self.operand}"


@dataclass(frozen=True)
class _Bin:
    op: str
    left: Node
    right: Node

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


Node = Quantity | Change | _Num | _Ref | _Neg | _Bin


@dataclass(frozen=True)
class Target:
    """A parsed target ``left OP right``; :func:`evaluate` gives ``left``, ``right``, margin."""

    text: str
    left: Node
    op: str
    right: Node

    def quantities(self) -> list[Quantity]:
        """Every quantity the target names (baseline and reference ones included), in order."""
        return _walk(self.left) + _walk(self.right)

    @property
    def relative(self) -> bool:
        """Whether the sides are relative changes (fractions) rather than USD."""
        return any(isinstance(n, Change) and n.relative for n in (self.left, self.right))

    @property
    def strict(self) -> bool:
        """Whether the comparison is strict (``>``, ``<``): a zero margin does not hold."""
        return self.op in (">", "<")

    def holds(self, margin: np.ndarray | float, atol: float = 0.0) -> np.ndarray:
        """Where the target holds, given :func:`evaluate`'s margin (``==``: within ``atol``)."""
        m = np.asarray(margin)
        if self.op == "==":
            return np.abs(m) <= atol
        return m > 0 if self.strict else m >= 0

    def with_year(self, year: int | None) -> Target:
        """The target with ``year`` filled into quantities written without one."""
        if year is None:
            missing = [q for q in self.quantities() if q.year is None]
            if missing:
                raise TargetError(f"{missing[0]} needs a year: write {missing[0].kind}(2028) "
                                  "or give by=YEAR (--by YEAR on the command line)", self.text,
                                  missing[0].position)
            return self
        fill = lambda n: _map(n, lambda q: q if q.year is not None else replace(  # noqa: E731
            q, year=int(year)))
        return replace(self, left=fill(self.left), right=fill(self.right))

    def __str__(self) -> str:
        return self.text


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Change):
        return (node.quantity, node.reference)
    if isinstance(node, _Neg):
        return (node.operand,)
    if isinstance(node, _Bin):
        return (node.left, node.right)
    return ()


def _walk(node: Node) -> list[Quantity]:
    if isinstance(node, Quantity):
        return [node]
    return [q for child in _children(node) for q in _walk(child)]


def quantities_in(node: Node) -> list[Quantity]:
    """Every quantity one side of a target names, left to right."""
    return _walk(node)


def _nodes(node: Node) -> list[Node]:
    return [node, *(n for child in _children(node) for n in _nodes(child))]


def _map(node: Node, f: Callable[[Quantity], Node]) -> Node:
    if isinstance(node, Quantity):
        return f(node)
    if isinstance(node, Change):
        q, r = f(node.quantity), f(node.reference)
        assert isinstance(q, Quantity)
        assert isinstance(r, Quantity)
        return replace(node, quantity=q, reference=r)
    if isinstance(node, _Neg):
        return _Neg(_map(node.operand, f))
    if isinstance(node, _Bin):
        return _Bin(node.op, _map(node.left, f), _map(node.right, f))
    return node


def _replace_refs(node: Node, f: Callable[[_Ref], Node]) -> Node:
    if isinstance(node, _Ref):
        return f(node)
    if isinstance(node, _Neg):
        return _Neg(_replace_refs(node.operand, f))
    if isinstance(node, _Bin):
        return _Bin(node.op, _replace_refs(node.left, f), _replace_refs(node.right, f))
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise TargetError(f"unexpected character {text[pos]!r}", text, pos)
            kind = m.lastgroup or ""
            if kind != "space":
                value = m.group().replace("≥", ">=").replace("≤", "<=")
                self.tokens.append((kind, value, pos))
                if len(self.tokens) > MAX_TOKENS:
                    raise TargetError(f"has too many parts (more than {MAX_TOKENS} numbers, "
                                      "names and operators); write a shorter target")
            pos = m.end()
        self.tokens.append(("end", "", len(text)))
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, value: str, kind: str = "op") -> bool:
        return self.peek()[1] == value and self.peek()[0] == kind

    def fail(self, expected: str, tok: tuple[str, str, int] | None = None) -> TargetError:
        kind, value, pos = tok or self.peek()
        got = "the end of the target" if kind == "end" else repr(value)
        return TargetError(f"expected {expected}, got {got}", self.text, pos)

    def expect(self, value: str, what: str = "") -> tuple[str, str, int]:
        tok = self.peek()
        if tok[1] != value or tok[0] in ("string", "end"):
            raise self.fail(what or repr(value))
        return self.take()

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TargetError(f"is nested too deeply (more than {MAX_DEPTH} levels of "
                              "parentheses or signs)", self.text, self.peek()[2])

    def target(self) -> Target:
        left = self.side()
        kind, op, pos = self.peek()
        if op not in COMPARISONS or kind != "op":
            raise self.fail("a comparison (>=, <=, ==, > or <)" if kind in ("end", "op", "name")
                            else "an operator")
        self.take()
        right = self.side()
        if self.peek()[0] != "end":
            raise self.fail("the end of the target (one comparison only)")
        return Target(self.text.strip(), left, op, right)

    def side(self) -> Node:
        node = self.expr()
        if not self.at("vs", "name"):
            return node
        _, _, pos = self.take()
        if not isinstance(node, Quantity) or node.baseline:
            raise TargetError("'vs' compares one quantity with its baseline or another year, "
                              "e.g. deficit(2028) vs baseline", self.text, pos)
        kind, value, ref_pos = self.peek()
        if kind == "name" and value == "baseline":
            self.take()
            return Change(node, replace(node, baseline=True, position=ref_pos))
        if kind == "number" and re.fullmatch(r"\d{4}", value):
            self.take()
            return Change(node, replace(node, year=int(value), position=ref_pos))
        raise self.fail("baseline or a year such as 2024 after 'vs'")

    def expr(self) -> Node:
        node = self.term()
        while self.at("+") or self.at("-"):
            op = self.take()[1]
            node = _Bin(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.at("*") or self.at("/"):
            op = self.take()[1]
            node = _Bin(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-") or self.at("+"):
            sign = self.take()[1]
            self.nest()
            inner = self.unary()
            self.depth -= 1
            return _Neg(inner) if sign == "-" else inner
        return self.primary()

    def number(self) -> _Num:
        _, value, pos = self.take()
        number, text, percent, amount = float(value), value, False, False
        if self.peek()[0] == "name" and self.peek()[1] in _SCALE:
            unit = self.take()[1]
            number, text, amount = number * _SCALE[unit], f"{value} {unit}", True
        elif self.at("%"):
            self.take()
            number, text, percent = number / 100.0, f"{value}%", True
        if not math.isfinite(number):
            raise TargetError(f"number {text} is too large (not finite); numbers must be "
                              "finite", self.text, None)
        return _Num(number, text, percent, amount)

    def primary(self) -> Node:
        kind, value, pos = self.peek()
        if kind == "number":
            return self.number()
        if kind == "op" and value == "(":
            self.take()
            self.nest()
            node = self.expr()
            self.depth -= 1
            self.expect(")", "')'")
            return node
        if kind == "name" and value == "baseline":
            self.take()
            if not self.at("("):
                return _Ref(pos)
            self.take()
            inner_kind, inner, inner_pos = self.peek()
            if inner_kind != "name" or inner not in (*VARIABLES, "value"):
                raise self.fail("a quantity inside baseline(...), e.g. baseline(balance(2028))")
            q = self.quantity()
            self.expect(")", "')' closing baseline(")
            return replace(q, baseline=True, position=inner_pos)
        if kind == "name" and value in (*VARIABLES, "value"):
            return self.quantity()
        if kind == "name":
            raise TargetError(f"unknown name {value!r}; quantities are "
                              f"{', '.join((*VARIABLES, 'value'))}, or baseline (numbers are "
                              "written as digits: 1e12, 150 bn)", self.text, pos)
        raise self.fail("a number, a quantity, baseline or '('")

    def year(self) -> int:
        kind, value, pos = self.peek()
        if kind != "number" or not re.fullmatch(r"\d{4}", value):
            raise self.fail("a year such as 2028")
        self.take()
        return int(value)

    def code(self, what: str) -> str:
        kind, value, pos = self.peek()
        if kind == "name" or (kind == "number" and re.fullmatch(r"\d+", value)):
            self.take()
            return value
        if kind == "string":
            self.take()
            return value[1:-1]
        raise self.fail(what)

    def quantity(self) -> Quantity:
        _, name, pos = self.take()
        if name == "value":
            self.expect("(", "'(' after value")
            importer = self.code("an importer code such as USA")
            self.expect(",", "','")
            exporter = self.code("an exporter code such as VNM, or all")
            self.expect(",", "','")
            product = self.code("an HS prefix such as 61, a quoted label such as \"85*\", or all")
            year = None
            if self.at(","):
                self.take()
                year = self.year()
            self.expect(")", "')' closing value(")
            return Quantity("value", year, importer, exporter, product, position=pos)
        year = None
        if self.at("("):
            self.take()
            year = self.year()
            self.expect(")", f"')' closing {name}(")
        return Quantity(name, year, position=pos)


def _resolve_baseline(target: Target, text: str) -> Target:
    """Replace each bare ``baseline`` by the baseline of the target's one live quantity."""
    refs = [n for side in (target.left, target.right) for n in _nodes(side)
            if isinstance(n, _Ref)]
    if not refs:
        return target
    live = {q.key(): q for q in target.quantities() if not q.baseline}
    if len(live) != 1:
        names = ", ".join(str(q) for q in live.values()) or "none"
        raise TargetError(f"'baseline' alone needs exactly one quantity in the target "
                          f"(found: {names}); write baseline(balance(2028)) to say which",
                          text, refs[0].position)
    (only,) = live.values()
    swap = lambda r: replace(only, baseline=True, position=r.position)  # noqa: E731
    return replace(target, left=_replace_refs(target.left, swap),
                   right=_replace_refs(target.right, swap))


def _check_percentages(target: Target, text: str) -> Target:
    """Percentages compare with a ``vs`` change, which then is relative."""
    sides = (target.left, target.right)
    numbers = [[n for n in _nodes(s) if isinstance(n, _Num)] for s in sides]
    percent = [[n for n in ns if n.percent] for ns in numbers]
    changes = [[n for n in _nodes(s) if isinstance(n, Change)] for s in sides]
    if not (percent[0] or percent[1]):
        return target
    for i in (0, 1):
        if not percent[i]:
            continue
        other = sides[1 - i]
        if not isinstance(other, Change):
            if changes[0] or changes[1]:
                raise TargetError("a percentage compares with a change alone: write "
                                  "QUANTITY vs baseline OP N% (or vs YEAR)", text, None)
            raise TargetError("a percentage needs a reference: add 'vs baseline' or "
                              "'vs 2024' after the quantity", text, None)
        if _walk(sides[i]) or any(n.amount for n in numbers[i]) or changes[i]:
            raise TargetError("a percentage threshold is made of numbers and percentages "
                              "only (no quantities or amounts in bn/m)", text, None)
    rel = lambda s: replace(s, relative=True) if isinstance(s, Change) else s  # noqa: E731
    return replace(target, left=rel(target.left), right=rel(target.right))


def parse_target(text: str) -> Target:
    """Parse a target such as ``"balance(2028) >= 0.8 * baseline"`` (never evaluated as code).

    Raises
    ------
    TargetError
        Naming the bad token, its position and the syntax; also for a target longer than
        :data:`MAX_LENGTH` characters or :data:`MAX_TOKENS` parts, nested deeper than
        :data:`MAX_DEPTH`, naming no quantity of the run, or with a number that is not finite.

    Examples
    --------
    >>> t = parse_target("balance(2028) >= 0.8 * baseline")
    >>> t.op, [str(q) for q in t.quantities()]
    ('>=', ['balance(2028)', 'baseline(balance(2028))'])
    >>> parse_target("deficit(2030) <= 150 bn").right
    _Num(value=150000000000.0, text='150 bn', percent=False, amount=True)
    >>> t = parse_target("deficit(2028) vs baseline <= -10%")
    >>> str(t.left), t.relative
    ('deficit(2028) vs baseline', True)
    """
    if not isinstance(text, str) or not text.strip():
        raise TargetError("is empty", "", None)
    if len(text) > MAX_LENGTH:
        raise TargetError(f"is too long ({len(text):,} characters; the limit is {MAX_LENGTH})")
    target = _resolve_baseline(_Parser(text).target(), text)
    if not any(not q.baseline for q in target.quantities()):
        raise TargetError("names no quantity of the run, so it is always true or always false; "
                          "compare a quantity such as balance(2030) with a number", text, None)
    return _check_percentages(target, text)


# --------------------------------------------------------------------------- evaluation


def _members(q: Quantity, products: Sequence[str], text: str) -> np.ndarray:
    """Boolean mask of the axis products a ``value`` quantity sums."""
    labels = np.array([str(p) for p in products])
    code = str(q.product)
    if code == "all":
        return np.ones(len(labels), bool)
    if code in labels:
        return labels == code
    prefix = normalize_hs(code)
    if not re.fullmatch(r"\d{2,10}", prefix):
        raise TargetError(f"product {code!r} is not an HS prefix or an axis label", text,
                          q.position)
    stems = np.array([lab.rstrip("*") for lab in labels])
    mask = np.char.startswith(stems, prefix)
    if not mask.any():
        inside = [str(lab) for lab, stem in zip(labels, stems, strict=True)
                  if prefix.startswith(stem)]
        hint = (f"it lies inside the axis product {inside[0]!r}: use \"{inside[0]}\" or a "
                "coarser prefix" if inside else "no product of the baseline starts with it")
        raise TargetError(f"product {code!r} is not on the product axis; {hint}", text,
                          q.position)
    return mask


def check(target: Target, result: xr.Dataset) -> None:
    """Raise :class:`TargetError` if the target names years or labels the result lacks."""
    years = [int(y) for y in result[YEAR].to_numpy()]
    for q in target.quantities():
        if q.year is None:
            raise TargetError(f"{q} needs a year", target.text, q.position)
        if q.year not in years:
            raise TargetError(f"year {q.year} is outside the scenario's {years[0]}–{years[-1]}",
                              target.text, q.position)
        if q.kind != "value":
            continue
        importers = [str(i) for i in result.indexes[IMPORTER]]
        exporters = [str(e) for e in result.indexes[EXPORTER]]
        if q.importer not in importers:
            raise TargetError(f"importer {q.importer!r} is not in the baseline ({importers})",
                              target.text, q.position)
        if q.exporter != "all" and q.exporter not in exporters:
            raise TargetError(f"exporter {q.exporter!r} is not in the baseline; use one of "
                              f"{', '.join(exporters)} or all", target.text, q.position)
        _members(q, list(result.indexes[PRODUCT]), target.text)


def _quantity(q: Quantity, result: xr.Dataset, text: str) -> np.ndarray:
    suffix = "_baseline" if q.baseline else ""
    if q.kind == "value":
        da = result["value" + suffix].sel({YEAR: q.year, IMPORTER: q.importer})
        if q.exporter != "all":
            da = da.sel({EXPORTER: q.exporter})
        mask = _members(q, list(result.indexes[PRODUCT]), text)
        da = da.isel({PRODUCT: np.flatnonzero(mask)})
        return np.asarray(da.sum([d for d in (EXPORTER, PRODUCT) if d in da.dims]).to_numpy())
    name = "balance" if q.kind == "deficit" else q.kind
    values = np.asarray(result[name + suffix].sel({YEAR: q.year}).to_numpy())
    return -values if q.kind == "deficit" else values


def _divide(a: np.ndarray, b: np.ndarray, what: object, text: str) -> np.ndarray:
    if np.any(b == 0):
        raise TargetError(f"division by zero in {what}", text, None)
    return a / b


def _eval(node: Node, result: xr.Dataset, text: str) -> np.ndarray:
    if isinstance(node, Quantity):
        return _quantity(node, result, text)
    if isinstance(node, Change):
        x, ref = _quantity(node.quantity, result, text), _quantity(node.reference, result, text)
        return _divide(x - ref, np.abs(ref), node, text) if node.relative else x - ref
    if isinstance(node, _Num):
        return np.asarray(node.value)
    if isinstance(node, _Neg):
        return -_eval(node.operand, result, text)
    if isinstance(node, _Bin):
        a, b = _eval(node.left, result, text), _eval(node.right, result, text)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return _divide(a, b, node, text)
    raise TargetError("'baseline' was not resolved", text, node.position)


def constant(node: Node, text: str = "") -> float:
    """The value of a side made of numbers only (USD, or a fraction for percentages).

    Raises
    ------
    TargetError
        If the side names a quantity, or divides by zero.
    """
    if _walk(node):
        raise TargetError(f"{node} is not a number", text, None)
    with np.errstate(all="ignore"):
        value = float(_eval(node, xr.Dataset(), text))
    if not math.isfinite(value):
        raise TargetError(f"{node} is not finite", text, None)
    return value


def evaluate(target: Target, result: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left side, right side and margin of a target on a result (USD; fractions for a
    relative change, ``vs baseline <= -10%``).

    The margin is ``left − right`` for ``>=``, ``>`` and ``==``, ``right − left`` for ``<=``
    and ``<``: the target holds where :meth:`Target.holds` says so (``>= 0``; ``> 0`` for the
    strict comparisons; 0 for ``==``). Arrays have the result's leading dims (``scenario``,
    ``draw``), or are 0-d for one run.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> from tradesim.scenario.parse import parse_scenario
    >>> from tradesim.model.trajectory import simulate
    >>> r = simulate(toy_baseline(), parse_scenario({"scenario": {"name": "d", "horizon": 2026}}))
    >>> left, right, margin = evaluate(parse_target("balance(2026) >= 0.8 * baseline"), r)
    >>> float(left) / 1e9, float(right) / 1e9, bool(margin < 0)
    (-57.0, -45.6, True)
    >>> left, right, margin = evaluate(parse_target("deficit(2026) vs baseline <= -10%"), r)
    >>> float(left), float(right), bool(margin < 0)
    (0.0, -0.1, True)
    """
    check(target, result)
    left = _eval(target.left, result, target.text)
    right = _eval(target.right, result, target.text)
    margin = right - left if target.op in ("<=", "<") else left - right
    left, right = np.broadcast_to(left, margin.shape), np.broadcast_to(right, margin.shape)
    return left, right, margin

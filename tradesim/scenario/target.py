"""Targets on results: a tiny grammar, parsed by recursive descent and never evaluated as code.

::

    target   := expr CMP expr                      CMP: >=  <=  ==  (also ≥ ≤)
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := ("-" | "+") unary | primary
    primary  := NUMBER ["bn" | "m"] | "(" expr ")" | quantity | "baseline" ["(" quantity ")"]
    quantity := ("balance" | "exports" | "imports" | "deficit") ["(" YEAR ")"]
              | "value" "(" IMPORTER "," EXPORTER "," PRODUCT ["," YEAR] ")"

Quantities are in USD (``bn`` = 10⁹, ``m`` = 10⁶ after a number): ``balance`` = US exports to
Vietnam − US imports from Vietnam, ``deficit`` = −balance, ``value(USA, VNM, 61, 2028)`` =
customs value of one flow (``EXPORTER`` may be ``all``; ``PRODUCT`` is an HS prefix that covers
whole axis products, a quoted axis label such as ``"85*"``, or ``all``). ``baseline`` alone is
the baseline projection of the one quantity the target names; ``baseline(balance(2028))`` says
which. A quantity without a year takes the year given to :meth:`Target.with_year`.
:func:`evaluate` computes both sides on a result with any leading dims (``scenario``,
``draw``) at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, YEAR
from tradesim.errors import TradesimError
from tradesim.scenario.parse import normalize_hs

__all__ = ["Quantity", "Target", "TargetError", "check", "evaluate", "parse_target"]

VARIABLES = ("balance", "exports", "imports", "deficit")
SYNTAX = ("syntax: QUANTITY OP EXPRESSION, e.g. 'balance(2028) >= 0.8 * baseline'; quantities "
          "balance|exports|imports|deficit(YEAR) and value(IMPORTER, EXPORTER, PRODUCT, YEAR); "
          "numbers (with bn or m), baseline, + - * / ( ); one of >= <= ==")
_COMPARISONS = (">=", "<=", "==")
_SCALE = {"bn": 1e9, "m": 1e6}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op>>=|<=|==|≥|≤|[-+*/(),])
""", re.VERBOSE)


class TargetError(TradesimError, ValueError):
    """A target expression cannot be read, or names something the run does not have.

    ``position`` is the 0-based character offset of the bad token (None if not one token).
    """

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        self.text, self.position = text, position
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
class _Num:
    value: float
    text: str

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


Node = Quantity | _Num | _Ref | _Neg | _Bin


@dataclass(frozen=True)
class Target:
    """A parsed target ``left OP right``; :func:`evaluate` gives ``left``, ``right``, margin."""

    text: str
    left: Node
    op: str
    right: Node

    def quantities(self) -> list[Quantity]:
        """Every quantity the target names (baseline ones included), left to right."""
        return _walk(self.left) + _walk(self.right)

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


def _walk(node: Node) -> list[Quantity]:
    if isinstance(node, Quantity):
        return [node]
    if isinstance(node, _Neg):
        return _walk(node.operand)
    if isinstance(node, _Bin):
        return _walk(node.left) + _walk(node.right)
    return []


def _map(node: Node, f: Callable[[Quantity], Node]) -> Node:
    if isinstance(node, Quantity):
        return f(node)
    if isinstance(node, _Neg):
        return _Neg(_map(node.operand, f))
    if isinstance(node, _Bin):
        return _Bin(node.op, _map(node.left, f), _map(node.right, f))
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
            pos = m.end()
        self.tokens.append(("end", "", len(text)))
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str, tok: tuple[str, str, int] | None = None) -> TargetError:
        kind, value, pos = tok or self.peek()
        got = "the end of the target" if kind == "end" else repr(value)
        return TargetError(f"expected {expected}, got {got}", self.text, pos)

    def expect(self, value: str, what: str = "") -> tuple[str, str, int]:
        tok = self.peek()
        if tok[1] != value or tok[0] in ("string", "end"):
            raise self.fail(what or repr(value))
        return self.take()

    def target(self) -> Target:
        left = self.expr()
        kind, op, pos = self.peek()
        if op not in _COMPARISONS or kind != "op":
            raise self.fail("a comparison (>=, <= or ==)" if kind in ("end", "op", "name")
                            else "an operator")
        self.take()
        right = self.expr()
        if self.peek()[0] != "end":
            raise self.fail("the end of the target (one comparison only)")
        return Target(self.text.strip(), left, op, right)

    def expr(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            node = _Bin(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            node = _Bin(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[1] in ("-", "+") and self.peek()[0] == "op":
            sign = self.take()[1]
            inner = self.unary()
            return _Neg(inner) if sign == "-" else inner
        return self.primary()

    def primary(self) -> Node:
        kind, value, pos = self.peek()
        if kind == "number":
            self.take()
            number, text = float(value), value
            if self.peek()[0] == "name" and self.peek()[1] in _SCALE:
                unit = self.take()[1]
                number, text = number * _SCALE[unit], f"{value} {unit}"
            return _Num(number, text)
        if kind == "op" and value == "(":
            self.take()
            node = self.expr()
            self.expect(")", "')'")
            return node
        if kind == "name" and value == "baseline":
            self.take()
            if self.peek()[1] != "(" or self.peek()[0] != "op":
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
                              f"{', '.join((*VARIABLES, 'value'))}, or baseline", self.text, pos)
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
            if self.peek()[1] == "," and self.peek()[0] == "op":
                self.take()
                year = self.year()
            self.expect(")", "')' closing value(")
            return Quantity("value", year, importer, exporter, product, position=pos)
        year = None
        if self.peek()[1] == "(" and self.peek()[0] == "op":
            self.take()
            year = self.year()
            self.expect(")", f"')' closing {name}(")
        return Quantity(name, year, position=pos)


def parse_target(text: str) -> Target:
    """Parse a target such as ``"balance(2028) >= 0.8 * baseline"`` (never evaluated as code).

    Raises
    ------
    TargetError
        Naming the bad token, its position and the syntax.

    Examples
    --------
    >>> t = parse_target("balance(2028) >= 0.8 * baseline")
    >>> t.op, [str(q) for q in t.quantities()]
    ('>=', ['balance(2028)', 'baseline(balance(2028))'])
    >>> parse_target("deficit(2030) <= 150 bn").right
    _Num(value=150000000000.0, text='150 bn')
    """
    if not isinstance(text, str) or not text.strip():
        raise TargetError("is empty", "", None)
    target = _Parser(text).target()
    live = {q.key(): q for q in target.quantities() if not q.baseline}
    refs: list[_Ref] = []

    def collect(n: Node) -> None:
        if isinstance(n, _Ref):
            refs.append(n)
        elif isinstance(n, _Neg):
            collect(n.operand)
        elif isinstance(n, _Bin):
            collect(n.left)
            collect(n.right)

    collect(target.left)
    collect(target.right)
    if refs and len(live) != 1:
        names = ", ".join(str(q) for q in live.values()) or "none"
        raise TargetError(f"'baseline' alone needs exactly one quantity in the target "
                          f"(found: {names}); write baseline(balance(2028)) to say which",
                          text, refs[0].position)
    if refs:
        (only,) = live.values()

        def resolve(n: Node) -> Node:
            if isinstance(n, _Ref):
                return replace(only, baseline=True, position=n.position)
            if isinstance(n, _Neg):
                return _Neg(resolve(n.operand))
            if isinstance(n, _Bin):
                return _Bin(n.op, resolve(n.left), resolve(n.right))
            return n

        target = replace(target, left=resolve(target.left), right=resolve(target.right))
    return target


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


def _eval(node: Node, result: xr.Dataset, text: str) -> np.ndarray:
    if isinstance(node, Quantity):
        return _quantity(node, result, text)
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
        if np.any(b == 0):
            raise TargetError(f"division by zero in {node}", text, None)
        return a / b
    raise TargetError("'baseline' was not resolved", text, node.position)


def evaluate(target: Target, result: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left side, right side and margin of a target on a result (USD).

    The margin is ``left − right`` for ``>=`` and ``==``, ``right − left`` for ``<=``: the
    target holds where it is ``>= 0`` (``==``: where it is 0). Arrays have the result's
    leading dims (``scenario``, ``draw``), or are 0-d for one run.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> from tradesim.scenario.parse import parse_scenario
    >>> from tradesim.model.trajectory import simulate
    >>> r = simulate(toy_baseline(), parse_scenario({"scenario": {"name": "d", "horizon": 2026}}))
    >>> left, right, margin = evaluate(parse_target("balance(2026) >= 0.8 * baseline"), r)
    >>> float(left) / 1e9, float(right) / 1e9, bool(margin < 0)
    (-57.0, -45.6, True)
    """
    check(target, result)
    left = _eval(target.left, result, target.text)
    right = _eval(target.right, result, target.text)
    margin = right - left if target.op == "<=" else left - right
    left, right = np.broadcast_to(left, margin.shape), np.broadcast_to(right, margin.shape)
    return left, right, margin

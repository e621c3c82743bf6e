"""Goal seeking: the value of one scenario key at which a target on the results is met.

:func:`solve_for` varies one key path of the scenario (``commitment.<id>.value_usd``,
``commitment.<id>.additionality``, ``commitment.<id>.schedule.<year>``, ``commitment.<id>.units``
(items, for a commitment bought as catalogue items), ``tariff.<id>.rate``,
``tariff.<id>.share``, ``elasticities.<param>[.<HS prefix>]``; values in file units) within
bounds until a target (:mod:`tradesim.scenario.target`, e.g. ``balance(2028) >= 0.8 * baseline``) is
met. Every variant is built by :func:`~tradesim.scenario.sweep_file.parse_sweep`, so it is
validated like a scenario file. A grid over the bounds is evaluated in one vectorised
:func:`tradesim.model.trajectory.run`; where the target changes sign between two grid points,
:func:`scipy.optimize.brentq` finds the crossing; where it never does, the answer says so with
the best achievable value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy import optimize

from tradesim.errors import Problem, ScenarioError
from tradesim.model import trajectory
from tradesim.scenario.fields import ELASTICITY_PARAMS
from tradesim.scenario.parse import Scenario, normalize_hs
from tradesim.scenario.sweep_file import parse_sweep
from tradesim.scenario.target import Node, Target, TargetError, evaluate, parse_target

#: Most points of the first scan (each is a scenario variant in one batched run; about 6 MB a
#: point at mixed resolution, so 201 points peak near 1.3 GB).
MAX_GRID = 201

__all__ = ["MAX_GRID", "GoalResult", "current_value", "default_bounds", "solve_for", "variants"]


# --------------------------------------------------------------------------- solving


def _unit(vary: str) -> str:
    section, _, rest = vary.partition(".")
    if section == "tariff":
        return "percent" if rest.endswith(".rate") else "fraction"
    if section == "commitment":
        if rest.endswith(".units"):
            return "items"
        return "fraction" if rest.endswith(".additionality") else "USD"
    if section == "elasticities":
        return "fraction" if rest.split(".")[0] in ("adjustment", "growth") else "1"
    return ""


def default_bounds(vary: str) -> tuple[float, float]:
    """Bounds used when none are given, in file units.

    ``tariff.*.rate``: 0–100 %; ``share``: 0.001–1; ``additionality``: 0–1; USD amounts:
    0–500 bn; elasticities: their schema bounds (ω up to 1000).
    """
    section, _, rest = vary.partition(".")
    field = rest.rsplit(".", 1)[-1]
    if section == "tariff":
        return (0.0, 100.0) if field == "rate" else (1e-3, 1.0)
    if section == "commitment":
        if field == "units":
            return (0.0, 1e4)
        return (0.0, 1.0) if field == "additionality" else (0.0, 5e11)
    if section == "elasticities":
        param = rest.split(".")[0]
        if param in ELASTICITY_PARAMS:
            _, low, high = ELASTICITY_PARAMS[param]
            return float(low), float(min(high, 1000.0))
    raise TargetError(f"no default bounds for {vary!r}: give bounds=(low, high)")


def variants(base: Scenario, vary: str, values: Sequence[float]) -> list[Scenario]:
    """The base scenario with ``vary`` set to each value (file units), each one validated.

    Raises
    ------
    ScenarioError
        If the key path does not exist (with the closest valid one) or a value breaks a
        scenario rule; problems are reported under ``vary``.
    """
    doc = {"sweep": {"name": "goal", "grid": {vary: [float(v) for v in values]}}}
    try:
        return list(parse_sweep(doc, base, file=base.file).points)
    except ScenarioError as err:
        problems = [Problem(p.path.replace("sweep.grid.", "vary ").replace("sweep.grid[",
                                                                             "vary["),
                            p.message, p.value, p.hint, p.file) for p in err.problems]
        raise ScenarioError(problems, err.file) from None


def current_value(scenario: Scenario, vary: str) -> float | None:
    """The value of ``vary`` in the scenario (file units), or None where it is not set there."""
    section, _, rest = vary.partition(".")
    items: Sequence[Any] = {"tariff": scenario.measures,
                            "commitment": scenario.commitments}.get(section, ())
    for item in sorted(items, key=lambda x: -len(x.id)):
        if not rest.startswith(item.id + "."):
            continue
        field = rest[len(item.id) + 1:]
        if field == "rate":
            return float(item.rate) * 100.0
        if field in ("share", "additionality"):
            return float(getattr(item, field))
        if field == "value_usd":
            return float(item.total_usd)
        if field == "units" and section == "commitment" and item.item:
            return float(sum(n for _, n in item.deliveries))
        if field.startswith("schedule."):
            return float(dict(item.schedule).get(int(field[9:]), 0.0))
    if section == "elasticities":
        param, _, prefix = rest.partition(".")
        table = dict(dict(scenario.elasticities).get(param, ()))
        return table.get(normalize_hs(prefix) if prefix else "all")
    return None


@dataclass(frozen=True)
class GoalResult:
    """The answer of :func:`solve_for`.

    ``status``: ``"solved"`` (the target's boundary lies inside the bounds; ``solution`` is
    there and the target holds on the ``holds`` side of it: ``"above"``, ``"below"``, or
    ``"at"`` for ``==``), ``"met"`` (holds at every grid point: nothing to solve) or
    ``"unreachable"`` (holds nowhere on the grid; ``best`` is the value with the largest
    margin). ``left``/``right`` are the target's two sides at ``solution`` (or ``best``) in
    USD; ``checked`` is the margin from an independent :func:`tradesim.model.trajectory.simulate` of
    ``scenario`` (the varied scenario at the solution; ``check_left``/``check_right`` its two
    sides), ``holds_check`` whether the target holds there. ``current`` is the key's value in
    the scenario as written and ``as_written`` the left side there. ``grid``, ``grid_left``
    and ``grid_margin`` hold the scan over the bounds.
    """

    target: Target
    vary: str
    unit: str
    bounds: tuple[float, float]
    status: str
    solution: float | None
    best: float
    left: float
    right: float
    holds: str | None
    scenario: Scenario
    checked: float
    holds_check: bool
    check_left: float
    check_right: float
    current: float | None
    as_written: float
    grid: tuple[float, ...]
    grid_left: tuple[float, ...]
    grid_margin: tuple[float, ...]
    evaluations: int
    note: str = ""

    @property
    def reachable(self) -> bool:
        """Whether the target can be met within the bounds."""
        return self.status != "unreachable"

    def summary(self) -> str:
        """The answer in words, numbers in bn USD (a few lines, for printing)."""
        lhs, rhs = _side(self.target.left), _side(self.target.right)
        amount = _percent if self.target.relative else _usd
        lo, hi = self.bounds
        bounds = f"[{_fmt(lo, self.unit)}, {_fmt(hi, self.unit)}]"
        op = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}[self.target.op]
        if self.status == "unreachable":
            lines = [f"Not reachable within {bounds}: best achievable {lhs} = "
                     f"{amount(self.left)} at {self.vary} = {_fmt(self.best, self.unit)} "
                     f"(required {op} {amount(self.right)}; short by "
                     f"{amount(abs(self.grid_margin[self.grid.index(self.best)]))})."]
        elif self.status == "met":
            lines = [f"Already met everywhere in {bounds}: {lhs} = {amount(self.grid_left[0])} "
                     f"at {_fmt(lo, self.unit)} and {amount(self.grid_left[-1])} at "
                     f"{_fmt(hi, self.unit)} (required {op} {amount(self.right)})."]
        else:
            assert self.solution is not None
            edge = "" if self.target.strict else "at or "
            side = {"above": f"{edge}above {_fmt(self.solution, self.unit)}",
                    "below": f"{edge}below {_fmt(self.solution, self.unit)}",
                    "at": f"at {_fmt(self.solution, self.unit)}"}[self.holds or "at"]
            lines = [f"Solution: {self.vary} = {_fmt(self.solution, self.unit)}; the "
                     f"target holds {side}.",
                     f"Achieved: {lhs} = {amount(self.left)}; required {op} {rhs} = "
                     f"{amount(self.right)}."]
            lines += _schedule_lines(self.scenario, self.vary)
        now = "" if self.current is None else f" ({self.vary} = {_fmt(self.current, self.unit)})"
        lines.insert(0, f"As written{now}: {lhs} = {amount(self.as_written)}.")
        verdict = "holds" if self.holds_check else "does NOT hold"
        if self.status != "unreachable":
            lines.append(f"Check: an independent simulate() of the solved scenario gives {lhs} = "
                         f"{amount(self.check_left)} {op} {amount(self.check_right)} (margin "
                         f"{amount(self.checked)}): the target {verdict}.")
        if self.note:
            lines.append(f"Note: {self.note}")
        return "\n".join(lines)


def _side(node: Node) -> str:
    text = str(node)
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _percent(x: float) -> str:
    """A relative change (fraction) as a signed percentage."""
    return f"{100 * x:+.2f} %".replace("-", "−") if math.isfinite(x) else str(x)


def _usd(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e8:
        return f"{x / 1e9:,.2f} bn USD".replace("-", "−")
    if abs(x) >= 1e5:
        return f"{x / 1e6:,.2f} m USD".replace("-", "−")
    return f"{x:,.0f} USD".replace("-", "−")


def _fmt(x: float, unit: str) -> str:
    if unit == "USD":
        return _usd(x)
    if unit == "percent":
        return f"{x:.4g} %"
    return f"{x:.6g}"


def _schedule_lines(scenario: Scenario, vary: str) -> list[str]:
    """For a commitment amount: the solved commitment's yearly deliveries."""
    section, _, rest = vary.partition(".")
    if section != "commitment":
        return []
    for c in scenario.commitments:
        if rest.startswith(c.id + ".") and not rest.endswith(".additionality"):
            years = [y for y, _ in c.schedule]
            amounts = {round(v, 2) for _, v in c.schedule}
            per_year = (f"{_usd(c.schedule[0][1])} a year in {years[0]}–{years[-1]}"
                        if len(amounts) == 1 else
                        ", ".join(f"{y}: {_usd(v)}" for y, v in c.schedule))
            return [f"Commitment {c.id} ({c.product}, {c.buyer} buys from {c.seller}, "
                    f"additionality {c.additionality:g}): {per_year}; total "
                    f"{_usd(c.total_usd)}."] + ([f"  as items: {c.price_note}"] if c.item else [])
    return []


def solve_for(baseline: xr.Dataset, scenario: Scenario, target: str | Target, vary: str,
              bounds: tuple[float, float] | None = None, by: int | None = None,
              grid: int = 9, xtol: float | None = None) -> GoalResult:
    """Find the value of one scenario key at which a target on the results is met.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline.
    scenario : Scenario
        The scenario to vary.
    target : str or Target
        E.g. ``"balance(2028) >= 0.8 * baseline"`` (see the module docstring; USD).
    vary : str
        Key path, in file units: ``commitment.<id>.value_usd`` (USD, the schedule scaled),
        ``commitment.<id>.schedule.<year>``, ``commitment.<id>.additionality``,
        ``tariff.<id>.rate`` (percent), ``tariff.<id>.share``,
        ``elasticities.<param>[.<HS prefix>]``.
    bounds : (low, high), optional
        Search interval in file units (default: :func:`default_bounds`).
    by : int, optional
        Year for quantities written without one (``balance >= 0.8 * baseline``).
    grid : int
        Points of the scan over the bounds, evaluated in one batched run (2 to
        :data:`MAX_GRID`).
    xtol : float, optional
        Absolute tolerance on the solution (default 1e-9 of the bounds' width).

    Returns
    -------
    GoalResult
        Solution, achieved value, reachability and an independent check.

    Raises
    ------
    TargetError
        A target that cannot be read or names what the run lacks.
    ScenarioError
        An unknown key path, or a value that breaks a scenario rule.

    Notes
    -----
    The scan finds where the margin changes sign; if it changes sign more than once (not
    monotone within the bounds) the crossing nearest the lower bound is returned, with a note.
    For ``>=``/``<=`` the reported solution is moved, within ``xtol``, to the side where the
    target holds, so the check is exact.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> from tradesim.scenario.parse import parse_scenario
    >>> s = parse_scenario({"scenario": {"name": "d", "horizon": 2026},
    ...     "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
    ...                     "value_usd": 1e9, "start": 2026, "end": 2026}]})
    >>> g = solve_for(toy_baseline(), s, "balance(2026) >= -50 bn", "commitment.jets.value_usd")
    >>> g.status, round(g.solution / 1e9, 6), g.holds_check
    ('solved', 7.0, True)
    """
    t = parse_target(target) if isinstance(target, str) else target
    t = t.with_year(by)
    lo, hi = default_bounds(vary) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise TargetError(f"bounds must be two finite numbers, low < high (got {bounds})")
    if not 2 <= grid <= MAX_GRID:
        raise TargetError(f"grid must be 2 to {MAX_GRID} points (got {grid}); the scan only "
                          "brackets the answer, brentq then refines it")
    if vary.endswith(".value_usd") and current_value(scenario, vary) == 0:
        raise ScenarioError(Problem(f"vary {vary}", "the commitment's schedule sums to 0, and "
                                    "value_usd rescales the schedule", 0.0,
                                    "give it a non-zero placeholder amount, or vary "
                                    f"{vary.removesuffix('.value_usd')}.schedule.<year>"),
                            scenario.file)
    xtol = 1e-9 * (hi - lo) if xtol is None else float(xtol)
    points = np.linspace(lo, hi, grid)
    scan = trajectory.run(baseline, [*variants(scenario, vary, points.tolist()), scenario],
                          labels=[*(f"{vary}={v!r}" for v in points), "as written"])
    left_all, right_all, margin_all = evaluate(t, scan)
    left_g, right_g, margin_g = left_all[:-1], right_all[:-1], margin_all[:-1]
    if not np.isfinite(margin_g).all():
        raise TargetError("the target is not finite somewhere in the bounds", t.text, None)
    count = [grid]

    def run_at(x: float) -> tuple[float, float, float, Scenario]:
        (s,) = variants(scenario, vary, [x])
        r = trajectory.run(baseline, [s])
        a, b, m = evaluate(t, r)
        count[0] += 1
        return float(a[0]), float(b[0]), float(m[0]), s

    equal = t.op == "=="
    ok = np.isclose(margin_g, 0.0, rtol=0, atol=_equal_atol(t, right_g)) if equal \
        else t.holds(margin_g)
    note = ""
    crossings = np.flatnonzero(np.sign(margin_g[:-1]) * np.sign(margin_g[1:]) < 0) if equal \
        else np.flatnonzero(ok[:-1] != ok[1:])
    if len(crossings) > 1:
        note = (f"the target changes sign {len(crossings)} times in the bounds (not monotone "
                "there); this is the crossing nearest the lower bound: narrow the bounds to "
                "see the others")
    common = dict(target=t, vary=vary, unit=_unit(vary), bounds=(lo, hi),
                  current=current_value(scenario, vary), as_written=float(left_all[-1]),
                  grid=tuple(points.tolist()),
                  grid_left=tuple(left_g.tolist()), grid_margin=tuple(margin_g.tolist()))
    if equal and ok.any() and not len(crossings):
        i = int(np.flatnonzero(ok)[0])
        a, b, m, s = run_at(float(points[i]))
        return _finish(baseline, t, s, common, "solved", float(points[i]), a, b, "at",
                       count[0], note)
    if not equal and ok.all():
        a, b, m, s = run_at(lo)
        return _finish(baseline, t, s, common, "met", None, a, b, None, count[0], note,
                       best=lo)
    if not len(crossings):
        i = int(np.argmax(-np.abs(margin_g) if equal else margin_g))
        (s,) = variants(scenario, vary, [float(points[i])])
        return _finish(baseline, t, s, common, "unreachable", None, float(left_g[i]),
                       float(right_g[i]), None, count[0], note, best=float(points[i]))
    i = int(crossings[0])
    a_x, b_x = float(points[i]), float(points[i + 1])
    x = float(optimize.brentq(lambda v: run_at(v)[2], a_x, b_x, xtol=xtol))
    left, right, margin, s = run_at(x)
    holds = "at" if equal else ("above" if ok[i + 1] else "below")
    if not equal and not t.holds(margin):  # land on the side where the target holds
        step = xtol
        for _ in range(60):
            x = min(max(x + (step if holds == "above" else -step), a_x), b_x)
            left, right, margin, s = run_at(x)
            if t.holds(margin):
                break
            step *= 2
    return _finish(baseline, t, s, common, "solved", x, left, right, holds, count[0], note)


def _equal_atol(t: Target, right: np.ndarray) -> float:
    """Tolerance of ``==``: 1e-6 of the right side, at least 1 USD (1e-9 for a relative
    change)."""
    floor = 1e-9 if t.relative else 1.0
    return float(1e-6 * np.abs(right).max() + floor)


def _finish(baseline: xr.Dataset, t: Target, s: Scenario, common: dict[str, Any],
            status: str, solution: float | None, left: float, right: float,
            holds: str | None, evaluations: int, note: str,
            best: float | None = None) -> GoalResult:
    """Check the answer with an independent single-scenario simulation."""
    checked = trajectory.simulate(baseline, s)
    check_left, check_right, m = evaluate(t, checked)
    margin = float(m)
    holds_check = bool(t.holds(margin, atol=_equal_atol(t, np.asarray(right))))
    chosen = solution if best is None else best
    assert chosen is not None, "a solution or a best value"
    return GoalResult(status=status, solution=solution, best=chosen, left=left, right=right,
                      holds=holds, scenario=s, checked=margin, holds_check=bool(holds_check),
                      check_left=float(check_left), check_right=float(check_right),
                      evaluations=evaluations + 1, note=note, **common)


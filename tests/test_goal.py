"""Targets (parsed, never evaluated as code) and goal seeking with scipy's brentq."""

from __future__ import annotations

import numpy as np
import pytest

import tradesim
from tradesim.analysis import goal
from tradesim.errors import ScenarioError
from tradesim.model.trajectory import simulate
from tradesim.scenario import target
from tradesim.scenario.parse import parse_scenario
from tradesim.scenario.target import TargetError, parse_target

from .conftest import ROOT

DOC = {
    "scenario": {"name": "toy-goal", "horizon": 2027},
    "tariff": [{"id": "recip", "importer": "USA", "exporters": ["VNM"], "products": "all",
                "rate": 20}],
    "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "value_usd": 2e9, "start": 2026, "end": 2027}],
}


@pytest.fixture
def toy_scenario():
    return parse_scenario(DOC)


# --------------------------------------------------------------------------- grammar


@pytest.mark.parametrize(("text", "shown"), [
    ("balance(2028) >= 0.8 * baseline", "balance(2028) >= 0.8 * baseline(balance(2028))"),
    ("deficit(2030)<=150 bn", "deficit(2030) <= 150 bn"),
    ("exports(2028) - imports(2028) >= -100e9", "exports(2028) - imports(2028) >= -100e9"),
    ("value(USA, VNM, 61, 2030) <= 0.5 * baseline",
     "value(USA, VNM, 61, 2030) <= 0.5 * baseline(value(USA, VNM, 61, 2030))"),
    ("value(USA, all, \"85*\", 2030) == baseline(value(USA, all, \"85*\", 2030))",
     "value(USA, all, 85*, 2030) == baseline(value(USA, all, 85*, 2030))"),
    ("balance ≥ (1 - 0.2) * baseline", "balance >= (1 - 0.2) * baseline(balance)"),
    ("-balance(2028) <= 140 bn + 500 m", "-balance(2028) <= 140 bn + 500 m"),
    ("balance(2030) > -175 bn", "balance(2030) > -175 bn"),
    ("deficit(2028)<0.9*baseline", "deficit(2028) < 0.9 * baseline(deficit(2028))"),
    ("deficit(2028) vs baseline <= -10%", "deficit(2028) vs baseline <= -10%"),
    ("exports(2030) vs 2025 >= 5 bn", "exports(2030) vs 2025 >= 5 bn"),
])
def test_targets_parse(text: str, shown: str) -> None:
    t = parse_target(text)
    left, right = (str(n) for n in (t.left, t.right))
    strip = lambda s: s[1:-1] if s.startswith("(") and s.endswith(")") else s  # noqa: E731
    rendered = f"{strip(left)} {t.op} {strip(right)}"
    assert rendered == shown


def test_numbers_with_units() -> None:
    t = parse_target("deficit(2030) <= 1.5 bn + 250 m")
    assert t.right.left.value == 1.5e9
    assert t.right.right.value == 250e6


@pytest.mark.parametrize(("text", "message", "position"), [
    ("balance(2028) >> 0", "expected a number, a quantity, baseline or '\\('", 15),
    ("balance(2028) = 0", "unexpected character '='", 14),
    ("balance(2028) >= ", "expected a number, a quantity, baseline or '\\('", 17),
    ("balance(28) >= 0", "expected a year such as 2028", 8),
    ("balanse(2028) >= 0", "unknown name 'balanse'", 0),
    ("balance(2028) >= 0 >= 1", "expected the end of the target", 19),
    ("balance(2028) + 1", "expected a comparison", 17),
    ("__import__('os') >= 0", "unknown name '__import__'", 0),
    ("balance(2028) >= 0; rm -rf", "unexpected character ';'", 18),
    ("exports(2028) >= baseline * imports(2028)", "'baseline' alone needs exactly one", 17),
    ("balance(2028) >= 0.8 * baseline(1)", "a quantity inside baseline", 32),
    ("value(USA VNM, 61, 2030) >= 0", "expected ','", 10),
    ("(balance(2028) >= 0", "expected '\\)'", 15),
    ("   ", "is empty", None),
])
def test_bad_targets_name_the_token_and_position(text: str, message: str,
                                                 position: int | None) -> None:
    with pytest.raises(TargetError, match=message) as info:
        parse_target(text)
    assert info.value.position == position
    if position is not None:
        assert f"at position {position}" in str(info.value)
        assert "^" in str(info.value)
        assert "syntax:" in str(info.value)


def test_missing_year_needs_by() -> None:
    t = parse_target("balance >= 0.9 * baseline")
    with pytest.raises(TargetError, match="needs a year.*--by"):
        t.with_year(None)
    assert [q.year for q in t.with_year(2030).quantities()] == [2030, 2030]


# --------------------------------------------------------------------------- evaluation


def test_evaluate_quantities_on_the_toy(toy, toy_scenario) -> None:
    r = simulate(toy, toy_scenario)
    at = r.sel(year=2027)
    left, right, margin = target.evaluate(parse_target("deficit(2027) <= 0.8 * baseline"), r)
    assert float(left) == pytest.approx(-float(at["balance"]))
    assert float(right) == pytest.approx(-0.8 * float(at["balance_baseline"]))
    assert float(margin) == pytest.approx(float(right - left))
    apparel = float(at["value"].sel(importer="USA", exporter="VNM", product="61"))
    left, _, _ = target.evaluate(parse_target("value(USA, VNM, 61, 2027) >= 0"), r)
    assert float(left) == pytest.approx(apparel)
    everyone = float(at["value"].sel(importer="USA").sum())
    left, _, _ = target.evaluate(parse_target("value(USA, all, all, 2027) >= 0"), r)
    assert float(left) == pytest.approx(everyone)
    chapter = float(at["value"].sel(importer="USA", exporter="CHN", product="8517"))
    left, _, _ = target.evaluate(parse_target("value(USA, CHN, 85, 2027) >= 0"), r)
    assert float(left) == pytest.approx(chapter)


@pytest.mark.parametrize(("text", "message"), [
    ("balance(2035) >= 0", "year 2035 is outside the scenario's 2024–2027"),
    ("value(FRA, VNM, 61, 2027) >= 0", "importer 'FRA' is not in the baseline"),
    ("value(USA, MEX, 61, 2027) >= 0", "exporter 'MEX' is not in the baseline"),
    ("value(USA, VNM, 6109, 2027) >= 0", "inside the axis product '61'"),
    ("value(USA, VNM, 27, 2027) >= 0", "no product of the baseline starts with it"),
    ("balance(2027) >= 1 / (exports(2024) - exports(2024))", "division by zero"),
])
def test_targets_that_do_not_fit_the_run(toy, toy_scenario, text: str, message: str) -> None:
    r = simulate(toy, toy_scenario)
    with pytest.raises(TargetError, match=message):
        target.evaluate(parse_target(text), r)


# --------------------------------------------------------------------------- solving


def test_a_commitment_amount_is_solved_exactly(toy, toy_scenario) -> None:
    # Commitments are added after the price response: the balance is linear in the amount.
    r = simulate(toy, toy_scenario)
    need = -30e9 - float(r["balance"].sel(year=2027)) + 1e9  # the 2027 half of jets is 1 bn
    g = goal.solve_for(toy, toy_scenario, "balance(2027) >= -30 bn",
                       "commitment.jets.schedule.2027")
    assert g.status == "solved"
    assert g.reachable
    assert g.holds == "above"
    assert g.solution == pytest.approx(need, rel=1e-9)
    assert g.left >= g.right
    assert g.holds_check
    assert g.checked >= 0
    assert g.check_left == pytest.approx(-30e9)
    assert g.current == 1e9
    assert g.as_written == pytest.approx(float(r["balance"].sel(year=2027)))
    assert "Solution: commitment.jets.schedule.2027" in g.summary()
    assert "the target holds." in g.summary()


def test_value_usd_rescales_the_schedule(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "balance(2027) >= -30 bn", "commitment.jets.value_usd",
                       bounds=(0, 50e9))
    jets = next(c for c in g.scenario.commitments if c.id == "jets")
    assert jets.total_usd == pytest.approx(g.solution)
    assert jets.schedule[0][1] == pytest.approx(jets.schedule[1][1])  # still spread evenly
    assert "a year in 2026–2027" in g.summary()


def test_a_tariff_rate_and_the_side_where_the_target_holds(toy, toy_scenario) -> None:
    up = goal.solve_for(toy, toy_scenario, "deficit(2027) <= 0.8 * baseline",
                        "tariff.recip.rate", bounds=(0, 100))
    assert up.status == "solved"
    assert up.holds == "above"
    assert up.holds_check
    down = goal.solve_for(toy, toy_scenario, "imports(2027) >= 0.8 * baseline",
                          "tariff.recip.rate", bounds=(0, 100))
    assert down.status == "solved"
    assert down.holds == "below"
    assert down.holds_check
    # the answer is the boundary: a little beyond it on the wrong side the target fails
    (past,) = goal.variants(toy_scenario, "tariff.recip.rate", [down.solution + 0.01])
    _, _, margin = target.evaluate(down.target, simulate(toy, past))
    assert float(margin) < 0


def test_equality_targets(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "imports(2027) == 50 bn", "tariff.recip.rate",
                       bounds=(0, 100))
    assert g.status == "solved"
    assert g.holds == "at"
    assert g.left == pytest.approx(50e9, rel=1e-6)
    assert g.holds_check


def test_unreachable_targets_say_so_with_the_best_value(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "balance(2027) >= 0", "tariff.recip.rate",
                       bounds=(0, 50))
    assert g.status == "unreachable"
    assert not g.reachable
    assert g.solution is None
    assert g.best == 50.0  # the balance rises with the rate: best at the upper bound
    assert g.left == pytest.approx(max(g.grid_left))
    text = g.summary()
    assert text.startswith("As written")
    assert "Not reachable within [0 %, 50 %]" in text
    assert "best achievable balance(2027)" in text
    assert "short by" in text


def test_a_target_met_everywhere(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "balance(2027) >= -500 bn", "tariff.recip.rate",
                       bounds=(0, 50))
    assert g.status == "met"
    assert g.reachable
    assert g.solution is None
    assert "Already met everywhere in [0 %, 50 %]" in g.summary()


def test_bad_vary_paths_and_bounds(toy, toy_scenario) -> None:
    with pytest.raises(ScenarioError, match="vary commitment.jet.value_usd: no commitment with "
                                            "that id.*did you mean 'jets'"):
        goal.solve_for(toy, toy_scenario, "balance(2027) >= 0", "commitment.jet.value_usd")
    with pytest.raises(ScenarioError, match="not a sweepable field"):
        goal.solve_for(toy, toy_scenario, "balance(2027) >= 0", "tariff.recip.mode")
    with pytest.raises(ScenarioError, match=r"vary\[.*must be >= 0"):
        goal.solve_for(toy, toy_scenario, "balance(2027) >= 0", "tariff.recip.rate",
                       bounds=(-10, 10))
    with pytest.raises(TargetError, match="low < high"):
        goal.solve_for(toy, toy_scenario, "balance(2027) >= 0", "tariff.recip.rate",
                       bounds=(10, 10))
    with pytest.raises(TargetError, match="no default bounds"):
        goal.default_bounds("scenario.horizon")


def test_a_zero_placeholder_cannot_be_rescaled(toy) -> None:
    doc = {"scenario": {"name": "z", "horizon": 2026},
           "commitment": [{"id": "c", "buyer": "VNM", "seller": "USA", "product": "8802",
                           "schedule": {"2026": 0.0}}]}
    with pytest.raises(ScenarioError, match=r"sums to 0.*vary commitment.c.schedule.<year>"):
        tradesim.solve_for(doc, "balance(2026) >= -50 bn", vary="commitment.c.value_usd",
                           baseline=toy)
    g = tradesim.solve_for(doc, "balance(2026) >= -50 bn", vary="commitment.c.schedule.2026",
                           baseline=toy)
    assert g.solution == pytest.approx(7e9)


def test_default_bounds() -> None:
    assert goal.default_bounds("tariff.x.rate") == (0.0, 100.0)
    assert goal.default_bounds("commitment.x.value_usd") == (0.0, 5e11)
    assert goal.default_bounds("commitment.x.additionality") == (0.0, 1.0)
    assert goal.default_bounds("elasticities.sigma.61") == (0.05, 50.0)


def test_the_framework_deal_how_much_must_vietnam_buy(baseline) -> None:
    """Done means: a number and a check for the combined deal (issue 5)."""
    path = ROOT / "scenarios" / "deal-extra-purchases.toml"
    g = tradesim.solve_for(path, "balance(2028) >= 0.8 * baseline",
                           vary="commitment.extra-purchases.value_usd", baseline=baseline)
    assert g.status == "solved"
    assert g.holds_check
    extra = next(c for c in g.scenario.commitments if c.id == "extra-purchases")
    per_year = extra.schedule[0][1]
    # ~13.1 bn USD a year 2026-2032 on top of the deal (the 2025-anchored baseline's deficit
    # is wider than the 2024-based one's, which needed ~11.3)
    assert 12e9 < per_year < 14.5e9
    # the check, done here once more from scratch: deficit 2028 cut by a fifth vs baseline
    r = tradesim.simulate(g.scenario, baseline).sel(year=2028)
    assert float(r["balance"]) >= 0.8 * float(r["balance_baseline"])
    # and one dollar less a year would miss it
    (short,) = goal.variants(g.scenario, "commitment.extra-purchases.value_usd",
                             [g.solution - 7 * 10.0])
    r = tradesim.simulate(short, baseline).sel(year=2028)
    assert float(r["balance"]) < 0.8 * float(r["balance_baseline"])
    assert np.isclose(g.left, 0.8 * float(r["balance_baseline"]), rtol=1e-9)


# --------------------------------------------------------------------------- one grammar: > <, vs


def test_changes_against_the_baseline_and_a_year_by_hand(toy, toy_scenario) -> None:
    r = simulate(toy, toy_scenario)
    at, base = r.sel(year=2027), float(r["balance_baseline"].sel(year=2027))
    deficit, start = -float(at["balance"]), float(r["exports"].sel(year=2024))
    left, right, _ = target.evaluate(parse_target("deficit(2027) vs baseline <= -5 bn"), r)
    assert float(left) == pytest.approx(deficit - -base)
    assert float(right) == -5e9
    left, right, margin = target.evaluate(parse_target("deficit(2027) vs baseline <= -10%"), r)
    assert float(left) == pytest.approx((deficit + base) / abs(base))
    assert float(right) == pytest.approx(-0.1)
    assert float(margin) == pytest.approx(-0.1 - float(left))
    left, _, _ = target.evaluate(parse_target("exports(2027) vs 2024 > 0%"), r)
    assert float(left) == pytest.approx((float(at["exports"]) - start) / start)
    left, _, _ = target.evaluate(parse_target("exports vs 2024 > 0 bn").with_year(2027), r)
    assert float(left) == pytest.approx(float(at["exports"]) - start)


def test_strict_comparisons_hold_only_with_a_positive_margin() -> None:
    t, u = parse_target("balance(2028) > 0"), parse_target("balance(2028) >= 0")
    assert t.holds(0.0).item() is False
    assert u.holds(0.0).item() is True
    assert t.holds(1.0).item() is True
    assert parse_target("balance(2028) < 0").holds(0.0).item() is False


def test_goal_with_a_strict_target(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "balance(2027) > -30 bn",
                       "commitment.jets.schedule.2027")
    assert g.status == "solved"
    assert g.checked > 0
    assert g.holds_check
    assert "holds above" in g.summary()


def test_goal_with_a_relative_change_against_the_baseline(toy, toy_scenario) -> None:
    g = goal.solve_for(toy, toy_scenario, "deficit(2027) vs baseline <= -10%",
                       "tariff.recip.rate", bounds=(0, 100))
    assert g.status == "solved"
    assert g.holds_check
    assert g.right == pytest.approx(-0.1)
    assert g.left == pytest.approx(-0.1, abs=1e-6)
    r = simulate(toy, g.scenario)
    change = (-float(r["balance"].sel(year=2027)) + float(r["balance_baseline"].sel(year=2027))
              ) / abs(float(r["balance_baseline"].sel(year=2027)))
    assert change <= -0.1 + 1e-9
    assert "%" in g.summary()


def test_sweep_statements_are_targets() -> None:
    from tradesim.scenario.sweep_file import parse_statement

    years = range(2024, 2031)
    for text in ("deficit(2028) vs baseline <= -10%", "balance(2030) > -175 bn",
                 "imports(2030) vs 2024 < 0%", "exports(2026) vs 2025 >= 1e9"):
        s, t = parse_statement(text, years), parse_target(text)
        assert t.op == s.op
        assert target.constant(t.right) == pytest.approx(s.threshold)
        assert t.relative == s.relative
    flipped = parse_statement("-175 bn < balance(2030)", years)
    assert (flipped.variable, flipped.op, flipped.threshold) == ("balance", ">", -175e9)
    assert parse_statement("balance(2030) > -175 bn + 5 bn", years).threshold == -170e9

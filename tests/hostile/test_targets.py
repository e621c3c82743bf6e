"""Hostile target expressions (issue 15, classes 4 and 7): long, deep, odd or constant targets
are refused at once with a TargetError, never a RecursionError, a hang or code evaluation."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesim.scenario import target
from tradesim.scenario.sweep_file import parse_statement
from tradesim.scenario.target import MAX_DEPTH, MAX_LENGTH, MAX_TOKENS, TargetError, parse_target


@pytest.mark.parametrize(("text", "message"), [
    ("(" * 100_000 + "balance(2030)" + ")" * 100_000 + " >= 0", "too long"),
    ("balance(2030) >= " + "-" * 5000 + "1", "too long"),
    ("balance(2030)" + " + 1" * 10_000 + " >= 0", "too long"),
    ("x" * 10_000_000, "too long"),
    ("(" * 200 + "balance(2030)" + ")" * 200 + " >= 0", "too many parts"),
    ("balance(2030)" + "+1" * 150 + " >= 0", "too many parts"),
    ("(" * (MAX_DEPTH + 1) + "balance(2030)" + ")" * (MAX_DEPTH + 1) + " >= 0",
     "nested too deeply"),
    ("balance(2030) >= " + "-" * (MAX_DEPTH + 1) + "1", "nested too deeply"),
    ("balance(2030) >= " + "+(" * 30 + "1" + ")" * 30, "nested too deeply"),
])
def test_long_and_deep_targets_are_refused_with_a_message(text: str, message: str) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # the parser must not need deep recursion to refuse these
    try:
        with pytest.raises(TargetError, match=message):
            parse_target(text)
    finally:
        sys.setrecursionlimit(limit)


def test_the_limits_leave_room_for_real_targets() -> None:
    nested = "(" * MAX_DEPTH + "balance(2030)" + ")" * MAX_DEPTH + " >= 0"
    assert parse_target(nested).quantities()[0].year == 2030
    chain = "balance(2030) >= " + " + ".join(["1 bn"] * 40)
    assert target.constant(parse_target(chain).right) == 40e9
    assert len(chain) < MAX_LENGTH
    assert chain.count("+") < MAX_TOKENS


@pytest.mark.parametrize(("text", "message"), [
    ("1 >= 0", "names no quantity of the run"),
    ("0 == 0", "names no quantity"),
    ("(1 + 2) * 3 < 4", "names no quantity"),
    ("baseline(balance(2030)) >= 0", "names no quantity"),
    ("balance(2030) >= 1e309", "not finite"),
    ("balance(2030) >= 1e300 bn", "not finite"),
    ("balance(2030) >= inf", "unknown name 'inf'"),
    ("balance(2030) >= NaN", "unknown name 'NaN'"),
    ("balance(2030) >= 10%", "a percentage needs a reference"),
    ("balance(2030) vs baseline >= exports(2030) * 1%", "a percentage threshold is made of "
                                                        "numbers"),
    ("balance(2030) vs baseline >= 1 bn + 1%", "numbers and percentages only"),
    ("balance(2030) + 1 vs baseline >= 0", "'vs' compares one quantity"),
    ("baseline(balance(2030)) vs 2024 >= 0", "'vs' compares one quantity"),
    ("balance(2030) vs 24 >= 0", "baseline or a year"),
    ("balance(2030) vs vs >= 0", "baseline or a year"),
    ("balance(2030) => 0", "unexpected character .=. at position 14"),
    ("balance(2030) = 0", "unexpected character '='"),
    ("balance(2030) >= 0\x00", "unexpected character"),
    ("balance(2030) >= 0 # comment", "unexpected character '#'"),
    ("balance(2030) >= 0 or 1", "expected the end of the target"),
    ("exec('import os') >= 0", "unknown name 'exec'"),
    ("balance.__class__ >= 0", "unexpected character '.'"),
    ("balance(2030) >= \"0\"", "expected a number"),
    ("ｂalance(2030) >= 0", "unexpected character"),
    ("balance(٢٠٣٠) >= 0", "unexpected character '٢'"),
    ("balance(2030) >= ١", "unexpected character '١'"),
])
def test_odd_targets_get_a_message(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(text)


def test_a_product_code_that_is_no_hs_prefix_is_refused_on_the_run(toy) -> None:  # noqa: ANN001
    from tradesim.model.trajectory import simulate
    from tradesim.scenario.parse import parse_scenario

    r = simulate(toy, parse_scenario({"scenario": {"name": "x", "horizon": 2026}}))
    t = parse_target("value(USA, VNM, '" + "6" * 500 + "', 2026) >= 0")
    with pytest.raises(TargetError, match="is not an HS prefix"):
        target.evaluate(t, r)


def test_a_statement_is_held_to_the_same_limits() -> None:
    years = range(2024, 2031)
    for text, message in (("(" * 50 + "balance(2030)" + ")" * 50 + " > 0", "too deeply"),
                          ("balance(2030) > 1" + " +1" * 200, "too many parts"),
                          ("balance(2030) > 1e999", "not finite"),
                          ("1 > 0", "names no quantity")):
        with pytest.raises(ValueError, match=message):
            parse_statement(text, years)


PIECES = [*"()+-*/<>=%.,0123456789 e_\"'", "balance", "deficit", "baseline", "vs", "value",
          "2030", " bn", "%", "USA", "VNM", "all", "1e308", ">=", "<="]


@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_arbitrary_text_raises_only_target_errors(text: str) -> None:
    try:
        t = parse_target(text)
    except TargetError:
        return
    assert t.quantities()  # what parses names at least one quantity ...
    for side in (t.left, t.right):  # ... and only finite numbers
        if not target.quantities_in(side):
            try:
                value = target.constant(side)
            except TargetError:
                continue
            assert math.isfinite(value)

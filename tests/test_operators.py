"""Tariff-change operators cut, cap and swiss: hand-computed lines, order, dates, validation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.errors import ScenarioError
from tradesim.scenario import fields, schedule
from tradesim.scenario.parse import parse_scenario

#: Base rates of five lines, percent: duty-free, low, middle, high, a 100 % peak.
LINES = {"61": 0.0, "62": 5.0, "64": 10.0, "94": 20.0, "95": 100.0}


@pytest.fixture(scope="module")
def lines():
    """US imports from Vietnam of five products at base rates 0, 5, 10, 20 and 100 %, and
    Vietnam's imports of the same from the US at the same rates."""
    rows = [(i, e, p, 1e9, r / 100) for i, e in (("USA", "VNM"), ("VNM", "USA"))
            for p, r in LINES.items()]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    return tradesim.baseline_from_frame(df)


def measure(mode: str, rate: float, id: str | None = None, **kw) -> dict:
    return {"id": id or mode, "importer": "USA", "exporters": ["VNM"], "products": "all",
            "rate": rate, "mode": mode, **kw}


def rates(baseline, *measures: dict, year: int = 2025, importer: str = "USA",
          exporter: str = "VNM") -> list[float]:
    """Percent rate of each of the five lines in ``year``."""
    s = parse_scenario({"scenario": {"name": "op", "horizon": 2026}, "tariff": list(measures)})
    path = schedule.tariff_path(baseline, s)
    at = path.sel(year=year, importer=importer, exporter=exporter)
    return [100 * float(at.sel(product=p)) for p in LINES]


@pytest.mark.parametrize(("cut", "expected"), [
    (50, [0.0, 2.5, 5.0, 10.0, 50.0]),
    (0, [0.0, 5.0, 10.0, 20.0, 100.0]),
    (100, [0.0, 0.0, 0.0, 0.0, 0.0]),
    (20, [0.0, 4.0, 8.0, 16.0, 80.0]),
])
def test_linear_cut_by_hand(lines, cut: float, expected: list[float]) -> None:
    assert rates(lines, measure("cut", cut)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("cap", "expected"), [
    (5, [0.0, 5.0, 5.0, 5.0, 5.0]),
    (0, [0.0, 0.0, 0.0, 0.0, 0.0]),
    (20, [0.0, 5.0, 10.0, 20.0, 20.0]),
    (150, [0.0, 5.0, 10.0, 20.0, 100.0]),
])
def test_cap_by_hand(lines, cap: float, expected: list[float]) -> None:
    assert rates(lines, measure("cap", cap)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("a", "expected"), [
    # a r / (a + r) with a and r in percent, worked by hand:
    (25, [0.0, 125 / 30, 250 / 35, 500 / 45, 2500 / 125]),    # 0, 4.17, 7.14, 11.11, 20.00
    (15, [0.0, 75 / 20, 150 / 25, 300 / 35, 1500 / 115]),     # 0, 3.75, 6.00, 8.57, 13.04
])
def test_swiss_formula_by_hand(lines, a: float, expected: list[float]) -> None:
    got = rates(lines, measure("swiss", a))
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert all(r < a for r in got)  # the coefficient is the ceiling


def test_swiss_published_values() -> None:
    # The US ITA description of the Swiss formula: a = 15 takes 10 % to 6.00 % and 100 % to
    # 13.04 %; WTO TN/MA/S/3/Rev.2 (2003): a = 25 takes 100 % to 20 %.
    assert round(float(schedule.apply_operator("swiss", 0.10, 0.15)) * 100, 2) == 6.00
    assert round(float(schedule.apply_operator("swiss", 1.00, 0.15)) * 100, 2) == 13.04
    assert float(schedule.apply_operator("swiss", 1.00, 0.25)) == pytest.approx(0.20)
    with pytest.raises(ValueError, match="unknown mode"):
        schedule.apply_operator("halve", 0.1, 0.5)


def test_operators_apply_in_the_order_listed(lines) -> None:
    cut_then_cap = rates(lines, measure("cut", 50), measure("cap", 5))
    cap_then_cut = rates(lines, measure("cap", 5), measure("cut", 50))
    assert cut_then_cap == pytest.approx([0.0, 2.5, 5.0, 5.0, 5.0])
    assert cap_then_cut == pytest.approx([0.0, 2.5, 2.5, 2.5, 2.5])


def test_operators_act_after_set_floor_and_add(lines) -> None:
    # Listed first, the cut still acts on the rate after the add: (r + 10) / 2.
    got = rates(lines, measure("cut", 50), measure("add", 10))
    assert got == pytest.approx([(r + 10) / 2 for r in LINES.values()])
    got = rates(lines, measure("cap", 8), measure("set", 30))
    assert got == pytest.approx([8.0] * 5)
    got = rates(lines, measure("floor", 12), measure("swiss", 25))
    assert got == pytest.approx([25 * r / (25 + r) for r in (12, 12, 12, 20, 100)])


def test_operators_are_applied_per_segment_before_day_weighting(lines) -> None:
    # A 20-point add from 2025-07-02 (183 of 365 days) under a 25 % cap all year on the 20 %
    # line: min(20, 25) before, min(40, 25) after. Capping the year's average (29.97 %) would
    # give 25 % instead.
    start = dt.date(2025, 7, 2)
    w = (dt.date(2025, 12, 31) - start).days + 1
    assert w == 183
    got = rates(lines, measure("add", 20, **{"from": start}), measure("cap", 25))
    share = w / 365
    assert got[3] == pytest.approx((1 - share) * 20 + share * 25, rel=1e-12)
    # and a cut in force for part of the year counts for its share of days
    got = rates(lines, measure("cut", 50, **{"from": start}))
    assert got[3] == pytest.approx((1 - share) * 20 + share * 10, rel=1e-12)
    assert rates(lines, measure("cut", 50, **{"from": start}), year=2024)[3] == 20.0


def test_share_and_overrides(lines) -> None:
    # share 0.5: half the flow cut by half -> 0.5·20 + 0.5·10
    assert rates(lines, measure("cut", 50, share=0.5))[3] == pytest.approx(15.0)
    # a cap that overrides an add: the add does not apply where the cap does
    got = rates(lines, measure("add", 30, id="recip"), measure("cap", 10, overrides=["recip"]))
    assert got == pytest.approx([0.0, 5.0, 10.0, 10.0, 10.0])


def test_vietnam_halves_its_rates_on_us_goods_capped_at_5(lines) -> None:
    vn = {"importer": "VNM", "exporters": ["USA"]}
    got = rates(lines, measure("cut", 50, **vn), measure("cap", 5, id="cap5", **vn),
                importer="VNM", exporter="USA")
    assert got == pytest.approx([0.0, 2.5, 5.0, 5.0, 5.0])
    # the US market is untouched
    assert rates(lines, measure("cut", 50, **vn)) == pytest.approx(list(LINES.values()))


def test_a_cut_lowers_the_bilateral_imports_tariff_and_raises_imports(lines) -> None:
    d = {"scenario": {"name": "op", "horizon": 2025},
         "tariff": [measure("cut", 50, **{"from": dt.date(2025, 1, 1)})],
         "elasticities": {"adjustment": 1.0}}
    r = tradesim.simulate(d, lines).sel(year=2025)
    assert float(r["imports"]) > float(r["imports_baseline"])
    assert float(r["welfare"].sel(importer="USA")) > 0


def test_round_trip_and_description() -> None:
    s = parse_scenario({"scenario": {"name": "op"}, "tariff": [measure("swiss", 25)]})
    again = parse_scenario(s.to_dict())
    assert again == s
    assert again.measures[0].rate == pytest.approx(0.25)
    text = fields.describe()
    for mode in fields.OPERATORS:
        assert f"| {mode} |" in text
    assert "cut/cap/swiss in the order listed" in text


@pytest.mark.parametrize(("mode", "rate", "message"), [
    ("cut", 150, r"tariff\[0\]\.rate: a cut must be <= 100 percent.*150"),
    ("swiss", 0, r"tariff\[0\]\.rate: the Swiss coefficient must be > 0 percent"),
    ("cap", -1, r"tariff\[0\]\.rate: must be >= 0 percent"),
])
def test_bad_operator_values(mode: str, rate: float, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario({"scenario": {"name": "op"}, "tariff": [measure(mode, rate)]})


def test_cut_of_100_and_cap_of_0_are_valid_and_give_zero(lines) -> None:
    assert np.allclose(rates(lines, measure("cut", 100)), 0.0)
    assert np.allclose(rates(lines, measure("cap", 0)), 0.0)

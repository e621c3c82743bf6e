"""Measures -> tariff paths: day weighting, stacking, overrides, shares, scopes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tradesim.errors import ScheduleError
from tradesim.scenario import schedule
from tradesim.scenario.parse import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def scenario(*measures: dict, horizon: int = 2026, **extra):
    doc = {"scenario": {"name": "t", "horizon": horizon}, "tariff": list(measures), **extra}
    return parse_scenario(doc)


def measure(id: str = "m", rate: float = 20, **kw) -> dict:
    return {"id": id, "importer": "USA", "exporters": ["VNM"], "products": ["61"],
            "rate": rate, **kw}


def vn61(path, year: int) -> float:
    return float(path.sel(year=year, importer="USA", exporter="VNM", product="61"))


def test_no_measures_keeps_base_rates(toy) -> None:
    path = schedule.tariff_path(toy, scenario())
    assert (path == toy["tariff"]).all()


def test_rate_is_weighted_by_days_in_force(toy) -> None:
    # 2025-08-07 .. 2025-12-31 is 147 of 365 days.
    path = schedule.tariff_path(toy, scenario(measure(**{"from": dt.date(2025, 8, 7)})))
    assert vn61(path, 2024) == pytest.approx(0.20)
    assert vn61(path, 2025) == pytest.approx(0.20 + 0.20 * 147 / 365)
    assert vn61(path, 2026) == pytest.approx(0.40)


def test_one_day_measure_in_a_leap_year(toy) -> None:
    path = schedule.tariff_path(toy, scenario(measure(rate=46, **{
        "from": dt.date(2024, 4, 9), "to": dt.date(2024, 4, 9)})))
    assert vn61(path, 2024) == pytest.approx(0.20 + 0.46 / 366)


def test_set_replaces_and_add_stacks(toy) -> None:
    s = scenario(measure("cut", rate=5, mode="set"), measure("extra", rate=10))
    assert vn61(schedule.tariff_path(toy, s), 2025) == pytest.approx(0.15)


def test_floor_raises_only_below(toy) -> None:
    s = scenario(measure("floor", rate=15, mode="floor", exporters=["CHN", "VNM"]))
    path = schedule.tariff_path(toy, s)
    assert vn61(path, 2025) == pytest.approx(0.20)  # base 20 % is above the floor
    assert float(path.sel(year=2025, importer="USA", exporter="CHN", product="8517")) == 0.0
    assert float(path.sel(year=2025, importer="USA", exporter="CHN", product="61")) == 0.25


def test_overrides_with_a_share_split_the_flow(toy) -> None:
    s = scenario(measure("recip", rate=20),
                 measure("tranship", rate=40, share=0.1, overrides=["recip"]))
    assert vn61(schedule.tariff_path(toy, s), 2025) == pytest.approx(0.20 + 0.1 * 0.4 + 0.9 * 0.2)


def test_override_applies_only_while_both_are_in_force(toy) -> None:
    s = scenario(measure("recip", rate=20),
                 measure("s232", rate=50, overrides=["recip"], **{"to": dt.date(2025, 6, 30)}))
    path = schedule.tariff_path(toy, s)
    assert vn61(path, 2025) == pytest.approx(0.20 + 0.5 * 181 / 365 + 0.2 * 184 / 365)
    assert vn61(path, 2026) == pytest.approx(0.40)


def test_exclusions_and_all_exporters(toy) -> None:
    s = scenario(measure(exporters="all", products="all", exclude=["8517"]))
    path = schedule.tariff_path(toy, s).sel(year=2025, importer="USA")
    assert float(path.sel(exporter="CHN", product="8517")) == 0.0
    assert float(path.sel(exporter="ROW", product="9403")) == pytest.approx(0.2)
    assert float(path.sel(exporter="USA", product="9403")) == 0.0  # not its own supplier


def test_overlapping_set_measures_need_an_override(toy) -> None:
    s = scenario(measure("a", rate=5, mode="set"), measure("b", rate=7, mode="set"))
    with pytest.raises(ScheduleError, match="say which wins with `overrides`"):
        schedule.tariff_path(toy, s)
    ok = scenario(measure("a", rate=5, mode="set"),
                  measure("b", rate=7, mode="set", overrides=["a"]))
    assert vn61(schedule.tariff_path(toy, ok), 2025) == pytest.approx(0.07)


def test_scopes_on_the_mixed_axis(baseline) -> None:
    # The Apr 11 electronics HS6 list for 8541 covers the residual 8541* exactly.
    codes = ["854110", "854121", "854129", "854130", "854149", "854151", "854159", "854190"]
    s = scenario({"id": "e", "importer": "USA", "exporters": ["VNM"], "products": codes,
                  "rate": 10})
    path = schedule.tariff_path(baseline, s).sel(year=2025, importer="USA", exporter="VNM")
    base = baseline["tariff"].sel(importer="USA", exporter="VNM")
    moved = (path - base).to_series()
    assert sorted(moved[moved > 0].index) == ["8541*"]


def test_partial_scope_is_accepted_with_share(baseline) -> None:
    s = scenario({"id": "e", "importer": "USA", "exporters": ["VNM"], "products": ["8504"],
                  "rate": 10, "share": 0.3})
    path = schedule.tariff_path(baseline, s).sel(year=2025, importer="USA", exporter="VNM")
    base = baseline["tariff"].sel(importer="USA", exporter="VNM")
    assert float((path - base).sel(product="85*")) == pytest.approx(0.03)


def test_commitment_maps_into_the_product_that_contains_it(baseline) -> None:
    s = parse_scenario({"scenario": {"name": "c", "horizon": 2032}, "commitment": [
        {"id": "b", "buyer": "VNM", "seller": "USA", "product": "8802.40", "value_usd": 9e9,
         "start": 2030, "end": 2032, "additionality": 0.5}]})
    deals = schedule.commitment_path(baseline, s)
    added = deals["added"].sel(importer="VNM", exporter="USA", product="8802")
    assert added.sel(year=2030).item() == pytest.approx(1.5e9)
    assert float(deals["added"].sum()) == pytest.approx(4.5e9)
    assert float(deals["amount"].sum()) == pytest.approx(9e9)


def test_commitment_on_a_heading_spreads_over_its_products(baseline) -> None:
    s = parse_scenario({"scenario": {"name": "c", "horizon": 2030}, "commitment": [
        {"id": "g", "buyer": "VNM", "seller": "USA", "product": "8541", "value_usd": 1e9,
         "start": 2026, "end": 2026}]})
    added = schedule.commitment_path(baseline, s)["added"].sel(
        year=2026, importer="VNM", exporter="USA")
    sales = baseline["value"].sel(importer="VNM", exporter="USA")
    inside = [p for p in baseline["product"].values if p.startswith("8541")]
    assert float(added.sum()) == pytest.approx(1e9)
    expected = sales.sel(product=inside) / sales.sel(product=inside).sum() * 1e9
    assert added.sel(product=inside).values == pytest.approx(expected.values)


# ------------------------------------------------------------- shortcuts that change nothing

def _every_overrider(axis, measures):  # noqa: ANN001, ANN202
    index = {m.id: i for i, m in enumerate(measures)}
    return [[index[o.id] for o in measures if m.id in o.overrides] for m in measures]


@pytest.mark.parametrize("name", ["framework-2025", "liberation-day-46", "turn-2026",
                                  "us-competitors-2025"])
def test_overriders_that_miss_a_scope_are_left_out_without_changing_a_rate(
        baseline, monkeypatch, name: str) -> None:
    import tradesim

    s = tradesim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
    if s.base_year != 2024:
        pytest.skip("scenario on another base year")
    fast = schedule.tariff_path(baseline, s, schedule.ProductAxis(baseline)).to_numpy()
    pruned = schedule._overriders(schedule.ProductAxis(baseline), s.measures)
    every = _every_overrider(None, s.measures)
    assert sum(map(len, pruned)) < sum(map(len, every))  # the shortcut is taken here
    monkeypatch.setattr(schedule, "_meeting_overriders", _every_overrider)
    slow = schedule.tariff_path(baseline, s, schedule.ProductAxis(baseline)).to_numpy()
    np.testing.assert_allclose(fast, slow, rtol=1e-15, atol=1e-16)


def test_every_pattern_at_once_equals_each_pattern_alone(baseline) -> None:
    import tradesim

    s = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    axis = schedule.ProductAxis(baseline)
    plan = axis.plan(s)
    layout = plan.layout
    base = axis.base_tariff.ravel()[layout.cells]
    together = schedule._level_rate(base, s.measures, layout.weights, plan.overriders,
                                    layout.on)
    assert layout.on.shape[0] > 1
    assert together.shape == (layout.on.shape[0], base.size)
    for k, on in enumerate(layout.on):
        alone = schedule._level_rate(base, s.measures, layout.weights, plan.overriders, on)
        np.testing.assert_array_equal(together[k], alone)
        for i in plan.level:  # and the weights the layout keeps are the same numbers
            if on[i]:
                np.testing.assert_array_equal(
                    layout.effective[i][k],
                    schedule._effective(layout.weights, plan.overriders, on, i))

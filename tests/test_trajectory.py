"""Identities of the yearly model on the toy, random and embedded baselines."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import tradesim
from tradesim.scenario.parse import parse_scenario
from tradesim.testing import assert_finite, baselines


def doc(*tariffs: dict, commitments: tuple = (), horizon: int = 2030) -> dict:
    return {"scenario": {"name": "t", "horizon": horizon}, "tariff": list(tariffs),
            "commitment": list(commitments)}


def recip(rate: float, **kw) -> dict:
    return {"id": kw.pop("id", "r"), "importer": "USA", "exporters": ["VNM"],
            "products": "all", "rate": rate, **kw}


def test_zero_shock_equals_baseline_exactly(baseline) -> None:
    r = tradesim.simulate(doc(recip(0.0)), baseline)
    assert (r["value"] == r["value_baseline"]).all()
    assert (r["balance"] == r["balance_baseline"]).all()
    assert (r["price_index"] == 1.0).all()
    assert_finite(r)


def test_baseline_projection_uses_growth(toy) -> None:
    b = toy.copy()
    b["growth"] = b["growth"] + 0.05
    r = tradesim.simulate(doc(), b)
    np.testing.assert_allclose(r["value_baseline"].sel(year=2030),
                               b["value"] * 1.05**6, rtol=1e-12)


def test_commitment_with_full_additionality_adds_exactly_its_value(baseline) -> None:
    deal = {"id": "b", "buyer": "VNM", "seller": "USA", "product": "8802",
            "schedule": {"2027": 3e9, "2029": 1.25e9}, "additionality": 1.0,
            "displaces": ["ROW"]}
    r = tradesim.simulate(doc(commitments=(deal,)), baseline)
    gain = (r["balance"] - r["balance_baseline"]).to_series()
    assert gain[2027] == pytest.approx(3e9, rel=1e-12)
    assert gain[2029] == pytest.approx(1.25e9, rel=1e-12)
    assert gain.drop([2027, 2029]).abs().max() == 0.0


def test_additionality_scales_the_gain(toy) -> None:
    deal = {"id": "b", "buyer": "VNM", "seller": "USA", "product": "8802", "value_usd": 3e9,
            "start": 2026, "end": 2028, "additionality": 0.25, "displaces": ["ROW"]}
    r = tradesim.simulate(doc(commitments=(deal,)), toy)
    gain = (r["balance"] - r["balance_baseline"]).sel(year=2026).item()
    assert gain == pytest.approx(0.25e9)
    rivals = (r["value"] - r["value_baseline"]).sel(year=2026, importer="VNM", exporter="ROW",
                                                    product="8802").item()
    assert rivals == pytest.approx(-0.25e9)  # displaced from ROW, never below zero


def test_displacement_never_goes_below_zero(toy) -> None:
    deal = {"id": "b", "buyer": "VNM", "seller": "USA", "product": "5201", "value_usd": 50e9,
            "start": 2026, "end": 2026, "displaces": ["ROW"]}
    r = tradesim.simulate(doc(commitments=(deal,)), toy)
    assert float(r["value"].min()) >= 0.0


def test_partial_adjustment_approaches_the_long_run(toy) -> None:
    b = toy.copy()
    b["adjustment"] = b["adjustment"] * 0 + 0.4
    r = tradesim.simulate(doc(recip(30, **{"from": dt.date(2025, 1, 1)})), b)
    full = tradesim.simulate(doc(recip(30, **{"from": dt.date(2025, 1, 1)})), toy)
    gap = np.log(r["value"] / r["value_baseline"]).sel(importer="USA", exporter="VNM",
                                                       product="61")
    target = np.log(full["value"] / full["value_baseline"]).sel(
        importer="USA", exporter="VNM", product="61").sel(year=2030).item()
    expected = [0.0] + [target * (1 - 0.6**k) for k in range(1, 7)]
    np.testing.assert_allclose(gap.to_numpy(), expected, rtol=1e-10, atol=1e-15)


@given(baselines(), st.floats(0.0, 50.0))
def test_random_baselines_zero_shock_and_bounds(b, rate: float) -> None:
    zero = tradesim.simulate(doc(recip(0.0), horizon=2027), b)
    assert (zero["value"] == zero["value_baseline"]).all()
    hit = tradesim.simulate(doc(recip(rate), horizon=2027), b)
    assert_finite(hit)
    vn = hit["value"].sel(importer="USA", exporter="VNM")
    assert (vn <= hit["value_baseline"].sel(importer="USA", exporter="VNM") * (1 + 1e-12)).all()
    assert (hit["balance"] >= hit["balance_baseline"] - 1e-3).all()


@given(baselines(), st.data())
def test_result_invariant_to_order_of_suppliers_and_products(b, data: st.DataObject) -> None:
    s = parse_scenario(doc(recip(25.0), horizon=2026))
    exporters = data.draw(st.permutations(list(b["exporter"].values)))
    products = data.draw(st.permutations(list(b["product"].values)))
    shuffled = b.reindex(exporter=exporters, product=products)
    a = tradesim.simulate(s, b)
    c = tradesim.simulate(s, shuffled).reindex_like(a)
    np.testing.assert_allclose(a["value"], c["value"], rtol=1e-12)
    np.testing.assert_allclose(a["balance"], c["balance"], rtol=1e-12)


def test_run_over_scenarios_and_draws_equals_single_runs(toy) -> None:
    from tradesim.model import trajectory

    a = parse_scenario(doc(recip(10.0), horizon=2027))
    b = parse_scenario(doc(recip(40.0, products=["61", "9403"]), horizon=2027))
    sigmas = np.array([1.5, 3.0, 6.0])
    draws = xr.Dataset({"sigma": (("draw",), sigmas)}, coords={"draw": [7, 8, 9]})
    batch = trajectory.run(toy, [a, b], draws=draws, labels=["ten", "forty"])
    assert batch["value"].dims[:2] == ("scenario", "draw")
    for label, s in (("ten", a), ("forty", b)):
        for k, sigma in zip([7, 8, 9], sigmas, strict=True):
            one = toy.copy()
            one["sigma"] = one["sigma"] * 0 + sigma
            single = tradesim.simulate(s, one)
            got = batch.sel(scenario=label, draw=k)
            np.testing.assert_allclose(got["value"], single["value"], rtol=1e-13)
            np.testing.assert_allclose(got["balance"], single["balance"], rtol=1e-13)


def test_run_rejects_mixed_horizons(toy) -> None:
    from tradesim.errors import ScheduleError
    from tradesim.model import trajectory

    a = parse_scenario(doc(horizon=2027))
    b = parse_scenario(doc(horizon=2030))
    with pytest.raises(ScheduleError, match="a batch shares its years"):
        trajectory.run(toy, [a, b], labels=["a", "b"])


def test_origin_switching_moves_a_share_of_lost_sales_through_the_hub(toy) -> None:
    china = {"id": "c", "importer": "USA", "exporters": ["CHN"], "products": ["61"],
             "rate": 50}
    plain = tradesim.simulate(doc(china, horizon=2026), toy)
    switch = dict(doc(china, horizon=2026), transshipment={"origin_switching": 0.25})
    routed = tradesim.simulate(switch, toy)
    lost = (plain["value_baseline"] - plain["value"]).sel(importer="USA", exporter="CHN",
                                                          product="61")
    gained = (routed["value"] - plain["value"]).sel(importer="USA", exporter="VNM",
                                                    product="61")
    np.testing.assert_allclose(gained, 0.25 * lost, rtol=1e-12)
    np.testing.assert_allclose(routed["rerouted"].sel(product="61"), gained, rtol=1e-12)
    assert float(routed["balance"].sel(year=2026)) < float(plain["balance"].sel(year=2026))


def test_no_origin_switching_where_the_hub_is_dearer(toy) -> None:
    both = [{"id": "c", "importer": "USA", "exporters": ["CHN"], "products": ["61"],
             "rate": 10},
            {"id": "v", "importer": "USA", "exporters": ["VNM"], "products": ["61"],
             "rate": 60}]
    routed = tradesim.simulate(dict(doc(*both, horizon=2026),
                                    transshipment={"origin_switching": 0.5}), toy)
    assert float(routed["rerouted"].sum()) == 0.0


def test_finite_export_supply_shares_the_tariff_with_exporters(toy) -> None:
    full = tradesim.simulate(doc(recip(25.0), horizon=2026), toy)
    shared = tradesim.simulate(dict(doc(recip(25.0), horizon=2026),
                                    elasticities={"omega": 5.0}), toy)
    vn = {"importer": "USA", "exporter": "VNM", "product": "61", "year": 2026}
    assert float(full["pass_through"].sel(vn)) == 1.0
    assert 0.0 < float(shared["pass_through"].sel(vn)) < 1.0
    assert float(shared["world_price"].sel(vn)) < 1.0  # exporters absorb part of it
    assert float(shared["suppliers_surplus"].sel(vn)) < 0.0
    # With exporters cutting prices, US buyers lose less than under full pass-through.
    assert float(shared["buyers_surplus"].sel(year=2026, importer="USA").sum()) > float(
        full["buyers_surplus"].sel(year=2026, importer="USA").sum())
    assert shared.attrs["solver_max_residual"] < 1e-10
    assert_finite(shared)


def test_welfare_is_buyers_surplus_plus_duty_change(toy) -> None:
    r = tradesim.simulate(doc(recip(25.0), horizon=2026), toy)
    duty = (r["duty_revenue"] - r["duty_revenue_baseline"]).sum(["exporter", "product"])
    np.testing.assert_allclose(r["welfare"], r["buyers_surplus"].sum("product") + duty)


@pytest.mark.parametrize("transship", [False, True])
def test_totals_only_equals_the_full_run(baseline, transship: bool) -> None:
    from tradesim.model import trajectory

    s = tradesim.load_scenario("scenarios/combined-deal.toml").to_dict()
    if transship:
        s["transshipment"] = {"origin_switching": 0.2}
    scenario = parse_scenario(s)
    draws = xr.Dataset({"sigma": (("draw",), [2.0, 3.0, 5.0])})
    full = trajectory.run(baseline, [scenario], draws=draws)
    lean = trajectory.run(baseline, [scenario], draws=draws, keep=trajectory.TOTALS)
    assert set(lean.data_vars) == set(trajectory.TOTALS)
    for var in trajectory.TOTALS:
        np.testing.assert_allclose(lean[var], full[var], rtol=1e-12)


def test_vietnamese_statistics_basis_scales_the_totals(baseline) -> None:
    us = tradesim.simulate(doc(recip(20.0), horizon=2026), baseline)
    vn_doc = doc(recip(20.0), horizon=2026)
    vn_doc["scenario"]["basis"] = "vn"
    vn = tradesim.simulate(vn_doc, baseline)
    ratio_m = baseline.attrs["mirror_imports_ratio"]
    ratio_x = baseline.attrs["mirror_exports_ratio"]
    assert ratio_m == pytest.approx(119.0 / 136.501, rel=1e-4)  # 2024 GDC vs Census
    np.testing.assert_allclose(vn["imports"], us["imports"] * ratio_m, rtol=1e-12)
    np.testing.assert_allclose(vn["exports"], us["exports"] * ratio_x, rtol=1e-12)
    np.testing.assert_allclose(vn["balance"], vn["exports"] - vn["imports"], rtol=1e-12)
    assert "Vietnamese customs statistics" in vn["balance"].attrs["basis"]
    np.testing.assert_array_equal(vn["value"], us["value"])  # product detail stays US basis


def test_totals_only_with_a_subset_of_variables(toy) -> None:
    from tradesim.model import trajectory

    s = parse_scenario(doc(recip(20.0), horizon=2026))
    lean = trajectory.run(toy, [s], keep=["exports"])
    assert list(lean.data_vars) == ["exports"]

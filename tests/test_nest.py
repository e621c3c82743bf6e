"""The China–Vietnam nest in the projection engine: identities, the fast path, the contract and
the estimated parameters the embedded baseline carries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim import io
from tradesim.analysis import backtest, calibrate
from tradesim.errors import DataError
from tradesim.model import trajectory

CHINA_ONLY = {"scenario": {"name": "china-only", "horizon": 2027},
              "tariff": [{"id": "cn", "importer": "USA", "exporters": ["CHN"], "products": "all",
                          "rate": 30, "mode": "add"}]}


def one_level(baseline):
    return baseline.assign(sigma_nest=baseline["sigma"])


def test_the_embedded_baseline_carries_the_estimates(baseline) -> None:
    table = io.packaged_tables()["reallocation"].set_index("parameter")["value"]
    us = baseline.sel(importer="USA")
    assert list(us["nest"].exporter[us["nest"]].values) == ["CHN", "VNM"]
    np.testing.assert_allclose((us["sigma_nest"] / us["sigma"]).values, table["nest_ratio"])
    np.testing.assert_allclose(us["adjustment"].values, table["adjustment"])
    assert not baseline["nest"].sel(importer="VNM").any()
    assert "estimated" in baseline.attrs["reallocation"]


def test_the_shipped_estimates_are_a_fresh_pooled_fit() -> None:
    monthly = io.imports_by_sector_monthly()
    est = calibrate.fit(list(backtest.episodes(monthly).values()), boot=0)
    table = io.packaged_tables()["reallocation"].set_index("parameter")["value"]
    assert est.sigma == pytest.approx(table["sigma"], abs=1e-6)
    assert est.sigma_nest == pytest.approx(table["sigma_nest"], abs=1e-6)
    assert est.lambda_year1 == pytest.approx(table["adjustment"], abs=1e-6)


def test_zero_shock_is_the_baseline_with_the_nest(baseline) -> None:
    r = tradesim.simulate({"scenario": {"name": "none", "horizon": 2030}}, baseline)
    np.testing.assert_array_equal(r["value"].values, r["value_baseline"].values)
    np.testing.assert_array_equal(r["balance"].values, r["balance_baseline"].values)


def test_a_china_tariff_sends_more_to_vietnam_through_the_nest(baseline) -> None:
    vn = lambda b: float(tradesim.simulate(CHINA_ONLY, b)["imports"].sel(year=2027))  # noqa: E731
    cn = lambda b: float(tradesim.simulate(CHINA_ONLY, b)["value"].sel(  # noqa: E731
        importer="USA", exporter="CHN", year=2027).sum())
    assert vn(baseline) > vn(one_level(baseline))
    assert cn(baseline) < cn(one_level(baseline))


def test_without_a_premium_the_engine_is_the_one_level_model(baseline) -> None:
    flat = one_level(baseline)
    no_nest = flat.assign(nest=flat["nest"] & False)
    a = tradesim.simulate("scenarios/framework-2025.toml", flat)
    b = tradesim.simulate("scenarios/framework-2025.toml", no_nest)
    np.testing.assert_array_equal(a["value"].values, b["value"].values)


def test_the_totals_fast_path_agrees_with_the_full_path(baseline) -> None:
    s = tradesim.load_scenario("scenarios/framework-2025.toml")
    full = trajectory.run(baseline, [s])
    fast = trajectory.run(baseline, [s], keep=list(trajectory.TOTALS))
    for var in trajectory.TOTALS:
        np.testing.assert_allclose(fast[var].values, full[var].values, rtol=1e-12)


def test_the_contract_refuses_a_nest_that_substitutes_less() -> None:
    df = pd.DataFrame({"importer": "USA", "exporter": ["VNM", "CHN", "MEX"], "product": "61",
                       "year": 2024, "value": [1e9, 2e9, 3e9], "tariff": 0.0})
    params = pd.DataFrame({"importer": ["USA"], "product": ["61"], "sigma": [3.0],
                           "eta": [1.0], "adjustment": [1.0], "sigma_nest": [2.0]})
    with pytest.raises(DataError, match="sigma_nest must be finite and >= sigma"):
        tradesim.baseline_from_frame(df, params, nest={"USA": ["CHN", "VNM"]})
    with pytest.raises(DataError, match="nest names suppliers or markets not in the flows"):
        tradesim.baseline_from_frame(df, nest={"USA": ["CHN", "THA"]})
    ok = tradesim.baseline_from_frame(df, params.assign(sigma_nest=6.0),
                                      nest={"USA": ["CHN", "VNM"]})
    assert dict(zip(ok.exporter.values, ok["nest"].sel(importer="USA").values.tolist(),
                    strict=True)) == {"CHN": True, "MEX": False, "USA": False, "VNM": True}


def test_a_scenario_can_switch_the_nest_off(baseline) -> None:
    doc = tradesim.load_scenario("scenarios/framework-2025.toml").to_dict()
    doc["elasticities"] = {**doc.get("elasticities", {}), "nest_ratio": 1.0}
    off = tradesim.simulate(doc, baseline)
    np.testing.assert_allclose(off["value"].values, tradesim.simulate(
        "scenarios/framework-2025.toml", one_level(baseline))["value"].values, rtol=1e-13)


def test_draws_of_the_nest_ratio_move_vietnam(baseline) -> None:
    import xarray as xr

    draws = xr.Dataset({"nest_ratio": ("draw", [1.0, 2.5])}, coords={"draw": [0, 1]})
    s = tradesim.load_scenario(CHINA_ONLY)
    r = trajectory.run(baseline, [s], draws).isel(scenario=0)
    vn = r["imports"].sel(year=2027).values
    assert vn[1] > vn[0]
    with pytest.raises(tradesim.ScheduleError, match="draws may vary"):
        trajectory.run(baseline, [s], xr.Dataset({"nest": ("draw", [1.0])}))


def test_the_sweep_centre_of_the_nest_ratio_is_the_baseline_premium(baseline) -> None:
    from tradesim.analysis import sweep

    c = sweep.centres(baseline)
    np.testing.assert_allclose(c["nest_ratio"].values,
                               (baseline["sigma_nest"] / baseline["sigma"]).values)
    assert float(c["nest_ratio"].sel(importer="VNM").max()) == 1.0

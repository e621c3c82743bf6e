"""The 2025 anchor: the default baseline passes through the observed 2025 by construction
(issue 9, "a 2025 starting point"), and changes nothing else."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim import io
from tradesim.analysis.anchor import anchor
from tradesim.cli import main
from tradesim.errors import DataError

#: 2025 headline actuals, bn USD (tradesim/data/embedded/SOURCES.md, "2025 starting point").
OBSERVED_2025 = {"imports": 193.86, "exports": 15.657, "balance": -178.2, "china": 308.4}
NONE = {"scenario": {"name": "none", "horizon": 2030}}


def _totals(r: xr.Dataset, year: int = 2025) -> dict[str, float]:
    at = r.sel(year=year)
    china = at["value"].sel(importer="USA", exporter="CHN").sum()
    return {"imports": float(at["imports"]) / 1e9, "exports": float(at["exports"]) / 1e9,
            "balance": float(at["balance"]) / 1e9, "china": float(china) / 1e9}


@pytest.mark.parametrize("name", ["framework-2025", "turn-2026"])
def test_the_2025_measures_reproduce_the_observed_2025(baseline, name: str) -> None:
    got = _totals(tradesim.simulate(f"scenarios/{name}.toml", baseline))
    for key, want in OBSERVED_2025.items():
        assert got[key] == pytest.approx(want, rel=1e-3), key  # the headline's own rounding
    step = io.load_baseline(year=2025)
    r = tradesim.simulate(f"scenarios/{name}.toml", baseline)
    np.testing.assert_allclose(r["value"].sel(year=2025).transpose(*step["value"].dims),
                               step["value"], rtol=1e-10, atol=1e-3)


def test_the_anchor_leaves_the_base_year_and_the_zero_shock_identity(baseline,
                                                                      plain_baseline) -> None:
    r, plain = tradesim.simulate(NONE, baseline), tradesim.simulate(NONE, plain_baseline)
    xr.testing.assert_equal(r["value"].sel(year=2024), plain["value"].sel(year=2024))
    np.testing.assert_array_equal(r["value"], r["value_baseline"])
    # from 2025 on the baseline projection is the plain one times the factor, cell by cell
    ratio = (r["value_baseline"] / plain["value_baseline"]).sel(year=slice(2025, None))
    factor = baseline["anchor"].broadcast_like(ratio)
    mask = plain["value_baseline"].sel(year=slice(2025, None)) > 0
    np.testing.assert_allclose(ratio.where(mask, 1), factor.where(mask, 1), rtol=1e-12)


def test_anchoring_to_the_models_own_2025_changes_nothing(plain_baseline) -> None:
    regime = io.read_scenario("scenarios/framework-2025.toml")
    own = tradesim.simulate(regime, plain_baseline)["value"].sel(year=2025, drop=True)
    anchored = anchor(plain_baseline, regime, own, 2025)
    np.testing.assert_allclose(anchored["anchor"], 1.0, rtol=1e-12)
    assert anchored.attrs["anchor_max_error"] < 1e-11


def test_other_2025_measures_move_2025_away_from_the_observed(baseline) -> None:
    # 46 % on Vietnam from 9 April 2025 instead of 10 % then 20 %: fewer imports than observed
    r = tradesim.simulate("scenarios/liberation-day-46.toml", baseline)
    assert _totals(r)["imports"] < OBSERVED_2025["imports"] - 5


def test_hs2_and_other_years_have_no_anchor() -> None:
    assert "anchor" not in io.load_baseline("hs2", year=2017)
    with pytest.raises(DataError, match="anchor=True needs the 'mixed' or 'hs6' baseline"):
        io.load_baseline("hs2", anchor=True)


def test_an_anchored_baseline_is_not_anchored_twice(baseline) -> None:
    regime = io.read_scenario("scenarios/framework-2025.toml")
    with pytest.raises(DataError, match="already anchored"):
        anchor(baseline, regime, baseline["value"], 2025)


def test_the_anchor_year_must_follow_the_base_year(plain_baseline) -> None:
    regime = io.read_scenario("scenarios/framework-2025.toml")
    with pytest.raises(DataError, match="must follow the base year 2024"):
        anchor(plain_baseline, regime, plain_baseline["value"], 2024)


def test_the_cli_says_the_baseline_is_anchored_and_can_do_without(capsys) -> None:
    assert main(["run", "scenarios/framework-2025.toml", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Anchored: 2025 is observed" in out
    assert "2025           15.66    15.66" in out or "-178.20" in out
    assert main(["run", "scenarios/framework-2025.toml", "--top", "3", "--no-anchor"]) == 0
    plain = capsys.readouterr().out
    assert "Anchored" not in plain
    assert "-178.20" not in plain


def test_draws_and_overrides_keep_2025_observed(baseline) -> None:
    from tradesim.analysis.sweep import centres
    from tradesim.model import trajectory

    framework = io.read_scenario("scenarios/framework-2025.toml")
    rng = np.random.default_rng(3)
    mid = centres(baseline)
    draws = xr.Dataset({p: mid[p].expand_dims(draw=4) * xr.DataArray(
        rng.uniform(0.6, 1.6, 4), dims="draw") for p in ("sigma", "eta")})
    draws["adjustment"] = mid["adjustment"].expand_dims(draw=4) * 0 + xr.DataArray(
        [0.47, 0.6, 0.82, 0.9], dims="draw")
    draws["nest_ratio"] = mid["nest_ratio"].expand_dims(draw=4) * 0 + xr.DataArray(
        [1.0, 1.2, 2.0, 2.52], dims="draw")
    r = trajectory.run(baseline, [framework], draws)
    balance = r["balance"].sel(year=2025) / 1e9
    np.testing.assert_allclose(balance, OBSERVED_2025["balance"], rtol=1e-3)
    assert float(balance.max() - balance.min()) < 1e-6  # the same 2025 in every draw
    later = r["balance"].sel(year=2030)
    assert float(later.max() - later.min()) > 1e9  # the draws still disagree about 2030
    doc = framework.to_dict()
    doc["elasticities"] = {"sigma": {"all": 6.0}}
    assert _totals(tradesim.simulate(doc, baseline))["imports"] == pytest.approx(
        OBSERVED_2025["imports"], rel=1e-3)


def test_draws_at_the_centre_change_nothing(baseline) -> None:
    from tradesim.analysis.sweep import centres
    from tradesim.model import trajectory

    framework = io.read_scenario("scenarios/framework-2025.toml")
    mid = centres(baseline)
    draws = xr.Dataset({p: mid[p].expand_dims(draw=2) for p in mid.data_vars})
    with_draws = trajectory.run(baseline, [framework], draws).isel(draw=1)
    plain = trajectory.run(baseline, [framework])
    np.testing.assert_allclose(with_draws["value"], plain["value"], rtol=1e-12)


def test_reduced_totals_on_the_vietnamese_basis(baseline) -> None:
    from tradesim.model import trajectory

    doc = io.read_scenario("scenarios/framework-2025.toml").to_dict()
    doc["scenario"]["basis"] = "vn"
    s = tradesim.load_scenario(doc)
    full = trajectory.run(baseline, [s])
    reduced = trajectory.run(baseline, [s], keep=["balance", "balance_baseline"])
    assert list(reduced.data_vars) == ["balance", "balance_baseline"]
    np.testing.assert_allclose(reduced["balance"], full["balance"], rtol=1e-12)


@pytest.mark.parametrize("name", ["framework-2025", "combined-deal", "vn-retaliation"])
def test_a_product_subset_run_equals_the_full_run_on_its_products(baseline, name: str) -> None:
    # what sweeps with product outputs rely on: every product's markets clear on their own
    from tradesim.analysis.sweep import centres
    from tradesim.model import trajectory

    s = io.read_scenario(f"scenarios/{name}.toml")
    mid = centres(baseline)
    draws = xr.Dataset({p: mid[p].expand_dims(draw=3) * xr.DataArray([0.7, 1.0, 1.4],
                                                                    dims="draw")
                        for p in ("sigma", "eta")})
    used = np.flatnonzero(np.isin([str(p)[:2] for p in baseline.indexes["product"]],
                                  ["61", "64", "85", "94"]))
    full = trajectory.run(baseline, [s], draws)["value"].isel(product=used)
    sub = trajectory.run(baseline, [s], draws, keep=["value"], products=used)["value"]
    np.testing.assert_allclose(sub.to_numpy(), full.to_numpy(), rtol=1e-12, atol=1e-3)
    with pytest.raises(Exception, match="sorted, unique"):
        trajectory.run(baseline, [s], products=used[::-1])

"""The fast paths of one scenario equal the plain ones they replaced, on every shipped scenario.

The reference paths are kept here: the tariff path as a dense sum (each ``add`` term's full
weight array times its rate, ``set``/``floor`` evaluated on every cell) and the result of
:func:`simulate` as the batch result with its ``scenario`` axis taken away by ``isel``.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim.dims import MARKET_DIMS
from tradesim.model import trajectory
from tradesim.scenario import schedule
from tradesim.scenario.fields import OPERATORS

from .conftest import ROOT, SCENARIOS

REPLAYS = sorted((ROOT / "scenarios" / "replay").glob("*.toml"))


def baseline_for(scenario: tradesim.Scenario, resolution: str = "mixed") -> xr.Dataset:
    if scenario.base_year not in (2024, 2025):
        resolution = "hs2"
    return tradesim.load_baseline(resolution, year=scenario.base_year)


def dense_tariff_path(baseline: xr.Dataset, scenario: tradesim.Scenario) -> np.ndarray:
    """The tariff path (T, I, E, P) with every term evaluated on every cell."""
    axis = schedule.axis_of(baseline)
    base = baseline["tariff"].transpose(*MARKET_DIMS).to_numpy()
    measures = scenario.measures
    n_years = len(scenario.years)
    out = np.broadcast_to(base, (n_years, *base.shape)).copy()
    if not measures:
        return out
    plan = axis.plan(scenario)
    assert not any(m.mode in OPERATORS for m in measures)  # those have their own path
    if plan.level:
        columns = sorted(set(plan.level) | {j for i in plan.level for j in plan.overriders[i]})
        out = np.zeros_like(out)
        for mask in schedule._patterns(plan.active, columns):
            on = np.zeros(len(measures), dtype=bool)
            on[columns] = plan.active[np.argmax(mask), columns]
            rate = schedule._level_rate(base, measures, plan.weights, plan.overriders, on)
            out += plan.year_weight[:, mask].sum(axis=1)[:, None, None, None] * rate[None]
    flat = out.reshape(n_years, -1, base.shape[-1])
    for m, x in enumerate(measures):
        if x.mode != "add" or not x.rate:
            continue
        touched = [np.flatnonzero(w.reshape(-1, w.shape[-1]).any(axis=1))
                   for w in plan.weights]
        for share, rows, eff in schedule._add_terms(m, plan.weights, plan.overriders,
                                                    plan.active, plan.year_weight, touched):
            full = np.zeros_like(flat[0])
            full[rows] = eff
            flat += (x.rate * share)[:, None, None] * full[None]
    return out


def close(new: np.ndarray, old: np.ndarray) -> None:
    """Equal to 1e-12 of the array's largest magnitude (sums of rates and values cancel)."""
    scale = float(np.abs(old).max()) if old.size else 0.0
    np.testing.assert_allclose(new, old, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("path", SCENARIOS + REPLAYS, ids=lambda p: p.stem)
def test_tariff_path_equals_the_dense_sum(path) -> None:
    scenario = tradesim.load_scenario(path)
    if any(m.mode in OPERATORS for m in scenario.measures):
        pytest.skip("operators are evaluated segment by segment, unchanged")
    baseline = baseline_for(scenario)
    fast = schedule.tariff_path(baseline, scenario).to_numpy()
    close(fast, dense_tariff_path(baseline, scenario))


def test_tariff_path_equals_the_dense_sum_at_hs6() -> None:
    scenario = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    baseline = tradesim.load_baseline("hs6")
    fast = schedule.tariff_path(baseline, scenario).to_numpy()
    close(fast, dense_tariff_path(baseline, scenario))


def test_cells_no_level_measure_touches_keep_the_base_rate_exactly() -> None:
    scenario = tradesim.load_scenario(ROOT / "scenarios" / "vn-mfn-cuts-2025.toml")
    baseline = tradesim.load_baseline()
    path = schedule.tariff_path(baseline, scenario)
    base = baseline["tariff"].transpose(*MARKET_DIMS).to_numpy()
    plan = schedule.axis_of(baseline).plan(scenario)
    untouched = ~np.any([plan.weights[i] > 0 for i in plan.level], axis=0)
    assert untouched.any()
    assert not untouched.all()
    assert (path.to_numpy()[:, untouched] == base[untouched]).all()
    assert (path.to_numpy()[:, ~untouched] != base[~untouched]).any()


@pytest.mark.parametrize("path", SCENARIOS + REPLAYS, ids=lambda p: p.stem)
def test_simulate_equals_the_batch_without_its_scenario_axis(path) -> None:
    scenario = tradesim.load_scenario(path)
    baseline = baseline_for(scenario)
    one = trajectory.simulate(baseline, scenario)
    batch = trajectory.run(baseline, [scenario]).isel(scenario=0, drop=True)
    xr.testing.assert_identical(one, batch)
    assert list(one.data_vars) == list(batch.data_vars)
    for name, var in one.variables.items():
        assert var.dims == batch.variables[name].dims
        assert var.attrs == batch.variables[name].attrs


def test_a_batch_with_draws_keeps_both_axes_and_the_draw_labels(baseline) -> None:
    scenarios = [tradesim.load_scenario(ROOT / "scenarios" / f)
                 for f in ("framework-2025.toml", "liberation-day-46.toml")]
    rng = np.random.default_rng(1)
    shape = (3, baseline.sizes["importer"], baseline.sizes["product"])
    draws = xr.Dataset({"sigma": (("draw", "importer", "product"), rng.uniform(2, 5, shape))},
                       coords={"draw": [10, 11, 12]})
    result = trajectory.run(baseline, scenarios, draws)
    assert result["value"].dims[:2] == ("scenario", "draw")
    assert result["draw"].to_numpy().tolist() == [10, 11, 12]
    for d in range(3):
        one = draws.isel(draw=[d])
        alone = trajectory.run(baseline, scenarios[:1], one).isel(scenario=0, draw=0)
        close(result["value"].isel(scenario=0, draw=d).to_numpy(), alone["value"].to_numpy())


def test_squeeze_takes_one_scenario(baseline) -> None:
    s = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    with pytest.raises(tradesim.ScheduleError, match="one scenario"):
        trajectory.run(baseline, [s, s], labels=["a", "b"], squeeze=True)

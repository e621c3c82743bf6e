"""The reduced pass sweeps take equals the full run (issue 13: 1e-12).

``Batch.run(keep=TOTALS + ["value"], detail=...)`` evaluates the price index on the active cells
(:mod:`tradesim.model.sparse`) and demand on the bilateral cells and the detail products only;
every total and every detail cell must equal what the full run gives, on every shipped
scenario, with and without Monte Carlo draws, with re-routing and with commitments.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim.analysis import sweep
from tradesim.model import trajectory
from tradesim.scenario.parse import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
KEEP = [*trajectory.TOTALS, "value"]


@pytest.fixture(scope="module")
def baseline() -> xr.Dataset:
    return tradesim.load_baseline()


def _draws(baseline: xr.Dataset, n: int = 4) -> xr.Dataset:
    spec = tradesim.io.read_sweep(ROOT / "sweeps" / "framework-mc.toml")
    assert spec.monte_carlo is not None
    return sweep.sample(spec.monte_carlo, sweep.centres(baseline),
                        tradesim.io.elasticity_ranges(baseline), 0, n)


def _check(baseline: xr.Dataset, scenarios: list, draws: xr.Dataset | None,
           detail: np.ndarray) -> None:
    full = trajectory.run(baseline, scenarios, draws)
    lean = trajectory.prepare(baseline, scenarios).run(draws, KEEP, detail=detail)
    for var in trajectory.TOTALS:
        np.testing.assert_allclose(lean[var], full[var], rtol=1e-12, atol=1e-3, err_msg=var)
    np.testing.assert_allclose(lean["value"], full["value"].isel(product=detail),
                               rtol=1e-12, atol=1e-3)
    assert list(lean["product"].to_numpy()) == list(baseline["product"].to_numpy()[detail])


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("drawn", [False, True], ids=["central", "draws"])
def test_every_shipped_scenario(baseline, name: str, drawn: bool) -> None:
    s = tradesim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
    detail = np.array([3, 40, 41, 90, baseline.sizes["product"] - 1])
    _check(baseline, [s], _draws(baseline) if drawn else None, detail)


def test_re_routing_and_commitments_in_one_batch(baseline) -> None:
    doc = tradesim.load_scenario(ROOT / "scenarios" / "combined-deal.toml").to_dict()
    doc["transshipment"] = {"origin_switching": 0.3}
    with_rule = parse_scenario(doc)
    doc["scenario"]["name"] = "other"
    doc["transshipment"] = {"origin_switching": 0.05}
    other = parse_scenario(doc)
    assert with_rule.commitments
    _check(baseline, [with_rule, other], _draws(baseline, 3), np.arange(0, 137, 7))


def test_a_tariff_already_moving_in_the_base_year(baseline) -> None:
    # the reduced pass skips the leading years in which no price moves; here none is skipped
    doc = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml").to_dict()
    doc["tariff"][0]["from"] = datetime.date(2024, 3, 1)
    s = parse_scenario(doc)
    batch = trajectory.prepare(baseline, [s])
    assert (batch.arrays.t1[:, :, 0] != batch.arrays.t0).any()
    _check(baseline, [s], _draws(baseline), np.array([3, 40, 90]))


def test_zero_shock_is_the_baseline_to_the_bit(baseline) -> None:
    s = tradesim.load_scenario(ROOT / "scenarios" / "baseline.toml")
    lean = trajectory.prepare(baseline, [s]).run(_draws(baseline, 3), KEEP, detail=[1, 2])
    for var in ("exports", "imports", "balance"):
        np.testing.assert_array_equal(lean[var], lean[f"{var}_baseline"])


def test_detail_needs_value_and_sorted_positions(baseline) -> None:
    s = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    batch = trajectory.prepare(baseline, [s])
    with pytest.raises(tradesim.ScheduleError, match="detail= needs keep"):
        batch.run(None, ["balance"] + ["tariff"], detail=[1])
    with pytest.raises(tradesim.ScheduleError, match="sorted, unique"):
        batch.run(None, KEEP, detail=[5, 2])


def test_static_cells_are_not_evaluated_and_keep_their_projection(baseline) -> None:
    # framework-2025 moves no price in Vietnam's market: its cells are static (gap 0, factor 1)
    s = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    batch = trajectory.prepare(baseline, [s])
    draws = _draws(baseline, 3)
    lean = batch.run(draws, KEEP, detail=np.arange(baseline.sizes["product"]))
    cells = batch._output_cells(tuple(range(baseline.sizes["product"])))
    assert 0 < cells.dynamic < cells.flat.size
    vn = lean["value"].sel(importer="VNM")
    np.testing.assert_allclose(vn.sel(exporter="USA").sum("product"), lean["exports"], rtol=1e-14)
    full = trajectory.run(baseline, [s], draws)
    np.testing.assert_allclose(lean["value"], full["value"], rtol=1e-12, atol=1e-3)


def test_detail_off_the_reduced_pass_is_the_full_runs_products(baseline) -> None:
    # method smart is not CES: the batch runs in full, and detail still selects the products
    doc = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml").to_dict()
    doc["scenario"]["method"] = "smart"
    s = parse_scenario(doc)
    batch = trajectory.prepare(baseline, [s])
    assert batch.reduced(None, [3, 40]) is None
    got = batch.run(None, KEEP, detail=[3, 40])
    full = trajectory.run(baseline, [s])
    np.testing.assert_array_equal(got["value"], full["value"].isel(product=[3, 40]))
    np.testing.assert_array_equal(got["balance"], full["balance"])


def test_a_sweep_off_the_reduced_pass_keeps_its_product_outputs(baseline) -> None:
    from tradesim.scenario.sweep_file import parse_sweep

    doc = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml").to_dict()
    doc["scenario"]["method"] = "smart"
    spec = parse_sweep({"sweep": {"name": "smart-grid",
                                  "grid": {"tariff.vn-recip-20.rate": [10, 30]},
                                  "outputs": {"products": ["61", "85"]}}}, parse_scenario(doc))
    ds = sweep.evaluate(spec, baseline)
    one = trajectory.run(baseline, [spec.points[1]])["value"].isel(scenario=0).to_numpy()
    order, starts = sweep._members(baseline, ["61", "85"])
    np.testing.assert_allclose(ds["value"].isel(rate=1).to_numpy(),
                               np.add.reduceat(one[..., order], starts, axis=-1), rtol=1e-12)


def test_the_plan_and_the_batch_share_one_rule_for_the_reduced_pass(baseline) -> None:
    # sweep.plan sizes chunks for the pass the batch will take: an exporter's own finite ω in
    # the baseline (omega_exporter) takes the full engine, as a finite ω override does
    from tradesim.scenario.sweep_file import parse_sweep

    base = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    own = baseline["sigma"].isel(product=0, drop=True).expand_dims(
        exporter=baseline.indexes["exporter"]).transpose("importer", "exporter") * np.nan
    with_own = baseline.assign(omega_exporter=own.where(own.exporter != "CHN", 2.0))
    inf_own = baseline.assign(omega_exporter=own.fillna(np.inf))
    doc = base.to_dict()
    doc["elasticities"] = {"omega": {"all": 5.0}}
    finite = parse_scenario(doc)
    doc["elasticities"] = {"omega": {"all": float("inf")}}
    infinite = parse_scenario(doc)
    draws = {"sweep": {"name": "mc", "monte_carlo": {"draws": 1000, "seed": 1, "sigma": {
        "distribution": "lognormal", "low": 1.5, "high": 6.0}}}}
    lean = sweep.plan(parse_sweep(draws, base), baseline, parallel=1).draw_chunk
    for b, s, expected in ((baseline, base, True), (with_own, base, False),
                           (inf_own, base, True), (baseline, finite, False),
                           (baseline, infinite, True)):
        batch = trajectory.prepare(b, [s])
        assert batch.reducible is trajectory.reducible(b, [s]) is expected
        assert (batch.reduced(None) is not None) is expected
        chunk = sweep.plan(parse_sweep(draws, s), b, parallel=1).draw_chunk
        assert (chunk == lean) is expected, (chunk, lean)  # 256 on the reduced pass, else 90

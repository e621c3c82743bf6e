"""Grid points built from the parsed base, and tariff paths batched over scenarios, equal the
whole-document parse and the per-scenario tariff path (issue 13)."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradesim
from tradesim import io
from tradesim.errors import Problems, ScenarioError, ScheduleError
from tradesim.scenario import schedule, sweep_file
from tradesim.scenario.parse import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SWEEPS = sorted((ROOT / "sweeps").glob("*.toml"))
FRAMEWORK = ROOT / "scenarios" / "framework-2025.toml"


def axes_of(base: Scenario, grid: dict[str, list[float]]) -> tuple[sweep_file.GridAxis, ...]:
    p = Problems()
    axes = sweep_file._grid(p, grid, base)
    p.raise_if_any()
    return axes


def both(base: Scenario, axes: tuple[sweep_file.GridAxis, ...]) -> tuple[tuple, tuple]:
    """(points, labels, problems) built from the parsed base and read whole, each point."""
    out = []
    for fast in (True, False):
        p = Problems()
        points, labels = sweep_file._points(p, base, axes, fast=fast)
        out.append((points, labels, [(q.path, q.message, repr(q.value), q.hint)
                                     for q in p.items]))
    return out[0], out[1]


def assert_same(fast: tuple, whole: tuple) -> None:
    assert fast[1] == whole[1]  # labels
    assert fast[2] == whole[2]  # problems, in order, with the same messages
    assert len(fast[0]) == len(whole[0])
    for a, b in zip(fast[0], whole[0], strict=True):
        assert a == b
        assert a.digest() == b.digest()
        assert a.file == b.file


# --------------------------------------------------------------------------- grid points


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_shipped_grid_points_equal_the_whole_parse(path: Path) -> None:
    spec = io.read_sweep(path)
    if not spec.grid:
        pytest.skip("no grid")
    fast, whole = both(spec.base, spec.grid)
    assert_same(fast, whole)
    assert fast[0] == spec.points


def grid_for(base: Scenario) -> dict[str, list[float]]:
    """A grid over the rate of the first measure, the share of the last and (if any) the
    additionality and value of the first commitment."""
    grid: dict[str, list[float]] = {}
    if base.measures:
        first, last = base.measures[0], base.measures[-1]
        grid[f"tariff.{first.id}.rate"] = [0.0, 7.5, 46.0]
        grid[f"tariff.{last.id}.share"] = [0.0, 0.35, 1.0]
    if base.commitments:
        c = base.commitments[0]
        grid[f"commitment.{c.id}.additionality"] = [0.25, 1.0]
        grid[f"commitment.{c.id}.{'units' if c.item else 'value_usd'}"] = [2.0, 3e9]
    return grid


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_grids_on_every_shipped_scenario_equal_the_whole_parse(path: Path) -> None:
    base = tradesim.load_scenario(path)
    grid = grid_for(base)
    if not grid:
        pytest.skip("no measure or commitment to vary")
    assert_same(*both(base, axes_of(base, grid)))


def test_structural_keys_are_read_whole() -> None:
    base = tradesim.load_scenario(FRAMEWORK)
    doc = base.to_dict()
    targets = [("elasticities", "sigma", "61")]
    assert sweep_file._Variants.of(doc, targets, base.file) is None
    axes = axes_of(base, {"elasticities.sigma.61": [1.5, 3.0],
                          "tariff.vn-recip-20.rate": [10, 20]})
    assert_same(*both(base, axes))


VALUES = st.floats(-60, 1200, allow_nan=False) | st.sampled_from([0.0, 100.0, 1000.0, -1e-9])
SHARES = st.floats(-0.5, 1.5, allow_nan=False) | st.sampled_from([0.0, 1.0, 1 + 1e-12])


@settings(max_examples=25, deadline=None)
@given(rates=st.lists(VALUES, min_size=1, max_size=5, unique=True),
       shares=st.lists(SHARES, min_size=1, max_size=4, unique=True),
       same_measure=st.booleans())
def test_generated_grid_values_equal_the_whole_parse(rates: list[float], shares: list[float],
                                                     same_measure: bool) -> None:
    # bad values too: negative rates, rates above the bound, shares outside [0, 1]; the
    # problems (messages, order, the cap on listed points) must be those of the whole parse
    base = tradesim.load_scenario(FRAMEWORK)
    other = "vn-recip-20" if same_measure else "vn-transship-40"
    axes = axes_of(base, {"tariff.vn-recip-20.rate": rates, f"tariff.{other}.share": shares})
    assert_same(*both(base, axes))


def test_a_bad_grid_value_has_the_messages_of_the_whole_parse() -> None:
    base = tradesim.load_scenario(FRAMEWORK)
    doc = {"sweep": {"name": "g", "grid": {"tariff.vn-recip-20.rate": [-5, 10],
                                           "tariff.vn-transship-40.share": [0.5, 1.5]}}}
    with pytest.raises(ScenarioError) as err:
        sweep_file.parse_sweep(doc, base)
    text = str(err.value)
    assert "sweep.grid[vn-recip-20.rate=-5 vn-transship-40.share=0.5]: makes tariff[" in text
    assert "rate invalid: must be >= 0 percent" in text
    assert "share invalid: must be <= 1 fraction" in text


# --------------------------------------------------------------------------- tariff paths


def loop(baseline, scenarios: list[Scenario]) -> np.ndarray:  # noqa: ANN001
    return np.stack([schedule.tariff_path(baseline, s).to_numpy() for s in scenarios])


def variants(base: Scenario, picks: list[int], rates: list[float],
             shares: list[float]) -> list[Scenario]:
    """``base`` with the rate of ``picks[0]`` and the share of ``picks[1]`` (and the rate of
    any further pick) set to every combination of ``rates`` × ``shares``."""
    out = []
    for rate, share in itertools.product(rates, shares):
        measures = list(base.measures)
        for k in picks[::2]:
            measures[k] = dataclasses.replace(measures[k], rate=rate)
        for k in picks[1::2]:
            measures[k] = dataclasses.replace(measures[k], share=share)
        out.append(dataclasses.replace(base, measures=tuple(measures)))
    return out


def baseline_for(scenario: Scenario, resolution: str = "mixed"):  # noqa: ANN201
    if scenario.base_year not in (2024, 2025):
        resolution = "hs2"
    return tradesim.load_baseline(resolution, year=scenario.base_year)


def check_paths(baseline, scenarios: list[Scenario]) -> None:  # noqa: ANN001
    try:
        expected = loop(baseline, scenarios)
    except ScheduleError as err:
        message = str(err)
    else:
        np.testing.assert_array_equal(schedule.tariff_paths(baseline, scenarios), expected)
        return
    with pytest.raises(ScheduleError) as got:
        schedule.tariff_paths(baseline, scenarios)
    assert str(got.value) == message


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_batched_paths_equal_the_per_scenario_path(path: Path) -> None:
    base = tradesim.load_scenario(path)
    baseline = baseline_for(base)
    if not base.measures:
        check_paths(baseline, [base, base])
        return
    n = len(base.measures)
    for picks in ([0, n - 1], [n // 2, n // 2], [n - 1, 0, n // 3]):
        check_paths(baseline, variants(base, picks, [0.0, 0.13, 0.46], [0.0, 0.4, 1.0]))
    # scenarios of several structures in one batch, in an interleaved order
    mixed = variants(base, [0, n - 1], [0.1, 0.2], [0.3, 1.0])
    check_paths(baseline, mixed[::2] + mixed[1::2] + [base])


def test_batched_paths_equal_the_per_scenario_path_at_hs6() -> None:
    base = tradesim.load_scenario(FRAMEWORK)
    k = [m.id for m in base.measures].index("vn-transship-40")
    check_paths(tradesim.load_baseline("hs6"), variants(base, [k - 1, k], [0.3], [0.1, 0.7]))


def with_operators(base: Scenario) -> Scenario:
    """``base`` with a swiss formula on Vietnam from 2027, a cut on China's chapters 61-64 from
    mid-2026 and a cap on Mexico, over the measures already in force (a negotiation)."""
    like = next(m for m in base.measures if m.id == "vn-recip-20")
    extra = (
        dataclasses.replace(like, id="vn-swiss", mode="swiss", rate=0.15,
                            start=datetime.date(2027, 1, 1), end=None),
        dataclasses.replace(like, id="cn-cut", exporters=("CHN",), mode="cut", rate=0.5,
                            products=("61", "62", "64"), start=datetime.date(2026, 7, 1),
                            end=datetime.date(2030, 12, 31)),
        dataclasses.replace(like, id="mx-cap", exporters=("MEX",), mode="cap", rate=0.1,
                            share=0.6, start=datetime.date(2026, 1, 1), end=None),
    )
    return dataclasses.replace(base, measures=(*base.measures, *extra))


@pytest.mark.parametrize("picks", [[-3, -1], [-2, -2], [-1, -3, -4], [0, -3], [-4, 16]],
                         ids=str)
def test_batched_operator_paths_equal_the_per_scenario_path(picks: list[int]) -> None:
    # grids over a cut, cap or swiss rate (and the share of a measure under them) are batched
    base = with_operators(tradesim.load_scenario(FRAMEWORK))
    n = len(base.measures)
    picks = [k % n for k in picks]
    swiss = n - 3 in picks[::2]  # a swiss coefficient must be positive
    scenarios = variants(base, picks, [0.01 if swiss else 0.0, 0.05, 0.3, 0.9],
                         [0.0, 0.45, 1.0])
    baseline = baseline_for(base)
    assert schedule._batched(base, baseline["tariff"].to_numpy())
    check_paths(baseline, scenarios)


def test_the_first_scenario_with_a_problem_raises_it() -> None:
    base = tradesim.load_scenario(FRAMEWORK)
    baseline = tradesim.load_baseline()
    clash = [dataclasses.replace(m, mode="set") if m.id in ("vn-recip-20", "vn-recip-10")
             else m for m in base.measures]
    bad = dataclasses.replace(base, measures=tuple(
        dataclasses.replace(m, end=None) if m.id == "vn-recip-10" else m for m in clash))
    good = variants(base, [0, 1], [0.1, 0.2], [1.0])
    with pytest.raises(ScheduleError, match="both set the rate of the same flow"):
        schedule.tariff_paths(baseline, [*good, bad, *good])
    with pytest.raises(ScheduleError, match="sharing their years"):
        schedule.tariff_paths(baseline, [base, dataclasses.replace(base, horizon=2031)])


def test_a_share_is_no_cache_key() -> None:
    baseline = tradesim.load_baseline()
    base = tradesim.load_scenario(FRAMEWORK)
    k = [m.id for m in base.measures].index("vn-transship-40")
    axis = schedule.axis_of(baseline)
    schedule.tariff_paths(baseline, variants(base, [k, k], [0.4], [0.01, 0.02]), axis)
    before = len(axis._matches)
    many = variants(base, [k, k], [0.4], list(np.linspace(0.03, 0.9, 30)))
    schedule.tariff_paths(baseline, many, axis)
    assert len(axis._matches) == before
    weight = axis.weights(many[3].measures[k], k)
    np.testing.assert_array_equal(weight, axis.scope_weights(many[3].measures[k], k)
                                  * many[3].measures[k].share)


def test_commitment_paths_are_reused_only_for_the_same_commitments() -> None:
    baseline = tradesim.load_baseline()
    base = tradesim.load_scenario(ROOT / "scenarios" / "combined-deal.toml")
    axis = schedule.axis_of(baseline)
    first = schedule.commitment_path(baseline, base, axis)
    tariffs = dataclasses.replace(base, measures=base.measures[:1])
    assert schedule.commitment_path(baseline, tariffs, axis) is first  # same commitments
    with pytest.raises(ValueError, match="read-only"):
        first["amount"].values[0, 0, 0, 0] = 1.0
    c = base.commitments[0]
    other = dataclasses.replace(base, commitments=(
        dataclasses.replace(c, additionality=c.additionality / 2), *base.commitments[1:]))
    halved = schedule.commitment_path(baseline, other, axis)
    np.testing.assert_array_equal(halved["amount"], first["amount"])
    assert float(halved["added"].sum()) < float(first["added"].sum())
    fresh = schedule._commitment_path(baseline, base, axis)
    for var in ("amount", "added", "displace"):
        np.testing.assert_array_equal(schedule.commitment_path(baseline, base, axis)[var],
                                      fresh[var])

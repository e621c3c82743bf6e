"""Sweeps: grid points and draws as dims, equal to single runs; zarr streaming, resume, Dask."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import tradesim
from tradesim import cli, io
from tradesim.analysis import sweep
from tradesim.data.examples import toy_baseline
from tradesim.errors import ScenarioError, ScheduleError, StoreError
from tradesim.scenario.parse import parse_scenario
from tradesim.scenario.sweep_file import parse_statement

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).parent / "bad_inputs" / "sweeps"

BASE = {
    "scenario": {"name": "toy", "horizon": 2027},
    "tariff": [{"id": "recip", "importer": "USA", "exporters": ["VNM"], "products": "all",
                "rate": 20},
               {"id": "phones", "importer": "USA", "exporters": ["VNM", "CHN"],
                "products": ["8517"], "rate": 10, "overrides": ["recip"]}],
    "commitment": [{"id": "boeing", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "value_usd": 3e9, "start": 2025, "end": 2027, "additionality": 0.5,
                    "displaces": ["ROW"]}],
}


def make(grid: dict | None = None, mc: dict | None = None, outputs: dict | None = None,
         **head: object) -> sweep.Sweep:
    doc: dict = {"sweep": {"name": "t", **head}}
    if grid is not None:
        doc["sweep"]["grid"] = grid
    if mc is not None:
        doc["sweep"]["monte_carlo"] = mc
    if outputs is not None:
        doc["sweep"]["outputs"] = outputs
    return sweep.parse_sweep(doc, parse_scenario(BASE))


def marks(store: Path) -> np.ndarray:
    """The session that wrote each chunk (0: not done), from the store's bookkeeping."""
    import zarr

    return np.asarray(zarr.open_group(store, mode="r", zarr_format=2)["_tradesim/done"][...])


marks_of = marks

MC = {"draws": 200, "seed": 7, "sigma": "lognormal", "eta": "triangular",
      "adjustment": {"distribution": "triangular", "low": 0.3, "high": 1.0}}


# --------------------------------------------------------------------------- parsing


def test_grid_is_the_cartesian_product_in_file_units() -> None:
    s = make({"tariff.recip.rate": [0, 46], "commitment": {"boeing": {"additionality":
                                                                     [0.25, 1]}}})
    assert s.labels == ("recip.rate=0 boeing.additionality=0.25",
                        "recip.rate=0 boeing.additionality=1",
                        "recip.rate=46 boeing.additionality=0.25",
                        "recip.rate=46 boeing.additionality=1")
    assert [p.measures[0].rate for p in s.points] == [0.0, 0.0, 0.46, 0.46]
    assert [p.commitments[0].additionality for p in s.points] == [0.25, 1.0, 0.25, 1.0]


def test_nested_and_quoted_key_paths_are_the_same_grid() -> None:
    a = make({"tariff.recip.rate": [5, 10]})
    b = make({"tariff": {"recip": {"rate": [5, 10]}}})
    assert a.points == b.points
    assert a.labels == b.labels


def test_value_usd_rescales_the_schedule_and_elasticities_override() -> None:
    s = make({"commitment.boeing.value_usd": [6e9], "elasticities.sigma.61": [5.0],
              "commitment.boeing.schedule.2026": [0.0]})
    point = s.points[0]
    assert dict(point.commitments[0].schedule) == {2025: 2e9, 2026: 0.0, 2027: 2e9}
    assert dict(point.elasticities)["sigma"] == (("61", 5.0),)


def test_every_point_is_validated_and_problems_are_collected() -> None:
    with pytest.raises(ScenarioError) as info:
        make({"tariff.recip.rate": [-1, 20, 2000], "tariff.phones.shar": [0.5]})
    messages = [str(p) for p in info.value.problems]
    assert any("tariff.phones.shar" in m and "'share'" in m for m in messages)
    info2 = pytest.raises(ScenarioError, make, {"tariff.recip.rate": [-1, 20, 2000]})
    text = str(info2.value)
    assert "[recip.rate=-1]: makes tariff[0].rate invalid: must be >= 0" in text
    assert "[recip.rate=2000]: makes tariff[0].rate invalid: must be <= 1000" in text


@pytest.mark.parametrize(("text", "expected"), [
    ("deficit(2028) vs baseline <= -10%", ("deficit", 2028, "baseline", "<=", -0.1, True)),
    ("balance(2030) > -175 bn", ("balance", 2030, None, ">", -175e9, False)),
    ("imports(2030) vs 2024 < 0%", ("imports", 2030, "2024", "<", 0.0, True)),
    ("exports(2026) vs 2025 ≥ 1e9", ("exports", 2026, "2025", ">=", 1e9, False)),
])
def test_statements_are_parsed(text: str, expected: tuple) -> None:
    s = parse_statement(text, range(2024, 2033))
    assert (s.variable, s.year, s.reference, s.op, s.threshold, s.relative) == expected


def test_probability_by_hand() -> None:
    s = make(mc={"draws": 4, "seed": 1, "sigma": "lognormal"},
             outputs={"probabilities": ["deficit(2026) vs baseline <= -10%",
                                        "balance(2026) > -5 bn"]})
    # 4 draws: deficits 9.5, 8.9, 8, NaN (not computed) against a baseline deficit of 10 bn.
    balance = np.full((4, 4), np.nan)
    balance[:3, 2] = [-9.5e9, -8.9e9, -8e9]
    data = xr.Dataset({"balance": (("draw", "year"), balance),
                       "balance_baseline": (("year",), np.full(4, -10e9))},
                      coords={"year": [2024, 2025, 2026, 2027]})
    summary = sweep.summarize(data, dataclasses.replace(
        s, outputs=dataclasses.replace(s.outputs, variables=("balance",))))
    assert summary["probability"].values.tolist() == [2 / 3, 0.0]
    assert summary.attrs["draws"] == 4
    assert "draws_done" not in summary  # bookkeeping stays out of the user's Dataset


def test_nanquantile_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 101, 3))
    x[0, :40] = np.nan
    q = np.array([0.05, 0.5, 0.95])
    np.testing.assert_allclose(sweep.nanquantile(x, q, axis=1),
                               np.nanquantile(x, q, axis=1), rtol=1e-13)


# --------------------------------------------------------------------------- draws


def test_draws_do_not_depend_on_the_chunking(toy) -> None:
    s = make(mc=MC)
    ranges = io.elasticity_ranges(toy)
    centre = toy[["sigma", "eta", "adjustment"]]
    whole = sweep.sample(s.monte_carlo, centre, ranges)
    parts = xr.concat([sweep.sample(s.monte_carlo, centre, ranges, a, min(a + 37, 200))
                       for a in range(0, 200, 37)], dim="draw")
    xr.testing.assert_identical(whole, parts)
    a = sweep.evaluate(s, toy, ranges, chunk=13)
    b = sweep.evaluate(s, toy, ranges, chunk=200)
    xr.testing.assert_equal(a, b)  # exact values; only the chunking attributes differ


def test_distributions_match_their_definition(baseline) -> None:
    ranges = io.elasticity_ranges(baseline)
    centre = baseline[["sigma", "eta", "adjustment"]]
    mc = sweep.MonteCarlo(4000, 11, (sweep.Distribution("sigma", "lognormal"),
                                     sweep.Distribution("eta", "triangular")))
    d = sweep.sample(mc, centre, ranges)
    sigma = d["sigma"].sel(importer="USA", product="61").to_numpy()
    mid = float(baseline["sigma"].sel(importer="USA", product="61"))
    low = float(ranges["sigma_low"].sel(importer="USA", product="61"))
    high = float(ranges["sigma_high"].sel(importer="USA", product="61"))
    assert np.median(sigma) == pytest.approx(mid, rel=0.03)
    spread = np.log(np.quantile(sigma, 0.75) / np.quantile(sigma, 0.25))
    assert spread == pytest.approx(np.log(high / low), rel=0.08)
    eta = d["eta"].to_numpy()
    lo = np.minimum(ranges["eta_low"], baseline["eta"]).to_numpy()
    hi = np.maximum(ranges["eta_high"], baseline["eta"]).to_numpy()
    assert ((eta >= lo - 1e-12) & (eta <= hi + 1e-12)).all()


def test_correlation_makes_draws_move_together(toy) -> None:
    def spread(rho: float) -> float:
        mc = sweep.MonteCarlo(500, 3, (sweep.Distribution("sigma", "lognormal", 2.0, 4.0),),
                              rho)
        s = sweep.sample(mc, toy[["sigma"]], None)["sigma"]
        return float(np.log(s).mean(["importer", "product"]).std())

    assert spread(1.0) > 3 * spread(0.0)


# --------------------------------------------------------------------------- N points = N runs


@settings(max_examples=15, deadline=None)
@given(rates=st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=4, unique=True),
       shares=st.lists(st.sampled_from([0.0, 0.3, 1.0]), min_size=1, max_size=2, unique=True))
def test_a_sweep_of_n_points_equals_n_single_runs(rates: list[float],
                                                   shares: list[float]) -> None:
    toy = toy_baseline()
    s = make({"tariff.recip.rate": rates, "commitment.boeing.additionality": shares},
             outputs={"products": ["61", "85"]})
    ds = sweep.evaluate(s, toy, chunk=3)
    assert ds["balance"].dims == ("rate", "additionality", "year")
    for rate, share in ((r, a) for r in rates for a in shares):
        doc = {**BASE, "tariff": [{**BASE["tariff"][0], "rate": rate}, BASE["tariff"][1]],
               "commitment": [{**BASE["commitment"][0], "additionality": share}]}
        one = tradesim.simulate(doc, toy)
        point = ds.sel(rate=rate, additionality=share)
        # the sweep's reduced pass (active-cell index, bilateral cells) equals the full run
        # up to summation order
        for var in ("balance", "exports", "imports", "balance_baseline"):
            np.testing.assert_allclose(point[var].values, one[var].values, rtol=1e-13)
        np.testing.assert_allclose(point["value"].sel(product="61").values,
                                   one["value"].sel(product="61").values, rtol=1e-13)


def test_each_draw_equals_a_single_run_on_its_parameters(toy) -> None:
    s = make({"tariff.recip.rate": [10, 46]}, mc={**MC, "draws": 30})
    ranges = io.elasticity_ranges(toy)
    ds = sweep.evaluate(s, toy, ranges, chunk=7)
    draws = sweep.sample(s.monte_carlo, toy[["sigma", "eta", "adjustment"]], ranges)
    for k, point in enumerate(s.points):
        for d in (0, 13, 29):
            b = toy.copy()
            for p in ("sigma", "eta", "adjustment"):
                b[p] = draws[p].isel(draw=d, drop=True)
            one = tradesim.simulate(point, b)
            np.testing.assert_allclose(ds["balance"].isel(rate=k, draw=d).values,
                                       one["balance"].values, rtol=1e-13)


# --------------------------------------------------------------------------- zarr, resume


def test_store_equals_memory_and_refuses_to_overwrite(toy, tmp_path: Path) -> None:
    s = make({"tariff.recip.rate": [0, 20, 46]}, mc={**MC, "draws": 40},
             outputs={"products": ["61"], "probabilities": ["deficit(2027) vs 2024 <= 0%"]})
    ranges = io.elasticity_ranges(toy)
    out = tmp_path / "s.zarr"
    ran = sweep.run_sweep(s, toy, out, ranges=ranges, chunk=15)
    assert (ran.session, ran.done_before, len(ran.computed)) == (1, 0, 9)
    stored = sweep.open_store(out)
    expected = sweep.evaluate(s, toy, ranges, chunk=15)
    for var in expected.data_vars:
        np.testing.assert_array_equal(stored[var].values, expected[var].values)
    assert (marks(out) == 1).all()
    assert "chunk_done" not in stored
    assert "balance_quantile" in stored
    assert "probability" in stored
    with pytest.raises(StoreError, match="exists: pass resume=True"):
        sweep.run_sweep(s, toy, out, ranges=ranges)
    again = sweep.run_sweep(s, toy, out, ranges=ranges, resume=True)
    assert (again.session, again.done_before, again.computed) == (2, 9, ())
    other = make({"tariff.recip.rate": [0, 21, 46]}, mc={**MC, "draws": 40})
    with pytest.raises(StoreError, match="holds another sweep"):
        sweep.run_sweep(other, toy, out, ranges=ranges, resume=True)


def test_the_stored_summary_is_the_in_memory_one_whatever_the_blocks(toy,
                                                                    tmp_path: Path) -> None:
    s = make({"tariff.recip.rate": [0, 46]}, mc={**MC, "draws": 60},
             outputs={"products": ["61", "85"],
                      "probabilities": ["deficit(2027) vs baseline <= -1%"]})
    ranges = io.elasticity_ranges(toy)
    out = tmp_path / "s.zarr"
    ran = sweep.run_sweep(s, toy, out, ranges=ranges, chunk=10)
    chunks = sweep.reading_chunks(out)
    assert chunks["draw"] % ran.plan.draw_chunk == 0
    assert chunks["draw"] > ran.plan.draw_chunk  # several store chunks per Dask task
    assert sweep.reading_chunks(out, memory=1) == {"draw": ran.plan.draw_chunk}
    in_memory = sweep.summarize(sweep.evaluate(s, toy, ranges, chunk=10), s)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    tiny = sweep.summarize(sweep.open_store(out), s, memory=3_000, scratch=scratch)
    assert ran.summary is not None
    for var in in_memory.data_vars:
        np.testing.assert_array_equal(ran.summary[var].values, in_memory[var].values)
        np.testing.assert_array_equal(tiny[var].values, in_memory[var].values)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.zarr", "s.zarr.lock", "scratch"]
    assert not list(scratch.iterdir())  # the scratch files are gone


def test_resume_finishes_only_the_missing_chunks(toy, tmp_path: Path) -> None:
    s = make({"tariff.recip.rate": [5, 25]}, mc={**MC, "draws": 30})
    ranges = io.elasticity_ranges(toy)
    out = tmp_path / "r.zarr"
    sweep.run_sweep(s, toy, out, ranges=ranges, chunk=10)
    import zarr

    group = zarr.open_group(out, mode="r+", zarr_format=2)
    group["_tradesim/done"][0, 1] = 0  # as if killed before these two chunks were marked
    group["_tradesim/done"][1, 2] = 0
    group["balance"][1, 20:30] = np.nan
    ran = sweep.run_sweep(s, toy, out, ranges=ranges, resume=True)
    assert sorted(ran.computed) == [(0, 1), (1, 2)]
    np.testing.assert_array_equal(sweep.open_store(out)["balance"].values,
                                  sweep.evaluate(s, toy, ranges, chunk=10)["balance"].values)


KILL_BASE = """
[scenario]
name = "kill-test"
horizon = 2028

[[tariff]]
id = "recip"
importer = "USA"
exporters = ["VNM"]
products = "all"
rate = 20
from = 2025-08-07
"""

KILL_SWEEP = """
[sweep]
name = "kill-test"
base = "base.toml"
chunk = 25

[sweep.grid]
tariff.recip.rate = [10, 46]

[sweep.monte_carlo]
draws = 1000
seed = 5
sigma = "lognormal"
eta = "triangular"
"""


def test_a_killed_sweep_resumes_without_duplicated_or_lost_chunks(tmp_path: Path,
                                                                   capsys) -> None:
    (tmp_path / "base.toml").write_text(KILL_BASE)
    spec_file = tmp_path / "sweep.toml"
    spec_file.write_text(KILL_SWEEP)
    out = tmp_path / "k.zarr"
    import zarr

    proc = subprocess.Popen([sys.executable, "-m", "tradesim.cli", "sweep", str(spec_file),
                             "-o", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    marks = np.zeros(0)
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                marks = zarr.open_group(out, mode="r", zarr_format=2)["_tradesim/done"][:]
            except Exception:  # noqa: BLE001 - store not created yet, or mid-write
                marks = np.zeros(0)
            if (marks > 0).sum() >= 3:
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = marks_of(out)
    total = before.size
    assert 3 <= (before == 1).sum() < total, "the kill came too late to test resume"
    assert cli.main(["sweep", str(spec_file), "-o", str(out), "--resume"]) == 0
    text = capsys.readouterr().out
    missing = int((before == 0).sum())
    assert f"{missing} chunk(s) computed" in text
    assert f"{total - missing} were already done" in text
    after = marks_of(out)
    np.testing.assert_array_equal(after[before == 1], 1)  # done chunks not recomputed
    np.testing.assert_array_equal(after[before == 0], 2)  # every missing one done once
    spec = io.read_sweep(spec_file)
    b = tradesim.load_baseline()
    clean = sweep.evaluate(spec, b, io.elasticity_ranges(b), chunk=25)
    stored = sweep.open_store(out)
    for var in clean.data_vars:
        np.testing.assert_array_equal(stored[var].values, clean[var].values)


# --------------------------------------------------------------------------- Dask cluster


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    # dashboard on a free port: another process on the machine may hold Dask's default 8787
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_local_cluster_of_two_workers_gives_identical_numbers(client, toy,
                                                              tmp_path: Path) -> None:
    assert len(client.nthreads()) == 2
    s = make({"tariff.recip.rate": [0, 20, 46]}, mc={**MC, "draws": 200},
             outputs={"products": ["61", "85"]})
    ranges = io.elasticity_ranges(toy)
    ran = sweep.run_sweep(s, toy, tmp_path / "c.zarr", ranges=ranges, chunk=50,
                          scheduler=client)
    assert len(ran.computed) == 12
    stored = sweep.open_store(tmp_path / "c.zarr")
    local = sweep.evaluate(s, toy, ranges, chunk=50)
    for var in local.data_vars:
        np.testing.assert_array_equal(stored[var].values, local[var].values)


def test_cli_sweep_on_a_scheduler_address(client, tmp_path: Path, capsys) -> None:
    (tmp_path / "base.toml").write_text(KILL_BASE)
    spec_file = tmp_path / "sweep.toml"
    spec_file.write_text(KILL_SWEEP.replace("draws = 1000", "draws = 100").replace(
        "chunk = 25", "chunk = 50"))
    address = client.scheduler.address
    assert cli.main(["sweep", str(spec_file), "-o", str(tmp_path / "a.zarr"),
                     "--scheduler", address]) == 0
    assert cli.main(["sweep", str(spec_file), "-o", str(tmp_path / "b.zarr")]) == 0
    a, b = sweep.open_store(tmp_path / "a.zarr"), sweep.open_store(tmp_path / "b.zarr")
    np.testing.assert_array_equal(a["balance"].values, b["balance"].values)
    assert address in capsys.readouterr().out


# --------------------------------------------------------------------------- CLI


MC_SWEEP = """
[sweep]
name = "cli-mc"
title = "CLI test"
base = "base.toml"

[sweep.monte_carlo]
draws = 60
seed = 1
sigma = "lognormal"

[sweep.outputs]
probabilities = ["deficit(2028) vs baseline <= -5%"]
"""


def test_cli_sweep_json_is_one_document(tmp_path: Path, capsys) -> None:
    import json

    (tmp_path / "base.toml").write_text(KILL_BASE)
    (tmp_path / "mc.toml").write_text(MC_SWEEP)
    assert cli.main(["sweep", str(tmp_path / "mc.toml"), "-o", str(tmp_path / "o.zarr"),
                     "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)  # stdout holds the document only
    assert doc["command"] == "sweep"
    assert doc["sweep"]["draws"] == 60
    assert doc["statements_kind"] == "probability"
    first = doc["tables"]["balance"][0]
    assert {"year", "baseline", "q5", "q50", "q95"} <= set(first)
    (row,) = doc["tables"]["statements"]
    (share,) = (v for k, v in row.items() if k.startswith("deficit_2028"))
    assert 0 <= share <= 1


def test_cli_sweep_prints_quantiles_probabilities_and_a_fan(tmp_path: Path, capsys) -> None:
    (tmp_path / "base.toml").write_text(KILL_BASE)
    (tmp_path / "mc.toml").write_text(MC_SWEEP)
    png = tmp_path / "fan.png"
    out = tmp_path / "o.zarr"
    assert cli.main(["sweep", str(tmp_path / "mc.toml"), "-o", str(out), "--plot",
                     str(png)]) == 0
    captured = capsys.readouterr()
    assert "quantiles over 60 draws" in captured.out
    assert "q5" in captured.out
    assert "q95" in captured.out
    assert "baseline" in captured.out
    assert "deficit(2028) vs baseline <= -5%" in captured.out
    assert "chunk/s" in captured.err  # the tqdm progress bar
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["sweep", str(tmp_path / "mc.toml"), "-o", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err


def test_cli_sweep_bad_inputs_exit_2(tmp_path: Path, capsys) -> None:
    assert cli.main(["sweep", str(BAD / "sweep_unknown_field.toml"), "-o",
                     str(tmp_path / "x.zarr")]) == 2
    assert "did you mean 'rate'" in capsys.readouterr().err
    (tmp_path / "base.toml").write_text(KILL_BASE)
    (tmp_path / "g.toml").write_text(KILL_SWEEP.split("[sweep.monte_carlo]")[0])
    assert cli.main(["sweep", str(tmp_path / "g.toml"), "-o", str(tmp_path / "g.zarr"),
                     "--plot", str(tmp_path / "f.png")]) == 2
    assert "no [sweep.monte_carlo]" in capsys.readouterr().err
    assert not (tmp_path / "g.zarr").exists()


def test_shipped_sweeps_are_valid() -> None:
    grid = io.read_sweep(ROOT / "sweeps" / "framework-rate-grid.toml")
    assert len(grid.points) == 36
    assert grid.monte_carlo is None
    mc = io.read_sweep(ROOT / "sweeps" / "framework-mc.toml")
    assert mc.n_draws == 10_000
    assert mc.base.name == "framework-2025"
    assert mc.outputs.statements[0].text == "deficit(2028) vs baseline <= -10%"


# --------------------------------------------------------------------------- bad inputs


#: file -> (exception, regex the message must match)
CATALOGUE: dict[str, tuple[type[Exception], str]] = {
    "sweep_unknown_measure_id.toml": (
        ScenarioError, r"sweep\.grid\.tariff\.vn-recip-2\.rate: no tariff with that id.*"
                       r"did you mean 'vn-recip-20'"),
    "sweep_unknown_field.toml": (ScenarioError,
                                 r"tariff\.vn-recip-20\.rat: not a sweepable field.*'rate'"),
    "sweep_horizon.toml": (ScenarioError, r"scenario\.horizon: is not sweepable"),
    "sweep_non_numeric_value.toml": (ScenarioError, r"values must be finite numbers.*'20'"),
    "sweep_point_invalid.toml": (
        ScenarioError, r"sweep\.grid\[vn-recip-20\.rate=-5\]: makes tariff\[\d+\]\.rate "
                       r"invalid: must be >= 0 percent"),
    "sweep_missing_base.toml": (ScenarioError, r"sweep\.base: required"),
    "sweep_base_not_found.toml": (ScenarioError, r"sweep\.base: file does not exist"),
    "sweep_unknown_distribution.toml": (ScenarioError,
                                        r"sigma: unknown distribution.*'normal'.*lognormal"),
    "sweep_adjustment_without_range.toml": (ScenarioError, r"adjustment: the embedded table "
                                            r"has no low/high range.*give one"),
    "sweep_missing_seed.toml": (ScenarioError, r"seed: must be an integer >= 0"),
    "sweep_draws_zero.toml": (ScenarioError, r"draws: must be an integer in 1"),
    "sweep_bad_statement.toml": (ScenarioError, r"probabilities\[0\]: cannot read this "
                                 r"statement; syntax"),
    "sweep_statement_year_outside.toml": (ScenarioError, r"year 2040 is outside 2024–2032"),
    "sweep_percent_without_reference.toml": (ScenarioError, r"a percentage needs a reference"),
    "sweep_unknown_key.toml": (ScenarioError, r"sweep\.grdi: unknown key.*'grid'"),
    "sweep_unknown_output_variable.toml": (ScenarioError,
                                           r"variables: must be a non-empty list drawn from"),
    "sweep_unknown_elasticity.toml": (ScenarioError,
                                      r"elasticities\.sigmaa: unknown elasticity parameter"
                                      r".*'sigma'"),
    # Valid sweeps that do not fit the embedded baseline:
    "sweep_product_finer_than_axis.toml": (ScheduleError, r"'8504': it lies inside product "
                                           r"'85\*'"),
    "sweep_scope_finer_than_axis.toml": (ScheduleError, r"finer than the product axis"),
}


def test_every_bad_sweep_is_catalogued() -> None:
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_bad_sweep_gets_its_message(name: str, baseline) -> None:
    error, pattern = CATALOGUE[name]
    with pytest.raises(error, match=pattern) as info:
        sweep.evaluate(io.read_sweep(BAD / name), baseline)
    if error is ScenarioError:
        assert str(BAD / name) in str(info.value), "the message names the sweep file"



# --------------------------------------------------------------------------- benchmarks


def test_scale_benchmarks_smoke(capsys) -> None:
    """Smoke-run every subject once at tiny sizes (no timing is asserted)."""
    import runpy

    module = runpy.run_path(str(ROOT / "benchmarks" / "scale.py"))
    rows = module["main"](["--smoke"])
    assert [r.subject for r in rows] == ["a", "b", "c", "d", "c64", "c32"]
    out = capsys.readouterr().out
    assert "memory bandwidth" in out
    assert "cells/s" in out
    reference = runpy.run_path(str(ROOT / "benchmarks" / "reference.py"))
    b = tradesim.load_baseline()
    s = tradesim.load_scenario(ROOT / "scenarios" / "framework-2025.toml")
    np.testing.assert_allclose(reference["balance"](b, s).to_numpy(),
                               tradesim.simulate(s, b)["balance"].to_numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- as data engineers
# expect it (issue 12): netCDF, every row, real grid dims, a plain zarr store, URLs, flags


GRID_SWEEP = """
[sweep]
name = "cli-grid"
title = "Grid test"
base = "base.toml"

[sweep.grid]
tariff.recip.rate = [0, 10, 20, 30, 40, 46]
tariff.recip.share = [0.5, 1.0]

[sweep.outputs]
probabilities = ["deficit(2028) vs baseline <= -5%"]
"""


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    (tmp_path / "base.toml").write_text(KILL_BASE)
    (tmp_path / "grid.toml").write_text(GRID_SWEEP)
    return tmp_path / "grid.toml"


def test_cli_sweep_to_netcdf_writes_netcdf_and_nothing_else(grid_file: Path, capsys) -> None:
    out = grid_file.parent / "x.nc"
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--quiet"]) == 0
    assert out.read_bytes()[:4] == b"\x89HDF"  # netCDF4, not a zarr folder
    assert sorted(p.name for p in grid_file.parent.iterdir()) == ["base.toml", "grid.toml",
                                                                  "x.nc"]
    spec = io.read_sweep(grid_file)
    clean = sweep.evaluate(spec, tradesim.load_baseline())
    with xr.open_dataset(out) as ds:
        np.testing.assert_array_equal(ds["balance"].values, clean["balance"].values)
        assert float(ds["balance"].sel(rate=20, share=1.0, year=2028)) == float(
            clean["balance"].sel(rate=20, share=1.0, year=2028))
        assert "holds" in ds
    assert "wrote " + str(out) in capsys.readouterr().out
    assert cli.main(["sweep", str(grid_file), "-o", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--overwrite", "-q"]) == 0


@pytest.mark.parametrize("name", ["x.csv", "x.xlsx", "x", "s3://bucket/x.nc"])
def test_cli_sweep_refuses_other_outputs_before_running(grid_file: Path, name: str,
                                                        capsys) -> None:
    target = name if "://" in name else str(grid_file.parent / name)
    assert cli.main(["sweep", str(grid_file), "-o", target]) == 2
    err = capsys.readouterr().err
    assert "zarr" in err
    assert not any(p.name.startswith("x") for p in grid_file.parent.iterdir())


def test_cli_summary_prints_every_row_or_says_what_is_hidden(grid_file: Path,
                                                             capsys) -> None:
    out = grid_file.parent / "g.zarr"
    assert cli.main(["sweep", str(grid_file), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    table = text.split("by grid point")[1].split("Statements")[0]
    rows = [line for line in table.splitlines() if line.strip().endswith(tuple("0123456789"))
            and not line.startswith("year")]
    assert len(rows) == 12  # 6 rates × 2 shares, nothing dropped
    assert "20.0 0.5" in table or "20.0 0.50" in table
    assert "not probabilities" in text
    assert "hidden" not in text
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--resume", "--rows", "4"]) == 0
    text = capsys.readouterr().out
    assert "… 8 of 12 rows hidden (--rows all shows every row)" in text
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--resume", "--rows", "all"]) == 0
    assert "hidden" not in capsys.readouterr().out


def test_plain_open_zarr_grid_dims_and_no_bookkeeping(grid_file: Path) -> None:
    out = grid_file.parent / "p.zarr"
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "-q"]) == 0
    ds = xr.open_zarr(out)  # plain xarray, warnings are errors in this suite
    assert ds["balance"].dims == ("rate", "share", "year")
    assert ds["rate"].attrs["key_path"] == "tariff.recip.rate"
    picked = ds["balance"].sel(rate=20)
    assert picked.dims == ("share", "year")
    assert not np.isnan(picked.values).any()
    assert set(ds.data_vars) == {"balance", "exports", "imports", "balance_baseline",
                                 "exports_baseline", "imports_baseline", "holds"}
    assert not any(k in ds.attrs for k in ("sessions", "scenario_chunk", "draw_chunk"))
    assert (out / ".zmetadata").is_file()
    for meta in out.rglob(".z*"):
        text = meta.read_text()
        assert str(grid_file.parent) not in text, f"{meta} holds an absolute path"
        assert "/work/" not in text


def test_one_draw_is_not_a_probability(toy) -> None:
    s = make({"tariff.recip.rate": [10, 46]}, mc={"draws": 1, "seed": 1, "sigma": "lognormal"},
             outputs={"probabilities": ["deficit(2027) vs baseline <= -5%"]})
    summary = sweep.summarize(sweep.evaluate(s, toy, io.elasticity_ranges(toy)), s)
    assert "probability" not in summary
    assert "balance_quantile" not in summary
    assert summary["holds"].dims == ("rate", "statement")
    assert set(np.unique(summary["holds"].values)) <= {0.0, 1.0}


def test_chunk_option_and_overwrite(toy, tmp_path: Path) -> None:
    s = make({"tariff.recip.rate": [0, 20, 46]}, mc={**MC, "draws": 20})
    out = tmp_path / "o.zarr"
    ran = sweep.run_sweep(s, toy, out, chunk=10, ranges=io.elasticity_ranges(toy))
    assert (ran.plan.grid_chunks, ran.plan.draw_chunk, len(ran.computed)) == ((1,), 10, 6)
    again = sweep.run_sweep(s, toy, out, chunk=20, overwrite=True,
                            ranges=io.elasticity_ranges(toy))
    assert (again.session, again.plan.draw_chunk, len(again.computed)) == (1, 20, 3)
    folder = tmp_path / "not-a-store"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    with pytest.raises(StoreError, match="is not a zarr store; not removing it"):
        sweep.run_sweep(s, toy, folder, overwrite=True, ranges=io.elasticity_ranges(toy))
    assert (folder / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("url", ["file://{tmp}/u.zarr", "memory://tradesim-test/u.zarr"])
def test_store_urls_through_fsspec(toy, tmp_path: Path, url: str) -> None:
    s = make({"tariff.recip.rate": [0, 46]}, mc={**MC, "draws": 12})
    ranges = io.elasticity_ranges(toy)
    target = url.format(tmp=tmp_path)
    import dask

    # memory:// lives in this process: keep every read here, even if a distributed client
    # of another test is the default scheduler.
    with dask.config.set(scheduler="threads"):
        ran = sweep.run_sweep(s, toy, target, ranges=ranges, chunk=6)
        assert len(ran.computed) == 4
        stored = sweep.open_store(target)
        np.testing.assert_array_equal(stored["balance"].values,
                                      sweep.evaluate(s, toy, ranges, chunk=6)["balance"].values)
        assert sweep.run_sweep(s, toy, target, ranges=ranges, resume=True).computed == ()
    sweep.remove_store(target)
    assert not sweep.store.target(target).exists()


def test_cli_quiet_and_verbose_go_through_logging(grid_file: Path, capsys) -> None:
    out = grid_file.parent / "q.zarr"
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "Sweep:" not in captured.out
    assert "by grid point" in captured.out
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--resume", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "already done" in err
    assert "chunk/s" in err
    with pytest.raises(SystemExit):
        cli.main(["sweep", str(grid_file), "-o", str(out), "-q", "-v"])


def test_ctrl_c_during_the_summary_keeps_every_chunk(grid_file: Path, capsys,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = grid_file.parent / "c.zarr"

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(sweep, "summarize", interrupted)  # Ctrl-C arrives during the summary
        assert cli.main(["sweep", str(grid_file), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "before the summary was written" in err
    assert "--resume (nothing is recomputed)" in err
    assert (marks(out) == 1).all()
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--resume"]) == 0
    text = capsys.readouterr().out
    assert "0 chunk(s) computed" in text
    assert "holds" in xr.open_zarr(out)


def test_workers_write_their_chunks_and_return_no_data(client, toy, tmp_path: Path) -> None:
    s = make({"tariff.recip.rate": [0, 46]}, mc={**MC, "draws": 10})
    ranges = io.elasticity_ranges(toy)
    out = tmp_path / "w.zarr"
    p = sweep.plan(s, toy, chunk=5)
    sweep.run_sweep(s, toy, out, ranges=ranges, chunk=5, scheduler=client)
    import zarr

    zarr.open_group(out, mode="r+", zarr_format=2)["_tradesim/done"][1, 1] = 0
    from tradesim.analysis.store import target, tradesim_version

    future = client.submit(sweep.chunk_task, s, toy, ranges, p, (1, 1), target(out), 7,
                           tradesim_version(), pure=False)
    assert future.result() == ((1, 1), 7)  # the chunk went into the store, not back here
    assert marks(out)[1, 1] == 7


def test_workers_with_another_version_are_refused_and_the_store_resumes(client, toy,
                                                                        tmp_path: Path,
                                                                        caplog) -> None:
    s = make({"tariff.recip.rate": [0, 46]}, mc={**MC, "draws": 10})
    ranges = io.elasticity_ranges(toy)
    out = tmp_path / "v.zarr"

    def set_version(v: str) -> None:  # on a worker that may not have imported tradesim yet
        import tradesim as on_worker

        on_worker.__version__ = v

    ours = tradesim.__version__
    client.run(set_version, "0.0.0-other")
    try:
        with pytest.raises(StoreError, match=r"workers with another tradesim version .*runs "
                                             r"0\.0\.0-other.*can be resumed"):
            sweep.run_sweep(s, toy, out, ranges=ranges, chunk=5, scheduler=client)
    finally:
        client.run(set_version, ours)
    assert (marks(out) == 0).all()
    ran = sweep.run_sweep(s, toy, out, ranges=ranges, resume=True, scheduler=client)
    assert len(ran.computed) == 4
    with pytest.raises(StoreError, match="a worker runs tradesim .*install tradesim 9.9"):
        sweep.chunk_task(s, toy, ranges, ran.plan, (0, 0), ran_target(out), 3, "9.9")


def ran_target(out: Path):  # noqa: ANN201
    from tradesim.analysis.store import target

    return target(out)


def test_scheduler_runs_report_the_dashboard(client, grid_file: Path, capsys) -> None:
    out = grid_file.parent / "d.zarr"
    assert cli.main(["sweep", str(grid_file), "-o", str(out), "--scheduler",
                     client.scheduler.address]) == 0
    err = capsys.readouterr().err
    assert "Dask dashboard" in err

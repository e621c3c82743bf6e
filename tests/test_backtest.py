"""Calibration and backtests on the packaged 2017-19 and 2025 episodes (issue 9 targets)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tradesim import cli, io
from tradesim.analysis import backtest, calibrate
from tradesim.errors import DataError


@pytest.fixture(scope="module")
def episodes() -> dict[str, calibrate.Episode]:
    monthly = io.imports_by_sector_monthly()
    return backtest.episodes(monthly)


@pytest.fixture(scope="module")
def result() -> backtest.Backtest:
    return backtest.backtest(io.imports_by_sector_monthly(), boot=0)


@pytest.mark.parametrize("direction", ["2017-2019 → 2024-2025", "2024-2025 → 2017-2019"])
@pytest.mark.parametrize("supplier", ["VNM", "CHN"])
def test_out_of_sample_changes_are_within_a_quarter_of_actual(
        result: backtest.Backtest, direction: str, supplier: str) -> None:
    row = result.table.loc[(direction, supplier)]
    assert np.sign(row["model change"]) == np.sign(row["actual change"])
    assert abs(row["error %"]) <= 25, row
    assert row["direction right %"] >= 80, row


def test_the_2025_episode_is_the_surge_the_statistics_show(result: backtest.Backtest) -> None:
    """Guard on the data: Vietnam +38 % and China −29 % in Jan–Nov 2025 (consumption basis)."""
    t = result.table.loc["2017-2019 → 2024-2025"]
    vn, cn = t.loc["VNM"], t.loc["CHN"]
    assert vn["actual change"] / vn["base"] == pytest.approx(0.388, abs=0.005)
    assert cn["actual change"] / cn["base"] == pytest.approx(-0.306, abs=0.005)


def test_no_adjustment_keeps_the_base_shares_of_observed_world_demand(
        episodes: dict[str, calibrate.Episode]) -> None:
    ep = episodes["2024-2025"]
    np.testing.assert_allclose(calibrate.predict(ep, 3.0, 6.0, 0.0), ep.share0 * ep.world,
                               rtol=1e-13, atol=1e-15)


def test_predictions_add_up_to_observed_world_demand(
        episodes: dict[str, calibrate.Episode]) -> None:
    ep = episodes["2017-2019"]
    total = calibrate.predict(ep, 4.0, 7.0, 0.3).sum(1, keepdims=True)
    covered = ep.share0.sum(1, keepdims=True) > 0
    np.testing.assert_allclose(total[covered.repeat(1, 1)], ep.world[covered], rtol=1e-12)


def test_the_estimator_recovers_known_parameters(
        episodes: dict[str, calibrate.Episode]) -> None:
    ep = episodes["2024-2025"]
    truth = (3.5, 6.0, 0.25)
    synthetic = dataclasses.replace(ep, actual=calibrate.predict(ep, *truth))
    est = calibrate.fit(synthetic, boot=0)
    assert (est.sigma, est.sigma_nest, est.mu) == pytest.approx(truth, rel=1e-4)


def test_bootstrap_intervals_hold_the_point_estimate(
        episodes: dict[str, calibrate.Episode]) -> None:
    est = calibrate.fit(episodes["2024-2025"], boot=12, seed=3)
    assert est.draws.shape == (12, 3)
    for name in ("sigma_nest", "mu"):
        low, high = est.intervals[name]
        assert low <= getattr(est, name) <= high
    assert 0 < est.lambda_year1 < 1


def test_lambda_year1_is_the_average_first_year_share() -> None:
    mu = 0.3
    months = 1 - (1 - mu) ** np.arange(1, 13)
    assert calibrate.lambda_year1(mu) == pytest.approx(months.mean(), rel=1e-12)


def test_an_episode_outside_the_data_is_refused() -> None:
    with pytest.raises(ValueError, match="no data for 2026-01"):
        calibrate.episode(io.imports_by_sector_monthly(), "future", 2025, ["2026-01"])


def test_cli_backtest_prints_both_directions(capsys: pytest.CaptureFixture[str],
                                             tmp_path) -> None:  # noqa: ANN001
    assert cli.main(["backtest", "--boot", "0", "--plot", str(tmp_path / "bt.png")]) == 0
    out = capsys.readouterr().out
    assert "2017-2019 → 2024-2025" in out
    assert "2024-2025 → 2017-2019" in out
    assert (tmp_path / "bt.png").stat().st_size > 10_000
    assert cli.main(["backtest", "--boot", "-1"]) == 2


def test_cli_calibrate_writes_a_file_the_model_reads(capsys: pytest.CaptureFixture[str],
                                                     tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "one.csv"
    assert cli.main(["calibrate", "--episodes", "2024-2025", "--boot", "0", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    table = io.read_reallocation(out).set_index("parameter")["value"]
    assert table["adjustment"] == pytest.approx(0.858, abs=0.005)  # the 2025 episode alone
    mine = io.load_baseline(reallocation=out)
    us = mine.sel(importer="USA")
    np.testing.assert_allclose((us["sigma_nest"] / us["sigma"]).values, table["nest_ratio"])
    np.testing.assert_allclose(us["adjustment"].values, table["adjustment"])
    shipped = io.load_baseline()
    assert float(shipped["adjustment"].sel(importer="USA").mean()) != pytest.approx(
        table["adjustment"])
    assert cli.main(["calibrate", "--episodes", "1999", "-o", str(out)]) == 2
    assert cli.main(["calibrate", "-o", str(tmp_path / "p.txt")]) == 2


def test_a_bad_parameter_file_is_named_in_the_error(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.csv"
    bad.write_text("importer,parameter,value,nest,episodes\nUSA,adjustment,1.5,CHN VNM,x\n"
                   "USA,nest_ratio,1.2,CHN VNM,x\n")
    with pytest.raises(DataError, match=r"bad.csv: USA adjustment = 1.5 is outside \[1e-06, 1\]"):
        io.load_baseline(reallocation=bad)
    bad.write_text("importer,parameter,value,nest,episodes\nUSA,adjustment,0.5,CHN VNM,x\n")
    with pytest.raises(DataError, match="market USA has no 'nest_ratio' row"):
        io.read_reallocation(bad)
    with pytest.raises(DataError, match="no such reallocation parameter file"):
        io.read_reallocation(tmp_path / "missing.csv")

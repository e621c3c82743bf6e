"""The command line, in process: output, exit codes and atomic writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import xarray as xr

from tradesim import cli, io

TOY = """
[scenario]
name = "cli-test"
title = "20 % on Vietnam"
horizon = 2028

[[tariff]]
id = "recip"
importer = "USA"
exporters = ["VNM"]
products = "all"
exclude = ["8471"]
rate = 20
from = 2025-08-07

[[commitment]]
id = "boeing"
buyer = "VNM"
seller = "USA"
product = "8802"
value_usd = 3e9
start = 2026
end = 2028
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(TOY)
    return path


def test_run_prints_the_balance_table(scenario_file: Path, capsys) -> None:
    assert cli.main(["run", str(scenario_file), "--year", "2028"]) == 0
    out = capsys.readouterr().out
    assert "US goods balance with Vietnam, bn USD" in out
    assert "general imports" in out  # says which basis
    assert "2028" in out
    assert "balance (base)" in out
    assert "Products moving the balance most in 2028" in out


@pytest.mark.parametrize("suffix", [".nc", ".csv"])
def test_run_writes_results(scenario_file: Path, tmp_path: Path, suffix: str, capsys) -> None:
    out = tmp_path / f"result{suffix}"
    assert cli.main(["run", str(scenario_file), "-o", str(out)]) == 0
    assert out.exists()
    if suffix == ".nc":
        with xr.open_dataset(out, engine="netcdf4") as ds:
            assert ds["balance"].sizes["year"] == 5
    else:
        assert out.read_text().startswith("variable,unit,")
    assert not list(tmp_path.glob(".*.part"))


def test_run_writes_a_plot(scenario_file: Path, tmp_path: Path, capsys) -> None:
    png = tmp_path / "balance.png"
    assert cli.main(["run", str(scenario_file), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_exits_2_without_traceback(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TOY.replace("rate = 20", "rate = -20"))
    assert cli.main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "tariff[0].rate: must be >= 0" in err
    assert "Traceback" not in err


def test_validate(scenario_file: Path, capsys) -> None:
    assert cli.main(["validate", str(scenario_file)]) == 0
    assert "valid (1 measures, 1 commitments" in capsys.readouterr().out


def test_baseline_and_describe(capsys) -> None:
    assert cli.main(["baseline"]) == 0
    out = capsys.readouterr().out
    assert "136.50" in out  # US general imports from Vietnam, 2024, bn USD
    assert "SOURCES.md" in out
    assert cli.main(["describe"]) == 0
    assert "| rate | float | percent |" in capsys.readouterr().out


def test_unknown_output_format_is_bad_input(scenario_file: Path, tmp_path: Path,
                                            capsys) -> None:
    assert cli.main(["run", str(scenario_file), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "unknown output format" in capsys.readouterr().err


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("old")
    def crash() -> None:
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError, match="crash mid-write"):
        crash()
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("year", ["2040", "2020"])
def test_a_year_outside_the_simulated_years_is_a_bad_input(year: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           tmp_path) -> None:  # noqa: ANN001
    here = Path(__file__).resolve().parents[1] / "scenarios"
    scenario = str(here / "framework-2025.toml")
    for argv in (["run", scenario, "--year", year],
                 ["compare", scenario, str(here / "turn-2026.toml"), "--year", year],
                 ["report", scenario, "-o", str(tmp_path / "r.html"), "--year", year]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"--year {year} is outside the simulated years 2024–" in err
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- --set, tradesim:NAME


def _balance_2028(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("2028 "))


def test_set_overrides_equal_the_edited_file(scenario_file: Path, tmp_path: Path,
                                             capsys) -> None:
    edited = tmp_path / "edited.toml"
    edited.write_text(TOY.replace("rate = 20", "rate = 46").replace(
        "end = 2028", "end = 2028\nadditionality = 0.5"))
    assert cli.main(["run", str(edited)]) == 0
    want = _balance_2028(capsys.readouterr().out)
    assert cli.main(["run", str(scenario_file), "--set", "tariff.recip.rate=46",
                     "--set", "commitment.boeing.additionality=0.5"]) == 0
    out = capsys.readouterr().out
    assert _balance_2028(out) == want
    assert "Set:      tariff.recip.rate=46, commitment.boeing.additionality=0.5" in out
    assert cli.main(["run", str(scenario_file)]) == 0
    assert _balance_2028(capsys.readouterr().out) != want


def test_set_works_on_validate_goal_compare_and_report(scenario_file: Path, tmp_path: Path,
                                                       capsys) -> None:
    assert cli.main(["validate", str(scenario_file), "--set", "scenario.horizon=2030"]) == 0
    assert "2024–2030" in capsys.readouterr().out
    assert cli.main(["goal", str(scenario_file), "--target", "balance(2028) >= -115 bn",
                     "--vary", "commitment.boeing.value_usd",
                     "--set", "commitment.boeing.additionality=0.5"]) == 0
    out = capsys.readouterr().out
    assert "additionality 0.5" in out
    assert "Set:      commitment.boeing.additionality=0.5" in out
    assert cli.main(["compare", str(scenario_file), str(scenario_file),
                     "--set", "scenario.horizon=2029", "--top", "2"]) == 0
    assert "2029 " in capsys.readouterr().out
    report = tmp_path / "r.md"
    assert cli.main(["report", str(scenario_file), "-o", str(report),
                     "--set", "tariff.recip.rate=46", "--vs", str(scenario_file)]) == 0
    assert "with --set tariff.recip.rate=46" in capsys.readouterr().out
    assert "20 % on Vietnam (with tariff.recip.rate=46)" in report.read_text()


@pytest.mark.parametrize(("option", "message"), [
    ("tariff.recip.rate=-5", r"override tariff\.recip\.rate: must be >= 0"),
    ("tariff.recp.rate=46", r"no tariff with that id.*did you mean 'recip'"),
    ("commitment.boieng.additionality=0.5", r"did you mean 'boeing'"),
    ("commitment.boeing.additionality=2", r"override commitment\.boeing\.additionality: "
                                          r"must be <= 1"),
    ("scenario.horizon=2099", r"override scenario\.horizon: must be <="),
    ("elasticities.sigmaa=2", r"did you mean 'sigma'"),
    ("tariff.recip.rate", r"must be KEY\.PATH=VALUE"),
    ("tarrif.recip.rate=1", r"did you mean 'tariff'"),
])
def test_a_bad_set_exits_2_naming_the_path(scenario_file: Path, tmp_path: Path, option: str,
                                           message: str, capsys) -> None:
    report = tmp_path / "r.html"
    for argv in (["run", str(scenario_file)], ["validate", str(scenario_file)],
                 ["report", str(scenario_file), "-o", str(report)],
                 ["compare", str(scenario_file), str(scenario_file)],
                 ["goal", str(scenario_file), "--target", "balance(2028) >= 0",
                  "--vary", "tariff.recip.rate"]):
        assert cli.main([*argv, "--set", option]) == 2, argv
        err = capsys.readouterr().err
        assert re.search(message, err), err
        assert "internal error" not in err
    assert not report.exists()


def test_shipped_scenarios_run_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "framework-2025" in out
    assert "2024–2032" in out
    assert "replay/us-china-2018-19" in out
    assert "framework-rate-grid" in out
    assert 'include = ["tradesim:NAME"]' in out
    mine = tmp_path / "mine.toml"
    mine.write_text('[scenario]\nname = "mine"\nhorizon = 2032\n'
                    'include = ["tradesim:framework-2025"]\n')
    assert cli.main(["run", str(mine), "--top", "1"]) == 0
    own = _balance_2028(capsys.readouterr().out)
    assert cli.main(["run", "tradesim:framework-2025", "--top", "1"]) == 0
    assert _balance_2028(capsys.readouterr().out) == own
    assert cli.main(["run", "tradesim:framework-2052"]) == 2
    assert "did you mean 'framework-2025'" in capsys.readouterr().err


def test_compare_checks_targets_for_each_scenario(scenario_file: Path, capsys) -> None:
    assert cli.main(["compare", str(scenario_file), "tradesim:baseline", "--year", "2028",
                     "--set", "scenario.horizon=2028",
                     "--target", "balance(2028) > -1000 bn",
                     "--target", "deficit vs baseline <= -1%"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Targets"):out.index("Products whose")]
    rows = [line.split() for line in table.splitlines()[3:] if line.strip()]
    assert [r[-1] for r in rows] == ["yes", "yes", "yes", "no"]  # the baseline does not move
    assert rows[-1][-3:] == ["0.00", "-1.00", "no"]


def test_goal_takes_the_strict_and_the_relative_forms(scenario_file: Path, capsys) -> None:
    for text in ("balance(2028) > -150 bn", "deficit(2028) vs baseline <= -10%"):
        assert cli.main(["goal", str(scenario_file), "--target", text,
                         "--vary", "commitment.boeing.value_usd"]) == 0, text
        assert "the target holds." in capsys.readouterr().out

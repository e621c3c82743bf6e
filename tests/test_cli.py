"""The command line, in process: output, exit codes and atomic writes."""

from __future__ import annotations

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

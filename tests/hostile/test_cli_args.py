"""Hostile command-line arguments (issue 15, class 7): each is a bad input, exit 2 with a
message that says what is wrong, never "internal error" and never a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradesim import cli

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK = str(ROOT / "scenarios" / "framework-2025.toml")
TURN = str(ROOT / "scenarios" / "turn-2026.toml")
SWEEP = """
[sweep]
name = "hostile"
base = "{base}"

[sweep.grid]
tariff.vn-recip-20.rate = [20, 46]

[sweep.outputs]
probabilities = ['{statement}']
"""


def bad(argv: list[str], capsys: pytest.CaptureFixture[str], *expected: str) -> str:
    assert cli.main(argv) == 2, argv
    err = capsys.readouterr().err
    assert "internal error" not in err, err
    assert "Traceback" not in err, err
    for text in expected:
        assert text in err, (text, err)
    return err


@pytest.mark.parametrize("year", ["2023", "2017", "0", "-5", "2033", "99999"])
def test_a_year_outside_the_run_is_refused_by_every_command(year: str, tmp_path: Path,
                                                            capsys) -> None:  # noqa: ANN001
    report = tmp_path / "r.html"
    for argv in (["run", FRAMEWORK, "--year", year],
                 ["compare", FRAMEWORK, TURN, "--year", year],
                 ["report", FRAMEWORK, "-o", str(report), "--year", year]):
        bad(argv, capsys, f"--year {year} is outside the simulated years 2024–2032")
    bad(["goal", FRAMEWORK, "--target", "balance >= 0.8 * baseline", "--by", year,
         "--vary", "tariff.vn-recip-20.rate"], capsys, f"--by {year} is outside")
    assert not report.exists()


@pytest.mark.parametrize("top", ["0", "-1", "-1000000"])
def test_top_must_be_positive(top: str, capsys) -> None:  # noqa: ANN001
    bad(["run", FRAMEWORK, "--top", top], capsys, f"--top {top}", "1 or more")
    bad(["compare", FRAMEWORK, TURN, "--top", top], capsys, f"--top {top}")


@pytest.mark.parametrize("target", ["1 >= 0", "0 == 0", "2 bn < 3 bn", "-(1) > 5%",
                                    "baseline(balance(2030)) >= 0"])
def test_a_constant_target_is_refused(target: str, capsys) -> None:  # noqa: ANN001
    bad(["goal", FRAMEWORK, "--target", target, "--vary", "tariff.vn-recip-20.rate"], capsys,
        "names no quantity of the run")
    bad(["compare", FRAMEWORK, TURN, "--target", target], capsys, "names no quantity")


@pytest.mark.parametrize(("statement", "message"), [
    ("balance(2030) > 1e999", "not finite"),
    ("balance(2030) < 1e300 bn", "not finite"),
    ("deficit(2030) vs baseline <= -1e400%", "not finite"),
    ("balance(2030) > inf", "unknown name 'inf'"),
    ("balance(2030) > -nan", "unknown name 'nan'"),
    ("balance(2030) > 1 / 0", "division by zero"),
    ("1 >= 0", "names no quantity"),
    ("balance(2030) == 0", "exact equality"),
    ("value(USA, VNM, 61, 2030) > 0", "one quantity with a number"),
    ("balance(2030) > exports(2030)", "one quantity with a number"),
])
def test_bad_sweep_statements_are_refused(statement: str, message: str, tmp_path: Path,
                                          capsys) -> None:  # noqa: ANN001
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP.format(base=FRAMEWORK, statement=statement))
    bad(["sweep", str(sweep), "-o", str(tmp_path / "out.zarr")], capsys,
        "probabilities[0]", message)
    assert not (tmp_path / "out.zarr").exists()


@pytest.mark.parametrize(("option", "message"), [
    ("=", "KEY.PATH=VALUE"),
    ("tariff.vn-recip-20.rate=", "has no value"),
    ("tariff.vn-recip-20.rate=inf", "must be"),
    ("tariff.vn-recip-20.rate=nan", "must be"),
    ("tariff.vn-recip-20.rate=1e400", "must be"),
    ("tariff.vn-recip-20.rate=[1, 2]", "must be a number"),
    ("tariff.vn-recip-20.rate={a = 1}", "must be a number"),
    ("scenario.horizon=1e9", "must be an integer"),
    ("tariff..rate=1", "no tariff with that id"),
    ("tariff.vn-recip-20.=1", "unknown key of tariff 'vn-recip-20'"),
    ("../../etc/passwd=1", "unknown section"),
    ("__class__.__init__=1", "unknown section"),
])
def test_hostile_set_values_exit_2(option: str, message: str, capsys) -> None:  # noqa: ANN001
    bad(["run", FRAMEWORK, "--set", option], capsys, message)


@pytest.mark.parametrize("name", ["tradesim:../pyproject", "tradesim:/etc/passwd",
                                  "tradesim:framework-2025/../../x", "tradesim:\x00",
                                  "tradesim:" + "a" * 5000])
def test_hostile_shipped_names_exit_2(name: str, capsys) -> None:  # noqa: ANN001
    bad(["run", name], capsys, "no shipped scenario of that name")


@pytest.mark.parametrize("grid", ["1000000", "1", "0", "-3"])
def test_goal_grid_outside_its_limits_is_refused_at_once(grid: str, capsys) -> None:  # noqa: ANN001
    bad(["goal", FRAMEWORK, "--target", "balance(2030) >= -175 bn",
         "--vary", "tariff.vn-recip-20.rate", "--grid", grid], capsys, "grid must be 2 to 201")

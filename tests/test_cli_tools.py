"""The negotiator commands in process: goal, compare and report (output, files, exit codes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradesim import cli

from .conftest import ROOT

SCENARIOS = ROOT / "scenarios"
DEAL = str(SCENARIOS / "deal-extra-purchases.toml")


def test_goal_answers_how_much_vietnam_must_buy(capsys) -> None:
    code = cli.main(["goal", DEAL, "--target", "balance(2028) >= 0.8 * baseline",
                     "--vary", "commitment.extra-purchases.value_usd"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Solution: commitment.extra-purchases.value_usd = " in out
    per_year = re.search(r"([\d.]+) bn USD a year in 2026–2032", out)
    assert per_year is not None
    assert 12 < float(per_year.group(1)) < 14.5  # 13.1 on the 2025-anchored baseline
    assert "Achieved: balance(2028) = " in out
    assert "Check: an independent simulate() of the solved scenario" in out
    assert "the target holds." in out


def test_goal_when_the_target_is_out_of_reach(capsys) -> None:
    code = cli.main(["goal", DEAL, "--target", "balance(2028) >= 0", "--vary",
                     "commitment.extra-purchases.value_usd", "--bounds", "0", "2e10"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Not reachable within [0 USD, 20.00 bn USD]: best achievable balance(2028)" in out


def test_goal_on_a_tariff_rate_with_by(capsys) -> None:
    code = cli.main(["goal", str(SCENARIOS / "framework-2025.toml"), "--target",
                     "deficit <= 150 bn", "--by", "2030", "--vary", "tariff.vn-recip-20.rate"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(r"tariff.vn-recip-20.rate = [\d.]+ %; the target holds at or above", out)


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "balance(2028) >> 0", "--vary", "commitment.extra-purchases.value_usd"],
     "expected a number, a quantity, baseline or '(', got '>' at position 15"),
    (["--target", "1 >= 0", "--vary", "commitment.extra-purchases.value_usd"],
     "names no quantity of the run"),
    (["--target", "balance(2028) >= 0", "--vary", "commitment.extra.value_usd"],
     "vary commitment.extra.value_usd: no commitment with that id"),
    (["--target", "balance(2040) >= 0", "--vary", "commitment.extra-purchases.value_usd"],
     "year 2040 is outside"),
    (["--target", "balance >= 0", "--vary", "commitment.extra-purchases.value_usd"],
     "needs a year"),
    (["--target", "balance(2028) >= 0", "--vary", "commitment.extra-purchases.value_usd",
      "--bounds", "5", "1"], "low < high"),
])
def test_goal_bad_input_exits_2(args: list[str], message: str, capsys) -> None:
    assert cli.main(["goal", DEAL, *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_compare_prints_one_table_and_the_products(tmp_path: Path, capsys) -> None:
    plot = tmp_path / "balance.png"
    code = cli.main(["compare", str(SCENARIOS / "framework-2025.toml"),
                     str(SCENARIOS / "turn-2026.toml"), str(SCENARIOS / "combined-deal.toml"),
                     "--year", "2028", "--top", "5", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0, out
    header = next(line for line in out.splitlines() if line.startswith("balance, bn USD"))
    assert header.split()[3:] == ["baseline", "framework-2025", "turn-2026", "combined-deal"]
    assert "differs most between the scenarios" in out
    assert "spread" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_compare_needs_two_files(capsys) -> None:
    assert cli.main(["compare", DEAL]) == 2
    assert "at least two" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_report_writes_a_file(tmp_path: Path, suffix: str, capsys) -> None:
    out = tmp_path / f"report{suffix}"
    code = cli.main(["report", str(SCENARIOS / "combined-deal.toml"), "--vs",
                     str(SCENARIOS / "turn-2026.toml"), "-o", str(out), "--year", "2028"])
    assert code == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "combined-deal versus turn-2026" in text
    assert (suffix == ".html") == ("data:image/png;base64," in text)
    assert not list(tmp_path.glob(".*.part"))


def test_report_rejects_other_formats_before_running(tmp_path: Path, capsys) -> None:
    assert cli.main(["report", DEAL, "-o", str(tmp_path / "r.pdf")]) == 2
    assert ".html (self-contained) or .md" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())

"""Benchmarks are smoke-run once (no timing is asserted: speed is measured, not tested)."""

from __future__ import annotations

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_simulate_benchmark_smoke(capsys) -> None:
    module = runpy.run_path(str(BENCH / "simulate.py"))
    module["main"](["--smoke"])
    out = capsys.readouterr().out
    assert "mixed" in out
    assert "cells/s" in out


def test_startup_benchmark_smoke(capsys) -> None:
    module = runpy.run_path(str(BENCH / "startup.py"))
    medians = module["main"](["--smoke"])
    out = capsys.readouterr().out
    assert {("this", s) for s in ("python", "import", "help")} == set(medians)
    assert "× python" in out


def test_bound_benchmark_smoke(capsys) -> None:
    module = runpy.run_path(str(BENCH / "bound.py"))
    out = module["main"](["--smoke"])
    text = capsys.readouterr().out
    assert out["bound_s"] > 0
    assert out["kernel_s"] > 0
    assert "active cells A = " in text
    assert "bound ÷ seconds" in text

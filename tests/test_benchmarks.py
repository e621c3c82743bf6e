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

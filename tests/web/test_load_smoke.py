"""The load test runs (tiny sizes; its figures are printed, never asserted)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "load_page.py"


def test_load_page_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(BENCH))["main"](["--smoke"])
    out = capsys.readouterr().out
    assert "one update (simulate, mixed resolution" in out
    assert "2 concurrent users x 1 update(s) each" in out

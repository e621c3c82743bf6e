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


def test_memory_benchmark_smoke(capsys) -> None:
    module = runpy.run_path(str(BENCH / "memory.py"))
    result = module["main"](["--smoke"])
    out = capsys.readouterr().out
    assert set(result) == {("this", "products", 20), ("this", "products", 40)}
    assert all(seconds > 0 and peak > 0 for seconds, peak in result.values())
    assert "× peak@20" in out


def test_memory_benchmark_copies_only_the_draws(tmp_path: Path) -> None:
    import tomllib

    module = runpy.run_path(str(BENCH / "memory.py"))
    shipped = tomllib.loads(module["SOURCE"].read_text(encoding="utf-8"))["sweep"]
    for products in (True, False):
        copy = tomllib.loads(module["variant"](tmp_path, 123, products).read_text())["sweep"]
        assert copy["monte_carlo"] == {**shipped["monte_carlo"], "draws": 123}
        want = dict(shipped["outputs"])
        if not products:
            del want["products"]
        assert copy["outputs"] == want
        assert Path(copy["base"]).samefile(module["ROOT"] / "scenarios" / "framework-2025.toml")

"""Shared fixtures, hypothesis profiles and the ``--regen-golden`` flag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import tradesim
from tradesim.data.examples import toy_baseline

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("slow", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite tests/golden/*.csv from the current model")


@pytest.fixture(autouse=True)
def every_result_is_finite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared check: every result any test computes holds no NaN or inf."""
    from tradesim.model import trajectory
    from tradesim.testing import assert_finite

    inner = trajectory.run

    def checked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        result = inner(*args, **kwargs)
        assert_finite(result)
        return result

    monkeypatch.setattr(trajectory, "run", checked)


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def baseline():
    """The embedded mixed-resolution baseline (built once per session)."""
    return tradesim.load_baseline()


@pytest.fixture(scope="session")
def plain_baseline():
    """The same baseline without the 2025 anchor: the 2024-based projection (backtests)."""
    return tradesim.load_baseline(anchor=False)


@pytest.fixture
def toy():
    return toy_baseline()

"""The public surface is pinned: a change here is a deliberate API change."""

from __future__ import annotations

import inspect

import tradesim

PUBLIC = [
    "Commitment", "ConvergenceError", "DataError", "Measure", "Scenario", "ScenarioError",
    "ScheduleError", "TradesimError", "__version__", "baseline_from_frame", "compare", "decompose",
    "load_baseline", "load_scenario", "simulate", "solve_for",
]


def test_all_is_pinned() -> None:
    assert sorted(tradesim.__all__) == sorted(PUBLIC)


def test_dir_holds_only_public_names_and_submodules() -> None:
    names = {n for n in dir(tradesim) if not n.startswith("__") or n == "__version__"}
    submodules = {n for n in names if inspect.ismodule(getattr(tradesim, n))}
    assert names - submodules == set(PUBLIC)


def test_version_is_in_one_place() -> None:
    from importlib.metadata import version

    assert version("tradesim") == tradesim.__version__

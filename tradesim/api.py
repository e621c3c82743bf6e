"""The public entry points: load a baseline or scenario, and simulate."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import xarray as xr

from tradesim import data, io, trajectory
from tradesim.scenario import Scenario

__all__ = ["baseline_from_frame", "load_baseline", "load_scenario", "simulate"]

load_baseline = io.load_baseline


def load_scenario(source: str | os.PathLike[str] | dict[str, Any] | Scenario) -> Scenario:
    """Return a validated, frozen :class:`~tradesim.scenario.Scenario`.

    Parameters
    ----------
    source : path, dict or Scenario
        A TOML file (``include`` resolved relative to it), a parsed document, or a Scenario.

    Raises
    ------
    ScenarioError
        Every problem in the document at once, each with file, key path, value and hint.
    """
    if isinstance(source, Scenario):
        return source
    return io.read_scenario(source)


def simulate(
    scenario: str | os.PathLike[str] | dict[str, Any] | Scenario,
    baseline: xr.Dataset | None = None,
) -> xr.Dataset:
    """Simulate a scenario year by year and return the result Dataset.

    Parameters
    ----------
    scenario : path, dict or Scenario
        What to simulate (see ``docs/scenario-format.md``).
    baseline : Dataset, optional
        Defaults to the embedded 2024 baseline at mixed resolution.

    Returns
    -------
    Dataset
        See :func:`tradesim.trajectory.simulate` for the variables; units in ``attrs``.

    Examples
    --------
    >>> from tradesim.examples import toy_baseline
    >>> doc = {"scenario": {"name": "demo", "horizon": 2026},
    ...        "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                    "products": ["61"], "rate": 10}]}
    >>> r = simulate(doc, toy_baseline())
    >>> bool((r["balance"] > r["balance_baseline"]).all())  # fewer US imports from VN
    True
    """
    s = load_scenario(scenario)
    return trajectory.simulate(io.load_baseline() if baseline is None else baseline, s)


def baseline_from_frame(df: pd.DataFrame, params: pd.DataFrame | None = None,
                        source: str = "user-supplied frame") -> xr.Dataset:
    """Build a validated baseline from a long DataFrame.

    See :func:`tradesim.data.baseline_from_frame` for the columns and the errors.
    """
    return data.baseline_from_frame(df, params, source)

"""The public entry points: load a baseline or scenario, simulate, compare, solve, decompose."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradesim import io
from tradesim.analysis import comparison, decomposition
from tradesim.data import frame
from tradesim.model import trajectory
from tradesim.scenario import overrides as overrides_
from tradesim.scenario.parse import Scenario

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from tradesim.analysis import goal

__all__ = ["baseline_from_frame", "compare", "decompose", "load_baseline", "load_scenario",
           "simulate", "solve_for"]

load_baseline = io.load_baseline


def load_scenario(source: str | os.PathLike[str] | dict[str, Any] | Scenario,
                  overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Return a validated, frozen :class:`~tradesim.scenario.parse.Scenario`.

    Parameters
    ----------
    source : path, dict or Scenario
        A TOML file (``include`` resolved relative to it), ``"tradesim:NAME"`` for a shipped
        scenario (``tradesim scenarios`` lists them), a parsed document, or a Scenario.
    overrides : mapping, optional
        Key path -> value in file units, e.g. ``{"tariff.vn-recip-20.rate": 46}`` (what
        ``--set`` does on the command line; :mod:`tradesim.scenario.overrides`), checked
        exactly like the file.

    Raises
    ------
    ScenarioError
        Every problem in the document (or the overrides) at once, each with file, key path,
        value and hint.

    Examples
    --------
    >>> s = load_scenario("tradesim:framework-2025", overrides={"tariff.vn-recip-20.rate": 46})
    >>> [m.rate for m in s.measures if m.id == "vn-recip-20"]
    [0.46]
    """
    s = source if isinstance(source, Scenario) else io.read_scenario(source)
    return overrides_.apply_overrides(s, overrides) if overrides else s


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
        See :func:`tradesim.model.trajectory.simulate` for the variables; units in ``attrs``.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
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
                        source: str = "user-supplied frame",
                        nest: Mapping[str, Sequence[str]] | None = None) -> xr.Dataset:
    """Build a validated baseline from a long DataFrame.

    See :func:`tradesim.data.frame.baseline_from_frame` for the columns, the optional nest of
    close substitutes (e.g. ``{"USA": ["CHN", "VNM"]}`` with a ``sigma_nest`` column in
    ``params``) and the errors.

    Raises
    ------
    DataError
        For anything but a valid pair of DataFrames, naming the column, the row and the value
        (codes are trimmed and upper-cased first; product codes must be text of even length).
    """
    return frame.baseline_from_frame(df, params, source, nest=nest)


ScenarioLike = str | os.PathLike[str] | dict[str, Any] | Scenario


def compare(scenarios: Sequence[ScenarioLike], baseline: xr.Dataset | None = None,
            labels: Sequence[str] | None = None,
            overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Simulate several scenarios and stack them along a ``scenario`` dimension.

    Parameters
    ----------
    scenarios : sequence of path, dict or Scenario
        Sharing the baseline's base year; horizons may differ (the common years are kept).
    baseline : Dataset, optional
        Defaults to the embedded 2024 baseline at mixed resolution.
    labels : sequence of str, optional
        The ``scenario`` coordinate (default: file stems for paths, else scenario names).
    overrides : mapping, optional
        Key path -> value set in every scenario (see :func:`load_scenario`).

    Returns
    -------
    Dataset
        See :func:`tradesim.analysis.comparison.compare`.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> docs = [{"scenario": {"name": f"r{r}", "horizon": 2026},
    ...          "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                      "products": "all", "rate": r}]} for r in (10, 46)]
    >>> ds = compare(docs, toy_baseline())
    >>> ds["balance"].sel(year=2026).to_series().round(-8).div(1e9).to_dict()
    {'r10': -45.2, 'r46': -21.2}
    """
    loaded = [load_scenario(s, overrides) for s in scenarios]
    if labels is None:
        labels = comparison.unique_labels([
            Path(os.fspath(src).removeprefix(io.SHIPPED)).stem
            if isinstance(src, str | os.PathLike) else s.name
            for src, s in zip(scenarios, loaded, strict=True)])
    return comparison.compare(io.load_baseline() if baseline is None else baseline, loaded,
                              labels)


def solve_for(scenario: ScenarioLike, target: str, *, vary: str, by: int | None = None,
              bounds: tuple[float, float] | None = None, baseline: xr.Dataset | None = None,
              grid: int = 9) -> goal.GoalResult:
    """Find the value of one scenario key at which a target is met (goal seeking).

    Parameters
    ----------
    scenario : path, dict or Scenario
    target : str
        E.g. ``"balance(2028) >= 0.8 * baseline"``: see :mod:`tradesim.scenario.target`
        (parsed, never evaluated as code; USD, ``bn`` after a number for billions).
    vary : str
        Key path in file units: ``commitment.<id>.value_usd``, ``tariff.<id>.rate``, … (see
        :func:`tradesim.analysis.goal.solve_for`).
    by : int, optional
        Year for quantities written without one.
    bounds : (low, high), optional
        Search interval in file units (default :func:`tradesim.analysis.goal.default_bounds`).
    baseline : Dataset, optional
        Defaults to the embedded 2024 baseline at mixed resolution.
    grid : int
        Points of the first scan over the bounds (one batched run).

    Returns
    -------
    GoalResult
        ``solution``, ``left`` (achieved), ``right`` (required), ``status`` and
        ``reachable``, an independent ``holds_check``; ``summary()`` says it in words.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> doc = {"scenario": {"name": "d", "horizon": 2026},
    ...        "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                    "products": "all", "rate": 10}]}
    >>> g = solve_for(doc, "deficit(2026) <= 0.8 * baseline", vary="tariff.t.rate",
    ...               baseline=toy_baseline())
    >>> g.status, round(g.solution, 2), g.holds_check
    ('solved', 9.63, True)
    """
    from tradesim.analysis import goal  # scipy.optimize: paid only by goal seeking

    s = load_scenario(scenario)
    return goal.solve_for(io.load_baseline() if baseline is None else baseline, s, target,
                          vary, bounds=bounds, by=by, grid=grid)


def decompose(scenario: ScenarioLike, baseline: xr.Dataset | None = None,
              groups: str | xr.DataArray = "section") -> xr.Dataset:
    """Split the change in the balance into baseline growth, tariffs, diversion, commitments.

    Parameters
    ----------
    scenario : path, dict or Scenario
    baseline : Dataset, optional
        Defaults to the embedded 2024 baseline at mixed resolution.
    groups : "section", "product" or DataArray
        Product groups: HS sections (default), every product, or a label per product.

    Returns
    -------
    Dataset
        See :func:`tradesim.analysis.decomposition.decompose`: ``change`` (part, year, group)
        adds up to ``total`` (year, group), the change since the base year (USD).
    """
    s = load_scenario(scenario)
    b = io.load_baseline() if baseline is None else baseline
    if isinstance(groups, str) and groups not in ("section", "product"):
        raise ValueError(f"groups must be 'section', 'product' or a DataArray, not {groups!r}")
    labels = (decomposition.section_groups(b, io.packaged_tables()["chapters"])
              if isinstance(groups, str) and groups == "section" else
              None if isinstance(groups, str) else groups)
    return decomposition.decompose(b, s, labels)

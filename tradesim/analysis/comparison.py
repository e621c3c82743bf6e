"""Several scenarios side by side: one result Dataset with a ``scenario`` dimension.

Scenarios that can share a batch (same base year, horizon, method and transshipment hub) are
evaluated in one vectorised :func:`tradesim.model.trajectory.run`; scenarios with other horizons are
run in their own batch and joined on the years they have in common.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from tradesim.dims import SCENARIO, YEAR
from tradesim.errors import ScheduleError
from tradesim.model import trajectory
from tradesim.scenario.parse import Scenario

__all__ = ["compare", "unique_labels"]

#: Result attrs that describe one scenario; in a comparison they become ``scenario`` coords.
PER_SCENARIO = ("scenario_title", "scenario_digest", "scenario_file", "horizon", "method",
                "basis")


def unique_labels(names: Sequence[str]) -> list[str]:
    """Labels with repeats numbered: ``["a", "a", "b"]`` -> ``["a", "a-2", "b"]``."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def _batch_key(s: Scenario) -> tuple[Any, ...]:
    hub = None if s.transshipment is None else (s.transshipment.sources, s.transshipment.via)
    return (s.base_year, s.horizon, s.method, hub)


def compare(baseline: xr.Dataset, scenarios: Sequence[Scenario],
            labels: Sequence[str] | None = None) -> xr.Dataset:
    """Run scenarios on one baseline and stack them along ``scenario``.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline.
    scenarios : sequence of Scenario
        At least one; they must share the base year (that of the baseline).
    labels : sequence of str, optional
        The ``scenario`` coordinate (default: the scenario names, repeats numbered).

    Returns
    -------
    Dataset
        The variables of :func:`tradesim.model.trajectory.simulate` with a leading ``scenario``
        dim, over the years every scenario has. ``scenario_title``, ``scenario_digest``,
        ``scenario_file``, ``horizon``, ``method`` and ``basis`` are ``scenario`` coords.
        ``balance_baseline`` is the same for every scenario unless one overrides growth.

    Raises
    ------
    ScheduleError
        No scenarios, labels that are not one per scenario and unique, or base years that
        differ from the baseline's.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> from tradesim.scenario.parse import parse_scenario
    >>> docs = [{"scenario": {"name": n, "horizon": 2026},
    ...          "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"],
    ...                      "products": "all", "rate": r}]} for n, r in (("a", 10), ("b", 46))]
    >>> ds = compare(toy_baseline(), [parse_scenario(d) for d in docs])
    >>> ds["scenario"].values.tolist(), ds["balance"].dims
    (['a', 'b'], ('scenario', 'year'))
    """
    if not scenarios:
        raise ScheduleError("compare() needs at least one scenario")
    labels = unique_labels([s.name for s in scenarios]) if labels is None else list(labels)
    if len(labels) != len(scenarios) or len(set(labels)) != len(labels):
        raise ScheduleError(f"labels must be unique, one per scenario (got {labels})")
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, s in enumerate(scenarios):
        groups.setdefault(_batch_key(s), []).append(i)
    parts = []
    for members in groups.values():
        part = trajectory.run(baseline, [scenarios[i] for i in members],
                              labels=[labels[i] for i in members])
        coords = {name: (SCENARIO, [_attr(scenarios[i], name) for i in members])
                  for name in PER_SCENARIO}
        parts.append(part.assign_coords(coords))
    if len(parts) == 1:
        out = parts[0]
    else:
        common = sorted(set.intersection(*(set(p[YEAR].to_numpy().tolist()) for p in parts)))
        out = xr.concat([p.sel({YEAR: common}) for p in parts], dim=SCENARIO,
                        data_vars="all", coords="different", compat="equals",
                        combine_attrs="override", join="exact")
        out = out.sel({SCENARIO: labels})
    for name in (*PER_SCENARIO, "scenario"):
        out.attrs.pop(name, None)
    out.attrs["scenarios"] = ", ".join(labels)
    out.attrs["horizon"] = int(np.asarray(out[YEAR])[-1])
    return out


def _attr(s: Scenario, name: str) -> Any:
    return {"scenario_title": s.title, "scenario_digest": s.digest(), "scenario_file": s.file,
            "horizon": s.horizon, "method": s.method, "basis": s.basis}[name]

"""tradesim: US–Vietnam tariff and trade-balance scenario simulator.

A partial-equilibrium Armington model on a real 2024 baseline (US Census statistics), driven by
TOML scenario files of tariff measures and purchase commitments.

>>> import tradesim
>>> result = tradesim.simulate("scenarios/framework-2025.toml")  # doctest: +SKIP
>>> result["balance"].sel(year=2030)  # doctest: +SKIP

The public names load on first use (PEP 562), so ``import tradesim`` and ``tradesim --help``
do not pay for numpy, pandas and xarray until a name that needs them is touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tradesim.errors import (
    ConvergenceError,
    DataError,
    ScenarioError,
    ScheduleError,
    TradesimError,
)

if TYPE_CHECKING:
    from tradesim.api import (
        baseline_from_frame,
        compare,
        decompose,
        load_baseline,
        load_scenario,
        simulate,
        solve_for,
    )
    from tradesim.scenario.parse import Commitment, Measure, Scenario

__version__ = "0.1.0"

__all__ = [
    "Commitment",
    "ConvergenceError",
    "DataError",
    "Measure",
    "Scenario",
    "ScenarioError",
    "ScheduleError",
    "TradesimError",
    "__version__",
    "baseline_from_frame",
    "compare",
    "decompose",
    "load_baseline",
    "load_scenario",
    "simulate",
    "solve_for",
]

#: Where each lazily loaded public name lives.
_LAZY = {
    **dict.fromkeys(("baseline_from_frame", "compare", "decompose", "load_baseline",
                     "load_scenario", "simulate", "solve_for"), "tradesim.api"),
    **dict.fromkeys(("Commitment", "Measure", "Scenario"), "tradesim.scenario.parse"),
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (and keep the name, so once only)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tradesim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, the submodules imported so far and the dunders."""
    kept = [n for n, v in globals().items()
            if n.startswith("__") or getattr(v, "__name__", "") == f"tradesim.{n}"]
    return sorted({*__all__, *kept})

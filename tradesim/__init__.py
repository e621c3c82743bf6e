"""tradesim: US–Vietnam tariff and trade-balance scenario simulator.

A partial-equilibrium Armington model on a real 2024 baseline (US Census statistics), driven by
TOML scenario files of tariff measures and purchase commitments.

>>> import tradesim
>>> result = tradesim.simulate("scenarios/framework-2025.toml")  # doctest: +SKIP
>>> result["balance"].sel(year=2030)  # doctest: +SKIP
"""

from tradesim.api import (
    baseline_from_frame,
    compare,
    decompose,
    load_baseline,
    load_scenario,
    simulate,
    solve_for,
)
from tradesim.errors import (
    ConvergenceError,
    DataError,
    ScenarioError,
    ScheduleError,
    TradesimError,
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

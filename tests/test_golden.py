"""Golden results for every shipped scenario on the embedded baseline.

Regenerate on purpose only: ``pytest tests/test_golden.py --regen-golden``. On a mismatch the
actual table is written beside the golden one as ``<name>.actual.csv`` for review.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.present import tables

from .conftest import SCENARIOS

GOLDEN = Path(__file__).parent / "golden"
COLUMNS = ["exports (base)", "exports", "imports (base)", "imports", "balance (base)",
           "balance", "change"]


def golden_table(result) -> pd.DataFrame:
    table = tables.balance_table(result)[COLUMNS]
    duty = result["duty_revenue"].sel(importer="USA").sum(["exporter", "product"])
    table["US duty revenue"] = duty.to_series() / 1e9
    return table


def test_there_are_shipped_scenarios() -> None:
    assert len(SCENARIOS) >= 8


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_matches_golden(path: Path, baseline, regen_golden: bool) -> None:
    result = tradesim.simulate(path, baseline)
    actual = golden_table(result)
    target = GOLDEN / f"{path.stem}.csv"
    if regen_golden:
        actual.to_csv(target, float_format="%.9f")
        pytest.skip(f"regenerated {target.name}")
    assert target.exists(), f"no golden file for {path.name}: run with --regen-golden"
    expected = pd.read_csv(target, index_col="year")
    try:
        np.testing.assert_allclose(actual.to_numpy(), expected[actual.columns].to_numpy(),
                                   rtol=1e-7, atol=1e-6)
        assert list(actual.index) == list(expected.index)
    except AssertionError:
        actual.to_csv(GOLDEN / f"{path.stem}.actual.csv", float_format="%.9f")
        raise

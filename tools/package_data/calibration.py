"""The reallocation parameters the embedded baseline uses, estimated by tradesim itself.

``reallocation.csv`` is :func:`tradesim.analysis.calibrate.parameter_table` of the fit pooled over
the 2018-19 and 2025 episodes on the NAICS3 table this build has just written, so the shipped
defaults are reproducible from the shared data with one command (and tested byte for byte).
"""
from __future__ import annotations

import pandas as pd

from package_data.actuals import NAICS3_MONTHLY
from package_data.common import Build, read_csv

REALLOCATION = "reallocation.csv"
BOOT, SEED = 200, 1


def build_reallocation(sh: Build) -> pd.DataFrame:
    """reallocation.csv: σ, σ_N, σ_N/σ, monthly and first-year adjustment, with 90 % intervals."""
    from tradesim.analysis import backtest, calibrate

    monthly = read_csv(sh.out / NAICS3_MONTHLY)
    for col in ("value_usd", "duty_usd"):
        monthly[col] = pd.to_numeric(monthly[col])
    eps = [calibrate.episode(monthly, name, base, months)
           for name, (base, months) in backtest.EPISODES.items()]
    est = calibrate.fit(eps, boot=BOOT, seed=SEED)
    table = calibrate.parameter_table(
        est, source=f"tradesim calibrate (pooled, --boot {BOOT} --seed {SEED}) on {NAICS3_MONTHLY}"
                    " (Census N1); estimated, see SOURCES.md")
    sh.write_table(table, REALLOCATION)
    sh.stats["reallocation"] = table.set_index("parameter")
    return table

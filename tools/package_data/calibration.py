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
SHARE_TRENDS = "share_trends.csv"
BOOT, SEED = 200, 1
TREND_BASE, TREND_WINDOW = 2024, 3


def build_reallocation(sh: Build) -> pd.DataFrame:
    """reallocation.csv: σ, σ_N, σ_N/σ, monthly and first-year adjustment, with 90 % intervals."""
    from tradesim.analysis import backtest, calibrate

    monthly = read_csv(sh.out / NAICS3_MONTHLY)
    for col in ("value_usd", "duty_usd"):
        monthly[col] = pd.to_numeric(monthly[col])
    est = calibrate.fit(list(backtest.episodes(monthly).values()), boot=BOOT, seed=SEED)
    rho = calibrate.trend_persistence(monthly, last_year=TREND_BASE, window=TREND_WINDOW,
                                      seed=SEED)
    table = calibrate.parameter_table(
        est, source=f"tradesim calibrate (pooled, --boot {BOOT} --seed {SEED}) on {NAICS3_MONTHLY}"
                    " (Census N1); estimated, see SOURCES.md", persistence=rho)
    sh.write_table(table, REALLOCATION)
    trends = calibrate.share_trends(monthly, TREND_BASE, TREND_WINDOW)
    trends = pd.DataFrame({
        "importer": "USA", "exporter": trends["partner"], "naics3": trends["naics3"],
        "trend": trends["trend"].round(6), "years": f"{TREND_BASE - TREND_WINDOW}-{TREND_BASE}",
        "method": f"log share of world imports, {TREND_BASE - TREND_WINDOW} to {TREND_BASE}, "
                  f"per year, clipped to +-{calibrate.DRIFT_CAP}",
        "source": f"derived: {NAICS3_MONTHLY} (Census N1)"})
    sh.write_table(trends, SHARE_TRENDS)
    sh.stats["reallocation"] = table.set_index("parameter")
    return table

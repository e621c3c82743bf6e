"""Backtests: fit on one episode that happened, predict the other, compare with the statistics.

Two episodes are shipped: the 2018–19 Section 301 tariffs on China (base 2017, predicting 2018–19)
and the 2025 tariffs (base 2024, predicting January–November 2025; December 2025 is not yet in
the data). :func:`backtest` fits :mod:`tradesim.analysis.calibrate` on each and predicts the other,
so every figure it reports is out of sample. Changes are the last year of the episode against the
same months of the base year, bn USD, on the imports-for-consumption basis of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradesim.analysis.calibrate import SUPPLIERS, Episode, Estimate, episode, fit, predict

__all__ = ["EPISODES", "Backtest", "backtest", "by_sector", "compare"]

#: name -> (base year, predicted months)
EPISODES: dict[str, tuple[int, tuple[str, ...]]] = {
    "2017-2019": (2017, tuple(f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13))),
    "2024-2025": (2024, tuple(f"2025-{m:02d}" for m in range(1, 12))),
}
SECTOR_MIN = 1.0  # bn USD: the direction test counts sectors at least this large in the base


def by_sector(ep: Episode, predicted: np.ndarray) -> pd.DataFrame:
    """Base, actual and model values of the episode's last year by supplier × sector, bn USD."""
    last = ep.year == ep.year.max()
    frames = []
    for i, supplier in enumerate(SUPPLIERS):
        frames.append(pd.DataFrame({
            "supplier": supplier, "sector": ep.sectors,
            "base": ep.actual_base[last, i].sum(0), "actual": ep.actual[last, i].sum(0),
            "model": predicted[last, i].sum(0)}))
    return pd.concat(frames, ignore_index=True)


def compare(ep: Episode, predicted: np.ndarray) -> pd.DataFrame:
    """Actual and model change by supplier, bn USD, the error, and the direction test."""
    sectors = by_sector(ep, predicted)
    rows = []
    for supplier, g in sectors.groupby("supplier", sort=False):
        actual, model = g["actual"].sum() - g["base"].sum(), g["model"].sum() - g["base"].sum()
        big = g[g["base"] >= SECTOR_MIN]
        right = np.sign(big["model"] - big["base"]) == np.sign(big["actual"] - big["base"])
        rows.append({"supplier": supplier, "base": g["base"].sum(), "actual change": actual,
                     "model change": model, "error %": 100 * (model / actual - 1),
                     "sectors > 1 bn": len(big), "direction right %": 100 * right.mean()})
    return pd.DataFrame(rows).set_index("supplier")


@dataclass(frozen=True)
class Backtest:
    """Both directions of the cross-validation."""

    estimates: dict[str, Estimate]        # by the episode fitted
    table: pd.DataFrame                   # (fit → predict, supplier) rows
    sectors: pd.DataFrame = field(repr=False)  # by fit → predict, supplier, sector
    bands: pd.DataFrame = field(repr=False)    # bootstrap band of the model change


def backtest(monthly: pd.DataFrame, boot: int = 200, seed: int = 1) -> Backtest:
    """Fit on each shipped episode and predict the other (``monthly``: the packaged NAICS3
    frame, see :func:`tradesim.analysis.calibrate.episode`)."""
    eps = {name: episode(monthly, name, base, months)
           for name, (base, months) in EPISODES.items()}
    estimates = {name: fit(ep, boot=boot, seed=seed) for name, ep in eps.items()}
    tables, sectors, bands = [], [], []
    for trained, target in (("2017-2019", "2024-2025"), ("2024-2025", "2017-2019")):
        est, ep = estimates[trained], eps[target]
        label = f"{trained} → {target}"
        predicted = predict(ep, est.sigma, est.sigma_nest, est.mu)
        tables.append(compare(ep, predicted).assign(direction=label))
        sectors.append(by_sector(ep, predicted).assign(direction=label))
        if len(est.draws):
            change = np.array([compare(ep, predict(ep, *d))["model change"].to_numpy()
                               for d in est.draws])
            change = change[np.isfinite(change).all(axis=1)]  # fits at a bound that overflow
            tail = 100 * (1 - est.level) / 2
            lo, hi = np.percentile(change, [tail, 100 - tail], axis=0)
            bands.append(pd.DataFrame({"direction": label, "supplier": SUPPLIERS,
                                       "low": lo, "high": hi}))
    table = pd.concat(tables).reset_index().set_index(["direction", "supplier"])
    band = (pd.concat(bands).set_index(["direction", "supplier"]) if bands else
            pd.DataFrame({"low": np.nan, "high": np.nan}, index=table.index))
    return Backtest(estimates, table.join(band), pd.concat(sectors, ignore_index=True), band)

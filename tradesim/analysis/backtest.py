"""Backtests: fit on one episode that happened, predict the other, compare with the statistics.

Two episodes are shipped: the 2018–19 Section 301 tariffs on China (base 2017, predicting 2018–19)
and the 2025 tariffs (base 2024, predicting January–November 2025; December 2025 is not yet in
the data). :func:`backtest` fits :mod:`tradesim.analysis.calibrate` on each and predicts the other,
so every figure it reports is out of sample. Changes are the last year of the episode against the
same months of the base year, bn USD, on the imports-for-consumption basis of the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.analysis.calibrate import SUPPLIERS, Episode, Estimate, episode, fit, predict
from tradesim.errors import DataError
from tradesim.model.trajectory import simulate as _run
from tradesim.scenario.parse import Scenario, parse_scenario

__all__ = ["ACTUAL_2025", "EPISODES", "Backtest", "backtest", "by_sector", "compare",
           "engine_2025", "episodes", "observed_demand", "reallocation_draws"]


def simulate(doc: Mapping[str, object], baseline: xr.Dataset) -> xr.Dataset:
    """Run a scenario document on a baseline (validated like a file)."""
    return _run(baseline, parse_scenario(doc))

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
    pooled: Estimate                      # both episodes at once (the shipped defaults)
    sectors: pd.DataFrame = field(repr=False)  # by fit → predict, supplier, sector
    bands: pd.DataFrame = field(repr=False)    # bootstrap band of the model change


def episodes(monthly: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, Episode]:
    """The shipped episodes (all, or ``names``) on the packaged NAICS3 frame.

    Raises
    ------
    ValueError
        For a name that is not in :data:`EPISODES`.
    """
    names = list(EPISODES) if names is None else list(names)
    unknown = [n for n in names if n not in EPISODES]
    if unknown:
        raise ValueError(f"unknown episode(s) {unknown}; the episodes are {list(EPISODES)}")
    return {name: episode(monthly, name, *EPISODES[name]) for name in names}


def backtest(monthly: pd.DataFrame, boot: int = 200, seed: int = 1) -> Backtest:
    """Fit on each shipped episode and predict the other (``monthly``: the packaged NAICS3
    frame, see :func:`tradesim.analysis.calibrate.episode`)."""
    eps = episodes(monthly)
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
    pooled = fit(list(eps.values()), boot=boot, seed=seed)
    return Backtest(estimates, table.join(band), pooled, pd.concat(sectors, ignore_index=True),
                    band)


def reallocation_draws(est: Estimate) -> np.ndarray:
    """(B, 2) draws of (σ_N/σ, first-year adjustment) from an estimate's bootstrap."""
    from tradesim.analysis.calibrate import lambda_year1

    d = est.draws
    return np.c_[d[:, 1] / d[:, 0], lambda_year1(d[:, 2])] if len(d) else np.empty((0, 2))


#: US imports, general imports basis, bn USD (us_vn_2025_headline_actuals.csv, us_vn_totals.csv:
#: Vietnam 2024 S4, 2025 derived from the published deficit and S1 exports; China P1).
ACTUAL_2025 = {"VNM": (136.50, 193.86), "CHN": (438.8, 308.4)}


def observed_demand(monthly: pd.DataFrame, weights: pd.DataFrame, imports_hs6: pd.DataFrame,
                    baseline: xr.Dataset, year: int = 2025) -> list[dict[str, object]]:
    """``[[demand]]`` entries stating the observed growth of US world imports in ``year`` by
    product of ``baseline``, from NAICS3 (January–November on January–November) through the
    HS6 → NAICS3 weights of every supplier's 2024 imports.
    """
    member = pd.Series(baseline["member_product"].to_numpy(), index=baseline["hs6"].to_numpy())
    goods = monthly[(monthly["partner"] == "WORLD") & (monthly["month"].str[5:] <= "11")]
    by_year = goods.assign(year=goods["month"].str[:4].astype(int)).pivot_table(
        index="naics3", columns="year", values="value_usd", aggfunc="sum")
    growth = (by_year[year] / by_year[year - 1] - 1.0).rename("g")
    group = np.where(imports_hs6["exporter"].isin(["VNM", "CHN"]), imports_hs6["exporter"],
                     "REST")
    values = imports_hs6.assign(group=group).groupby(["group", "hs6"], as_index=False)[
        "value_usd"].sum()
    x = weights.merge(values, on=["group", "hs6"]).merge(growth.reset_index(), on="naics3",
                                                         how="left")
    x["w"] = x["weight"] * x["value_usd"]
    x["product"] = x["hs6"].map(member)
    x = x.dropna(subset=["product", "g"])
    by_product = (x["w"] * x["g"]).groupby(x["product"]).sum() / x.groupby("product")["w"].sum()
    total = float(by_year[year].sum() / by_year[year - 1].sum() - 1.0)
    labels = [str(p) for p in by_product.index]
    out = []
    for label, g in zip(labels, by_product.to_numpy(), strict=True):
        code = label.rstrip("*")  # "85*": the chapter without its split-out lines
        carved = [p for p in labels if p != label and not p.endswith("*")
                  and p.startswith(code)] if label.endswith("*") else []
        out.append({"id": f"observed-{year}-{code}" + ("-rest" if carved else ""),
                    "importer": "USA", "products": [code], "exclude": carved,
                    "growth": round(100.0 * float(g), 6), "start": year,
                    "source": f"Census N1 world imports by NAICS3, Jan-Nov {year} on Jan-Nov "
                              f"{year - 1} (all goods {100 * total:+.2f} %), mapped to HS6 by "
                              "2024 weights"})
    return out


def engine_2025(baseline: xr.Dataset, scenario: Scenario,
                demand: Sequence[Mapping[str, object]], draws: np.ndarray | None = None,
                level: float = 0.9) -> pd.DataFrame:
    """The projection engine's 2025 on the 2024 baseline against what happened.

    Runs ``scenario`` (the 2025 measures) with ``demand`` (observed 2025 sector demand, see
    :func:`observed_demand`) and reports, for Vietnam and China, the actual and model change in
    US imports 2024→2025 (general imports, bn USD), the error, and — with ``draws`` (B, 2) of
    (σ_N/σ, first-year adjustment) from the calibration's bootstrap — the ``level`` band.
    """
    if "anchor" in baseline:
        raise DataError("the engine's 2025 check needs the 2024-based projection: an anchored "
                        "baseline reproduces 2025 by construction (load_baseline(anchor=False))")
    doc = scenario.to_dict()
    doc["demand"] = [*doc.get("demand", []), *demand]
    doc["scenario"]["horizon"] = max(2025, int(doc["scenario"]["horizon"]))

    def change(b: xr.Dataset) -> dict[str, float]:
        r = simulate(doc, b).sel(importer="USA", year=[2024, 2025])
        out = r["value"].sel(exporter=["VNM", "CHN"]).sum("product") / 1e9
        return {e: float(out.sel(exporter=e, year=2025) - out.sel(exporter=e, year=2024))
                for e in ("VNM", "CHN")}

    point = change(baseline)
    rows = []
    band = {e: (np.nan, np.nan) for e in point}
    if draws is not None and len(draws):
        us = baseline["importer"] == "USA"
        runs = []
        for ratio, adjustment in draws:
            b = baseline.copy()
            b["sigma_nest"] = xr.where(us, b["sigma"] * ratio, b["sigma_nest"])
            b["adjustment"] = xr.where(us, adjustment, b["adjustment"])
            runs.append(change(b))
        tail = 100 * (1 - level) / 2
        band = {e: tuple(np.percentile([r[e] for r in runs], [tail, 100 - tail]))
                for e in point}
    for e, model in point.items():
        before, after = ACTUAL_2025[e]
        actual = after - before
        rows.append({"supplier": e, "actual change": actual, "model change": model,
                     "error %": 100 * (model / actual - 1), f"{level:.0%} band low": band[e][0],
                     "band high": band[e][1]})
    return pd.DataFrame(rows).set_index("supplier")

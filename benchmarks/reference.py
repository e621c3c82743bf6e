"""A straightforward per-scenario pandas implementation of the model, the benchmarks' yardstick.

One scenario (and one parameter draw) at a time, on a long table of cells with ``groupby``:
what an analyst would write first. It shares only the tariff schedule with tradesim
(``schedule.tariff_path``) and recomputes the rest (DESIGN §2–3, full pass-through):
projection, share drift (``share_trend`` decaying at ``trend_persistence``), the 2025 anchor,
the nested CES price indices (China and its close substitutes in a nest, ``sigma_nest``),
demand, partial adjustment, the balance. ``check`` compares it with the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.scenario import schedule
from tradesim.scenario.parse import Scenario

KEYS = ["importer", "exporter", "product"]


def balance(baseline: xr.Dataset, scenario: Scenario,
            params: xr.Dataset | None = None) -> pd.Series:
    """US balance with Vietnam by year (USD), one scenario, one draw, pandas only.

    Parameters
    ----------
    baseline : Dataset
    scenario : Scenario
        Tariff measures only (no commitments, elasticity overrides or re-routing).
    params : Dataset, optional
        ``sigma``, ``eta``, ``adjustment`` and optionally ``nest_ratio`` (importer, product)
        replacing the baseline's.
    """
    if scenario.commitments or scenario.elasticities or scenario.transshipment is not None:
        raise ValueError("the reference handles tariff measures only")
    path = schedule.tariff_path(baseline, scenario).to_dataframe("t1").reset_index()
    cells = baseline[["value", "tariff", "growth"]].to_dataframe().reset_index()
    par = (params if params is not None else baseline)[["sigma", "eta", "adjustment"]]
    df = path.merge(cells[[*KEYS, "value", "tariff", "growth"]], on=KEYS)
    df = df.merge(par.to_dataframe().reset_index()[["importer", "product", "sigma", "eta",
                                                    "adjustment"]], on=["importer", "product"])
    df["projected"] = df["value"] * (1 + df["growth"]) ** (df["year"] - scenario.base_year)
    if "share_trend" in baseline:  # shares drift at δ h(t), market totals kept
        trend = baseline["share_trend"].to_dataframe().reset_index()
        rho = baseline["trend_persistence"].to_dataframe().reset_index()
        df = df.merge(trend[[*KEYS, "share_trend"]], on=KEYS).merge(rho, on="importer")
        t = (df["year"] - scenario.base_year).astype(float)
        r = df["trend_persistence"]
        h = np.where(r < 1, (1 - r ** t) / (1 - r).where(r < 1, 1.0), t)
        df["drifted"] = df["projected"] * np.exp(df["share_trend"] * h)
        cell = ["year", "importer", "product"]
        scale = (df.groupby(cell)["projected"].transform("sum")
                 / df.groupby(cell)["drifted"].transform("sum").replace(0, np.nan)).fillna(1.0)
        df["projected"] = df["drifted"] * scale
    if "anchor" in baseline:  # the level factor from the observed year on
        factor = baseline["anchor"].to_dataframe().reset_index()
        df = df.merge(factor[[*KEYS, "anchor"]], on=KEYS)
        later = df["year"] >= int(baseline.attrs["anchor_year"])
        df["projected"] = np.where(later, df["projected"] * df["anchor"], df["projected"])
    df["weight"] = df["projected"] * (1 + df["tariff"])
    market = ["year", "importer", "product"]
    df["log_price"] = np.log1p(df["t1"]) - np.log1p(df["tariff"])
    nest = (baseline["nest"].to_dataframe().reset_index() if "nest" in baseline else
            cells[["importer", "exporter"]].drop_duplicates().assign(nest=False))
    df = df.merge(nest[["importer", "exporter", "nest"]], on=["importer", "exporter"])
    ratio = (params["nest_ratio"] if params is not None and "nest_ratio" in params else
             baseline["sigma_nest"] / baseline["sigma"]).rename("ratio").to_dataframe()
    df = df.merge(ratio.reset_index()[["importer", "product", "ratio"]], on=["importer", "product"])
    df["sigma_nest"] = df["sigma"] * df["ratio"]
    inside = df[df["nest"]].copy()
    inside["log_nest"] = _log_index(inside, market, "sigma_nest")
    df = df.merge(inside.groupby(market)["log_nest"].first().reset_index(), on=market, how="left")
    df["log_nest"] = df["log_nest"].fillna(0.0)
    df["log_upper"] = np.where(df["nest"], df["log_nest"], df["log_price"])
    df["log_index"] = _log_index(df.assign(log_price=df["log_upper"]), market, "sigma")
    df["gap"] = (-df["eta"] * df["log_index"] - df["sigma"] * (df["log_upper"] - df["log_index"])
                 - np.where(df["nest"], df["sigma_nest"] * (df["log_price"] - df["log_nest"]), 0))
    wide = df.pivot_table(index=KEYS, columns="year", values="gap")
    rate = df.groupby(KEYS)["adjustment"].first().reindex(wide.index)
    level = pd.Series(0.0, index=wide.index)
    adjusted = {}
    for year in wide.columns:  # partial adjustment: the one sequential step
        level = level + rate * (wide[year] - level)
        adjusted[year] = level
    gap = pd.DataFrame(adjusted).stack().rename("adjusted").reset_index()
    gap.columns = [*KEYS, "year", "adjusted"]
    df = df.merge(gap, on=[*KEYS, "year"])
    df["new"] = df["projected"] * np.exp(df["adjusted"])
    exports = df[(df["importer"] == "VNM") & (df["exporter"] == "USA")].groupby("year")["new"]
    imports = df[(df["importer"] == "USA") & (df["exporter"] == "VNM")].groupby("year")["new"]
    return (exports.sum() - imports.sum()).rename("balance")


def _log_index(df: pd.DataFrame, market: list[str], sigma: str) -> pd.Series:
    """CES log price index of ``log_price`` over each market's rows, weights ``weight``."""
    share = df["weight"] / df.groupby(market)["weight"].transform("sum").replace(0, 1)
    one = (df[sigma] - 1).abs() < 1e-9
    expo = np.where(one, 1.0, 1 - df[sigma])
    term = np.where(one, share * df["log_price"], share * np.exp(expo * df["log_price"]))
    total = pd.Series(term, index=df.index).groupby([df[m] for m in market]).transform("sum")
    return pd.Series(np.where(one, total, np.log(total.where(total > 0, 1.0)) / expo),
                     index=df.index)


def loop(baseline: xr.Dataset, scenarios: list[Scenario],
         draws: xr.Dataset | None = None) -> np.ndarray:
    """The per-scenario (and per-draw) loop: balance (scenario, draw, year), USD."""
    n_d = draws.sizes["draw"] if draws is not None else 1
    out = np.empty((len(scenarios), n_d, len(scenarios[0].years)))
    for i, s in enumerate(scenarios):
        for d in range(n_d):
            params = None
            if draws is not None:
                params = baseline[["sigma", "eta", "adjustment"]].copy()
                for name in draws.data_vars:
                    params[name] = draws[name].isel(draw=d, drop=True)
            out[i, d] = balance(baseline, s, params).to_numpy()
    return out

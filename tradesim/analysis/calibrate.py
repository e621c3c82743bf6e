"""Estimate how a tariff moves US imports between suppliers, from an episode that happened.

An *episode* is a base year and the months after it, on the monthly NAICS3 frame of US imports for
consumption by Vietnam, China and the rest of the world (packaged from Census, N1). The model is
the nested Armington of :func:`tradesim.model.kernels.nested_ces_demand` (China and Vietnam in one
nest, ``σ_N ≥ σ``), with monthly partial adjustment ``y_m = y_(m−1) + μ (y*_m − y_(m−1))`` of each
supplier's log share and, *conditional on observed world imports by sector*, the shares::

    V̂_sgm = W_gm · s_sg(m) e^(y_sgm) / Σ_r s_rg(m) e^(y_rgm)

where ``s_sg(m)`` is the share in the same month of the base year, drifting at the supplier's
pre-episode log-share trend (three years, clipped to ±0.3 a year; none for the rest of the world).
Conditioning on world demand isolates what a tariff must get right: the split between suppliers.
``η`` cancels. The tariff of each supplier × sector × month is the observed calculated duty ÷
value. :func:`fit` estimates ``σ``, ``σ_N`` and ``μ`` by nonlinear least squares on quarterly
sums (residuals scaled by √base value) and gives bootstrap intervals over sectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradesim.model.kernels import nested_ces_demand

__all__ = ["NEST", "SUPPLIERS", "Episode", "Estimate", "Persistence", "episode", "fit",
           "lambda_year1", "parameter_table", "predict", "share_trends", "trend_persistence"]

SUPPLIERS = ("VNM", "CHN", "ROW")
NEST = np.array([[True], [True], [False]])  # (S, 1): China and its close substitute
#: NAICS 980/990: special classification provisions (returned US goods, low-value shipments).
NOT_GOODS = ("980", "990")
DRIFT_CAP = 0.3  # |log-share trend| per year


@dataclass(frozen=True)
class Episode:
    """The arrays of one episode: T months, S = 3 suppliers, G sectors; values in bn USD."""

    name: str
    base_year: int
    months: tuple[str, ...]
    sectors: tuple[str, ...]
    base: np.ndarray = field(repr=False)         # (S, G) base-year value, same calendar months
    t0: np.ndarray = field(repr=False)           # (S, G) base duty rate
    t1: np.ndarray = field(repr=False)           # (T, S, G) duty rate in each month
    share0: np.ndarray = field(repr=False)       # (T, S, G) base share of the month (with drift)
    world: np.ndarray = field(repr=False)        # (T, 1, G) observed world imports
    actual: np.ndarray = field(repr=False)       # (T, S, G) observed imports
    actual_base: np.ndarray = field(repr=False)  # (T, S, G) same calendar month of the base year

    @property
    def year(self) -> np.ndarray:
        return np.array([int(m[:4]) for m in self.months])

    @property
    def quarter(self) -> np.ndarray:
        return np.array([(int(m[:4]) - self.base_year - 1) * 4 + (int(m[5:]) - 1) // 3
                         for m in self.months])


def _cube(monthly: pd.DataFrame, column: str, sectors: Sequence[str]) -> tuple[
        list[str], np.ndarray, np.ndarray]:
    """(months, (M, S, G) VNM/CHN/ROW, (M, 1, G) WORLD) in bn USD."""
    wide = monthly.pivot_table(index="month", columns=["partner", "naics3"], values=column,
                               aggfunc="sum").fillna(0.0) / 1e9
    part = {p: wide[p].reindex(columns=list(sectors)).fillna(0.0).to_numpy()
            for p in ("VNM", "CHN", "WORLD")}
    rest = part["WORLD"] - part["VNM"] - part["CHN"]
    return list(wide.index), np.stack([part["VNM"], part["CHN"], rest], 1), part["WORLD"][:, None]


def episode(monthly: pd.DataFrame, name: str, base_year: int, months: Sequence[str],
            trend_from: int | None = None, drift: bool = True) -> Episode:
    """Build an :class:`Episode` from the packaged NAICS3 × month frame.

    Parameters
    ----------
    monthly : DataFrame
        Columns ``month`` ("YYYY-MM"), ``partner`` (VNM, CHN, WORLD), ``naics3``, ``value_usd``,
        ``duty_usd``.
    base_year : int
        Shares, rates and base values come from the same calendar months of this year.
    months : sequence of "YYYY-MM"
        The months after the base year that the model predicts.
    trend_from : int, optional
        First year of the pre-episode share trend (default ``base_year − 3``).
    drift : bool
        Whether base shares drift at the pre-episode trend.
    """
    goods = monthly[~monthly["naics3"].isin(NOT_GOODS)]
    sectors = tuple(sorted(goods.loc[goods["partner"] == "WORLD", "naics3"].unique()))
    index, value, world = _cube(goods, "value_usd", sectors)
    _, duty, _ = _cube(goods, "duty_usd", sectors)
    value = np.maximum(value, 0.0)
    at = {m: i for i, m in enumerate(index)}
    missing = [m for m in months if m not in at]
    if missing:
        raise ValueError(f"episode {name}: no data for {missing[0]}")
    now = [at[m] for m in months]
    same = [at[f"{base_year}-{m[5:]}"] for m in months]
    calendar = sorted({at[f"{base_year}-{m[5:]}"] for m in months})
    base = value[calendar].sum(0)
    t0 = np.divide(duty[calendar].sum(0), base, out=np.zeros_like(base), where=base > 0)
    v1 = value[now]
    t1 = np.clip(np.divide(duty[now], v1, out=np.broadcast_to(t0, v1.shape).copy(),
                           where=v1 > 1e-4), 0.0, 3.0)
    monthly_total = value[same].sum(1, keepdims=True)
    share0 = np.where(monthly_total > 0,
                      value[same] / np.where(monthly_total > 0, monthly_total, 1.0),
                      base / np.maximum(base.sum(0), 1e-12))
    if drift:
        start = base_year - 3 if trend_from is None else trend_from

        def shares(year: int) -> np.ndarray:
            v = value[[at[f"{year}-{k:02d}"] for k in range(1, 13)]].sum(0)
            return v / np.maximum(v.sum(0, keepdims=True), 1e-12)

        trend = np.log(np.maximum(shares(base_year), 1e-9) / np.maximum(shares(start), 1e-9))
        trend = np.clip(trend / (base_year - start), -DRIFT_CAP, DRIFT_CAP)
        trend[SUPPLIERS.index("ROW")] = 0.0
        tau = np.array([int(m[:4]) - base_year + (int(m[5:]) - 0.5) / 12 - 0.5 for m in months])
        share0 = share0 * np.exp(trend[None] * tau[:, None, None])
        share0 = share0 / np.maximum(share0.sum(1, keepdims=True), 1e-12)
    return Episode(name, base_year, tuple(months), sectors, base, t0, t1, share0, world[now],
                   v1, value[same])


def predict(ep: Episode, sigma: float, sigma_nest: float, mu: float) -> np.ndarray:
    """Predicted imports (T, S, G), bn USD, for elasticities ``σ``, ``σ_N`` and monthly ``μ``.

    Extreme parameters (a bootstrap fit at a bound) can overflow; such cells come out non-finite
    and the caller drops them, so the floating-point warnings carry no information.
    """
    shape = (1, 1, 1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_target = np.log(nested_ces_demand(ep.base[None], ep.t0[None], ep.t1,
                                              np.full(shape, sigma), np.full(shape, sigma_nest),
                                              np.ones(shape), NEST[None])[0])
        gap = np.zeros_like(log_target[0])
        out = np.empty_like(log_target)
        for m in range(log_target.shape[0]):
            gap = gap + mu * (log_target[m] - gap)
            s = ep.share0[m] * np.exp(gap)
            total = s.sum(0, keepdims=True)
            out[m] = np.divide(s, total, out=np.zeros_like(s), where=total > 0) * ep.world[m]
    return out


def lambda_year1(mu: float | np.ndarray) -> float | np.ndarray:
    """Average share of the long-run response reached in the first year, for monthly ``μ``
    (a step on 1 January): ``1 − (1−μ)(1 − (1−μ)^12) / (12 μ)``."""
    return 1 - (1 - mu) * (1 - (1 - mu) ** 12) / (12 * mu)


def _unpack(x: np.ndarray) -> tuple[float, float, float]:
    sigma = float(np.exp(x[0]))
    return sigma, sigma + float(np.exp(x[1])), float(1 / (1 + np.exp(-x[2])))


def _residuals(x: np.ndarray, eps: Sequence[Episode], weight: np.ndarray) -> np.ndarray:
    out = []
    for ep in eps:
        predicted = predict(ep, *_unpack(x))
        scale = np.sqrt(np.maximum(_quarterly(ep.actual_base, ep.quarter), 0.02))
        out.append(((_quarterly(predicted, ep.quarter) - _quarterly(ep.actual, ep.quarter))
                    / scale * np.sqrt(weight)[None, None]).ravel())
    return np.concatenate(out)


def _quarterly(monthly: np.ndarray, quarter: np.ndarray) -> np.ndarray:
    """(T, S, G) months summed into (Q, S, G) quarters."""
    return np.stack([monthly[quarter == k].sum(0) for k in range(quarter.max() + 1)])


@dataclass(frozen=True)
class Estimate:
    """Point estimates and bootstrap intervals (over sectors) of one episode's fit."""

    episode: str
    sigma: float
    sigma_nest: float
    mu: float
    intervals: dict[str, tuple[float, float]]
    draws: np.ndarray = field(repr=False)  # (B, 3): σ, σ_N, μ of each bootstrap fit
    level: float = 0.9

    @property
    def lambda_year1(self) -> float:
        return float(lambda_year1(self.mu))


def _least_squares(eps: Sequence[Episode], weight: np.ndarray, start: np.ndarray) -> np.ndarray:
    from scipy.optimize import least_squares  # only calibration needs scipy.optimize

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return least_squares(_residuals, start, args=(eps, weight), method="lm").x


def fit(episodes: Episode | Sequence[Episode], boot: int = 200, seed: int = 1,
        level: float = 0.9) -> Estimate:
    """Estimate ``σ``, ``σ_N ≥ σ`` and ``μ`` on one episode, or pooled over several.

    ``boot`` resamples of sectors (the same resample in every episode) give the intervals.
    """
    eps = [episodes] if isinstance(episodes, Episode) else list(episodes)
    sectors = eps[0].sectors
    if any(ep.sectors != sectors for ep in eps):
        raise ValueError("pooled episodes must share their sectors")
    start = np.array([np.log(3.0), np.log(4.0), 0.0])  # σ = 3, σ_N = 7, μ = ½
    x = _least_squares(eps, np.ones(len(sectors)), start)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(boot):
        weight = np.bincount(rng.integers(0, len(sectors), len(sectors)),
                             minlength=len(sectors)).astype(float)
        draws.append(_unpack(_least_squares(eps, weight, x)))
    sample = np.array(draws).reshape(-1, 3)
    tail = 100 * (1 - level) / 2
    bounds = (np.percentile(sample, [tail, 100 - tail], axis=0) if boot else
              np.full((2, 3), np.nan))
    names = ("sigma", "sigma_nest", "mu")
    return Estimate(" + ".join(ep.name for ep in eps), *_unpack(x),
                    intervals={n: (float(bounds[0, i]), float(bounds[1, i]))
                               for i, n in enumerate(names)},
                    draws=sample, level=level)


METHOD = ("nested Armington (China and Vietnam in one nest) with monthly partial adjustment, "
          "conditional on observed world imports by NAICS3 sector and pre-episode share trends; "
          "nonlinear least squares on quarterly sums; bootstrap over sectors")


def parameter_table(est: Estimate, source: str, importer: str = "USA",
                    persistence: Persistence | None = None) -> pd.DataFrame:
    """The estimates as the parameter file the baseline reads (one row per parameter).

    ``nest_ratio`` (σ_N / σ) carries the nest premium to each product's own σ, and
    ``adjustment`` is the first-year share of the long-run response (the yearly λ of the
    projection engine); ``low``/``high`` bound the ``level`` interval from the bootstrap.
    With ``persistence``, a ``trend_persistence`` row (:func:`trend_persistence`) follows.
    """
    d = est.draws
    rows = [("sigma", est.sigma, d[:, 0]), ("sigma_nest", est.sigma_nest, d[:, 1]),
            ("nest_ratio", est.sigma_nest / est.sigma, d[:, 1] / d[:, 0]),
            ("monthly_adjustment", est.mu, d[:, 2]),
            ("adjustment", est.lambda_year1, lambda_year1(d[:, 2]))]
    tail = 100 * (1 - est.level) / 2
    nest = " ".join(SUPPLIERS[i] for i in np.flatnonzero(NEST[:, 0]))
    out = []
    for name, value, draws in rows:
        low, high = (np.percentile(draws, [tail, 100 - tail]) if len(draws) else
                     (np.nan, np.nan))
        out.append({"importer": importer, "parameter": name, "value": round(float(value), 6),
                    "low": round(float(low), 6), "high": round(float(high), 6),
                    "level": est.level, "boot": len(draws), "episodes": est.episode,
                    "nest": nest, "method": METHOD, "source": source})
    if persistence is not None:
        out.append({
            "importer": importer, "parameter": "trend_persistence",
            "value": round(persistence.rho, 6), "low": round(persistence.interval[0], 6),
            "high": round(persistence.interval[1], 6), "level": persistence.level,
            "boot": persistence.boot, "episodes": persistence.span, "nest": nest,
            "method": (f"share of a sector's {persistence.window}-year log-share trend (VNM, "
                       f"CHN) carried into the next {persistence.window} years (least squares "
                       f"through the origin, {persistence.pairs} sector pairs, weighted by "
                       f"share), to the power 1/{persistence.window}"),
            "source": source})
    return pd.DataFrame(out)


def _annual_shares(monthly: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """Each partner's share of world imports by sector and full year, up to ``last_year``."""
    goods = monthly[~monthly["naics3"].isin(NOT_GOODS)]
    year = goods["month"].str[:4].astype(int)
    wide = goods[year <= last_year].assign(year=year).pivot_table(
        index="naics3", columns=["partner", "year"], values="value_usd", aggfunc="sum")
    return wide.drop(columns="WORLD", level=0) / wide["WORLD"].reindex(
        columns=wide.drop(columns="WORLD", level=0).columns, level=1).to_numpy()


def share_trends(monthly: pd.DataFrame, base_year: int, window: int = 3) -> pd.DataFrame:
    """Log-share trend per year of Vietnam and China by NAICS3 sector, over the ``window``
    years to ``base_year`` (clipped to ±:data:`DRIFT_CAP`), as the episodes use it.

    Returns columns ``partner, naics3, trend`` (log points a year); sectors where either year
    has no trade are left out.
    """
    shares = _annual_shares(monthly, base_year)
    rows = []
    for partner in ("VNM", "CHN"):
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = np.log(shares[(partner, base_year)] / shares[(partner, base_year - window)])
        trend = (trend / window).clip(-DRIFT_CAP, DRIFT_CAP)
        ok = np.isfinite(trend)
        rows.append(pd.DataFrame({"partner": partner, "naics3": trend.index[ok],
                                  "trend": trend[ok].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


@dataclass(frozen=True)
class Persistence:
    """How much of a sector's share trend carries on: ``rho`` a year, with an interval."""

    rho: float
    interval: tuple[float, float]
    carry: float  # share of one window's trend seen in the next window
    pairs: int
    level: float = 0.9
    window: int = 3
    boot: int = 500
    span: str = ""  # the years the trends came from


def trend_persistence(monthly: pd.DataFrame, last_year: int = 2024, window: int = 3,
                      boot: int = 500, seed: int = 1, level: float = 0.9) -> Persistence:
    """Estimate the yearly persistence ``ρ`` of sector share trends (Vietnam and China).

    Regresses each sector's log-share trend over a ``window``-year span on its trend over the
    span before (value-weighted least squares through the origin, consecutive spans ending at
    ``last_year``, ``last_year − window``, …); the slope ``b`` is the share of a trend that
    carries into the next span, so ``ρ = b^(1/window)``. Intervals: bootstrap over sector pairs.
    """
    shares = _annual_shares(monthly, last_year)
    value = monthly[~monthly["naics3"].isin(NOT_GOODS)]
    first = int(value["month"].str[:4].astype(int).min())
    x, y, w = [], [], []
    end = last_year
    while end - 2 * window >= first:
        mid, start = end - window, end - 2 * window
        for partner in ("VNM", "CHN"):
            with np.errstate(divide="ignore", invalid="ignore"):
                before = np.log(shares[(partner, mid)] / shares[(partner, start)]) / window
                after = np.log(shares[(partner, end)] / shares[(partner, mid)]) / window
            ok = np.isfinite(before) & np.isfinite(after)
            x += list(before[ok])
            y += list(after[ok])
            w += list(shares[(partner, mid)][ok])
        end -= window
    xa, ya, wa = np.array(x), np.array(y), np.array(w)

    def slope(i: np.ndarray) -> float:
        return float((wa[i] * xa[i] * ya[i]).sum() / (wa[i] * xa[i] ** 2).sum())

    every = np.arange(len(xa))
    b = slope(every)
    rng = np.random.default_rng(seed)
    draws = np.array([slope(rng.integers(0, len(xa), len(xa))) for _ in range(boot)])
    tail = 100 * (1 - level) / 2
    low, high = np.clip(np.percentile(draws, [tail, 100 - tail]), 1e-6, 1.0) ** (1 / window)
    return Persistence(float(np.clip(b, 1e-6, 1.0) ** (1 / window)), (float(low), float(high)),
                       b, len(xa), level, window, boot, f"sector trends {first}-{last_year}")

"""Stack scenarios and draws into kernel-ordered arrays and solve.

Labels stop here: :func:`market_arrays` turns a baseline, per-scenario tariff paths and
per-draw parameters into plain ndarrays in :data:`tradesim.dims.KERNEL_ORDER`
``(scenario, draw, year, importer, exporter, product)``, and :func:`respond` calls the kernels
on them once for every scenario, draw and year.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradesim.errors import ScheduleError
from tradesim.model import gsim, gsim_linear, kernels, smart, supply

__all__ = ["MarketArrays", "Response", "anchor_correction", "compose", "market_arrays",
           "respond", "share_drift"]


class MarketArrays(NamedTuple):
    """Inputs in kernel order (S, D, T, I, E, P); parameters (S, D, 1, I, 1, P)."""

    projected: np.ndarray  # baseline projection, USD (S, 1, T, I, E, P)
    t0: np.ndarray  # base tariff, fraction (I, E, P)
    t1: np.ndarray  # scenario tariff path, fraction (S, 1, T, I, E, P)
    sigma: np.ndarray
    eta: np.ndarray
    adjustment: np.ndarray  # λ
    omega: np.ndarray  # export supply elasticity, inf = full pass-through
    sigma_nest: np.ndarray | None = None  # (S, D, 1, I, 1, P), >= sigma; None: no nest
    nest: np.ndarray | None = None  # bool (I, E, 1): suppliers in the nest of close substitutes

    @property
    def nested(self) -> bool:
        """Whether demand is the nested Armington (a nest with a premium over σ somewhere)."""
        return (self.nest is not None and self.sigma_nest is not None and bool(self.nest.any())
                and bool((self.sigma_nest != self.sigma).any()))


class Response(NamedTuple):
    """Long-run response per cell and the import price index per market and product."""

    log_ratio: np.ndarray  # (S, D, T, I, E, P) ln(new value / baseline value)
    index: np.ndarray  # type: ignore[assignment]  # (S, D, T, I, 1, P); shadows tuple.index
    surplus: np.ndarray  # (S, D, T, I, 1, P) buyers' surplus change, USD
    world_price: np.ndarray  # (S, D, T, I, E, P) p*, relative to base
    pass_through: np.ndarray  # (S, D, T, I, E, P) share of the tariff change paid by buyers
    suppliers_surplus: np.ndarray  # (S, D, T, I, E, P) USD
    iterations: int  # solver iterations (0 for the closed form)
    max_residual: float
    smart_welfare: np.ndarray | None = None  # (S, D, T, I, 1, P) WITS's ½(t0+t1)·TC, USD


def compose(base: np.ndarray, draws: np.ndarray | None,
            override: list[tuple[np.ndarray, np.ndarray] | None]) -> np.ndarray:
    """One parameter for every scenario and draw: (S, D, 1, I, 1, P).

    Parameters
    ----------
    base : ndarray (I, P)
        Baseline value.
    draws : ndarray (D, I, P) or None
        Monte Carlo values replacing the baseline (None: one draw, the baseline).
    override : list over scenarios of (mask (P,), value (P,)) or None
        A scenario's ``[elasticities]`` override, which wins over draws.
    """
    per_draw = base[None] if draws is None else draws
    out = np.broadcast_to(per_draw, (len(override), *per_draw.shape)).copy()
    for s, item in enumerate(override):
        if item is not None:
            mask, value = item
            out[s] = np.where(mask, value, out[s])
    return out[:, :, None, :, None, :]


def market_arrays(value: np.ndarray, t0: np.ndarray, growth: np.ndarray, t1: np.ndarray,
                  offsets: np.ndarray, sigma: np.ndarray, eta: np.ndarray,
                  adjustment: np.ndarray, omega: np.ndarray,
                  sigma_nest: np.ndarray | None = None,
                  nest: np.ndarray | None = None,
                  share_trend: np.ndarray | None = None,
                  persistence: np.ndarray | None = None,
                  demand: list[tuple[np.ndarray, np.ndarray] | None] | None = None,
                  anchor: tuple[np.ndarray, float] | None = None,
                  ) -> MarketArrays:
    """Kernel-ordered arrays for a batch.

    Parameters
    ----------
    value, t0 : ndarray (I, E, P)
        Base-year customs value (USD) and tariff (fraction).
    growth : ndarray (S, I, E, P)
        Baseline growth per year for each scenario.
    t1 : ndarray (S, T, I, E, P)
        Tariff paths.
    offsets : ndarray (T,)
        Years since the base year.
    sigma, eta, adjustment, omega, sigma_nest : ndarray (S, D, 1, I, 1, P)
        From :func:`compose` (``sigma_nest`` optional).
    nest : bool ndarray (I, E), optional
        Suppliers in each market's nest of close substitutes.
    share_trend : ndarray (I, E, P), optional
        Log-share trend per year; each supplier's share of its market and product moves by
        ``exp(δ h(t))``, renormalised so the market total follows ``growth`` alone.
    persistence : ndarray (I,), optional
        ρ in ``h(t) = (1 − ρ^t) / (1 − ρ)`` (``t`` at ρ = 1; default 1).
    demand : list over scenarios of (share (T, I, P), growth (T, I, P)) or None, optional
        Stated demand growth replacing ``growth`` where ``share`` > 0, for the baseline
        projection and the scenario alike.
    anchor : (factor (I, E, P), offset), optional
        Level factor on each cell's projection from that offset (years since the base) on:
        the baseline's calibration to an observed year (:mod:`tradesim.analysis.anchor`).
    """
    stated = demand is not None and any(d is not None for d in demand)
    n_s = growth.shape[0]
    # scenarios that share their growth (a grid over tariffs) share their projection: built
    # once and repeated, the same numbers
    shared = not stated and n_s > 1 and bool((growth == growth[:1]).all())
    if shared:
        growth = growth[:1]
    if stated and demand is not None:
        projected = value[None, None] * _demand_index(growth, offsets, demand)
    else:
        projected = _compound(value, growth, offsets)
    if share_trend is not None and np.any(share_trend != 0):
        projected = projected * share_drift(projected, share_trend, offsets, persistence)
    if anchor is not None:
        factor, first = anchor
        projected = np.where((offsets >= first)[None, :, None, None, None], projected * factor,
                             projected)
    if shared:
        projected = np.repeat(projected, n_s, axis=0)
    return MarketArrays(
        projected=np.ascontiguousarray(projected[:, None]),
        t0=t0, t1=t1[:, None], sigma=sigma, eta=eta, adjustment=adjustment, omega=omega,
        sigma_nest=sigma_nest, nest=None if nest is None else nest[:, :, None],
    )


def _compound(value: np.ndarray, growth: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``value (1 + g)^t`` (S, T, I, E, P) for ``value`` (I, E, P), ``growth`` (S, I, E, P) and
    the years' offsets ``t`` (T,). Offsets 0, 1, 2, ... (every batch's) multiply year by year:
    one product a year instead of a power (about 6× faster at hs6; within T ulps of it)."""
    if not np.array_equal(offsets, np.arange(len(offsets))):
        return value[None, None] * (1.0 + growth[:, None]) ** offsets[None, :, None, None, None]
    factor = 1.0 + growth
    out = np.empty((growth.shape[0], len(offsets), *value.shape))
    out[:, :1] = value
    for t in range(1, len(offsets)):
        np.multiply(out[:, t - 1], factor, out=out[:, t])
    return out


def _demand_index(growth: np.ndarray, offsets: np.ndarray,
                  demand: list[tuple[np.ndarray, np.ndarray] | None]) -> np.ndarray:
    """Cumulative demand index (S, T, I, E, P): ``Π_(k ≤ t) (1 + g_k)`` with each year's
    growth the baseline's, or a stated shift's where one applies (1 in the base year)."""
    steps = np.broadcast_to(1.0 + growth[:, None], (growth.shape[0], len(offsets),
                                                    *growth.shape[1:])).copy()
    for s, item in enumerate(demand):
        if item is None:
            continue
        share, stated = item  # (T, I, P)
        cover, value = share[:, :, None, :], stated[:, :, None, :]
        steps[s] = steps[s] + cover * (value - growth[s][None])
    steps[:, offsets == 0] = 1.0
    return np.cumprod(steps, axis=1)


def share_drift(projected: np.ndarray, share_trend: np.ndarray, offsets: np.ndarray,
                persistence: np.ndarray | None) -> np.ndarray:
    """Factor ``exp(δ h(t)) / Σ_f s_f exp(δ_f h(t))`` (S, T, I, E, P) on the trend projection.

    ``s_f`` are the suppliers' shares of ``projected`` in each market, product and year, so the
    factor moves shares and leaves every market total as it was; exactly 1 at ``t = 0``.
    """
    rho = np.ones(share_trend.shape[0]) if persistence is None else np.asarray(persistence)
    t = offsets[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(rho < 1.0, (1.0 - rho ** t) / (1.0 - rho), t)  # (T, I)
    drift = np.exp(share_trend[None] * h[:, :, None, None])  # (T, I, E, P)
    total = projected.sum(axis=-2, keepdims=True)
    moved = (projected * drift).sum(axis=-2, keepdims=True)
    scale = np.divide(total, moved, out=np.ones_like(total), where=moved > 0)
    return drift * scale


def anchor_correction(a: MarketArrays, first: int, tariff: np.ndarray,
                      central: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None],
                      ) -> np.ndarray | None:
    """Per-draw factors that keep an anchored year observed under other parameters.

    An anchored baseline's factor makes the anchor regime reproduce the observed year under the
    baseline's own parameters. A draw (or a scenario's elasticity override) would explain that
    year differently; scaling its values and its baseline from the anchor year on by

        ``c = exp(λ_c gap_c − λ_d gap_d)``  (S, D, I, E, P)

    makes the regime's anchor-year values the same under every draw. ``gap`` is the regime's
    long-run log gap in the anchor year (CES, nested where ``a`` is) and ``λ gap`` its first
    year of adjustment, with the market shares of the anchored projection (they are not
    re-solved per draw: the error is of second order in ``c − 1``, and the draws keep one set
    of weights). ``c = 1`` exactly at the central parameters and where the regime changes no
    tariff. CES with full pass-through only.

    Parameters
    ----------
    a : MarketArrays
        The batch (its ``projected`` carries the baseline's anchor factor).
    first : int
        Offset of the anchor year; it must be the first year after the base.
    tariff : ndarray (I, E, P)
        The anchor regime's tariffs in the anchor year, fraction.
    central : (sigma, eta, adjustment, sigma_nest), each (S, 1, 1, I, 1, P)
        The baseline's parameters (``sigma_nest`` None without a nest).

    Returns
    -------
    ndarray (S, D, I, E, P) or None
        None when the regime moves no tariff (nothing to correct).
    """
    if first != 1:
        raise ScheduleError(f"keeping the anchor year observed needs it right after the base "
                            f"year (offset {first})")
    moved = np.flatnonzero((tariff != a.t0).any(axis=(-2, -1)))  # importers the regime moves
    if moved.size == 0:
        return None
    rows = lambda x: x[..., moved, :, :]  # noqa: E731  the importer axis is -3 throughout
    weights = rows(a.projected[:, :, first] * (1.0 + a.t0))  # (S, 1, I', E, P)
    log_price = np.log1p(rows(tariff)) - np.log1p(rows(a.t0))
    nest = None if a.nest is None else rows(a.nest)

    def first_year(sigma: np.ndarray, eta: np.ndarray, rate: np.ndarray,
                   sigma_nest: np.ndarray | None) -> np.ndarray:
        pick = lambda x: rows(x[:, :, 0])  # noqa: E731  (S, D, I', 1, P)
        if a.nested and sigma_nest is not None and nest is not None:
            log_index, log_nest = kernels.nested_log_index(weights, log_price, pick(sigma),
                                                           pick(sigma_nest), nest)
            gap = kernels.nested_log_gap(log_price, log_index, log_nest, pick(sigma),
                                         pick(sigma_nest), pick(eta), nest)
        else:
            log_index = kernels.log_price_index(weights, log_price, pick(sigma))
            gap = -pick(eta) * log_index - pick(sigma) * (log_price - log_index)
        return pick(rate) * gap

    drawn = first_year(a.sigma, a.eta, a.adjustment, a.sigma_nest)
    c = np.exp(first_year(*central) - drawn)
    full = np.ones((*c.shape[:2], a.projected.shape[-3], *c.shape[-2:]))
    full[..., moved, :, :] = c
    return full


METHODS = ("ces", "smart", "gsim", "gsim-exact")


def respond(a: MarketArrays, method: str = "ces") -> Response:
    """Long-run value ratios, prices, pass-through and surplus for every cell.

    ``method="ces"`` (default): exact CES; closed form when every ω is infinite — the nested
    Armington (:func:`tradesim.model.kernels.nested_ces_demand`) when the arrays carry a nest —,
    otherwise world prices are solved market by market by :func:`tradesim.model.supply.solve`
    (one-level CES: the supply solvers, SMART and GSIM know no nest).
    ``"smart"``: the WITS SMART linearised formulas (:func:`tradesim.smart.smart`).
    ``"gsim"``: Francois & Hall's GSIM as published, the linearised percentage-change model
    (:func:`tradesim.model.gsim_linear.solve`): every market at once, each exporter's world
    price common to all the markets it sells to. ``"gsim-exact"``: the same markets solved
    exactly with CES demand and iso-elastic supply (:func:`tradesim.model.gsim.solve`).
    """
    if method not in METHODS:
        raise ScheduleError(f"unknown method {method!r}; use one of {METHODS}")
    shape = np.broadcast_shapes(a.projected.shape, a.t1.shape, a.sigma.shape)
    if method == "smart":
        return _smart(a, shape)
    if method == "gsim":
        return _gsim_linear(a, shape)
    if method == "gsim-exact":
        return _gsim(a, shape)
    expenditure = (a.projected * (1.0 + a.t0)).sum(axis=-2, keepdims=True)
    if np.isinf(a.omega).all():
        if a.nested and a.sigma_nest is not None and a.nest is not None:
            log_ratio, log_index = kernels.nested_ces_log_demand(
                a.projected, a.t0, a.t1, a.sigma, a.sigma_nest, a.eta, a.nest)
        else:
            log_ratio, log_index = kernels.ces_log_demand(a.projected, a.t0, a.t1, a.sigma,
                                                          a.eta)
        index = np.exp(log_index)
        ones = np.broadcast_to(1.0, shape)  # read-only views: no full-size arrays of constants
        zeros = np.broadcast_to(0.0, shape)
        return Response(log_ratio, index, kernels.buyers_surplus(expenditure, index, a.eta),
                        ones, ones, zeros, 0, 0.0)
    s = supply.solve(a.projected, a.t0, a.t1, a.sigma, a.eta, a.omega)
    return Response(np.log(s.ratio), s.index, kernels.buyers_surplus(expenditure, s.index, a.eta),
                    np.broadcast_to(s.world_price, shape), np.broadcast_to(s.pass_through, shape),
                    np.broadcast_to(_producers(a, s.world_price, a.omega), shape),
                    s.iterations, s.max_residual)


def _pass_through(world_price: np.ndarray, a: MarketArrays, shape: tuple[int, ...]) -> np.ndarray:
    """Share of the own tariff change paid by buyers: Δln p / Δln(1+t); 1 where t is unchanged."""
    tau = np.broadcast_to(np.log1p(a.t1) - np.log1p(a.t0), shape)
    moved = np.abs(tau) > 1e-12
    share = (np.log(world_price) + tau) / np.where(moved, tau, 1.0)
    return np.where(moved, share, 1.0)


def _producers(a: MarketArrays, world_price: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """Exporters' surplus change per cell, ``V (p*^(1+ω) − 1)/(1+ω)`` (0 where ω = ∞), USD."""
    finite = np.isfinite(omega)
    w = np.where(finite, omega, 1.0)
    return np.where(finite, a.projected * (world_price ** (1.0 + w) - 1.0) / (1.0 + w), 0.0)


def _smart(a: MarketArrays, shape: tuple[int, ...]) -> Response:
    """WITS SMART: β = ω (inf means infinite, WITS's 99), ε = η; SMART floors trade at zero.

    One model throughout: ``world_price`` is SMART's own linear price effect ``1 + TC/(M β)``,
    so ``value / world_price`` is SMART's quantity ``M + TC + TD``. The surplus slot holds the
    linear buyers' surplus ``Σ_s −Δp_s (Q0_s + Q1_s)/2`` with ``Δp_s = (1+t1) p*1 − (1+t0)``
    (base buyer price ``1 + t0``); adding the duty-revenue change then gives, with β infinite,
    exactly ``Σ_s ½ (t0 + t1)(M1 − M0)``. WITS's own welfare number ``½ (t0 + t1) TC`` is kept
    as ``smart_welfare``.
    """
    beta = np.where(np.isinf(a.omega), smart.INFINITE_BETA, a.omega)
    r = smart.smart(a.projected, a.t0, a.t1, a.sigma, a.eta, beta)
    base = np.broadcast_to(a.projected, shape)
    ratio = np.divide(r.new_value, base, out=np.ones(shape), where=base > 0)
    ratio = np.maximum(ratio, 1e-12)  # a supplier priced out entirely: log stays finite
    index = kernels.price_index(a.projected * (1.0 + a.t0), (1.0 + a.t1) / (1.0 + a.t0),
                                a.sigma)
    world = np.broadcast_to(r.world_price, shape)
    buyer_change = (1.0 + a.t1) * world - (1.0 + a.t0)
    surplus = (-buyer_change * (base + r.quantity) / 2.0).sum(axis=-2, keepdims=True)
    welfare = np.broadcast_to(r.welfare, shape).sum(axis=-2, keepdims=True)
    world = np.maximum(world, 1e-12)  # past the linear formula's range: keep logs finite
    return Response(np.log(ratio), index, surplus, world, _pass_through(world, a, shape),
                    np.zeros(shape), 0, 0.0, smart_welfare=welfare)


def _one_omega(a: MarketArrays, method: str) -> np.ndarray:
    """ω per exporter and product (..., 1, 1 or E, P): GSIM gives an exporter one supply
    curve across the markets it sells to."""
    omega = a.omega.min(axis=-3, keepdims=True)
    if not np.array_equal(omega, a.omega.max(axis=-3, keepdims=True)):
        raise ScheduleError(f"method {method!r} needs one export supply elasticity per product "
                            "for all markets; the omega overrides differ between importers")
    return omega


def _gsim_linear(a: MarketArrays, shape: tuple[int, ...]) -> Response:
    """Published (linear) GSIM: trapezoid consumer surplus, trade floored at zero."""
    omega = _one_omega(a, "gsim")
    g = gsim_linear.solve(a.projected, a.t0, a.t1, a.sigma, a.eta, omega)
    ratio = np.maximum(np.broadcast_to(g.ratio, shape), 1e-12)  # log stays finite
    world = np.broadcast_to(np.maximum(1.0 + g.world_price_change, 1e-12), shape)
    index = np.maximum(1.0 + g.composite_price_change, 1e-12)
    return Response(np.log(ratio), np.broadcast_to(index, (*shape[:-2], 1, shape[-1])),
                    g.consumer_surplus, world, _pass_through(world, a, shape),
                    np.broadcast_to(g.producer_surplus, shape), 0, g.max_residual)


def _gsim(a: MarketArrays, shape: tuple[int, ...]) -> Response:
    """Exact GSIM: one ω per exporter and product, so ω may not differ between import markets."""
    omega = _one_omega(a, "gsim-exact")
    g = gsim.solve(a.projected, a.t0, a.t1, a.sigma, a.eta, omega)
    world = np.broadcast_to(g.world_price, shape)
    return Response(np.log(g.ratio), g.index, g.consumer_surplus, world,
                    _pass_through(world, a, shape), _producers(a, world, omega), g.iterations,
                    g.max_residual)

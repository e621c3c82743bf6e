"""Stack scenarios and draws into kernel-ordered arrays and solve.

Labels stop here: :func:`market_arrays` turns a baseline, per-scenario tariff paths and
per-draw parameters into plain ndarrays in :data:`tradesim.dims.KERNEL_ORDER`
``(scenario, draw, year, importer, exporter, product)``, and :func:`respond` calls the kernels
on them once for every scenario, draw and year.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradesim import kernels, supply

__all__ = ["MarketArrays", "Response", "compose", "market_arrays", "respond"]


class MarketArrays(NamedTuple):
    """Inputs in kernel order (S, D, T, I, E, P); parameters (S, D, 1, I, 1, P)."""

    projected: np.ndarray  # baseline projection, USD (S, 1, T, I, E, P)
    t0: np.ndarray  # base tariff, fraction (I, E, P)
    t1: np.ndarray  # scenario tariff path, fraction (S, 1, T, I, E, P)
    sigma: np.ndarray
    eta: np.ndarray
    adjustment: np.ndarray  # λ
    omega: np.ndarray  # export supply elasticity, inf = full pass-through


class Response(NamedTuple):
    """Long-run response per cell and the import price index per market and product."""

    ratio: np.ndarray  # (S, D, T, I, E, P) new value / baseline value
    index: np.ndarray  # (S, D, T, I, 1, P)
    surplus: np.ndarray  # (S, D, T, I, 1, P) buyers' surplus change, USD
    world_price: np.ndarray  # (S, D, T, I, E, P) p*, relative to base
    pass_through: np.ndarray  # (S, D, T, I, E, P) share of the tariff change paid by buyers
    suppliers_surplus: np.ndarray  # (S, D, T, I, E, P) USD
    iterations: int  # solver iterations (0 for the closed form)
    max_residual: float


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
                  adjustment: np.ndarray, omega: np.ndarray) -> MarketArrays:
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
    sigma, eta, adjustment, omega : ndarray (S, D, 1, I, 1, P)
        From :func:`compose`.
    """
    step = offsets[None, :, None, None, None]
    projected = value[None, None] * (1.0 + growth[:, None]) ** step
    return MarketArrays(
        projected=np.ascontiguousarray(projected[:, None]),
        t0=t0, t1=t1[:, None], sigma=sigma, eta=eta, adjustment=adjustment, omega=omega,
    )


def respond(a: MarketArrays) -> Response:
    """Long-run value ratios, prices, pass-through and surplus for every cell.

    Full pass-through (every ω infinite) uses the closed form; otherwise world prices are
    solved by :func:`tradesim.supply.solve` (damped Newton, vectorised over every cell).
    """
    expenditure = (a.projected * (1.0 + a.t0)).sum(axis=-2, keepdims=True)
    shape = np.broadcast_shapes(a.projected.shape, a.t1.shape, a.sigma.shape)
    if np.isinf(a.omega).all():
        ratio, index = kernels.ces_demand(a.projected, a.t0, a.t1, a.sigma, a.eta)
        ones = np.ones(shape)
        zeros = np.zeros(shape)
        return Response(ratio, index, kernels.buyers_surplus(expenditure, index, a.eta),
                        ones, ones, zeros, 0, 0.0)
    s = supply.solve(a.projected, a.t0, a.t1, a.sigma, a.eta, a.omega)
    finite = np.isfinite(a.omega)
    omega = np.where(finite, a.omega, 1.0)
    gain = a.projected * (s.world_price ** (1.0 + omega) - 1.0) / (1.0 + omega)
    producers = np.where(finite, gain, 0.0)
    return Response(s.ratio, s.index, kernels.buyers_surplus(expenditure, s.index, a.eta),
                    np.broadcast_to(s.world_price, shape), np.broadcast_to(s.pass_through, shape),
                    np.broadcast_to(producers, shape), s.iterations, s.max_residual)

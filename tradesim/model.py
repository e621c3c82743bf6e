"""Stack scenarios and draws into kernel-ordered arrays and solve.

Labels stop here: :func:`market_arrays` turns a baseline, per-scenario tariff paths and
per-draw parameters into plain ndarrays in :data:`tradesim.dims.KERNEL_ORDER`
``(scenario, draw, year, importer, exporter, product)``, and :func:`respond` calls the kernels
on them once for every scenario, draw and year.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradesim import kernels

__all__ = ["MarketArrays", "Response", "compose", "market_arrays", "respond"]


class MarketArrays(NamedTuple):
    """Inputs in kernel order (S, D, T, I, E, P); parameters (S, D, 1, I, 1, P)."""

    projected: np.ndarray  # baseline projection, USD (S, 1, T, I, E, P)
    t0: np.ndarray  # base tariff, fraction (I, E, P)
    t1: np.ndarray  # scenario tariff path, fraction (S, 1, T, I, E, P)
    sigma: np.ndarray
    eta: np.ndarray
    adjustment: np.ndarray  # λ


class Response(NamedTuple):
    """Long-run response per cell and the import price index per market and product."""

    ratio: np.ndarray  # (S, D, T, I, E, P) new value / baseline value
    index: np.ndarray  # (S, D, T, I, 1, P)
    surplus: np.ndarray  # (S, D, T, I, 1, P) buyers' surplus change, USD


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
                  adjustment: np.ndarray) -> MarketArrays:
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
    sigma, eta, adjustment : ndarray (S, D, 1, I, 1, P)
        From :func:`compose`.
    """
    step = offsets[None, :, None, None, None]
    projected = value[None, None] * (1.0 + growth[:, None]) ** step
    return MarketArrays(
        projected=np.ascontiguousarray(projected[:, None]),
        t0=t0, t1=t1[:, None], sigma=sigma, eta=eta, adjustment=adjustment,
    )


def respond(a: MarketArrays) -> Response:
    """Long-run value ratios, price indices and buyers' surplus for every cell."""
    ratio, index = kernels.ces_demand(a.projected, a.t0, a.t1, a.sigma, a.eta)
    expenditure = (a.projected * (1.0 + a.t0)).sum(axis=-2, keepdims=True)
    return Response(ratio, index, kernels.buyers_surplus(expenditure, index, a.eta))

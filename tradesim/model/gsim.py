"""Francois & Hall's global simulation model (GSIM): several import markets, shared world prices.

GSIM extends the one-market model of :mod:`tradesim.model.supply` to many importers at once. An
exporter sells one product to every market at a single world price ``p*_e``, and its total sales
clear against one export supply curve. A tariff in one market therefore moves the exporter's
sales in all the others.

Arrays are ``(..., importer, exporter, product)``: the exporter (supplier) axis stays at
``SUPPLIER_AXIS = -2`` as in :mod:`tradesim.model.kernels`, with the importer axis just before it.
σ and η are per importer × product ``(..., I, 1, P)``; ω is per exporter × product
``(..., 1, E, P)``. Money in USD, rates as fractions.

Equations, per product, importer ``i`` and exporter ``e``:

- buyer price ``p_ie = p*_e (1+t1_ie)/(1+t0_ie)``; shares ``θ_ie = V_ie(1+t0_ie)/Σ_e V_ie(1+t0_ie)``
- index ``P_i = (Σ_e θ_ie p_ie^(1−σ_i))^(1/(1−σ_i))``; demand
  ``d_ie = P_i^(−η_i) (p_ie/P_i)^(−σ_i)``
- market clearing ``Σ_i V_ie p*_e d_ie = Σ_i V_ie p*_e^(1+ω_e)``. Supply ``p*^ω`` scales the
  exporter's total base sales, and both sides are valued at the common world price.

Unknowns ``z_e = ln p*_e`` solve ``G_e = ln(Σ_i V_ie d_ie / Σ_i V_ie) − ω_e z_e = 0`` by damped
Newton. The Jacobian is dense in exporters,
``J_ek = Σ_i w_ie (σ_i − η_i) θ̃_ik − δ_ek (Σ_i w_ie σ_i + ω_e)``, where ``w_ie`` is the share of
e's sales going to market ``i`` and ``θ̃_ik`` are expenditure shares at new prices. It is solved
for every (…, product) block at once with batched :func:`numpy.linalg.solve`.

Reference: J. Francois and H. K. Hall (2003), *Global Simulation Analysis of Industry-Level
Trade Policy*, version 3.0 (wits.worldbank.org/witsweb/download/docs/GSIMpaper.pdf).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradesim.model.kernels import buyers_surplus, log_price_index
from tradesim.model.supply import damped_newton, new_shares

__all__ = ["GsimResult", "solve"]

IMPORTER_AXIS = -3


class GsimResult(NamedTuple):
    """Multi-market equilibrium (see :func:`solve`). USD amounts are changes from base."""

    ratio: np.ndarray
    """New customs value ÷ base ``p*_e d_ie``, ``(..., I, E, P)``."""
    world_price: np.ndarray
    """World price ``p*_e`` relative to base, ``(..., 1, E, P)``."""
    index: np.ndarray  # type: ignore[assignment]  # shadows tuple.index on purpose
    """Import price index per market relative to base, ``(..., I, 1, P)``."""
    consumer_surplus: np.ndarray
    """Buyers' surplus change ``−E0 (P^(1−η) − 1)/(1−η)``, USD, ``(..., I, 1, P)``."""
    producer_surplus: np.ndarray
    """Exporters' surplus change ``Σ_i V_ie (p*^(1+ω) − 1)/(1+ω)``, USD, ``(..., 1, E, P)``."""
    tariff_revenue: np.ndarray
    """Duty collected at new values ``Σ_e t1 V1``, USD, ``(..., I, 1, P)``."""
    revenue_change: np.ndarray
    """``Σ_e (t1 V1 − t0 V)``, USD, ``(..., I, 1, P)``."""
    iterations: int
    """Newton iterations used."""
    max_residual: float
    """Largest ``|G_e|`` at the solution (log units)."""


def solve(
    value: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    sigma: np.ndarray,
    eta: np.ndarray,
    omega: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 60,
    damping: float = 1.0,
) -> GsimResult:
    """Solve world prices that clear every exporter's sales across all import markets.

    Parameters
    ----------
    value : ndarray (..., I, E, P)
        Base customs value of importer ``i``'s imports from exporter ``e``, USD.
    t0, t1 : ndarray (..., I, E, P)
        Base and new ad valorem tariffs, fractions (> −1).
    sigma : ndarray (..., I, 1, P)
        Substitution elasticity among suppliers in each market, > 0.
    eta : ndarray (..., I, 1, P)
        Composite import demand elasticity (magnitude) in each market, ≥ 0.
    omega : ndarray (..., 1, E, P)
        Export supply elasticity per exporter, > 0; ``np.inf`` keeps ``p* = 1``. It has no
        importer dimension: an exporter has one supply curve.
    tol, max_iter, damping
        As in :func:`tradesim.model.supply.solve`.

    Returns
    -------
    GsimResult

    Raises
    ------
    ConvergenceError
        If an (…, product) block has not cleared within ``max_iter`` iterations; the message names
        the worst cells as ``(..., 0, exporter, product)`` index tuples.
    ValueError
        If ``omega`` varies across importers, or ``damping`` is not in (0, 1].

    See Also
    --------
    tradesim.model.supply.solve : the one-market case (this function with I = 1).

    Notes
    -----
    Consumer surplus is the exact integral under the constant-elasticity composite demand
    ``Q = P^(−η)``: ``ΔCS = −E0 (P^(1−η) − 1)/(1 − η)``, or ``−E0 ln P`` when η = 1. It is
    negative whenever the index rises. The linear approximation ``−(Q0 ΔP + ½ ΔP ΔQ)``, with the
    quantity response linearised as ``ΔQ = −η Q0 ΔP``, equals ``−E0 ΔP (1 − ½ η ΔP)``. For a
    large increase its triangle is bigger than its rectangle once ``η ΔP > 2``, so it reports a
    *gain*. At η = 3 and P = 2 it gives ``+0.5 E0`` against the exact ``−0.375 E0``: the
    linearised quantity has gone negative, so the triangle is measured under a demand curve
    below zero. For small changes the two agree to second order.

    With σ < η, goods from different suppliers are net complements. In a multi-market setting
    the Jacobian can then, at isolated parameter values, become singular, and the equilibrium
    need not be unique. The solver then falls back to a pseudo-inverse step.

    Examples
    --------
    Two markets buy from one exporter (ω = 1, η = 2 in both). Market 0 imposes 50 %, so
    clearing needs ``p*^3 = (1.5^−2 + 1)/2``. The world price falls, and market 1 buys more
    (``p* d = p*^−1``).

    >>> one = np.ones((2, 1, 1))
    >>> r = solve(one, 0 * one, np.array([[[0.5]], [[0.0]]]), 3 * one, 2 * one, one[:1])
    >>> round(float(r.world_price[0, 0, 0]), 6), round(float(((1 / 2.25 + 1) / 2) ** (1 / 3)), 6)
    (0.897202, 0.897202)
    >>> [round(float(x), 4) for x in r.ratio[:, 0, 0]]
    [0.4954, 1.1146]
    """
    shape = np.broadcast_shapes(np.shape(value), np.shape(t0), np.shape(t1), np.shape(omega),
                                np.shape(sigma), np.shape(eta))
    if len(shape) < 3:
        raise ValueError(f"gsim.solve: arrays need (..., importer, exporter, product) axes; "
                         f"got shape {shape}")
    if np.ndim(omega) >= 3 and np.shape(omega)[IMPORTER_AXIS] != 1:
        raise ValueError("gsim.solve: omega is per exporter, its importer axis must have length 1"
                         f"; got shape {np.shape(omega)}")
    exporters = shape[:-3] + (1,) + shape[-2:]
    markets = shape[:-2] + (1, shape[-1])
    value = np.broadcast_to(np.asarray(value, dtype=float), shape)
    t0 = np.broadcast_to(np.asarray(t0, dtype=float), shape)
    t1 = np.broadcast_to(np.asarray(t1, dtype=float), shape)
    omega = np.broadcast_to(np.asarray(omega, dtype=float), exporters)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), markets)
    eta = np.broadcast_to(np.asarray(eta, dtype=float), markets)

    tau = np.log1p(t1) - np.log1p(t0)
    weights = value * (1.0 + t0)
    sales = value.sum(axis=IMPORTER_AXIS, keepdims=True)
    active = (sales > 0) & np.isfinite(omega)
    om = np.where(active, omega, 0.0)
    n_exp = shape[-2]
    eye = np.eye(n_exp)

    def residual(z: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        log_price = z + tau
        log_index = log_price_index(weights, log_price, sigma)
        log_demand = -eta * log_index - sigma * (log_price - log_index)
        log_quantity = _log_mean_over_importers(value, log_demand)
        g = np.where(active, log_quantity - om * z, 0.0)
        return g, (log_price, log_index, log_demand, log_quantity)

    def newton_step(z: np.ndarray, g: np.ndarray, aux: tuple[np.ndarray, ...]) -> np.ndarray:
        log_price, log_index, log_demand, log_quantity = aux
        theta = new_shares(weights, log_price, log_index, sigma)
        to_market = np.where(sales > 0, value / np.where(sales > 0, sales, 1.0), 0.0)
        to_market = to_market * np.exp(log_demand - log_quantity)       # w_ie
        cross = np.where(active, (sigma - eta) * theta, 0.0)           # (σ_i − η_i) θ̃_ik
        jac = np.einsum("...iep,...ikp->...pek", to_market, cross)
        diag = (to_market * sigma).sum(axis=IMPORTER_AXIS, keepdims=True) + om
        jac = jac - _blocks(diag)[..., None] * eye
        jac = np.where(_blocks(active)[..., None], jac, -eye)
        rhs = -_blocks(g)[..., None]
        try:
            step = np.linalg.solve(jac, rhs)
        except np.linalg.LinAlgError:
            step = np.linalg.pinv(jac) @ rhs
        return np.expand_dims(np.moveaxis(step[..., 0], -1, -2), IMPORTER_AXIS)

    z, g, aux, iterations = damped_newton(
        residual, newton_step, np.zeros(exporters), (IMPORTER_AXIS, -2), tol=tol,
        max_iter=max_iter, damping=damping, who="gsim.solve")
    log_price, log_index, log_demand, _ = aux
    ratio = np.exp(z + log_demand)
    index = np.exp(log_index)
    new_value = value * ratio
    finite = np.where(active, om, 0.0)
    producer = np.where(active, sales * np.expm1((1.0 + finite) * z) / (1.0 + finite), 0.0)
    revenue = (t1 * new_value).sum(axis=-2, keepdims=True)
    return GsimResult(
        ratio=ratio,
        world_price=np.exp(z),
        index=index,
        consumer_surplus=buyers_surplus(weights.sum(axis=-2, keepdims=True), index, eta),
        producer_surplus=producer,
        tariff_revenue=revenue,
        revenue_change=revenue - (t0 * value).sum(axis=-2, keepdims=True),
        iterations=iterations,
        max_residual=float(np.abs(g).max(initial=0.0)),
    )


def _log_mean_over_importers(value: np.ndarray, log_demand: np.ndarray) -> np.ndarray:
    """``ln(Σ_i V_ie d_ie / Σ_i V_ie)``, ``(..., 1, E, P)``; exactly 0 when every ``d`` is 1.

    This is :func:`~tradesim.model.kernels.log_price_index` with σ = 0 (a log mean of ``exp``)
    along the importer axis, so it inherits its stable small-move/log-sum-exp evaluation.
    """
    swapped = log_price_index(np.swapaxes(value, -3, -2), np.swapaxes(log_demand, -3, -2),
                         np.zeros(()))
    return np.swapaxes(swapped, -3, -2)


def _blocks(x: np.ndarray) -> np.ndarray:
    """``(..., 1, E, P)`` → ``(..., P, E)``: one row of exporters per (…, product) block."""
    return np.moveaxis(np.squeeze(x, axis=IMPORTER_AXIS), -1, -2)

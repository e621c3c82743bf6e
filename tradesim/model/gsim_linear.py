"""Francois & Hall's GSIM as published: the linearised (percentage-change) multi-market model.

This is the model of the GSIM paper and spreadsheets: every equation is linear in percentage
changes, so the world prices solve one linear system per product, with no iteration. The exact
nonlinear CES counterpart (same markets, same clearing, no linearisation) is
:mod:`tradesim.model.gsim` (``method = "gsim-exact"``); the two agree to first order.

Arrays are ``(..., importer, exporter, product)`` as in :mod:`tradesim.model.gsim`. σ and η are
per importer × product ``(..., I, 1, P)``, ω per exporter × product ``(..., 1, E, P)``. Money
in USD at world prices (tariff-exclusive), rates as fractions, ``T = 1 + t``, hats are
proportional changes.

Equations, per product, for exporter ``v`` selling to importer ``r`` (``Em = −η``, ``Es = σ``,
``Ex = ω``):

- shares ``θ_vr = M_vr T0_vr / Σ_w M_wr T0_wr`` (importer r's spending at internal prices) and
  ``φ_vr = M_vr / Σ_s M_vs`` (exporter v's sales at world prices)
- own and cross price elasticities ``N_vv = θ_vr Em − (1 − θ_vr) Es``, ``N_vw = θ_wr (Em + Es)``
- internal price ``P̂_vr = T̂_vr + P̂*_v`` with ``T̂ = T1/T0 − 1``
- import demand ``M̂_vr = N_vv P̂_vr + Σ_{w≠v} N_vw P̂_wr``
- export supply ``X̂_v = Ex_v P̂*_v``; clearing ``Σ_r φ_vr M̂_vr = Ex_v P̂*_v``

Welfare (USD):

- producer surplus ``PS_v = R0_v P̂*_v (1 + ½ Ex_v P̂*_v)``, ``R0_v = Σ_r M_vr``, the trapezoid
  under the linear supply curve; reported per cell ``M_vr P̂*_v (1 + ½ Ex_v P̂*_v)``
- composite internal price change ``P̂c_r = Σ_v θ_vr ((1 + P̂*_v) T1_vr/T0_vr − 1)``
- consumer surplus ``CS_r = −E0_r P̂c_r (1 + ½ Em_r P̂c_r)``, ``E0_r = Σ_v M_vr T0_vr``: the
  trapezoid under the linear composite demand curve, for rises and falls alike; a rise past
  the choke price ``P̂c = 1/η`` (where the linear quantity reaches zero) loses the whole
  triangle ``E0/(2η)`` and no more. ``consumer_surplus="sheet"`` gives instead
  ``½ E0 Em P̂c² sign(P̂c) − E0 P̂c``, the form of a public R port of the GSIM4x4 spreadsheet:
  it equals the trapezoid for a price fall but, for a rise, subtracts the triangle instead of
  adding it back (a loss larger than the rectangle ``E0 P̂c`` on the base quantity, although
  quantity falls).
- tariff revenue ``Σ_v (T1 − 1) M1 − (T0 − 1) M0`` with ``M1 = M0 (1 + M̂)(1 + P̂*)``

Reference: J. Francois and H. K. Hall (2003), *Global Simulation Analysis of Industry-Level
Trade Policy*, version 3.0 (wits.worldbank.org/witsweb/download/docs/GSIMpaper.pdf), and the
four-region teaching spreadsheet GSIM4x4.XLS.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["CONSUMER_SURPLUS", "LinearGsimResult", "solve"]

IMPORTER_AXIS = -3

#: Consumer-surplus definitions: the trapezoid (default) or the spreadsheet's ``sign()`` form.
CONSUMER_SURPLUS = ("trapezoid", "sheet")


class LinearGsimResult(NamedTuple):
    """Linear GSIM solution (see :func:`solve`). USD amounts are changes from base."""

    world_price_change: np.ndarray
    """``P̂*_v``, proportional change of the world price, ``(..., 1, E, P)``."""
    quantity_change: np.ndarray
    """``M̂_vr``, proportional change of the quantity imported, ``(..., I, E, P)``."""
    ratio: np.ndarray
    """New value at world prices ÷ base ``(1 + M̂)(1 + P̂*)``, each factor ≥ 0, ``(..., I, E, P)``."""
    composite_price_change: np.ndarray
    """``P̂c_r``, the importer's composite internal price change, ``(..., I, 1, P)``."""
    consumer_surplus: np.ndarray
    """``CS_r``, USD, ``(..., I, 1, P)``."""
    producer_surplus: np.ndarray
    """``PS`` per cell ``M_vr P̂*_v (1 + ½ Ex P̂*_v)``, USD, ``(..., I, E, P)``; 0 where ω = ∞."""
    revenue_change: np.ndarray
    """``Σ_v (t1 M1 − t0 M0)``, USD, ``(..., I, 1, P)``."""
    max_residual: float
    """Largest ``|Σ_r φ M̂ − Ex P̂*|`` of the clearing conditions (proportional units)."""


def solve(
    value: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    sigma: np.ndarray,
    eta: np.ndarray,
    omega: np.ndarray,
    *,
    consumer_surplus: str = "trapezoid",
) -> LinearGsimResult:
    """World-price changes, quantities and welfare of the published (linear) GSIM.

    Parameters
    ----------
    value : ndarray (..., I, E, P)
        Base imports of importer ``i`` from exporter ``e`` at world prices, USD.
    t0, t1 : ndarray (..., I, E, P)
        Base and new ad valorem tariffs, fractions (> −1).
    sigma : ndarray (..., I, 1, P)
        Substitution elasticity ``Es`` among suppliers in each market, > 0.
    eta : ndarray (..., I, 1, P)
        Composite import demand elasticity as a magnitude, ≥ 0 (``Em = −eta``).
    omega : ndarray (..., 1, E, P)
        Export supply elasticity ``Ex`` per exporter, > 0; ``np.inf`` keeps ``P̂* = 0``.
    consumer_surplus : {"trapezoid", "sheet"}
        The consumer-surplus definition (see the module docstring).

    Returns
    -------
    LinearGsimResult

    Raises
    ------
    ValueError
        If the arrays lack the three market axes, ``omega`` varies across importers, or
        ``consumer_surplus`` is not one of :data:`CONSUMER_SURPLUS`.

    Notes
    -----
    The clearing conditions are ``A x = b`` per (…, product) block, with ``x = P̂*``,
    ``A_vw = Σ_r φ_vr (θ_wr (Em_r + Es_r) − δ_vw Es_r) − δ_vw Ex_v`` and
    ``b_v = −Σ_r φ_vr ((Em_r + Es_r) Σ_w θ_wr T̂_wr − Es_r T̂_vr)``, solved directly with
    :func:`numpy.linalg.solve` (a pseudo-inverse if a block is singular). Being linear, the
    model has no range limit of its own: a large rise can push ``1 + M̂`` below zero, and the
    value is then floored at zero.

    Examples
    --------
    One exporter, two markets, ω = 1, η = 2, σ = 3; market 0 raises its tariff from 0 to 10 %.
    Clearing: ``½ (−2)(0.1 + x) + ½ (−2) x = x``, so ``x = −0.1/3``.

    >>> one = np.ones((2, 1, 1))
    >>> r = solve(one, 0 * one, np.array([[[0.1]], [[0.0]]]), 3 * one, 2 * one, one[:1])
    >>> round(float(r.world_price_change[0, 0, 0]), 6), round(-0.1 / 3, 6)
    (-0.033333, -0.033333)
    """
    if consumer_surplus not in CONSUMER_SURPLUS:
        raise ValueError(f"gsim_linear.solve: consumer_surplus must be one of "
                         f"{CONSUMER_SURPLUS}, got {consumer_surplus!r}")
    shape = np.broadcast_shapes(np.shape(value), np.shape(t0), np.shape(t1), np.shape(omega),
                                np.shape(sigma), np.shape(eta))
    if len(shape) < 3:
        raise ValueError(f"gsim_linear.solve: arrays need (..., importer, exporter, product) "
                         f"axes; got shape {shape}")
    if np.ndim(omega) >= 3 and np.shape(omega)[IMPORTER_AXIS] != 1:
        raise ValueError("gsim_linear.solve: omega is per exporter, its importer axis must have "
                         f"length 1; got shape {np.shape(omega)}")
    exporters = shape[:-3] + (1,) + shape[-2:]
    markets = shape[:-2] + (1, shape[-1])
    m0 = np.broadcast_to(np.asarray(value, dtype=float), shape)
    big_t0 = 1.0 + np.broadcast_to(np.asarray(t0, dtype=float), shape)
    big_t1 = 1.0 + np.broadcast_to(np.asarray(t1, dtype=float), shape)
    ex = np.broadcast_to(np.asarray(omega, dtype=float), exporters)
    es = np.broadcast_to(np.asarray(sigma, dtype=float), markets)
    em = -np.broadcast_to(np.asarray(eta, dtype=float), markets)

    that = big_t1 / big_t0 - 1.0
    spend = m0 * big_t0
    e0 = spend.sum(axis=-2, keepdims=True)
    theta = np.divide(spend, e0, out=np.zeros(shape), where=e0 > 0)
    sales = m0.sum(axis=IMPORTER_AXIS, keepdims=True)
    phi = np.divide(m0, sales, out=np.zeros(shape), where=sales > 0)
    finite = np.isfinite(ex)

    both = em + es                                                   # (..., I, 1, P)
    mean_that = (theta * that).sum(axis=-2, keepdims=True)           # Σ_w θ_wr T̂_wr
    a = np.einsum("...iep,...ikp->...pek", phi, theta * both)
    diag = (phi * es).sum(axis=IMPORTER_AXIS, keepdims=True) + np.where(finite, ex, 0.0)
    a = a - _blocks(diag)[..., None] * np.eye(shape[-2])
    b = -(phi * (both * mean_that - es * that)).sum(axis=IMPORTER_AXIS, keepdims=True)
    fixed = _blocks(~finite | (sales <= 0))                          # p* stays at base
    a = np.where(fixed[..., None], -np.eye(shape[-2]), a)
    rhs = np.where(fixed, 0.0, _blocks(b))[..., None]
    try:
        x = np.linalg.solve(a, rhs)
    except np.linalg.LinAlgError:
        x = np.linalg.pinv(a) @ rhs
    pstar = np.expand_dims(np.moveaxis(x[..., 0], -1, -2), IMPORTER_AXIS)  # (..., 1, E, P)
    pstar = np.where(finite, pstar, 0.0)

    phat = that + pstar
    mhat = both * (theta * phat).sum(axis=-2, keepdims=True) - es * phat
    supply = np.where(finite, ex, 0.0) * pstar
    clearing = (phi * mhat).sum(axis=IMPORTER_AXIS, keepdims=True) - supply
    residual = np.where(finite & (sales > 0), clearing, 0.0)
    ratio = np.maximum(1.0 + mhat, 0.0) * np.maximum(1.0 + pstar, 0.0)
    m1 = m0 * ratio
    pc = (theta * ((1.0 + pstar) * big_t1 / big_t0 - 1.0)).sum(axis=-2, keepdims=True)
    if consumer_surplus == "trapezoid":
        # up to the choke price P̂c = 1/η, where the linear composite quantity reaches zero
        choke = np.divide(-1.0, em, out=np.full(markets, np.inf), where=em < 0)
        upto = np.minimum(pc, choke)
        cs = -e0 * upto * (1.0 + 0.5 * em * upto)
    else:
        cs = 0.5 * e0 * em * pc ** 2 * np.sign(pc) - e0 * pc
    ps = np.where(finite, m0 * pstar * (1.0 + 0.5 * np.where(finite, ex, 0.0) * pstar), 0.0)
    revenue = ((big_t1 - 1.0) * m1 - (big_t0 - 1.0) * m0).sum(axis=-2, keepdims=True)
    return LinearGsimResult(
        world_price_change=pstar,
        quantity_change=mhat,
        ratio=ratio,
        composite_price_change=pc,
        consumer_surplus=cs,
        producer_surplus=ps,
        revenue_change=revenue,
        max_residual=float(np.abs(residual).max(initial=0.0)),
    )


def _blocks(x: np.ndarray) -> np.ndarray:
    """``(..., 1, E, P)`` → ``(..., P, E)``: one row of exporters per (…, product) block."""
    return np.moveaxis(np.squeeze(x, axis=IMPORTER_AXIS), -1, -2)

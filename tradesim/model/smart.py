"""The World Bank WITS SMART model: linearised trade creation and diversion, one market.

SMART (the *Single Market Partial Equilibrium Simulation Tool* in WITS, from the UNCTAD trade policy
simulation model) is kept so users can reproduce and compare against WITS. It is a linearisation:
:func:`tradesim.model.kernels.ces_demand` and :func:`tradesim.model.supply.solve` are the exact
counterparts. Arrays follow the kernel axis order ``(..., exporter, product)``; elasticities come
with a length-1 supplier axis ``(..., 1, P)``. Money in USD, rates as fractions. As in SMART, base
trade values are quantities (world prices normalised to 1).

Formulas (Laird & Yeats 1986, Annex I; WITS SMART help and user manual), for supplier ``s`` with
base imports ``M_s``, base and new tariffs ``t0_s``, ``t1_s``, ``Δt_s = t1_s − t0_s``, import
demand elasticity ``Em = −ε`` (this module takes the magnitude ``ε ≥ 0``), export supply
elasticity ``Ex = β`` and substitution elasticity ``σ > 0``:

- trade creation ``TC_s = M_s · Em · Δt_s / ((1 + t0_s)(1 − Em/Ex))``
  ``= −M_s ε Δt_s / ((1 + t0_s)(1 + ε/β))``; β = 99 means infinite (the WITS convention), and then
  the last factor is 1. If a large tariff rise would push a supplier's trade below zero, TC is
  floored so that it ends at zero.
- trade diversion (Laird & Yeats): for the supplier ``k`` whose relative price falls against the
  rest ``K``, ``TD_k = M_k M_K Es (dπ/π) / (M_k + M_K + M_k Es (dπ/π))``, where ``π = P_k/P_K``
  is the relative duty-paid price, ``Es = −σ``, and ``TD_K = −TD_k``. It holds total imports
  fixed, so diversion sums to zero. It is bounded: no supplier loses more than its own trade or
  gains more than its rivals'. For two or more suppliers, prices are measured against the
  reference supplier whose duty-paid price factor ``(1+t1)/(1+t0)`` rises most. Each supplier gets
  the weight ``M_s (1 + σ g_s)``, ``g_s = 1 − p_s/p_ref``, and the weights share out the unchanged
  total ``T = Σ M``: ``TD_s = σ M_s (g_s T − Σ M g) / (T + σ Σ M g)``. With two suppliers this is
  exactly the formula above. In a preferential cut (the beneficiaries' tariffs fall, the others'
  stay put) the beneficiaries gain what the others lose, shared in proportion to the others'
  trade, as WITS reports.
- price effect (finite β only): the world price moves by ``Δp*/p* = TC_s / (M_s β)``, the supply
  response that the factor ``(1 − Em/Ex)`` encodes. The value change is the new quantity times
  that change, so ``new_value = quantity × world_price`` with ``world_price = 1 + Δp*/p*`` (floored
  at 0 when a large rise takes the linear formula past its range).
- tariff revenue change ``t1 M1 − t0 M0`` (WITS: ``TR1 − TR0``).
- welfare: the change in the deadweight-loss triangle under the import demand curve, as the WITS
  help defines it (``DWL0 − DWL1``). With import demand linear between the two points this is
  ``½ (t0 + t1) · TC`` per supplier, a gain when positive. For a cut to zero it is the familiar
  triangle ``½ |Δt| TC``. For a new tariff on duty-free trade it is minus the new triangle.
  Neither the terms-of-trade gain with finite β nor the cost of diverting trade to
  lower-tariff suppliers is in it; the latter shows in the revenue change.

Sources: WITS online help, *SMART Input Requirements and Output Results*, *Demand side: the
Armington assumption* and *Checking the Raw Data*
(https://wits.worldbank.org/wits/wits/witshelp/Content/SMART/); S. Laird and A. Yeats (1986),
*The UNCTAD Trade Policy Simulation Model: a note on the methodology, data and uses*, UNCTAD
Discussion Paper 19, Annex I; O. Jammes and M. Olarreaga (2005), *Explaining SMART and GSIM*,
World Bank.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from tradesim.dims import SUPPLIER_AXIS

__all__ = ["SMART_DEFAULTS", "SmartResult", "smart"]

#: WITS SMART defaults: substitution elasticity 1.5 between partners and export supply
#: elasticity 99, meaning infinite (WITS help, *Checking the Raw Data*). Import demand
#: elasticities are per product in WITS (Kee, Nicita & Olarreaga estimates) and have no default.
SMART_DEFAULTS: Mapping[str, float] = MappingProxyType({"sigma": 1.5, "beta": 99.0})

#: The export supply elasticity WITS uses to mean "infinite".
INFINITE_BETA = 99.0


class SmartResult(NamedTuple):
    """SMART effects per supplier, each of shape ``(..., S, P)``, USD (see :func:`smart`)."""

    creation: np.ndarray
    """Trade creation ``TC``, at base world prices."""
    diversion: np.ndarray
    """Trade diversion ``TD``; sums to zero over suppliers."""
    price_effect: np.ndarray
    """Value change from world-price moves (0 when β is infinite)."""
    new_value: np.ndarray
    """New import value ``M + TC + TD + price effect``."""
    revenue_change: np.ndarray
    """Tariff revenue change ``t1 M1 − t0 M0``."""
    welfare: np.ndarray
    """Deadweight-loss change ``½ (t0 + t1) TC`` (positive = gain)."""
    quantity: np.ndarray
    """New quantity at base world prices ``M + TC + TD`` (≥ 0)."""
    world_price: np.ndarray
    """World price relative to base, ``1 + TC/(M β)`` (1 when β is infinite; ≥ 0)."""


def smart(
    value: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    sigma: np.ndarray,
    eps: np.ndarray,
    beta: np.ndarray | float = INFINITE_BETA,
) -> SmartResult:
    """Trade creation, diversion, revenue and welfare by the WITS SMART formulas.

    Parameters
    ----------
    value : ndarray (..., S, P)
        Base imports ``M``, USD at world prices (tariff-exclusive customs value).
    t0, t1 : ndarray (..., S, P)
        Base and new ad valorem tariffs, fractions.
    sigma : ndarray (..., 1, P)
        Substitution elasticity between suppliers, > 0 (WITS default 1.5).
    eps : ndarray (..., 1, P)
        Import demand elasticity as a **magnitude**, ≥ 0: the ``Em`` of Laird & Yeats is
        ``−eps``. Negative values are rejected rather than silently flipped.
    beta : ndarray (..., S or 1, P) or float
        Export supply elasticity, > 0; 99 (the WITS default) or ``inf`` means infinite.

    Returns
    -------
    SmartResult
        ``creation``, ``diversion``, ``price_effect``, ``new_value``, ``revenue_change``,
        ``welfare``, ``quantity`` (each ``(..., S, P)`` in USD) and ``world_price``
        (``(..., S, P)``, relative to base), with ``new_value = quantity × world_price``.

    Raises
    ------
    ValueError
        If ``eps`` is negative.

    See Also
    --------
    tradesim.model.kernels.ces_demand : the exact CES counterpart (η = ε, same σ, β infinite).

    Notes
    -----
    Against exact CES with a common base tariff, SMART's change in *total* imports agrees to
    first order. Per supplier it does not when the change discriminates: SMART applies ε to
    each supplier's own price change, and CES applies η to the composite index. The gap is
    ``−M_s ε (Δp_s − Σ θ Δp)`` to first order.

    Examples
    --------
    A preferential cut: the first supplier's 10 % tariff goes to zero, ε = 1.2, σ = 1.5.

    >>> m, t0 = np.array([[100.0], [300.0]]), np.array([[0.1], [0.1]])
    >>> r = smart(m, t0, np.array([[0.0], [0.1]]), np.array([[1.5]]), np.array([[1.2]]))
    >>> [round(float(x), 4) for x in r.creation[:, 0]], round(float(r.diversion[0, 0]), 4)
    ([10.9091, 0.0], 9.8901)
    >>> float(r.diversion.sum())
    0.0
    """
    eps = np.asarray(eps, dtype=float)
    if (eps < 0).any():
        raise ValueError("smart: eps is the magnitude of the import demand elasticity and must "
                         f"be >= 0 (Laird & Yeats' Em = -eps); got min {eps.min()!r}")
    value = np.asarray(value, dtype=float)
    t0 = np.asarray(t0, dtype=float)
    t1 = np.asarray(t1, dtype=float)
    beta = np.asarray(beta, dtype=float)
    infinite = np.isinf(beta) | (beta == INFINITE_BETA)
    inv_beta = np.where(infinite, 0.0, 1.0 / np.where(infinite, 1.0, beta))

    price = (1.0 + t1) / (1.0 + t0)
    diversion = _diversion(value, price, np.asarray(sigma, dtype=float))
    creation = value * eps * (t0 - t1) / ((1.0 + t0) * (1.0 + eps * inv_beta))
    quantity = value + creation + diversion
    emptied = quantity < 0                               # beyond the linear formula's range
    creation = np.where(emptied, -(value + diversion), creation)
    quantity = np.where(emptied, 0.0, quantity)
    has_trade = value > 0
    world = np.where(has_trade, creation / np.where(has_trade, value, 1.0), 0.0) * inv_beta
    world = np.maximum(world, -1.0)        # the linear price effect cannot take p* below zero
    price_effect = quantity * world
    new_value = quantity + price_effect
    return SmartResult(
        creation=creation,
        diversion=diversion,
        price_effect=price_effect,
        new_value=new_value,
        revenue_change=t1 * new_value - t0 * value,
        welfare=0.5 * (t0 + t1) * creation,
        quantity=quantity,
        world_price=1.0 + world,
    )


def _diversion(value: np.ndarray, price: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Laird–Yeats diversion against the supplier whose duty-paid price rises most."""
    value, price = np.broadcast_arrays(value, price)
    traded = value > 0
    reference = np.max(np.where(traded, price, -np.inf), axis=SUPPLIER_AXIS, keepdims=True)
    reference = np.where(np.isfinite(reference), reference, 1.0)
    gain = 1.0 - price / reference                      # >= 0; 0 for the reference supplier
    total = value.sum(axis=SUPPLIER_AXIS, keepdims=True)
    pool = (value * gain).sum(axis=SUPPLIER_AXIS, keepdims=True)
    # Shares proportional to M_s (1 + σ g_s), written so that g = 0 gives exactly 0:
    # TD_s = σ M_s (g_s T − Σ M g) / (T + σ Σ M g).
    den = total + sigma * pool
    return np.where(den > 0, sigma * value * (gain * total - pool) / np.where(den > 0, den, 1.0),
                    0.0)

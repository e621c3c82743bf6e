"""Pure numpy partial-equilibrium equations (DESIGN §2). No labels, no files.

Arrays follow :data:`tradesim.dims.KERNEL_ORDER`: any leading broadcast axes, then
``(..., exporter, product)`` with the supplier axis at ``SUPPLIER_AXIS = -2``. Elasticities come
with a length-1 supplier axis, ``(..., 1, product)``. Money in USD, rates as fractions.

Full pass-through (export supply ω = ∞): world prices stay at 1, so buyer prices move by
``(1 + t1) / (1 + t0)`` and everything is closed form.
"""

from __future__ import annotations

import numpy as np

from tradesim.dims import SUPPLIER_AXIS

__all__ = ["SIGMA_ONE", "adjust", "buyers_surplus", "ces_demand", "ces_log_demand",
           "log_price_index", "nested_ces_demand", "nested_ces_log_demand", "nested_log_gap",
           "nested_log_index", "price_index"]

#: |1 − σ| below this is the σ → 1 (geometric / logarithmic) limit.
SIGMA_ONE = 1e-9


def price_index(weights: np.ndarray, price: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """CES price index of relative buyer prices.

    ``P = (Σ θ_s p_s^(1−σ))^(1/(1−σ))`` with ``θ_s = w_s / Σ w``; the σ → 1 limit is the
    geometric mean ``Π p_s^θ_s``. Evaluated as ``exp(log1p(Σ θ expm1((1−σ) ln p)) / (1−σ))``,
    which is accurate for σ near 1 and exactly 1 when every price is 1. A market with no trade
    has ``P = 1``.

    Parameters
    ----------
    weights : ndarray (..., S, P)
        Base expenditure at buyer prices, ``V (1 + t0)``, USD.
    price : ndarray (..., S, P)
        Buyer price relative to base, > 0.
    sigma : ndarray (..., 1, P)
        Elasticity of substitution among suppliers, > 0.

    Returns
    -------
    ndarray (..., 1, P)

    Examples
    --------
    >>> w = np.array([[1.0], [1.0]]); p = np.array([[1.21], [1.0]])
    >>> float(price_index(w, p, np.array([[1.0]]))[0, 0])  # geometric mean
    1.1
    """
    return np.exp(log_price_index(weights, np.log(price), sigma))


def log_price_index(weights: np.ndarray, log_price: np.ndarray,
                    sigma: np.ndarray) -> np.ndarray:
    """``ln P`` from base expenditure weights (..., S, P), ``ln p`` (..., S, P) and σ (..., 1, P).

    The same as ``np.log(price_index(weights, np.exp(log_price), sigma))`` without leaving the log
    domain; returns (..., 1, P). One full-size temporary in the common case:

    ``ln P = log1p(Σ θ expm1(x)) / (1 − σ)`` with ``x = (1 − σ) ln p`` is accurate as σ → 1 and
    exact at zero shock; only where ``Σ θ e^x`` falls below 1 % (very large index moves), where
    log1p near −1 would lose digits, those markets alone are recomputed by log-sum-exp.
    """
    total = weights.sum(axis=SUPPLIER_AXIS, keepdims=True)
    share = weights / np.where(total > 0, total, 1.0)
    one = np.abs(1.0 - sigma) < SIGMA_ONE
    expo = np.where(one, 1.0, 1.0 - sigma)
    x = expo * log_price
    shape = np.broadcast_shapes(x.shape, share.shape)
    moved = np.expm1(x, out=x)
    moved = (moved * share).sum(axis=SUPPLIER_AXIS, keepdims=True)  # Σ θ e^x − 1, (..., 1, P)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log1p(moved) / expo
    market = (*shape[:-2], 1, shape[-1])
    far = np.broadcast_to((moved < -0.99) & (total > 0), market)
    if far.any():  # log-sum-exp on the far markets only
        at = np.nonzero(far)
        rows = at[:-2] + (at[-1],)  # each far market, with its suppliers last: (n, S)

        def pick(a: np.ndarray) -> np.ndarray:
            return np.moveaxis(np.broadcast_to(a, shape), SUPPLIER_AXIS, -1)[rows]

        xs = pick(expo) * pick(log_price)
        th = pick(share)
        top = np.max(np.where(th > 0, xs, -np.inf), axis=-1, keepdims=True)
        lse = top[..., 0] + np.log((th * np.exp(xs - top)).sum(axis=-1))
        out = np.array(np.broadcast_to(out, market))
        out[at] = lse / np.broadcast_to(expo, market)[at]
    if one.any():
        geometric = (share * log_price).sum(axis=SUPPLIER_AXIS, keepdims=True)
        out = np.where(one, geometric, out)
    return out


def ces_demand(
    value: np.ndarray, t0: np.ndarray, t1: np.ndarray, sigma: np.ndarray, eta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Long-run response of each supplier's sales to a tariff change (full pass-through).

    ``d_s = P^(−η) (p_s / P)^(−σ)`` with ``p_s = (1 + t1_s) / (1 + t0_s)``; the new customs value
    is ``V_s d_s`` since world prices are unchanged. A zero shock (``t1 == t0``) returns exactly 1.

    Parameters
    ----------
    value : ndarray (..., S, P)
        Base customs value, USD (tariff-exclusive).
    t0, t1 : ndarray (..., S, P)
        Base and new ad valorem tariffs, fractions.
    sigma, eta : ndarray (..., 1, P)
        Substitution and composite import demand elasticities.

    Returns
    -------
    ratio : ndarray (..., S, P)
        New value ÷ base value.
    index : ndarray (..., 1, P)
        Import price index relative to base.

    Examples
    --------
    One supplier (no substitution possible): value falls by ``(1 + t)^(−η)``.

    >>> r, P = ces_demand(np.ones((1, 1)), np.zeros((1, 1)), np.full((1, 1), 0.25),
    ...                   np.full((1, 1), 3.0), np.full((1, 1), 2.0))
    >>> round(float(r[0, 0]), 12), float(P[0, 0])
    (0.64, 1.25)
    """
    log_ratio, log_index = ces_log_demand(value, t0, t1, sigma, eta)
    return np.exp(log_ratio), np.exp(log_index)


def ces_log_demand(
    value: np.ndarray, t0: np.ndarray, t1: np.ndarray, sigma: np.ndarray, eta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(ln ratio, ln index)`` of :func:`ces_demand` (the same shapes), before the exponential."""
    log_price = np.log1p(t1) - np.log1p(t0)
    log_index = log_price_index(value * (1.0 + t0), log_price, sigma)
    return -eta * log_index - sigma * (log_price - log_index), log_index


def nested_ces_demand(
    value: np.ndarray, t0: np.ndarray, t1: np.ndarray, sigma: np.ndarray,
    sigma_nest: np.ndarray, eta: np.ndarray, nest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ces_demand` with one nest of close substitutes (e.g. China and Vietnam).

    Suppliers with ``nest`` true share a lower-level CES with elasticity ``σ_N``; the nest and every
    other supplier meet in the upper-level CES with ``σ`` (a two-level Armington structure)::

        P_N = (Σ_{s∈N} θ_s/θ_N p_s^(1−σ_N))^(1/(1−σ_N))
        P   = (Σ_{s∉N} θ_s p_s^(1−σ) + θ_N P_N^(1−σ))^(1/(1−σ))
        d_s = P^(−η) (p_s/P)^(−σ)                          s ∉ N
        d_s = P^(−η) (P_N/P)^(−σ) (p_s/P_N)^(−σ_N)          s ∈ N

    With ``σ_N == σ`` this is exactly :func:`ces_demand` (an empty or one-member nest gives the
    same values up to rounding); a zero shock returns exactly 1.

    Parameters
    ----------
    value, t0, t1 : ndarray (..., S, P)
        As in :func:`ces_demand`.
    sigma, sigma_nest, eta : ndarray (..., 1, P)
        Upper-level and within-nest substitution elasticities; composite import demand.
    nest : bool ndarray broadcastable to (..., S, P)
        Which suppliers are in the nest.

    Returns
    -------
    ratio : ndarray (..., S, P)
    index : ndarray (..., 1, P)

    Examples
    --------
    A tariff on one nest member moves its sales to the other member more than to outsiders:

    >>> v, t0 = np.ones((3, 1)), np.zeros((3, 1)); t1 = np.array([[0.3], [0.0], [0.0]])
    >>> nest = np.array([[True], [True], [False]])
    >>> r, _ = nested_ces_demand(v, t0, t1, np.full((1, 1), 3.0), np.full((1, 1), 8.0),
    ...                          np.ones((1, 1)), nest)
    >>> bool(r[1, 0] > r[2, 0] > 1.0)
    True
    """
    log_ratio, log_index = nested_ces_log_demand(value, t0, t1, sigma, sigma_nest, eta, nest)
    return np.exp(log_ratio), np.exp(log_index)


def nested_ces_log_demand(
    value: np.ndarray, t0: np.ndarray, t1: np.ndarray, sigma: np.ndarray,
    sigma_nest: np.ndarray, eta: np.ndarray, nest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(ln ratio, ln index)`` of :func:`nested_ces_demand`, before the exponential.

    The arrays broadcast against each other (a base tariff (..., S, P) without the leading
    axes of the paths is logged once, not once per year and draw).
    """
    log_price = np.log1p(t1) - np.log1p(t0)
    log_index, log_nest = nested_log_index(value * (1.0 + t0), log_price, sigma, sigma_nest,
                                           nest)
    log_ratio = nested_log_gap(log_price, log_index, log_nest, sigma, sigma_nest, eta, nest)
    # Where the nest has members but no premium, the one-level model is computed as the
    # one-level model (bit for bit); a market without members already is, so it needs no rerun.
    members = np.broadcast_to(nest, log_ratio.shape).any(axis=SUPPLIER_AXIS, keepdims=True)
    flat = np.broadcast_to(sigma_nest == sigma, log_index.shape) & members
    if flat.any():
        flat_ratio, flat_index = ces_log_demand(value, t0, t1, sigma, eta)
        return np.where(flat, flat_ratio, log_ratio), np.where(flat, flat_index, log_index)
    return log_ratio, log_index


def nested_log_index(weights: np.ndarray, log_price: np.ndarray, sigma: np.ndarray,
                     sigma_nest: np.ndarray, nest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ln P, ln P_N)``, each (..., 1, P), of :func:`nested_ces_demand`.

    ``weights`` (..., S, P) are base expenditures at buyer prices; ``ln P_N`` is 0 where the
    nest has no trade. The nest index is computed on the member columns only.
    """
    shape = np.broadcast_shapes(weights.shape, log_price.shape)
    nest = np.asarray(nest)
    axes = tuple(a for a in range(nest.ndim) if a != nest.ndim + SUPPLIER_AXIS)
    members = np.flatnonzero(nest.any(axis=axes)) if axes else np.flatnonzero(nest)
    inner = np.broadcast_to(nest, shape)[..., members, :]
    w = np.broadcast_to(weights, shape)[..., members, :]
    lp = np.broadcast_to(log_price, shape)[..., members, :]
    log_nest = log_price_index(np.where(inner, w, 0.0), np.where(inner, lp, 0.0), sigma_nest)
    full = np.broadcast_shapes(shape, log_nest.shape)
    upper = np.array(np.broadcast_to(log_price, full))  # the nest enters the upper level at P_N
    upper[..., members, :] = np.where(inner, log_nest, lp)
    return log_price_index(weights, upper, sigma), log_nest


def nested_log_gap(log_price: np.ndarray, log_index: np.ndarray, log_nest: np.ndarray,
                   sigma: np.ndarray, sigma_nest: np.ndarray, eta: np.ndarray,
                   nest: np.ndarray) -> np.ndarray:
    """Long-run ``ln d_s`` of :func:`nested_ces_demand` for the suppliers in ``log_price``.

    ``log_price`` and ``nest`` may hold any subset of suppliers (..., S', P), so a sweep can
    evaluate demand for the bilateral flows only, against indices of every supplier.
    """
    upper = np.where(nest, log_nest, log_price)
    return (-eta * log_index - sigma * (upper - log_index)
            - np.where(nest, sigma_nest * (log_price - log_nest), 0.0))

def buyers_surplus(expenditure: np.ndarray, index: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Change in buyers' surplus, USD: ``−E0 (P^(1−η) − 1) / (1 − η)`` (η → 1: ``−E0 ln P``).

    Parameters
    ----------
    expenditure : ndarray (..., 1, P)
        Base import expenditure at buyer prices, ``Σ_s V_s (1 + t0_s)``, USD.
    index : ndarray (..., 1, P)
        Import price index relative to base.
    eta : ndarray (..., 1, P)
        Composite import demand elasticity.
    """
    one = np.abs(1.0 - eta) < SIGMA_ONE
    expo = np.where(one, 1.0, 1.0 - eta)
    return np.where(one, -expenditure * np.log(index),
                    -expenditure * (index**expo - 1.0) / expo)


def adjust(gap: np.ndarray, rate: np.ndarray, axis: int = 0) -> np.ndarray:
    """Partial adjustment along ``axis`` (years): ``y_t = y_{t−1} + λ (y*_t − y_{t−1})``.

    The level before the first year is 0 (the baseline).

    Parameters
    ----------
    gap : ndarray
        Long-run log gap ``y*`` to the baseline, one slice per year along ``axis``.
    rate : ndarray
        λ in (0, 1], broadcastable to one slice of ``gap``; 1 means instant adjustment.

    Examples
    --------
    >>> adjust(np.array([1.0, 1.0, 1.0]), np.array(0.5)).tolist()
    [0.5, 0.75, 0.875]
    """
    moved = np.moveaxis(gap, axis, 0)
    out = np.empty_like(moved)
    level = np.zeros_like(moved[0])
    keep = 1.0 - rate
    for t in range(moved.shape[0]):  # the one sequential step: years carry state
        level = keep * level + rate * moved[t]
        out[t] = level
    return np.moveaxis(out, 0, axis)

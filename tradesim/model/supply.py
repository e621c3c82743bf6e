"""Finite export supply elasticity ω: one import market, world prices solved (DESIGN §2).

Arrays follow the kernel axis order ``(..., exporter, product)``: the supplier axis is
``SUPPLIER_AXIS = -2`` and every leading axis (scenario, draw, year, importer) broadcasts.
Elasticities σ and η come with a length-1 supplier axis ``(..., 1, P)``; ω may vary by supplier
``(..., S, P)`` or be shared ``(..., 1, P)``. Money in USD, rates as fractions.

Equations, for each market (leading index × product) and supplier ``s``:

- world price relative to base ``p*_s = exp(z_s)``; buyer price ``p_s = p*_s (1+t1_s)/(1+t0_s)``
- base expenditure shares ``θ_s = V_s (1+t0_s) / Σ V (1+t0)``
- CES index ``P = (Σ θ p^(1−σ))^(1/(1−σ))`` (σ → 1: ``Π p^θ``)
- demand ``d_s = P^(−η) (p_s/P)^(−σ)``; supply ``x_s = p*_s^ω_s``; equilibrium ``d_s = x_s``
- new customs value ``V_s p*_s d_s``

The unknowns ``z = ln p*`` solve ``F_s(z) = −η ln P − σ (ln p_s − ln P) − ω_s z_s = 0``. The
Jacobian ``−diag(σ + ω) + (σ − η) 1 θ̃ᵀ`` (θ̃: expenditure shares at new prices) is diagonal plus
rank one, so each Newton step is a Sherman–Morrison formula: no dense solve, one vectorised pass
over every market at once. Suppliers with ω = ∞ or no base trade keep ``p* = 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from tradesim.dims import SUPPLIER_AXIS
from tradesim.errors import ConvergenceError
from tradesim.model.kernels import SIGMA_ONE, log_price_index

__all__ = ["SupplyResult", "damped_newton", "new_shares", "solve"]

#: Largest move of ``ln p*`` in one Newton iteration (a factor e^10), before line search.
MAX_LOG_STEP = 10.0
#: A change in ``ln(1+t)`` smaller than this counts as no change when ``pass_through`` is formed
#: (it is then 1): the ratio would otherwise blow up on round-off-sized tariff moves.
NO_TARIFF_CHANGE = 1e-12
_HALVINGS = 40


class SupplyResult(NamedTuple):
    """Equilibrium of one import market with finite export supply (see :func:`solve`)."""

    ratio: np.ndarray
    """New customs value ÷ base, ``p* d``, shape of ``value``."""
    index: np.ndarray  # type: ignore[assignment]  # shadows tuple.index on purpose
    """CES import price index relative to base, ``(..., 1, P)``."""
    world_price: np.ndarray
    """World (ex-duty) price ``p*`` relative to base, shape of ``value``."""
    buyer_price: np.ndarray
    """Duty-paid price ``p = p* (1+t1)/(1+t0)`` relative to base, shape of ``value``."""
    pass_through: np.ndarray
    """``Δln p / Δln(1+t)``: share of the own tariff change borne by buyers (1 where it is 0)."""
    iterations: int
    """Newton iterations used (0 when the start ``p* = 1`` already solves, e.g. no shock)."""
    max_residual: float
    """Largest ``|F_s|`` at the solution (log units)."""


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
) -> SupplyResult:
    """Solve world prices and sales when exporters' supply is finitely elastic.

    Parameters
    ----------
    value : ndarray (..., S, P)
        Base customs value, USD (tariff-exclusive).
    t0, t1 : ndarray (..., S, P)
        Base and new ad valorem tariffs, fractions (> −1).
    sigma : ndarray (..., 1, P)
        Elasticity of substitution among suppliers, > 0.
    eta : ndarray (..., 1, P)
        Composite import demand elasticity (magnitude), ≥ 0.
    omega : ndarray (..., S, P) or (..., 1, P)
        Export supply elasticity, > 0; ``np.inf`` means full pass-through (``p* = 1``).
    tol : float
        Convergence criterion on ``max |F|`` (log units).
    max_iter : int
        Newton iterations allowed before :class:`~tradesim.errors.ConvergenceError`.
    damping : float
        Fraction in (0, 1] of the (capped) Newton step tried first; a backtracking line search
        then halves it until the largest residual of each market falls.

    Returns
    -------
    SupplyResult
        ``ratio``, ``index``, ``world_price``, ``buyer_price``, ``pass_through``,
        ``iterations``, ``max_residual``.

    Raises
    ------
    ConvergenceError
        If some market's residual is still above ``tol`` after ``max_iter`` iterations; the
        message gives the worst cells' index tuples and residuals.

    See Also
    --------
    tradesim.model.kernels.ces_demand : the ω = ∞ closed form, which this reproduces exactly.
    tradesim.model.gsim.solve : several import markets sharing each exporter's world price.

    Notes
    -----
    With one supplier the solution is closed form: ``ln p* = −η τ / (η + ω)`` with
    ``τ = ln((1+t1)/(1+t0))``, so buyers bear the share ``ω / (η + ω)`` of the tariff.
    With several suppliers and a discriminatory change, a supplier's world price also moves
    with its rivals' tariffs, so its ``pass_through`` can leave [0, 1] when its own tariff
    changes little.

    Examples
    --------
    One supplier, a 25 % tariff, η = 2, ω = 2: buyers bear half of ``ln 1.25``.

    >>> one = np.ones((1, 1))
    >>> r = solve(one, 0 * one, 0.25 * one, 3 * one, 2 * one, 2 * one)
    >>> round(float(r.pass_through[0, 0]), 12), round(float(r.world_price[0, 0]), 6)
    (0.5, 0.894427)
    """
    shape = np.broadcast_shapes(np.shape(value), np.shape(t0), np.shape(t1), np.shape(omega),
                                np.shape(sigma), np.shape(eta))
    market = shape[:-2] + (1, shape[-1])
    value = np.broadcast_to(np.asarray(value, dtype=float), shape)
    t0 = np.broadcast_to(np.asarray(t0, dtype=float), shape)
    t1 = np.broadcast_to(np.asarray(t1, dtype=float), shape)
    omega = np.broadcast_to(np.asarray(omega, dtype=float), shape)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), market)
    eta = np.broadcast_to(np.asarray(eta, dtype=float), market)

    tau = np.log1p(t1) - np.log1p(t0)
    weights = value * (1.0 + t0)
    active = (value > 0) & np.isfinite(omega)
    om = np.where(active, omega, 0.0)

    def residual(z: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        log_price = z + tau
        log_index = log_price_index(weights, log_price, sigma)
        log_demand = -eta * log_index - sigma * (log_price - log_index)
        return np.where(active, log_demand - om * z, 0.0), (log_price, log_index, log_demand)

    def newton_step(z: np.ndarray, f: np.ndarray, aux: tuple[np.ndarray, ...]) -> np.ndarray:
        log_price, log_index, _ = aux
        theta = new_shares(weights, log_price, log_index, sigma)
        diag = np.where(active, sigma + om, 1.0)
        u = np.where(active, sigma - eta, 0.0) / diag
        v = np.where(active, theta, 0.0)
        d_inv_f = f / diag
        num = (v * d_inv_f).sum(axis=SUPPLIER_AXIS, keepdims=True)
        den = 1.0 - (v * u).sum(axis=SUPPLIER_AXIS, keepdims=True)
        return d_inv_f + u * (num / den)

    z, f, aux, iterations = damped_newton(
        residual, newton_step, np.zeros(shape), (SUPPLIER_AXIS,), tol=tol, max_iter=max_iter,
        damping=damping, who="supply.solve")
    log_price, log_index, log_demand = aux
    moved = np.abs(tau) > NO_TARIFF_CHANGE
    pass_through = np.where(moved, log_price / np.where(moved, tau, 1.0), 1.0)
    return SupplyResult(
        ratio=np.exp(z + log_demand),
        index=np.exp(log_index),
        world_price=np.exp(z),
        buyer_price=np.exp(log_price),
        pass_through=pass_through,
        iterations=iterations,
        max_residual=float(np.abs(f).max(initial=0.0)),
    )


def new_shares(weights: np.ndarray, log_price: np.ndarray, log_index: np.ndarray,
                sigma: np.ndarray) -> np.ndarray:
    """Expenditure shares at new prices, ``θ_s p_s^(1−σ) / P^(1−σ)``, along the supplier axis."""
    expo = np.where(np.abs(1.0 - sigma) < SIGMA_ONE, 0.0, 1.0 - sigma)
    raw = weights * np.exp(expo * (log_price - log_index))
    total = raw.sum(axis=SUPPLIER_AXIS, keepdims=True)
    return raw / np.where(total > 0, total, 1.0)


Residual = Callable[[np.ndarray], tuple[np.ndarray, tuple[np.ndarray, ...]]]
Step = Callable[[np.ndarray, np.ndarray, tuple[np.ndarray, ...]], np.ndarray]


def damped_newton(
    residual: Residual,
    newton_step: Step,
    z: np.ndarray,
    market_axes: tuple[int, ...],
    *,
    tol: float,
    max_iter: int,
    damping: float,
    who: str,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...], int]:
    """Damped Newton iteration run on every market at once.

    A *market* is one slice along ``market_axes`` (the unknowns that are solved jointly). Each
    iteration takes the Newton step, caps its largest move at :data:`MAX_LOG_STEP`, scales it by
    ``damping`` and halves it, market by market, until ``max |F|`` of that market falls
    (Armijo-style: by at least a factor ``1 − 1e-4 λ``). Markets already within ``tol`` stay put.
    """
    if not 0.0 < damping <= 1.0:
        raise ValueError(f"{who}: damping must be in (0, 1], got {damping!r}")
    # Trial points may overflow (exp of a large move); their residual is then inf or NaN and
    # the line search rejects them, so the floating-point warnings carry no information.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        return _iterate(residual, newton_step, z, market_axes, tol, max_iter, damping, who)


def _iterate(residual: Residual, newton_step: Step, z: np.ndarray,
             market_axes: tuple[int, ...], tol: float, max_iter: int, damping: float,
             who: str) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...], int]:
    f, aux = residual(z)
    merit = _merit(f, market_axes)
    iterations = 0
    while not (merit <= tol).all() and iterations < max_iter:
        step = newton_step(z, f, aux)
        step = np.where(np.isfinite(step), step, 0.0)
        big = np.abs(step).max(axis=market_axes, keepdims=True)
        lam = damping * np.minimum(1.0, MAX_LOG_STEP / np.where(big > 0, big, 1.0))
        start = merit > tol
        pending = start.copy()
        for _ in range(_HALVINGS):
            trial = z + np.where(pending, lam, 0.0) * step
            trial_merit = _merit(residual(trial)[0], market_axes)
            ok = pending & (trial_merit <= (1.0 - 1e-4 * lam) * merit)
            z = np.where(ok, trial, z)
            pending &= ~ok
            if not pending.any():
                break
            lam = lam * 0.5
        iterations += 1
        f, aux = residual(z)
        merit = _merit(f, market_axes)
        if not (start & ~pending).any():  # no market could reduce its residual: stalled
            break
    if not (merit <= tol).all():
        raise ConvergenceError(_where_message(who, f, iterations, tol))
    return z, f, aux, iterations


def _merit(f: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    worst = np.abs(f).max(axis=axes, keepdims=True)
    return np.where(np.isnan(worst), np.inf, worst)


def _where_message(who: str, f: np.ndarray, iterations: int, tol: float, shown: int = 3) -> str:
    size = np.abs(np.where(np.isnan(f), np.inf, f)).ravel()
    worst = np.argsort(size)[::-1][:shown]
    cells = ", ".join(f"{tuple(int(i) for i in np.unravel_index(k, f.shape))}: {size[k]:.3g}"
                      for k in worst)
    bad = int((size > tol).sum())
    return (f"{who} did not converge after {iterations} iteration(s): {bad} cell(s) with "
            f"|residual| > {tol:g}; worst (index in (..., exporter, product) order: residual) "
            f"{cells}; check that ω > 0 and elasticities are finite, or raise max_iter")

"""CES price indices evaluated on the active cells only (DESIGN §2; issue 13).

In :func:`tradesim.model.kernels.log_price_index` a supplier whose buyer price does not move
(``ln p = 0``) adds exactly nothing to ``Σ θ expm1((1 − σ) ln p)``. The index of a market
therefore needs only its *active* cells: trade in some year and a tariff change in some year
(37 % of the cells of ``framework-2025`` at the embedded resolution, all in the US market). A
market with no active cell has ``ln P = 0`` exactly, as the dense kernel gives.

Everything that does not depend on the elasticities (which cells, their shares, their log
prices) is built once by :func:`active_cells` and reused for every draw chunk; so are the
distinct yearly patterns of log prices (a tariff path is usually flat after its last change:
``expm1`` is evaluated once per pattern, not once per year). The per-draw work is laid out with
draws innermost: the ``expm1`` terms in market slots ``(scenario, pattern, market, slot,
draw)``, so a pattern's market sums over all its years are one stacked matrix product with the
shares ``(scenario, market, year, slot)``; per-cell rows (the geometric limit, far markets) are
in *rank-major* order: markets sorted by their number of active cells, then the first active
cell of every market, the second of every market that has two, and so on. Results
equal the dense kernels' up to summation order (``tests/test_sparse.py``: 1e-12).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradesim.model.kernels import SIGMA_ONE

__all__ = ["Active", "Level", "active_cells", "as_markets", "at_markets", "distinct_years",
           "log_indices"]

_FAR = -0.99  # as the dense kernel: Σ θ e^x below 1 % is recomputed by log-sum-exp


class Level(NamedTuple):
    """The active cells of one CES level, in rank-major order.

    ``markets`` (M,) flat market index ``i·P + p``, by decreasing number of active cells (the
    upper level of a nest also lists nest markets without any); ``blocks``: (first row, number
    of markets) of each rank; ``cell`` (A,) each cell's position in ``markets``; ``share``
    (A, S, T, 1) θ of each cell in its market (or nest) and year; ``log_price`` (A, S, T, 1);
    ``patterns`` (A, S, U, 1) the distinct nonzero yearly columns of ``log_price`` and
    ``pattern_of`` (T,) each year's (−1: no price moves that year). The same padded to
    ``K`` slots a market (the most active cells of any market; padding is 0): ``share_pad``
    (S, M, T, K) and ``patterns_pad`` (S, U, M, K, 1), so that a pattern's market sums over
    all its years are one stacked matrix product. ``changed``: for each pattern after the
    first, the slots (flat in (M, K)) whose log price differs from the pattern before in some
    scenario (a phase-in moves few). ``rest`` (M, S, T) the share θ of the level's suppliers
    whose price never moves (the far markets' log-sum-exp needs it).
    """

    markets: np.ndarray
    blocks: tuple[tuple[int, int], ...]
    cell: np.ndarray
    share: np.ndarray
    log_price: np.ndarray
    patterns: np.ndarray
    pattern_of: np.ndarray
    share_pad: np.ndarray
    patterns_pad: np.ndarray
    changed: tuple[np.ndarray, ...]
    rest: np.ndarray

    def sum(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Per-market sums (M, ...) of per-cell rows ``x`` (A, ...), added to ``out``."""
        out = np.zeros((self.markets.size, *x.shape[1:])) if out is None else out
        for first, n in self.blocks:
            out[:n] += x[first:first + n]
        return out


class Active(NamedTuple):
    """The active cells of a batch.

    ``upper``: every supplier outside the nest; ``nest``: the nest members (None without a
    nest); ``nest_share`` (M_N, S, T, 1) the nest's share θ_N of its market in the upper
    level and ``nest_at`` (M_N,) the position of each ``nest.markets`` in ``upper.markets``.
    """

    shape: tuple[int, int, int, int, int]  # (S, T, I, E, P) of the cells
    upper: Level
    nest: Level | None = None
    nest_share: np.ndarray | None = None
    nest_at: np.ndarray | None = None


def _level(weights: np.ndarray, log_price: np.ndarray, keep: np.ndarray, total: np.ndarray,
           still: np.ndarray, also: np.ndarray | None = None) -> Level:
    """One level's active cells: ``keep`` (I, E, P) true where the cell is used, ``weights``
    and ``log_price`` (S, 1, T, I, E, P), ``total`` (S, 1, T, I, 1, P) the market's weight;
    ``still`` (I, E, P) the level's other suppliers (their price never moves); ``also``:
    markets to list even without an active cell."""
    n_p = keep.shape[-1]
    i, e, p = np.nonzero(keep)
    market = i * n_p + p
    ids, counts = np.unique(market, return_counts=True)
    if also is not None:
        extra = np.setdiff1d(also, ids)
        ids, counts = np.r_[ids, extra], np.r_[counts, np.zeros(extra.size, dtype=int)]
        by_id = np.argsort(ids)
        ids, counts = ids[by_id], counts[by_id]
    order = np.argsort(-counts, kind="stable")
    markets, counts = ids[order], counts[order]
    position = np.empty(ids.size, dtype=int)
    position[order] = np.arange(ids.size)
    cell = position[np.searchsorted(ids, market)] if market.size else market
    rank = np.zeros(market.size, dtype=int)  # each cell's rank within its market
    by_market = np.argsort(cell, kind="stable")
    firsts = np.searchsorted(cell[by_market], np.arange(markets.size))
    rank[by_market] = np.arange(market.size) - np.repeat(firsts, counts)
    rows = np.lexsort((cell, rank))  # rank-major, markets in their order within a rank
    blocks, first = [], 0
    for k in range(int(counts.max()) if counts.size else 0):
        n = int((counts > k).sum())
        blocks.append((first, n))
        first += n
    share = np.divide(weights, total, out=np.zeros(np.broadcast_shapes(weights.shape,
                                                                        total.shape)),
                      where=total > 0)
    i, e, p = i[rows], e[rows], p[rows]

    def gather(x: np.ndarray) -> np.ndarray:  # (S, 1, T, I, E, P) -> (A, S, T, 1)
        x = np.broadcast_to(x, share.shape)[:, 0]
        return np.ascontiguousarray(np.moveaxis(x[..., i, e, p], -1, 0))[..., None]

    lp = gather(log_price)
    columns = lp[..., 0].transpose(2, 0, 1).reshape(lp.shape[2], -1)  # (T, A·S)
    unique, pattern_of = _distinct_rows(columns)
    nonzero = np.flatnonzero((unique != 0).any(axis=1))
    renumber = np.full(unique.shape[0], -1)
    renumber[nonzero] = np.arange(nonzero.size)
    patterns = np.ascontiguousarray(unique[nonzero].T.reshape(*lp.shape[:2], nonzero.size, 1))
    cell, rank, theta = cell[rows], rank[rows], gather(share)
    n_s, n_t, n_k = lp.shape[1], lp.shape[2], len(blocks)
    share_pad = np.zeros((n_s, markets.size, n_t, n_k))
    share_pad[:, cell, :, rank] = theta[..., 0]
    patterns_pad = np.zeros((n_s, nonzero.size, markets.size, n_k, 1))
    patterns_pad[:, :, cell, rank, 0] = patterns[..., 0].transpose(1, 2, 0)
    step = (patterns_pad[:, 1:, ..., 0] != patterns_pad[:, :-1, ..., 0]).any(axis=0)
    changed = tuple(np.flatnonzero(x) for x in step)  # (U − 1) × slots, flat in (M, K)
    rest = np.divide(np.where(still, weights, 0.0).sum(axis=-2), total[..., 0, :],
                     out=np.zeros(total[..., 0, :].shape), where=total[..., 0, :] > 0)
    mi, mp = np.divmod(markets, n_p)
    rest = np.ascontiguousarray(np.moveaxis(rest[:, 0][..., mi, mp], -1, 0))  # (M, S, T)
    return Level(markets, tuple(blocks), cell, theta, lp, patterns, renumber[pattern_of],
                 share_pad, patterns_pad, changed, rest)


def distinct_years(x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct yearly slices of ``x`` (..., T) in order of appearance, each (...), and
    each year's index among them (T,)."""
    unique, which = _distinct_rows(np.moveaxis(x, -1, 0).reshape(x.shape[-1], -1))
    return [row.reshape(x.shape[:-1]) for row in unique], which


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``rows`` (T, N) in order of appearance, and each row's index
    among them (T,). Years are few and rows long: comparing each year with the patterns found
    so far is much cheaper than ``np.unique(axis=0)``, which sorts the rows as opaque
    records."""
    found: list[np.ndarray] = []
    which = np.empty(rows.shape[0], dtype=int)
    for t, row in enumerate(rows):
        which[t] = next((k for k, seen in enumerate(found) if np.array_equal(row, seen)),
                        len(found))
        if which[t] == len(found):
            found.append(row)
    return (np.stack(found) if found else rows[:0]), which


def active_cells(weights: np.ndarray, log_price: np.ndarray,
                 nest: np.ndarray | None = None) -> Active:
    """Which cells the price indices need, with their shares and log prices.

    Parameters
    ----------
    weights : ndarray (S, 1, T, I, E, P)
        Base expenditure at buyer prices, ``V (1 + t0)``, USD, per scenario and year.
    log_price : ndarray broadcastable to (S, 1, T, I, E, P)
        ``ln p = ln(1 + t1) − ln(1 + t0)``.
    nest : bool ndarray (I, E, 1), optional
        Suppliers in each market's nest (as ``MarketArrays.nest``); None: one level.
    """
    weights = np.asarray(weights, dtype=float)
    log_price = np.broadcast_to(log_price, weights.shape)
    traded = (weights > 0).any(axis=(0, 1, 2))  # (I, E, P)
    moved = (log_price != 0).any(axis=(0, 1, 2))
    total = weights.sum(axis=-2, keepdims=True)
    shape = (weights.shape[0], weights.shape[2], *weights.shape[-3:])
    if nest is None or not np.any(nest):
        return Active(shape, _level(weights, log_price, traded & moved, total, ~moved))
    member = np.broadcast_to(nest, traded.shape)
    inner_w = np.where(member, weights, 0.0)
    inner_total = inner_w.sum(axis=-2, keepdims=True)
    nested = _level(inner_w, log_price, traded & moved & member, inner_total, member & ~moved)
    # in the upper level the nest is one supplier, priced at ln P_N: it never moves where no
    # member's price does
    calm = np.ones(traded.shape[0] * traded.shape[2], dtype=bool)
    calm[nested.markets] = False
    calm = calm.reshape(traded.shape[0], 1, traded.shape[2])
    upper = _level(weights, log_price, traded & moved & ~member, total,
                   (~member & ~moved) | (member & calm), also=nested.markets)
    i, p = np.divmod(nested.markets, shape[-1])
    theta = np.divide(inner_total, total, out=np.zeros(total.shape), where=total > 0)
    nest_share = np.ascontiguousarray(theta[:, 0, :, i, 0, p][..., None])  # (M_N, S, T, 1)
    at = np.argsort(upper.markets)
    nest_at = at[np.searchsorted(upper.markets[at], nested.markets)]
    return Active(shape, upper, nested, nest_share, nest_at)


def log_indices(active: Active, sigma: np.ndarray, sigma_nest: np.ndarray | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(ln P, ln P_N)``, each (I·P, S, T, D): market rows, draws innermost.

    Market ``i·P + p`` of row ``m``; the values are the dense kernels' (:func:`as_markets`
    gives them in kernel order). ``ln P_N`` is 0 where the nest has no active member (and
    everywhere without a nest), as :func:`tradesim.model.kernels.nested_log_index` gives it.

    Parameters
    ----------
    active : Active
        From :func:`active_cells`.
    sigma, sigma_nest : ndarray (S, D, 1, I, 1, P)
        Upper-level and within-nest elasticities (``sigma_nest`` needed when ``active`` has a
        nest).
    """
    n_s, n_t, n_i, n_e, n_p = active.shape
    n_d = sigma.shape[1]

    def per_market(x: np.ndarray, markets: np.ndarray) -> np.ndarray:  # -> (M, S, 1, D)
        return at_markets(np.broadcast_to(x, (n_s, n_d, 1, n_i, 1, n_p)), markets)

    rows = (n_i * n_p, n_s, n_t, n_d)
    log_nest = np.zeros(rows)
    extra = None
    if active.nest is not None and active.nest.markets.size:
        if sigma_nest is None:
            raise ValueError("a nested Active needs sigma_nest")
        assert active.nest_share is not None
        assert active.nest_at is not None
        inner = _index(active.nest, per_market(sigma_nest, active.nest.markets), active)
        log_nest[active.nest.markets] = inner
        # the nest in the upper level, one supplier per market: θ_N and ln P_N
        extra = (active.nest_at, active.nest_share, inner)
    log_index = np.zeros(rows)
    upper = active.upper
    if upper.markets.size:
        log_index[upper.markets] = _index(upper, per_market(sigma, upper.markets), active,
                                          extra)
    return log_index, log_nest


def at_markets(x: np.ndarray, markets: np.ndarray) -> np.ndarray:
    """A market parameter (S, D, 1, I, 1, P) at flat markets ``i·P + p`` (M,): (M, S, 1, D),
    markets first and draws innermost, as the per-market and per-cell rows are laid out."""
    flat = x.reshape(*x.shape[:2], -1)[..., markets]  # (S, D, M)
    return np.ascontiguousarray(flat.transpose(2, 0, 1))[:, :, None, :]


def as_markets(rows: np.ndarray, n_i: int, n_p: int) -> np.ndarray:
    """Market rows (I·P, S, T, D) in kernel order (S, D, T, I, 1, P)."""
    n_s, n_t, n_d = rows.shape[1:]
    return rows.reshape(n_i, 1, n_p, n_s, n_t, n_d).transpose(3, 5, 4, 0, 1, 2)


def _index(level: Level, sigma: np.ndarray, active: Active,
           extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``ln P`` (M, S, T, D) of the level's markets from their σ (M, S, 1, D).

    ``extra``: (positions in ``level.markets``, θ (M_x, S, T, 1), ln p (M_x, S, T, D)) of one
    more supplier in those markets (the nest in the upper level)."""
    one = np.abs(1.0 - sigma) < SIGMA_ONE
    expo = np.where(one, 1.0, 1.0 - sigma)  # (M, S, 1, D)
    n_s, n_d, n_t = expo.shape[1], expo.shape[3], active.shape[1]
    moved = np.zeros((level.markets.size, n_s, n_t, n_d))
    if level.cell.size and level.patterns.shape[2]:
        by_market = np.moveaxis(expo, 0, 1)  # (S, M, 1, D)
        n_m, n_k = level.share_pad.shape[1], level.share_pad.shape[3]
        change = np.empty((n_s, n_m, n_k, n_d))  # the expm1 terms in market slots
        slots = change.reshape(n_s, n_m * n_k, n_d)  # a view
        for u in range(level.patterns.shape[2]):  # years without a price move add exactly 0
            pattern = level.patterns_pad[:, u]  # (S, M, K, 1)
            at = level.changed[u - 1] if u else None
            if at is None or 2 * at.size > slots.shape[1]:  # expm1 once per pattern
                np.multiply(by_market, pattern, out=change)
                np.expm1(change, out=change)
            elif at.size:  # the slots that moved since the last pattern: the same numbers
                term = by_market[:, at // n_k, 0] * pattern.reshape(n_s, -1, 1)[:, at]
                slots[:, at] = np.expm1(term, out=term)
            years = np.flatnonzero(level.pattern_of == u)
            # Σ_k θ_k(t) expm1(x_k): (S, M, Y, K) @ (S, M, K, D) for the pattern's years
            total = np.matmul(level.share_pad[:, :, years], change)
            moved[:, :, years] = total.transpose(1, 0, 2, 3)
        del change
    if extra is not None:
        at, theta, lp = extra
        term = np.multiply(expo[at], lp)
        np.expm1(term, out=term)
        term *= theta
        moved[at] += term
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log1p(moved)
    out /= expo
    far = np.flatnonzero(moved < _FAR)  # flat positions: much cheaper than a 4-d nonzero
    if far.size:
        out.reshape(-1)[far] = _log_sum_exp(np.unravel_index(far, moved.shape), level, expo,
                                            extra)
    if one.any():
        geometric = np.broadcast_to(level.sum(level.share * level.log_price),
                                    moved.shape).copy()
        if extra is not None:
            at, theta, lp = extra
            geometric[at] += theta * lp
        out = np.where(one, geometric, out)
    return out


def _log_sum_exp(far: tuple[np.ndarray, ...], level: Level, expo: np.ndarray,
                 extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray:
    """``ln P`` of the far entries ``far`` (their indices (m, s, t, d) in (M, S, T, D)) by
    log-sum-exp, as the dense kernel computes them, over the market's active cells, its
    suppliers whose price never moves (one term, ``rest``: their ``x`` is 0) and ``extra``
    (the nest in the upper level)."""
    m, s, t, d = far
    e = expo[m, s, 0, d]
    u = level.pattern_of[t]  # −1: no active cell's price moves that year (x = 0)
    theta = level.share_pad[s, m, t]  # (n, K), padding 0
    xs = np.zeros(theta.shape)
    if level.patterns.shape[2]:
        xs = e[:, None] * np.where(u[:, None] >= 0,
                                   level.patterns_pad[s, np.maximum(u, 0), m, :, 0], 0.0)
    terms = [(theta, xs), (level.rest[m, s, t][:, None], np.zeros((m.size, 1)))]
    if extra is not None:
        at, nest_share, nest_lp = extra
        row = np.full(level.markets.size, -1)
        row[at] = np.arange(at.size)
        k = np.maximum(row[m], 0)
        theta_n = np.where(row[m] >= 0, nest_share[k, s, t, 0], 0.0)
        terms.append((theta_n[:, None], (e * nest_lp[k, s, t, d])[:, None]))
    share = np.concatenate([x for x, _ in terms], axis=1)
    xs = np.concatenate([x for _, x in terms], axis=1)
    top = np.max(np.where(share > 0, xs, -np.inf), axis=-1, keepdims=True)
    lse = top[:, 0] + np.log((share * np.exp(xs - top)).sum(axis=-1))
    return lse / e

"""The reduced pass: the model's totals and product detail from the cells they read (issue 13).

A sweep asks for the bilateral totals (and the cells of a few listed products) under many
draws. The full run computes every cell; this pass computes the same numbers from

* the import price indices on the *active* cells only (:mod:`tradesim.model.sparse`), and
* demand, partial adjustment, the per-draw anchor factor, re-routing and commitments for the
  *output cells* only (:func:`output_cells`): the bilateral flows, the re-routing sources and
  hub in the US market, and the listed products' cells, keeping only cells with trade, a
  commitment or a part in re-routing (every other cell stays exactly 0).

Arrays are laid out ``(cell, scenario, year, draw)``, draws innermost. Everything that does not
depend on the elasticities (:class:`Cells`, :class:`Anchor`) is built once per batch by
:class:`tradesim.model.trajectory.Batch`, which also holds the caches. Equal to the full run to
1e-12 (``tests/test_reduced_pass.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from tradesim.dims import US, VN
from tradesim.errors import ScheduleError
from tradesim.model import response, sparse

__all__ = ["Anchor", "Cells", "Rule", "anchor", "evaluate", "output_cells", "outputs"]


class Rule(NamedTuple):
    """A batch's re-routing: source and hub exporters, and each scenario's origin-switching
    share (S,) (0 where a scenario has no rule)."""

    sources: tuple[str, ...]
    via: str
    share: np.ndarray


class Cells(NamedTuple):
    """The cells of one reduced pass (C of them) and their draw-independent inputs."""

    flat: np.ndarray  # (C,) flat (I, E, P) index
    market: np.ndarray  # (C,) flat (I, P) market
    nest: np.ndarray  # (C,) bool
    log_price: np.ndarray  # (C, S, T, 1)
    projected: np.ndarray  # (C, S, T, 1), USD
    t1: np.ndarray  # (C, S, T, 1)
    added: np.ndarray | None  # (C, S, T, 1) commitments, USD
    shed: np.ndarray | None
    exports: np.ndarray  # positions of the VN market's cells from the US
    imports: np.ndarray  # positions of the US market's cells from VN
    detail: np.ndarray  # positions of the detail products' cells
    detail_at: np.ndarray  # their flat (I, E, P') index in the detail block
    reroute: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # sources (K, P), hub (P,):
    # positions of every product's cell in the US market; origin-switching share (S,)
    dynamic: int = -1  # the first ``dynamic`` cells can move; the rest keep their projection


class Anchor(NamedTuple):
    """What keeps the anchor year observed under other parameters
    (:func:`tradesim.model.response.anchor_correction`): the year's offset, the regime's
    active cells in that year and its log prices (I, E, P), whether the batch's own tariffs
    that year are the regime's (and the base year moves none: the drawn first-year gap is then
    the batch's own), and the baseline's σ, η, λ and σ_N (S, 1, 1, I, 1, P; σ_N None
    without a nest)."""

    first: int
    regime: sparse.Active
    log_price: np.ndarray
    own: bool
    central: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def output_cells(a: response.MarketArrays, importers: list[str], exporters: list[str],
                 rule: Rule | None, added: np.ndarray | None, shed: np.ndarray | None,
                 detail: Sequence[int] | None, moving: np.ndarray | None = None) -> Cells:
    """The cells the outputs read, with their inputs gathered.

    Parameters
    ----------
    a : MarketArrays
        The batch (any draw's parameters: only the draw-independent arrays are read).
    importers, exporters : list of str
        Labels of the importer and exporter axes.
    rule : Rule or None
        The batch's re-routing.
    added, shed : ndarray (S, T, I, E, P) or None
        Commitments' added and displaced values, USD.
    detail : sequence of int or None
        Product positions whose every cell is an output.
    moving : bool ndarray (I·P,), optional
        Markets whose price index or anchor factor can move. A cell outside them whose own
        price never moves keeps its projection exactly (gap 0, factor 1): such *static* cells
        come last and are not evaluated. None: every cell is evaluated.
    """
    n_i, n_e, n_p = a.projected.shape[-3:]
    want = np.zeros((n_i, n_e, n_p), dtype=bool)
    for imp, exp in ((US, VN), (VN, US)):
        if imp in importers and exp in exporters:
            want[importers.index(imp), exporters.index(exp)] = True
    involved = np.zeros_like(want)
    if rule is not None:
        missing = [c for c in (*rule.sources, rule.via) if c not in exporters]
        if missing or US not in importers:
            raise ScheduleError(f"transshipment: {missing or [US]} not in this baseline")
        for c in (*rule.sources, rule.via):
            involved[importers.index(US), exporters.index(c)] = True
    if detail is not None:
        want[..., list(detail)] = True
    used = (a.projected > 0).any(axis=(0, 1, 2)) | involved
    for x in (added, shed):
        if x is not None:
            used |= (x != 0).any(axis=(0, 1))
    flat = np.flatnonzero((want | involved) & used)
    dynamic = flat.size
    if moving is not None:
        i, rest = np.divmod(flat, n_e * n_p)
        own = (np.broadcast_to(a.t1 != a.t0, a.t1.shape).any(axis=(0, 1, 2))
               .reshape(-1)[flat])
        static = ~moving[i * n_p + rest % n_p] & ~own
        flat = np.r_[flat[~static], flat[static]]
        dynamic = int((~static).sum())
    i, rest = np.divmod(flat, n_e * n_p)
    e, p = np.divmod(rest, n_p)

    def gather(x: np.ndarray) -> np.ndarray:  # (..., I, E or 1, P) -> (..., C)
        x = np.broadcast_to(x, (*x.shape[:-3], n_i, n_e, n_p))
        return np.ascontiguousarray(x[..., i, e, p])

    def rows(x: np.ndarray) -> np.ndarray:  # (S, 1, T, I, E, P) -> (C, S, T, 1)
        return np.ascontiguousarray(np.moveaxis(gather(x)[:, 0], -1, 0))[..., None]

    def pair(imp: str, exp: str) -> np.ndarray:
        if imp not in importers or exp not in exporters:
            return np.zeros(0, dtype=int)
        return np.flatnonzero((i == importers.index(imp)) & (e == exporters.index(exp)))

    detail_cells = detail_at = np.zeros(0, dtype=int)
    if detail is not None:
        mine = np.isin(p, detail)
        detail_cells = np.flatnonzero(mine)
        col = np.searchsorted(np.asarray(detail), p[mine])
        detail_at = (i[mine] * n_e + e[mine]) * len(detail) + col
    reroute = None
    if rule is not None:
        at = np.full(n_i * n_e * n_p, -1)
        at[flat] = np.arange(flat.size)
        us = importers.index(US)

        def where(c: str) -> np.ndarray:  # every product's cell of exporter c in the US market
            return at[(us * n_e + exporters.index(c)) * n_p + np.arange(n_p)]

        reroute = (np.stack([where(c) for c in rule.sources]), where(rule.via), rule.share)
    nest = a.nest if a.nest is not None else np.zeros((n_i, n_e, 1), dtype=bool)
    # ln(1 + t1) − ln(1 + t0) on the C cells only (elementwise: the same numbers)
    log_price = np.log1p(rows(a.t1)) - np.log1p(gather(a.t0))[:, None, None, None]
    return Cells(flat, i * n_p + p, gather(nest), log_price,
                 rows(a.projected), rows(a.t1),
                 None if added is None else rows(added[:, None]),
                 None if shed is None else rows(shed[:, None]),
                 pair(VN, US), pair(US, VN), detail_cells, detail_at, reroute, dynamic)


def anchor(a: response.MarketArrays, first: int, tariff: np.ndarray,
           central: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None],
           ) -> Anchor | None:
    """The anchor's draw-independent part (None when the regime moves no tariff).

    ``first``: the anchor year's offset (it must be 1, as for the dense correction);
    ``tariff`` (I, E, P): the anchor regime's tariffs that year; ``central``: the baseline's σ,
    η, λ, σ_N (S, 1, 1, I, 1, P)."""
    if first != 1:
        raise ScheduleError(f"keeping the anchor year observed needs it right after the "
                            f"base year (offset {first})")
    if not (tariff != a.t0).any():
        return None
    log_price = np.log1p(tariff) - np.log1p(a.t0)
    weights = a.projected[:, :, first:first + 1] * (1.0 + a.t0)
    nest = a.nest if a.nest is not None and a.nest.any() else None
    regime = sparse.active_cells(weights, np.broadcast_to(log_price, weights.shape), nest)
    own = bool(np.array_equal(a.t1[:, 0, 0], np.broadcast_to(a.t0, a.t1[:, 0, 0].shape))
               and np.array_equal(a.t1[:, 0, first],
                                  np.broadcast_to(tariff, a.t1[:, 0, first].shape)))
    return Anchor(first, regime, log_price, own, central)


def evaluate(cells: Cells, a: response.MarketArrays, active: sparse.Active,
             anchored: Anchor | None, memo: dict[Any, Any],
             ) -> tuple[np.ndarray, Callable[[np.ndarray | slice], np.ndarray]]:
    """Values (C, S, T, D) of ``cells`` and a function giving the no-change projection of some
    of them (rows -> (*rows, S, T, D)).

    The long-run demand gap on the active-cell price indices, partial adjustment, the per-draw
    anchor factors (``anchored``: None when the anchor year needs no keeping), re-routing and
    commitments. ``memo`` keeps the anchor factor's central part between calls.
    """
    nested = a.nested and a.sigma_nest is not None and a.nest is not None
    index, nest_index = sparse.log_indices(active, a.sigma, a.sigma_nest if nested else None)
    n = cells.flat.size if cells.dynamic < 0 else cells.dynamic  # the cells that can move
    market = cells.market[:n]
    sigma, eta = sparse.at_markets(a.sigma, market), sparse.at_markets(a.eta, market)
    sigma_nest = sparse.at_markets(a.sigma_nest, market) if nested and a.sigma_nest is not None \
        else None
    lam = sparse.at_markets(a.adjustment, market)  # (C', S, 1, D)
    n_t = cells.log_price.shape[2]
    n_s, _, n_d = np.broadcast_shapes(index.shape[1:], sigma.shape[1:], eta.shape[1:],
                                      lam.shape[1:])
    value = np.empty((cells.flat.size, n_s, n_t, n_d))
    value[n:] = cells.projected[n:]  # static cells: exp(0) times their projection, exactly
    first = anchored.first if anchored is not None else n_t
    factor = None
    if anchored is not None:
        factor = np.ones((cells.flat.size, *value.shape[1:2], 1, value.shape[3]))
    # one year at a time, so that each year's rows stay in cache: the long-run gap, partial
    # adjustment λ y*_t + (1 − λ) y_(t−1), exp, the projection and the anchor factor
    scratch = level = np.empty_like(value[:n, :, 0])  # level: y_(t−1)
    keep = 1.0 - lam[:, :, 0]
    slopes = _slopes(sigma[:, :, 0], eta[:, :, 0],
                     None if sigma_nest is None else sigma_nest[:, :, 0], cells.nest[:n])
    calm = _calm_years(active, cells.log_price[:n])
    # the own-price term σ ln p once per distinct yearly pattern of the cells' log prices
    patterns, pattern_of = sparse.distinct_years(cells.log_price[:n, :, :, 0])
    own_term = [None if not u.any() else slopes[2] * u[..., None] for u in patterns]
    for t in range(n_t):
        out = scratch  # each year's values in cache, then stored (strided) once
        if t < calm:  # no price has moved yet: the gap is 0 and the value its projection
            out[...] = cells.projected[:n, :, t]
        else:
            now = _gap(index[:, :, t], nest_index[:, :, t] if nested else None, market,
                       own_term[pattern_of[t]], slopes)
            now *= lam[:, :, 0]
            if t > calm:  # the level before is 0 until a price moves
                np.multiply(keep, level, out=scratch)
                now += scratch
            level = now
            np.exp(level, out=out)
            out *= cells.projected[:n, :, t]
        if t == first:  # keep the anchor year observed under every draw
            assert anchored is not None
            assert factor is not None
            own = None  # its λ gap, when the batch has it
            if anchored.own:
                own = level[:, :, None].copy() if t >= calm else np.zeros(out.shape)[:, :, None]
            factor[:n] = _anchor_factor(cells, n, a, anchored, (sigma, eta, sigma_nest, lam),
                                        nested, own, memo)
        if t >= first:
            assert factor is not None
            out *= factor[:n, :, 0]
        value[:n, :, t] = out

    def baseline(rows: np.ndarray | slice) -> np.ndarray:  # the no-change path of some cells
        projected = cells.projected[rows]
        out = np.broadcast_to(projected, (*projected.shape[:-1], value.shape[-1]))
        if factor is None:
            return out
        out = out.copy()
        out[..., first:, :] *= factor[rows]
        return out

    if cells.reroute is not None:
        src, hub, share = cells.reroute
        lost = np.maximum(baseline(src) - value[src], 0.0)  # (K, P, S, T, D)
        cheaper = cells.t1[hub] < cells.t1[src]
        value[hub] += share[:, None, None] * (lost * cheaper).sum(axis=0)
    if cells.added is not None and cells.shed is not None:
        value += cells.added - np.minimum(cells.shed, value)
    return value, baseline


def outputs(cells: Cells, value: np.ndarray,
            baseline: Callable[[np.ndarray | slice], np.ndarray],
            shape: tuple[int, int], detail: Sequence[int] | None) -> dict[str, np.ndarray]:
    """Totals (S, D, T) on US statistics and ``value`` (S, D, T, I, E, P') of the ``detail``
    products from :func:`evaluate`'s results; ``shape``: (I, E)."""
    out = {}
    for suffix, of in (("", lambda rows: value[rows]), ("_baseline", baseline)):
        # the same sums of (C, S, T, D) rows: a zero shock gives the baseline to the bit
        for flow, rows in (("exports", cells.exports), ("imports", cells.imports)):
            out[f"{flow}{suffix}"] = of(_run(rows)).sum(axis=0).transpose(0, 2, 1)
        out[f"balance{suffix}"] = out[f"exports{suffix}"] - out[f"imports{suffix}"]
    if detail is not None:
        n_i, n_e = shape
        block = np.empty((n_i * n_e * len(detail), *value.shape[1:]))
        empty = np.ones(block.shape[0], dtype=bool)  # cells without trade: exactly 0
        empty[cells.detail_at] = False
        block[empty] = 0.0
        block[cells.detail_at] = value[cells.detail]
        block = block.reshape(n_i, n_e, len(detail), *value.shape[1:])
        out["value"] = block.transpose(3, 5, 4, 0, 1, 2)
    return out


def _calm_years(active: sparse.Active, log_price: np.ndarray) -> int:
    """How many years from the first move no price: neither an active cell's (the price
    indices are then exactly 0) nor an output cell's ``log_price`` (C, S, T, 1)."""
    levels = [active.upper] + ([active.nest] if active.nest is not None else [])
    moves = (log_price != 0).any(axis=(0, 1, 3))
    for level in levels:
        moves |= level.pattern_of >= 0
    return int(np.argmax(moves)) if moves.any() else moves.size


def _run(rows: np.ndarray) -> np.ndarray | slice:
    """``rows`` as a slice when they are consecutive (a view instead of a copy; the same sum)."""
    if rows.size and rows[-1] - rows[0] == rows.size - 1 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _anchor_factor(cells: Cells, n: int, a: response.MarketArrays, anchored: Anchor,
                   drawn: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
                   nested: bool, own: np.ndarray | None, memo: dict[Any, Any]) -> np.ndarray:
    """``c = exp(λ_c gap_c − λ_d gap_d)`` (n, S, 1, D) on the first ``n`` cells, its price
    indices on the regime's active cells. ``drawn``: the draws' σ, η, σ_N (or None) and λ per
    cell (n, S, 1, D); ``own``: ``λ_d gap_d`` when the batch already has it."""
    regime = anchored.regime
    market, nest_cells = cells.market[:n], cells.nest[:n]
    lp = np.broadcast_to(anchored.log_price.reshape(-1)[cells.flat[:n]][:, None, None, None],
                         (n, regime.shape[0], 1, 1))

    def first_year(sigma: np.ndarray, sigma_nest: np.ndarray | None,
                   per: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
                   ) -> np.ndarray:  # λ gap in the anchor year, (n, S, 1, D)
        index, nest_index = sparse.log_indices(regime, sigma, sigma_nest)
        slopes = _slopes(*per[:3], nest_cells)
        gap = _gap(index, None if sigma_nest is None else nest_index, market, slopes[2] * lp,
                   slopes)
        return per[3] * gap

    key = ("anchor-central", id(cells), nested)  # the baseline's own parameters: once
    if key not in memo:
        sigma, eta, rate, sigma_nest = anchored.central
        at = market
        nest = sigma_nest if nested else None
        memo[key] = first_year(sigma, nest, (
            sparse.at_markets(sigma, at), sparse.at_markets(eta, at),
            None if nest is None else sparse.at_markets(nest, at), sparse.at_markets(rate, at)))
    if own is None:
        own = first_year(a.sigma, a.sigma_nest if nested else None, drawn)
    return np.exp(memo[key] - own)


def _slopes(sigma: np.ndarray, eta: np.ndarray, sigma_nest: np.ndarray | None,
            nest: np.ndarray,
            ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None, np.ndarray]:
    """What :func:`_gap` multiplies by, once for every year: ``σ − η`` (C, ...); when some
    of the cells (``nest``, bool (C,)) are in the nest, their rows and ``σ_N − σ`` there; and
    each cell's own-price elasticity (``σ_N`` in the nest, else ``σ``)."""
    if sigma_nest is None or not nest.any():
        return sigma - eta, None, sigma
    rows = np.flatnonzero(nest)
    own = sigma.copy()
    own[rows] = sigma_nest[rows]
    return sigma - eta, (rows, sigma_nest[rows] - sigma[rows]), own


def _gap(index: np.ndarray, nest_index: np.ndarray | None, market: np.ndarray,
         own: np.ndarray | None,
         slopes: tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None, np.ndarray],
         ) -> np.ndarray:
    """Long-run ``ln d`` (C, S, [T,] D) of :func:`tradesim.model.kernels.nested_log_gap` for
    cells in markets ``market`` (C,), from the market rows ``index`` and ``nest_index``
    (I·P, S, [T,] D) of :func:`tradesim.model.sparse.log_indices` (all years, or one):
    ``(σ − η) ln P − σ ln p``, in the nest ``(σ − η) ln P + (σ_N − σ) ln P_N − σ_N ln p``
    (``slopes`` from :func:`_slopes`; ``own`` the own-price term ``σ ln p`` or ``σ_N ln p``,
    None where no cell's price moves)."""
    slope, nest, _ = slopes
    gap = index[market]
    gap *= slope
    if nest is not None and nest_index is not None:
        rows, nest_slope = nest
        gap[rows] += nest_slope * nest_index[market[rows]]
    if own is not None:
        gap -= own
    return gap

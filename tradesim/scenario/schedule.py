"""Resolve a validated Scenario against a baseline: tariff paths, commitments, parameters.

Scopes map onto the product axis through the member codes (:func:`products.match_scope`);
measures stack per DESIGN §4 (``set`` replaces the base rate, ``floor`` raises it, ``add`` adds,
``overrides`` displace), and a measure in force for part of a year counts for its share of days.

The tariff-change operators ``cut``, ``cap`` and ``swiss`` act line by line on the rate in force
after ``set``, ``floor`` and ``add``, in the order the measures are listed. They are nonlinear in
the rate, so they are applied to each segment of days with one set of measures in force, and
only then are the segments weighted by days (a 50 % cut of 20 % in force half a year gives
½·20 + ½·10 = 15 %, not a cut of the year's average).
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.data import catalogues
from tradesim.data.products import match_scope
from tradesim.dims import EXPORTER, IMPORTER, MARKET_DIMS, PRODUCT, YEAR
from tradesim.errors import ScheduleError
from tradesim.scenario.fields import OPERATORS
from tradesim.scenario.parse import Commitment, Measure, Scenario

__all__ = ["ProductAxis", "apply_operator", "axis_of", "commitment_path", "demand_path",
           "overrides", "tariff_path", "tariff_paths"]

_AXES: dict[int, tuple[weakref.ref, ProductAxis]] = {}


def axis_of(baseline: xr.Dataset) -> ProductAxis:
    """The :class:`ProductAxis` of a baseline, built once per baseline object and reused.

    Repeated runs on the same baseline (sweeps, goal seeking) then share its caches of scope
    matches and measure plans. Treat baselines as immutable: the cache is keyed by object.
    """
    hit = _AXES.get(id(baseline))
    if hit is not None and hit[0]() is baseline:
        return hit[1]
    axis = ProductAxis(baseline)
    key = id(baseline)

    def forget(_: object) -> None:
        _AXES.pop(key, None)

    _AXES[key] = (weakref.ref(baseline, forget), axis)
    return axis


class ProductAxis:
    """Label lookups and scope matching for one baseline; build once, reuse across scenarios."""

    def __init__(self, baseline: xr.Dataset) -> None:
        self.products = baseline.indexes[PRODUCT]
        self.exporters = list(baseline.indexes[EXPORTER])
        self.importers = list(baseline.indexes[IMPORTER])
        member_labels = baseline["member_product"].to_numpy().astype(str)
        self.member_code = baseline.indexes["hs6"].to_numpy().astype(str)
        self.member_product = self.products.get_indexer(member_labels)
        self.resolution = str(baseline.attrs.get("resolution", ""))
        self._members = pd.Series(member_labels, index=self.member_code, dtype=object,
                                  name=self.resolution or "baseline")
        self._matches: dict[tuple, Any] = {}
        #: the baseline's tariff (I, E, P), read-only
        self.base_tariff = baseline["tariff"].transpose(*MARKET_DIMS).to_numpy().copy()
        self.base_tariff.flags.writeable = False

    def scope(self, prefixes: Sequence[str] | None, where: str, partial_ok: bool) -> np.ndarray:
        """Share of each product covered by ``prefixes`` (None = all): 0, 1, or partial."""
        if prefixes is None:
            return np.ones(len(self.products))
        key = tuple(prefixes)
        if key not in self._matches:
            codes = catalogues.expand_scopes(prefixes, self._members, where, self.resolution) \
                if any(p.startswith(catalogues.GROUP_MARK) for p in prefixes) else prefixes
            self._matches[key] = match_scope(
                self.member_product, self.member_code, len(self.products), codes)
        share, finer, unknown, finer_codes = self._matches[key]
        if unknown:
            raise ScheduleError(f"{where}: unknown HS code(s) {unknown}: no product on the "
                                f"{self.resolution or 'baseline'} axis has that code")
        partial = ((share > 0) & (share < 1)) | finer
        if partial.any() and not partial_ok:
            names = [str(p) for p in self.products[partial][:6]]
            if finer_codes:
                raise ScheduleError(
                    f"{where}: {finer_codes} are finer than HS6, the finest level the data "
                    f"has (they fall inside {names}); write the HS6 code, or give the measure "
                    "a `share`")
            raise ScheduleError(
                f"{where}: scope is finer than the product axis: it covers only part of "
                f"{names}; add a split for the code in embedded/product_splits.csv, "
                f"use resolution='hs6', or give the measure a `share`")
        return np.where(partial, 1.0, share)

    def plan(self, scenario: Scenario) -> _Plan:
        """The rate-independent part of a tariff path, cached by the measures' structure.

        Sweeps over rates (and goal seeking) reuse it. It holds one array per measure, so on
        large axes only the last plan is kept (a run again, or another rate, reuses it).
        """
        key = ("plan", scenario.base_year, scenario.horizon, tuple(
            (m.id, m.importer, m.exporters, m.products, m.exclude, m.mode, m.overrides,
             m.start, m.end, m.share) for m in scenario.measures))
        if key in self._matches:
            return self._matches[key]
        last = self._matches.get(("last plan",))
        if last is not None and last[0] == key:
            return last[1]
        plan = _plan(self, scenario)
        if len(self.products) * len(self.exporters) * len(self.importers) <= STACK_CELLS:
            self._matches[key] = plan
        else:
            self._matches[("last plan",)] = (key, plan)
        return plan

    def rows(self, m: Measure, i: int) -> np.ndarray:
        """The (importer, exporter) rows (flat indices) a measure's weight touches, cached."""
        if m.share == 0.0:
            return np.zeros(0, dtype=int)
        key = ("rows", m.importer, m.exporters, m.products, m.exclude, m.share < 1.0)
        if key not in self._matches:
            w = self.scope_weights(m, i)
            self._matches[key] = np.flatnonzero(w.reshape(-1, w.shape[-1]).any(axis=1))
        return self._matches[key]

    def weights(self, m: Measure, i: int) -> np.ndarray:
        """Flow weight (I, E, P) of a measure: its :meth:`scope_weights` times its ``share``."""
        w = self.scope_weights(m, i)
        return w if m.share == 1.0 else w * m.share

    def scope_weights(self, m: Measure, i: int) -> np.ndarray:
        """Weight (I, E, P) in [0, 1] of the flow a measure's scope covers, before its
        ``share``; cached by the scope alone (a ``share`` below 1 lets a scope cover part of a
        product, so whether it is below 1 is part of the key, not its value).

        Boolean where every weight is 0 or 1 (a whole-product scope, the common case): the
        same numbers in arithmetic (``True · x`` is ``x``) in an eighth of the memory, which
        matters on the HS6 axis (4.6 MB a scope in float64).
        """
        key = ("w", m.importer, m.exporters, m.products, m.exclude, m.share < 1.0)
        if key not in self._matches:
            imp, exp, inside = self.scope_factors(m, i)
            whole = bool(np.all((inside == 0.0) | (inside == 1.0)))
            self._matches[key] = (imp[:, None, None] & exp[None, :, None]
                                  & (inside == 1.0)[None, None, :]) if whole else \
                imp[:, None, None] * exp[None, :, None] * inside[None, None, :]
        return self._matches[key]

    def scope_factors(self, m: Measure, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A measure's scope as importers (I,), exporters (E,) and products (P,), whose outer
        product is its :meth:`scope_weights`; cached by the scope."""
        key = ("f", m.importer, m.exporters, m.products, m.exclude, m.share < 1.0)
        if key not in self._matches:
            self._matches[key] = _scope_factors(self, m, i)
        return self._matches[key]

    def codes(self, codes: Sequence[str] | None, axis: list[str], where: str,
              exclude: str | None = None) -> np.ndarray:
        """Boolean mask over ``axis`` for the listed codes (None = all but ``exclude``)."""
        if codes is None:
            return np.array([c != exclude for c in axis])
        missing = [c for c in codes if c not in axis]
        if missing:
            raise ScheduleError(f"{where}: {missing} not in this baseline; it has {axis}")
        return np.isin(axis, list(codes))


def _scope_factors(axis: ProductAxis, m: Measure, i: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A measure's scope as importers (I,), exporters (E,) and products (P,) in [0, 1]: its
    weight (before its share) is their outer product."""
    where = f"tariff[{i}] ({m.id})"
    imp = axis.codes([m.importer], axis.importers, where + ".importer")
    exp = axis.codes(m.exporters, axis.exporters, where + ".exporters", exclude=m.importer)
    partial_ok = m.share < 1.0
    inside = axis.scope(m.products, where + ".products", partial_ok)
    if m.exclude:
        inside = inside * (1.0 - axis.scope(m.exclude, where + ".exclude", partial_ok))
    return imp, exp, inside


def _overriders(axis: ProductAxis, measures: Sequence[Measure]) -> list[list[int]]:
    """For each measure, the measures that override it (``overrides``) and whose scope meets
    its own.

    An overrider whose scope misses the measure's changes nothing: the factor ``1 − w`` it
    puts on the measure's weight is exactly 1 wherever that weight is not 0. Leaving it out
    gives the same rates with fewer patterns of measures in force to evaluate. Cached on the
    axis by the measures' scopes and overrides.
    """
    key = ("overriders", *((m.id, m.importer, m.exporters, m.products, m.exclude,
                             m.share < 1.0, m.overrides) for m in measures))
    if key not in axis._matches:
        axis._matches[key] = _meeting_overriders(axis, measures)
    return axis._matches[key]


def _meeting_overriders(axis: ProductAxis, measures: Sequence[Measure]) -> list[list[int]]:
    index = {m.id: i for i, m in enumerate(measures)}
    pairs = [(i, index[o.id]) for i, m in enumerate(measures) for o in measures
             if m.id in o.overrides]
    if not pairs:
        return [[] for _ in measures]
    factors = [axis.scope_factors(m, i) for i, m in enumerate(measures)]
    first, then = np.array(pairs).T
    meets = np.ones(len(pairs), dtype=bool)
    for k in range(3):  # importers, exporters, products: the scopes are outer products
        inside = np.array([f[k] != 0 for f in factors])  # (M, I), (M, E) or (M, P)
        meets &= (inside[first] & inside[then]).any(axis=1)
    out: list[list[int]] = [[] for _ in measures]
    for (i, j), keep in zip(pairs, meets, strict=True):
        if keep:
            out[i].append(j)
    return out


def _segments(scenario: Scenario, measures: Sequence[Measure]) -> tuple[np.ndarray, np.ndarray]:
    """Time segments with a constant set of measures in force.

    Returns ``active`` (K, M) bool and ``year_weight`` (T, K): the share of year t's days
    that fall in segment k.
    """
    first, last = dt.date(scenario.base_year, 1, 1), dt.date(scenario.horizon, 12, 31)
    day = lambda d: (d - first).days  # noqa: E731
    n_days = day(last) + 1
    starts = np.array([day(max(m.start or first, first)) for m in measures], dtype=int)
    ends = np.array([day(min(m.end or last, last)) + 1 for m in measures], dtype=int)
    year_starts = [day(dt.date(y, 1, 1)) for y in scenario.years]
    cuts = np.unique(np.concatenate([[0, n_days], starts, ends, year_starts]))
    cuts = cuts[(cuts >= 0) & (cuts <= n_days)]
    lo, hi = cuts[:-1], cuts[1:]
    active = (starts[None, :] <= lo[:, None]) & (ends[None, :] >= hi[:, None])
    edges = np.array(year_starts + [n_days])
    overlap = np.clip(np.minimum(hi[None, :], edges[1:, None]) -
                      np.maximum(lo[None, :], edges[:-1, None]), 0, None)
    year_weight = overlap / np.diff(edges)[:, None]
    return active, year_weight


def tariff_path(baseline: xr.Dataset, scenario: Scenario,
                axis: ProductAxis | None = None) -> xr.DataArray:
    """Applied tariff by year, importer, exporter and product (fraction).

    Parameters
    ----------
    baseline : Dataset
        A validated baseline (:func:`tradesim.data.frame.validate_baseline`).
    scenario : Scenario

    Raises
    ------
    ScheduleError
        A code the baseline lacks, a scope finer than the axis, or ``set`` measures that
        overlap without one overriding the other.
    """
    axis = axis or axis_of(baseline)
    return _as_path(_path_values(axis, scenario), baseline, list(scenario.years))


def _path_values(axis: ProductAxis, scenario: Scenario) -> np.ndarray:
    """The values (T, I, E, P) of :func:`tariff_path`."""
    base = axis.base_tariff
    measures = scenario.measures
    years = list(scenario.years)
    if not measures:
        return np.broadcast_to(base, (len(years), *base.shape)).copy()
    plan = axis.plan(scenario)
    if any(m.mode in OPERATORS for m in measures):
        return _segment_path(base, measures, plan)
    if plan.layout is not None:
        out = _level_path(base, measures, plan.overriders, plan.layout)
    else:
        out = np.broadcast_to(base, (len(years), *base.shape)).copy()
    rates = np.array([m.rate for m in measures])[plan.add_measure]
    if plan.add_cell is not None and rates.any():
        # Σ_terms share(t) · rate · weight over the few cells each term touches: one bincount
        # instead of a (T, terms) x (terms, cells) product that is 97 % zeros (and that BLAS
        # would spread over threads), on the distinct columns of the terms' yearly shares only
        # (years with the same shares get the same sums)
        coeff = (plan.add_share * rates[:, None]).T[:, plan.add_term]  # (U, nnz)
        by_column = np.bincount(plan.add_cell.ravel(), weights=(coeff * plan.add_value).ravel(),
                                minlength=coeff.shape[0] * base.size)
        out += by_column.reshape(-1, *base.shape)[plan.add_year]
    elif rates.any():  # large axes: term by term, summed on the (importer, exporter) rows
        flat = out.reshape(out.shape[0], -1, out.shape[-1])  # each hits, once per set of rows
        sums: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        for m, share, rows, eff in _add_terms_of(plan, measures):
            key = rows.tobytes()
            if key not in sums:
                sums[key] = (rows, np.zeros((flat.shape[0], *eff.shape)))
            sums[key][1][...] += (measures[m].rate * share)[:, None, None] * eff[None]
        for rows, total in sums.values():
            flat[:, rows, :] += total
    return out


def tariff_paths(baseline: xr.Dataset, scenarios: Sequence[Scenario],
                 axis: ProductAxis | None = None) -> np.ndarray:
    """Applied tariffs (S, T, I, E, P) of scenarios sharing their years (fractions).

    Equal, value for value, to stacking :func:`tariff_path` of each (with dims year, importer,
    exporter, product). Scenarios whose measures differ only in their rates and shares (the
    points of a grid) are evaluated together (:func:`_group_paths`): the same operations, in
    the same order, with a scenario axis, on the cells the varying measures touch.

    Raises
    ------
    ScheduleError
        As :func:`tariff_path`, for the first scenario (in order) that has the problem.
    """
    axis = axis or axis_of(baseline)
    years = {(s.base_year, s.horizon) for s in scenarios}
    if len(years) != 1:
        raise ScheduleError("tariff_paths needs scenarios sharing their years, got "
                            f"{sorted(years)}")
    if len(scenarios) == 1:
        return _path_values(axis, scenarios[0])[None]
    base = axis.base_tariff
    groups: dict[tuple, list[int]] = {}
    for k, s in enumerate(scenarios):
        groups.setdefault(_structure(s), []).append(k)
    out = np.empty((len(scenarios), len(scenarios[0].years), *base.shape))
    try:
        for members in groups.values():
            if len(groups) == 1 and len(members) > 1 and _batched(scenarios[0], base):
                return _group_paths(base, axis, scenarios)
            group = [scenarios[k] for k in members]
            if len(group) > 1 and _batched(group[0], base):
                out[members] = _group_paths(base, axis, group)
            else:
                for k, s in zip(members, group, strict=True):
                    out[k] = _path_values(axis, s)
    except ScheduleError:
        for s in scenarios:  # the first scenario with the problem raises it
            _path_values(axis, s)
        raise
    return out


def _batched(scenario: Scenario, base: np.ndarray) -> bool:
    """Whether :func:`_group_paths` evaluates scenarios of this one's structure."""
    return bool(scenario.measures) and base.size <= STACK_CELLS


def _structure(scenario: Scenario) -> tuple:
    """What a tariff path depends on besides the measures' rates and shares."""
    return (scenario.base_year, scenario.horizon, tuple(
        (m.id, m.importer, m.exporters, m.products, m.exclude, m.mode, m.overrides, m.start,
         m.end, m.share < 1.0) for m in scenario.measures))


class _Terms(NamedTuple):
    """The rate-independent, share-free part of a group's tariff paths (see _group_paths)."""

    scope: list[np.ndarray]  # share-free weight of each measure, flat (I*E*P,)
    overriders: list[list[int]]
    level: list[int]
    level_columns: list[int]
    level_patterns: list[tuple[np.ndarray, np.ndarray]]  # (measures in force (M,), years (T,))
    # add terms, in the order tariff_path sums them: (measure, share of each year (T,), the
    # overriders in force, the cells of the measure's rows (flat, sorted))
    adds: list[tuple[int, np.ndarray, list[int], np.ndarray]]
    touched: list[np.ndarray]  # cells (flat, sorted) each measure's scope covers
    n_years: int


def _terms(axis: ProductAxis, scenario: Scenario) -> _Terms:
    """The :class:`_Terms` of a scenario's structure, cached on small axes."""
    key = ("terms", _structure(scenario))
    if key in axis._matches:
        return axis._matches[key]
    measures = scenario.measures
    scope = [axis.scope_weights(m, i).ravel() for i, m in enumerate(measures)]
    products = len(axis.products)
    overriders = _overriders(axis, measures)
    active, year_weight = _segments(scenario, measures)
    level = [i for i, m in enumerate(measures) if m.mode in ("set", "floor")]
    columns, level_on, level_share = _level_patterns(active, year_weight, level, overriders)
    patterns = list(zip(level_on, level_share, strict=True))
    touched = [np.flatnonzero(w) for w in scope]
    adds = []
    for m, x in enumerate(measures):
        if x.mode != "add":
            continue
        rows = np.flatnonzero(scope[m].reshape(-1, products).any(axis=1))
        cells = (rows[:, None] * products + np.arange(products)).ravel()
        cols = [m, *overriders[m]]
        for mask in _patterns(active, cols):
            on = active[np.argmax(mask), cols]
            if on[0]:
                live = [j for j, flag in zip(overriders[m], on[1:], strict=True) if flag]
                adds.append((m, year_weight[:, mask].sum(axis=1), live, cells))
    terms = _Terms(scope, overriders, level, columns, patterns, adds, touched,
                   year_weight.shape[0])
    axis._matches[key] = terms
    return terms


def _group_paths(base: np.ndarray, axis: ProductAxis, group: Sequence[Scenario]) -> np.ndarray:
    """Tariff paths (G, T, I, E, P) of scenarios with one structure (:func:`_structure`).

    The cells no measure covers keep the base rate; the cells only measures with the same rate
    and share in every scenario cover are evaluated once; the cells a varying measure covers
    are evaluated for every scenario at once. Each cell is computed by :func:`_cell_paths`
    with the operations :func:`tariff_path` applies to it, in its order, so the paths equal
    it exactly (with ``cut``, ``cap`` or ``swiss`` measures: :func:`_operator_paths`); small
    axes only.
    """
    measures = group[0].measures
    terms = _terms(axis, group[0])
    rates = np.array([[m.rate for m in s.measures] for s in group])  # (G, M)
    shares = np.array([[m.share for m in s.measures] for s in group])
    varies = (rates != rates[0]).any(axis=0) | (shares != shares[0]).any(axis=0)
    if any(m.mode in OPERATORS for m in measures):
        return _operator_paths(base, axis, group, terms, rates, shares, varies)
    first = np.broadcast_to(base.ravel(), (terms.n_years, base.size)).copy()
    every = np.unique(np.concatenate(terms.touched))
    if every.size:
        first[:, every] = _cell_paths(base.ravel(), measures, terms, every, rates[:1],
                                      shares[:1], np.zeros_like(varies))[0]
    out = np.broadcast_to(first, (len(group), *first.shape)).copy()
    moving = [terms.touched[i] for i in np.flatnonzero(varies)]
    if moving:
        cells = np.unique(np.concatenate(moving))
        out[:, :, cells] = _cell_paths(base.ravel(), measures, terms, cells, rates, shares,
                                       varies)
    return out.reshape(len(group), terms.n_years, *base.shape)


def _operator_paths(base: np.ndarray, axis: ProductAxis, group: Sequence[Scenario],
                    terms: _Terms, rates: np.ndarray, shares: np.ndarray,
                    varies: np.ndarray) -> np.ndarray:
    """:func:`_group_paths` for a structure with ``cut``, ``cap`` or ``swiss`` measures: the
    first scenario's :func:`_segment_path` everywhere, then, on the cells a varying measure
    covers, every scenario's segments at once (:func:`_segment_rate` with a column of rates
    and weights per scenario): each cell's operations are the per-scenario path's, in its
    order, so the paths equal it exactly."""
    measures = group[0].measures
    first = _segment_path(base, measures, axis.plan(group[0])).reshape(terms.n_years, -1)
    out = np.broadcast_to(first, (len(group), *first.shape)).copy()
    moving = [terms.touched[i] for i in np.flatnonzero(varies)]
    if moving:
        cells = np.unique(np.concatenate(moving))

        def col(a: np.ndarray, i: int) -> np.ndarray:  # (G or 1, 1)
            return a[:, i, None] if varies[i] else a[:1, i, None]

        weights = [terms.scope[i][cells][None] * col(shares, i) for i in range(len(measures))]
        rate_cols = [col(rates, i) for i in range(len(measures))]
        plan = axis.plan(group[0])
        paths = _segment_sum(base.ravel()[cells], measures, weights, plan,
                             (len(group), cells.size), rate_cols)  # (T, G, cells)
        out[:, :, cells] = np.moveaxis(paths, 0, 1)
    return out.reshape(len(group), terms.n_years, *base.shape)


def _cell_paths(base: np.ndarray, measures: Sequence[Measure], terms: _Terms,
                cells: np.ndarray, rates: np.ndarray, shares: np.ndarray,
                varies: np.ndarray) -> np.ndarray:
    """Tariff paths (G, T, cells) on some flat ``cells`` (sorted) for G sets of ``rates`` and
    ``shares`` (G, M): :func:`_level_path`, then the ``add`` terms summed in order (as the
    ``bincount`` of :func:`tariff_path`), each value computed as there. Measures not flagged in
    ``varies`` (M,) have the same rate and share in every row and are evaluated once."""
    n_scen, n_years = rates.shape[0], terms.n_years

    def col(a: np.ndarray, i: int) -> np.ndarray:  # (G or 1, 1)
        return a[:, i, None] if varies[i] else a[:1, i, None]

    out = np.broadcast_to(base[cells], (n_scen, n_years, len(cells)))
    if terms.level:
        weights = [terms.scope[i][cells][None] * col(shares, i) if i in terms.level_columns
                   else terms.scope[i][:0] for i in range(len(measures))]
        local = functools.reduce(np.logical_or, [weights[i] != 0 for i in terms.level])
        touched = np.zeros((n_scen, n_years, len(cells)))
        rate_cols = [col(rates, i) for i in range(len(measures))]
        for on, share in terms.level_patterns:
            rate = _level_rate(base[cells], measures, weights, terms.overriders, on, rate_cols)
            touched += share[None, :, None] * np.atleast_2d(rate)[:, None, :]
        out = np.where(local[:, None, :], touched, out)
    if rates[:, [m for m, _, _, _ in terms.adds]].any():
        where = np.full(base.size, -1)
        where[cells] = np.arange(len(cells))
        total = np.zeros((n_scen, n_years, len(cells)))
        for m, share, live, term_cells in terms.adds:
            at = where[term_cells]
            keep = at >= 0
            if not keep.any():
                continue
            flat, at = term_cells[keep], at[keep]
            eff = terms.scope[m][flat][None] * col(shares, m)
            for j in live:
                eff = eff * (1.0 - terms.scope[j][flat][None] * col(shares, j))
            coeff = share[None, :] * col(rates, m)  # (G or 1, T)
            total[:, :, at] += coeff[:, :, None] * eff[:, None, :]
        out = out + total
    return np.broadcast_to(out, (n_scen, n_years, len(cells)))


class _Plan(NamedTuple):
    """Everything about a scenario's measures that does not depend on their rates."""

    weights: list[np.ndarray]
    rows: list[np.ndarray]  # (importer, exporter) rows each measure touches (flat indices)
    overriders: list[list[int]]
    active: np.ndarray
    year_weight: np.ndarray
    level: list[int]
    layout: _Level | None  # where and when the level measures apply (None without any)
    add_measure: np.ndarray  # (n,) measure index of each add term
    # (n, T) share of each year the term is in force; on small axes (n, U): its distinct
    # columns, with add_year (T,) the column of each year
    add_share: np.ndarray
    # the terms' nonzero effective weights, flat: term of each (nnz,), its weight (nnz,) and
    # its cell in a (U, I, E, P) array for every distinct column (U, nnz); None on large axes
    add_term: np.ndarray | None = None
    add_value: np.ndarray | None = None
    add_cell: np.ndarray | None = None
    add_year: np.ndarray | None = None


#: Above this many cells per tariff array, add terms are summed one at a time.
STACK_CELLS = 100_000


def _add_terms_of(plan: _Plan, measures: Sequence[Measure]
                  ) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    return [(m, share, rows, eff) for m, x in enumerate(measures) if x.mode == "add" and x.rate
            for share, rows, eff in _add_terms(m, plan.weights, plan.overriders, plan.active,
                                               plan.year_weight, plan.rows)]


def _plan(axis: ProductAxis, scenario: Scenario) -> _Plan:
    measures = scenario.measures
    weights = [axis.weights(m, i) for i, m in enumerate(measures)]
    touched = [axis.rows(m, i) for i, m in enumerate(measures)]
    overriders = _overriders(axis, measures)
    active, year_weight = _segments(scenario, measures)
    level = [i for i, m in enumerate(measures) if m.mode in ("set", "floor")]
    layout = _level_layout(weights, touched, overriders, active, year_weight, level) \
        if level else None
    cells = weights[0].size if weights else 0
    if cells > STACK_CELLS:
        idx = np.array([m for m, x in enumerate(measures) if x.mode == "add"], dtype=int)
        return _Plan(weights, touched, overriders, active, year_weight, level, layout, idx,
                     np.zeros((len(idx), 0)))
    adds = [(m, share, rows, eff) for m, x in enumerate(measures) if x.mode == "add"
            for share, rows, eff in _add_terms(m, weights, overriders, active, year_weight,
                                               touched)]
    terms, values, flat_cells = [], [], []
    for k, (_, _, rows, eff) in enumerate(adds):
        row, product = np.nonzero(eff)
        terms.append(np.full(len(row), k))
        values.append(eff[row, product])
        flat_cells.append(rows[row] * eff.shape[-1] + product)
    share = np.array([s for _, s, _, _ in adds]).reshape(len(adds), year_weight.shape[0])
    columns, year = np.unique(share, axis=1, return_inverse=True)
    cell = np.concatenate(flat_cells) if adds else np.zeros(0, dtype=int)
    return _Plan(weights, touched, overriders, active, year_weight, level, layout,
                 np.array([m for m, _, _, _ in adds], dtype=int), columns,
                 np.concatenate(terms) if adds else np.zeros(0, dtype=int),
                 np.concatenate(values) if adds else np.zeros(0),
                 cell[None, :] + cells * np.arange(columns.shape[1])[:, None],
                 year.reshape(-1))


def _patterns(active: np.ndarray, columns: list[int]) -> list[np.ndarray]:
    """Segments grouped by which of ``columns`` are in force: a mask (K,) of the segments of
    each distinct pattern, in the order the patterns first occur."""
    if active.shape[0] == 0:
        return []
    _, first, which = np.unique(active[:, columns], axis=0, return_index=True,
                                return_inverse=True)
    which = which.reshape(-1)
    return [which == u for u in np.argsort(first)]


class _Level(NamedTuple):
    """Where and when a plan's ``set`` and ``floor`` measures apply."""

    cells: np.ndarray  # flat cells (I*E*P) a level measure's weight covers
    weights: list[np.ndarray]  # on those cells: the level measures' and their overriders'
    on: np.ndarray  # (K, M) the measures in force in each distinct pattern
    share: np.ndarray  # (K, T) share of each year's days in each pattern
    effective: dict[int, np.ndarray]  # level measure -> its :func:`_effective` weight (K, cells)


def _level_patterns(active: np.ndarray, year_weight: np.ndarray, level: list[int],
                    overriders: list[list[int]]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The level measures with their overriders (``columns``), and for each distinct pattern
    of those in force: the measures in force ``on`` (K, M) and each year's share of days in
    the pattern (K, T). Segments that differ only in other measures are one pattern."""
    columns = sorted(set(level) | {j for i in level for j in overriders[i]})
    masks = _patterns(active, columns) if level else []
    on = np.zeros((len(masks), active.shape[1]), dtype=bool)
    for k, mask in enumerate(masks):
        on[k, columns] = active[np.argmax(mask), columns]
    share = np.array([year_weight[:, mask].sum(axis=1) for mask in masks]).reshape(
        len(masks), year_weight.shape[0])
    return columns, on, share


def _level_layout(weights: list[np.ndarray], rows: list[np.ndarray],
                  overriders: list[list[int]], active: np.ndarray, year_weight: np.ndarray,
                  level: list[int]) -> _Level:
    """The :class:`_Level` of level measures ``level``; ``rows[i]`` are the (importer,
    exporter) rows measure ``i`` touches; its patterns are :func:`_level_patterns`."""
    columns, on, share = _level_patterns(active, year_weight, level, overriders)
    products = weights[level[0]].shape[-1]
    hit = np.unique(np.concatenate([rows[i] for i in level]))
    on_rows = lambda w: w.reshape(-1, products)[hit].ravel()  # noqa: E731
    local = np.flatnonzero(np.any([on_rows(weights[i]) != 0 for i in level], axis=0))
    cells = (hit[:, None] * products + np.arange(products)).ravel()[local]
    needed = set(columns)
    on_cells = [on_rows(w)[local] if i in needed else w[:0] for i, w in enumerate(weights)]
    effective = {i: _effective(on_cells, overriders, on, i) for i in level}
    return _Level(cells, on_cells, on, share, effective)


def _level_path(base: np.ndarray, measures: Sequence[Measure], overriders: list[list[int]],
                layout: _Level) -> np.ndarray:
    """Base rate after ``set`` and ``floor`` measures, by year (T, I, E, P).

    Evaluated on the cells the level measures touch (elsewhere the rate is the base rate),
    every pattern of measures in force at once (:func:`_level_rate`).
    """
    n_patterns, n_years = layout.share.shape
    rates = np.broadcast_to(
        _level_rate(base.ravel()[layout.cells], measures, layout.weights, overriders,
                    layout.on, effective=layout.effective), (n_patterns, len(layout.cells)))
    touched = np.zeros((n_years, len(layout.cells)))
    for share, rate in zip(layout.share, rates, strict=True):
        touched += share[:, None] * rate[None]
    out = np.broadcast_to(base, (n_years, *base.shape)).copy()
    out.reshape(n_years, -1)[:, layout.cells] = touched
    return out


def _add_terms(m: int, weights: list[np.ndarray], overriders: list[list[int]],
               active: np.ndarray, year_weight: np.ndarray, touched: list[np.ndarray]
               ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """An ``add`` measure's terms: (share of each year in force (T,), rows, weight on them).

    ``rows`` (``touched[m]``) index the (importer, exporter) pairs the measure touches (it
    names one importer and usually few exporters); the weight is (len(rows), P). One term per
    pattern of its overriders in force while it is: where an overrider applies, it does not.
    """
    products = weights[m].shape[-1]
    own = weights[m].reshape(-1, products)
    rows = touched[m]
    columns = [m, *overriders[m]]
    terms = []
    for mask in _patterns(active, columns):
        on = active[np.argmax(mask), columns]
        if not on[0]:
            continue
        eff = own[rows]
        for j, live in zip(overriders[m], on[1:], strict=True):
            if live:
                eff = eff * (1.0 - weights[j].reshape(-1, products)[rows])
        terms.append((year_weight[:, mask].sum(axis=1), rows, eff))
    return terms


def _effective(weights: Sequence[np.ndarray], overriders: list[list[int]], on: np.ndarray,
               i: int) -> np.ndarray:
    """Weight (I, E, P) of measure ``i`` where none of its overriders flagged in ``on`` apply.

    With ``on`` (K, M), K patterns of measures in force at once: the weight (K, cells), zero
    in the patterns where ``i`` is not in force. A factor ``1 − 0·w`` or ``0·w`` for a
    measure not in force is exactly 1 or 0, so each row equals the one-pattern value.
    """
    w = weights[i]
    if on.ndim == 1:
        for j in overriders[i]:
            if on[j]:
                w = w * (1.0 - weights[j])
        return w
    for j in overriders[i]:
        if on[:, j].any():
            w = w * (1.0 - on[:, j, None] * weights[j])
    return w * on[:, i, None]


def _level_rate(base: np.ndarray, measures: Sequence[Measure], weights: Sequence[np.ndarray],
                overriders: list[list[int]], on: np.ndarray,
                rates: Sequence[float | np.ndarray] | None = None,
                effective: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Rate (I, E, P) after the ``set`` and ``floor`` measures flagged in ``on``.

    ``rates[i]`` replaces ``measures[i].rate`` (a column (S, 1) of rates evaluates S scenarios
    at once, with ``weights`` (S or 1, cells)). ``on`` (K, M) evaluates K patterns of measures
    in force at once on cells (weights (cells,)): rates (K, cells), each row equal to its
    pattern's one-pattern rate (:func:`_effective`). ``effective`` holds the measures'
    :func:`_effective` weights where they are already known.
    """
    rates = [m.rate for m in measures] if rates is None else rates
    live = [int(i) for i in np.flatnonzero(on if on.ndim == 1 else on.any(axis=0))]
    sets = [i for i in live if measures[i].mode == "set"]
    known = effective or {}
    weight = lambda i: known[i] if i in known else _effective(  # noqa: E731
        weights, overriders, on, i)
    rate = base
    if sets:
        shares = {i: weight(i) for i in sets}
        total = sum(shares.values())
        if np.any(total > 1.0 + 1e-9):
            if on.ndim == 2:  # name the sets in force in the first pattern with the overlap
                first = np.flatnonzero(np.any(np.atleast_2d(total) > 1.0 + 1e-9, axis=-1))[0]
                sets = [i for i in sets if on[first, i]]
            ids = [f"tariff[{i}] ({measures[i].id})" for i in sets]
            raise ScheduleError(f"set measures {ids} both set the rate of the same flow at the "
                                "same time; say which wins with `overrides`")
        rate = base * (1.0 - total) + sum(shares[i] * rates[i] for i in sets)
    for i in live:
        if measures[i].mode == "floor":
            rate = rate + weight(i) * np.maximum(rates[i] - rate, 0.0)
    return rate


def apply_operator(mode: str, rate: np.ndarray | float,
                   value: float | np.ndarray) -> np.ndarray:
    """A tariff-change operator on the rate in force, line by line (fractions).

    ``cut``: ``r (1 − value)``; ``cap``: ``min(r, value)``; ``swiss``: ``a r/(a + r)`` with
    ``a = value`` in the same unit as ``r`` (WTO TN/MA/S/3/Rev.2, *Formula Approaches to Tariff
    Negotiations*, 2003).

    Examples
    --------
    >>> [round(float(x), 4) for x in apply_operator("swiss", np.array([0.1, 1.0]), 0.15)]
    [0.06, 0.1304]
    """
    r = np.asarray(rate, dtype=float)
    if mode == "cut":
        return r * (1.0 - value)
    if mode == "cap":
        return np.minimum(r, value)
    if mode == "swiss":
        return value * r / (value + r)
    raise ValueError(f"apply_operator: unknown mode {mode!r}; use one of {OPERATORS}")


def _segment_rate(base: np.ndarray, measures: Sequence[Measure], weights: Sequence[np.ndarray],
                  overriders: list[list[int]], on: np.ndarray,
                  rates: Sequence[float | np.ndarray] | None = None) -> np.ndarray:
    """Rate (I, E, P) in force in one segment: set, floor, add, then the operators in order.

    ``rates`` as for :func:`_level_rate` (columns (S, 1) evaluate S scenarios at once)."""
    rates = [m.rate for m in measures] if rates is None else rates
    rate = _level_rate(base, measures, weights, overriders, on, rates)
    live = [int(i) for i in np.flatnonzero(on)]
    for i in live:
        if measures[i].mode == "add" and np.any(rates[i]):  # a zero rate adds exactly 0
            rate = rate + _effective(weights, overriders, on, i) * rates[i]
    for i in live:
        m = measures[i]
        if m.mode in OPERATORS:
            w = _effective(weights, overriders, on, i)
            rate = rate + w * (apply_operator(m.mode, rate, rates[i]) - rate)
    return rate


def _segment_path(base: np.ndarray, measures: Sequence[Measure], plan: _Plan) -> np.ndarray:
    """Rates by year (T, I, E, P) evaluated segment by segment, then weighted by days.

    Used when the scenario has a ``cut``, ``cap`` or ``swiss`` measure: those act on the rate in
    force, so each distinct pattern of measures in force is evaluated whole.
    """
    return _segment_sum(base, measures, plan.weights, plan, base.shape)


def _segment_sum(base: np.ndarray, measures: Sequence[Measure], weights: Sequence[np.ndarray],
                 plan: _Plan, shape: tuple[int, ...],
                 rates: Sequence[float | np.ndarray] | None = None) -> np.ndarray:
    """Σ over the plan's segment patterns of each year's share of days times the segment's
    :func:`_segment_rate` (``weights``, ``rates`` as there): (T, *shape)."""
    out = np.zeros((plan.year_weight.shape[0], *shape))
    for mask in _patterns(plan.active, list(range(len(measures)))):
        on = plan.active[np.argmax(mask)]
        rate = _segment_rate(base, measures, weights, plan.overriders, on, rates)
        out += plan.year_weight[:, mask].sum(axis=1).reshape(-1, *(1,) * len(shape)) * \
            rate[None]
    return out


def _as_path(values: np.ndarray, baseline: xr.Dataset, years: list[int]) -> xr.DataArray:
    coords = {YEAR: years, **{d: baseline.indexes[d] for d in MARKET_DIMS}}
    return xr.DataArray(values, coords=coords, dims=(YEAR, *MARKET_DIMS), name="tariff",
                        attrs={"units": "fraction"})


def _commitment_split(axis: ProductAxis, c: Commitment, i: int, sales: np.ndarray) -> np.ndarray:
    """Share of a commitment going to each product (P,).

    A code inside one axis product goes wholly to it; a code spanning several products (a
    heading on the HS6 axis) is spread pro rata to the seller's base-year sales of them.
    """
    codes = axis.member_code
    inside = np.char.startswith(codes, c.product)
    if not inside.any():
        inside = np.array([c.product.startswith(code) for code in codes])
    where = f"commitment[{i}] ({c.id}).product"
    if not inside.any():
        raise ScheduleError(f"{where}: unknown HS code {c.product!r} for this baseline")
    found = np.unique(axis.member_product[inside])
    split = np.zeros(len(axis.products))
    if len(found) == 1:
        split[found[0]] = 1.0
        return split
    weight = sales[found]
    if weight.sum() <= 0:
        names = [str(axis.products[j]) for j in found[:6]]
        raise ScheduleError(f"{where}: {c.product!r} spans several products {names} and the "
                            "seller sold none of them in the base year; name one of them")
    split[found] = weight / weight.sum()
    return split


def commitment_path(baseline: xr.Dataset, scenario: Scenario,
                    axis: ProductAxis | None = None) -> xr.Dataset:
    """Commitment amounts by year and cell: ``gross`` (USD), ``additionality`` and displacement.

    Returns a Dataset with ``amount`` (year, importer, exporter, product: USD delivered),
    ``added`` (the additional part, USD) and ``displace`` (year, importer, exporter, product:
    USD of additional sales to take from each displaced supplier, before capping).

    The last result is kept on the axis and returned again (its arrays read-only) for a
    scenario with the same commitments and years, as the points of a grid over tariffs have.
    """
    axis = axis or axis_of(baseline)
    key = (scenario.base_year, scenario.horizon, scenario.commitments)
    last = axis._matches.get(("last commitments",))
    if last is not None and last[0] == key:
        return last[1]
    deals = _commitment_path(baseline, scenario, axis)
    for var in deals.data_vars.values():
        var.values.setflags(write=False)
    axis._matches[("last commitments",)] = (key, deals)
    return deals


def _commitment_path(baseline: xr.Dataset, scenario: Scenario, axis: ProductAxis) -> xr.Dataset:
    years = list(scenario.years)
    shape = (len(years), len(axis.importers), len(axis.exporters), len(axis.products))
    amount, added, displaced = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    value = baseline["value"].transpose(*MARKET_DIMS).to_numpy()
    for i, c in enumerate(scenario.commitments):
        where = f"commitment[{i}] ({c.id})"
        b = axis.codes([c.buyer], axis.importers, where + ".buyer").argmax()
        s = axis.codes([c.seller], axis.exporters, where + ".seller").argmax()
        products = _commitment_split(axis, c, i, value[b, s])
        rivals = axis.codes(c.displaces, axis.exporters, where + ".displaces") \
            if c.displaces else np.zeros(len(axis.exporters), dtype=bool)
        base = value[b] * rivals[:, None]  # (E, P): rivals' sales of each product
        total = base.sum(axis=0)
        even = rivals[:, None] / max(rivals.sum(), 1) * np.ones_like(total)
        losers = np.where(total > 0, base / np.where(total > 0, total, 1.0), even)
        for year, usd in c.schedule:
            t = years.index(year)
            amount[t, b, s] += usd * products
            added[t, b, s] += usd * c.additionality * products
            displaced[t, b] += usd * c.additionality * products * losers
    coords = {YEAR: years, **{d: baseline.indexes[d] for d in MARKET_DIMS}}
    dims = (YEAR, *MARKET_DIMS)
    return xr.Dataset({"amount": (dims, amount), "added": (dims, added),
                       "displace": (dims, displaced)}, coords=coords)


def demand_path(baseline: xr.Dataset, scenario: Scenario,
                axis: ProductAxis | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The scenario's ``[[demand]]`` shifts as ``(share, growth)``, each (T, I, P), or None.

    ``share`` is 1 where a shift applies (0 outside its years and scope; a prefix finer than the
    product axis is an error, as for measures without ``share``), ``growth`` the stated demand
    growth (fraction a year) there. Where shifts overlap, the one listed last wins.
    """
    if not scenario.demand:
        return None
    axis = axis or axis_of(baseline)
    years = list(scenario.years)
    share = np.zeros((len(years), len(axis.importers), len(axis.products)))
    growth = np.zeros_like(share)
    for i, d in enumerate(scenario.demand):
        where = f"demand[{i}] ({d.id})"
        imp = axis.codes([d.importer], axis.importers, where + ".importer")
        inside = axis.scope(d.products, where + ".products", partial_ok=False)
        if d.exclude:
            inside = inside * (1.0 - axis.scope(d.exclude, where + ".exclude", partial_ok=False))
        active = np.array([d.start <= y <= d.end for y in years])
        cover = active[:, None, None] * imp[None, :, None] * inside[None, None, :]
        share = np.where(cover > 0, cover, share)
        growth = np.where(cover > 0, d.growth, growth)
    return share, growth


def overrides(baseline: xr.Dataset, scenario: Scenario,
              axis: ProductAxis | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The scenario's ``[elasticities]`` overrides as (mask, value) arrays over the product axis.

    An override keyed by an HS prefix applies to every product it covers whole (the longest
    prefix wins; ``all`` is the fallback); a prefix finer than the axis is an error. Returns
    ``{parameter: (mask (P,) bool, value (P,) float)}`` for the parameters the scenario sets;
    ω keyed by supplier code comes as ``omega_exporter``: (mask (E,), value (E,)).
    """
    axis = axis or axis_of(baseline)
    out = {}
    for param, pairs in scenario.elasticities:
        if param == "omega":  # supplier keys (CHN = 2.0) give that exporter its own ω
            suppliers = [(k, v) for k, v in pairs if k != "all" and not k.isdigit()]
            pairs = tuple((k, v) for k, v in pairs if (k, v) not in suppliers)
            if suppliers:
                where = "elasticities.omega"
                mask_e = axis.codes([k for k, _ in suppliers], axis.exporters, where)
                value_e = np.zeros(len(axis.exporters))
                for k, v in suppliers:
                    value_e[axis.exporters.index(k)] = v
                out["omega_exporter"] = (mask_e, value_e)
            if not pairs:
                continue
        mask = np.zeros(len(axis.products), dtype=bool)
        value = np.zeros(len(axis.products))
        for prefix, number in sorted(pairs, key=lambda kv: (kv[0] != "all", len(kv[0]))):
            cover = axis.scope(None if prefix == "all" else [prefix],
                               f"elasticities.{param}.{prefix}", partial_ok=False) > 0
            mask |= cover
            value[cover] = number
        out[param] = (mask, value)
    return out

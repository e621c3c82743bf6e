"""Years: baseline growth, pro-rated measures, partial adjustment and commitments (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from tradesim.dims import DRAW, EXPORTER, IMPORTER, MARKET_DIMS, PRODUCT, SCENARIO, US, VN, YEAR
from tradesim.errors import ScheduleError
from tradesim.model import kernels, response, sparse
from tradesim.scenario import schedule
from tradesim.scenario.parse import Scenario

__all__ = ["TOTALS", "Batch", "prepare", "run", "simulate"]

PARAMS = ("sigma", "eta", "adjustment", "omega")

#: Variables a batch can be reduced to early (``run(..., keep=TOTALS)``).
TOTALS = ("exports", "imports", "balance", "exports_baseline", "imports_baseline",
          "balance_baseline")


def simulate(baseline: xr.Dataset, scenario: Scenario) -> xr.Dataset:
    """Run one scenario on a baseline and return the yearly result Dataset.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline (see :mod:`tradesim.data.frame`).
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    Dataset
        ``value``/``value_baseline`` (year, importer, exporter, product; USD),
        ``tariff``/``tariff_baseline`` (fraction), ``duty_revenue``/``duty_revenue_baseline``
        (USD), ``commitment`` (USD added by commitments, net of displacement), ``price_index``
        (year, importer, product; baseline = 1), ``buyers_surplus`` (USD),
        ``exports``/``imports``/``balance`` and their ``_baseline`` (year; USD). The balance is
        US exports to Vietnam minus US imports from Vietnam.

    Notes
    -----
    Prices move with tariffs in the year they apply (full pass-through); quantities close a
    share λ of the log gap to the long run each year; commitments are added after the price
    response and are not subject to λ.
    """
    return run(baseline, [scenario], squeeze=True)


def run(baseline: xr.Dataset, scenarios: Sequence[Scenario], draws: xr.Dataset | None = None,
        labels: Sequence[str] | None = None, keep: Sequence[str] | None = None, *,
        squeeze: bool = False, products: Sequence[int] | np.ndarray | None = None,
        detail: Sequence[int] | np.ndarray | None = None) -> xr.Dataset:
    """Evaluate many scenarios (and Monte Carlo draws) in one vectorised pass.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline.
    scenarios : sequence of Scenario
        Sharing base year and horizon.
    draws : Dataset, optional
        Dim ``draw`` and any of ``sigma``, ``eta``, ``adjustment``, ``nest_ratio`` with dims
        (draw, importer, product) or a broadcastable subset; they replace the baseline's
        values, and a scenario's ``[elasticities]`` overrides still win.
    labels : sequence of str, optional
        ``scenario`` coordinate (default: the scenario names).
    keep : sequence of str, optional
        Only these variables. When they are all in :data:`TOTALS` (and ``value`` with
        ``detail``) and the model is CES with full pass-through, the import price index is
        evaluated on the active cells only (:mod:`tradesim.model.sparse`) and demand,
        adjustment and commitments for the bilateral flows alone (and any re-routing
        sources), which is what large Monte Carlo sweeps need.
    squeeze : bool
        One scenario: return it without the ``scenario`` dimension (as :func:`simulate`).
    products : sequence of int, optional
        Evaluate only these positions of the product axis (sorted, unique). Each product's
        markets clear on their own, so their values equal the full run's; measures, commitments
        and overrides are still resolved on the whole axis. Totals then cover these products
        only.
    detail : sequence of int, optional
        With ``keep`` in :data:`TOTALS` plus ``"value"``: ``value`` for every importer and
        exporter of these product positions (sorted, unique) beside totals over every product,
        in the same reduced pass.

    Returns
    -------
    Dataset
        The variables of :func:`simulate` with leading dims ``scenario`` (and ``draw`` when
        draws are given).
    """
    return prepare(baseline, scenarios, labels, products).run(draws, keep, squeeze=squeeze,
                                                              detail=detail)


def prepare(baseline: xr.Dataset, scenarios: Sequence[Scenario],
            labels: Sequence[str] | None = None,
            products: Sequence[int] | np.ndarray | None = None) -> Batch:
    """Everything of a batch that does not depend on the elasticities, built once.

    Tariff paths, commitments, overrides, the baseline projection and (on first use) the
    active cells of the price index; :meth:`Batch.run` then evaluates any number of draw
    chunks on it. Arguments as :func:`run`.
    """
    if not scenarios:
        raise ScheduleError("run() needs at least one scenario")
    first = scenarios[0]
    for s in scenarios:
        if (s.base_year, s.horizon) != (first.base_year, first.horizon):
            raise ScheduleError(f"scenario {s.name!r} runs {s.base_year}-{s.horizon}, not "
                                f"{first.base_year}-{first.horizon}: a batch shares its years")
    if first.base_year != int(baseline.attrs.get("base_year", first.base_year)):
        raise ScheduleError(f"scenario base_year {first.base_year} differs from the "
                            f"baseline's {baseline.attrs.get('base_year')}")
    labels = list(labels) if labels is not None else [s.name for s in scenarios]
    if len(labels) != len(scenarios) or len(set(labels)) != len(labels):
        raise ScheduleError("scenario labels must be unique, one per scenario")
    methods = {s.method for s in scenarios}
    if len(methods) > 1:
        raise ScheduleError(f"scenarios in one batch must share a method, got {sorted(methods)}")
    return Batch(baseline, list(scenarios), labels, products)


class Batch:
    """Scenarios on a baseline, prepared for :meth:`run` (see :func:`prepare`)."""

    def __init__(self, baseline: xr.Dataset, scenarios: list[Scenario], labels: list[str],
                 products: Sequence[int] | np.ndarray | None = None) -> None:
        first = scenarios[0]
        self.scenarios, self.labels, self.first = scenarios, labels, first
        self.years = years = np.arange(first.base_year, first.horizon + 1)
        axis = schedule.axis_of(baseline)
        cube = lambda da: _ordered(da, MARKET_DIMS)  # noqa: E731
        self.paths = lambda da: _ordered(da, (YEAR, *MARKET_DIMS))  # noqa: E731
        t1 = schedule.tariff_paths(baseline, scenarios, axis)  # (S, T, I, E, P)
        deals = [schedule.commitment_path(baseline, s, axis) for s in scenarios]
        over = [schedule.overrides(baseline, s, axis) for s in scenarios]
        demand = [schedule.demand_path(baseline, s, axis) for s in scenarios]
        if products is not None:  # the model is separable by product: cut every product axis
            cols = np.asarray(products, dtype=int)
            if cols.size == 0 or np.any(np.diff(cols) <= 0):
                raise ScheduleError("products must be sorted, unique positions of the product "
                                    "axis")
            t1 = t1[..., cols]
            deals = [d.isel({PRODUCT: cols}) for d in deals]
            over = [{k: v if k == "omega_exporter" else (v[0][cols], v[1][cols])
                     for k, v in o.items()} for o in over]
            demand = [None if d is None else (d[0][..., cols], d[1][..., cols])
                      for d in demand]
            baseline = baseline.isel({PRODUCT: cols})
        self.cut = None if products is None else np.asarray(products, dtype=int)
        self.baseline, self.deals, self.over = baseline, deals, over
        growth = np.stack([_with_override(cube(baseline["growth"]), o.get("growth"))
                           for o in over])
        self.central = {p: _ordered(baseline[p], (IMPORTER, PRODUCT)) for p in PARAMS}
        self.nest_ratio = _nest_ratio(baseline)
        params = self._params({})
        self.arrays = response.market_arrays(
            cube(baseline["value"]), cube(baseline["tariff"]), growth, t1,
            (years - first.base_year).astype(float), **params,
            nest=baseline["nest"].transpose(IMPORTER, EXPORTER).to_numpy()
            if "nest" in baseline else None,
            share_trend=cube(baseline["share_trend"]) if "share_trend" in baseline else None,
            persistence=baseline["trend_persistence"].to_numpy()
            if "trend_persistence" in baseline else None,
            demand=demand,
            anchor=(cube(baseline["anchor"]),
                    int(baseline.attrs["anchor_year"]) - first.base_year)
            if "anchor" in baseline else None)
        self._active: sparse.Active | None = None
        self._memo: dict[tuple[str, Any], Any] = {}

    def _params(self, drawn: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """σ, η, λ, ω and σ_N (S, D, 1, I, 1, P) for draws ``drawn`` (D, I, P) and the
        scenarios' overrides (which win)."""
        over = self.over
        params = {p: response.compose(self.central[p], drawn.get(p), [o.get(p) for o in over])
                  for p in PARAMS}
        params["omega"] = _omega_cells(self.baseline, params["omega"], over)
        # σ_N = σ × nest_ratio: a scenario's or a draw's σ carries the nest premium with it
        nest_ratio = response.compose(self.nest_ratio, drawn.get("nest_ratio"),
                                      [o.get("nest_ratio") for o in over])
        params["sigma_nest"] = params["sigma"] * nest_ratio
        return params

    @property
    def active(self) -> sparse.Active:
        """The price index's active cells (built on first use; draw-independent)."""
        if self._active is None:
            a = self.arrays
            nest = a.nest if a.nest is not None and a.nest.any() else None
            self._active = sparse.active_cells(a.projected * (1.0 + a.t0),
                                               np.log1p(a.t1) - np.log1p(a.t0), nest)
        return self._active

    def _drawn(self, draws: xr.Dataset | None) -> tuple[response.MarketArrays, bool]:
        """The batch's arrays with the draws' parameters, and whether the anchor year must be
        kept observed per draw (draws or elasticity overrides on an anchored baseline)."""
        if self.cut is not None and draws is not None and PRODUCT in draws.dims:
            draws = draws.isel({PRODUCT: self.cut})
        drawn = _draws(self.baseline, draws)
        a = self.arrays._replace(**self._params(drawn))
        anchored = "anchor_tariff" in self.baseline and self._reducible(a) and bool(
            drawn or any(o.get(k) is not None for o in self.over
                         for k in (*PARAMS, "nest_ratio")))
        return a, anchored

    def _reducible(self, a: response.MarketArrays) -> bool:
        """CES with full pass-through: the model the reduced pass evaluates."""
        return self.first.method == "ces" and bool(np.isinf(a.omega).all())

    def reduced(self, draws: xr.Dataset | None = None,
                detail: Sequence[int] | np.ndarray | None = None,
                ) -> dict[str, np.ndarray] | None:
        """The reduced pass of :func:`run` as plain arrays, for sweeps: each of
        :data:`TOTALS` (S, D, T), and ``value`` (S, D, T, I, E, P') of the ``detail``
        products; restated on Vietnamese statistics when the scenarios say so. None when the
        batch is not CES with full pass-through (use :meth:`run`)."""
        a, anchored = self._drawn(draws)
        if not self._reducible(a):
            return None
        out = self._reduced(a, anchored, detail)
        if self.first.basis == "vn":
            ratio = _mirror_ratios(self.baseline)
            for suffix in ("", "_baseline"):
                for flow, r in ratio.items():
                    out[f"{flow}{suffix}"] = out[f"{flow}{suffix}"] * r
                out[f"balance{suffix}"] = out[f"exports{suffix}"] - out[f"imports{suffix}"]
        return out

    def run(self, draws: xr.Dataset | None = None, keep: Sequence[str] | None = None, *,
            squeeze: bool = False, detail: Sequence[int] | np.ndarray | None = None,
            ) -> xr.Dataset:
        """Evaluate the batch for ``draws`` (arguments and result as :func:`run`)."""
        baseline, scenarios, first, years = self.baseline, self.scenarios, self.first, self.years
        if squeeze and len(scenarios) != 1:
            raise ScheduleError(f"squeeze=True takes one scenario, got {len(scenarios)}")
        a, anchored = self._drawn(draws)
        rate = a.adjustment[:, :, 0]  # (S, D, I, 1, P): one slice of the year axis
        keep = None if keep is None else list(keep)
        lean = set(TOTALS) | ({"value"} if detail is not None else set())
        if detail is not None and (keep is None or not set(keep) <= lean):
            raise ScheduleError(f"detail= needs keep within {sorted(lean)}")
        if keep is not None and set(keep) <= lean and self._reducible(a):
            return self._lean(self._reduced(a, anchored, detail), a, keep, draws, squeeze,
                              detail)
        correction = None
        if anchored:
            none: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(scenarios)
            base = {p: response.compose(self.central[p], None, none)
                    for p in ("sigma", "eta", "adjustment")}
            nest = base["sigma"] * response.compose(self.nest_ratio, None, none)
            first_offset = int(baseline.attrs["anchor_year"]) - first.base_year
            c = response.anchor_correction(a, first_offset,
                                           _ordered(baseline["anchor_tariff"], MARKET_DIMS),
                                           (base["sigma"], base["eta"], base["adjustment"],
                                            nest))
            if c is not None:
                correction = _Correction(c, years - first.base_year >= first_offset)
        r = response.respond(a, first.method)
        if correction is not None:  # values and baseline from the anchor year on, per draw
            a = a._replace(projected=correction.apply(a.projected))
        priced = a.projected * np.exp(kernels.adjust(np.log(r.ratio), rate, axis=2))
        priced, rerouted = _reroute(list(baseline.indexes[IMPORTER]),
                                    list(baseline.indexes[EXPORTER]), scenarios, a, priced)
        if any(s.commitments for s in scenarios):
            paths = self.paths
            added = _stack([paths(d["added"]) for d in self.deals])[:, None]
            taken = np.minimum(_stack([paths(d["displace"]) for d in self.deals])[:, None],
                               priced)
            value, commitment = priced + added - taken, added - taken
        else:  # nothing added or displaced: the same numbers without three passes over cells
            value, commitment = priced, np.zeros(())
        lead = (*((SCENARIO,) if not squeeze else ()), *((DRAW,) if draws is not None else ()))
        result = _result(baseline, first, years, self.labels, a, r, value, commitment,
                         rerouted, lead)
        if keep is not None:
            result = result[keep]
        if draws is not None and DRAW in draws.coords:
            result = result.assign_coords({DRAW: draws[DRAW].to_numpy()})
        return result

    def _reduced(self, a: response.MarketArrays, anchored: bool,
                 detail: Sequence[int] | np.ndarray | None) -> dict[str, np.ndarray]:
        """Totals (S, D, T) on US statistics and ``value`` (S, D, T, I, E, P') of the
        ``detail`` products, from the active-cell price index and the cells asked for only."""
        prods = None
        if detail is not None:
            prods = np.asarray(detail, dtype=int)
            if prods.size == 0 or np.any(np.diff(prods) <= 0):
                raise ScheduleError("detail must be sorted, unique positions of the product "
                                    "axis")
        cells = self._output_cells(None if prods is None else tuple(prods.tolist()))
        value, baseline = self._evaluate(cells, a, a.adjustment[:, :, 0], anchored)
        out = {}
        for suffix, of in (("", lambda rows: value[rows]), ("_baseline", baseline)):
            # the same sums of (C, S, T, D) rows: a zero shock gives the baseline to the bit
            for flow, rows in (("exports", cells.exports), ("imports", cells.imports)):
                out[f"{flow}{suffix}"] = of(rows).sum(axis=0).transpose(0, 2, 1)  # (S, D, T)
            out[f"balance{suffix}"] = out[f"exports{suffix}"] - out[f"imports{suffix}"]
        if prods is not None:
            n_i, n_e = self.baseline.sizes[IMPORTER], self.baseline.sizes[EXPORTER]
            block = np.zeros((n_i * n_e * prods.size, *value.shape[1:]))
            block[cells.detail_at] = value[cells.detail]
            block = block.reshape(n_i, n_e, prods.size, *value.shape[1:])
            out["value"] = block.transpose(3, 5, 4, 0, 1, 2)
        return out

    def _lean(self, arrays: dict[str, np.ndarray], a: response.MarketArrays,
              keep: list[str], draws: xr.Dataset | None, squeeze: bool,
              detail: Sequence[int] | np.ndarray | None) -> xr.Dataset:
        """The reduced pass's arrays as the Dataset :func:`run` returns."""
        baseline, first = self.baseline, self.first
        # every total: the Vietnamese restatement needs exports and imports for the balance
        result = xr.Dataset({k: ((SCENARIO, DRAW, YEAR), arrays[k]) for k in TOTALS},
                            coords={SCENARIO: self.labels, DRAW: np.arange(a.sigma.shape[1]),
                                    YEAR: self.years})
        _describe(result, baseline, first)
        if first.basis == "vn":
            _to_vietnamese_statistics(result, baseline)
        if "value" in arrays and "value" in keep and detail is not None:
            result["value"] = ((SCENARIO, DRAW, YEAR, *MARKET_DIMS), arrays["value"])
            result = result.assign_coords({
                IMPORTER: baseline.indexes[IMPORTER], EXPORTER: baseline.indexes[EXPORTER],
                PRODUCT: baseline.indexes[PRODUCT][np.asarray(detail, dtype=int)]})
            result["value"].attrs.update(units="USD", description=_DOCS["value"][1])
        result = result[keep]
        result = _with_draws(result, draws)
        return result.isel(scenario=0, drop=True) if squeeze else result

    def _output_cells(self, detail: tuple[int, ...] | None) -> _Cells:
        """The cells the reduced pass evaluates (cached per ``detail``): the bilateral flows,
        re-routing sources and hub in the US market, and every cell of the ``detail``
        products; only cells with trade, a commitment or a part in re-routing (every other
        cell stays exactly 0)."""
        key = ("cells", detail)
        if key in self._memo:
            return self._memo[key]
        a, baseline = self.arrays, self.baseline
        importers = list(baseline.indexes[IMPORTER])
        exporters = list(baseline.indexes[EXPORTER])
        n_i, n_e, n_p = a.projected.shape[-3:]
        want = np.zeros((n_i, n_e, n_p), dtype=bool)
        for imp, exp in ((US, VN), (VN, US)):
            if imp in importers and exp in exporters:
                want[importers.index(imp), exporters.index(exp)] = True
        rules = [s.transshipment for s in self.scenarios if s.transshipment is not None]
        involved = np.zeros_like(want)
        if rules and US in importers:
            for c in (*rules[0].sources, rules[0].via):
                if c in exporters:
                    involved[importers.index(US), exporters.index(c)] = True
        if detail is not None:
            want[..., list(detail)] = True
        used = (a.projected > 0).any(axis=(0, 1, 2)) | involved
        if any(s.commitments for s in self.scenarios):
            for d in self.deals:
                used |= (self.paths(d["added"]) != 0).any(axis=0)
                used |= (self.paths(d["displace"]) != 0).any(axis=0)
        flat = np.flatnonzero((want | involved) & used)
        i, rest = np.divmod(flat, n_e * n_p)
        e, p = np.divmod(rest, n_p)
        at = np.full(n_i * n_e * n_p, -1)
        at[flat] = np.arange(flat.size)

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
        added = shed = None
        if any(s.commitments for s in self.scenarios):
            added = rows(np.stack([self.paths(d["added"]) for d in self.deals])[:, None])
            shed = rows(np.stack([self.paths(d["displace"]) for d in self.deals])[:, None])
        log_price = np.log1p(a.t1) - np.log1p(a.t0)
        reroute = None
        if rules and US in importers:
            rule = rules[0]
            us = importers.index(US)
            src = [at[(us * n_e + exporters.index(c)) * n_p + np.arange(n_p)]
                   for c in rule.sources if c in exporters]
            hub = at[(us * n_e + exporters.index(rule.via)) * n_p + np.arange(n_p)]
            share = np.array([0.0 if s.transshipment is None else s.transshipment.origin_switching
                              for s in self.scenarios])
            reroute = (np.stack(src), hub, share)
        out = _Cells(flat, i * n_p + p, gather(a.nest if a.nest is not None else
                                             np.zeros((n_i, n_e, 1), dtype=bool)),
                     rows(log_price), rows(a.projected), rows(a.t1), added, shed,
                     pair(VN, US), pair(US, VN), detail_cells, detail_at, reroute)
        self._memo[key] = out
        return out

    def _evaluate(self, cells: _Cells, a: response.MarketArrays, rate: np.ndarray,
                  anchored: bool,
                  ) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Values (C, S, T, D) of ``cells`` (draws innermost) and a function giving the
        no-change projection of some of them (rows -> (*rows, S, T, D)): the long-run demand
        gap on the active-cell price indices, partial adjustment, the per-draw anchor factors
        (``anchored``), re-routing and commitments."""
        nested = a.nested and a.sigma_nest is not None and a.nest is not None
        index, nest_index = sparse.log_indices(self.active, a.sigma,
                                               a.sigma_nest if nested else None)
        params = self._per_cell(cells, a, nested)
        gap = _gap(index, nest_index if nested else None, cells.market, cells.log_price,
                   *params, cells.nest)
        lam = _per_cell(rate[:, :, None], cells.market)[:, :, 0]  # (C, S, D)
        keep = 1.0 - lam
        for t in range(gap.shape[2]):  # partial adjustment, in place: λ y*_t + (1 − λ) y_(t−1)
            now = gap[:, :, t]
            now *= lam
            if t:
                now += keep * gap[:, :, t - 1]
        first = int(self.baseline.attrs["anchor_year"]) - self.first.base_year \
            if anchored else 0
        # λ gap in the anchor year, the drawn part of the anchor factor, when the batch's
        # tariffs in that year are the anchor regime's (and the base year moves none)
        own_year = gap[:, :, first, None].copy() if anchored and self._is_regime(a) else None
        value = np.exp(gap, out=gap)
        value *= cells.projected
        factor = None
        if anchored:  # keep the anchor year observed under every draw
            factor = self._anchor_factor(cells, a, (*params, lam[:, :, None]), nested,
                                         own_year)
            if factor is not None:
                value[:, :, first:] *= factor

        def baseline(rows: np.ndarray) -> np.ndarray:  # the no-change path of some cells
            out = np.broadcast_to(cells.projected[rows], (*rows.shape, *value.shape[1:]))
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

    def _per_cell(self, cells: _Cells, a: response.MarketArrays,
                  nested: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """σ, η and σ_N (None: no nest) per cell, (C, S, 1, D)."""
        return (_per_cell(a.sigma, cells.market), _per_cell(a.eta, cells.market),
                _per_cell(a.sigma_nest, cells.market)
                if nested and a.sigma_nest is not None else None)

    def _is_regime(self, a: response.MarketArrays) -> bool:
        """Whether every scenario's tariffs in the anchor year are the anchor regime's and
        the base year moves none (the regime's first-year gap is then the batch's own)."""
        key: tuple[str, Any] = ("is-regime", None)
        if key not in self._memo:
            first = int(self.baseline.attrs["anchor_year"]) - self.first.base_year
            tariff = _ordered(self.baseline["anchor_tariff"], MARKET_DIMS)
            self._memo[key] = bool(
                first == 1 and np.array_equal(a.t1[:, 0, 0], np.broadcast_to(
                    a.t0, a.t1[:, 0, 0].shape))
                and np.array_equal(a.t1[:, 0, first], np.broadcast_to(
                    tariff, a.t1[:, 0, first].shape)))
        return bool(self._memo[key])

    def _anchor_factor(self, cells: _Cells, a: response.MarketArrays,
                       params: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
                       nested: bool, own_year: np.ndarray | None = None) -> np.ndarray | None:
        """``c = exp(λ_c gap_c − λ_d gap_d)`` (C, S, 1, D) of
        :func:`tradesim.model.response.anchor_correction`, on the cells only (its price
        indices on the regime's active cells); None when the regime moves no tariff.
        ``params``: the draws' σ, η, σ_N (or None) and λ per cell, (C, S, 1, D);
        ``own_year``: ``λ_d gap_d`` when the batch already has it (see :meth:`_is_regime`)."""
        first = int(self.baseline.attrs["anchor_year"]) - self.first.base_year
        if first != 1:
            raise ScheduleError(f"keeping the anchor year observed needs it right after the "
                                f"base year (offset {first})")
        key: tuple[str, Any] = ("anchor", None)
        if key not in self._memo:
            tariff = _ordered(self.baseline["anchor_tariff"], MARKET_DIMS)
            if not (tariff != a.t0).any():
                self._memo[key] = None
            else:
                log_price = np.log1p(tariff) - np.log1p(a.t0)
                weights = a.projected[:, :, first:first + 1] * (1.0 + a.t0)
                nest = a.nest if a.nest is not None and a.nest.any() else None
                regime = sparse.active_cells(weights, np.broadcast_to(log_price,
                                                                      weights.shape), nest)
                self._memo[key] = (regime, log_price)
        memo = self._memo[key]
        if memo is None:
            return None
        regime, log_price = memo
        lp = np.broadcast_to(log_price.reshape(-1)[cells.flat][:, None, None, None],
                             (cells.flat.size, regime.shape[0], 1, 1))

        def first_year(sigma: np.ndarray, sigma_nest: np.ndarray | None,
                       per: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
                       ) -> np.ndarray:  # λ gap in the anchor year, (C, S, 1, D)
            index, nest_index = sparse.log_indices(regime, sigma, sigma_nest)
            gap = _gap(index, None if sigma_nest is None else nest_index, cells.market, lp,
                       *per[:3], cells.nest)
            return per[3] * gap

        key = ("anchor-central", (id(cells), nested))  # the baseline's own parameters
        if key not in self._memo:
            none: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(self.scenarios)
            base = {p: response.compose(self.central[p], None, none)
                    for p in ("sigma", "eta", "adjustment")}
            nest = (base["sigma"] * response.compose(self.nest_ratio, None, none)
                    if nested else None)
            at = cells.market
            self._memo[key] = first_year(base["sigma"], nest, (
                _per_cell(base["sigma"], at), _per_cell(base["eta"], at),
                None if nest is None else _per_cell(nest, at),
                _per_cell(base["adjustment"], at)))
        drawn = own_year if own_year is not None else first_year(
            a.sigma, a.sigma_nest if nested else None, params)
        return np.exp(self._memo[key] - drawn)


class _Cells(NamedTuple):
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


def _per_cell(x: np.ndarray, market: np.ndarray) -> np.ndarray:
    """A market parameter (S, D, 1, I, 1, P) at each cell's market: (C, S, 1, D)."""
    flat = x.reshape(*x.shape[:2], -1)[..., market]  # (S, D, C)
    return np.ascontiguousarray(flat.transpose(2, 0, 1))[:, :, None, :]


def _gap(index: np.ndarray, nest_index: np.ndarray | None, market: np.ndarray,
         log_price: np.ndarray, sigma: np.ndarray, eta: np.ndarray,
         sigma_nest: np.ndarray | None, nest: np.ndarray) -> np.ndarray:
    """Long-run ``ln d`` (C, S, T, D) of :func:`tradesim.model.kernels.nested_log_gap` for
    cells in markets ``market`` (C,), from the market rows ``index`` and ``nest_index``
    (I·P, S, T, D) of :func:`tradesim.model.sparse.log_indices`: ``(σ − η) ln P − σ ln p``,
    plus ``(σ_N − σ)(ln P_N − ln p)`` in the nest."""
    gap = index[market]
    gap *= sigma - eta
    gap -= sigma * log_price
    if sigma_nest is not None and nest_index is not None and nest.any():
        rows = np.flatnonzero(nest)
        gap[rows] += (sigma_nest[rows] - sigma[rows]) * (nest_index[market[rows]]
                                                         - log_price[rows])
    return gap


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.stack(arrays)``, without the copy when there is one array."""
    return arrays[0][None] if len(arrays) == 1 else np.stack(arrays)


def _ordered(da: xr.DataArray, dims: tuple[str, ...]) -> np.ndarray:
    """The values of ``da`` with its dims in ``dims`` order (no transpose when they are)."""
    var = da.variable
    return var.to_numpy() if var.dims == dims else var.transpose(*dims).to_numpy()


class _Correction(NamedTuple):
    """Per-draw anchor factors (S, D, I, E, P) and the years (T,) they apply to."""

    factor: np.ndarray
    later: np.ndarray

    def apply(self, cells: np.ndarray, cols: np.ndarray | None = None,
              prods: np.ndarray | None = None) -> np.ndarray:
        """``cells`` (S, 1 or D, T, I, E', P') scaled from the anchor year on; ``cols`` and
        ``prods``: the exporters and products ``cells`` holds (None: all)."""
        factor = self.factor if cols is None else self.factor[..., cols, :]
        factor = (factor if prods is None else factor[..., prods])[:, :, None]
        return np.where(self.later[:, None, None, None], cells * factor, cells)


def _with_draws(result: xr.Dataset, draws: xr.Dataset | None) -> xr.Dataset:
    """Drop the draw axis of a batch without draws; label it with the draws' coordinate."""
    if draws is None:
        return result.isel(draw=0, drop=True)
    if DRAW in draws.coords:
        return result.assign_coords({DRAW: draws[DRAW].to_numpy()})
    return result


def _reroute(importers: list[str], exporters: list[str], scenarios: Sequence[Scenario],
             a: response.MarketArrays, priced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Origin switching: move a share of sources' lost US sales to the hub while it is cheaper.

    Returns the new values and the re-routed amount (S, D, T, P), USD.
    """
    rules = [s.transshipment for s in scenarios]
    shape = (*priced.shape[:3], priced.shape[-1])
    active = [t for t in rules if t is not None]
    if not active:
        return priced, np.zeros(shape)
    if any((t.sources, t.via) != (active[0].sources, active[0].via) for t in active):
        raise ScheduleError("scenarios in one batch must re-route the same sources via the "
                            "same hub")
    missing = [c for c in (*active[0].sources, active[0].via) if c not in exporters]
    if missing or US not in importers:
        raise ScheduleError(f"transshipment: {missing or [US]} not in this baseline")
    us = importers.index(US)
    src = [exporters.index(c) for c in active[0].sources]
    hub = exporters.index(active[0].via)
    share = np.array([0.0 if t is None else t.origin_switching for t in rules])
    lost = np.maximum(a.projected[..., us, src, :] - priced[..., us, src, :], 0.0)
    tariff = a.t1[..., us, :, :]
    cheaper = tariff[..., [hub], :] < tariff[..., src, :]
    moved = share[:, None, None, None] * (lost * cheaper).sum(axis=-2)
    out = priced.copy()
    out[..., us, hub, :] += moved
    return out, moved


def _omega_cells(baseline: xr.Dataset, omega: np.ndarray,
                 over: list[dict[str, tuple[np.ndarray, np.ndarray]]]) -> np.ndarray:
    """ω per cell (S, D, 1, I, E, P): the exporter's own ω where the baseline's
    ``omega_exporter`` (importer, exporter) or a scenario's supplier key gives one, else the
    product's; stays (S, D, 1, I, 1, P) when no exporter has its own."""
    own = (baseline["omega_exporter"].transpose(IMPORTER, EXPORTER).to_numpy()
           if "omega_exporter" in baseline else None)
    if own is None and not any("omega_exporter" in o for o in over):
        return omega
    n_e = baseline.sizes[EXPORTER]
    cells = np.repeat(omega, n_e, axis=-2)
    if own is not None:
        cells = np.where(np.isnan(own)[..., None], cells, own[..., None])
    for s, o in enumerate(over):
        if "omega_exporter" in o:
            mask, value = o["omega_exporter"]
            cells[s] = np.where(mask[:, None], value[:, None], cells[s])
    return cells


def _nest_ratio(baseline: xr.Dataset) -> np.ndarray:
    """σ_N / σ by importer and product (I, P); 1 (no nest premium) without ``sigma_nest``."""
    sigma = _ordered(baseline["sigma"], (IMPORTER, PRODUCT))
    if "sigma_nest" not in baseline:
        return np.ones_like(sigma)
    return _ordered(baseline["sigma_nest"], (IMPORTER, PRODUCT)) / sigma


def _with_override(base: np.ndarray, item: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Growth (I, E, P) after a per-product override."""
    if item is None:
        return base
    mask, value = item
    return np.where(mask, value, base)


def _draws(baseline: xr.Dataset, draws: xr.Dataset | None) -> dict[str, np.ndarray]:
    """Per-draw parameter arrays (D, I, P), broadcast against the baseline's labels."""
    if draws is None:
        return {}
    unknown = set(draws.data_vars) - set(PARAMS) - {"nest_ratio"}
    if unknown:
        raise ScheduleError(f"draws may vary {(*PARAMS, 'nest_ratio')}, not "
                            f"{sorted(map(str, unknown))}")
    if DRAW not in draws.dims:
        raise ScheduleError("draws need a 'draw' dimension")
    template = baseline["sigma"].expand_dims({DRAW: draws.sizes[DRAW]})
    shape = (draws.sizes[DRAW], baseline.sizes[IMPORTER], baseline.sizes[PRODUCT])
    out = {}
    for name, da in draws.data_vars.items():
        if da.dims == (DRAW, IMPORTER, PRODUCT) and all(
                d in da.indexes and da.indexes[d].equals(baseline.indexes[d])
                for d in (IMPORTER, PRODUCT)):
            values = np.broadcast_to(da.to_numpy(), shape)  # labels already the baseline's
        else:
            values = da.broadcast_like(template).transpose(DRAW, IMPORTER, PRODUCT).to_numpy()
        if not np.isfinite(values).all():
            raise ScheduleError(f"draws of {name} hold NaN or inf (check labels match)")
        out[str(name)] = values
    return out


def _result(baseline: xr.Dataset, scenario: Scenario, years: np.ndarray, labels: list[str],
            a: response.MarketArrays, r: response.Response, value: np.ndarray,
            commitment: np.ndarray, rerouted: np.ndarray,
            lead: tuple[str, ...] = (SCENARIO, DRAW)) -> xr.Dataset:
    """Wrap the arrays (S, D, T, ...) in a labelled Dataset (built once, no transposes) with
    units, descriptions and the balance; ``lead`` keeps only these of (scenario, draw), the
    others are taken at index 0 (a single scenario, no draws)."""
    cells = (*lead, YEAR, *MARKET_DIMS)
    markets = (*lead, YEAR, IMPORTER, PRODUCT)
    n_draws = value.shape[1]
    shape = value.shape
    fixed = lambda x: np.broadcast_to(x, shape)  # noqa: E731
    duty = a.t1 * value
    duty_base = fixed(a.t0 * a.projected)
    surplus = r.surplus[..., 0, :]
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "value": (cells, value),
        "value_baseline": (cells, fixed(a.projected)),
        "tariff": (cells, fixed(a.t1)),
        "tariff_baseline": (cells, fixed(a.t0)),
        "duty_revenue": (cells, duty),
        "duty_revenue_baseline": (cells, duty_base),
        "commitment": (cells, fixed(commitment)),
        "price_index": (markets, r.index[..., 0, :]),
        "buyers_surplus": (markets, surplus),
        "world_price": (cells, fixed(r.world_price)),
        "pass_through": (cells, fixed(r.pass_through)),
        "suppliers_surplus": (cells, fixed(r.suppliers_surplus)),
        "welfare": ((*lead, YEAR, IMPORTER),
                    surplus.sum(axis=-1) + (duty - duty_base).sum(axis=(-2, -1))),
        "rerouted": ((*lead, YEAR, PRODUCT), rerouted),
    }
    if r.smart_welfare is not None:
        data["smart_welfare"] = (markets, r.smart_welfare[..., 0, :])
    exporters = list(baseline.indexes[EXPORTER])
    importers = list(baseline.indexes[IMPORTER])
    for suffix, cube in (("", value), ("_baseline", fixed(a.projected))):
        exports = _bilateral(cube, importers, exporters, VN, US)
        imports = _bilateral(cube, importers, exporters, US, VN)
        data[f"exports{suffix}"] = ((*lead, YEAR), exports)
        data[f"imports{suffix}"] = ((*lead, YEAR), imports)
        data[f"balance{suffix}"] = ((*lead, YEAR), exports - imports)
    index = (slice(None) if SCENARIO in lead else 0, slice(None) if DRAW in lead else 0)
    data = {k: (dims, values[index]) for k, (dims, values) in data.items()}
    coords = {**({SCENARIO: labels} if SCENARIO in lead else {}),
              **({DRAW: np.arange(n_draws)} if DRAW in lead else {}), YEAR: years,
              **{d: baseline.indexes[d] for d in MARKET_DIMS},
              **{c: baseline[c].variable for c in ("name", "kind", "chapter")
                 if c in baseline.coords}}
    result = xr.Dataset(data, coords=coords)
    result.attrs.update(solver_iterations=r.iterations, solver_max_residual=r.max_residual)
    _describe(result, baseline, scenario)
    if scenario.basis == "vn":
        _to_vietnamese_statistics(result, baseline)
    return result


def _mirror_ratios(baseline: xr.Dataset) -> dict[str, float]:
    """Vietnamese ÷ US statistics of each bilateral flow in the base year."""
    if "mirror_imports_ratio" not in baseline.attrs:
        raise ScheduleError("basis = 'vn' needs Vietnamese totals for the base year; this "
                            "baseline has none (use basis = 'us')")
    return {"exports": float(baseline.attrs["mirror_exports_ratio"]),
            "imports": float(baseline.attrs["mirror_imports_ratio"])}


def _to_vietnamese_statistics(result: xr.Dataset, baseline: xr.Dataset) -> None:
    """Restate the bilateral totals on Vietnamese customs statistics (mirror ratios)."""
    to_vn = _mirror_ratios(baseline)
    for suffix in ("", "_baseline"):
        for flow, ratio in to_vn.items():
            result[f"{flow}{suffix}"] = result[f"{flow}{suffix}"] * ratio
        result[f"balance{suffix}"] = result[f"exports{suffix}"] - result[f"imports{suffix}"]
    basis = (f"Vietnamese customs statistics: US totals scaled by base-year mirror ratios "
             f"(VN imports from US / US exports to VN = {to_vn['exports']:.3f}; VN exports to "
             f"US / US imports from VN = {to_vn['imports']:.3f}; "
             f"{baseline.attrs.get('mirror_source', '')}); product detail stays on US basis")
    for var in ("exports", "imports", "balance"):
        for suffix in ("", "_baseline"):
            result[f"{var}{suffix}"].attrs.update(
                units="USD", basis=basis, description=_DOCS[var][1] + " (Vietnamese statistics)")
    result.attrs["basis"] = "vn"


def _bilateral(cube: np.ndarray, importers: list[str], exporters: list[str],
               importer: str, exporter: str) -> np.ndarray:
    """Yearly total of one bilateral flow, USD (zero where the baseline lacks that market)."""
    if importer not in importers or exporter not in exporters:
        return np.zeros(cube.shape[:-3])
    # A contiguous copy fixes the summation order, so a zero shock gives the baseline to the bit.
    flow = np.ascontiguousarray(cube[..., importers.index(importer), exporters.index(exporter),
                                     :])
    return flow.sum(axis=-1)


_DOCS = {
    "value": ("USD", "customs value after the scenario"),
    "value_baseline": ("USD", "baseline projection: base value × (1 + growth)^(year − base) "
                       "(× the anchor factor from the anchor year on, when the baseline has one)"),
    "tariff": ("fraction", "applied ad valorem tariff, day-weighted within the year"),
    "tariff_baseline": ("fraction", "base-year applied tariff"),
    "duty_revenue": ("USD", "tariff × customs value"),
    "duty_revenue_baseline": ("USD", "base tariff × baseline value"),
    "commitment": ("USD", "value added by purchase commitments, net of displaced sales"),
    "price_index": ("1", "import price index, baseline = 1"),
    "buyers_surplus": ("USD", "change in importers' surplus from the price index (long run)"),
    "world_price": ("1", "exporters' world (ex-duty) price, baseline = 1"),
    "pass_through": ("fraction", "share of the own tariff change paid by buyers (1 where the "
                     "tariff does not change)"),
    "suppliers_surplus": ("USD", "change in exporters' surplus V (p*^(1+ω) − 1)/(1+ω)"),
    "welfare": ("USD", "importer's net welfare change: buyers' surplus + duty revenue change"),
    "smart_welfare": ("USD", "WITS SMART's welfare ½ (t0 + t1) × trade creation (DWL0 − DWL1, "
                      "long run; method smart only)"),
    "rerouted": ("USD", "US imports recorded from the transshipment hub that are re-routed "
                 "goods of other origins (included in value)"),
    "exports": ("USD", "US exports to Vietnam"),
    "imports": ("USD", "US imports from Vietnam"),
    "balance": ("USD", "US exports to Vietnam minus US imports from Vietnam"),
}


def _describe(result: xr.Dataset, baseline: xr.Dataset, scenario: Scenario) -> None:
    for var in result.data_vars:
        unit, doc = _DOCS.get(str(var), _DOCS.get(str(var).removesuffix("_baseline"), ("", "")))
        result.variables[var].attrs.update(units=unit, description=doc)
    basis = str(baseline.attrs.get("balance_basis", "as in the supplied baseline"))
    for var in ("balance", "balance_baseline"):
        if var in result:
            result.variables[var].attrs["basis"] = basis
    result.attrs.update(
        scenario=scenario.name, scenario_title=scenario.title, scenario_digest=scenario.digest(),
        scenario_file=scenario.file, base_year=scenario.base_year, horizon=scenario.horizon,
        basis=scenario.basis, method=scenario.method,
        baseline_resolution=str(baseline.attrs.get("resolution", "")),
        baseline_source=str(baseline.attrs.get("source", "")),
    )
    priced = [f"{c.id}: {c.price_note}" for c in scenario.commitments if c.item]
    if priced:  # commitments bought as catalogue items: the value and its assumption
        result.attrs["commitment_items"] = " | ".join(priced)

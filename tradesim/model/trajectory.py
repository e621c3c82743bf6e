"""Years: baseline growth, pro-rated measures, partial adjustment and commitments (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from tradesim.dims import DRAW, EXPORTER, IMPORTER, MARKET_DIMS, PRODUCT, SCENARIO, US, VN, YEAR
from tradesim.errors import ScheduleError
from tradesim.model import kernels, response, sparse
from tradesim.model import reduced as reduced_pass  # Batch.reduced is a method
from tradesim.scenario import schedule
from tradesim.scenario.parse import Scenario, Transshipment

__all__ = ["TOTALS", "Batch", "prepare", "reducible", "run", "simulate"]

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
        in the same reduced pass (off it, by the full run).

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


def reducible(baseline: xr.Dataset, scenarios: Sequence[Scenario]) -> bool:
    """Whether the reduced pass (:mod:`tradesim.model.reduced`) evaluates these scenarios:
    method CES with full pass-through, ω = ∞ in the baseline (its products' ω and its
    exporters' own) and in every scenario's ω overrides. Draws never change ω."""
    own = (baseline.variables["omega_exporter"].to_numpy() if "omega_exporter" in baseline
           else np.inf)
    return (all(s.method == "ces" for s in scenarios)
            and bool(np.isinf(baseline.variables["omega"].to_numpy()).all())
            and bool((np.isnan(own) | np.isinf(own)).all())
            and all(np.isinf(value) for s in scenarios for name, pairs in s.elasticities
                    if name == "omega" for _, value in pairs))


class Batch:
    """Scenarios on a baseline, prepared for :meth:`run` (see :func:`prepare`)."""

    def __init__(self, baseline: xr.Dataset, scenarios: list[Scenario], labels: list[str],
                 products: Sequence[int] | np.ndarray | None = None) -> None:
        first = scenarios[0]
        self.scenarios, self.labels, self.first = scenarios, labels, first
        self.years = years = np.arange(first.base_year, first.horizon + 1)
        axis = schedule.axis_of(baseline)
        cube = lambda name: _array(baseline, name, MARKET_DIMS)  # noqa: E731
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
        growth = np.stack([_with_override(cube("growth"), o.get("growth"))
                           for o in over])
        self.central = {p: _array(baseline, p, (IMPORTER, PRODUCT)) for p in PARAMS}
        self.nest_ratio = _nest_ratio(baseline)
        params = self._params({})
        self.arrays = response.market_arrays(
            cube("value"), cube("tariff"), growth, t1,
            (years - first.base_year).astype(float), **params,
            nest=_array(baseline, "nest", (IMPORTER, EXPORTER))
            if "nest" in baseline else None,
            share_trend=cube("share_trend") if "share_trend" in baseline else None,
            persistence=baseline.variables["trend_persistence"].to_numpy()
            if "trend_persistence" in baseline else None,
            demand=demand,
            anchor=(cube("anchor"),
                    int(baseline.attrs["anchor_year"]) - first.base_year)
            if "anchor" in baseline else None)
        self._active: sparse.Active | None = None
        self._memo: dict[tuple[str, Any], Any] = {}
        self.reducible = reducible(baseline, scenarios)

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
        anchored = "anchor_tariff" in self.baseline and self.reducible and bool(
            drawn or any(o.get(k) is not None for o in self.over
                         for k in (*PARAMS, "nest_ratio")))
        return a, anchored

    def reduced(self, draws: xr.Dataset | None = None,
                detail: Sequence[int] | np.ndarray | None = None,
                ) -> dict[str, np.ndarray] | None:
        """The reduced pass of :func:`run` as plain arrays, for sweeps: each of
        :data:`TOTALS` (S, D, T), and ``value`` (S, D, T, I, E, P') of the ``detail``
        products; restated on Vietnamese statistics when the scenarios say so. None when the
        batch is not CES with full pass-through (use :meth:`run`)."""
        a, anchored = self._drawn(draws)
        if not self.reducible:
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
        if keep is not None and set(keep) <= lean and self.reducible:
            return self._lean(self._reduced(a, anchored, detail), a, keep, draws, squeeze,
                              detail)
        correction = None
        if anchored:
            first_offset = int(baseline.attrs["anchor_year"]) - first.base_year
            c = response.anchor_correction(a, first_offset,
                                           _array(baseline, "anchor_tariff", MARKET_DIMS),
                                           self._own_parameters())
            if c is not None:
                correction = _Correction(c, years - first.base_year >= first_offset)
        r = response.respond(a, first.method)
        if correction is not None:  # values and baseline from the anchor year on, per draw
            a = a._replace(projected=correction.apply(a.projected))
        priced = a.projected * np.exp(kernels.adjust(r.log_ratio, rate, axis=2))
        priced, rerouted = _reroute(_labels(baseline, IMPORTER), _labels(baseline, EXPORTER),
                                    scenarios, a, priced)
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
        if detail is not None:  # off the reduced pass: the same outputs, from the full run
            result = result.isel({PRODUCT: np.asarray(detail, dtype=int)})
        if draws is not None and DRAW in draws.coords:
            result = result.assign_coords({DRAW: draws[DRAW].to_numpy()})
        return result

    def _reduced(self, a: response.MarketArrays, anchored: bool,
                 detail: Sequence[int] | np.ndarray | None) -> dict[str, np.ndarray]:
        """Totals (S, D, T) on US statistics and ``value`` (S, D, T, I, E, P') of the
        ``detail`` products by the reduced pass (:mod:`tradesim.model.reduced`)."""
        prods = None
        if detail is not None:
            prods = tuple(np.asarray(detail, dtype=int).tolist())
            if not prods or np.any(np.diff(prods) <= 0):
                raise ScheduleError("detail must be sorted, unique positions of the product "
                                    "axis")
        cells = self._output_cells(prods)
        value, baseline = reduced_pass.evaluate(cells, a, self.active,
                                           self._anchor() if anchored else None, self._memo)
        return reduced_pass.outputs(cells, value, baseline, (self.baseline.sizes[IMPORTER],
                                                        self.baseline.sizes[EXPORTER]), prods)

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

    def _output_cells(self, detail: tuple[int, ...] | None) -> reduced_pass.Cells:
        """The reduced pass's cells for ``detail`` (built once per ``detail``)."""
        key = ("cells", detail)
        if key not in self._memo:
            importers = _labels(self.baseline, IMPORTER)
            exporters = _labels(self.baseline, EXPORTER)
            common = _common_rule(self.scenarios)
            rule = None
            if common is not None:
                rule = reduced_pass.Rule(common.sources, common.via, np.array(
                    [0.0 if s.transshipment is None else s.transshipment.origin_switching
                     for s in self.scenarios]))
            added = shed = None
            if any(s.commitments for s in self.scenarios):
                added = np.stack([self.paths(d["added"]) for d in self.deals])
                shed = np.stack([self.paths(d["displace"]) for d in self.deals])
            # markets whose index can move: the batch's active ones and the anchor regime's
            moving = np.zeros(self.arrays.t0.shape[0] * self.arrays.t0.shape[-1], dtype=bool)
            levels = [self.active]
            anchor = self._anchor() if "anchor_tariff" in self.baseline else None
            if anchor is not None:
                levels.append(anchor.regime)
            for level in (lv for act in levels for lv in (act.upper, act.nest) if lv):
                moving[level.markets] = True
            self._memo[key] = reduced_pass.output_cells(self.arrays, importers, exporters, rule,
                                                        added, shed, detail, moving)
        return self._memo[key]

    def _anchor(self) -> reduced_pass.Anchor | None:
        """The reduced pass's anchor (built once): the regime's active cells and the
        baseline's own parameters."""
        key: tuple[str, Any] = ("anchor", None)
        if key not in self._memo:
            self._memo[key] = reduced_pass.anchor(
                self.arrays, int(self.baseline.attrs["anchor_year"]) - self.first.base_year,
                _array(self.baseline, "anchor_tariff", MARKET_DIMS), self._own_parameters())
        return self._memo[key]

    def _own_parameters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The baseline's σ, η, λ and σ_N (S, 1, 1, I, 1, P), without draws or overrides: the
        parameters its anchor factor was solved under."""
        none: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(self.scenarios)
        sigma, eta, rate = (response.compose(self.central[p], None, none)
                            for p in ("sigma", "eta", "adjustment"))
        return sigma, eta, rate, sigma * response.compose(self.nest_ratio, None, none)


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.stack(arrays)``, without the copy when there is one array."""
    return arrays[0][None] if len(arrays) == 1 else np.stack(arrays)


def _ordered(da: xr.DataArray | xr.Variable, dims: tuple[str, ...]) -> np.ndarray:
    """The values of ``da`` with its dims in ``dims`` order (no transpose when they are)."""
    var = da.variable if isinstance(da, xr.DataArray) else da
    return var.to_numpy() if var.dims == dims else var.transpose(*dims).to_numpy()


def _labels(ds: xr.Dataset, dim: str) -> list[str]:
    """The labels of dimension ``dim`` of ``ds``, as a list (read off its variable)."""
    return ds.variables[dim].to_numpy().tolist()


def _array(ds: xr.Dataset, name: str, dims: tuple[str, ...]) -> np.ndarray:
    """Variable ``name`` of ``ds`` as an array in ``dims`` order, read off the variable
    itself (``ds[name]`` builds a DataArray with every coordinate: ~0.1 ms a call)."""
    return _ordered(ds.variables[name], dims)


class _Correction(NamedTuple):
    """Per-draw anchor factors (S, D, I, E, P) and the years (T,) they apply to."""

    factor: np.ndarray
    later: np.ndarray

    def apply(self, cells: np.ndarray) -> np.ndarray:
        """``cells`` (S, 1 or D, T, I, E, P) scaled from the anchor year on."""
        factor = self.factor[:, :, None]
        return np.where(self.later[:, None, None, None], cells * factor, cells)


def _with_draws(result: xr.Dataset, draws: xr.Dataset | None) -> xr.Dataset:
    """Drop the draw axis of a batch without draws; label it with the draws' coordinate."""
    if draws is None:
        return result.isel(draw=0, drop=True)
    if DRAW in draws.coords:
        return result.assign_coords({DRAW: draws[DRAW].to_numpy()})
    return result


def _common_rule(scenarios: Sequence[Scenario]) -> Transshipment | None:
    """The batch's re-routing rule (None: no scenario re-routes); every scenario that
    re-routes must name the same sources and hub."""
    active = [s.transshipment for s in scenarios if s.transshipment is not None]
    if not active:
        return None
    if any((t.sources, t.via) != (active[0].sources, active[0].via) for t in active):
        raise ScheduleError("scenarios in one batch must re-route the same sources via the "
                            "same hub")
    return active[0]


def _reroute(importers: list[str], exporters: list[str], scenarios: Sequence[Scenario],
             a: response.MarketArrays, priced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Origin switching: move a share of sources' lost US sales to the hub while it is cheaper.

    Returns the new values and the re-routed amount (S, D, T, P), USD.
    """
    rules = [s.transshipment for s in scenarios]
    shape = (*priced.shape[:3], priced.shape[-1])
    common = _common_rule(scenarios)
    if common is None:
        return priced, np.zeros(shape)
    missing = [c for c in (*common.sources, common.via) if c not in exporters]
    if missing or US not in importers:
        raise ScheduleError(f"transshipment: {missing or [US]} not in this baseline")
    us = importers.index(US)
    src = [exporters.index(c) for c in common.sources]
    hub = exporters.index(common.via)
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
    own = (_array(baseline, "omega_exporter", (IMPORTER, EXPORTER))
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
    sigma = _array(baseline, "sigma", (IMPORTER, PRODUCT))
    if "sigma_nest" not in baseline:
        return np.ones_like(sigma)
    return _array(baseline, "sigma_nest", (IMPORTER, PRODUCT)) / sigma


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
    shape = (draws.sizes[DRAW], baseline.sizes[IMPORTER], baseline.sizes[PRODUCT])
    # the variables of a Dataset share its indexes: are they the baseline's? (checked once)
    labelled = all(d in draws.indexes and (draws.indexes[d] is baseline.indexes[d]
                                           or draws.indexes[d].equals(baseline.indexes[d]))
                   for d in (IMPORTER, PRODUCT))
    out = {}
    template = None  # built once, when a variable needs aligning
    for name, da in draws.data_vars.items():
        if labelled and da.dims == (DRAW, IMPORTER, PRODUCT):
            values = np.broadcast_to(da.to_numpy(), shape)  # labels already the baseline's
        else:
            if template is None:
                template = baseline["sigma"].expand_dims({DRAW: draws.sizes[DRAW]})
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
    exporters = _labels(baseline, EXPORTER)
    importers = _labels(baseline, IMPORTER)
    for suffix, cube in (("", value), ("_baseline", fixed(a.projected))):
        exports = _bilateral(cube, importers, exporters, VN, US)
        imports = _bilateral(cube, importers, exporters, US, VN)
        data[f"exports{suffix}"] = ((*lead, YEAR), exports)
        data[f"imports{suffix}"] = ((*lead, YEAR), imports)
        data[f"balance{suffix}"] = ((*lead, YEAR), exports - imports)
    index = (slice(None) if SCENARIO in lead else 0, slice(None) if DRAW in lead else 0)
    data = {k: (dims, values[index]) for k, (dims, values) in data.items()}
    coords = _coordinates(baseline, {**({SCENARIO: labels} if SCENARIO in lead else {}),
                                     **({DRAW: np.arange(n_draws)} if DRAW in lead else {}),
                                     YEAR: years})
    result = xr.Dataset(data, coords=coords)
    result.attrs.update(solver_iterations=r.iterations, solver_max_residual=r.max_residual)
    _describe(result, baseline, scenario)
    if scenario.basis == "vn":
        _to_vietnamese_statistics(result, baseline)
    return result


def _coordinates(baseline: xr.Dataset, new: dict[str, Any]) -> xr.Coordinates:
    """A result's coordinates: the ``new`` dimensions, then the baseline's market dimensions
    (their indexes reused, not rebuilt from pandas: half the cost of building the Dataset)
    and product labels."""
    made = xr.Coordinates(new)
    kept = [*MARKET_DIMS, *(c for c in ("name", "kind", "chapter") if c in baseline.coords)]
    return xr.Coordinates({**made.variables, **{c: baseline.variables[c] for c in kept}},
                          indexes={**made.xindexes,
                                   **{d: baseline.xindexes[d] for d in MARKET_DIMS}})


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

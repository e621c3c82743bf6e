"""Summaries of a sweep's results: quantiles over draws, probabilities of statements, tables.

Results have one dimension per grid axis (named as in :func:`tradesim.scenario.sweep_file.
axis_names`), ``draw`` with Monte Carlo, and ``year``. With two draws or more the summary holds
quantiles over the draws and, for each statement, the share of draws where it holds; without
draws (or with one) there is nothing to take quantiles of, and a statement simply holds or not
at each grid point (``holds``), which is not a probability.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from tradesim.dims import DRAW, YEAR
from tradesim.scenario.sweep_file import Statement, Sweep

__all__ = ["SUMMARY_MEMORY", "central", "has_draws", "nanquantile", "summarize", "summary_tables"]

#: Bytes of results read at once while summarising a lazy store.
SUMMARY_MEMORY = 256 * 2**20


def _blocks(n: int, size: int) -> Iterable[slice]:
    return (slice(a, min(a + size, n)) for a in range(0, n, size))


def has_draws(results: xr.Dataset) -> bool:
    """Results over two draws or more (quantiles and probabilities make sense)."""
    return DRAW in results.dims and results.sizes[DRAW] >= 2


def nanquantile(x: np.ndarray, q: np.ndarray, axis: int) -> np.ndarray:
    """Quantiles along ``axis`` ignoring NaN (numpy's "linear" rule), vectorised: one sort
    instead of :func:`numpy.nanquantile`'s per-slice loop. All-NaN slices give NaN.

    Returns
    -------
    ndarray
        The quantile axis first, then ``x``'s other axes.

    Examples
    --------
    >>> nanquantile(np.array([[1.0, np.nan, 3.0, 2.0]]), np.array([0.5, 1.0]), axis=1)
    array([[2.],
           [3.]])
    """
    s = np.sort(np.moveaxis(x, axis, -1), axis=-1)  # NaN sort last
    n = (~np.isnan(s)).sum(-1, keepdims=True)
    h = (n - 1) * q.reshape((-1,) + (1,) * s.ndim)  # (Q, ..., 1)
    lo = np.clip(np.floor(h).astype(int), 0, None)
    hi = np.clip(np.ceil(h).astype(int), 0, None)
    a = np.take_along_axis(s[None], np.minimum(lo, s.shape[-1] - 1), axis=-1)
    b = np.take_along_axis(s[None], np.minimum(hi, s.shape[-1] - 1), axis=-1)
    out = (a + (b - a) * (h - lo))[..., 0]
    return np.where(n[..., 0] > 0, out, np.nan)


def _probability(st: Statement, data: Mapping[str, np.ndarray], years: list[int]) -> np.ndarray:
    """P(statement) over the draws of each point, (P,); NaN draws (not done) ignored.

    ``data``: ``v`` and ``v_baseline`` (P, D, year): the baseline is each draw's."""
    sign = -1.0 if st.variable == "deficit" else 1.0
    var = "balance" if st.variable == "deficit" else st.variable
    x = sign * data[var][..., years.index(st.year)]  # (P, D)
    if st.reference is None:
        diff = x - st.threshold
    else:
        if st.reference == "baseline":
            ref = sign * data[f"{var}_baseline"][..., years.index(st.year)]  # each draw's
        else:
            ref = sign * data[var][..., years.index(int(st.reference))]
        change = x - ref
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = (change / np.abs(ref) if st.relative else change) - st.threshold
    with np.errstate(invalid="ignore"):
        ok = {"<": diff < 0, "<=": diff <= 0, ">": diff > 0, ">=": diff >= 0}[st.op]
    valid = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid.any(-1), (ok & valid).sum(-1) / valid.sum(-1), np.nan)


def central(baseline: xr.DataArray) -> np.ndarray:
    """The baseline path to show beside the quantiles: the median over draws (the baseline
    differs by draw only on a baseline anchored to an observed year)."""
    values = np.asarray(baseline.values)
    if DRAW not in baseline.dims:
        return values
    with np.errstate(invalid="ignore"):
        return np.nanmedian(values, axis=baseline.dims.index(DRAW))


def _grid_dims(results: xr.Dataset, sweep: Sweep) -> list[str]:
    return [a.name for a in sweep.grid if a.name in results.dims]


def summarize(results: xr.Dataset, sweep: Sweep, memory: int = SUMMARY_MEMORY) -> xr.Dataset:
    """Quantiles over draws and probabilities of the statements, per grid point.

    Parameters
    ----------
    results : Dataset
        From :func:`tradesim.analysis.sweep.evaluate` or ``open_store`` (lazy is fine: about
        ``memory`` bytes are read at a time). Draws not yet computed (NaN) are left out.

    Returns
    -------
    Dataset
        With two draws or more: ``{v}_quantile`` (*grid, quantile, year; USD) for each
        variable, ``value_quantile`` (*grid, quantile, year, importer, exporter, product) when
        products were kept, and ``probability`` (*grid, statement; the share of draws where
        the statement holds). Without draws: ``holds`` (*grid, statement; 1 where the
        statement holds at the point, 0 where not, NaN if not computed) and no quantiles.
        ``attrs["draws"]``: the number of draws.
    """
    years = [int(y) for y in results[YEAR].to_numpy()]
    qs = np.array(sweep.outputs.quantiles)
    draws = has_draws(results)
    gdims = _grid_dims(results, sweep)
    names = list(sweep.outputs.variables) + (["value"] if sweep.outputs.products else [])
    needed = [n for n in results.data_vars
              if n in names or (str(n).endswith("_baseline") and str(n)[:-9] in names)]
    statements = sweep.outputs.statements
    first = gdims[0] if gdims else None
    rows = results.sizes[first] if first else 1
    per_row = sum(results[n].size * 8 for n in needed) // max(rows, 1)
    step = max(1, memory // max(per_row, 1))
    quant: dict[str, list[np.ndarray]] = {n: [] for n in names}
    probs: list[np.ndarray] = []
    for sl in _blocks(rows, step):
        part = results[needed].isel({first: sl}) if first else results[needed]
        shape = tuple(part.sizes[d] for d in gdims)
        flat = {}
        for n in needed:
            da = part[n].transpose(*gdims, *(d for d in part[n].dims if d not in gdims))
            arr = np.asarray(da.values)
            arr = arr.reshape(-1, *arr.shape[len(gdims):])  # (P, ...)
            if DRAW not in da.dims:
                arr = arr[:, None]  # a draw axis of one
            flat[str(n)] = arr
        if draws:
            for n in names:
                with np.errstate(invalid="ignore"):
                    q = nanquantile(flat[n], qs, axis=1)  # (Q, P, year, …)
                q = np.moveaxis(q, 0, 1)
                quant[n].append(q.reshape(*shape, *q.shape[1:]))
        if statements:
            p = np.stack([_probability(st, flat, years) for st in statements], axis=-1)
        else:
            p = np.zeros((int(np.prod(shape, dtype=int)), 0))
        probs.append(p.reshape(*shape, len(statements)))
    coords: dict[str, Any] = {d: results[d] for d in gdims}
    coords.update({YEAR: years, "statement": [s.text for s in statements]})
    if draws:
        coords["quantile"] = qs
    summary = xr.Dataset(coords=coords, attrs={"draws": int(results.sizes.get(DRAW, 0))})
    if draws:
        for n in names:
            rest = [d for d in results[n].dims if d not in gdims and d != DRAW]
            summary[f"{n}_quantile"] = (
                (*gdims, "quantile", *rest), np.concatenate(quant[n]) if gdims else quant[n][0],
                {"units": "USD", "long_name": f"quantiles of {n} over the draws"})
    stacked = np.concatenate(probs) if gdims else probs[0]
    if draws:
        summary["probability"] = ((*gdims, "statement"), stacked, {
            "units": "1", "long_name": "share of the draws where the statement holds"})
    else:
        summary["holds"] = ((*gdims, "statement"), stacked, {
            "units": "1", "long_name": "1 where the statement holds at this grid point, 0 "
                                       "where not (no draws: not a probability); NaN: not "
                                       "computed"})
    return summary


def _index(summary: xr.Dataset, gdims: Sequence[str]) -> Any:
    import pandas as pd

    if not gdims:
        return None
    levels = [summary[d].to_numpy() for d in gdims]
    if len(gdims) == 1:
        return pd.Index(levels[0], name=gdims[0])
    return pd.MultiIndex.from_product(levels, names=list(gdims))


def summary_tables(summary: xr.Dataset, results: xr.Dataset,
                   sweep: Sweep) -> dict[str, Any]:
    """Every row, in bn USD, for the command line: ``balance`` and ``statements`` DataFrames,
    and ``statements_kind`` ("probability" or "holds").

    With draws and no grid: balance quantiles by year beside the baseline. With draws and a
    grid: the quantiles in the last year, one row per grid point. Without draws: the balance
    by grid point and year. Nothing is cut here: the caller decides how many rows to show.
    """
    import pandas as pd

    bn = 1e9
    gdims = _grid_dims(results, sweep)
    years = results[YEAR].to_numpy()
    last = int(years[-1])
    index = _index(summary, gdims)
    npoints = int(np.prod([summary.sizes[d] for d in gdims], dtype=int))
    flat = lambda da: np.asarray(  # noqa: E731 - (*grid, …) -> (points, …)
        da.transpose(*gdims, *(d for d in da.dims if d not in gdims)).values).reshape(
        npoints, *(da.sizes[d] for d in da.dims if d not in gdims))
    base = flat(results["balance_baseline"]) / bn  # (P, [draw,] year)
    if DRAW in results["balance_baseline"].dims:
        with np.errstate(invalid="ignore"):
            base = np.nanmedian(base, axis=1)  # the central path, as :func:`central`
    if not has_draws(results):
        values = flat(results["balance"].isel({DRAW: 0}) if DRAW in results.dims
                      else results["balance"]) / bn
        table = pd.DataFrame(values, index=index if index is not None else
                             pd.Index([sweep.base.name], name="scenario"),
                             columns=pd.Index(years, name=YEAR))
    else:
        labels = [f"q{float(v) * 100:g}" for v in summary["quantile"].to_numpy()]
        q = flat(summary["balance_quantile"]) / bn  # (P, quantile, year)
        if not gdims:
            table = pd.DataFrame(q[0].T, index=pd.Index(years, name=YEAR), columns=labels)
            table.insert(0, "baseline", base[0])
        else:
            table = pd.DataFrame(q[..., -1], index=index, columns=labels)
            table.insert(0, f"baseline {last}", base[:, -1])
    kind = "probability" if "probability" in summary else "holds"
    texts = list(summary["statement"].to_numpy())
    st = pd.DataFrame(flat(summary[kind]), columns=pd.Index(texts, name="statement"),
                      index=index if index is not None else
                      pd.Index([sweep.base.name], name="scenario"))
    return {"balance": table, "statements": st, "statements_kind": kind}

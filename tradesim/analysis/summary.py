"""Summaries of a sweep's results: quantiles over draws, probabilities of statements, tables.

Results have one dimension per grid axis (named as in :func:`tradesim.scenario.sweep_file.
axis_names`), ``draw`` with Monte Carlo, and ``year``. With two draws or more the summary holds
quantiles over the draws and, for each statement, the share of draws where it holds; without
draws (or with one) there is nothing to take quantiles of, and a statement simply holds or not
at each grid point (``holds``), which is not a probability.

Memory does not grow with the number of draws: quantiles are taken over blocks of cells (grid
points × years × …) with every draw of a cell (:mod:`tradesim.analysis.blocks`), statements are
counted over blocks of draws, each block about :data:`SUMMARY_MEMORY` / 3 bytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from tradesim.analysis.blocks import blocks, store_chunks
from tradesim.dims import DRAW, YEAR
from tradesim.scenario.sweep_file import Statement, Sweep

__all__ = ["SUMMARY_MEMORY", "central", "has_draws", "nanquantile", "summarize", "summary_tables"]

#: Bytes of results held at once while summarising (about: blocks of cells with every draw).
#: 32 MB keeps ``tradesim sweep``'s peak within 13 % from 10³ to 4×10⁴ draws of
#: sweeps/framework-mc.toml at the same speed as 64 MB (16 MB: flatter, 1.3× slower at 4×10⁴).
SUMMARY_MEMORY = 32 * 2**20


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
    return _from_sorted(np.sort(np.moveaxis(x, axis, -1), axis=-1), q)  # NaN sort last


def _from_sorted(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """:func:`nanquantile` of ``s`` sorted along its last axis (NaN last): (Q, *s.shape[:-1])."""
    n = (~np.isnan(s)).sum(-1, keepdims=True)
    h = (n - 1) * q.reshape((-1,) + (1,) * s.ndim)  # (Q, ..., 1)
    lo = np.clip(np.floor(h).astype(int), 0, None)
    hi = np.clip(np.ceil(h).astype(int), 0, None)
    a = np.take_along_axis(s[None], np.minimum(lo, s.shape[-1] - 1), axis=-1)
    b = np.take_along_axis(s[None], np.minimum(hi, s.shape[-1] - 1), axis=-1)
    out = (a + (b - a) * (h - lo))[..., 0]
    return np.where(n[..., 0] > 0, out, np.nan)


def _counts(st: Statement, x: np.ndarray, base: np.ndarray | None,
            ref: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Draws where the statement holds and draws computed (not NaN), per point (P,), int.

    ``x``: the statement's variable in its year (P, D) (the balance for a deficit); ``base``
    the same variable's baseline there (P, D or 1: each draw's) when the reference is the
    baseline, ``ref`` the variable in the reference year (P, D) when it is a year. Counts add
    up over blocks of draws: the share is their ratio."""
    sign = -1.0 if st.variable == "deficit" else 1.0
    x = sign * x
    if st.reference is None:
        diff = x - st.threshold
    else:
        other = base if st.reference == "baseline" else ref
        assert other is not None  # the caller passes what the reference needs
        r = sign * other
        change = x - r
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = (change / np.abs(r) if st.relative else change) - st.threshold
    with np.errstate(invalid="ignore"):
        ok = {"<": diff < 0, "<=": diff <= 0, ">": diff > 0, ">=": diff >= 0}[st.op]
    valid = ~np.isnan(x)
    return (ok & valid).sum(-1), valid.sum(-1)


def _cells(da: xr.DataArray, first: Sequence[str]) -> list[str]:
    """``da``'s dims other than ``draw``: ``first``, then the others in ``da``'s order."""
    return [*first, *(str(d) for d in da.dims if d not in first and d != DRAW)]


def central(baseline: xr.DataArray, memory: int = SUMMARY_MEMORY,
            scratch: str | os.PathLike[str] | None = None) -> np.ndarray:
    """The baseline path to show beside the quantiles: the median over draws (the baseline
    differs by draw only on a baseline anchored to an observed year), read in blocks of about
    ``memory`` bytes (lazy is fine); the other dims in ``baseline``'s order."""
    if DRAW not in baseline.dims:
        return np.asarray(baseline.values)
    cells = _cells(baseline, [])
    shape = tuple(baseline.sizes[d] for d in cells)
    out = np.empty(math.prod(shape))
    for where, (block,) in blocks([baseline], cells, memory // 3, scratch):
        with np.errstate(invalid="ignore"):
            out[where] = np.nanmedian(block, axis=1)
    return out.reshape(shape)


def _grid_dims(results: xr.Dataset, sweep: Sweep) -> list[str]:
    return [a.name for a in sweep.grid if a.name in results.dims]


def summarize(results: xr.Dataset, sweep: Sweep, memory: int = SUMMARY_MEMORY,
              scratch: str | os.PathLike[str] | None = None) -> xr.Dataset:
    """Quantiles over draws and probabilities of the statements, per grid point.

    Parameters
    ----------
    results : Dataset
        From :func:`tradesim.analysis.sweep.evaluate` or ``open_store`` (lazy is fine). Draws
        not yet computed (NaN) are left out.
    memory : int
        Bytes of results held at once, about: the cells (grid points × years × …) are taken
        in blocks of every draw (:func:`tradesim.analysis.blocks.blocks`), so memory does not
        grow with the number of draws.
    scratch : path, optional
        Folder for the scratch file that transposes a lazy array larger than ``memory / 3``
        (default: the system's temporary folder).

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
    gshape = tuple(results.sizes[d] for d in gdims)
    names = list(sweep.outputs.variables) + (["value"] if sweep.outputs.products else [])
    statements = sweep.outputs.statements
    budget = memory // 3  # a block, its sorted copy, and the scratch file's mapping
    totals = [n for n in results.data_vars if n != "value" and (
        n in names or (str(n).endswith("_baseline") and str(n)[:-9] in names))]
    if sum(results[n].nbytes for n in totals) <= budget:
        # the totals (grid, draw, year) of every variable in one read (each store chunk is a
        # file: one pass over them), shared by the quantiles and the statements
        results = results.assign(results[totals].compute())
    coords: dict[str, Any] = {d: results[d] for d in gdims}
    coords.update({YEAR: years, "statement": [s.text for s in statements]})
    if draws:
        coords["quantile"] = qs
    summary = xr.Dataset(coords=coords, attrs={"draws": int(results.sizes.get(DRAW, 0))})
    if draws:
        for n in names:
            cells = _cells(results[n], gdims)
            shape = tuple(results.sizes[d] for d in cells)
            out = np.empty((len(qs), math.prod(shape)))
            for where, (block,) in blocks([results[n]], cells, budget, scratch):
                block.sort(axis=-1)  # NaN last
                with np.errstate(invalid="ignore"):
                    out[:, where] = _from_sorted(block, qs)
            q = np.moveaxis(out.reshape(len(qs), *shape), 0, len(gdims))
            summary[f"{n}_quantile"] = ((*gdims, "quantile", *cells[len(gdims):]), q, {
                "units": "USD", "long_name": f"quantiles of {n} over the draws"})
    stacked = _shares(results, statements, years, gdims, budget).reshape(
        *gshape, len(statements))
    if draws:
        summary["probability"] = ((*gdims, "statement"), stacked, {
            "units": "1", "long_name": "share of the draws where the statement holds"})
    else:
        summary["holds"] = ((*gdims, "statement"), stacked, {
            "units": "1", "long_name": "1 where the statement holds at this grid point, 0 "
                                       "where not (no draws: not a probability); NaN: not "
                                       "computed"})
    return summary


def _shares(results: xr.Dataset, statements: Sequence[Statement], years: list[int],
            gdims: list[str], budget: int) -> np.ndarray:
    """Every statement's share of draws (points, statements): counts over blocks of draws of
    about ``budget`` bytes (along the store's chunks), reading only the variables and years
    the statements name."""
    npoints = math.prod(results.sizes[d] for d in gdims)
    if not statements:
        return np.zeros((npoints, 0))
    refs = []  # per statement: the variable, its baseline or None, the reference year or None
    for st in statements:
        var = "balance" if st.variable == "deficit" else st.variable
        refs.append((var, f"{var}_baseline" if st.reference == "baseline" else None,
                     None if st.reference in (None, "baseline") else int(str(st.reference))))
    names = list(dict.fromkeys(n for r in refs for n in r[:2] if n is not None))
    wanted = sorted({st.year for st in statements}
                    | {r[2] for r in refs if r[2] is not None})
    at = {y: k for k, y in enumerate(wanted)}
    picks = [years.index(y) for y in wanted]
    arrays = {}
    for n in names:
        da = results[n]
        rest = [d for d in da.dims if d not in gdims and d not in (DRAW, YEAR)]
        arrays[n] = da.transpose(*gdims, *rest, *([DRAW] if DRAW in da.dims else []), YEAR)
    n_draws = results.sizes.get(DRAW, 1)
    with_draws = [a for a in arrays.values() if DRAW in a.dims]
    per_draw = sum(a.size // n_draws * a.dtype.itemsize for a in with_draws)
    step = max(1, budget // max(per_draw, 1))
    chunk = next((found[a.dims.index(DRAW)][0] for a in with_draws
                  if (found := store_chunks(a)) is not None), 0)
    if chunk:
        step = max(chunk, step // chunk * chunk)  # whole store chunks: each read once
    hold = np.zeros((npoints, len(statements)), dtype=np.int64)
    done = np.zeros((npoints, len(statements)), dtype=np.int64)
    for d0 in range(0, n_draws, step):
        data = {}
        for n, a in arrays.items():
            part = a.isel({DRAW: slice(d0, d0 + step)}) if DRAW in a.dims else a
            v = np.asarray(part.values)[..., picks]  # the years named, after the read
            data[n] = v.reshape(npoints, -1, len(wanted))  # (P, D, years)
        for k, (st, (var, base, year)) in enumerate(zip(statements, refs, strict=True)):
            h, c = _counts(st, data[var][..., at[st.year]],
                           None if base is None else data[base][..., at[st.year]],
                           None if year is None else data[var][..., at[year]])
            hold[:, k] += h
            done[:, k] += c
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(done > 0, hold / done, np.nan)


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
    baseline = results["balance_baseline"]
    base = central(baseline.transpose(*gdims, *(d for d in baseline.dims if d not in gdims))
                   / bn).reshape(npoints, -1)  # (P, year): the median over draws, in blocks
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

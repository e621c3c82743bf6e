"""Summaries in blocks of cells (every draw of a cell at once): the same numbers as the one-shot
summary, memory bounded by the budget, not by the number of draws."""

from __future__ import annotations

import dataclasses
import tracemalloc
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from tradesim.analysis import summary as sm
from tradesim.analysis.blocks import blocks, layout, store_chunks
from tradesim.dims import DRAW, EXPORTER, IMPORTER, PRODUCT, YEAR
from tradesim.scenario.parse import parse_scenario
from tradesim.scenario.sweep_file import Statement, Sweep, parse_sweep

BASE = {"scenario": {"name": "toy", "horizon": 2028},
        "tariff": [{"id": "recip", "importer": "USA", "exporters": ["VNM"], "products": "all",
                    "rate": 20}]}
STATEMENTS = ["deficit(2026) vs baseline <= -10%", "balance(2027) > -5 bn",
              "imports(2028) vs 2025 < 0%", "exports(2026) vs 2024 >= 1%"]


# ------------------------------------------------------------- the one-shot summary (reference)
# tradesim.analysis.summary as of dcee729 (before the blocks): every draw of every variable of a
# row of the first grid axis read at once. Kept here verbatim as the reference the blocked
# summary must equal.


def _old_nanquantile(x: np.ndarray, q: np.ndarray, axis: int) -> np.ndarray:
    s = np.sort(np.moveaxis(x, axis, -1), axis=-1)  # NaN sort last
    n = (~np.isnan(s)).sum(-1, keepdims=True)
    h = (n - 1) * q.reshape((-1,) + (1,) * s.ndim)  # (Q, ..., 1)
    lo = np.clip(np.floor(h).astype(int), 0, None)
    hi = np.clip(np.ceil(h).astype(int), 0, None)
    a = np.take_along_axis(s[None], np.minimum(lo, s.shape[-1] - 1), axis=-1)
    b = np.take_along_axis(s[None], np.minimum(hi, s.shape[-1] - 1), axis=-1)
    out = (a + (b - a) * (h - lo))[..., 0]
    return np.where(n[..., 0] > 0, out, np.nan)


def _old_probability(st: Statement, data: dict[str, np.ndarray], years: list[int]) -> np.ndarray:
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


def one_shot(results: xr.Dataset, sweep: Sweep) -> dict[str, np.ndarray]:
    """The old summary's arrays (every row at once: its memory budget never binds here)."""
    years = [int(y) for y in results[YEAR].to_numpy()]
    qs = np.array(sweep.outputs.quantiles)
    draws = DRAW in results.dims and results.sizes[DRAW] >= 2
    gdims = [a.name for a in sweep.grid if a.name in results.dims]
    names = list(sweep.outputs.variables) + (["value"] if sweep.outputs.products else [])
    needed = [n for n in results.data_vars
              if n in names or (str(n).endswith("_baseline") and str(n)[:-9] in names)]
    shape = tuple(results.sizes[d] for d in gdims)
    flat = {}
    for n in needed:
        da = results[n].transpose(*gdims, *(d for d in results[n].dims if d not in gdims))
        arr = np.asarray(da.values)
        arr = arr.reshape(-1, *arr.shape[len(gdims):])  # (P, ...)
        if DRAW not in da.dims:
            arr = arr[:, None]
        flat[str(n)] = arr
    out = {}
    if draws:
        for n in names:
            with np.errstate(invalid="ignore"):
                q = np.moveaxis(_old_nanquantile(flat[n], qs, axis=1), 0, 1)
            out[f"{n}_quantile"] = q.reshape(*shape, *q.shape[1:])
    statements = sweep.outputs.statements
    if statements:
        p = np.stack([_old_probability(s, flat, years) for s in statements], axis=-1)
    else:
        p = np.zeros((int(np.prod(shape, dtype=int)), 0))
    out["probability" if draws else "holds"] = p.reshape(*shape, len(statements))
    return out


# --------------------------------------------------------------------------- data


def make(grid: int, draws: int, products: bool) -> Sweep:
    doc: dict[str, Any] = {"sweep": {"name": "t", "outputs": {
        "variables": ["balance", "exports", "imports"], "probabilities": STATEMENTS,
        "quantiles": [0.05, 0.25, 0.5, 0.75, 0.95], **({"products": ["61", "85"]}
                                                       if products else {})}}}
    if grid:
        doc["sweep"]["grid"] = {"tariff.recip.rate": list(range(10, 10 + 10 * grid, 10))}
    if draws:
        doc["sweep"]["monte_carlo"] = {"draws": draws, "seed": 1, "sigma": "lognormal"}
    return parse_sweep(doc, parse_scenario(BASE))


def fake_results(sweep: Sweep, seed: int, nan: float, per_draw_baseline: bool = True
                 ) -> xr.Dataset:
    """Random results shaped as a sweep store's, NaN where chunks are 'not done'."""
    rng = np.random.default_rng(seed)
    gdims = [a.name for a in sweep.grid]
    lead = {a.name: len(a.values) for a in sweep.grid}
    if sweep.n_draws:
        lead[DRAW] = sweep.n_draws
    years = list(sweep.years)
    coords: dict[str, Any] = {YEAR: years, **{a.name: list(a.values) for a in sweep.grid}}

    def arr(dims: dict[str, int], scale: float) -> tuple[tuple[str, ...], np.ndarray]:
        x = rng.normal(-1.0, 1.0, tuple(dims.values())) * scale
        x[rng.random(x.shape) < nan] = np.nan
        if x.size and rng.random() < 0.3:
            x[..., 0] = np.nan  # whole cells NaN
        return tuple(dims), x

    data = {}
    for v in sweep.outputs.variables:
        data[v] = arr({**lead, YEAR: len(years)}, 1e10)
        base = lead if per_draw_baseline else {k: lead[k] for k in gdims}
        data[f"{v}_baseline"] = arr({**base, YEAR: len(years)}, 1e10)
    if sweep.outputs.products:
        data["value"] = arr({**lead, YEAR: len(years), IMPORTER: 2, EXPORTER: 3,
                             PRODUCT: len(sweep.outputs.products)}, 1e8)
    return xr.Dataset(data, coords=coords)


def chunked(ds: xr.Dataset, draw_chunk: int, grid_chunk: int, gdims: list[str]) -> xr.Dataset:
    """Dask-backed (as ``open_store`` gives), chunked along draw and the grid."""
    chunks = {d: grid_chunk for d in gdims}
    if DRAW in ds.dims:
        chunks[DRAW] = draw_chunk
    return ds.chunk(chunks)


def assert_same(summary: xr.Dataset, ref: dict[str, np.ndarray]) -> None:
    for name, want in ref.items():
        got = summary[name].to_numpy()
        np.testing.assert_array_equal(got, want, err_msg=name)  # bit for bit, NaN where NaN


# --------------------------------------------------------------------------- tests


@settings(max_examples=40, deadline=None)
@given(grid=st.integers(0, 3), draws=st.sampled_from([0, 1, 2, 3, 17, 64]),
       products=st.booleans(), nan=st.sampled_from([0.0, 0.1, 0.6, 1.0]),
       lazy=st.booleans(), draw_chunk=st.integers(1, 20), grid_chunk=st.integers(1, 3),
       memory=st.sampled_from([1, 300, 5_000, 60_000, 2**30]), seed=st.integers(0, 2**16),
       per_draw=st.booleans())
def test_blocked_summary_equals_the_one_shot_summary(grid: int, draws: int, products: bool,
                                                     nan: float, lazy: bool, draw_chunk: int,
                                                     grid_chunk: int, memory: int, seed: int,
                                                     per_draw: bool, tmp_path_factory) -> None:
    s = make(grid, draws, products)
    data = fake_results(s, seed, nan, per_draw)
    if lazy:
        data = chunked(data, draw_chunk, grid_chunk, [a.name for a in s.grid])
    got = sm.summarize(data, s, memory=memory, scratch=tmp_path_factory.mktemp("scratch"))
    assert_same(got, one_shot(data, s))
    assert got.attrs["draws"] == draws


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=4),
       per_cell=st.integers(1, 50), budget=st.integers(0, 2000), whole=st.integers(0, 2))
def test_layout_tiles_the_cells_in_boxes_under_the_budget(shape: list[int], per_cell: int,
                                                          budget: int, whole: int) -> None:
    whole = min(whole, len(shape))
    parts = layout(shape, per_cell, budget, whole)
    total = int(np.prod(shape, dtype=int))
    inner = int(np.prod(shape[len(shape) - whole:], dtype=int)) if whole else 1
    if total == 0:
        assert parts == []
        return
    assert [s for s, _ in parts] == [0, *(e for _, e in parts[:-1])]  # consecutive
    assert parts[-1][1] == total
    for s, e in parts:
        assert e > s
        assert s % inner == 0  # the last ``whole`` dims never split
        assert e % inner == 0
        assert (e - s) * per_cell <= budget or e - s == inner  # under the budget, or one box
        # a box: the cells' indices span exactly e − s cells
        if shape:
            idx = np.array(np.unravel_index(np.arange(s, e), shape))
            assert np.prod(idx.max(1) - idx.min(1) + 1) == e - s


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), draws=st.integers(1, 9),
       chunk=st.integers(1, 4), budget=st.integers(1, 3000),
       lazy=st.sampled_from(["memory", "dask", "store"]), seed=st.integers(0, 99))
def test_blocks_hand_back_every_cell_with_all_its_draws(shape: list[int], draws: int,
                                                        chunk: int, budget: int, lazy: str,
                                                        seed: int, tmp_path_factory) -> None:
    rng = np.random.default_rng(seed)
    dims = [f"c{k}" for k in range(len(shape))]
    x = xr.DataArray(rng.standard_normal((draws, *shape)), dims=[DRAW, *dims], name="x")
    y = xr.DataArray(rng.standard_normal(shape), dims=dims)  # no draw: one column
    want = np.moveaxis(x.to_numpy(), 0, -1).reshape(-1, draws)
    if lazy == "dask":
        x = x.chunk({d: chunk for d in x.dims})
    elif lazy == "store":  # a zarr store read without Dask, as the sweep's summary reads it
        path = tmp_path_factory.mktemp("z") / "x.zarr"
        x.chunk({d: chunk for d in x.dims}).to_dataset().to_zarr(path, consolidated=False)
        x = xr.open_zarr(path, chunks=None, consolidated=False)["x"]
        assert x.chunks is None
        assert store_chunks(x) == tuple((*[chunk] * (n // chunk), *([n % chunk] if n % chunk
                                                                   else [])) for n in x.shape)
    got_x, got_y = [], []
    for where, (bx, by) in blocks([x, y], dims, budget, tmp_path_factory.mktemp("s")):
        assert bx.shape == (where.stop - where.start, draws)
        assert by.shape[1] == 1
        got_x.append(bx)
        got_y.append(by)
    np.testing.assert_array_equal(np.concatenate(got_x), want)
    np.testing.assert_array_equal(np.concatenate(got_y)[:, 0], y.to_numpy().ravel())


@pytest.mark.parametrize("draws", [5, 700])  # numpy's nanmedian switches method at 600
def test_central_is_numpys_nanmedian_in_blocks(draws: int, tmp_path) -> None:
    rng = np.random.default_rng(draws)
    x = rng.standard_normal((3, draws, 4))
    x[0, :, 1] = np.nan
    x[rng.random(x.shape) < 0.2] = np.nan
    da = xr.DataArray(x, dims=["rate", DRAW, YEAR]).chunk({DRAW: 7})
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        want = np.nanmedian(x, axis=1)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        got = sm.central(da, memory=3 * draws * 8, scratch=tmp_path)
    np.testing.assert_array_equal(got, want)


def test_summary_memory_does_not_grow_with_the_draws(tmp_path) -> None:
    """Traced peak of summarize on a lazy store-like Dataset: 4× the draws, the same peak
    (about the budget), far below the data's size."""
    budget = 1_500_000

    def peak(draws: int) -> tuple[int, int]:
        s = make(0, draws, products=True)
        data = chunked(fake_results(s, 0, 0.01), 500, 1, [])
        tracemalloc.start()
        sm.summarize(data, s, memory=budget, scratch=tmp_path)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top, int(data["value"].nbytes)

    peak(100)  # imports and caches out of the way
    small, size_small = peak(10_000)
    big, size_big = peak(40_000)
    assert size_big == 4 * size_small
    assert size_big > 8 * budget
    assert big < 1.5 * small, (small, big)
    assert big < 3 * budget, (big, budget)


def test_summary_tables_use_the_median_of_the_draws_baselines() -> None:
    s = make(2, 40, products=False)
    data = fake_results(s, 5, 0.0)
    summary = sm.summarize(data, s)
    tabs = sm.summary_tables(summary, data, s)
    base = data["balance_baseline"].transpose("rate", DRAW, YEAR).to_numpy() / 1e9
    last = tabs["balance"].iloc[:, 0].to_numpy()
    np.testing.assert_array_equal(last, np.nanmedian(base, axis=1)[:, -1])
    one = dataclasses.replace(s)  # the tables read nothing else
    assert list(sm.summary_tables(summary, data, one)["statements"].columns) == STATEMENTS

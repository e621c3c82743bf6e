"""Sweeps: grids of scenario variants and Monte Carlo draws as dimensions of one Dataset.

A :class:`~tradesim.scenario.sweep_file.Sweep` (see :mod:`tradesim.scenario.sweep_file`) is
evaluated in chunks: blocks of grid points (each grid axis is a dimension, ``rate``, ``share``
…) × blocks of draws; each chunk is one vectorised :func:`tradesim.model.trajectory.run`,
reduced at once to the requested outputs, so memory is bounded by the chunk. :func:`evaluate`
runs a sweep in memory; :func:`run_sweep` runs it with Dask (local threads, or a
``distributed`` cluster whose workers write their chunks themselves) into a zarr store at a
path or fsspec URL (:mod:`tradesim.analysis.store`), marking each chunk done after its data,
so ``resume=True`` computes exactly the missing (or damaged) chunks. :func:`summarize` turns
the draws into quantiles and probabilities (:mod:`tradesim.analysis.summary`).

Draws are reproducible whatever the chunking or the number of workers: draw ``d`` of a
parameter comes from the stream ``SeedSequence(seed, spawn_key=(d // DRAW_BLOCK, param))``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

from tradesim.analysis import store
from tradesim.analysis.store import tradesim_version
from tradesim.analysis.summary import (
    SUMMARY_MEMORY,
    central,
    has_draws,
    nanquantile,
    summarize,
    summary_tables,
)
from tradesim.dims import DRAW, EXPORTER, IMPORTER, PRODUCT, SCENARIO, YEAR
from tradesim.errors import ScheduleError, StoreError
from tradesim.model import trajectory
from tradesim.scenario.fields import ELASTICITY_PARAMS
from tradesim.scenario.sweep_file import (
    DRAW_BLOCK,
    PARAMS,
    Distribution,
    MonteCarlo,
    Outputs,
    Statement,
    Sweep,
    parse_sweep,
)

__all__ = [
    "DRAW_BLOCK",
    "Chunk",
    "Distribution",
    "MonteCarlo",
    "Outputs",
    "Plan",
    "Statement",
    "Sweep",
    "SweepRun",
    "central",
    "centres",
    "chunk_task",
    "evaluate",
    "has_draws",
    "nanquantile",
    "open_store",
    "parse_sweep",
    "plan",
    "reading_chunks",
    "remove_store",
    "run_sweep",
    "sample",
    "summarize",
    "summary_tables",
]

log = logging.getLogger(__name__)

#: Bytes the engine holds per evaluated cell (measured peak of ``trajectory.run`` ÷ cells).
ENGINE_BYTES_PER_CELL = 120
#: The same per draw on the reduced pass a CES Monte Carlo sweep takes (``Batch.reduced``: the
#: active-cell price index and the cells asked for; traced peak ÷ cells measured 2.9-7.6 on
#: sweeps/framework-mc.toml at 90-1,000 draws a chunk). A grid point's preparation (tariff
#: paths, projection, active cells) holds about ENGINE_BYTES_PER_CELL (103 measured on
#: sweeps/framework-rate-grid.toml's 36 points), so grids without draws are planned at that.
LEAN_BYTES_PER_CELL = 10
#: Default memory budget of one chunk's evaluation, bytes.
CHUNK_MEMORY = 512 * 2**20
#: The same on the reduced pass (512 draws a chunk at the embedded resolution): a chunk
#: evaluates its draws DRAW_BLOCK at a time, so its temporaries do not grow with it and are
#: reused by the next chunk (``tradesim sweep`` keeps freed memory,
#: :func:`tradesim.cli._reuse_freed_memory`); a longer chunk makes fewer store writes (each
#: about 3 ms of zarr's own work, whatever its size). ``sweeps/framework-mc.toml`` whole
#: process, 3 runs each: 7.17-7.99 s at 256 draws a chunk, 6.59-7.25 s at 512 (the same
#: peak, 259-270 MB), 6.27-7.33 s at 1,024 (299-314 MB).
LEAN_CHUNK_MEMORY = 256 * 2**20
_Z75 = float(special.ndtri(0.75))  # 0.6745: the quartiles of a normal are ±0.6745 sd


# --------------------------------------------------------------------------- draws


def _normals(mc: MonteCarlo, param: str, block: int, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normals (DRAW_BLOCK, *shape) of one block; a share ``correlation`` of the
    variance is common to all cells of a draw."""
    rng = np.random.default_rng(np.random.SeedSequence(mc.seed,
                                                       spawn_key=(block, PARAMS[param])))
    common = rng.standard_normal((DRAW_BLOCK,) + (1,) * len(shape))
    own = rng.standard_normal((DRAW_BLOCK, *shape))
    own *= math.sqrt(1.0 - mc.correlation)  # √ρ common + √(1 − ρ) own, in place
    own += math.sqrt(mc.correlation) * common
    return own


def _range(d: Distribution, centre: np.ndarray,
           ranges: xr.Dataset | None) -> tuple[np.ndarray, np.ndarray]:
    if d.low is not None and d.high is not None:
        return np.full_like(centre, d.low), np.full_like(centre, d.high)
    if ranges is None or f"{d.param}_low" not in ranges:
        raise ScheduleError(f"drawing {d.param} from the embedded range needs the elasticity "
                            f"ranges (tradesim.io.elasticity_ranges(baseline))")
    return _by_market(ranges[f"{d.param}_low"]), _by_market(ranges[f"{d.param}_high"])


def _by_market(da: xr.DataArray) -> np.ndarray:
    """``da``'s values (importer, product); transposed only when they come in another order
    (xarray's transpose costs ~0.1 ms, and a sweep samples every chunk)."""
    return (da if da.dims == (IMPORTER, PRODUCT) else da.transpose(IMPORTER, PRODUCT)).to_numpy()


def _transform(d: Distribution, z: np.ndarray, centre: np.ndarray, low: np.ndarray,
               high: np.ndarray) -> np.ndarray:
    """Normals -> parameter values: lognormal (median = centre, quartiles' log width from
    low/high) or triangular(min(low, centre), centre, max(high, centre)) by inverse CDF."""
    if d.kind == "lognormal":
        spread = (np.log(high) - np.log(low)) / (2.0 * _Z75)
        return centre * np.exp(spread * z)
    a, c, b = np.minimum(low, centre), centre, np.maximum(high, centre)
    u = special.ndtr(z)
    width = b - a
    below = np.where(width > 0, (c - a) / np.where(width > 0, width, 1.0), 0.5)
    lower = a + np.sqrt(u * width * (c - a))
    upper = b - np.sqrt((1.0 - u) * width * (b - c))
    return np.where(u < below, lower, upper)


def centres(baseline: xr.Dataset) -> xr.Dataset:
    """The baseline value of every drawable parameter (importer, product): σ, η, λ and the nest
    ratio σ_N / σ (1 where the baseline has no nest)."""
    out = baseline[[p for p in PARAMS if p in baseline]]
    ratio = (baseline["sigma_nest"] / baseline["sigma"]) if "sigma_nest" in baseline else \
        xr.ones_like(baseline["sigma"])
    return out.assign(nest_ratio=ratio)


def sample(mc: MonteCarlo, centre: xr.Dataset, ranges: xr.Dataset | None, start: int = 0,
           stop: int | None = None) -> xr.Dataset:
    """Draws ``start … stop−1`` of every drawn parameter.

    Parameters
    ----------
    mc : MonteCarlo
    centre : Dataset
        Median (lognormal) / mode (triangular) of each parameter, dims (importer, product):
        the baseline's ``sigma``, ``eta``, ``adjustment``.
    ranges : Dataset or None
        ``sigma_low``/``sigma_high``/``eta_low``/``eta_high`` (importer, product), needed for
        distributions without their own low/high.
    start, stop : int
        Draw indices; the values of draw ``d`` do not depend on them (streams are per block of
        :data:`DRAW_BLOCK` draws and per parameter).

    Returns
    -------
    Dataset
        One variable per parameter, dims (draw, importer, product), clipped to the parameter's
        bounds in :data:`tradesim.scenario.fields.ELASTICITY_PARAMS`.
    """
    stop = mc.draws if stop is None else stop
    first, last = start // DRAW_BLOCK, (stop - 1) // DRAW_BLOCK
    rows = slice(start - first * DRAW_BLOCK, stop - first * DRAW_BLOCK)
    out = {}
    for d in mc.distributions:
        mid = _by_market(centre[d.param])
        low, high = _range(d, mid, ranges)
        z = np.concatenate([_normals(mc, d.param, b, mid.shape)
                            for b in range(first, last + 1)])[rows]
        _, lo_b, hi_b = ELASTICITY_PARAMS[d.param]
        out[d.param] = ((DRAW, IMPORTER, PRODUCT),
                        np.clip(_transform(d, z, mid, low, high), lo_b, hi_b))
    coords = {DRAW: np.arange(start, stop), IMPORTER: centre.indexes[IMPORTER],
              PRODUCT: centre.indexes[PRODUCT]}
    return xr.Dataset(out, coords=coords)


# --------------------------------------------------------------------------- chunks


#: A chunk's index: one block number per grid axis, then the draw block (0 without draws).
Chunk = tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """Chunking of a sweep: blocks of ``grid_chunks`` values along each grid axis (sizes
    ``grid``) × ``draw_chunk`` draws."""

    grid: tuple[int, ...]
    n_draws: int  # 0: no draw dimension
    grid_chunks: tuple[int, ...]
    draw_chunk: int  # 0 when n_draws == 0

    @property
    def n_scenarios(self) -> int:
        """Grid points (1 without a grid)."""
        return math.prod(self.grid)

    @property
    def scenario_chunk(self) -> int:
        """Grid points per chunk (at most)."""
        return math.prod(self.grid_chunks)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of chunks along each grid axis, then along ``draw``."""
        nd = -(-self.n_draws // self.draw_chunk) if self.n_draws else 1
        return (*(-(-n // c) for n, c in zip(self.grid, self.grid_chunks, strict=True)), nd)

    def chunks(self) -> list[Chunk]:
        """Every chunk index in C order."""
        return list(itertools.product(*(range(n) for n in self.shape)))

    def grid_slices(self, chunk: Chunk) -> tuple[slice, ...]:
        """The chunk's range along each grid axis."""
        return tuple(slice(i * c, min((i + 1) * c, n))
                     for i, c, n in zip(chunk[:-1], self.grid_chunks, self.grid, strict=True))

    def draw_slice(self, chunk: Chunk) -> slice | None:
        """The chunk's draws (None without Monte Carlo)."""
        if not self.n_draws:
            return None
        j = chunk[-1]
        return slice(j * self.draw_chunk, min((j + 1) * self.draw_chunk, self.n_draws))

    def points(self, chunk: Chunk) -> np.ndarray:
        """Flat indices (C order of the grid) of the chunk's grid points, in C order."""
        ranges = [np.arange(s.start, s.stop) for s in self.grid_slices(chunk)]
        if not ranges:
            return np.zeros(1, dtype=int)
        mesh = np.meshgrid(*ranges, indexing="ij")
        return np.ravel_multi_index(tuple(m.ravel() for m in mesh), self.grid)

    def block(self, chunk: Chunk) -> tuple[int, ...]:
        """Sizes of the chunk's grid block."""
        return tuple(s.stop - s.start for s in self.grid_slices(chunk))


def plan(sweep: Sweep, baseline: xr.Dataset, chunk: int | None = None,
         memory: int | None = None, parallel: int | None = None) -> Plan:
    """Chunk a sweep, draws first: ``chunk`` points (grid points × draws) per chunk; default
    the sweep's ``chunk``, else what fits in ``memory`` bytes (default
    :data:`LEAN_CHUNK_MEMORY` at :data:`LEAN_BYTES_PER_CELL` on the reduced pass,
    :data:`CHUNK_MEMORY` at :data:`ENGINE_BYTES_PER_CELL` off it), whole blocks of
    :data:`DRAW_BLOCK` draws (each chunk then samples only its own streams), but small
    enough to give each of ``parallel`` (default: CPU count) workers two chunks. Grid blocks
    fill the last axis first."""
    cells = len(sweep.years) * math.prod(baseline.sizes[d] for d in (IMPORTER, EXPORTER,
                                                                         PRODUCT))
    grid = tuple(len(a.values) for a in sweep.grid)
    n_s, n_d = math.prod(grid), sweep.n_draws
    spread = -(-n_s * max(n_d, 1) // (2 * (parallel or os.cpu_count() or 1)))
    # draws on the reduced pass cost little each beside what a grid point's preparation holds
    lean = bool(n_d) and trajectory.reducible(baseline, sweep.points)
    per_cell = LEAN_BYTES_PER_CELL if lean else ENGINE_BYTES_PER_CELL
    budget = memory or (LEAN_CHUNK_MEMORY if lean else CHUNK_MEMORY)
    points = chunk or sweep.chunk or max(1, min(budget // (cells * per_cell), spread))
    draw_chunk = min(n_d, points) if n_d else 0
    if not (chunk or sweep.chunk) and draw_chunk > DRAW_BLOCK:
        draw_chunk -= draw_chunk % DRAW_BLOCK
    left = max(1, points // draw_chunk) if n_d else points
    sizes: list[int] = []
    for n in reversed(grid):
        c = max(1, min(n, left))
        sizes.append(c)
        left = left // n if c == n else 1
    return Plan(grid, n_d, tuple(reversed(sizes)), draw_chunk)


def _members(baseline: xr.Dataset, prefixes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Product indices of every prefix, concatenated, and where each prefix starts."""
    labels = [str(p).rstrip("*") for p in baseline.indexes[PRODUCT]]
    order: list[int] = []
    starts = []
    for prefix in prefixes:
        found = [k for k, lab in enumerate(labels) if lab.startswith(prefix)]
        if not found:
            within = [str(baseline.indexes[PRODUCT][k]) for k, lab in enumerate(labels)
                      if prefix.startswith(lab)]
            hint = (f"it lies inside product {within[-1]!r}: the axis is coarser; list that "
                    "product, or use resolution = \"hs6\"" if within
                    else "no product on the axis has that code")
            raise ScheduleError(f"sweep.outputs.products: {prefix!r}: {hint}")
        starts.append(len(order))
        order += found
    return np.array(order, dtype=int), np.array(starts, dtype=int)



#: Prepared batches kept between chunks (:func:`_prepared`): chunks in C order share their grid
#: block across consecutive draw chunks, so two cover the threads of a local run (a batch at
#: hs6 holds a few hundred MB). :func:`evaluate` and :func:`run_sweep` empty it when they end.
PREPARED = 2
_prepared_lock = threading.Lock()
_prepared_cache: dict[tuple[int, str, tuple[int, ...]],
                      tuple[xr.Dataset, trajectory.Batch, xr.Dataset]] = {}


def _prepared(sweep: Sweep, baseline: xr.Dataset,
              rows: list[int]) -> tuple[trajectory.Batch, xr.Dataset | None]:
    """The grid points ``rows`` prepared once (tariff paths, projection, active cells) and
    reused by every draw chunk of that block (in this process; each worker keeps its own),
    with the draws' centres (None without Monte Carlo)."""
    points, labels = [sweep.points[k] for k in rows], [sweep.labels[k] for k in rows]
    if sweep.monte_carlo is None:  # no draw chunks share the block: nothing to keep
        return trajectory.prepare(baseline, points, labels), None
    key = (id(baseline), sweep.digest(), tuple(rows))
    with _prepared_lock:  # one build per block, even when threads ask at once
        hit = _prepared_cache.get(key)
        if hit is None or hit[0] is not baseline:
            hit = (baseline, trajectory.prepare(baseline, points, labels), centres(baseline))
            _prepared_cache[key] = hit  # the entry keeps ``id`` unique
            while len(_prepared_cache) > PREPARED:
                _prepared_cache.pop(next(iter(_prepared_cache)))
        return hit[1], hit[2]


@contextlib.contextmanager
def _forget_prepared() -> Iterator[None]:
    """Empty the prepared batches when a sweep ends (they hold its baseline)."""
    try:
        yield
    finally:
        with _prepared_lock:
            _prepared_cache.clear()


def _compute_chunk(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None, p: Plan,
                   chunk: Chunk) -> tuple[Chunk, dict[str, np.ndarray]]:
    """Evaluate one chunk and reduce it to the outputs (pure; runs on any worker). The
    arrays lead with the chunk's points flat (C order of its grid block), then draws.

    The draws are evaluated :data:`DRAW_BLOCK` at a time (the blocks their random streams
    come in), so that a chunk's temporaries do not grow with its number of draws: only its
    outputs do."""
    rows, cols = list(p.points(chunk)), p.draw_slice(chunk)
    batch, centre = _prepared(sweep, baseline, rows)
    groups = _members(baseline, sweep.outputs.products) if sweep.outputs.products else None
    if sweep.monte_carlo is None or cols is None or centre is None:
        return chunk, _outputs(sweep, batch, None, groups)
    # blocks on the streams' boundaries: each samples one stream
    edges = [cols.start, *range((cols.start // DRAW_BLOCK + 1) * DRAW_BLOCK, cols.stop,
                                DRAW_BLOCK), cols.stop]
    parts = [_outputs(sweep, batch, sample(sweep.monte_carlo, centre, ranges, a, b), groups)
             for a, b in itertools.pairwise(edges)]
    if len(parts) == 1:
        return chunk, parts[0]
    return chunk, {k: np.concatenate([x[k] for x in parts], axis=1) for k in parts[0]}


def _outputs(sweep: Sweep, batch: trajectory.Batch, draws: xr.Dataset | None,
             groups: tuple[np.ndarray, np.ndarray] | None) -> dict[str, np.ndarray]:
    """The sweep's outputs (S, [D,] T, ...) of ``batch`` under ``draws`` (None: central);
    ``groups``: the listed products' positions and where each prefix starts
    (:func:`_members`)."""
    keep = [*sweep.outputs.variables, *(f"{v}_baseline" for v in sweep.outputs.variables)]
    used = None
    if groups is not None:
        # product detail needs every supplier, but only of the listed products: the same
        # reduced pass evaluates their cells beside the bilateral totals
        used = np.unique(groups[0])
        keep.append("value")
    arrays = batch.reduced(draws, detail=used)  # (S, D, T, ...), or None off CES
    if arrays is None:
        result = batch.run(draws, keep, detail=used)
        lead = (SCENARIO, DRAW) if draws is not None else (SCENARIO,)
        arrays = {k: result[k].transpose(*lead, *(d for d in result[k].dims
                                                  if d not in lead)).to_numpy()
                  for k in keep}
    elif draws is None:
        arrays = {k: v[:, 0] for k, v in arrays.items()}  # no draw axis without Monte Carlo
    out = {}
    for var in sweep.outputs.variables:
        out[var] = arrays[var]
        # per draw: on a baseline anchored to an observed year the no-policy path depends on
        # the draw's elasticities (tradesim.model.response.anchor_correction)
        out[f"{var}_baseline"] = arrays[f"{var}_baseline"]
    if groups is not None and used is not None:
        order, starts = groups
        at = np.searchsorted(used, order)
        value = arrays["value"]  # a copy only where prefixes overlap or come out of order
        if not np.array_equal(at, np.arange(used.size)):
            value = value[..., at]
        # each prefix's products summed (NumPy walks the view in memory order: whole rows)
        ends = [*starts[1:], value.shape[-1]]
        out["value"] = np.stack([value[..., a:b].sum(axis=-1)
                                 for a, b in zip(starts, ends, strict=True)], axis=-1)
    return out


# --------------------------------------------------------------------------- layout


def _names(sweep: Sweep) -> list[str]:
    """The arrays a chunk writes, in the order of the store's digests."""
    out = [*sweep.outputs.variables, *(f"{v}_baseline" for v in sweep.outputs.variables)]
    return out + (["value"] if sweep.outputs.products else [])


def _template(sweep: Sweep, baseline: xr.Dataset, p: Plan, lazy: bool) -> xr.Dataset:
    """Empty result Dataset (NaN), one dim per grid axis, chunked like the plan; dask-backed
    when ``lazy``."""
    years = np.array(list(sweep.years))
    gdims = [a.name for a in sweep.grid]
    lead = [*gdims] + ([DRAW] if p.n_draws else [])
    sizes = {a.name: len(a.values) for a in sweep.grid}
    sizes.update({DRAW: p.n_draws, YEAR: len(years), IMPORTER: baseline.sizes[IMPORTER],
                  EXPORTER: baseline.sizes[EXPORTER], PRODUCT: len(sweep.outputs.products)})
    chunks = {a.name: c for a, c in zip(sweep.grid, p.grid_chunks, strict=True)}
    chunks[DRAW] = p.draw_chunk

    def empty(dims: Sequence[str]) -> tuple[Sequence[str], Any]:
        shape = tuple(sizes[d] for d in dims)
        if lazy:
            import dask.array as da

            return dims, da.full(shape, np.nan, chunks=tuple(chunks.get(d, sizes[d])
                                                             for d in dims))
        return dims, np.full(shape, np.nan)

    data: dict[str, Any] = {}
    long = {"balance": "US goods balance with Vietnam (exports − imports)",
            "exports": "US exports to Vietnam", "imports": "US imports from Vietnam"}
    for var in sweep.outputs.variables:
        data[var] = empty([*lead, YEAR])
        data[f"{var}_baseline"] = empty([*lead, YEAR])
    if sweep.outputs.products:
        data["value"] = empty([*lead, YEAR, IMPORTER, EXPORTER, PRODUCT])
    coords: dict[str, Any] = {YEAR: years}
    if p.n_draws:
        coords[DRAW] = np.arange(p.n_draws)
    if sweep.outputs.products:
        coords.update({IMPORTER: list(baseline.indexes[IMPORTER]),
                       EXPORTER: list(baseline.indexes[EXPORTER]),
                       PRODUCT: list(sweep.outputs.products)})
    for a in sweep.grid:
        coords[a.name] = (a.name, np.array(a.values), {
            "units": "1" if a.unit == "fraction" else a.unit, "key_path": a.path,
            "long_name": f"{a.path} (grid axis)"})
    ds = xr.Dataset(data, coords=coords)
    for name, da in ds.data_vars.items():
        base = str(name).removesuffix("_baseline")
        text = long.get(base, "customs value by importer, exporter and HS prefix")
        da.attrs.update(units="USD", long_name=text + (", no-change projection"
                                                       if str(name).endswith("_baseline")
                                                       else ""))
    ds.attrs.update(sweep=json.dumps(sweep.spec(), default=str), sweep_digest=sweep.digest(),
                    sweep_name=sweep.name, sweep_title=sweep.title,
                    base_scenario=sweep.base.name, base_file=Path(sweep.base.file).name,
                    baseline_resolution=str(baseline.attrs.get("resolution", "")),
                    tradesim_version=tradesim_version(),
                    basis="balance = US exports to Vietnam − US imports from Vietnam, US "
                          "statistics, USD")
    return ds


def _region(p: Plan, chunk: Chunk, name: str) -> tuple[slice, ...]:
    """Where a chunk's array goes in the full output."""
    grid, draws = p.grid_slices(chunk), p.draw_slice(chunk)
    return grid if draws is None else (*grid, draws)


def _placed(p: Plan, chunk: Chunk, values: np.ndarray) -> np.ndarray:
    """A chunk's array with its flat points unfolded into the grid block."""
    return values.reshape(*p.block(chunk), *values.shape[1:])


def _writes(p: Plan, chunk: Chunk, name: str) -> bool:
    """Whether a chunk writes an array (every chunk writes every array, baselines included:
    they differ by draw on an anchored baseline)."""
    return True


def evaluate(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None = None,
             chunk: int | None = None) -> xr.Dataset:
    """Run a whole sweep in memory (chunk by chunk, in this process).

    Returns
    -------
    Dataset
        One dim per grid axis (``rate``, ``share`` … see
        :func:`tradesim.scenario.sweep_file.axis_names`; the key path is the coordinate's
        ``key_path``), then ``draw`` with Monte Carlo. For each output variable ``v``: ``v``
        (*grid, [draw,] year; USD) and ``v_baseline`` (*grid, year); ``value`` (*grid, [draw,]
        year, importer, exporter, product) summed over each listed HS prefix.
    """
    p = plan(sweep, baseline, chunk)
    if sweep.outputs.products:
        _members(baseline, sweep.outputs.products)  # fail before any work
    ds = _template(sweep, baseline, p, lazy=False)
    with _forget_prepared():
        for c in p.chunks():
            _, arrays = _compute_chunk(sweep, baseline, ranges, p, c)
            for name, values in arrays.items():
                if _writes(p, c, name):
                    ds[name].values[_region(p, c, name)] = _placed(p, c, values)
    return ds


# --------------------------------------------------------------------------- zarr store


@dataclass(frozen=True)
class SweepRun:
    """What :func:`run_sweep` did: chunks before, chunks computed (with those recomputed
    because their data did not match their marker), the session number, the Dask dashboard
    (when a distributed client ran it), and the summary."""

    store: str
    plan: Plan
    session: int
    done_before: int
    computed: tuple[Chunk, ...]
    seconds: float
    summary: xr.Dataset | None = None
    repaired: tuple[Chunk, ...] = ()
    dashboard: str | None = None


_ZARR: dict[str, Any] = {"zarr_format": 2}


def _create(t: store.Target, template: xr.Dataset, p: Plan, sweep: Sweep) -> None:
    """Write the store's metadata, coordinates and bookkeeping (for a local store into a
    temporary folder, then renamed into place), consolidated."""
    names = _names(sweep)

    def write(where: store.Target) -> None:
        template.to_zarr(where.zarr_store(), compute=False, mode="w-", consolidated=False,
                         **_ZARR, **where.open_kwargs())
        root = store.open_root(where)
        book = root.create_group(store.BOOK)
        book.create_array("done", shape=p.shape, chunks=(1,) * len(p.shape), dtype="i4",
                          fill_value=0)
        book.create_array("digest", shape=(*p.shape, len(names)),
                          chunks=(1,) * len(p.shape) + (len(names),), dtype="u8", fill_value=0)
        book.attrs.update(format=store.FORMAT, tradesim=tradesim_version(),
                          grid=list(p.grid), grid_chunks=list(p.grid_chunks),
                          n_draws=p.n_draws, draw_chunk=p.draw_chunk, sessions=0,
                          variables=names, summary_session=0,
                          description="tradesim bookkeeping: done = session that wrote each "
                          "chunk (0: not done), digest = hash of each array it wrote")
        store.consolidate(where)

    if not t.local:
        write(t)
        return
    path = t.path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        write(store.target(tmp / "s.zarr"))
        try:
            os.replace(tmp / "s.zarr", path)
        except OSError as err:  # another process created it meanwhile
            raise StoreError(f"{t} exists: pass resume=True (tradesim sweep --resume) to "
                             "finish it, or choose another output") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _open(t: store.Target, sweep: Sweep) -> tuple[Any, Any, Plan, dict[str, Any]]:
    """The store's root group, bookkeeping group, plan and bookkeeping attributes, every
    damage or mismatch a :class:`StoreError` naming the store and what to do."""
    root = store.open_root(t)
    attrs: dict[str, Any] = dict(root.attrs)
    if "sweep_digest" not in attrs:
        raise StoreError(f"{t}: the store's attributes are damaged (no sweep_digest); it "
                         "cannot be resumed: start again with --overwrite or choose another "
                         "output")
    book, battrs = store.open_book(root, t)
    if attrs.get("sweep_digest") != sweep.digest():
        raise StoreError(f"{t} holds another sweep ({attrs.get('sweep_name')!r}, digest "
                         f"{attrs.get('sweep_digest')}; this one is {sweep.digest()}): choose "
                         "another output, or --overwrite to replace it")
    for name in _names(sweep):
        try:
            root[name]
        except Exception as err:  # noqa: BLE001 - missing or unreadable .zarray
            raise StoreError(f"{t}: the metadata of the array {name!r} is unreadable "
                             f"({type(err).__name__}); the store cannot be resumed: start "
                             "again with --overwrite or choose another output") from err
    here = tradesim_version()
    if battrs["tradesim"] != here:
        raise StoreError(f"{t} was started by tradesim {battrs['tradesim']}; this is tradesim "
                         f"{here}: finish it with tradesim {battrs['tradesim']} (results of "
                         "two versions are not mixed in one store), or start again with "
                         "--overwrite")
    p = Plan(tuple(battrs["grid"]), battrs["n_draws"], tuple(battrs["grid_chunks"]),
             battrs["draw_chunk"])
    grid = tuple(len(a.values) for a in sweep.grid)
    shapes_ok = False
    with contextlib.suppress(Exception):
        shapes_ok = (tuple(book["done"].shape) == p.shape and p.grid == grid
                     and battrs["variables"] == _names(sweep))
    if not shapes_ok:
        raise StoreError(f"{t}: the bookkeeping does not fit the sweep (chunk markers or "
                         "plan damaged); start again with --overwrite or choose another "
                         "output")
    return root, book, p, battrs


def open_store(source: str | os.PathLike[str],
               storage_options: Mapping[str, Any] | None = None,
               chunks: Mapping[str, int] | None = None, *, dask: bool = True) -> xr.Dataset:
    """Open a sweep store lazily, exactly as ``xr.open_zarr`` does (consolidated metadata;
    usable while incomplete: missing chunks read as NaN). The bookkeeping is not included.
    ``chunks``: Dask chunks by dim (default: the store's own), e.g. several store chunks along
    ``draw`` per task to read the whole store faster. ``dask=False``: no Dask (``chunks=None``):
    each read of a variable or a slice of one is one call into zarr, which fetches its store
    chunks concurrently; the summary and the tables read so (6× faster than Dask tasks on
    ``sweeps/framework-mc.toml``'s totals)."""
    t = store.target(source, storage_options)
    if not dask:
        return xr.open_zarr(t.zarr_store(), chunks=None, **t.open_kwargs())
    if chunks:
        return xr.open_zarr(t.zarr_store(), chunks=dict(chunks), **t.open_kwargs())
    return xr.open_zarr(t.zarr_store(), **t.open_kwargs())


def reading_chunks(source: str | os.PathLike[str],
                   storage_options: Mapping[str, Any] | None = None,
                   memory: int = SUMMARY_MEMORY // 6) -> dict[str, int]:
    """Dask chunks that read a whole sweep store fast, for :func:`open_store`: along ``draw``,
    as many store chunks per task as fit in ``memory`` bytes of the largest array (each store
    chunk is a file; one task per file costs more than reading it). Empty without draws."""
    t = store.target(source, storage_options)
    root = store.open_root(t, mode="r")
    per, draw_chunk = 0, 0
    for name, arr in root.arrays():
        dims = list(arr.attrs.get("_ARRAY_DIMENSIONS", []))
        if DRAW in dims and name not in dims:  # a result, not a coordinate
            per = max(per, math.prod(arr.chunks) * arr.dtype.itemsize)
            draw_chunk = int(arr.chunks[dims.index(DRAW)])
    if not draw_chunk:
        return {}
    return {DRAW: max(1, memory // max(per, 1)) * draw_chunk}


def remove_store(source: str | os.PathLike[str],
                 storage_options: Mapping[str, Any] | None = None) -> None:
    """Delete a sweep store and its lock file (refused for anything that is not a zarr
    store)."""
    t = store.target(source, storage_options)
    with store.locked(t):
        t.remove()
    store.unlock_file(t)


def _marks(book: Any, p: Plan, t: store.Target) -> tuple[np.ndarray, np.ndarray]:
    """``done`` and ``digest`` arrays; chunks whose marker cannot be read count as not done
    (with a warning naming them)."""
    try:
        return np.asarray(book["done"][...]), np.asarray(book["digest"][...])
    except Exception:  # noqa: BLE001 - some marker is damaged: read them one by one
        pass
    done = np.zeros(p.shape, dtype="i4")
    digests = np.zeros((*p.shape, book["digest"].shape[-1]), dtype="u8")
    for c in p.chunks():
        try:
            done[c], digests[c] = book["done"][c], book["digest"][c]
        except Exception:  # noqa: BLE001
            done[c] = 0
            log.warning("%s: the marker of chunk %s is unreadable; that chunk is recomputed",
                        t, c)
    return done, digests


def _verify(root: Any, p: Plan, c: Chunk, names: Sequence[str], want: np.ndarray) -> str:
    """'' when every array of a marked chunk matches its digest, else what is wrong."""
    for k, name in enumerate(names):
        if not _writes(p, c, name):
            continue
        if int(want[k]) == 0:
            return f"no digest for {name}"
        try:
            got = store.digest(np.asarray(root[name][_region(p, c, name)]))
        except Exception as err:  # noqa: BLE001 - a corrupt zarr chunk fails to decode
            return f"{name} unreadable ({type(err).__name__})"
        if got != int(want[k]):
            return f"{name} does not match its digest (missing or corrupt zarr chunk)"
    return ""


def chunk_task(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None, p: Plan,
               chunk: Chunk, t: store.Target, session: int, version: str,
               opened: dict[str, Any] | None = None) -> tuple[Chunk, int]:
    """Compute one chunk and write it into the store, then its digests, then its marker (on
    whichever worker runs it). Returns only (chunk, session): the data never travels back.
    ``opened``: the store's arrays already opened by this thread (filled on first use), so a
    thread opens each array's metadata once per run, not once per chunk.

    Raises
    ------
    StoreError
        This worker's tradesim is not ``version`` (the client's); nothing is written.
    """
    here = tradesim_version()
    if here != version:
        raise StoreError(f"a worker runs tradesim {here}, this client tradesim {version}: "
                         f"install tradesim {version} on every worker; nothing was written, "
                         "the store can be resumed (--resume)")
    c, arrays = _compute_chunk(sweep, baseline, ranges, p, chunk)
    names = _names(sweep)
    if opened is None or not opened:
        root = store.open_root(t)
        book = root[store.BOOK]
        found = {name: root[name] for name in names}
        found.update({"_digest": book["digest"], "_done": book["done"]})
        if opened is not None:
            opened.update(found)
        opened = found
    digests = np.zeros(len(names), dtype="u8")
    for k, name in enumerate(names):
        if _writes(p, c, name):
            values = _placed(p, c, arrays[name])
            opened[name][_region(p, c, name)] = values
            digests[k] = store.digest(values)
    opened["_digest"][c] = digests
    opened["_done"][c] = session  # written last: the chunk is complete
    return c, session


def _local(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None, p: Plan,
           todo: Sequence[Chunk], t: store.Target, session: int,
           done: Callable[[Chunk], None]) -> None:
    """Dask's local threaded scheduler; each task writes its chunk as soon as it finishes."""
    import dask

    lock = threading.Lock()
    tag = uuid.uuid4().hex  # named keys: no hashing of the baseline's arrays
    big = [dask.delayed(x, name=f"{n}-{tag}", traverse=False)
           for n, x in (("sweep", sweep), ("baseline", baseline), ("ranges", ranges))]
    version = tradesim_version()

    per_thread = threading.local()  # each thread's opened arrays, for this run only

    def task(s: Sweep, b: xr.Dataset, r: xr.Dataset | None, c: Chunk) -> None:
        if not hasattr(per_thread, "opened"):
            per_thread.opened = {}
        chunk, _ = chunk_task(s, b, r, p, c, t, session, version, per_thread.opened)
        with lock:
            done(chunk)

    tasks = [dask.delayed(task, pure=False)(*big, c) for c in todo]
    import dask.threaded

    # the threaded scheduler itself: by name, Dask first imports distributed (0.25 s) to look
    # for a client
    dask.compute(*tasks, scheduler=dask.threaded.get, num_workers=os.cpu_count() or 1)


def _distributed(client: Any, sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None,
                 p: Plan, todo: Sequence[Chunk], t: store.Target, session: int,
                 done: Callable[[Chunk], None]) -> None:
    """A ``distributed`` client: workers compute and write their chunks into the store
    themselves (it must be reachable from them: a shared file system or an object store
    URL); only (chunk, session) comes back. At most two chunks per worker thread are in
    flight. Workers with another tradesim version are refused before any work."""
    from distributed import as_completed

    version = tradesim_version()
    other = {w: v for w, v in client.run(tradesim_version).items() if v != version}
    if other:
        listing = ", ".join(f"{w} runs {v}" for w, v in sorted(other.items()))
        raise StoreError(f"workers with another tradesim version ({listing}); this client "
                         f"runs tradesim {version}: install the same version on every worker. "
                         f"Nothing was computed; {t} can be resumed (--resume)")
    shared = [client.scatter(x, broadcast=True) for x in (sweep, baseline)]
    rng = client.scatter(ranges, broadcast=True) if ranges is not None else None
    threads = sum(client.nthreads().values()) or 1
    pending = iter(todo)
    submit = lambda c: client.submit(chunk_task, *shared, rng, p, c, t,  # noqa: E731
                                     session, version, pure=False)
    running = [submit(c) for c in itertools.islice(pending, 2 * threads)]
    futures = as_completed(running)
    try:
        for future in futures:
            chunk, _ = future.result()
            future.release()
            done(chunk)
            nxt = next(pending, None)
            if nxt is not None:
                f = submit(nxt)
                running.append(f)
                futures.add(f)
    except BaseException:
        client.cancel(running)
        raise


def run_sweep(sweep: Sweep, baseline: xr.Dataset, store_url: str | os.PathLike[str], *,
              ranges: xr.Dataset | None = None, resume: bool = False, overwrite: bool = False,
              chunk: int | None = None, scheduler: Any = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              storage_options: Mapping[str, Any] | None = None,
              lock_timeout: float = -1) -> SweepRun:
    """Run a sweep into a zarr store, chunk by chunk, resumable.

    Parameters
    ----------
    sweep, baseline : Sweep, Dataset
    store_url : path or URL
        A local path or an fsspec URL (``file://``, ``s3://`` … with ``storage_options``). A
        new store is created with every array pre-allocated; with ``resume``, one this sweep
        started: only the chunks not marked done, or whose data no longer matches its marker,
        are computed; with ``overwrite`` an existing store is replaced.
    ranges : Dataset, optional
        Elasticity ranges for draws from the embedded table
        (:func:`tradesim.io.elasticity_ranges`).
    chunk : int, optional
        Points per chunk (default: the sweep's ``chunk``, else by memory); ignored on resume.
    scheduler : None, str or distributed.Client
        None: Dask's local threaded scheduler, or, with ``workers``, a ``LocalCluster`` of that
        many single-threaded processes. A ``"tcp://host:port"`` address or a Client: that
        cluster; its workers write their chunks into the store themselves, so it must be
        reachable from them (an object store URL, or a shared file system).
    progress : callable, optional
        ``progress(done, total)`` after each written chunk (and once at the start).
    lock_timeout : float
        Seconds to wait for another process holding a local store's lock (-1: no limit).

    Returns
    -------
    SweepRun

    Raises
    ------
    StoreError
        The store exists without ``resume`` or ``overwrite``, holds another sweep, was
        started by another tradesim version, or its metadata or bookkeeping is damaged; a
        worker runs another tradesim version (the store stays resumable).

    Notes
    -----
    A chunk's data is written into its own zarr chunks, then a digest of each array, then its
    marker (the session number), so a killed run leaves every marked chunk complete; a resume
    checks every marked chunk against its digests and recomputes those that fail. Local
    stores are locked (``<store>.lock``), so two processes on one store run one after the
    other. When every chunk is done the summary (:func:`summarize`) is added and the
    metadata consolidated; an interrupted summary is written by the next resume, without
    recomputing any chunk.
    """
    start = time.perf_counter()
    t = store.target(store_url, storage_options)
    if t.url.lower().rstrip("/").endswith((".nc", ".nc4", ".netcdf")):
        raise StoreError(f"{t}: run_sweep writes a zarr store; for netCDF run into a zarr "
                         "store and write it with tradesim.io.write_result (tradesim sweep -o "
                         "x.nc does both)")
    if resume and overwrite:
        raise StoreError("resume or overwrite, not both: resume finishes a store, overwrite "
                         "replaces it")
    if sweep.outputs.products:
        _members(baseline, sweep.outputs.products)  # fail before any work
    with store.locked(t, lock_timeout):
        if t.exists():
            if overwrite:
                t.remove()
            elif not resume:
                raise StoreError(f"{t} exists: pass resume=True (tradesim sweep --resume) to "
                                 "finish it, overwrite=True (--overwrite) to replace it, or "
                                 "choose another output")
            else:
                _open(t, sweep)  # damaged or another sweep's store: fail before a cluster
        with _cluster(scheduler, workers) as client:
            dashboard = _dashboard(client)
            if dashboard:
                log.info("Dask dashboard: %s", dashboard)
            elif client is not None:
                log.info("Dask dashboard: none served by this scheduler (it needs bokeh: pip "
                         "install bokeh)")
            existed = t.exists()
            if not existed:
                fresh = plan(sweep, baseline, chunk)
                _create(t, _template(sweep, baseline, fresh, lazy=True), fresh, sweep)
            root, book, p, battrs = _open(t, sweep)
            if existed and chunk is not None and chunk != p.scenario_chunk * max(p.draw_chunk,
                                                                                 1):
                log.info("%s: resumed with its own chunking (%d grid point(s) × %d draw(s)); "
                         "the chunk size given is ignored", t, p.scenario_chunk,
                         max(p.draw_chunk, 1))
            session = int(battrs["sessions"]) + 1
            book.attrs["sessions"] = session
            store.consolidate(t)  # rebuilt from the per-array metadata, checked by _open
            names = _names(sweep)
            marks, digests = _marks(book, p, t)
            todo, repaired = [], []
            for c in p.chunks():
                if marks[c] == 0:
                    todo.append(c)
                    continue
                wrong = _verify(root, p, c, names, digests[c])
                if wrong:
                    log.warning("%s: chunk %s is marked done but %s; recomputing it", t, c,
                                wrong)
                    todo.append(c)
                    repaired.append(c)
            total, before = len(p.chunks()), len(p.chunks()) - len(todo)
            count = [before]
            computed: list[Chunk] = []

            def done(c: Chunk) -> None:
                computed.append(c)
                count[0] += 1
                if progress is not None:
                    progress(count[0], total)

            log.info("%s: %d of %d chunk(s) already done; session %d", t, before, total,
                     session)
            if progress is not None:
                progress(before, total)
            with _forget_prepared():
                if todo and client is None:
                    _local(sweep, baseline, ranges, p, todo, t, session, done)
                elif todo:
                    _distributed(client, sweep, baseline, ranges, p, todo, t, session, done)
        summary = _finish(t, sweep, book, p, session, computed, count[0] == total)
    return SweepRun(str(t), p, session, before, tuple(computed), time.perf_counter() - start,
                    summary, tuple(repaired), dashboard)


def _finish(t: store.Target, sweep: Sweep, book: Any, p: Plan, session: int,
            computed: Sequence[Chunk], complete: bool) -> xr.Dataset | None:
    """Check this session's chunks reached the store; when all are done, write the summary
    (unless an earlier session did and nothing changed) and consolidate the metadata."""
    marks, _ = _marks(book, p, t)
    lost = [c for c in computed if marks[c] != session]
    if lost:
        raise StoreError(f"{t}: {len(lost)} chunk(s) reported written by the workers are not "
                         "in the store: the workers must reach the same store as this process "
                         "(an object store URL such as s3://…, or a shared file system)")
    summary = None
    if complete:
        results = open_store(t.zarr_store(), t.storage_options or None) if not computed and \
            int(book.attrs.get("summary_session", 0)) else None
        if results is not None:
            summary = results[[n for n in results.data_vars if str(n).endswith("_quantile")
                               or n in ("probability", "holds")]]
        else:
            store.consolidate(t)  # the user's view of the results is current
            # a lazy array larger than the summary's memory is transposed through a scratch
            # file beside a local store (not in a temporary folder that may live in memory)
            results = open_store(t.zarr_store(), t.storage_options or None, dask=False)
            _release_freed_memory()
            summary = summarize(results, sweep, scratch=t.path.parent if t.local else None)
            summary.attrs = dict(store.open_root(t).attrs)
            summary.to_zarr(t.zarr_store(), mode="a", consolidated=False, **_ZARR,
                            **t.open_kwargs())
            book.attrs["summary_session"] = session
    store.consolidate(t)
    return summary


def _release_freed_memory() -> None:
    """Give the memory the chunks freed back to the system before the summary (glibc's
    ``malloc_trim``; nothing elsewhere).

    ``tradesim sweep`` keeps freed memory for the next chunk
    (:func:`tradesim.cli._reuse_freed_memory`); the summary's blocks have other sizes, so
    without this its peak came on top of the chunks' high-water mark and grew with the draws:
    ``sweeps/framework-mc.toml`` peaked at 228 / 260 / 287 MB at 10³ / 10⁴ / 4×10⁴ draws,
    and at 231 / 262 / 264 MB with it (resident memory sampled every 50 ms).
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _dashboard(client: Any) -> str | None:
    """The Dask dashboard link of a distributed client, when the scheduler serves one."""
    if client is None:
        return None
    with contextlib.suppress(Exception):
        if "dashboard" in client.scheduler_info().get("services", {}):
            return str(client.dashboard_link)
    return None


@contextlib.contextmanager
def _cluster(scheduler: Any, workers: int | None) -> Iterator[Any]:
    """None (Dask's local threads), or a distributed Client: a LocalCluster of ``workers``
    processes, a scheduler address, or the given Client (left open)."""
    if scheduler is None and workers is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is None:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
    elif isinstance(scheduler, str):
        with Client(scheduler, timeout="15s") as client:
            yield client
    else:
        yield scheduler

"""Sweeps: grids of scenario variants and Monte Carlo draws as the ``scenario``/``draw`` dims.

A :class:`~tradesim.scenario.sweep_file.Sweep` (see :mod:`tradesim.scenario.sweep_file`) is
evaluated in chunks along ``scenario`` and ``draw``; each chunk is one vectorised
:func:`tradesim.model.trajectory.run`, reduced at once to the requested outputs, so memory is
bounded by the chunk. :func:`evaluate` runs a sweep in memory; :func:`run_sweep` runs it with Dask
(local threads, or a ``distributed`` cluster), writes each finished chunk into a pre-created zarr
store and then marks it done, so ``resume=True`` computes exactly the missing chunks.
:func:`summarize` turns the draws into quantiles and probabilities.

Draws are reproducible whatever the chunking or the number of workers: draw ``d`` of a
parameter comes from the stream ``SeedSequence(seed, spawn_key=(d // DRAW_BLOCK, param))``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

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
    "Distribution",
    "MonteCarlo",
    "Outputs",
    "Plan",
    "Statement",
    "Sweep",
    "SweepRun",
    "centres",
    "evaluate",
    "nanquantile",
    "open_store",
    "parse_sweep",
    "plan",
    "run_sweep",
    "sample",
    "summarize",
    "summary_tables",
]

#: Bytes the engine holds per evaluated cell (measured peak of ``trajectory.run`` ÷ cells).
ENGINE_BYTES_PER_CELL = 120
#: The same when the sweep keeps totals only (``run(..., keep=TOTALS)``: the price index is the
#: only full-size quantity; measured peak ÷ cells ≈ 40 on the framework sweep).
TOTALS_BYTES_PER_CELL = 48
#: Default memory budget of one chunk's evaluation, bytes.
CHUNK_MEMORY = 512 * 2**20
_Z75 = float(special.ndtri(0.75))  # 0.6745: the quartiles of a normal are ±0.6745 sd


# --------------------------------------------------------------------------- draws


def _normals(mc: MonteCarlo, param: str, block: int, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normals (DRAW_BLOCK, *shape) of one block; a share ``correlation`` of the
    variance is common to all cells of a draw."""
    rng = np.random.default_rng(np.random.SeedSequence(mc.seed,
                                                       spawn_key=(block, PARAMS[param])))
    common = rng.standard_normal((DRAW_BLOCK,) + (1,) * len(shape))
    own = rng.standard_normal((DRAW_BLOCK, *shape))
    return math.sqrt(mc.correlation) * common + math.sqrt(1.0 - mc.correlation) * own


def _range(d: Distribution, centre: np.ndarray,
           ranges: xr.Dataset | None) -> tuple[np.ndarray, np.ndarray]:
    if d.low is not None and d.high is not None:
        return np.full_like(centre, d.low), np.full_like(centre, d.high)
    if ranges is None or f"{d.param}_low" not in ranges:
        raise ScheduleError(f"drawing {d.param} from the embedded range needs the elasticity "
                            f"ranges (tradesim.io.elasticity_ranges(baseline))")
    get = lambda k: ranges[k].transpose(IMPORTER, PRODUCT).to_numpy()  # noqa: E731
    return get(f"{d.param}_low"), get(f"{d.param}_high")


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
        mid = centre[d.param].transpose(IMPORTER, PRODUCT).to_numpy()
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


@dataclass(frozen=True)
class Plan:
    """Chunking of a sweep: ``scenario_chunk`` × ``draw_chunk`` points per chunk."""

    n_scenarios: int
    n_draws: int  # 0: no draw dimension
    scenario_chunk: int
    draw_chunk: int  # 0 when n_draws == 0

    @property
    def shape(self) -> tuple[int, int]:
        """Number of chunks along (scenario, draw)."""
        nd = -(-self.n_draws // self.draw_chunk) if self.n_draws else 1
        return -(-self.n_scenarios // self.scenario_chunk), nd

    def chunks(self) -> list[tuple[int, int]]:
        """Every chunk index (i, j) in C order."""
        n_s, n_d = self.shape
        return [(i, j) for i in range(n_s) for j in range(n_d)]

    def slices(self, chunk: tuple[int, int]) -> tuple[slice, slice | None]:
        """Scenario and draw ranges of one chunk (draws: None without Monte Carlo)."""
        i, j = chunk
        s = slice(i * self.scenario_chunk, min((i + 1) * self.scenario_chunk, self.n_scenarios))
        if not self.n_draws:
            return s, None
        return s, slice(j * self.draw_chunk, min((j + 1) * self.draw_chunk, self.n_draws))


def plan(sweep: Sweep, baseline: xr.Dataset, chunk: int | None = None,
         memory: int = CHUNK_MEMORY, parallel: int | None = None) -> Plan:
    """Chunk a sweep, draws first: ``chunk`` points (scenario × draw) per chunk; default the
    sweep's ``chunk``, else what fits in ``memory`` bytes at :data:`ENGINE_BYTES_PER_CELL`,
    but small enough to give each of ``parallel`` (default: CPU count) workers two chunks."""
    cells = len(sweep.years) * math.prod(baseline.sizes[d] for d in (IMPORTER, EXPORTER,
                                                                         PRODUCT))
    n_s, n_d = len(sweep.points), sweep.n_draws
    spread = -(-n_s * max(n_d, 1) // (2 * (parallel or os.cpu_count() or 1)))
    per_cell = TOTALS_BYTES_PER_CELL if not sweep.outputs.products else ENGINE_BYTES_PER_CELL
    points = chunk or sweep.chunk or max(1, min(memory // (cells * per_cell), spread))
    if n_d:
        draw_chunk = min(n_d, points)
        return Plan(n_s, n_d, min(n_s, max(1, points // draw_chunk)), draw_chunk)
    return Plan(n_s, 0, min(n_s, points), 0)


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


def _compute_chunk(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None, p: Plan,
                   chunk: tuple[int, int]) -> tuple[tuple[int, int], dict[str, np.ndarray]]:
    """Evaluate one chunk and reduce it to the outputs (pure; runs on any worker)."""
    rows, cols = p.slices(chunk)
    draws = None
    if sweep.monte_carlo is not None and cols is not None:
        draws = sample(sweep.monte_carlo, centres(baseline), ranges, cols.start, cols.stop)
    keep = [*sweep.outputs.variables, *(f"{v}_baseline" for v in sweep.outputs.variables)]
    if sweep.outputs.products:
        keep.append("value")  # product detail needs every supplier: the full pass
    result = trajectory.run(baseline, sweep.points[rows], draws, sweep.labels[rows], keep=keep)
    lead = (SCENARIO, DRAW) if draws is not None else (SCENARIO,)
    out = {}
    for var in sweep.outputs.variables:
        out[var] = result[var].transpose(*lead, YEAR).to_numpy()
        # per draw: on a baseline anchored to an observed year the no-policy path depends on
        # the draw's elasticities (tradesim.model.response.reanchor)
        out[f"{var}_baseline"] = result[f"{var}_baseline"].transpose(*lead, YEAR).to_numpy()
    if sweep.outputs.products:
        order, starts = _members(baseline, sweep.outputs.products)
        value = result["value"].transpose(*lead, YEAR, IMPORTER, EXPORTER, PRODUCT).to_numpy()
        out["value"] = np.add.reduceat(value[..., order], starts, axis=-1)
    return chunk, out


# --------------------------------------------------------------------------- layout


def _template(sweep: Sweep, baseline: xr.Dataset, p: Plan, lazy: bool) -> xr.Dataset:
    """Empty result Dataset (NaN), chunked like the plan; dask-backed when ``lazy``."""
    years = np.array(list(sweep.years))
    lead = [SCENARIO] + ([DRAW] if p.n_draws else [])
    sizes = {SCENARIO: p.n_scenarios, DRAW: p.n_draws, YEAR: len(years),
             IMPORTER: baseline.sizes[IMPORTER], EXPORTER: baseline.sizes[EXPORTER],
             PRODUCT: len(sweep.outputs.products)}
    chunks = {SCENARIO: p.scenario_chunk, DRAW: p.draw_chunk}

    def empty(dims: Sequence[str]) -> tuple[Sequence[str], Any]:
        shape = tuple(sizes[d] for d in dims)
        if lazy:
            import dask.array as da

            return dims, da.full(shape, np.nan, chunks=tuple(chunks.get(d, sizes[d])
                                                             for d in dims))
        return dims, np.full(shape, np.nan)

    units = "USD"
    data: dict[str, Any] = {}
    for var in sweep.outputs.variables:
        data[var] = empty([*lead, YEAR])
        data[f"{var}_baseline"] = empty([*lead, YEAR])
    if sweep.outputs.products:
        data["value"] = empty([*lead, YEAR, IMPORTER, EXPORTER, PRODUCT])
    coords: dict[str, Any] = {SCENARIO: list(sweep.labels), YEAR: years}
    if p.n_draws:
        coords[DRAW] = np.arange(p.n_draws)
    if sweep.outputs.products:
        coords.update({IMPORTER: list(baseline.indexes[IMPORTER]),
                       EXPORTER: list(baseline.indexes[EXPORTER]),
                       PRODUCT: list(sweep.outputs.products)})
    grid = np.array(list(itertools.product(*(a.values for a in sweep.grid)))).reshape(
        p.n_scenarios, len(sweep.grid))
    for k, a in enumerate(sweep.grid):
        coords[a.path] = (SCENARIO, grid[:, k], {"units": a.unit})
    ds = xr.Dataset(data, coords=coords)
    for da in ds.data_vars.values():
        da.attrs["units"] = units
    ds.attrs.update(sweep=json.dumps(sweep.spec(), default=str), sweep_digest=sweep.digest(),
                    sweep_name=sweep.name, sweep_title=sweep.title,
                    base_scenario=sweep.base.name, base_file=sweep.base.file,
                    baseline_resolution=str(baseline.attrs.get("resolution", "")),
                    scenario_chunk=p.scenario_chunk, draw_chunk=p.draw_chunk,
                    basis="balance = US exports to Vietnam − US imports from Vietnam, US "
                          "statistics, USD")
    return ds


def _region(p: Plan, chunk: tuple[int, int], name: str) -> tuple[slice, ...]:
    """Where a chunk's array goes in the full output."""
    rows, cols = p.slices(chunk)
    if cols is None:
        return (rows,)
    return (rows, cols)


def evaluate(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None = None,
             chunk: int | None = None) -> xr.Dataset:
    """Run a whole sweep in memory (chunk by chunk, in this process).

    Returns
    -------
    Dataset
        For each output variable ``v``: ``v`` (scenario, [draw,] year; USD) and
        ``v_baseline`` (scenario, [draw,] year); ``value`` (scenario, [draw,] year, importer,
        exporter, product) summed over each listed HS prefix. One coordinate per grid key.
    """
    p = plan(sweep, baseline, chunk)
    if sweep.outputs.products:
        _members(baseline, sweep.outputs.products)  # fail before any work
    ds = _template(sweep, baseline, p, lazy=False)
    for c in p.chunks():
        _, arrays = _compute_chunk(sweep, baseline, ranges, p, c)
        for name, values in arrays.items():
            ds[name].values[_region(p, c, name)] = values
    return ds


# --------------------------------------------------------------------------- zarr store


@dataclass(frozen=True)
class SweepRun:
    """What :func:`run_sweep` did: chunks before, chunks computed, the session number, and
    the summary once every chunk is done (else None)."""

    store: Path
    plan: Plan
    session: int
    done_before: int
    computed: tuple[tuple[int, int], ...]
    seconds: float
    summary: xr.Dataset | None = None


_ZARR: dict[str, Any] = {"consolidated": False, "zarr_format": 2}


def _create(path: Path, template: xr.Dataset, p: Plan) -> None:
    """Write the store's metadata and coordinates into a temporary folder, then rename."""
    if path.exists():
        raise StoreError(f"{path} exists: pass resume=True (tradesim sweep --resume) to finish "
                         "it, or choose another output")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        ds = template.copy()
        ds["chunk_done"] = (("scenario_chunk", "draw_chunk"), np.zeros(p.shape, dtype="i4"))
        ds["chunk_done"].attrs["description"] = ("0: not done; n: written in session n "
                                                  "(marked after the chunk's data)")
        ds.attrs["sessions"] = 0
        encoding = {"chunk_done": {"chunks": (1, 1)}}
        ds.to_zarr(tmp / "s.zarr", compute=False, encoding=encoding, **_ZARR)
        import zarr

        group: Any = zarr.open_group(tmp / "s.zarr", mode="r+", zarr_format=2)
        group["chunk_done"][:] = 0
        os.replace(tmp / "s.zarr", path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _open(path: Path, sweep: Sweep) -> tuple[Any, Plan]:
    import zarr

    group: Any = zarr.open_group(path, mode="r+", zarr_format=2)
    attrs: dict[str, Any] = dict(group.attrs)
    if attrs.get("sweep_digest") != sweep.digest():
        raise StoreError(f"{path} holds another sweep ({attrs.get('sweep_name')!r}, digest "
                         f"{attrs.get('sweep_digest')}; this one is {sweep.digest()}): choose "
                         "another output")
    n_s = group["scenario"].shape[0]
    n_d = group["draw"].shape[0] if "draw" in group else 0
    return group, Plan(n_s, n_d, int(attrs["scenario_chunk"]), int(attrs["draw_chunk"]))


def open_store(path: str | os.PathLike[str]) -> xr.Dataset:
    """Open a sweep store lazily (usable while incomplete: missing chunks read as NaN)."""
    return xr.open_zarr(path, **_ZARR)


def _local(sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None, p: Plan,
           todo: Sequence[tuple[int, int]], sink: Callable[[tuple[int, int], dict], None]) -> None:
    """Dask's local threaded scheduler; each task writes its chunk as soon as it finishes."""
    import dask

    lock = threading.Lock()
    tag = uuid.uuid4().hex  # named keys: no hashing of the baseline's arrays
    big = [dask.delayed(x, name=f"{n}-{tag}", traverse=False)
           for n, x in (("sweep", sweep), ("baseline", baseline), ("ranges", ranges))]

    def task(s: Sweep, b: xr.Dataset, r: xr.Dataset | None, c: tuple[int, int]) -> None:
        chunk, arrays = _compute_chunk(s, b, r, p, c)
        with lock:
            sink(chunk, arrays)

    tasks = [dask.delayed(task, pure=False)(*big, c) for c in todo]
    dask.compute(*tasks, scheduler="threads", num_workers=os.cpu_count() or 1)


def _distributed(client: Any, sweep: Sweep, baseline: xr.Dataset, ranges: xr.Dataset | None,
                 p: Plan, todo: Sequence[tuple[int, int]],
                 sink: Callable[[tuple[int, int], dict], None]) -> None:
    """A ``distributed`` client: workers compute, this process writes as chunks finish; at
    most two chunks per worker thread are in flight, so memory stays bounded."""
    from distributed import as_completed

    shared = [client.scatter(x, broadcast=True) for x in (sweep, baseline)]
    rng = client.scatter(ranges, broadcast=True) if ranges is not None else None
    threads = sum(client.nthreads().values()) or 1
    pending = iter(todo)
    submit = lambda c: client.submit(_compute_chunk, *shared, rng, p, c, pure=False)  # noqa: E731
    futures = as_completed([submit(c) for c in itertools.islice(pending, 2 * threads)])
    for future in futures:
        chunk, arrays = future.result()
        future.release()
        sink(chunk, arrays)
        nxt = next(pending, None)
        if nxt is not None:
            futures.add(submit(nxt))


def run_sweep(sweep: Sweep, baseline: xr.Dataset, store: str | os.PathLike[str], *,
              ranges: xr.Dataset | None = None, resume: bool = False, chunk: int | None = None,
              scheduler: Any = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepRun:
    """Run a sweep into a zarr store, chunk by chunk, resumable.

    Parameters
    ----------
    sweep, baseline : Sweep, Dataset
    store : path
        A new zarr store (created atomically with every array pre-allocated), or, with
        ``resume``, one this sweep started: only the chunks not marked done are computed.
    ranges : Dataset, optional
        Elasticity ranges for draws from the embedded table
        (:func:`tradesim.io.elasticity_ranges`).
    chunk : int, optional
        Points per chunk (default: the sweep's ``chunk``, else by memory); ignored on resume.
    scheduler : None, str or distributed.Client
        None: Dask's local threaded scheduler (``workers`` threads, default all cores), or,
        with ``workers``, a ``LocalCluster`` of that many single-threaded processes. A
        ``"tcp://host:port"`` address or a Client: that cluster (workers need not share a
        file system: results come back to this process, which writes them).
    progress : callable, optional
        ``progress(done, total)`` after each written chunk (and once at the start).

    Returns
    -------
    SweepRun

    Raises
    ------
    StoreError
        The store exists without ``resume``, or holds another sweep.

    Notes
    -----
    A chunk's data is written into its own zarr chunks before its ``chunk_done`` marker (the
    session number), so a killed run leaves every marked chunk complete and unmarked chunks
    are recomputed whole; nothing is computed twice. When every chunk is done the summary
    (:func:`summarize`) is added to the store.
    """
    start = time.perf_counter()
    path = Path(store)
    if sweep.outputs.products:
        _members(baseline, sweep.outputs.products)  # fail before any work
    if path.exists():
        if not resume:
            raise StoreError(f"{path} exists: pass resume=True (tradesim sweep --resume) to "
                             "finish it, or choose another output")
        _open(path, sweep)  # another sweep's store: fail before starting a cluster
    with _cluster(scheduler, workers) as client:
        if not path.exists():
            fresh = plan(sweep, baseline, chunk)
            _create(path, _template(sweep, baseline, fresh, lazy=True), fresh)
        group, p = _open(path, sweep)
        session = int(group.attrs.get("sessions", 0)) + 1
        group.attrs["sessions"] = session
        done = np.asarray(group["chunk_done"][:])
        todo = [c for c in p.chunks() if done[c] == 0]
        total, before = len(p.chunks()), len(p.chunks()) - len(todo)
        count = [before]
        computed: list[tuple[int, int]] = []

        def sink(c: tuple[int, int], arrays: dict[str, np.ndarray]) -> None:
            for name, values in arrays.items():
                group[name][_region(p, c, name)] = values
            group["chunk_done"][c] = session  # written last: the chunk is complete
            computed.append(c)
            count[0] += 1
            if progress is not None:
                progress(count[0], total)

        if progress is not None:
            progress(before, total)
        if todo and client is None:
            _local(sweep, baseline, ranges, p, todo, sink)
        elif todo:
            _distributed(client, sweep, baseline, ranges, p, todo, sink)
    summary = None
    if count[0] == total:
        summary = summarize(open_store(path), sweep)
        summary.attrs = dict(group.attrs)  # appending rewrites the group's attributes
        summary.to_zarr(path, mode="a", **_ZARR)
    return SweepRun(path, p, session, before, tuple(computed), time.perf_counter() - start,
                    summary)


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
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    elif isinstance(scheduler, str):
        with Client(scheduler, timeout="15s") as client:
            yield client
    else:
        yield scheduler


# --------------------------------------------------------------------------- summaries


def _blocks(n: int, size: int) -> Iterable[slice]:
    return (slice(a, min(a + size, n)) for a in range(0, n, size))


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
    """P(statement) over the draws of each scenario, (S,); NaN draws (not done) ignored."""
    sign = -1.0 if st.variable == "deficit" else 1.0
    var = "balance" if st.variable == "deficit" else st.variable
    x = sign * data[var][..., years.index(st.year)]  # (S, D)
    if st.reference is None:
        diff = x - st.threshold
    else:
        if st.reference == "baseline":
            ref = sign * data[f"{var}_baseline"][..., years.index(st.year)]  # each draw's
        else:
            ref = sign * data[var][..., years.index(int(st.reference))]
        change = x - ref
        diff = (change / np.abs(ref) if st.relative else change) - st.threshold
    ok = {"<": diff < 0, "<=": diff <= 0, ">": diff > 0, ">=": diff >= 0}[st.op]
    valid = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid.any(-1), (ok & valid).sum(-1) / valid.sum(-1), np.nan)


def summarize(results: xr.Dataset, sweep: Sweep, block: int = 64) -> xr.Dataset:
    """Quantiles over draws and probabilities of the statements, per scenario.

    Parameters
    ----------
    results : Dataset
        From :func:`evaluate` or :func:`open_store` (lazy is fine: read ``block`` scenarios
        at a time). Draws not yet computed (NaN) are left out.

    Returns
    -------
    Dataset
        ``{v}_quantile`` (scenario, quantile, year; USD) for each variable, ``value_quantile``
        (scenario, quantile, year, importer, exporter, product) when products were kept,
        ``probability`` (scenario, statement) and ``draws_done`` (scenario). Without Monte
        Carlo the "quantiles" are the single values.
    """
    years = [int(y) for y in results[YEAR].to_numpy()]
    qs = np.array(sweep.outputs.quantiles)
    names = list(sweep.outputs.variables) + (["value"] if sweep.outputs.products else [])
    n_s = results.sizes[SCENARIO]
    has_draws = DRAW in results.dims
    out: dict[str, list[np.ndarray]] = {f"{n}_quantile": [] for n in names}
    probs, done = [], []
    for rows in _blocks(n_s, block):
        part = {str(n): np.asarray(results[n][rows].values) for n in results.data_vars
                if n in names or str(n).endswith("_baseline")}
        for n in names:
            x = part[n] if has_draws else part[n][:, None]
            with np.errstate(invalid="ignore"):
                q = nanquantile(x, qs, axis=1)
            out[f"{n}_quantile"].append(np.moveaxis(q, 0, 1))
        first = part[sweep.outputs.variables[0]]
        first = first if has_draws else first[:, None]
        done.append((~np.isnan(first)).any(-1).sum(-1))
        expand = {k: (v if has_draws else v[:, None]) for k, v in part.items()}
        probs.append(np.stack([_probability(st, expand, years)
                               for st in sweep.outputs.statements], axis=-1)
                     if sweep.outputs.statements else np.zeros((rows.stop - rows.start, 0)))
    summary = xr.Dataset(coords={SCENARIO: results[SCENARIO].to_numpy(), "quantile": qs,
                                 YEAR: years,
                                 "statement": [s.text for s in sweep.outputs.statements]})
    for n in names:
        dims = [SCENARIO, "quantile", *results[n].dims[2 if has_draws else 1:]]
        summary[f"{n}_quantile"] = (dims, np.concatenate(out[f"{n}_quantile"]),
                                    {"units": "USD"})
    summary["probability"] = ((SCENARIO, "statement"), np.concatenate(probs),
                              {"units": "1", "description": "share of the draws where the "
                               "statement holds"})
    summary["draws_done"] = (SCENARIO, np.concatenate(done))
    return summary


def central(baseline: xr.DataArray) -> np.ndarray:
    """The baseline path to show beside the quantiles: the median over draws (the baseline
    differs by draw only on a baseline anchored to an observed year)."""
    values = np.asarray(baseline.values)
    if DRAW not in baseline.dims:
        return values
    with np.errstate(invalid="ignore"):
        return np.nanmedian(values, axis=baseline.dims.index(DRAW))


def summary_tables(summary: xr.Dataset, results: xr.Dataset, rows: int = 12) -> dict[str, Any]:
    """Tables in bn USD for the command line: ``balance`` and ``probability`` DataFrames.

    With draws and one scenario: balance quantiles by year beside the baseline. With draws and
    several scenarios: the quantiles in the last year, one row per scenario. Without draws: the
    balance by scenario and year. Long tables keep their first and last ``rows // 2`` rows.
    """
    import pandas as pd

    bn = 1e9
    last = int(summary[YEAR].to_numpy()[-1])
    quantile = summary["balance_quantile"] / bn
    labels = [f"q{float(v) * 100:g}" for v in summary["quantile"].to_numpy()]
    index = pd.Index(summary[SCENARIO].to_numpy(), name=SCENARIO)
    if DRAW not in results.dims:
        table = pd.DataFrame(np.asarray(results["balance"].values) / bn, index=index,
                             columns=pd.Index(summary[YEAR].to_numpy(), name=YEAR))
    elif summary.sizes[SCENARIO] == 1:
        table = pd.DataFrame(quantile.isel({SCENARIO: 0}).transpose(YEAR, "quantile").to_numpy(),
                             index=pd.Index(summary[YEAR].to_numpy(), name=YEAR), columns=labels)
        table.insert(0, "baseline", central(results["balance_baseline"][0]) / bn)
    else:
        table = pd.DataFrame(quantile.sel({YEAR: last}).to_numpy(), index=index, columns=labels)
        table.insert(0, f"baseline {last}",
                     central(results["balance_baseline"].sel({YEAR: last})) / bn)
    prob = summary["probability"].to_pandas()
    cut = lambda t: t if len(t) <= rows else pd.concat(  # noqa: E731
        [t.head(rows // 2), t.tail(rows // 2)])
    return {"balance": cut(table), "probability": cut(prob)}

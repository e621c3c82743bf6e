"""Arrays with a ``draw`` dimension read by blocks of cells, every draw of a cell at once, in
bounded memory.

A quantile over draws needs every draw of a cell, while a sweep store is chunked along
``draw`` (each zarr chunk holds one computed chunk's draws of every cell). :func:`blocks`
yields the cells of a group of arrays in consecutive blocks whose bytes (all draws of all
arrays) stay under a budget:

* an array already in memory (NumPy-backed) is sliced, one block at a time;
* a lazy group (Dask-backed, or a store's arrays opened without Dask, ``chunks=None``) that
  fits the budget is read at once;
* a lazy array that does not fit is read once, a few store chunks at a time, into a scratch file
  laid out block by block (a transposition through the disk: every zarr chunk is decompressed
  once), then read back one block at a time; the file is removed at the end.

Memory is then the budget plus a piece of about the budget (at least one store chunk),
whatever the number of draws. Every block is a fresh array the caller may overwrite (sort in
place).
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from tradesim.dims import DRAW

__all__ = ["blocks", "layout", "store_chunks"]


def layout(shape: Sequence[int], per_cell: int, budget: int,
           whole: int = 0) -> list[tuple[int, int]]:
    """Consecutive blocks (start, stop) of the C-order flat index of cells of ``shape``, each
    a box (single indices on the leading dims, a range on one dim, the trailing dims whole) of
    at most ``budget // per_cell`` cells, and at least one cell; the last ``whole`` dims are
    never split (a block holds at least one of their boxes).

    Examples
    --------
    >>> layout((2, 3), per_cell=8, budget=16)
    [(0, 2), (2, 3), (3, 5), (5, 6)]
    >>> layout((2, 3), per_cell=8, budget=100)
    [(0, 6)]
    >>> layout((2, 3), per_cell=8, budget=16, whole=1)
    [(0, 3), (3, 6)]
    """
    shape = tuple(int(n) for n in shape)
    inner = math.prod(shape[len(shape) - whole:]) if whole else 1
    shape = shape[:len(shape) - whole] if whole else shape
    total = math.prod(shape)
    cap = max(1, budget // max(per_cell * inner, 1))
    if total == 0 or inner == 0:
        return []
    if total <= cap:
        return [(0, total * inner)]
    j = next(k for k in range(len(shape)) if math.prod(shape[k + 1:]) <= cap)
    after = math.prod(shape[j + 1:])
    step = max(1, cap // after)
    out = []
    for prefix in itertools.product(*(range(n) for n in shape[:j])):
        base = int(np.ravel_multi_index((*prefix, 0, *([0] * (len(shape) - j - 1))), shape))
        for a in range(0, shape[j], step):
            b = min(a + step, shape[j])
            out.append(((base + a * after) * inner, (base + b * after) * inner))
    return out


def _as_cells(da: xr.DataArray, cells: Sequence[str]) -> xr.DataArray:
    """``da`` with dims (*cells, draw), a draw axis of one added when it has none."""
    if DRAW not in da.dims:
        da = da.expand_dims({DRAW: 1}, axis=-1)
    return da.transpose(*cells, DRAW)


def store_chunks(da: xr.DataArray) -> tuple[tuple[int, ...], ...] | None:
    """The chunks (per dim, as Dask gives them) a lazy array is best read by: its Dask chunks,
    or, for a store's array opened without Dask (``xr.open_zarr(..., chunks=None)``, read
    through zarr directly), the store's chunks; None for an array in memory."""
    if da.chunks is not None:
        return da.chunks
    preferred = da.encoding.get("preferred_chunks")
    if da.variable._in_memory or not preferred:  # xarray's own test for a loaded variable
        return None

    def along(dim: Hashable, n: int) -> tuple[int, ...]:  # whole chunks, then the rest
        if dim not in preferred:
            return (n,)
        size = int(preferred[dim])
        return (size,) * (n // size) + ((n % size,) if n % size else ())

    return tuple(along(d, n) for d, n in zip(da.dims, da.shape, strict=True))


def _lazy(da: xr.DataArray) -> bool:
    return store_chunks(da) is not None


def _box(shape: tuple[int, ...], start: int, stop: int) -> tuple[slice | int, ...]:
    """The index (into an array of cells ``shape``) of a block from :func:`layout`."""
    if not shape:
        return ()
    first = np.unravel_index(start, shape)
    last = np.unravel_index(stop - 1, shape)
    j = next((k for k in range(len(shape)) if first[k] != last[k]), len(shape) - 1)
    return (*(int(i) for i in first[:j]), slice(int(first[j]), int(last[j]) + 1))


class _Spill:
    """One lazy array (cells…, draw) written block by block into a scratch file: block
    ``(s, e)`` is the (draws, e − s) matrix at byte ``s × draws × itemsize``."""

    def __init__(self, da: xr.DataArray, parts: list[tuple[int, int]], folder: Path,
                 budget: int, source: xr.DataArray) -> None:
        # ``source``: ``da`` before its transposition to (cells…, draw), read instead (a
        # store's array without Dask is read by slices only in its own order)
        self.source = source
        self.shape = tuple(da.shape[:-1])
        self.draws = int(da.shape[-1])
        self.dtype = np.dtype(da.dtype)
        self.parts = parts
        self.starts = np.array([s for s, _ in parts], dtype=np.int64)
        fd, name = tempfile.mkstemp(dir=folder, suffix=".spill")
        self.path = Path(name)
        size = math.prod(self.shape) * self.draws * self.dtype.itemsize
        with os.fdopen(fd, "wb") as f:
            f.truncate(size)
            # no flush or mapping kept: the pages are read back through the same page cache
            # (the file never outlives this process), and they do not count in its memory
            for piece in self._pieces(da, budget):
                self._write(f.fileno(), *piece)

    def _pieces(self, da: xr.DataArray, budget: int) -> Iterator[tuple[tuple[range, ...],
                                                                       int, np.ndarray]]:
        """(cell ranges, first draw, values (cells…, draws)) of pieces of about ``budget``
        bytes along the store's chunks: every chunk read once."""
        chunks = store_chunks(da)
        assert chunks is not None  # only lazy arrays are spilled
        edges = [np.cumsum((0, *c)) for c in chunks]
        cell_boxes = itertools.product(*(range(len(e) - 1) for e in edges[:-1]))
        draw_edges = edges[-1]
        for box in cell_boxes:
            ranges = tuple(range(int(edges[k][i]), int(edges[k][i + 1]))
                           for k, i in enumerate(box))
            row = math.prod(len(r) for r in ranges) * self.dtype.itemsize
            k = 0
            while k < len(draw_edges) - 1:
                m = k + 1  # draw chunks k … m−1 in one read, about budget bytes
                while m < len(draw_edges) - 1 and \
                        (draw_edges[m + 1] - draw_edges[k]) * row <= budget:
                    m += 1
                d0, d1 = int(draw_edges[k]), int(draw_edges[m])
                index = {dim: slice(r.start, r.stop) for dim, r in
                         zip(da.dims[:-1], ranges, strict=True)}
                index[DRAW] = slice(d0, d1)
                piece = np.asarray(self.source.isel(index).values)
                order = [self.source.dims.index(d) for d in da.dims]
                yield ranges, d0, piece.transpose(order)
                k = m

    def _write(self, fd: int, ranges: tuple[range, ...], d0: int, values: np.ndarray) -> None:
        d = values.shape[-1]
        if ranges:
            mesh = np.meshgrid(*(np.arange(r.start, r.stop) for r in ranges), indexing="ij")
            ids = np.ravel_multi_index(tuple(m.ravel() for m in mesh), self.shape)
        else:
            ids = np.zeros(1, dtype=np.int64)
        flat = values.reshape(-1, d)
        first = int(np.searchsorted(self.starts, ids[0], "right")) - 1
        last = int(np.searchsorted(self.starts, ids[-1], "right")) - 1
        for k in range(first, last + 1):
            s, e = self.parts[k]
            lo, hi = np.searchsorted(ids, [s, e])
            if lo == hi:
                continue
            cols = ids[lo:hi] - s
            at = (s * self.draws + d0 * (e - s)) * self.dtype.itemsize
            if len(cols) == e - s:  # every cell of the block: its rows d0 … d0+d−1, in a row
                os.pwrite(fd, np.ascontiguousarray(flat[lo:hi].T).data, at)
                continue
            mm = np.memmap(self.path, dtype=self.dtype, mode="r+", offset=at, shape=(d, e - s))
            mm[:, cols] = flat[lo:hi].T
            del mm

    def read(self, k: int) -> np.ndarray:
        """Block ``k`` as a fresh (cells, draws) array."""
        s, e = self.parts[k]
        mm = np.memmap(self.path, dtype=self.dtype, mode="r",
                       offset=s * self.draws * self.dtype.itemsize, shape=(self.draws, e - s))
        out = np.array(mm.T, order="C")  # a copy, even where the transpose is contiguous
        del mm
        return out


def blocks(arrays: Sequence[xr.DataArray], cells: Sequence[str], budget: int,
           scratch: str | os.PathLike[str] | None = None,
           whole: int = 0) -> Iterator[tuple[slice, list[np.ndarray]]]:
    """The cells of ``arrays`` in consecutive blocks, every draw of a cell together.

    Parameters
    ----------
    arrays : sequence of DataArray
        Each with the dims ``cells`` (the same sizes in every array) and optionally ``draw``
        (an array without it counts as one draw); NumPy- or Dask-backed.
    cells : sequence of str
        The dims flattened (C order) into the cell index.
    budget : int
        Bytes of one block of all the arrays together (a block has at least one cell).
    scratch : path, optional
        Folder of the scratch file of a lazy array larger than the budget (default: the
        system's temporary folder).
    whole : int
        The last ``whole`` dims of ``cells`` are never split between blocks.

    Yields
    ------
    slice, list of ndarray
        The block's range of the flat cell index, and each array's values (cells in the
        block, draws), fresh copies.
    """
    views = [_as_cells(da, cells) for da in arrays]
    shape = tuple(int(n) for n in views[0].shape[:-1]) if views else ()
    per_cell = sum(int(v.shape[-1]) * v.dtype.itemsize for v in views)
    parts = layout(shape, per_cell, budget, whole)
    total = math.prod(shape) * per_cell
    small = total <= budget
    with tempfile.TemporaryDirectory(prefix="tradesim-blocks-", dir=scratch) as tmp:
        sources: list[np.ndarray | _Spill] = []
        for v, da in zip(views, arrays, strict=True):
            if _lazy(v) and not small and v.shape[-1] > 1:
                sources.append(_Spill(v, parts, Path(tmp), budget, da))
            else:
                sources.append(np.asarray(v.values))  # in memory already, or fits
        for k, (s, e) in enumerate(parts):
            out = []
            for src in sources:
                if isinstance(src, _Spill):
                    out.append(src.read(k))
                else:
                    part = src[_box(shape, s, e)]
                    out.append(np.array(part).reshape(e - s, src.shape[-1]))
            yield slice(s, e), out

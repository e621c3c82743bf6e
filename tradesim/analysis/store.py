"""Where a sweep's zarr store lives and how its bookkeeping is kept.

A store is a local path or an fsspec URL (``file://``, ``s3://``, ``memory://`` …; the
backend's package must be installed, e.g. ``s3fs``). The user's results are the root group's
arrays, readable with plain ``xr.open_zarr`` (consolidated metadata, no absolute paths); the
bookkeeping lives in the ``_tradesim`` subgroup, which xarray does not read:

* attributes: the store format, the tradesim version that created it, the chunking and the
  session count;
* ``done`` (one int per chunk, zarr chunks of one): the session that wrote the chunk, 0 if not
  done;
* ``digest`` (chunk × variable, uint64): a hash of each array the chunk wrote, so a resume can
  tell a chunk whose data went missing or was corrupted from a complete one.

A chunk's data is written first, then its digests, then ``done``: a kill leaves every marked
chunk complete. Local stores are locked (``filelock``, a ``<store>.lock`` file beside the
store) so two processes on one store run one after the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tradesim.errors import StoreError

__all__ = [
    "BOOK",
    "FORMAT",
    "Target",
    "consolidate",
    "digest",
    "lock_path",
    "locked",
    "open_book",
    "open_root",
    "target",
    "tradesim_version",
    "unlock_file",
]

#: Name of the bookkeeping subgroup.
BOOK = "_tradesim"
#: Version of the store layout (raised when it changes; older stores cannot be resumed).
FORMAT = 2
log = logging.getLogger(__name__)


def tradesim_version() -> str:
    """The running tradesim's version (the package's ``__version__``)."""
    return str(getattr(sys.modules.get("tradesim"), "__version__", "unknown"))


@dataclass(frozen=True)
class Target:
    """A store location: ``url`` as given (a path or an fsspec URL) and fsspec options."""

    url: str
    storage_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        """A path on this machine's file system (a plain path or ``file://``)."""
        return "://" not in self.url or self.url.startswith("file://")

    @property
    def path(self) -> Path:
        """The local path (only for :attr:`local` targets)."""
        return Path(self.url.removeprefix("file://"))

    def fs(self) -> tuple[Any, str]:
        """The fsspec file system and the store's root within it."""
        import fsspec

        return fsspec.core.url_to_fs(self.url, **dict(self.storage_options))

    def zarr_store(self) -> Any:
        """What zarr and xarray open: the local path, or the URL."""
        return str(self.path) if self.local else self.url

    def open_kwargs(self) -> dict[str, Any]:
        """``storage_options`` for zarr / xarray, when the target is a URL."""
        return {} if self.local or not self.storage_options else {
            "storage_options": dict(self.storage_options)}

    def exists(self) -> bool:
        """Anything at the location (a store, a file or a folder)."""
        if self.local:
            return self.path.exists() or self.path.is_symlink()
        fs, root = self.fs()
        return bool(fs.exists(root))

    def is_store(self) -> bool:
        """The location holds a zarr group (``.zgroup``)."""
        if self.local:
            return (self.path / ".zgroup").is_file()
        fs, root = self.fs()
        return bool(fs.exists(f"{root}/.zgroup"))

    def remove(self) -> None:
        """Delete the store (refused for anything that is not a zarr store)."""
        if not self.is_store():
            raise StoreError(f"{self}: exists and is not a zarr store; not removing it (choose "
                             "another output)")
        if self.local:
            shutil.rmtree(self.path)
        else:
            fs, root = self.fs()
            fs.rm(root, recursive=True)

    def __str__(self) -> str:
        return self.url


def target(store: str | os.PathLike[str] | Target,
           storage_options: Mapping[str, Any] | None = None) -> Target:
    """A :class:`Target` from a path, a URL or a Target."""
    if isinstance(store, Target):
        return store
    text = os.fspath(store)
    return Target(text, dict(storage_options or {}))


def _unreadable(t: Target, what: str, err: BaseException) -> StoreError:
    return StoreError(f"{t}: {what} is unreadable ({type(err).__name__}: {err}); the store "
                      "cannot be resumed: start again with --overwrite (overwrite=True) or "
                      "choose another output")


def open_root(t: Target, mode: Literal["r", "r+"] = "r+") -> Any:
    """The store's root zarr group, read from the per-array metadata (not the consolidated
    copy, which :func:`consolidate` rewrites); unreadable metadata is a :class:`StoreError`."""
    import zarr

    try:
        return zarr.open_group(t.zarr_store(), mode=mode, zarr_format=2, use_consolidated=False,
                               **t.open_kwargs())
    except Exception as err:  # noqa: BLE001 - any failure to read metadata gets one message
        raise _unreadable(t, "its zarr metadata", err) from err


def open_book(root: Any, t: Target) -> tuple[Any, dict[str, Any]]:
    """The bookkeeping subgroup and its attributes, checked; a :class:`StoreError` names the
    store and what to do when they are missing or damaged."""
    try:
        book = root[BOOK]
        attrs = dict(book.attrs)
    except KeyError as err:
        raise StoreError(f"{t}: not a tradesim sweep store of this version (no {BOOK} "
                         "bookkeeping); start again with --overwrite or choose another "
                         "output") from err
    except Exception as err:  # noqa: BLE001
        raise _unreadable(t, f"its bookkeeping ({BOOK})", err) from err
    if attrs.get("format") != FORMAT:
        raise StoreError(f"{t}: store format {attrs.get('format')!r}, this tradesim writes "
                         f"format {FORMAT}; start again with --overwrite or choose another "
                         "output")
    need = {"tradesim": str, "grid": list, "grid_chunks": list, "n_draws": int,
            "draw_chunk": int, "sessions": int, "variables": list}
    bad = [k for k, kind in need.items() if not isinstance(attrs.get(k), kind)]
    if bad:
        raise StoreError(f"{t}: the bookkeeping attributes are damaged ({', '.join(bad)}); "
                         "the store cannot be resumed: start again with --overwrite or choose "
                         "another output")
    return book, attrs


def consolidate(t: Target) -> None:
    """Rewrite the consolidated metadata (``.zmetadata``) from the per-array metadata."""
    import zarr

    store: Any = t.zarr_store()
    if not t.local:
        from zarr.storage import FsspecStore

        store = FsspecStore.from_url(t.url, storage_options=dict(t.storage_options) or None)
    zarr.consolidate_metadata(store, zarr_format=2)


def digest(values: np.ndarray) -> int:
    """A 63-bit hash of an array's values (float64 bytes, C order); never 0."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    h = int.from_bytes(hashlib.sha256(data.tobytes()).digest()[:8], "little") >> 1
    return h or 1


def lock_path(t: Target) -> Path:
    """The lock file of a local store: ``<store>.lock`` beside it."""
    return t.path.parent / f"{t.path.name}.lock"


def unlock_file(t: Target) -> None:
    """Remove a local store's lock file (after the store itself is gone)."""
    if t.local:
        lock_path(t).unlink(missing_ok=True)


@contextlib.contextmanager
def locked(t: Target, timeout: float = -1) -> Iterator[None]:
    """Hold the store's lock (local stores: ``<store>.lock`` beside it, by ``filelock``);
    another process on the same store waits. Remote stores are not locked (run one sweep
    per store)."""
    if not t.local:
        log.debug("%s: remote stores are not locked", t)
        yield
        return
    from filelock import FileLock, Timeout

    path = t.path
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(t)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.warning("%s: another tradesim process is using this store; waiting for it to "
                    "finish (lock %s.lock)", t, path.name)
        try:
            lock.acquire(timeout=timeout)
        except Timeout as err:
            raise StoreError(f"{t}: still in use by another process after {timeout:g} s "
                             f"(lock {path.name}.lock)") from err
    try:
        yield
    finally:
        lock.release()

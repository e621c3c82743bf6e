"""An on-disk cache of built objects, keyed by everything they are built from.

:func:`memo` returns ``build(**arguments)`` from a file in the cache folder when one exists for
the same key, else builds it and stores it. The key is a SHA-256 over the builder's qualified
name, its arguments, the tradesim version, the Python and numpy/pandas/xarray versions, and the
bytes of every input file (packaged data and the package's own source), so a change to any of
them is a different key and the object is rebuilt.

Files are written to a temporary file in the cache folder and renamed onto their name
(``os.replace``), so concurrent processes never see a partial file; each holds a checksum of its
payload, and a file that fails it (or fails to load) is rebuilt and replaced, never used. The
folder is ``$TRADESIM_CACHE_DIR`` if set (empty, ``0`` or ``off``: no disk cache), else the
user cache folder (``platformdirs``: ``$XDG_CACHE_HOME/tradesim`` or ``~/.cache/tradesim`` on
Linux). A cache folder that cannot be written is not an error: the object is built each time.
Like any file under the user's home, the cache is trusted as far as that folder is: files are
checked against their checksum for corruption, not for tampering.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["ENV", "cache_dir", "digest", "key", "memo"]

T = TypeVar("T")

#: Environment variable naming the cache folder (empty, ``0`` or ``off`` turns the disk cache off).
ENV = "TRADESIM_CACHE_DIR"
_OFF = {"", "0", "off", "none", "false"}
_MAGIC = b"tradesim-cache 1\n"
_LIBRARIES = ("numpy", "pandas", "xarray")


def cache_dir() -> Path | None:
    """The cache folder, or None when the disk cache is off (``TRADESIM_CACHE_DIR=off``)."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("tradesim", appauthor=False))


def digest(paths: Iterable[Path]) -> str:
    """SHA-256 (hex) over the names and bytes of files; a missing file counts as absent."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except FileNotFoundError:
            h.update(b"\0missing\0")
        h.update(b"\0")
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from tradesim import __version__

    found = {"tradesim": __version__, "python": sys.version.split()[0],
             "pickle": str(pickle.HIGHEST_PROTOCOL)}
    for name in _LIBRARIES:
        module = sys.modules.get(name)
        found[name] = str(getattr(module, "__version__", "")) if module is not None else \
            metadata.version(name)
    return found


def key(name: str, arguments: Mapping[str, Any], inputs: Iterable[Path]) -> str:
    """The cache key (hex) of ``name`` built from ``arguments`` and the ``inputs`` files.

    Raises
    ------
    TypeError
        An argument that is not None, bool, int, float, str or a tuple/list of those (its
        ``repr`` would not identify it across processes).
    """
    for arg, value in arguments.items():
        items = value if isinstance(value, tuple | list) else (value,)
        if not all(v is None or isinstance(v, bool | int | float | str) for v in items):
            raise TypeError(f"cache key {name}: argument {arg}={value!r} is not a plain value")
    head = json.dumps({"name": name, "arguments": {k: repr(v) for k, v in arguments.items()},
                       "versions": _versions()}, sort_keys=True)
    return hashlib.sha256(head.encode() + digest(inputs).encode()).hexdigest()


def _read(path: Path) -> Any:
    """The object in a cache file, or None if there is none or it fails its checksum."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(raw) < head or not raw.startswith(_MAGIC):
        return None
    payload = memoryview(raw)[head:]
    if hashlib.sha256(payload).digest() != raw[len(_MAGIC):head]:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an unreadable cache file is a miss, rebuilt below
        return None


def _write(path: Path, value: Any) -> None:
    """Store ``value`` atomically (temporary file, then ``os.replace``); errors are ignored."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + hashlib.sha256(payload).digest())
            out.write(payload)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def memo(build: Callable[..., T], /, *, inputs: Iterable[Path], **arguments: Any) -> T:
    """``build(**arguments)``, from the disk cache when a file with the same key is there.

    Parameters
    ----------
    build : callable
        Builds the object from keyword ``arguments``; its module and qualified name join the
        key, so two builders never share a file.
    inputs : iterable of Path
        Files the object is built from; their bytes join the key.
    **arguments
        Plain values (see :func:`key`); each joins the key by its ``repr``.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ[ENV] = tempfile.mkdtemp()
    >>> memo(dict, inputs=[], rate=0.2)
    {'rate': 0.2}
    >>> memo(dict, inputs=[], rate=0.2)  # read back from the file
    {'rate': 0.2}
    >>> del os.environ[ENV]
    """
    folder = cache_dir()
    if folder is None:
        return build(**arguments)
    name = f"{getattr(build, '__module__', '')}.{getattr(build, '__qualname__', build)}"
    path = folder / f"{getattr(build, '__name__', 'object')}-{key(name, arguments, inputs)}.pickle"
    hit = _read(path)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = build(**arguments)
    _write(path, value)
    return value

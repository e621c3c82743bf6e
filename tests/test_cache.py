"""The on-disk cache of built baselines: keys, invalidation, corruption, concurrent writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim import cache, io

ROOT = Path(__file__).resolve().parents[1]
BUILDS: list[dict] = []


def build(**arguments: object) -> dict:
    """A builder that records each call (so a test sees whether it ran)."""
    BUILDS.append(dict(arguments))
    return {"arguments": dict(arguments), "array": np.arange(1000.0)}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(where))
    BUILDS.clear()
    return where


def files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_second_call_reads_the_file(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "input.csv"
    source.write_text("a,b\n1,2\n")
    first = cache.memo(build, inputs=[source], rate=0.2)
    second = cache.memo(build, inputs=[source], rate=0.2)
    assert len(BUILDS) == 1
    assert second["arguments"] == first["arguments"] == {"rate": 0.2}
    np.testing.assert_array_equal(second["array"], first["array"])
    assert len(files(folder)) == 1


def test_changed_input_file_arguments_or_version_rebuild(folder: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    source = tmp_path / "input.csv"
    source.write_text("a,b\n1,2\n")
    cache.memo(build, inputs=[source], rate=0.2)
    source.write_text("a,b\n1,3\n")  # same size, other bytes
    cache.memo(build, inputs=[source], rate=0.2)
    assert len(BUILDS) == 2
    cache.memo(build, inputs=[source], rate=0.3)
    cache.memo(build, inputs=[source], rate=0.2, anchor="framework-2025")
    assert len(BUILDS) == 4
    monkeypatch.setattr(tradesim, "__version__", "99.0")
    cache.memo(build, inputs=[source], rate=0.2)
    assert len(BUILDS) == 5
    assert len(files(folder)) == 5  # each key its own file; nothing half written
    source.unlink()  # a missing input is a key too, not a crash
    cache.memo(build, inputs=[source], rate=0.2)
    assert len(BUILDS) == 6


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty", "header-only"])
def test_a_corrupt_file_is_rebuilt_and_replaced(folder: Path, damage: str) -> None:
    cache.memo(build, inputs=[], rate=0.2)
    (path,) = files(folder)
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "garbage":
        raw = bytearray(os.urandom(len(raw)))
    elif damage == "empty":
        raw = bytearray()
    else:
        raw = raw[:40]
    path.write_bytes(bytes(raw))
    again = cache.memo(build, inputs=[], rate=0.2)
    assert len(BUILDS) == 2
    assert again["arguments"] == {"rate": 0.2}
    cache.memo(build, inputs=[], rate=0.2)  # the replaced file is good again
    assert len(BUILDS) == 2


def test_a_file_with_a_valid_checksum_but_bad_pickle_is_rebuilt(folder: Path) -> None:
    import hashlib

    cache.memo(build, inputs=[], rate=0.2)
    (path,) = files(folder)
    payload = b"not a pickle"
    path.write_bytes(b"tradesim-cache 1\n" + hashlib.sha256(payload).digest() + payload)
    assert cache.memo(build, inputs=[], rate=0.2)["arguments"] == {"rate": 0.2}
    assert len(BUILDS) == 2


@pytest.mark.parametrize("value", ["off", "", "0"])
def test_the_disk_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          value: str) -> None:
    monkeypatch.setenv(cache.ENV, value)
    monkeypatch.chdir(tmp_path)
    BUILDS.clear()
    cache.memo(build, inputs=[], rate=0.2)
    cache.memo(build, inputs=[], rate=0.2)
    assert len(BUILDS) == 2
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))
    BUILDS.clear()
    assert cache.memo(build, inputs=[], rate=0.2)["arguments"] == {"rate": 0.2}


def test_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert cache.cache_dir() == tmp_path / "tradesim"


def test_arguments_must_be_plain_values(folder: Path) -> None:
    with pytest.raises(TypeError, match="not a plain value"):
        cache.memo(build, inputs=[], table=np.zeros(3))


WRITER = """
import json, sys, time
import numpy as np
from tradesim import cache

def big(seed):
    time.sleep(0.05 * (seed % 3))
    return np.random.default_rng(seed).random(500_000)

start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.005)
out = cache.memo(big, inputs=[], seed=7)
print(json.dumps(float(out.sum())))
"""


def test_concurrent_processes_share_one_good_file(folder: Path, tmp_path: Path) -> None:
    import time

    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, cache.ENV: str(folder)}
    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, str(script), str(start)], stdout=subprocess.PIPE,
                              text=True, env=env, cwd=ROOT) for _ in range(4)]
    sums = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    expected = float(np.random.default_rng(7).random(500_000).sum())
    assert sums == [expected] * 4
    (path,) = files(folder)  # one file, no temporary left behind
    assert path.suffix == ".pickle"


def test_baseline_key_covers_packaged_files_scenarios_and_source() -> None:
    inputs = set(io._cache_inputs())
    for name in ("us_imports_hs6_2024.csv.gz", "step_2025_factors.csv.gz", "reallocation.csv"):
        assert io.embedded_path(name) in inputs
    assert io.shipped_path(io.ANCHOR_REGIME) in inputs  # the anchor simulates it
    assert io.shipped_path("us-competitors-framework") in inputs  # which includes this
    assert Path(io.__file__).resolve() in inputs
    assert Path(tradesim.__file__).resolve().parent / "data" / "baseline.py" in inputs


def test_cached_baseline_is_identical_to_a_fresh_build(folder: Path) -> None:
    fresh = io._build_packaged("mixed", 2024, True)
    stored = tradesim.cache.memo(io._build_packaged, inputs=io._cache_inputs(),
                                 resolution="mixed", year=2024, anchor=True)
    (path,) = files(folder)
    loaded = tradesim.cache.memo(io._build_packaged, inputs=io._cache_inputs(),
                                 resolution="mixed", year=2024, anchor=True)
    for ds in (stored, loaded):
        xr.testing.assert_identical(ds, fresh)
        assert {k: v.dtype for k, v in ds.variables.items()} == \
            {k: v.dtype for k, v in fresh.variables.items()}
    assert path.stat().st_size > 0
    plain = tradesim.cache.memo(io._build_packaged, inputs=io._cache_inputs(),
                                resolution="mixed", year=2024, anchor=False)
    assert "anchor" not in plain
    assert len(files(folder)) == 2  # the anchor argument is part of the key

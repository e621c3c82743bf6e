"""Hostile sweep stores (issue 15, class 3: resume integrity) and sweep resource bombs (class 4).

A chunk marked done whose data went missing or was damaged is found and recomputed, never
reported "already done" with NaN in the table; damaged markers are recomputed, damaged
metadata or attributes stop with a message naming the store and what to do; two processes on
one store take turns (a file lock). Grids of millions of points and ``goal --grid 1e6`` are
refused at once with the documented limits.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr

from tradesim import cli, io
from tradesim.analysis import sweep
from tradesim.analysis.store import lock_path
from tradesim.errors import ScenarioError, StoreError
from tradesim.scenario.parse import parse_scenario
from tradesim.scenario.sweep_file import MAX_GRID_POINTS, MAX_POINTS

ROOT = Path(__file__).resolve().parents[2]
BASE = {"scenario": {"name": "toy", "horizon": 2027},
        "tariff": [{"id": "recip", "importer": "USA", "exporters": ["VNM"], "products": "all",
                    "rate": 20}]}
MC = {"draws": 30, "seed": 7, "sigma": {"distribution": "lognormal", "low": 2.0, "high": 5.0}}


def spec(grid: dict | None = None, mc: dict | None = MC) -> sweep.Sweep:
    head: dict = {"name": "hostile", "grid": grid or {"tariff.recip.rate": [5, 25]}}
    if mc is not None:
        head["monte_carlo"] = mc
    return sweep.parse_sweep({"sweep": head}, parse_scenario(BASE))


@pytest.fixture
def done(toy, tmp_path: Path) -> tuple[sweep.Sweep, Path]:
    """A finished store: 2 rates × 30 draws in chunks of 10 draws -> chunks (2, 3)."""
    s = spec()
    out = tmp_path / "h.zarr"
    sweep.run_sweep(s, toy, out, chunk=10)
    return s, out


def marks(out: Path) -> np.ndarray:
    return np.asarray(zarr.open_group(out, mode="r", zarr_format=2)["_tradesim/done"][...])


def resumed_equals_clean(s: sweep.Sweep, toy, out: Path) -> sweep.SweepRun:  # noqa: ANN001
    ran = sweep.run_sweep(s, toy, out, resume=True)
    clean = sweep.evaluate(s, toy, chunk=10)
    stored = sweep.open_store(out)
    for var in clean.data_vars:
        np.testing.assert_array_equal(stored[var].values, clean[var].values)
    assert not np.isnan(stored["balance_quantile"].values).any()
    return ran


# --------------------------------------------------------------------------- damaged data


@pytest.mark.parametrize(("key", "chunk"), [
    ("balance/0.1.0", (0, 1)),           # a data chunk deleted
    ("imports/1.2.0", (1, 2)),
    ("balance_baseline/1.2.0", (1, 2)),  # a baseline chunk (per draw: anchored baselines)
])
def test_a_missing_data_chunk_is_recomputed(done, toy, key: str, chunk: tuple) -> None:
    s, out = done
    (out / key).unlink()
    ran = resumed_equals_clean(s, toy, out)
    assert ran.repaired == (chunk,)
    assert ran.computed == (chunk,)
    assert marks(out)[chunk] == 2


@pytest.mark.parametrize("damage", [b"garbage, not a blosc frame", b"", b"\x00" * 7])
def test_a_corrupt_or_truncated_data_chunk_is_recomputed(done, toy, damage: bytes) -> None:
    s, out = done
    (out / "exports" / "1.1.0").write_bytes(damage)
    ran = resumed_equals_clean(s, toy, out)
    assert ran.repaired == ((1, 1),)


def test_a_chunk_rewritten_with_other_valid_data_is_recomputed(done, toy) -> None:
    s, out = done
    group = zarr.open_group(out, mode="r+", zarr_format=2)
    group["balance"][0, 0:10] = 0.0  # decodes fine, but is not what the chunk computed
    ran = resumed_equals_clean(s, toy, out)
    assert ran.repaired == ((0, 0),)


def test_the_cli_never_reports_a_damaged_chunk_as_done(tmp_path: Path, capsys) -> None:
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "b"\nhorizon = 2027\n[[tariff]]\nid = "recip"\nimporter = "USA"\n'
        'exporters = ["VNM"]\nproducts = "all"\nrate = 20\n')
    (tmp_path / "s.toml").write_text(
        '[sweep]\nname = "s"\nbase = "base.toml"\n[sweep.grid]\ntariff.recip.rate = [0, 20, 46]'
        '\n')
    out = tmp_path / "s.zarr"
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "-o", str(out), "--chunk", "1"]) == 0
    capsys.readouterr()
    (out / "balance" / "1.0").unlink()
    assert cli.main(["sweep", str(tmp_path / "s.toml"), "-o", str(out), "--resume"]) == 0
    captured = capsys.readouterr()
    assert "1 chunk(s) computed" in captured.out
    assert "1 marked done were recomputed" in captured.out
    assert "nan" not in captured.out.lower()
    assert "chunk (1, 0) is marked done but balance does not match" in captured.err


# --------------------------------------------------------------------------- damaged markers


def test_a_corrupt_marker_is_recomputed_with_a_warning(done, toy, caplog) -> None:
    s, out = done
    (out / "_tradesim" / "done" / "1.2").write_bytes(b"not a chunk")
    with caplog.at_level(logging.WARNING, logger="tradesim"):
        ran = resumed_equals_clean(s, toy, out)
    assert ran.computed == ((1, 2),)
    assert f"{out}: the marker of chunk (1, 2) is unreadable" in caplog.text


def test_a_corrupt_digest_is_recomputed(done, toy) -> None:
    s, out = done
    (out / "_tradesim" / "digest" / "0.2.0").write_bytes(b"\x01\x02")
    ran = resumed_equals_clean(s, toy, out)
    assert ran.computed == ((0, 2),)


def test_a_marker_without_its_digest_is_recomputed(done, toy) -> None:
    s, out = done
    (out / "_tradesim" / "digest" / "1.0.0").unlink()  # killed between digest and marker
    ran = resumed_equals_clean(s, toy, out)
    assert ran.computed == ((1, 0),)


# --------------------------------------------------------------------------- damaged metadata


def test_corrupt_consolidated_metadata_is_rebuilt(done, toy) -> None:
    s, out = done
    (out / ".zmetadata").write_text("{ not json")
    ran = sweep.run_sweep(s, toy, out, resume=True)
    assert ran.computed == ()
    xr.testing.assert_equal(xr.open_zarr(out)["balance"].load(),
                            sweep.evaluate(s, toy, chunk=10)["balance"])


@pytest.mark.parametrize(("path", "text", "message"), [
    (".zattrs", "{ not json", r"zarr metadata is unreadable"),
    (".zgroup", "", r"zarr metadata is unreadable"),
    ("balance/.zarray", "{]", r"metadata of the array 'balance' is unreadable"),
    (".zattrs", "{}", r"attributes are damaged \(no sweep_digest\)"),
    ("_tradesim/.zattrs", "[1, 2", r"bookkeeping \(_tradesim\) is unreadable"),
    ("_tradesim/done/.zarray", "{}", r"bookkeeping does not fit the sweep"),
])
def test_damaged_metadata_names_the_store_and_what_to_do(done, toy, path: str, text: str,
                                                         message: str) -> None:
    s, out = done
    (out / path).write_text(text)
    with pytest.raises(StoreError, match=message) as info:
        sweep.run_sweep(s, toy, out, resume=True)
    assert str(out) in str(info.value)
    assert "--overwrite" in str(info.value)
    again = sweep.run_sweep(s, toy, out, overwrite=True, chunk=10)  # the way out it names
    assert len(again.computed) == 6


@pytest.mark.parametrize(("key", "value", "message"), [
    ("sessions", "two", r"bookkeeping attributes are damaged \(sessions\)"),
    ("grid", None, r"bookkeeping attributes are damaged \(grid\)"),
    ("format", 1, r"store format 1, this tradesim writes format"),
    ("tradesim", "0.0.1", r"was started by tradesim 0\.0\.1; this is tradesim .*finish it "
                          r"with tradesim 0\.0\.1"),
])
def test_damaged_bookkeeping_attributes(done, toy, key: str, value: object,
                                        message: str) -> None:
    s, out = done
    attrs = json.loads((out / "_tradesim" / ".zattrs").read_text())
    attrs[key] = value
    (out / "_tradesim" / ".zattrs").write_text(json.dumps(attrs))
    with pytest.raises(StoreError, match=message):
        sweep.run_sweep(s, toy, out, resume=True)


def test_a_store_without_bookkeeping_is_not_resumed(done, toy) -> None:
    import shutil

    s, out = done
    shutil.rmtree(out / "_tradesim")
    with pytest.raises(StoreError, match="not a tradesim sweep store of this version"):
        sweep.run_sweep(s, toy, out, resume=True)


def test_a_file_in_the_way_is_neither_resumed_nor_removed(toy, tmp_path: Path) -> None:
    s = spec()
    out = tmp_path / "file.zarr"
    out.write_text("someone's data")
    with pytest.raises(StoreError, match="exists: pass resume=True"):
        sweep.run_sweep(s, toy, out)
    with pytest.raises(StoreError, match="zarr metadata is unreadable"):
        sweep.run_sweep(s, toy, out, resume=True)
    with pytest.raises(StoreError, match="is not a zarr store; not removing it"):
        sweep.run_sweep(s, toy, out, overwrite=True)
    assert out.read_text() == "someone's data"


# --------------------------------------------------------------------------- two processes


SLOW_BASE = """
[scenario]
name = "lock-test"
horizon = 2028

[[tariff]]
id = "recip"
importer = "USA"
exporters = ["VNM"]
products = "all"
rate = 20
"""

SLOW_SWEEP = """
[sweep]
name = "lock-test"
base = "base.toml"
chunk = 20

[sweep.grid]
tariff.recip.rate = [10, 46]

[sweep.monte_carlo]
draws = 80
seed = 5
sigma = "lognormal"
"""


def test_two_resumes_on_one_store_compute_every_chunk_once(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(SLOW_BASE)
    (tmp_path / "sweep.toml").write_text(SLOW_SWEEP)
    out = tmp_path / "two.zarr"
    command = [sys.executable, "-m", "tradesim.cli", "sweep", str(tmp_path / "sweep.toml"),
               "-o", str(out), "--resume"]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    computed = []
    for text, _ in outputs:
        line = next(x for x in text.splitlines() if "chunk(s) computed" in x)
        computed.append(int(line.split()[0]))
    assert sorted(computed) == [0, 8], outputs  # one ran everything, the other found it done
    assert set(np.unique(marks(out))) == {1}  # every chunk written once, in the first session
    assert any("another tradesim process is using this store" in err for _, err in outputs)


def test_a_held_lock_times_out_with_a_message(toy, tmp_path: Path) -> None:
    from filelock import FileLock

    out = tmp_path / "held.zarr"
    start = time.monotonic()
    with FileLock(str(lock_path(sweep.store.target(out)))), \
            pytest.raises(StoreError, match=r"still in use by another process after 0\.2 s"):
        sweep.run_sweep(spec(), toy, out, lock_timeout=0.2)
    assert time.monotonic() - start < 60
    assert not out.exists()


# --------------------------------------------------------------------------- resource bombs


def test_a_grid_of_millions_of_points_is_refused_before_any_is_built() -> None:
    values = list(range(200))
    start = time.monotonic()
    with pytest.raises(ScenarioError, match=rf"8,000,000 grid points exceed the limit of "
                                            rf"{MAX_GRID_POINTS:,}"):
        spec({"tariff.recip.rate": values, "tariff.recip.share": [v / 200 for v in values],
              "elasticities.sigma": [1.5 + v / 100 for v in values]}, mc=None)
    assert time.monotonic() - start < 60  # refused, not validated point by point


def test_an_axis_of_too_many_values_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"20,001 values exceed the limit of 10,000"):
        spec({"tariff.recip.rate": [v / 100 for v in range(MAX_GRID_POINTS * 2 + 1)]}, mc=None)


def test_grid_points_times_draws_have_a_limit() -> None:
    with pytest.raises(ScenarioError, match=rf"points \(grid points × draws\) exceed the limit "
                                            rf"of {MAX_POINTS:,}"):
        spec({"tariff.recip.rate": list(range(100))}, mc={**MC, "draws": 200_000})


def test_many_invalid_points_are_counted_not_listed() -> None:
    with pytest.raises(ScenarioError) as info:
        spec({"tariff.recip.rate": [-1 - v for v in range(500)]}, mc=None)
    assert len(info.value.problems) <= 25
    assert "and 480 more invalid grid point(s) (500 in all)" in str(info.value)


def test_a_huge_sweep_file_exits_2_quickly(tmp_path: Path, capsys) -> None:
    (tmp_path / "base.toml").write_text(SLOW_BASE)
    values = ", ".join(str(v) for v in range(300))
    (tmp_path / "huge.toml").write_text(
        f'[sweep]\nname = "huge"\nbase = "base.toml"\n[sweep.grid]\n'
        f'tariff.recip.rate = [{values}]\ntariff.recip.share = [{values}]\n')
    assert cli.main(["sweep", str(tmp_path / "huge.toml"), "-o", str(tmp_path / "h.zarr")]) == 2
    assert "90,000 grid points exceed the limit" in capsys.readouterr().err
    assert not (tmp_path / "h.zarr").exists()


@pytest.mark.parametrize("grid", ["1e6", "1000000", "1002", "1", "-3"])
def test_goal_grid_out_of_range_is_refused(grid: str, capsys) -> None:
    scenario = str(ROOT / "scenarios" / "framework-2025.toml")
    start = time.monotonic()
    assert cli.main(["goal", scenario, "--target", "balance(2028) >= 0", "--vary",
                     "tariff.vn-recip-20.rate", "--grid", grid]) == 2
    assert "grid must be 2 to 201 points" in capsys.readouterr().err
    assert time.monotonic() - start < 60  # refused before any run


@pytest.mark.parametrize("grid", ["2.5", "nine", ""])
def test_goal_grid_that_is_no_whole_number_is_a_usage_error(grid: str, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["goal", "s.toml", "--target", "x", "--vary", "y", "--grid", grid])
    assert info.value.code == 2
    assert "argument --grid" in capsys.readouterr().err


def test_goal_grid_accepts_whole_numbers_written_as_floats() -> None:
    args = cli.build_parser().parse_args(["goal", "s.toml", "--target", "x", "--vary", "y",
                                          "--grid", "1e2"])
    assert args.grid == 100
    assert cli.build_parser().parse_args(["goal", "s.toml", "--target", "x", "--vary", "y"]
                                         ).grid == 9


def test_io_reads_shipped_sweeps_within_the_limits() -> None:
    grid = io.read_sweep(ROOT / "sweeps" / "framework-rate-grid.toml")
    assert [a.name for a in grid.grid] == ["rate", "share"]
    assert len(grid.points) <= MAX_GRID_POINTS

"""Writers are atomic: a crash mid-write leaves the previous file (or none), never half a file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

import tradesim
from tradesim import io

DOC = {"scenario": {"name": "io", "horizon": 2026}, "tariff": [
    {"id": "t", "importer": "USA", "exporters": ["VNM"], "products": ["61"], "rate": 10}]}


@pytest.fixture
def result(toy):
    return tradesim.simulate(DOC, toy)


@pytest.mark.parametrize("suffix", [".nc", ".csv"])
def test_round_trip(result, tmp_path: Path, suffix: str) -> None:
    path = io.write_result(result, tmp_path / f"r{suffix}")
    if suffix == ".nc":
        with xr.open_dataset(path, engine="netcdf4") as back:
            xr.testing.assert_allclose(back["balance"], result["balance"])
            assert back["balance"].attrs["units"] == "USD"
    else:
        table = pd.read_csv(path)
        assert set(table["variable"]) >= {"balance", "value", "tariff"}


@pytest.mark.parametrize("suffix", [".nc", ".csv"])
def test_crash_mid_write_keeps_the_old_file(result, tmp_path: Path, suffix: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / f"r{suffix}"
    target.write_text("previous results")

    def half_then_crash(self, path, *args, **kwargs):  # noqa: ANN001, ANN202
        Path(path).write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", half_then_crash)
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        io.write_result(result, target)
    assert target.read_text() == "previous results"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_crash_mid_write_leaves_no_file(result, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self, path, *args, **kwargs):  # noqa: ANN001, ANN202
        Path(path).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(KeyboardInterrupt):
        io.write_result(result, tmp_path / "new.csv")
    assert list(tmp_path.iterdir()) == []


def test_packaged_tables_all_carry_sources() -> None:
    for name, table in io.packaged_tables().items():
        if name in ("splits",):  # configuration, documented in embedded/SOURCES.md
            continue
        assert "source" in table.columns, name
        assert table["source"].notna().all(), name


def test_written_files_get_the_usual_permissions(result, tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        path = io.write_result(result, tmp_path / "r.csv")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644

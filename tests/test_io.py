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
        assert set(table["variable"]) >= {"balance", "balance_baseline", "value", "welfare"}


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


def test_netcdf_has_cf_metadata_and_is_compressed(result, tmp_path: Path) -> None:
    import pint

    units = pint.UnitRegistry()
    units.define("USD = [currency]")
    path = io.write_result(result, tmp_path / "r.nc")
    with xr.open_dataset(path, engine="netcdf4") as back:
        assert back.attrs["Conventions"] == "CF-1.10"
        for name, var in back.variables.items():
            assert var.attrs.get("long_name"), name
            if var.dtype.kind == "f":
                unit = var.attrs["units"]
                assert unit != "fraction", name
                units.parse_units(unit)  # raises on a unit pint does not know
                assert var.encoding.get("zlib") is True, name
        assert back["tariff"].attrs["units"] == "1"
        assert back["value"].attrs["units"] == "USD"
        kinds = {back[c].dtype.kind for c in ("product", "exporter", "importer", "name")}
        assert kinds == {"U"}  # one string dtype for every label
        assert list(back["product"].to_numpy()) == [str(p) for p in result["product"].to_numpy()]


def test_default_csv_is_small_and_tidy(result, tmp_path: Path) -> None:
    small = pd.read_csv(io.write_result(result, tmp_path / "r.csv"))
    assert list(small.columns) == ["variable", "unit", "importer", "year", "value"]
    assert list(small["variable"].unique()[:6]) == ["exports", "exports_baseline", "imports",
                                                    "imports_baseline", "balance",
                                                    "balance_baseline"]
    balance = small[small["variable"] == "balance"].set_index("year")["value"]
    assert balance.to_dict() == pytest.approx(result["balance"].to_series().to_dict())
    value = small[(small["variable"] == "value") & (small["importer"] == "USA")]
    expected = result["value"].sel(importer="USA").sum(["exporter", "product"]).to_series()
    assert value.set_index("year")["value"].to_dict() == pytest.approx(expected.to_dict())
    assert "tariff" not in set(small["variable"])  # rates do not add up over cells
    full = pd.read_csv(io.write_result(result, tmp_path / "full.csv", detail=True),
                       dtype={"product": str})
    assert {"exporter", "product"} <= set(full.columns)
    assert len(full) > 10 * len(small)


def test_hs_codes_keep_their_leading_zeros(tmp_path: Path) -> None:
    """The codes survive the documented reading (``dtype={"product": str}``) and Excel."""
    from openpyxl import load_workbook

    from tradesim.present import tables

    hs6 = tradesim.load_baseline("hs6")
    codes = [str(c) for c in hs6["product"].to_numpy()[:40]]
    assert codes[0].startswith("0")
    small = hs6.isel(product=slice(0, 40))
    ds = xr.Dataset({"value": small["value"].assign_attrs(units="USD")})
    back = pd.read_csv(io.write_result(ds, tmp_path / "c.csv", detail=True),
                       dtype={"product": str})
    assert sorted(set(back["product"])) == sorted(codes)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text()
    assert 'dtype={"product": str}' in docs
    table = pd.DataFrame({"value": range(len(codes))}, index=pd.Index(codes, name="product"))
    book = load_workbook(io.write_tables({"codes": table}, tmp_path / "c.xlsx"))
    cells = [row[0] for row in book["codes"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == codes
    assert {c.data_type for c in cells} == {"s"}
    assert tables.json_key("tariff, %") == "tariff_pct"


def test_workbook_sheets_of_a_run(result, toy, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from tradesim.present import tables

    sheets = tables.result_workbook(result, 2026, dict(toy.attrs), tradesim.load_scenario(
        DOC).to_dict())
    book = load_workbook(io.write_tables(sheets, tmp_path / "r.xlsx"))
    assert book.sheetnames == ["summary", "products 2026", "suppliers 2026", "provenance",
                               "measures", "commitments"]
    rows = list(book["summary"].iter_rows(values_only=True))
    assert rows[0][0] == "year"
    assert "balance, bn USD" in rows[0]
    col = rows[0].index("balance, bn USD")
    assert [r[col] for r in rows[1:]] == pytest.approx(
        list(result["balance"].to_numpy() / 1e9))
    suppliers = list(book["suppliers 2026"].iter_rows(values_only=True))
    assert suppliers[0][:2] == ("exporter", "country")
    assert ("VNM", "Vietnam") in {r[:2] for r in suppliers[1:]}
    keys = {r[0] for r in book["provenance"].iter_rows(min_row=2, values_only=True)}
    assert {"result.scenario_digest", "scenario.name"} <= keys
    measures = list(book["measures"].iter_rows(values_only=True))
    assert measures[1][measures[0].index("id")] == "t"


def test_non_finite_results_are_never_written(result, tmp_path: Path) -> None:
    bad = result.copy(deep=True)
    bad["balance"][1] = float("inf")
    for suffix in (".nc", ".csv"):
        with pytest.raises(io.NonFiniteError, match=r"balance holds inf at year=2025"):
            io.write_result(bad, tmp_path / f"r{suffix}")
    table = pd.DataFrame({"x": [1.0, float("nan")]})
    with pytest.raises(io.NonFiniteError, match="column 'x' holds nan"):
        io.write_tables({"t": table}, tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_decomposition_variables_are_described(toy) -> None:
    d = tradesim.decompose(DOC, toy)
    for name in d.data_vars:
        assert d[name].attrs["units"] == "USD"
        assert d[name].attrs["long_name"], name
    assert "add up to total" in d["change"].attrs["description"]
    assert "B0(base)" in d["balance_base_year"].attrs["description"]
    assert d["balance_base_year"].attrs["description"] != d["total"].attrs["description"]


def test_zarr_store_opens_warning_free_with_cf_metadata(result, tmp_path: Path) -> None:
    path = io.write_result(result, tmp_path / "r.zarr")
    with xr.open_zarr(path) as back:  # filterwarnings=error: no consolidation warning
        xr.testing.assert_allclose(back["balance"].load(), result["balance"])
        assert back["tariff"].attrs["units"] == "1"
        assert all(back[v].attrs.get("long_name") for v in back.variables)
        assert back.attrs["Conventions"] == "CF-1.10"
        assert back["tariff"].encoding.get("compressors")
    assert [p.name for p in tmp_path.iterdir()] == ["r.zarr"]


def test_a_zarr_store_is_replaced_whole_or_not_at_all(result, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.zarr"
    io.write_result(result.isel(year=[0]), target)
    io.write_result(result, target)  # replaces the one-year store
    with xr.open_zarr(target) as back:
        assert back.sizes["year"] == result.sizes["year"]

    def crash(self, path, *args, **kwargs):  # noqa: ANN001, ANN202
        (Path(path) / "half").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xr.Dataset, "to_zarr", crash)
    with pytest.raises(io.OutputError, match="no space left on the device; the previous file"):
        io.write_result(result.isel(year=[0]), target)
    monkeypatch.undo()
    with xr.open_zarr(target) as back:
        assert back.sizes["year"] == result.sizes["year"]
    assert [p.name for p in tmp_path.iterdir()] == ["r.zarr"]
    (tmp_path / "plain.zarr").mkdir()  # a folder that is no store is never replaced
    with pytest.raises(ValueError, match="is a folder"):
        io.write_result(result, tmp_path / "plain.zarr")

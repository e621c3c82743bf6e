"""The 2025 starting point: the 2024 baseline carried to the observed 2025 totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from tradesim.data import baseline as bl
from tradesim.errors import DataError
from tradesim.io import embedded_path, load_baseline, packaged_tables


def _step_tables() -> dict[str, pd.DataFrame]:
    codes = {"group": str, "hs6": str, "naics3": str, "kind": str}
    return {"step_hs6_naics3": pd.read_csv(embedded_path("step_2025_hs6_naics3.csv.gz"),
                                           dtype=codes),
            "step_factors": pd.read_csv(embedded_path("step_2025_factors.csv.gz"), dtype=codes)}


def _headline() -> dict[str, float]:
    """The 2025 headline actuals (packaged copy of the shared file), bn USD."""
    h = pd.read_csv(embedded_path("us_vn_2025_headline_actuals.csv"), dtype=str)
    h = h[(h["period"] == "2025") & (h["reporter"] == "USA")]
    h = h[h["basis"] != "imports_for_consumption_customs_value"].set_index("flow")
    return {k: float(h.loc[k, "value_usd_bn"]) for k in
            ("us_imports_from_vn", "us_exports_to_vn", "us_balance_with_vn",
             "us_imports_from_china")}


def _totals(ds: xr.Dataset) -> dict[str, float]:
    v = ds["value"]
    imports = float(v.sel(importer="USA", exporter="VNM").sum()) / 1e9
    exports = float(v.sel(importer="VNM", exporter="USA").sum()) / 1e9
    return {"us_imports_from_vn": imports, "us_exports_to_vn": exports,
            "us_balance_with_vn": exports - imports,
            "us_imports_from_china": float(v.sel(importer="USA", exporter="CHN").sum()) / 1e9}


def _n1_2025(group: str) -> float:
    f = _step_tables()["step_factors"]
    return float(f.loc[(f["kind"] == "naics3") & (f["group"] == group), "value_2025"].sum())


@pytest.fixture(scope="module")
def mixed25() -> xr.Dataset:
    return load_baseline(year=2025)


@pytest.fixture(scope="module")
def hs6_25() -> xr.Dataset:
    return load_baseline("hs6", year=2025)


@pytest.mark.parametrize("flow", ["us_imports_from_vn", "us_exports_to_vn",
                                  "us_balance_with_vn", "us_imports_from_china"])
def test_mixed_2025_reproduces_the_headline_totals(mixed25: xr.Dataset, flow: str) -> None:
    assert _totals(mixed25)[flow] == pytest.approx(_headline()[flow], rel=0.01)


def test_the_headline_targets_are_the_published_figures() -> None:
    # 2025/SOURCES.md: 178.2 bn deficit (P1, P2) + 15.657 bn exports (S1); China 308.4 bn (P1).
    assert _headline() == {"us_imports_from_vn": 193.86, "us_exports_to_vn": 15.657,
                           "us_balance_with_vn": -178.2, "us_imports_from_china": 308.4}


@pytest.mark.parametrize("group", ["VNM", "CHN"])
def test_hs6_2025_equals_the_n1_consumption_estimate(hs6_25: xr.Dataset, group: str) -> None:
    got = float(hs6_25["value"].sel(importer="USA", exporter=group).sum())
    assert got == pytest.approx(_n1_2025(group), rel=1e-6)


def test_hs6_2025_exports_are_the_2025_census_exports(hs6_25: xr.Dataset) -> None:
    assert _totals(hs6_25)["us_exports_to_vn"] == pytest.approx(15.657, rel=0.001)


def test_world_growth_follows_census_n1(mixed25: xr.Dataset) -> None:
    # N1 world imports for consumption 2024 -> 2025 (Dec estimated): +4.0 %; the baseline's
    # world growth mixes bases (general for VN/CN, consumption growth elsewhere).
    base = load_baseline()
    growth = float(mixed25["value"].sel(importer="USA").sum()
                   / base["value"].sel(importer="USA").sum()) - 1
    assert growth == pytest.approx(0.040, abs=0.01)


def test_2025_attrs_say_how_it_was_built(mixed25: xr.Dataset, hs6_25: xr.Dataset) -> None:
    for ds in (mixed25, hs6_25):
        assert ds.attrs["base_year"] == 2025
        assert ds.attrs["step_2025"] == bl.STEP_2025_NOTE
        assert "counts them twice" in ds.attrs["tariff_2025"]
        assert "estimate" in ds.attrs["step_2025_estimate"]
    assert mixed25.attrs["step_2025_basis_factors"].startswith("VNM")


@pytest.mark.parametrize("resolution", ["mixed", "hs6"])
def test_2025_keeps_tariffs_growth_and_elasticities(resolution: str) -> None:
    old, new = load_baseline(resolution, anchor=False), load_baseline(resolution, year=2025)
    for var in ("tariff", "growth", "sigma", "eta", "adjustment"):
        xr.testing.assert_identical(old[var], new[var])
    assert list(old.indexes["product"]) == list(new.indexes["product"])


@pytest.mark.parametrize("resolution", ["mixed", "hs6"])
def test_2025_has_no_nan_or_inf(resolution: str) -> None:
    ds = load_baseline(resolution, year=2025)
    for var in ds.data_vars:  # omega is inf (perfectly elastic supply) by design
        if var != "omega" and np.issubdtype(ds[var].dtype, np.floating):
            assert bool(np.isfinite(ds[var]).all()), var
    assert bool((ds["value"] >= 0).all())


def test_the_2024_baseline_is_unchanged(mixed25: xr.Dataset) -> None:
    cached = load_baseline()
    fresh = bl.build(packaged_tables(), resolution="mixed")
    assert cached.attrs["base_year"] == 2024
    xr.testing.assert_identical(cached["value"], fresh["value"])
    assert float(cached["value"].sel(importer="USA", exporter="VNM").sum()) == pytest.approx(
        136.50e9, rel=0.005)


@pytest.mark.parametrize("resolution", ["mixed", "hs6"])
def test_the_step_is_identity_when_the_factors_are_one(resolution: str) -> None:
    tables = {**packaged_tables(), **_step_tables()}
    f = tables["step_factors"]
    tables["step_factors"] = f[f["kind"] != "basis"].assign(factor=1.0)
    ex = tables["exports_hs6"]
    tables["exports_hs6"] = pd.concat([ex[ex["year"] != 2025],
                                       ex[ex["year"] == 2024].assign(year=2025)])
    old = load_baseline(resolution, anchor=False)
    new = bl.step_2025(old, tables)
    np.testing.assert_allclose(new["value"].to_numpy(), old["value"].to_numpy(), rtol=1e-10)


def test_hs6_detail_sums_to_the_n1_sectors(hs6_25: xr.Dataset) -> None:
    # Vietnam's 2025 HS6 values, mapped with the packaged weights, give N1's NAICS3 values up
    # to the HS6 lines that straddle two sectors (one factor per line: under 0.1 bn a sector).
    t = _step_tables()
    w = t["step_hs6_naics3"]
    w = w[w["group"] == "VNM"]
    v = hs6_25["value"].sel(importer="USA", exporter="VNM").to_series().rename("v")
    got = w.merge(v, left_on="hs6", right_index=True)
    got = (got["weight"] * got["v"]).groupby(got["naics3"]).sum()
    f = t["step_factors"]
    want = f[(f["kind"] == "naics3") & (f["group"] == "VNM")].set_index("naics3")["value_2025"]
    want = want[want > 0].astype(float)
    np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy(), rtol=0,
                               atol=0.1e9)
    assert float(got.sum()) == pytest.approx(float(want.sum()), rel=1e-6)


def test_mixed_and_hs6_agree_on_vietnams_chapter_growth(mixed25: xr.Dataset,
                                                        hs6_25: xr.Dataset) -> None:
    # Within a chapter the mixed values are the general total split by HS6 consumption shares,
    # so the carried chapter growth equals the hs6 one up to Vietnam's single basis factor.
    def by_chapter(ds: xr.Dataset) -> pd.Series:
        s = ds["value"].sel(importer="USA", exporter="VNM").to_series()
        return s.groupby(s.index.str[:2]).sum()

    mixed = by_chapter(mixed25) / by_chapter(load_baseline(anchor=False))
    hs6_24 = by_chapter(load_baseline("hs6", anchor=False))
    hs6 = (by_chapter(hs6_25) / hs6_24)[hs6_24 > 1e6]
    basis = float(mixed25.attrs["step_2025_basis_factors"].split(",")[0].split()[1])
    np.testing.assert_allclose((mixed.reindex(hs6.index) / basis).to_numpy(), hs6.to_numpy(),
                               rtol=1e-3)


def test_product_values_sum_to_the_totals(mixed25: xr.Dataset) -> None:
    v = mixed25["value"].sel(importer="USA", exporter="VNM")
    by_chapter = v.to_series().groupby(lambda p: p[:2]).sum()
    assert float(by_chapter.sum()) == pytest.approx(float(v.sum()), rel=1e-12)
    assert float(by_chapter.get("85", 0.0)) > float(load_baseline()["value"].sel(
        importer="USA", exporter="VNM", product=[p for p in v["product"].values
                                                  if p.startswith("85")]).sum())


def test_2025_exists_only_for_mixed_and_hs6() -> None:
    with pytest.raises(DataError, match="2024 and 2025 only|no chapter baseline"):
        load_baseline("hs2", year=2025)
    with pytest.raises(DataError, match="carries a 2024"):
        bl.step_2025(load_baseline(year=2025), {**packaged_tables(), **_step_tables()})

"""The embedded baseline reproduces the published totals; user frames are validated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.errors import DataError

CENSUS_IMPORTS_2024 = 136.50e9  # US general imports from Vietnam (Census, S4)
CENSUS_EXPORTS_2024 = 13.04e9  # US total exports to Vietnam (Census, S1/S4)


def test_totals_match_census(baseline) -> None:
    imports = float(baseline["value"].sel(importer="USA", exporter="VNM").sum())
    exports = float(baseline["value"].sel(importer="VNM", exporter="USA").sum())
    assert imports == pytest.approx(CENSUS_IMPORTS_2024, rel=0.005)
    assert exports == pytest.approx(CENSUS_EXPORTS_2024, rel=0.005)


def test_world_imports_match_census(baseline) -> None:
    assert float(baseline["value"].sel(importer="USA").sum()) == pytest.approx(3266.41e9,
                                                                               rel=1e-4)


def test_products_partition_the_hs6_codes(baseline) -> None:
    products = list(baseline["product"].values)
    lines = [p for p in products if not p.endswith("*")]
    for a in lines:  # no line contains another line
        assert not any(b != a and b.startswith(a) for b in lines), a
    members = baseline["member_product"].to_series()
    assert members.index.is_unique
    assert set(members) == set(products)
    for code, product in members.items():
        assert code.startswith(product.rstrip("*"))


def test_required_splits_are_on_the_axis(baseline) -> None:
    needed = {"8471", "8542", "854142", "854143", "8800", "8802", "8411", "847330", "5201",
              "1201", "2711*", "271111"}
    assert needed <= set(baseline["product"].values)
    assert any(p.startswith("8517") for p in baseline["product"].values)
    assert any(p.startswith("9403") for p in baseline["product"].values)


def test_tariffs_are_duty_over_value(baseline) -> None:
    # Calculated duty / imports for consumption on Vietnamese goods was 3.77 % in 2024.
    v = baseline["value"].sel(importer="USA", exporter="VNM")
    t = baseline["tariff"].sel(importer="USA", exporter="VNM")
    assert float((v * t).sum() / v.sum()) == pytest.approx(0.0377, abs=0.002)
    china = baseline["tariff"].sel(importer="USA", exporter="CHN")
    assert float((baseline["value"].sel(importer="USA", exporter="CHN") * china).sum()
                 / baseline["value"].sel(importer="USA", exporter="CHN").sum()) > 0.09


def test_units_and_sources_in_attrs(baseline) -> None:
    assert baseline["value"].attrs["units"] == "USD"
    assert baseline["tariff"].attrs["units"] == "fraction"
    assert "SOURCES.md" in baseline.attrs["source"]
    assert "ROW = 0" in baseline.attrs["vnm_market"]


def test_hs6_resolution() -> None:
    b = tradesim.load_baseline("hs6")
    assert b.sizes["product"] > 5000
    assert b.sizes["exporter"] >= 50
    vn = float(b["value"].sel(importer="USA", exporter="VNM").sum())
    assert vn == pytest.approx(141.36e9, rel=0.001)  # imports for consumption basis
    assert "SVK" not in b["exporter"].values


def frame(**overrides) -> pd.DataFrame:
    df = pd.DataFrame({"importer": "USA", "exporter": ["VNM", "CHN"], "product": "851713",
                       "year": 2024, "value": [10e9, 40e9], "tariff": [0.0, 0.1]})
    for k, v in overrides.items():
        df[k] = v
    return df


@pytest.mark.parametrize(
    ("df", "message"),
    [
        (frame().drop(columns="tariff"), r"missing column\(s\) \['tariff'\]"),
        (frame(value=[-1.0, 2.0]), r"negative value \(USD\) in row\(s\) \[0\]"),
        (frame(value=[np.nan, 2.0]), r"'value' has missing, non-numeric or infinite"),
        (frame(value=[np.inf, 2.0]), r"'value' has missing, non-numeric or infinite"),
        (frame(exporter=["VNM", "VNM"]), r"duplicate \(importer, exporter, product\) rows"),
        (frame(year=[2023, 2024]), r"one base year"),
        (frame(tariff=[25.0, 0.0]), r"tariff must be a fraction"),
        (frame(product=["8517", "851713"]), r"product codes overlap"),
        (frame(product=["85x", "61"]), r"product codes must be HS digits"),
    ],
)
def test_bad_frames_get_clear_errors(df: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataError, match=message):
        tradesim.baseline_from_frame(df)


def test_frame_baseline_runs_the_same_model() -> None:
    b = tradesim.baseline_from_frame(frame())
    doc = {"scenario": {"name": "own", "horizon": 2026}, "tariff": [
        {"id": "t", "importer": "USA", "exporters": ["VNM"], "products": ["8517"], "rate": 20}]}
    r = tradesim.simulate(doc, b)
    v = r["value"].sel(year=2026, importer="USA")
    assert float(v.sel(exporter="VNM", product="851713")) < 10e9
    assert float(v.sel(exporter="CHN", product="851713")) > 40e9

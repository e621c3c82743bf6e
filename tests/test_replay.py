"""The 2018–19 replay: Section 301 on China on the 2017 chapter baseline, against Census.

Replay (``scenarios/replay/us-china-2018-19.toml`` on ``load_baseline("hs2", year=2017)``,
growth 0, so the no-tariff projection holds the 2017 flows), US imports for consumption, bn USD,
with the estimated reallocation parameters (China–Vietnam nest, σ_N = 1.20 σ, λ = 0.82;
``reallocation.csv``, estimated on both episodes, so this replay is in sample):

=========  ===========  ==================  ===========================
supplier   2017 (data)  model 2019 vs base  Census 2017→2019 (actual)
=========  ===========  ==================  ===========================
China      503.65       −69.1 (−13.7 %)     −48.3 (−9.6 %)
Vietnam     46.02        +3.0 (+6.5 %)      +18.8 (+40.9 %)
=========  ===========  ==================  ===========================

The model column is the tariff effect against a no-growth projection; the Census column also
holds demand growth (world imports +7.5 % 2017→2019) and each supplier's own trend, so the two
are not like for like:

- China: against a world that grew 7.5 %, China's shortfall in the data is about −86 bn
  (−48.3 − 0.075 × 503.65), of which the tariff effect here is −69 bn. The old model (one-level
  CES, λ = 0.38) gave −36 bn.
- Vietnam: most of its 2017→2019 rise was its own trend (2013–2017 CAGR +17 % a year), which zero
  growth leaves out; the tariff effect is +3.0 bn (+1.6 bn without the nest). The episode model
  of ``tradesim backtest``, which conditions on observed demand and share trends, reproduces the
  whole change out of sample (docs/validation.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tradesim
from tradesim.errors import DataError
from tradesim.io import packaged_tables

ROOT = Path(__file__).resolve().parents[1]
REPLAY = ROOT / "scenarios" / "replay" / "us-china-2018-19.toml"
SHARED = Path(os.environ.get("TRADESIM_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="module")
def chapters_2017():
    return tradesim.load_baseline("hs2", year=2017)


def census(year: int, exporter: str) -> float:
    """US imports for consumption from ``exporter`` in ``year`` (packaged chapter data), USD."""
    t = packaged_tables()["imports_hs2_consumption"]
    return float(t.loc[(t["year"] == year) & (t["exporter"] == exporter), "value_usd"].sum())


def test_hs2_2017_baseline_totals(chapters_2017) -> None:
    b = chapters_2017
    v = b["value"]
    assert b.attrs["base_year"] == 2017
    assert b.attrs["resolution"] == "hs2"
    assert "imports for consumption" in b.attrs["basis"]
    # Vietnam: the packaged 2017 figure to the dollar (46.02 bn, consumption basis).
    vn = float(v.sel(importer="USA", exporter="VNM").sum())
    assert vn == pytest.approx(census(2017, "VNM"), rel=1e-12)
    assert vn == pytest.approx(46.02e9, rel=1e-3)
    # WORLD = the 20 named suppliers + ROW; ROW never negative.
    assert float(v.sel(importer="USA").sum()) == pytest.approx(census(2017, "WORLD"), rel=1e-12)
    assert float(v.sel(importer="USA", exporter="ROW").min()) >= 0.0
    named = set(b["exporter"].values) - {"ROW", "USA"}
    assert len(named) == 20
    assert {"CHN", "VNM", "MEX", "CAN", "DEU"} <= named
    # Vietnamese market: US total exports 2017, no third suppliers.
    exports = packaged_tables()["exports_hs2"]
    assert float(v.sel(importer="VNM", exporter="USA").sum()) == pytest.approx(
        float(exports.loc[exports["year"] == 2017, "value_usd"].sum()), rel=1e-12)
    assert float(v.sel(importer="VNM", exporter="ROW").sum()) == 0.0
    # Chapters: member codes are the chapter codes; growth is zero.
    assert list(b["hs6"].values) == list(b["product"].values)
    assert all(len(p) == 2 for p in b["product"].values)
    assert float(np.abs(b["growth"]).max()) == 0.0


def test_hs2_2017_tariffs(chapters_2017) -> None:
    v = chapters_2017["value"].sel(importer="USA")
    t = chapters_2017["tariff"].sel(importer="USA")
    avg = lambda e: float((v.sel(exporter=e) * t.sel(exporter=e)).sum()  # noqa: E731
                          / v.sel(exporter=e).sum())
    assert avg("VNM") == pytest.approx(0.0722, abs=5e-4)  # actual 2017 calculated duty
    assert 0.015 < avg("CHN") < 0.04  # MFN proxy, before Section 301 (PIIE: 3.8 %)
    assert avg("MEX") < 0.01  # NAFTA


def test_hs2_other_years() -> None:
    b = tradesim.load_baseline("hs2", year=2024)
    assert b.attrs["resolution"] == "hs2"
    assert b.attrs["base_year"] == 2024
    assert all(len(p) == 2 for p in b["product"].values)
    assert float(b["value"].sel(importer="USA").sum()) == pytest.approx(3266.41e9, rel=1e-4)
    assert float(b["value"].sel(importer="USA", exporter="VNM").sum()) == pytest.approx(
        136.50e9, rel=1e-3)
    with pytest.raises(DataError, match="2017"):
        tradesim.load_baseline("hs2", year=2019)
    with pytest.raises(DataError, match="hs2"):
        tradesim.load_baseline("mixed", year=2017)


def test_replay_direction_matches_census(chapters_2017) -> None:
    r = tradesim.simulate(REPLAY, chapters_2017)
    assert list(r["year"].values) == [2017, 2018, 2019]
    us = lambda var, e: float(  # noqa: E731
        r[var].sel(importer="USA", exporter=e, year=2019).sum())
    model = {e: us("value", e) - us("value_baseline", e) for e in ("CHN", "VNM")}
    actual = {e: census(2019, e) - census(2017, e) for e in ("CHN", "VNM")}
    # Direction: China below the no-tariff projection, Vietnam above; Census agrees.
    assert model["CHN"] < 0 < model["VNM"]
    assert actual["CHN"] < 0 < actual["VNM"]
    # Magnitudes (see the module docstring): the tariff effect against no growth.
    assert model["VNM"] < actual["VNM"]
    assert model["CHN"] / 1e9 == pytest.approx(-69.1, abs=1.0)
    assert model["VNM"] / 1e9 == pytest.approx(3.0, abs=0.3)
    assert actual["CHN"] / 1e9 == pytest.approx(-48.30, abs=0.01)
    assert actual["VNM"] / 1e9 == pytest.approx(18.80, abs=0.01)
    # The tariffs take effect from July 2018: no change in the base year.
    first = r["value"].sel(importer="USA", year=2017) - r["value_baseline"].sel(
        importer="USA", year=2017)
    assert float(np.abs(first).max()) == 0.0


@pytest.mark.skipif(not (SHARED / "tariff_measures.csv").exists(),
                    reason="shared source data not available")
def test_replay_scenario_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "replay.toml"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_replay_scenario.py"),
                    "--shared", str(SHARED), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_text(encoding="utf-8") == REPLAY.read_text(encoding="utf-8")

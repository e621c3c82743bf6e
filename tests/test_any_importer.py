"""Any importer of the baseline can carry measures and commitments (issue 11 item 4)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import tradesim


@pytest.fixture(scope="module")
def three_markets():
    """A user's own baseline with a third import market, Mexico."""
    rows = [("USA", "VNM", "61", 10e9, 0.1), ("USA", "CHN", "61", 20e9, 0.1),
            ("MEX", "VNM", "61", 5e9, 0.2), ("MEX", "CHN", "61", 5e9, 0.2),
            ("VNM", "USA", "61", 1e9, 0.0)]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    params = pd.DataFrame([(i, "61", 3.0, 1.0, 1.0) for i in ("USA", "MEX", "VNM")],
                          columns=["importer", "product", "sigma", "eta", "adjustment"])
    return tradesim.baseline_from_frame(df, params)


@pytest.mark.parametrize("method", ["ces", "smart", "gsim", "gsim-exact"])
def test_a_third_importer_levies_a_measure(three_markets, method: str) -> None:
    d = {"scenario": {"name": "mx", "horizon": 2025, "method": method},
         "tariff": [{"id": "mx-cut", "importer": "MEX", "exporters": ["CHN"], "products": "all",
                     "rate": 50, "mode": "cut", "from": dt.date(2025, 1, 1)}]}
    r = tradesim.simulate(d, three_markets).sel(year=2025, product="61")
    assert float(r["tariff"].sel(importer="MEX", exporter="CHN")) == pytest.approx(0.10)
    assert float(r["tariff"].sel(importer="MEX", exporter="VNM")) == pytest.approx(0.20)
    mx = r.sel(importer="MEX")
    assert float(mx["value"].sel(exporter="CHN")) > float(mx["value_baseline"].sel(exporter="CHN"))
    assert float(mx["value"].sel(exporter="VNM")) < float(mx["value_baseline"].sel(exporter="VNM"))
    assert float(r["welfare"].sel(importer="MEX")) > 0  # a cut
    us = r.sel(importer="USA")  # ω = ∞: world prices stay put, so no method links the markets
    assert (us["value"] == us["value_baseline"]).all()


def test_a_third_importer_buys_under_a_commitment(three_markets) -> None:
    d = {"scenario": {"name": "mx", "horizon": 2025},
         "commitment": [{"id": "c", "buyer": "MEX", "seller": "VNM", "product": "61",
                         "schedule": {"2025": 1e9}}]}
    r = tradesim.simulate(d, three_markets).sel(year=2025, product="61", importer="MEX")
    assert float(r["commitment"].sel(exporter="VNM")) == pytest.approx(1e9)

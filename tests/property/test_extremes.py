"""Extreme but valid inputs give finite results (or a clear error), for every method."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tradesim
from tradesim.testing import assert_finite


def market(values: dict[str, float], sigma: float, eta: float, lam: float = 1.0):
    rows = [("USA", e, "61", v, 0.05) for e, v in values.items()]
    rows += [("USA", "VNM", "64", 0.0, 0.0), ("USA", "CHN", "64", 0.0, 0.0),  # no trade at all
             ("VNM", "USA", "8802", 1e9, 0.0), ("VNM", "ROW", "8802", 0.0, 0.0)]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    params = pd.DataFrame([(i, p, sigma, eta, lam) for i in ("USA", "VNM")
                           for p in ("61", "64", "8802")],
                          columns=["importer", "product", "sigma", "eta", "adjustment"])
    return tradesim.baseline_from_frame(df, params)


def doc(rate: float, method: str, omega: float | None) -> dict:
    d = {"scenario": {"name": "x", "horizon": 2027, "method": method},
         "tariff": [{"id": "a", "importer": "USA", "exporters": ["VNM"], "products": "all",
                     "rate": rate},
                    {"id": "b", "importer": "VNM", "exporters": "all", "products": "all",
                     "rate": rate / 2}]}
    if omega is not None:
        d["elasticities"] = {"omega": omega}
    return d


@given(
    rate=st.sampled_from([0.0, 1e-9, 0.5, 46.0, 400.0, 1000.0]),
    sigma=st.sampled_from([0.05, 0.999999, 1.0, 1.000001, 8.0, 50.0]),
    eta=st.sampled_from([0.0, 1e-9, 1.0, 20.0]),
    omega=st.sampled_from([None, 0.01, 1.0, 99.0, float("inf")]),
    method=st.sampled_from(["ces", "smart", "gsim", "gsim-exact"]),
    shares=st.sampled_from([{"VNM": 1e10}, {"VNM": 1e10, "CHN": 0.0},
                            {"VNM": 1e-3, "CHN": 5e11, "ROW": 1e9}]),
)
def test_extreme_inputs_give_finite_results(rate, sigma, eta, omega, method, shares) -> None:
    b = market(shares, sigma, eta)
    r = tradesim.simulate(doc(rate, method, omega), b)
    assert_finite(r)
    assert (r["value"] >= 0).all()


@pytest.mark.parametrize("lam", [0.01, 1.0])
def test_slow_and_instant_adjustment(lam: float) -> None:
    r = tradesim.simulate(doc(1000.0, "ces", None), market({"VNM": 1e10, "CHN": 1e10}, 3.0, 1.0,
                                                           lam))
    assert_finite(r)


@given(
    rate=st.sampled_from([0.0, 1e-9, 46.0, 1000.0]),
    sigma=st.sampled_from([0.05, 1.0, 8.0, 50.0]),
    premium=st.sampled_from([1.0, 1.000001, 2.0, 4.0]),
    shares=st.sampled_from([{"VNM": 1e10, "CHN": 1e10}, {"VNM": 1e-3, "CHN": 5e11, "ROW": 1e9},
                            {"VNM": 1e10, "CHN": 0.0, "ROW": 1e9}]),
)
def test_extreme_nests_give_finite_results(rate, sigma, premium, shares) -> None:
    """The China-Vietnam nest at extreme σ and σ_N/σ, including an empty member."""
    b = market(shares, sigma, 1.0)
    nested = tradesim.baseline_from_frame(
        b[["value", "tariff"]].to_dataframe().reset_index().assign(year=2024),
        pd.DataFrame([(i, p, sigma, 1.0, 1.0, sigma * premium) for i in ("USA", "VNM")
                      for p in ("61", "64", "8802")],
                     columns=["importer", "product", "sigma", "eta", "adjustment", "sigma_nest"]),
        nest={"USA": ["CHN", "VNM"]})
    r = tradesim.simulate(doc(rate, "ces", None), nested)
    assert_finite(r)
    assert (r["value"] >= 0).all()


def test_a_nest_beyond_float_range_is_refused() -> None:
    b = market({"VNM": 1e10, "CHN": 1e10}, 50.0, 1.0)
    with pytest.raises(tradesim.DataError, match="sigma_nest must be <= 200"):
        tradesim.baseline_from_frame(
            b[["value", "tariff"]].to_dataframe().reset_index().assign(year=2024),
            pd.DataFrame({"importer": ["USA"], "product": ["61"], "sigma": [50.0], "eta": [1.0],
                          "adjustment": [1.0], "sigma_nest": [2500.0]}),
            nest={"USA": ["CHN", "VNM"]})

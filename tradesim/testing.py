"""Hypothesis strategies and assertion helpers for tradesim's own tests and for users' tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import strategies as st

from tradesim.data.frame import baseline_from_frame

__all__ = ["assert_finite", "baselines", "markets"]

_SUPPLIERS = ("VNM", "CHN", "MEX", "ROW")
_PRODUCTS = ("61", "64", "8517", "9403")


@st.composite
def markets(draw: st.DrawFn, max_suppliers: int = 5, max_products: int = 4) -> dict:
    """Kernel-level inputs: ``value`` (S, P) USD, ``t0`` (S, P), ``sigma``/``eta`` (1, P)."""
    n_s = draw(st.integers(1, max_suppliers))
    n_p = draw(st.integers(1, max_products))
    pos = st.floats(1e3, 1e11, allow_nan=False)
    value = np.array(draw(st.lists(pos, min_size=n_s * n_p, max_size=n_s * n_p))).reshape(
        n_s, n_p)
    rate = st.floats(0.0, 2.0, allow_nan=False)
    t0 = np.array(draw(st.lists(rate, min_size=n_s * n_p, max_size=n_s * n_p))).reshape(
        n_s, n_p)
    sigma = np.array(draw(st.lists(st.floats(0.2, 12.0), min_size=n_p, max_size=n_p)))[None]
    eta = np.array(draw(st.lists(st.floats(0.0, 4.0), min_size=n_p, max_size=n_p)))[None]
    return {"value": value, "t0": t0, "sigma": sigma, "eta": eta}


@st.composite
def baselines(draw: st.DrawFn) -> xr.Dataset:
    """Small labelled baselines (USA and VNM markets) built through ``baseline_from_frame``."""
    rows = []
    for product in draw(st.lists(st.sampled_from(_PRODUCTS), min_size=1, max_size=4,
                                 unique=True)):
        for exporter in draw(st.lists(st.sampled_from(_SUPPLIERS), min_size=1, max_size=4,
                                      unique=True)):
            rows.append(("USA", exporter, product, draw(st.floats(1e6, 1e11)),
                         draw(st.floats(0.0, 0.5)), draw(st.floats(-0.05, 0.1))))
    for product in ("8802", "5201"):
        rows.append(("VNM", "USA", product, draw(st.floats(1e6, 1e10)),
                     draw(st.floats(0.0, 0.3)), 0.0))
        rows.append(("VNM", "ROW", product, draw(st.floats(0.0, 1e10)), 0.05, 0.0))
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff",
                                     "growth"])
    df["year"] = 2024
    lam = draw(st.floats(0.1, 1.0))
    params = pd.DataFrame(
        [(i, p, draw(st.floats(0.5, 8.0)), draw(st.floats(0.0, 3.0)), lam)
         for i in ("USA", "VNM") for p in (*_PRODUCTS, "8802", "5201")],
        columns=["importer", "product", "sigma", "eta", "adjustment"])
    params = params[params["product"].isin(df["product"])]
    return baseline_from_frame(df, params, source="hypothesis")


def assert_finite(ds: xr.Dataset) -> None:
    """Assert that no numeric variable of ``ds`` holds NaN or inf."""
    for name, da in ds.data_vars.items():
        if np.issubdtype(da.dtype, np.number):
            assert np.isfinite(da.to_numpy()).all(), f"{name} has NaN or inf"

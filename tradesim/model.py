"""Align a baseline, its parameters and a tariff path into kernel-ordered arrays; solve.

Labels stop here: :func:`market_arrays` turns labelled inputs into plain ndarrays in
:data:`tradesim.dims.KERNEL_ORDER` once, and :func:`respond` calls the kernels on them. Any
extra leading axes (``scenario``, ``draw``) broadcast through the kernels unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from tradesim import kernels
from tradesim.dims import IMPORTER, MARKET_DIMS, PRODUCT, YEAR

__all__ = ["MarketArrays", "Response", "market_arrays", "respond"]


class MarketArrays(NamedTuple):
    """Inputs in kernel order: (year, importer, exporter, product); parameters (…, I, 1, P)."""

    projected: np.ndarray  # baseline projection, USD
    t0: np.ndarray  # base tariff, fraction (I, E, P)
    t1: np.ndarray  # scenario tariff path, fraction (T, I, E, P)
    sigma: np.ndarray  # (I, 1, P)
    eta: np.ndarray  # (I, 1, P)
    adjustment: np.ndarray  # λ (I, 1, P)


class Response(NamedTuple):
    """Long-run response per cell and the import price index per market and product."""

    ratio: np.ndarray  # (T, I, E, P) new value / baseline value
    index: np.ndarray  # (T, I, 1, P)
    surplus: np.ndarray  # (T, I, 1, P) buyers' surplus change, USD


def _per_product(da: xr.DataArray) -> np.ndarray:
    return da.transpose(IMPORTER, PRODUCT).to_numpy()[:, None, :]


def market_arrays(baseline: xr.Dataset, params: xr.Dataset, t1: xr.DataArray,
                  offsets: np.ndarray) -> MarketArrays:
    """Kernel-ordered arrays for a run.

    Parameters
    ----------
    baseline : Dataset
        Validated baseline (``value``, ``tariff``).
    params : Dataset
        ``sigma``, ``eta``, ``adjustment`` (importer, product) and ``growth`` (market dims).
    t1 : DataArray (year, importer, exporter, product)
        Tariff path, fraction.
    offsets : ndarray (T,)
        Years since the base year.
    """
    value = baseline["value"].transpose(*MARKET_DIMS).to_numpy()
    growth = params["growth"].transpose(*MARKET_DIMS).to_numpy()
    projected = value[None] * (1.0 + growth[None]) ** offsets[:, None, None, None]
    return MarketArrays(
        projected=np.ascontiguousarray(projected),
        t0=baseline["tariff"].transpose(*MARKET_DIMS).to_numpy(),
        t1=t1.transpose(YEAR, *MARKET_DIMS).to_numpy(),
        sigma=_per_product(params["sigma"]),
        eta=_per_product(params["eta"]),
        adjustment=_per_product(params["adjustment"]),
    )


def respond(a: MarketArrays) -> Response:
    """Long-run value ratios, price indices and buyers' surplus for every year and cell."""
    ratio, index = kernels.ces_demand(a.projected, a.t0, a.t1, a.sigma, a.eta)
    expenditure = (a.projected * (1.0 + a.t0)).sum(axis=-2, keepdims=True)
    return Response(ratio, index, kernels.buyers_surplus(expenditure, index, a.eta))

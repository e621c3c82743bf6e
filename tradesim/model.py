"""Align baseline arrays and tariff paths, broadcast, and call the kernels.

Labels live here; :mod:`tradesim.kernels` sees only ndarrays in kernel axis order. Any extra
leading dimensions (``scenario``, ``draw``) broadcast through unchanged.
"""

from __future__ import annotations

import xarray as xr

from tradesim import kernels
from tradesim.dims import EXPORTER, IMPORTER, KERNEL_ORDER, PRODUCT

__all__ = ["long_run", "surplus"]


def _order(*arrays: xr.DataArray) -> list[xr.DataArray]:
    """Broadcast and transpose to kernel order (leading dims first, exporter before product)."""
    full = xr.broadcast(*arrays)
    lead = [d for d in full[0].dims if d not in KERNEL_ORDER]
    order = lead + [d for d in KERNEL_ORDER if d in full[0].dims]
    return [a.transpose(*order) for a in full]


def long_run(
    value: xr.DataArray, t0: xr.DataArray, t1: xr.DataArray, sigma: xr.DataArray,
    eta: xr.DataArray,
) -> tuple[xr.DataArray, xr.DataArray]:
    """Long-run value ratio (new ÷ baseline) and import price index for every cell.

    Parameters
    ----------
    value : DataArray (..., importer, exporter, product)
        Baseline customs value, USD.
    t0, t1 : DataArray
        Base and new tariffs, fractions; any broadcastable dims.
    sigma, eta : DataArray (..., importer, product)
        Elasticities.

    Returns
    -------
    ratio : DataArray (..., importer, exporter, product)
    index : DataArray (..., importer, product)
    """
    v, a, b = _order(value, t0, t1)
    params = [p.expand_dims({EXPORTER: 1}) for p in (sigma, eta)]
    s, e = (_order(p, v.isel({EXPORTER: slice(0, 1)}, drop=False))[0] for p in params)
    ratio, index = kernels.ces_demand(v.to_numpy(), a.to_numpy(), b.to_numpy(),
                                      s.to_numpy(), e.to_numpy())
    out_ratio = v.copy(data=ratio)
    out_index = v.isel({EXPORTER: 0}, drop=True).copy(data=index[..., 0, :])
    return out_ratio, out_index


def surplus(value: xr.DataArray, t0: xr.DataArray, index: xr.DataArray,
            eta: xr.DataArray) -> xr.DataArray:
    """Buyers' surplus change (USD) by market and product, from the import price index."""
    expenditure = (value * (1.0 + t0)).sum(EXPORTER)
    e, p, n = xr.broadcast(expenditure, index, eta)
    order = [d for d in e.dims if d not in (IMPORTER, PRODUCT)] + [IMPORTER, PRODUCT]
    e, p, n = (x.transpose(*order) for x in (e, p, n))
    return e.copy(data=kernels.buyers_surplus(e.to_numpy(), p.to_numpy(), n.to_numpy()))

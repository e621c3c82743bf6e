"""Prototype of a reduced Monte Carlo pass: what numpy reaches when only totals are wanted.

``trajectory.run`` builds every result variable for every cell (value, tariff, duty revenue,
surplus, world price …, ~15 full (draw × year × importer × exporter × product) arrays). A sweep
that keeps the balance needs one full-size quantity only: the CES price index, which depends on
every supplier. Everything after it (demand, partial adjustment, value) is needed for the two
bilateral flows alone. This module evaluates the same equations that way (full pass-through,
tariff measures and growth; no commitments, overrides or re-routing), in ``float64`` or with the
price-index pass in ``float32``, so the benchmarks can show the bound and the gap. It is not
used by tradesim; see ``benchmarks/README.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from tradesim.scenario import schedule
from tradesim.scenario.parse import Scenario

DIMS = ("importer", "exporter", "product")


class Prepared(NamedTuple):
    """Draw-independent arrays of one scenario (T = years)."""

    projected: np.ndarray  # (T, I, E, P) USD
    log_price: np.ndarray  # (T, I, E, P) log((1 + t1) / (1 + t0))
    share: np.ndarray  # (T, I, E, P) expenditure share within the market
    flows: tuple[tuple[int, int], tuple[int, int]]  # (importer, exporter): exports, imports


def prepare(baseline: xr.Dataset, scenario: Scenario) -> Prepared:
    """Tariff path, projection, log price change and shares of one scenario."""
    if scenario.commitments or scenario.elasticities or scenario.transshipment is not None:
        raise ValueError("the prototype handles tariff measures only")
    cube = lambda name: baseline[name].transpose(*DIMS).to_numpy()  # noqa: E731
    years = np.arange(scenario.base_year, scenario.horizon + 1) - scenario.base_year
    t1 = schedule.tariff_path(baseline, scenario).transpose("year", *DIMS).to_numpy()
    t0 = cube("tariff")
    projected = cube("value")[None] * (1 + cube("growth")[None]) ** years[:, None, None, None]
    weight = projected * (1 + t0)
    total = weight.sum(-2, keepdims=True)
    imp, exp = list(baseline.indexes["importer"]), list(baseline.indexes["exporter"])
    return Prepared(projected, np.log1p(t1) - np.log1p(t0),
                    weight / np.where(total > 0, total, 1.0),
                    ((imp.index("VNM"), exp.index("USA")), (imp.index("USA"), exp.index("VNM"))))


def balance(prep: Prepared, sigma: np.ndarray, eta: np.ndarray, adjustment: np.ndarray,
            dtype: type = np.float64) -> np.ndarray:
    """Balance (draw, year), USD, for parameters (draw, importer, product).

    The price index is one fused in-place pass over (draw, year, importer, exporter,
    product) in ``dtype``: ``x = (1 − σ) ln p``, ``expm1``, ``× θ``, sum over suppliers; the
    rest works on the two bilateral flows only, in float64.
    """
    sig = sigma[:, None, :, None, :]
    expo = (1.0 - sig).astype(dtype)
    x = expo * prep.log_price.astype(dtype)[None]  # (D, T, I, E, P): the one full-size array
    np.expm1(x, out=x)
    x *= prep.share.astype(dtype)[None]
    log_index = (np.log1p(x.sum(-2, keepdims=True)) / expo).astype(np.float64)[..., 0, :]
    del x
    totals = []
    for i, e in prep.flows:
        li = log_index[:, :, i, :]  # (D, T, P)
        gap = -eta[:, None, i] * li - sigma[:, None, i] * (prep.log_price[None, :, i, e] - li)
        rate = adjustment[:, i]
        level = np.zeros_like(gap[:, 0])
        for t in range(gap.shape[1]):  # the one sequential step: years carry state
            level += rate * (gap[:, t] - level)
            gap[:, t] = level
        totals.append((prep.projected[None, :, i, e] * np.exp(gap)).sum(-1))
    return totals[0] - totals[1]

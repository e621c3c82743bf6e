"""Calibrate a baseline to an observed year: the regime in force then reproduces what happened.

A 2024 baseline projects 2025 from 2024 flows, growth and share trends; the 2025 measures then
move it through the model. What the model does not explain (the AI-hardware boom, the part of
China's lost sales the nest does not hand to Vietnam, front-loading) is the residual between that
2025 and the observed one. :func:`anchor` puts that residual into the baseline as one level factor
per cell, ``k`` (importer, exporter, product), applied to the projection from the observed year on,
and solves for it so that the regime in force that year reproduces the observed values exactly:

    k ← k · observed / simulate(baseline with k, regime)[year]

a fixed point (the response depends on ``k`` only through market shares, so a few passes reach
machine precision). It is the base-year calibration of applied trade models (a CGE model's
calibrated shifters), done at the observed year: the baseline's shifters, never the outputs, are
set, so every other scenario runs through the same model on the same baseline, and the regime's
partial adjustment continues after the observed year as it would have.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

from tradesim.dims import MARKET_DIMS, YEAR
from tradesim.errors import DataError
from tradesim.model import trajectory
from tradesim.scenario import schedule
from tradesim.scenario.parse import Scenario

__all__ = ["anchor"]


def anchor(baseline: xr.Dataset, regime: Scenario, observed: xr.DataArray, year: int,
           tol: float = 1e-11, max_iter: int = 60) -> xr.Dataset:
    """The baseline with ``anchor`` factors so that ``regime`` reproduces ``observed`` in ``year``.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline whose base year precedes ``year`` (no ``anchor`` of its own).
    regime : Scenario
        The measures in force in ``year`` (its later years are not used).
    observed : DataArray (importer, exporter, product)
        Observed customs values in ``year``, USD, on the baseline's labels.
    year : int
        The observed year; the factors apply from it on.
    tol, max_iter
        Stop when every cell's relative error is below ``tol``.

    Returns
    -------
    Dataset
        A copy of ``baseline`` with ``anchor`` (importer, exporter, product; 1 = none), the
        regime's tariffs that year ``anchor_tariff`` (same dims; with other elasticities the
        model corrects the factor per draw,
        :func:`tradesim.model.response.anchor_correction`) and attrs ``anchor_year``,
        ``anchor_regime``, ``anchor_max_error`` (largest relative error of a cell with observed
        value > 0 after the last pass) and ``anchor_unscaled_usd``: observed
        value in cells with no projection to scale (zero base value: a flow new in ``year``),
        which a level factor cannot create and the anchored baseline leaves out.

    Raises
    ------
    DataError
        When the iteration does not converge.
    """
    base_year = int(baseline.attrs.get("base_year", regime.base_year))
    if not base_year < year <= regime.horizon:
        raise DataError(f"anchor year {year} must follow the base year {base_year} and lie "
                        f"within the regime's years (to {regime.horizon})")
    if "anchor" in baseline:
        raise DataError("this baseline is already anchored (attrs['anchor_year'] = "
                        f"{baseline.attrs.get('anchor_year')})")
    target = observed.transpose(*MARKET_DIMS).to_numpy()
    if target.shape != baseline["value"].shape or not np.isfinite(target).all() or \
            (target < 0).any():
        raise DataError(f"observed values must be finite, >= 0 and on the baseline's "
                        f"{MARKET_DIMS} labels")
    short = dataclasses.replace(regime, horizon=year)
    factor = np.ones_like(target)
    out = baseline.copy()
    out.attrs["anchor_year"] = year
    error = np.inf
    for _ in range(max_iter):
        out["anchor"] = (MARKET_DIMS, factor)
        run = trajectory.simulate(out, short)["value"].sel({YEAR: year})
        model = run.transpose(*MARKET_DIMS).to_numpy()
        scaled = model > 0
        scale = np.divide(target, model, out=np.ones_like(target), where=scaled)
        error = float(np.max(np.abs(scale[scaled & (target > 0)] - 1.0), initial=0.0))
        if error < tol:
            break
        factor = factor * scale
    else:
        raise DataError(f"the {year} anchor did not converge in {max_iter} passes (largest "
                        f"relative error {error:.2e})")
    tariff = schedule.tariff_path(out, short).sel({YEAR: year}, drop=True)
    out["anchor_tariff"] = tariff.transpose(*MARKET_DIMS)
    out["anchor_tariff"].attrs.update(units="1", description=(
        f"the regime's tariffs in {year}: with other elasticities (Monte Carlo draws, "
        f"overrides) the factor is solved again so that {year} stays observed"))
    out["anchor"].attrs.update(units="1", description=(
        f"level factor on the projection from {year} on: the {year} values the regime "
        f"{regime.name!r} does not explain (observed / model), solved so that it reproduces "
        f"the observed {year} values"))
    out.attrs.update(anchor_regime=regime.name, anchor_max_error=error,
                     anchor_unscaled_usd=float(target[~scaled].sum()))
    return out

"""Figures from results. matplotlib is imported lazily, inside each function."""

from __future__ import annotations

from typing import TYPE_CHECKING

import xarray as xr

from tradesim.report import BN

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["balance_trajectory"]


def balance_trajectory(result: xr.Dataset, title: str | None = None) -> Figure:
    """Baseline vs scenario US–Vietnam balance by year, bn USD, with the basis in the footer."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    years = result["year"].to_numpy()
    ax.plot(years, result["balance_baseline"].to_numpy() / BN, color="0.5", ls="--",
            marker="o", label="baseline (no change from 2024)")
    ax.plot(years, result["balance"].to_numpy() / BN, color="C3", marker="o",
            label=result.attrs.get("scenario_title") or result.attrs.get("scenario", "scenario"))
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("US balance with Vietnam, bn USD")
    ax.set_title(title or "US goods trade balance with Vietnam (exports − imports)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.005, f"Basis: {result['balance'].attrs.get('basis', '')}. "
             "Source: US Census Bureau via tradesim.", fontsize=7, color="0.4")
    return fig

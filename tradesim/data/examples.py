"""A toy baseline with round numbers, for docs, doctests and closed-form tests."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from tradesim.data.frame import baseline_from_frame

__all__ = ["toy_baseline"]


def toy_baseline() -> xr.Dataset:
    """Two markets, three products, round values (USD) and zero growth.

    US imports apparel (61), phones (8517) and furniture (9403) from VNM, CHN and ROW; Vietnam
    imports aircraft (8802) and cotton (5201) from the USA and ROW. σ = 3, η = 1, λ = 1.

    Examples
    --------
    >>> float(toy_baseline()["value"].sel(importer="USA", exporter="VNM").sum()) / 1e9
    60.0
    """
    rows = [
        ("USA", "VNM", "61", 20e9, 0.20), ("USA", "CHN", "61", 30e9, 0.25),
        ("USA", "ROW", "61", 50e9, 0.15),
        ("USA", "VNM", "8517", 30e9, 0.0), ("USA", "CHN", "8517", 60e9, 0.0),
        ("USA", "ROW", "8517", 10e9, 0.0),
        ("USA", "VNM", "9403", 10e9, 0.0), ("USA", "CHN", "9403", 5e9, 0.0),
        ("USA", "ROW", "9403", 5e9, 0.0),
        ("VNM", "USA", "8802", 2e9, 0.0), ("VNM", "ROW", "8802", 3e9, 0.0),
        ("VNM", "USA", "5201", 1e9, 0.0), ("VNM", "ROW", "5201", 1e9, 0.0),
    ]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    params = pd.DataFrame(
        [(imp, p, 3.0, 1.0, 1.0) for imp in ("USA", "VNM")
         for p in ("61", "8517", "9403", "8802", "5201")],
        columns=["importer", "product", "sigma", "eta", "adjustment"])
    return baseline_from_frame(df, params, source="tradesim.data.examples toy baseline (invented)")

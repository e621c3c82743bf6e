"""The analysis layer: what users ask of many model runs, and of history.

``sweep`` (grids and Monte Carlo draws on Dask, streamed to zarr, resumable), ``comparison``,
``decomposition`` (the balance change by cause), ``goal`` (goal seeking), ``calibrate``
(estimating the reallocation parameters from an episode that happened) and ``backtest`` (fit on
one episode, predict the other; the projection engine's 2025 against the statistics).
"""

"""The analysis layer: what users ask of many model runs.

``sweep`` (grids and Monte Carlo draws on Dask, streamed to zarr, resumable), ``comparison``,
``decomposition`` (the balance change by cause) and ``goal`` (goal seeking).
"""

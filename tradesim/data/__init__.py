"""The data layer: the HS product axis, the baseline contract and the embedded baselines.

``products`` (HS codes and scopes) < ``frame`` (the baseline Dataset contract, user frames) <
``baseline`` (the embedded baselines built from the packaged tables in ``embedded/``: 2024 at
mixed and HS6 resolution, the 2017 chapters, the 2025 starting point, with the estimated
reallocation parameters and share trends);
``examples`` holds a toy baseline with round numbers. Nothing here reads a file: :mod:`tradesim.io`
reads ``embedded/`` and hands the tables in.
"""

"""Dimension names, the kernel axis order and unit conventions.

Every array in tradesim has named dimensions; these names are the only ones the core accepts.

Units: money is USD (customs value, importer's own statistics unless an ``attrs["basis"]``
says otherwise); rates and shares are fractions (0.25 = 25 %); growth is a fraction per year.
Sign convention: ``balance = US exports to VN - US imports from VN`` (negative = US deficit).
"""

from __future__ import annotations

IMPORTER = "importer"
EXPORTER = "exporter"
PRODUCT = "product"
YEAR = "year"
SCENARIO = "scenario"
DRAW = "draw"
HS6 = "hs6"

#: Axis order of every array handed to :mod:`tradesim.model.kernels`: optional leading sweep axes,
#: then year, then the market block. The supplier (exporter) axis is second from last.
KERNEL_ORDER: tuple[str, ...] = (SCENARIO, DRAW, YEAR, IMPORTER, EXPORTER, PRODUCT)
MARKET_DIMS: tuple[str, ...] = (IMPORTER, EXPORTER, PRODUCT)
SUPPLIER_AXIS = -2

RESERVED: frozenset[str] = frozenset(KERNEL_ORDER) | {HS6}

US = "USA"
VN = "VNM"
ROW = "ROW"

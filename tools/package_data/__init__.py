"""Builds ``tradesim/data/embedded/`` from the shared source data, one module per kind of table.

Run it with ``python tools/build_package_data.py``; each ``build_*`` function takes a
:class:`~package_data.common.Build` and can be run (and tested) on its own.
"""

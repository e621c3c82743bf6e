"""The presentation layer: tables, figures and reports built from results.

``tables`` (balance, top products, market shares as DataFrames) < ``figures`` (matplotlib) <
``report`` (the negotiator's HTML/Markdown report). Nothing in the core imports this layer.
"""

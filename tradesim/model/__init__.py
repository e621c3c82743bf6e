"""The model layer: the partial-equilibrium equations, pure numpy.

``kernels`` (CES price index, demand, surplus, partial adjustment) < ``supply`` (finite export
supply), ``smart`` (WITS SMART) < ``gsim`` (multi-market GSIM) < ``response`` (aligns arrays and
picks the method) < ``trajectory`` (years, growth, commitments, draws). No file I/O, no labels.
"""

"""The model layer: the partial-equilibrium equations, pure numpy.

``kernels`` (CES and nested-CES price indices, demand, surplus, partial adjustment) < ``smart``
(WITS SMART), ``supply`` (finite export supply) < ``gsim`` (multi-market GSIM solved exactly) <
``gsim_linear`` (GSIM as published) < ``response`` (aligns arrays, projects the baseline, picks
the method) < ``trajectory`` (years, growth, commitments, draws). No file I/O, no labels.
"""

"""The scenario layer: documents in, validated frozen scenarios and tariff paths out.

``fields`` (the field table every key is checked against) < ``parse`` (TOML documents to frozen
:class:`Scenario` objects, every problem collected) < ``sweep_file`` (sweep documents),
``schedule`` (measures to tariff arrays on a baseline's product axis) and ``target`` (the target
grammar of goal seeking). Nothing here knows the model's equations.
"""

"""Fuzzing the scenario loader: valid and mutated documents; only ScenarioError may escape.

CI runs the ``ci`` hypothesis profile; ``HYPOTHESIS_PROFILE=slow pytest -m slow`` runs the
10,000-example version.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradesim
from tradesim.errors import ScenarioError
from tradesim.scenario.parse import parse_scenario

KEYS = ["id", "importer", "exporters", "products", "exclude", "rate", "mode", "overrides", "from",
        "to", "share", "buyer", "seller", "product", "value_usd", "start", "end", "schedule",
        "additionality", "displaces", "name", "horizon", "base_year", "basis", "method",
        "sigma", "eta", "omega", "growth", "adjustment", "origin_switching", "via", "sources"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)),
    st.sampled_from(["all", "USA", "VNM", "CHN", "61", "8517.13", "add", "set", "floor", "ROW"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=12)
tables = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)

GOOD = {
    "scenario": {"name": "fuzz", "horizon": 2030},
    "tariff": [{"id": "r", "importer": "USA", "exporters": ["VNM"], "products": "all",
                "rate": 20, "from": dt.date(2025, 8, 7)}],
    "commitment": [{"id": "c", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "value_usd": 1e9, "start": 2026, "end": 2027}],
    "elasticities": {"sigma": {"all": 3.0, "85": 2.0}},
}


@st.composite
def mutated(draw: st.DrawFn) -> object:
    """The good document with one table, key or value replaced by fuzz."""
    import copy

    doc = copy.deepcopy(GOOD)
    where = draw(st.sampled_from(["scenario", "tariff", "commitment", "elasticities", "top"]))
    if where == "top":
        doc[draw(st.text(max_size=8))] = draw(values)
    elif where in ("tariff", "commitment"):
        target = doc[where][0]
        if draw(st.booleans()):
            target[draw(st.sampled_from(KEYS))] = draw(values)
        else:
            doc[where] = draw(st.one_of(values, st.lists(tables, max_size=3)))
    else:
        if draw(st.booleans()):
            doc[where] = draw(values)
        else:
            doc[where][draw(st.sampled_from(KEYS))] = draw(values)
    return doc


def load_or_scenario_error(doc: object) -> None:
    """Either a valid scenario that round-trips, or a ScenarioError listing its problems."""
    problems: tuple = ()
    try:
        s = parse_scenario(doc)  # type: ignore[arg-type]
    except ScenarioError as err:
        problems = err.problems
    else:
        assert parse_scenario(s.to_dict()) == s
        return
    assert problems
    assert all(str(p) for p in problems)


@given(mutated())
def test_mutated_documents_raise_only_scenario_error(doc: object) -> None:
    load_or_scenario_error(doc)


@given(st.one_of(values, st.dictionaries(st.text(max_size=6), values, max_size=5)))
def test_arbitrary_documents_raise_only_scenario_error(doc: object) -> None:
    load_or_scenario_error(doc)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_through_the_file_reader(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "s.toml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError):
        tradesim.load_scenario(path)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_documents_many(doc: object) -> None:
    load_or_scenario_error(doc)

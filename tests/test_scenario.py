"""Scenario documents -> validated Scenarios: conversion, includes, round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tradesim
from tradesim.scenario.parse import normalize_hs, parse_scenario

from .conftest import SCENARIOS


def test_rates_become_fractions_and_defaults_fill_in() -> None:
    s = parse_scenario({"scenario": {"name": "x"}, "tariff": [
        {"id": "t", "importer": "USA", "exporters": "all", "products": ["8517.13"],
         "rate": 46}]})
    m = s.measures[0]
    assert m.rate == pytest.approx(0.46)
    assert m.exporters is None
    assert m.products == ("851713",)
    assert (m.mode, m.share, m.start, m.end) == ("add", 1.0, None, None)
    assert (s.base_year, s.horizon, s.basis, s.method) == (2024, 2030, "us", "ces")


def test_commitment_spread_over_years() -> None:
    s = parse_scenario({"scenario": {"name": "x", "horizon": 2032}, "commitment": [
        {"id": "c", "buyer": "VNM", "seller": "USA", "product": "8802", "value_usd": 8.1e9,
         "start": 2030, "end": 2032}]})
    assert s.commitments[0].schedule == ((2030, 2.7e9), (2031, 2.7e9), (2032, 2.7e9))
    assert s.commitments[0].total_usd == pytest.approx(8.1e9)


def test_normalize_hs() -> None:
    assert normalize_hs("8541.49.10") == "85414910"
    assert normalize_hs("0207") == "0207"


def test_include_adds_measures_and_main_may_override_them(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "base"\n\n[[tariff]]\nid = "recip"\nimporter = "USA"\n'
        'exporters = ["VNM"]\nproducts = "all"\nrate = 20\n')
    (tmp_path / "main.toml").write_text(
        '[scenario]\nname = "main"\ninclude = ["base.toml"]\n\n[[tariff]]\nid = "s232"\n'
        'importer = "USA"\nexporters = ["VNM"]\nproducts = ["72"]\nrate = 50\n'
        'overrides = ["recip"]\n')
    s = tradesim.load_scenario(tmp_path / "main.toml")
    assert [m.id for m in s.measures] == ["recip", "s232"]


def test_include_cannot_leave_the_folder(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "main.toml").write_text('[scenario]\nname = "m"\ninclude = ["/etc/passwd"]\n')
    with pytest.raises(tradesim.ScenarioError, match="include path leaves"):
        tradesim.load_scenario(inner / "main.toml")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenarios_round_trip(path: Path) -> None:
    s = tradesim.load_scenario(path)
    again = parse_scenario(s.to_dict())
    assert again == s
    assert again.digest() == s.digest()


def test_shipped_scenarios_cite_sources() -> None:
    for path in SCENARIOS:
        s = tradesim.load_scenario(path)
        assert s.sources, f"{path.name} has no sources"
        assert s.horizon == 2032, f"{path.name}: shipped scenarios run to 2032"


codes = st.sampled_from(["VNM", "CHN", "MEX", "EU", "ROW"])
hs = st.sampled_from(["61", "64", "8517", "851713", "9403", "8802"])


@st.composite
def documents(draw: st.DrawFn) -> dict:
    n = draw(st.integers(0, 4))
    tariffs = []
    for i in range(n):
        start = draw(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)))
        tariffs.append({
            "id": f"m{i}", "importer": "USA",
            "exporters": draw(st.one_of(st.just("all"),
                                        st.lists(codes, min_size=1, max_size=3, unique=True))),
            "products": draw(st.one_of(st.just("all"),
                                       st.lists(hs, min_size=1, max_size=3, unique=True))),
            "rate": draw(st.floats(0, 1000)), "mode": draw(st.sampled_from(["add", "set"])),
            "from": start, "to": start + dt.timedelta(days=draw(st.integers(0, 900))),
            "share": draw(st.floats(0.01, 1.0)),
        })
    deals = [{"id": f"c{i}", "buyer": "VNM", "seller": "USA", "product": draw(hs),
              "schedule": {str(y): draw(st.floats(0, 1e10)) for y in
                           draw(st.lists(st.integers(2024, 2030), min_size=1, max_size=3,
                                         unique=True))},
              "additionality": draw(st.floats(0, 1))}
             for i in range(draw(st.integers(0, 2)))]
    return {"scenario": {"name": "h", "horizon": 2030}, "tariff": tariffs, "commitment": deals}


@given(documents())
def test_parse_dump_parse_is_identity(doc: dict) -> None:
    s = parse_scenario(doc)
    assert parse_scenario(s.to_dict()) == s

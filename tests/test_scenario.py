"""Scenario documents -> validated Scenarios: conversion, includes, round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tradesim
from tradesim import io
from tradesim.errors import ScenarioError
from tradesim.scenario.overrides import apply_overrides, parse_assignment
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


# --------------------------------------------------------------------------- overrides (--set)

OVERRIDABLE = {"scenario": {"name": "o", "horizon": 2028}, "tariff": [
    {"id": "vn.recip", "importer": "USA", "exporters": ["VNM"], "products": "all", "rate": 20},
    {"id": "vn", "importer": "USA", "exporters": ["VNM"], "products": ["61"], "rate": 5}],
    "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "schedule": {"2026": 1e9, "2027": 3e9}, "additionality": 0.8}]}


def test_overrides_set_values_in_file_units_and_reparse() -> None:
    s = parse_scenario(OVERRIDABLE)
    t = apply_overrides(s, {"tariff.vn.recip.rate": 46, "tariff.vn.share": 0.5,
                            "commitment.jets.additionality": 0.5,
                            "scenario.horizon": 2030, "scenario.basis": "vn",
                            "elasticities.sigma": 3.0, "elasticities.sigma.61": 2.5})
    rates = {m.id: (m.rate, m.share) for m in t.measures}
    assert rates == {"vn.recip": (pytest.approx(0.46), 1.0), "vn": (pytest.approx(0.05), 0.5)}
    assert t.commitments[0].additionality == 0.5
    assert (t.horizon, t.basis) == (2030, "vn")
    assert dict(t.elasticities)["sigma"] == (("all", 3.0), ("61", 2.5))
    assert s.measures[0].rate == pytest.approx(0.2)  # the original is unchanged
    assert t.digest() != s.digest()
    assert apply_overrides(s, {}) is s


def test_commitment_amount_overrides_keep_or_respread_the_schedule() -> None:
    s = parse_scenario(OVERRIDABLE)
    scaled = apply_overrides(s, {"commitment.jets.value_usd": 8e9}).commitments[0]
    assert scaled.schedule == ((2026, 2e9), (2027, 6e9))  # the shape is kept
    one = apply_overrides(s, {"commitment.jets.schedule.2028": 5e8}).commitments[0]
    assert one.schedule == ((2026, 1e9), (2027, 3e9), (2028, 5e8))
    spread = apply_overrides(s, {"commitment.jets.end": 2028}).commitments[0]
    assert spread.schedule == ((2026, 4e9 / 3), (2027, 4e9 / 3), (2028, 4e9 / 3))


def test_overrides_equal_the_same_edit_in_the_file() -> None:
    edited = {**OVERRIDABLE, "tariff": [{**OVERRIDABLE["tariff"][0], "rate": 46},
                                        OVERRIDABLE["tariff"][1]]}
    assert (apply_overrides(parse_scenario(OVERRIDABLE), {"tariff.vn.recip.rate": 46}).digest()
            == parse_scenario(edited).digest())


@pytest.mark.parametrize(("path", "value", "message"), [
    ("tarif.vn.rate", 1, r"override tarif\.vn\.rate: unknown section.*did you mean 'tariff'"),
    ("tariff.vnn.rate", 1, r"no tariff with that id.*'vnn'.*did you mean 'vn'"),
    ("tariff.vn.rat", 1, r"unknown key of tariff 'vn'.*did you mean 'rate'"),
    ("tariff.vn.rate", -5, r"override tariff\.vn\.rate: must be >= 0"),
    ("tariff.vn.rate", "abc", r"override tariff\.vn\.rate: must be a number"),
    ("tariff.vn.rate", True, r"override tariff\.vn\.rate: must be a number"),
    ("commitment.jets.additionality", 2, r"override commitment\.jets\.additionality: must be <= 1"),
    ("commitment.jets.schedule.28", 1, r"schedule keys are years"),
    ("commitment.jet.additionality", 1, r"did you mean 'jets'"),
    ("demand.x.growth", 1, r"the scenario has no \[\[demand\]\]"),
    ("scenario.horizn", 2030, r"unknown key of \[scenario\].*did you mean 'horizon'"),
    ("scenario.horizon", 2020, r"override scenario\.horizon"),
    ("scenario.include", "x.toml", r"cannot be set"),
    ("tariff.vn.id", "w", r"cannot be set"),
    ("elasticities.sigmaa", 2, r"unknown elasticity parameter.*did you mean 'sigma'"),
    ("elasticities.sigma", 0, r"override elasticities\.sigma: must lie in"),
])
def test_bad_overrides_name_the_path_and_the_closest(path: str, value: object,
                                                     message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        apply_overrides(parse_scenario(OVERRIDABLE), {path: value})


@pytest.mark.parametrize(("text", "expected"), [
    ("tariff.vn.rate=46", ("tariff.vn.rate", 46)),
    ("commitment.jets.additionality = 0.5", ("commitment.jets.additionality", 0.5)),
    ("scenario.basis=vn", ("scenario.basis", "vn")),
    ("scenario.basis=\"vn\"", ("scenario.basis", "vn")),
    ("tariff.vn.from=2025-08-07", ("tariff.vn.from", dt.date(2025, 8, 7))),
    ("tariff.vn.exporters=[\"VNM\", \"CHN\"]", ("tariff.vn.exporters", ["VNM", "CHN"])),
    ("x.y=true", ("x.y", True)),
])
def test_assignments_read_toml_values(text: str, expected: tuple) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["tariff.vn.rate", "=46", "tariff.vn.rate="])
def test_bad_assignments(text: str) -> None:
    with pytest.raises(ScenarioError, match="KEY.PATH=VALUE|has no value"):
        parse_assignment(text)


def test_load_scenario_takes_overrides() -> None:
    s = tradesim.load_scenario("tradesim:framework-2025",
                               overrides={"tariff.vn-recip-20.rate": 46})
    assert [m.rate for m in s.measures if m.id == "vn-recip-20"] == [pytest.approx(0.46)]


# --------------------------------------------------------------------------- shipped: tradesim:NAME


def test_a_user_file_includes_a_shipped_scenario_from_its_own_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[scenario]\nname = "mine"\nhorizon = 2032\n'
                    'include = ["tradesim:framework-2025"]\n\n[[tariff]]\nid = "extra"\n'
                    'importer = "USA"\nexporters = ["VNM"]\nproducts = ["61"]\nrate = 10\n')
    monkeypatch.chdir(tmp_path)
    s = tradesim.load_scenario("mine.toml")
    shipped = tradesim.load_scenario("tradesim:framework-2025")
    assert [m.id for m in s.measures] == [m.id for m in shipped.measures] + ["extra"]
    assert shipped.measures == tradesim.load_scenario(SCENARIOS[0].parent /
                                                      "framework-2025.toml").measures
    assert shipped.file == "tradesim:framework-2025"


@pytest.mark.parametrize(("name", "message"), [
    ("tradesim:framework-2052", r"no shipped scenario of that name.*did you mean "
                                r"'framework-2025'"),
    ("tradesim:../pyproject", "no shipped scenario of that name"),
    ("tradesim:/etc/passwd", "no shipped scenario of that name"),
    ("tradesim:", "no shipped scenario of that name"),
])
def test_an_unknown_shipped_name_gets_the_closest(tmp_path: Path, name: str,
                                                  message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        tradesim.load_scenario(name)
    mine = tmp_path / "mine.toml"
    mine.write_text(f'[scenario]\nname = "mine"\ninclude = ["{name}"]\n')
    with pytest.raises(ScenarioError, match=r"scenario\.include: " + message):
        tradesim.load_scenario(mine)


def test_every_shipped_file_is_listed_and_loads() -> None:
    rows = io.shipped_files()
    names = {(r["kind"], r["name"]) for r in rows}
    on_disk = {("scenario", p.stem) for p in SCENARIOS} | {
        ("scenario", "replay/" + p.stem) for p in (SCENARIOS[0].parent / "replay").glob("*.toml")
    } | {("sweep", p.stem) for p in (SCENARIOS[0].parent.parent / "sweeps").glob("*.toml")}
    assert names == on_disk
    framework = next(r for r in rows if r["name"] == "framework-2025")
    assert (framework["base_year"], framework["horizon"]) == (2024, 2032)
    assert framework["title"].startswith("August 2025 framework")
    assert io.read_sweep("tradesim:framework-rate-grid").base.name == "framework-2025"

"""What-ifs -> scenario documents; JSON and TOML documents (no server needed)."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

import tradesim
from tradesim import io
from tradesim.errors import ScenarioError
from tradesim.web import whatif


def framework() -> dict:
    return io.read_scenario(io.shipped_path("framework-2025")).to_dict()


def test_exemption_groups_are_the_framework_exclusions() -> None:
    doc = framework()
    recip = next(m for m in doc["tariff"] if m["id"] == "vn-recip-20")
    assert sorted(c for e in whatif.EXEMPTIONS for c in e.codes) == sorted(recip["exclude"])


def test_controls_of_the_framework() -> None:
    c = whatif.controls("framework-2025")
    assert c["measure"] == {"id": "vn-recip-20", "from": "2025-08-07"}
    assert c["whatif"]["rate"] == 20.0
    assert c["whatif"]["exempt"] == [e.key for e in whatif.EXEMPTIONS]
    # the starting controls reproduce the base, but for the horizon
    doc = whatif.document(c["whatif"])
    base = framework()
    assert doc["tariff"] == base["tariff"]
    assert doc["scenario"]["horizon"] == 2030


def test_rate_and_exemption_edit_the_headline_measure() -> None:
    doc = whatif.document({"base": "framework-2025", "rate": 46,
                           "exempt": ["annex-ii-energy-minerals"]})
    by_id = {m["id"]: m for m in doc["tariff"]}
    assert by_id["vn-recip-20"]["rate"] == 46.0
    assert by_id["vn-recip-10"]["rate"] == 10.0  # the earlier period is kept
    for mid in ("vn-recip-10", "vn-recip-20", "vn-transship-40"):
        assert by_id[mid]["exclude"] == ["27", "75", "79", "81"]
    assert "46 %" in doc["scenario"]["title"]


def test_a_base_without_a_us_tariff_on_vietnam_gets_one() -> None:
    doc = whatif.document({"base": "baseline", "rate": 20, "exempt": ["electronics-apr-2025"]})
    (m,) = doc["tariff"]
    assert (m["id"], m["rate"], m["from"]) == (whatif.ADDED_MEASURE, 20.0, dt.date(2025, 1, 1))
    assert "8542" in m["exclude"]


def test_commitments_become_yearly_schedules() -> None:
    doc = whatif.document({"base": "baseline", "horizon": 2030, "commitments": [
        {"product": "8800", "value_bn": 1.5, "first": 2027, "last": 2029,
         "additionality": 0.5}]}, products=["8800"])
    (c,) = doc["commitment"]
    assert c["schedule"] == {"2027": 1.5e9, "2028": 1.5e9, "2029": 1.5e9}
    assert (c["buyer"], c["seller"], c["additionality"]) == ("VNM", "USA", 0.5)
    assert tradesim.load_scenario(doc).commitments[0].total_usd == pytest.approx(4.5e9)


def test_every_bad_control_is_reported_with_its_path_in_both_languages() -> None:
    with pytest.raises(whatif.WhatIfError) as info:
        whatif.document({"base": "framework-2025", "rate": "high", "horizon": 2100,
                         "method": "magic", "exempt": ["electronix"], "colour": 1,
                         "commitments": [{"product": "99999", "value_bn": -1, "first": 2029,
                                          "last": 2027}]}, products=["8800", "88*"])
    paths = {p.path: p for p in info.value.problems}
    assert set(paths) == {"rate", "horizon", "method", "exempt[0]", "colour",
                          "commitments[0].product", "commitments[0].value_bn",
                          "commitments[0].last"}
    assert "did you mean 'electronics-apr-2025'" in paths["exempt[0]"].message["en"]
    assert paths["horizon"].message["vi"].startswith("phải nằm trong khoảng")
    assert all(p.message["vi"] and p.message["en"] != p.message["vi"] for p in paths.values())


def test_an_unknown_base_names_the_closest() -> None:
    with pytest.raises(whatif.WhatIfError, match="did you mean 'framework-2025'"):
        whatif.document({"base": "framework-2052"})


def test_a_shorter_horizon_drops_what_starts_after_it() -> None:
    doc = whatif.document({"base": "turn-2026", "horizon": 2025})
    s = tradesim.load_scenario(doc)
    assert s.horizon == 2025
    assert all(m.start is None or m.start.year <= 2025 for m in s.measures)


def test_json_documents_read_dates_and_refuse_includes() -> None:
    doc = whatif.to_json(framework())
    assert doc["tariff"][0]["from"] == "2025-04-05" or isinstance(doc["tariff"][0]["from"], str)
    back = whatif.from_json(doc)
    assert tradesim.load_scenario(back).digest() == tradesim.load_scenario(framework()).digest()
    with pytest.raises(ScenarioError, match="include is not accepted"):
        whatif.from_json({"scenario": {"name": "x", "include": ["/etc/passwd"]}})
    bad = whatif.to_json(framework())
    bad["tariff"][2]["from"] = "2025-13-40"
    with pytest.raises(ScenarioError, match=r"tariff\[2\]\.from"):
        whatif.from_json(bad)


@pytest.mark.parametrize("name", whatif.shipped_names())
def test_toml_of_every_shipped_scenario_reads_back_the_same(name: str) -> None:
    s = io.read_scenario(io.shipped_path(name))
    text = whatif.to_toml(s.to_dict(), "a comment\nover two lines")
    assert text.startswith("# a comment\n# over two lines\n")
    again = tradesim.load_scenario(tomllib.loads(text))
    assert again == s


def test_catalogue_items_become_deliveries_at_the_catalogue_price() -> None:
    from tradesim.data import catalogues

    doc = whatif.document({"base": "baseline", "horizon": 2031, "commitments": [
        {"item": "boeing-737-max-8", "units": 10, "first": 2027, "last": 2031}]})
    (c,) = doc["commitment"]
    assert c["deliveries"] == {str(y): 10 for y in range(2027, 2032)}
    s = tradesim.load_scenario(doc)
    price = catalogues.item("boeing-737-max-8").unit_usd
    assert s.commitments[0].total_usd == pytest.approx(50 * price)
    with pytest.raises(whatif.WhatIfError) as info:
        whatif.document({"base": "baseline", "commitments": [
            {"item": "boeing-737-max-9", "units": 1}, {"item": "lng-cargo", "value_bn": 1}]})
    assert [p.path for p in info.value.problems] == ["commitments[0].item", "commitments[1]"]
    assert "did you mean 'boeing-737-max-8'" in info.value.problems[0].message["en"]


def test_the_electronics_group_is_the_catalogue_group_on_the_axis() -> None:
    from tradesim.data import catalogues

    assert whatif.EXEMPTIONS[0].codes == catalogues.expand_group("electronics-apr-2025").codes

"""Catalogues: named product groups, purchasable items, names in English and Vietnamese."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim import cli, io
from tradesim.data import catalogues as cat
from tradesim.data.products import match_scope
from tradesim.errors import ScenarioError, ScheduleError
from tradesim.scenario import schedule
from tradesim.scenario.parse import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
RESOLUTIONS = ("mixed", "hs6", "hs2")
#: The hand-written exclude list of the reciprocal measures in scenarios/framework-2025.toml.
FRAMEWORK_EXCLUDE = ["8471", "847330", "8486", "851713", "851762", "852351", "8524", "852852",
                     "854110", "854121", "854129", "854130", "854149", "854151", "854159",
                     "854190", "8542", "27", "75", "79", "81"]


@pytest.fixture(scope="module")
def baselines() -> dict[str, object]:
    return {r: io.load_baseline(r) for r in RESOLUTIONS}


def _members(baseline) -> pd.Series:
    return pd.Series(baseline["member_product"].to_numpy().astype(str),
                     index=baseline.indexes["hs6"].to_numpy().astype(str), dtype=object)


# ---------------------------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------------------------
def test_the_groups_the_issue_asks_for_exist_with_their_legal_source() -> None:
    g = cat.groups()
    for name in ("electronics-apr-2025", "annex-ii-2025", "s232-steel-aluminium", "s232-copper",
                 "s232-autos", "s232-lumber", "textiles-apparel", "footwear", "furniture",
                 "seafood", "farm-goods", "ai-hardware"):
        assert name in g.index
        row = g.loc[name]
        assert row["legal"]
        assert row["source"]
        assert row["title_vi"]
        assert row["codes"] > 0
    assert cat.group("@s232-copper").codes[:2] == ("74061000", "74062000")
    assert len(cat.group("electronics-apr-2025").codes) == 20


def test_electronics_and_annex_ii_equal_the_framework_list_but_for_two_named_products() -> None:
    """The 21-code exclude list of framework-2025.toml is the union of the two groups at mixed
    resolution, plus exactly two products, each for a stated reason."""
    elec = cat.expand_group("@electronics-apr-2025", "mixed")
    annex = cat.expand_group("@annex-ii-2025", "mixed")
    assert elec.codes == tuple(FRAMEWORK_EXCLUDE[:17])  # the memorandum list, exactly
    union = set(elec.codes) | set(annex.codes)
    assert set(FRAMEWORK_EXCLUDE) <= union
    assert union - set(FRAMEWORK_EXCLUDE) == {"47", "854141"}
    weights = cat._weights()  # noqa: SLF001 - the packaged weights the rule uses
    # 47 (wood pulp): Vietnam sold the US none in 2024, so the rule falls back on the 50
    # suppliers (81 % on the list); excluding it changes nothing for Vietnam's measures.
    assert weights.loc[weights.index.str.startswith("47"), "vn_usd"].sum() == 0
    # 854141 (LEDs): on the 9903.01.32 list of HTSUS 2026 Rev 6, not on the 11 Apr 2025 list.
    assert "85414100" in cat.group("annex-ii-2025").codes
    assert not any(c.startswith("854141") for c in cat.group("electronics-apr-2025").codes)
    framework = tomllib.loads((ROOT / "scenarios" / "framework-2025.toml").read_text())
    recip = [m for m in framework["tariff"] if m["id"] == "vn-recip-20"][0]
    assert recip["exclude"] == FRAMEWORK_EXCLUDE


def test_the_farm_exemption_adds_milling_products_above_the_rule() -> None:
    """framework-2025.toml exempts 08, 09, 31 from Nov 13; the group also takes 11 (72 % of
    Vietnam's 2024 chapter-11 exports are on the list, above the 70 % rule)."""
    ag = cat.expand_group("ag-exempt-nov-2025", "mixed")
    assert ag.codes == ("08", "09", "11", "31")
    hs2 = cat.expand_group("ag-exempt-nov-2025", "hs2")
    partial = dict(hs2.partial)
    assert "11" not in partial
    assert partial["15"] < cat.group("ag-exempt-nov-2025").min_share


def test_section_232_and_ai_groups_equal_the_hand_written_scopes() -> None:
    """The scopes of framework-2025.toml's Section 232 measures and the docs' AI-hardware
    demand shift, from the groups on the mixed axis."""
    framework = tomllib.loads((ROOT / "scenarios" / "framework-2025.toml").read_text())
    scope = {m["id"]: m["products"] for m in framework["tariff"]}
    assert list(cat.expand_group("s232-steel-aluminium").codes) == scope["vn-s232-metals-50"]
    assert list(cat.expand_group("s232-copper").codes) == scope["vn-s232-copper"]
    assert list(cat.expand_group("s232-autos").codes) == scope["vn-s232-autos"]
    assert list(cat.expand_group("s232-wood-furniture").codes) == \
        scope["vn-s232-upholstered"] + scope["vn-s232-cabinets"]
    assert cat.expand_group("ai-hardware").codes == ("8471", "847330", "8542")
    assert '["8471", "847330", "8542"]' in (ROOT / "docs" / "scenario-format.md").read_text()
    # the auto-parts list holds all of 8471, which the file leaves out on purpose (its note)
    assert cat.expand_group("s232-auto-parts").codes == ("8471", "8708")


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("name", cat.group_names())
def test_an_expansion_covers_exactly_its_products(name: str, resolution: str) -> None:
    """The prefixes match every member of the chosen products and no other member, and every
    chosen product meets the rule while every partial one does not."""
    e = cat.expand_group(name, resolution)
    axis = cat._axis(resolution)  # noqa: SLF001
    labels = sorted(set(axis))
    index = {p: i for i, p in enumerate(labels)}
    member_product = np.array([index[p] for p in axis], dtype=int)
    share, finer, unknown, _ = match_scope(member_product, np.asarray(axis.index, dtype=str),
                                           len(labels), list(e.codes))
    assert not unknown
    assert not finer.any()
    chosen = {index[p] for p in e.products}
    assert all(share[i] == 1.0 for i in chosen)
    assert all(share[i] == 0.0 for i in range(len(labels)) if i not in chosen)
    rule = cat.group(name).min_share
    assert all(0 < s < rule for _, s in e.partial)
    assert not set(e.products) & {p for p, _ in e.partial}


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_the_packaged_axis_is_the_baselines_axis(resolution: str, baselines) -> None:
    b = baselines[resolution]
    for name in ("electronics-apr-2025", "annex-ii-2025", "textiles-apparel"):
        mine = cat.expand_group(name, resolution)
        theirs = cat.expand_group(name, members=_members(b))
        assert (mine.codes, mine.products) == (theirs.codes, theirs.products)


def test_a_scenario_with_groups_simulates_like_the_codes_they_expand_to() -> None:
    base = {"scenario": {"name": "g", "horizon": 2027},
            "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM", "CHN"],
                        "products": "all", "rate": 25,
                        "exclude": ["@electronics-apr-2025", "@annex-ii-2025"]},
                       {"id": "s", "importer": "USA", "exporters": ["VNM"], "rate": 50,
                        "products": ["@s232-steel-aluminium", "@s232-copper"], "mode": "floor"}]}
    codes = {"scenario": base["scenario"], "tariff": [
        {**base["tariff"][0], "exclude": sorted(set(
            cat.expand_group("electronics-apr-2025").codes)
            | set(cat.expand_group("annex-ii-2025").codes))},
        {**base["tariff"][1], "products": ["72", "73", "76", "74"]}]}
    a, b = tradesim.simulate(base), tradesim.simulate(codes)
    np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())
    np.testing.assert_array_equal(a["balance"].to_numpy(), b["balance"].to_numpy())
    again = parse_scenario(parse_scenario(base).to_dict())
    assert again.measures[0].exclude == ("@electronics-apr-2025", "@annex-ii-2025")


def test_a_group_finer_than_the_axis_is_an_error_naming_the_partial_products(baselines) -> None:
    s = parse_scenario({"scenario": {"name": "g"}, "tariff": [
        {"id": "t", "importer": "USA", "exporters": ["VNM"], "products": ["@s232-autos"],
         "rate": 25}]})
    schedule.tariff_path(baselines["mixed"], s)  # 8703 is a product of the mixed axis
    with pytest.raises(ScheduleError, match=r"@s232-autos covers no whole product on the hs2 "
                                            r"axis.*87 13%"):
        schedule.tariff_path(baselines["hs2"], s)


def test_group_names_are_checked_when_parsed() -> None:
    doc = {"scenario": {"name": "g"}, "tariff": [
        {"id": "t", "importer": "USA", "exporters": ["VNM"], "products": ["@furnitur"],
         "rate": 5}], "commitment": [
        {"id": "c", "buyer": "VNM", "seller": "USA", "product": "@farm-goods",
         "value_usd": 1e9, "start": 2026, "end": 2026}]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc)
    text = str(err.value)
    assert "tariff[0].products: unknown product group (got '@furnitur'); did you mean " \
           "'furniture'" in text
    assert "commitment[0].product: is one HS code: product groups go in products/exclude" in text
    with pytest.raises(KeyError, match="did you mean 'seafood'"):
        cat.group("sea-food")


# ---------------------------------------------------------------------------------------------
# items
# ---------------------------------------------------------------------------------------------
def test_every_item_has_a_price_a_code_and_a_source() -> None:
    t = cat.items()
    for name in ("boeing-737-max-8", "boeing-737-max-10", "boeing-787-9", "boeing-787-10",
                 "ge-ha-gas-turbine", "lng-cargo", "soybeans-tonne", "corn-tonne",
                 "cotton-tonne", "nvidia-h100-gpu", "nvidia-dgx-h100-server"):
        assert name in t.index
    assert (t["unit_usd"] > 0).all()
    assert t["source"].str.len().gt(20).all()
    assert set(t["status"]) <= {"secondary_report", "derived", "estimate"}
    estimates = t[t["status"] == "estimate"]
    assert estimates["method"].str.startswith("ESTIMATE:").all()  # marked, with how
    assert t.loc[t["status"] == "derived", "method"].str.startswith("DERIVED:").all()
    listed = t.dropna(subset=["list_usd"])
    assert (listed["unit_usd"] < listed["list_usd"]).all()  # a discounted price, below list


def test_item_value_is_units_times_the_price() -> None:
    assert cat.item_value("boeing-737-max-8", 50) == 50 * 55e6
    assert cat.item_value("corn-tonne", 900_000) == pytest.approx(900_000 * 220.0)
    assert cat.item_value("boeing-787-9", 2, unit_usd=150e6) == 300e6
    with pytest.raises(KeyError, match="did you mean 'lng-cargo'"):
        cat.item("lng-cargos")


def _jets(**kw) -> dict:
    c = {"id": "vna", "buyer": "VNM", "seller": "USA", "item": "boeing-737-max-8", **kw}
    return {"scenario": {"name": "jets", "horizon": 2032}, "commitment": [c]}


def test_a_commitment_bought_as_items_has_its_value_and_assumption() -> None:
    s = parse_scenario(_jets(deliveries={"2027": 10, "2028": 10, "2029": 10, "2030": 10,
                                         "2031": 10}))
    c = s.commitments[0]
    assert c.product == "8800"
    assert c.unit_usd == 55e6
    assert c.schedule == tuple((y, 550e6) for y in range(2027, 2032))
    assert c.total_usd == pytest.approx(2.75e9)
    assert c.price_note.startswith("50 x Boeing 737 MAX 8 (737-8) at 55,000,000 USD each = "
                                   "2.750 bn USD (catalogue price, secondary_report")
    assert parse_scenario(s.to_dict()) == s
    spread = parse_scenario(_jets(units=50, start=2027, end=2031, unit_usd=60e6,
                                  product="8802")).commitments[0]
    assert spread.product == "8802"
    assert spread.total_usd == pytest.approx(3e9)
    assert "price set in the scenario; catalogue 55,000,000" in spread.price_note
    assert parse_scenario(parse_scenario(_jets(units=50, start=2027, end=2031)).to_dict()) \
        == parse_scenario(_jets(units=50, start=2027, end=2031))


def test_item_commitments_equal_the_same_values_in_usd(baselines) -> None:
    items = parse_scenario(_jets(deliveries={"2027": 10, "2030": 40}, additionality=0.5))
    usd = parse_scenario({"scenario": {"name": "jets", "horizon": 2032}, "commitment": [
        {"id": "vna", "buyer": "VNM", "seller": "USA", "product": "8800",
         "schedule": {"2027": 550e6, "2030": 2200e6}, "additionality": 0.5}]})
    a = tradesim.simulate(items, baselines["mixed"])
    b = tradesim.simulate(usd, baselines["mixed"])
    np.testing.assert_array_equal(a["balance"].to_numpy(), b["balance"].to_numpy())
    assert a.attrs["commitment_items"].startswith("vna: 50 x Boeing 737 MAX 8")
    assert "commitment_items" not in b.attrs


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_every_item_lands_on_a_product_of_every_axis(resolution: str, baselines) -> None:
    doc = {"scenario": {"name": "all-items", "horizon": 2030}, "commitment": [
        {"id": name, "buyer": "VNM", "seller": "USA", "item": name, "units": 1,
         "start": 2026, "end": 2026} for name in cat.item_names()]}
    paths = schedule.commitment_path(baselines[resolution], parse_scenario(doc))
    total = float(paths["amount"].sum())
    assert total == pytest.approx(sum(cat.item(n).unit_usd for n in cat.item_names()))


# ---------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_every_product_and_supplier_has_an_english_and_a_vietnamese_name(resolution, baselines):
    b = baselines[resolution]
    labels = [str(p) for p in b.indexes["product"]]
    for lang in ("en", "vi"):
        names = cat.product_names(labels, lang)
        assert all(names[p].strip() for p in labels)
        suppliers = cat.supplier_names(lang)
        codes = set(map(str, b.indexes["exporter"])) | set(map(str, b.indexes["importer"]))
        assert codes <= set(suppliers)
    vi = cat.product_names(labels, "vi")
    en = cat.product_names(labels, "en")
    assert sum(vi[p] == en[p] for p in labels) == 0  # no English left in the Vietnamese names


def test_vietnamese_names_say_where_they_come_from() -> None:
    t = cat._read("hs_names.csv")  # noqa: SLF001
    official = t["source_vi"].str.startswith("official: Circular 164/2013/TT-BTC")
    own = t["source_vi"].str.contains(cat.NOT_OFFICIAL, regex=False)
    assert (official | own).all()
    chapters = t[t["level"] == "chapter"].set_index("code")
    assert chapters.loc["61", "name_vi"] == "Quần áo và hàng may mặc phụ trợ, dệt kim hoặc móc"
    assert chapters.loc["85", "source_vi"].startswith("official")
    assert cat.NOT_OFFICIAL in chapters.loc["99", "source_vi"]
    assert (t[t["level"] == "line"]["source_vi"] == cat.NOT_OFFICIAL).all()
    composed = cat.search_products("847130", "hs6").iloc[0]
    assert composed["name_vi"].startswith("Máy tính")
    assert cat.NOT_OFFICIAL in composed["source_vi"]
    sup = cat._read("supplier_names.csv")  # noqa: SLF001
    assert sup["source"].str.contains(cat.NOT_OFFICIAL, regex=False).all()
    assert cat.supplier_names("vi")["VNM"] == "Việt Nam"


def test_search_ignores_case_and_vietnamese_accents() -> None:
    accented = cat.search_products("Điện thoại")
    assert accented.equals(cat.search_products("dien THOAI"))
    assert accented["code"].tolist() == ["851713", "8517*"]
    assert cat.search_products("85.17")["code"].tolist() == ["851713", "851762", "8517*"]
    assert "8542" in cat.search_products("integrated circuits")["code"].tolist()
    assert "8703*" in cat.search_products("ô tô chở người")["code"].tolist()
    assert cat.search_products("no such thing").empty
    assert len(cat.search_products("")) == len(set(cat._axis("mixed")))  # noqa: SLF001


# ---------------------------------------------------------------------------------------------
# the CLI
# ---------------------------------------------------------------------------------------------
def test_cli_products(capsys) -> None:
    assert cli.main(["products", "giay", "dep"]) == cli.EXIT_OK
    assert "64" in capsys.readouterr().out
    assert cli.main(["products", "--groups", "--lang", "vi"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "@electronics-apr-2025" in out
    assert "Hàng điện tử được miễn thuế đối ứng" in out
    assert cli.main(["products", "--group", "annex-ii-2025"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "On the mixed axis: 27, 47, 75, 79, 81, 854141" in out
    assert "49        44.1%" in out
    assert cli.main(["products", "--items"]) == cli.EXIT_OK
    assert "boeing-787-10" in capsys.readouterr().out
    assert cli.main(["products", "--group", "electronic"]) == cli.EXIT_INPUT
    assert "did you mean 'electronics-apr-2025'" in capsys.readouterr().err


def test_cli_run_shows_the_items_assumption(tmp_path: Path, capsys) -> None:
    path = tmp_path / "jets.toml"
    path.write_text('[scenario]\nname = "jets"\nhorizon = 2030\n\n[[commitment]]\n'
                    'id = "vna"\nbuyer = "VNM"\nseller = "USA"\nitem = "boeing-737-max-8"\n'
                    "deliveries = { 2027 = 10, 2028 = 10, 2029 = 10, 2030 = 20 }\n")
    assert cli.main(["run", str(path)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "vna: 50 x Boeing 737 MAX 8 (737-8) at 55,000,000 USD each = 2.750 bn USD" in out


def test_a_user_axis_with_coarser_members_gets_the_same_rule() -> None:
    """On a user frame whose members are HS4/HS2 codes, each packaged HS6 counts for the member
    it falls in: 8517 is 96 % electronics-list trade (phones and network gear), chapter 61 none."""
    from tradesim.data.examples import toy_baseline

    b = toy_baseline()
    e = cat.expand_group("electronics-apr-2025", members=_members(b))
    assert e.products == ("8517",)
    assert e.codes == ("8517",)
    assert cat.expand_group("textiles-apparel", members=_members(b)).products == ("5201", "61")


def test_goal_seeking_an_item_commitment_scales_its_deliveries() -> None:
    """Varying the USD value of a commitment bought as items moves the units, at its price."""
    s = parse_scenario(_jets(deliveries={"2027": 10, "2030": 30}))
    g = tradesim.solve_for(s, "balance(2030) >= baseline + 11 bn",
                           vary="commitment.vna.value_usd")
    c = g.scenario.commitments[0]
    assert c.item == "boeing-737-max-8"
    assert c.unit_usd == 55e6
    assert [y for y, _ in c.deliveries] == [2027, 2030]
    assert c.deliveries[1][1] == pytest.approx(3 * c.deliveries[0][1])
    assert g.status == "solved"
    assert c.total_usd == pytest.approx(g.solution)


def test_goal_seeking_the_number_of_items(capsys) -> None:
    """How many 737 MAX 8 delivered in the pattern 10/10/10/20 raise the 2030 balance 11 bn."""
    s = parse_scenario(_jets(deliveries={"2027": 10, "2028": 10, "2029": 10, "2030": 20}))
    g = tradesim.solve_for(s, "balance(2030) >= baseline + 11 bn", vary="commitment.vna.units")
    assert g.status == "solved"
    assert g.unit == "items"
    c = g.scenario.commitments[0]
    assert sum(n for _, n in c.deliveries) == pytest.approx(g.solution)
    assert c.deliveries[3][1] == pytest.approx(2 * c.deliveries[0][1])
    with pytest.raises(ScenarioError, match=r"not bought as catalogue items"):
        tradesim.solve_for({"scenario": {"name": "x", "horizon": 2030}, "commitment": [
            {"id": "c", "buyer": "VNM", "seller": "USA", "product": "8800", "value_usd": 1e9,
             "start": 2027, "end": 2027}]}, "balance(2030) >= 0", vary="commitment.c.units")


@pytest.mark.parametrize(("key", "value", "units", "usd"), [
    ("units", 100, 100, 5.5e9),
    ("value_usd", 11e9, 200, 11e9),
    ("deliveries.2028", 30, 70, 3.85e9),
    ("schedule.2029", 1.1e9, 60, 3.3e9),
])
def test_overrides_of_an_item_commitment_move_its_units(key, value, units, usd) -> None:
    from tradesim.scenario.overrides import apply_overrides

    s = parse_scenario(_jets(deliveries={"2027": 10, "2028": 10, "2029": 10, "2030": 20}))
    c = apply_overrides(s, {f"commitment.vna.{key}": value}).commitments[0]
    assert sum(n for _, n in c.deliveries) == pytest.approx(units)
    assert c.total_usd == pytest.approx(usd)
    other = apply_overrides(s, {"commitment.vna.item": "boeing-787-9"}).commitments[0]
    assert other.unit_usd == cat.item("boeing-787-9").unit_usd  # the new item's own price


def test_an_item_commitment_worth_more_than_the_money_bound_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"commitment\[0\]\.deliveries: is worth more than "
                                            r"1e\+13 USD in 2027"):
        parse_scenario(_jets(deliveries={"2027": 1e6}))

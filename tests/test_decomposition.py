"""The balance change splits into growth, tariffs, diversion and commitments that add up."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim import io
from tradesim.analysis import decomposition
from tradesim.analysis.decomposition import PARTS, bilateral_only, decompose, section_groups
from tradesim.model.trajectory import simulate
from tradesim.present import tables
from tradesim.scenario.parse import parse_scenario

from .conftest import ROOT

TOY = {
    "scenario": {"name": "toy-mix", "horizon": 2027},
    "tariff": [
        {"id": "all-61", "importer": "USA", "exporters": "all", "products": ["61"], "rate": 20},
        {"id": "vn", "importer": "USA", "exporters": ["VNM", "CHN"], "products": ["8517"],
         "rate": 30, "overrides": ["cn"]},
        {"id": "cn", "importer": "USA", "exporters": ["CHN"], "products": "all", "rate": 10},
        {"id": "vn-cut", "importer": "VNM", "exporters": "all", "products": ["5201"],
         "rate": 0, "mode": "set"},
    ],
    "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "value_usd": 3e9, "start": 2025, "end": 2027, "displaces": ["ROW"],
                    "additionality": 0.5}],
}


def _bilateral_balance(r: xr.Dataset) -> xr.DataArray:
    v = r["value"]
    return (v.sel(importer="VNM", exporter="USA") - v.sel(importer="USA", exporter="VNM"))


def test_parts_add_up_to_the_total_on_the_toy(toy) -> None:
    s = parse_scenario(TOY)
    d = decompose(toy, s)
    r = simulate(toy, s)
    np.testing.assert_allclose(d["change"].sum("part"), d["total"], rtol=0, atol=1e-4)
    whole = r["balance"] - r["balance_baseline"].isel(year=0)  # from the base-year data
    np.testing.assert_allclose(d["total"].sum("group"), whole, rtol=0, atol=1e-4)
    np.testing.assert_allclose(d["balance"], _bilateral_balance(r).transpose("year", "product"),
                               rtol=0, atol=1e-4)
    assert list(d["part"].values) == list(PARTS)
    assert d["change"].attrs["units"] == "USD"


def test_the_parts_mean_what_they_say(toy) -> None:
    s = parse_scenario(TOY)
    d = decompose(toy, s).sum("group")
    r = simulate(toy, s)
    # no growth in the toy baseline
    assert float(abs(d["change"].sel(part="baseline_growth")).max()) == 0.0
    # commitments: exactly the result's commitment variable on the two bilateral flows
    c = r["commitment"]
    net = (c.sel(importer="VNM", exporter="USA") - c.sel(importer="USA", exporter="VNM")).sum(
        "product")
    np.testing.assert_allclose(d["change"].sel(part="commitments"), net, rtol=0, atol=1e-4)
    assert float(d["change"].sel(part="commitments", year=2026)) == pytest.approx(0.5e9)
    # tariffs on Vietnam narrow the deficit; tariffs on China divert demand back to Vietnam
    assert float(d["change"].sel(part="tariff_response", year=2027)) > 0
    assert float(d["change"].sel(part="diversion", year=2027)) < 0


def test_third_country_tariffs_are_all_diversion(toy) -> None:
    only_china = parse_scenario({"scenario": {"name": "cn", "horizon": 2026}, "tariff": [
        {"id": "cn", "importer": "USA", "exporters": ["CHN"], "products": "all", "rate": 25}]})
    d = decompose(toy, only_china)
    assert float(abs(d["change"].sel(part="tariff_response")).max()) == 0.0
    assert float(d["change"].sel(part="diversion", year=2026).sum()) < 0
    only_vietnam = parse_scenario({"scenario": {"name": "vn", "horizon": 2026}, "tariff": [
        {"id": "vn", "importer": "USA", "exporters": ["VNM"], "products": "all", "rate": 25}]})
    d = decompose(toy, only_vietnam)
    assert float(abs(d["change"].sel(part="diversion")).max()) == 0.0
    assert float(d["change"].sel(part="tariff_response", year=2026).sum()) > 0


def test_bilateral_only_keeps_the_bilateral_tariffs_exactly(toy) -> None:
    s = parse_scenario(TOY)
    b = bilateral_only(s)
    assert [m.id for m in b.measures] == ["all-61", "vn", "vn-cut"]
    assert b.measures[1].overrides == ()
    assert b.commitments == ()
    full, part = simulate(toy, s), simulate(toy, b)
    pair = (full["importer"] == "USA") & (full["exporter"] == "VNM") | (
        (full["importer"] == "VNM") & (full["exporter"] == "USA"))
    expected = full["tariff"].where(pair, full["tariff_baseline"])
    xr.testing.assert_allclose(part["tariff"], expected.transpose(*part["tariff"].dims))


def test_the_deal_adds_up_by_hs_section(baseline) -> None:
    """Done means: the decomposition of the combined deal sums exactly (to rounding)."""
    groups = section_groups(baseline, io.packaged_tables()["chapters"])
    s = tradesim.load_scenario(ROOT / "scenarios" / "combined-deal.toml")
    d = decompose(baseline, s, groups)
    r = tradesim.simulate(s, baseline)
    assert d.sizes["group"] == 22
    assert str(d["group"].values[15]).startswith("XVI Machinery")
    gap = float(abs(d["change"].sum("part") - d["total"]).max())
    assert gap < 1e-3  # USD, on values of 10^11: the parts telescope
    whole = (r["balance"] - r["balance_baseline"].isel(year=0)).to_numpy()
    np.testing.assert_allclose(d["total"].sum("group"), whole, rtol=1e-13, atol=1e-3)
    table = tables.decomposition_table(d)
    np.testing.assert_allclose(table[list(table.columns[:4])].sum(axis=1), table["total"],
                               atol=1e-9)
    by_group = tables.decomposition_table(d, 2030)
    assert by_group.index[-1] == "total"
    assert by_group.loc["total", "total"] == pytest.approx(whole[6] / 1e9)
    # the story: growth widens the deficit, tariffs on Vietnam narrow it, tariffs on its
    # competitors divert demand back to Vietnam, purchases narrow it a little
    at = table.loc[2030]
    assert at["baseline growth"] < 0 < at["commitments"] < at["tariff response"]
    assert at["diversion"] < 0


def test_groups_must_label_every_product(toy) -> None:
    s = parse_scenario(TOY)
    with pytest.raises(ValueError, match="no label for products"):
        decompose(toy, s, {"61": "apparel"})
    d = decompose(toy, s, {"61": "consumer", "8517": "consumer", "9403": "consumer",
                           "8802": "capital", "5201": "farm"})
    assert list(d["group"].values) == ["farm", "consumer", "capital"]  # by first HS code


def test_public_decompose_uses_hs_sections(toy) -> None:
    d = tradesim.decompose(TOY, toy)
    assert "XI Textiles and textile articles" in d["group"].values
    assert tradesim.decompose(TOY, toy, groups="product").sizes["group"] == 5
    with pytest.raises(ValueError, match="groups must be"):
        tradesim.decompose(TOY, toy, groups="chapter")
    assert decomposition.PART_NAMES["tariff_response"] == "tariff response"

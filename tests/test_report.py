"""Tables from results."""

from __future__ import annotations

import pytest

import tradesim
from tradesim.present import tables

DOC = {"scenario": {"name": "r", "horizon": 2027}, "tariff": [
    {"id": "t", "importer": "USA", "exporters": ["VNM"], "products": ["61"], "rate": 30}]}


def test_balance_table_in_bn_usd(toy) -> None:
    r = tradesim.simulate(DOC, toy)
    t = tables.balance_table(r)
    assert list(t.index) == [2024, 2025, 2026, 2027]
    assert t.loc[2024, "balance (base)"] == pytest.approx((3e9 - 60e9) / 1e9)
    assert (t["change"] == t["balance"] - t["balance (base)"]).all()


def test_top_products_sum_to_the_balance_change(toy) -> None:
    r = tradesim.simulate(DOC, toy)
    top = tables.top_products(r, 2027, n=50)
    change = tables.balance_table(r).loc[2027, "change"]
    assert top["balance change"].sum() == pytest.approx(change)
    assert top.index[0] == "61"


def test_baseline_summary(toy) -> None:
    s = tables.baseline_summary(toy)
    assert s.loc[("USA", "VNM"), "value, bn USD"] == pytest.approx(60.0)
    assert s.loc[("USA", "CHN"), "tariff, %"] == pytest.approx(100 * 30 * 0.25 / 95)


def test_diversion_table_names_winners_and_losers(toy) -> None:
    r = tradesim.simulate(DOC, toy)
    d = tables.diversion(r, 2027)
    apparel = d[d["product"] == "61"].set_index("exporter")
    assert apparel.loc["VNM", "role"] == "loses"
    assert apparel.loc["CHN", "role"] == "gains"
    assert apparel.loc["ROW", "role"] == "gains"
    assert apparel["share"].sum() == pytest.approx(100.0)
    assert (d[d["product"] == "8517"]["role"] == "unchanged").all()


def test_market_shift_balances_shares(toy) -> None:
    r = tradesim.simulate(DOC, toy)
    m = tables.market_shift(r, 2027)
    assert m.index[0] == "VNM"  # the taxed supplier loses most
    assert m["share"].sum() == pytest.approx(100.0)
    assert m["change"].sum() == pytest.approx(
        float((r["value"] - r["value_baseline"]).sel(year=2027, importer="USA").sum()) / 1e9)

"""The methods selectable from a scenario file: exact CES, WITS SMART, GSIM (linear and exact)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.errors import ScheduleError
from tradesim.model import smart
from tradesim.testing import assert_finite


def doc(method: str, omega: float | None = None, rate: float = 20.0) -> dict:
    d = {"scenario": {"name": "m", "horizon": 2026, "method": method},
         "tariff": [{"id": "t", "importer": "USA", "exporters": ["CHN"], "products": ["61"],
                     "rate": rate, "from": dt.date(2025, 1, 1)}]}
    if omega is not None:
        d["elasticities"] = {"omega": omega}
    return d


@pytest.fixture
def linked():
    """China and ROW sell apparel to both markets, so GSIM links them through world prices."""
    rows = [("USA", "CHN", "61", 30e9, 0.1), ("USA", "VNM", "61", 20e9, 0.1),
            ("USA", "ROW", "61", 50e9, 0.1), ("VNM", "CHN", "61", 10e9, 0.05),
            ("VNM", "ROW", "61", 2e9, 0.05), ("VNM", "USA", "61", 1e9, 0.05)]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    params = pd.DataFrame([(i, "61", 3.0, 1.0, 1.0) for i in ("USA", "VNM")],
                          columns=["importer", "product", "sigma", "eta", "adjustment"])
    return tradesim.baseline_from_frame(df, params)


def test_exact_gsim_equals_ces_with_full_pass_through(linked) -> None:
    a = tradesim.simulate(doc("ces"), linked)
    b = tradesim.simulate(doc("gsim-exact"), linked)
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)


def test_linear_gsim_with_full_pass_through_is_linear_ces(linked) -> None:
    # ω = ∞: P* stays at 1 and each supplier's quantity moves by the linear GSIM demand,
    # M̂_v = (Em + Es) Σ_w θ_w T̂_w − Es T̂_v with Em = −η, Es = σ (here η = 1, σ = 3).
    r = tradesim.simulate(doc("gsim"), linked).sel(year=2026, importer="USA", product="61")
    v0 = r["value_baseline"].to_numpy()
    t0, t1 = r["tariff_baseline"].to_numpy(), r["tariff"].to_numpy()
    that = (1 + t1) / (1 + t0) - 1
    theta = v0 * (1 + t0) / (v0 * (1 + t0)).sum()
    mhat = (3.0 - 1.0) * (theta * that).sum() - 3.0 * that
    np.testing.assert_allclose(r["value"].to_numpy(), v0 * (1 + mhat), rtol=1e-12)
    assert (r["world_price"] == 1.0).all()


@pytest.mark.parametrize("method", ["gsim", "gsim-exact"])
def test_gsim_links_markets_through_world_prices(linked, method: str) -> None:
    ces = tradesim.simulate(doc("ces", omega=2.0), linked)
    g = tradesim.simulate(doc(method, omega=2.0), linked)
    at = {"year": 2026, "exporter": "CHN", "product": "61"}
    # Per-market CES: Vietnam's purchases from China do not move. GSIM: China's world price
    # falls, so Vietnam buys more Chinese apparel (its supply is diverted there).
    assert float(ces["value"].sel(importer="VNM", **at)) == pytest.approx(
        float(ces["value_baseline"].sel(importer="VNM", **at)))
    assert float(g["value"].sel(importer="VNM", **at)) > float(
        g["value_baseline"].sel(importer="VNM", **at))
    assert float(g["world_price"].sel(importer="USA", **at)) < 1.0
    assert g.attrs["solver_max_residual"] < 1e-10
    assert_finite(g)


def test_smart_method_reproduces_the_smart_formulas(toy) -> None:
    b = toy.copy()
    r = tradesim.simulate(doc("smart"), b)
    at = r.sel(year=2026, importer="USA", product="61")
    value = b["value"].sel(importer="USA", product="61").to_numpy()[:, None]
    t0 = b["tariff"].sel(importer="USA", product="61").to_numpy()[:, None]
    t1 = at["tariff"].to_numpy()[:, None]
    expected = smart.smart(value, t0, t1, np.array([[3.0]]), np.array([[1.0]])).new_value[:, 0]
    np.testing.assert_allclose(at["value"].to_numpy(), expected, rtol=1e-12)


def test_methods_agree_to_first_order_for_small_shocks(linked) -> None:
    # Same base tariff for every supplier: SMART's customs-value weights equal CES's
    # buyer-price weights, so total imports agree to first order.
    changes = {}
    for method in ("ces", "smart", "gsim", "gsim-exact"):
        r = tradesim.simulate(doc(method, rate=0.1), linked)
        changes[method] = float((r["value"] - r["value_baseline"]).sel(
            year=2026, importer="USA", product="61").sum())
    assert changes["gsim-exact"] == pytest.approx(changes["ces"], rel=1e-10)
    assert changes["smart"] == pytest.approx(changes["ces"], rel=0.02)
    assert changes["gsim"] == pytest.approx(changes["ces"], rel=0.02)


def test_a_batch_shares_one_method(toy) -> None:
    from tradesim.model import trajectory
    from tradesim.scenario.parse import parse_scenario

    a, b = parse_scenario(doc("ces")), parse_scenario(doc("smart"))
    with pytest.raises(ScheduleError, match="share a method"):
        trajectory.run(toy, [a, b], labels=["a", "b"])


def test_framework_under_each_method(baseline) -> None:
    base = tradesim.load_scenario("scenarios/framework-2025.toml").to_dict()
    one_level = baseline.assign(sigma_nest=baseline["sigma"])  # the solvers know no nest
    out = {}
    for method in ("ces", "smart", "gsim", "gsim-exact"):
        base["scenario"]["method"] = method
        r = tradesim.simulate(base, one_level)
        out[method] = float((r["balance"] - r["balance_baseline"]).sel(year=2030))
        assert_finite(r)
    base["scenario"]["method"] = "ces"
    r = tradesim.simulate(base, baseline)
    nested = float((r["balance"] - r["balance_baseline"]).sel(year=2030))
    # The China-Vietnam nest sends more of China's lost sales to Vietnam: a smaller gain.
    assert 0 < nested < out["ces"]
    # No exporter links the markets, so exact GSIM is per-market (one-level) CES.
    assert out["gsim-exact"] == pytest.approx(out["ces"], rel=1e-9)
    assert 0 < out["ces"] < out["smart"]  # SMART applies ε to each supplier's own price
    assert 0 < out["ces"] < out["gsim"]  # linear demand overshoots for large rises


@pytest.mark.parametrize("method", ["gsim", "gsim-exact"])
def test_rest_of_world_market_gives_gsim_somewhere_to_sell(baseline, method: str) -> None:
    from tradesim.data.frame import with_rest_of_world

    b = with_rest_of_world(baseline, 2.0)
    assert float(b["value"].sel(importer="ROW").sum()) == pytest.approx(
        2.0 * float(baseline["value"].sel(importer="USA").drop_sel(exporter="ROW").sum()))
    assert "ASSUMPTION" in b.attrs["rest_of_world"]
    d = {"scenario": {"name": "g", "horizon": 2026, "method": method},
         "tariff": [{"id": "r", "importer": "USA", "exporters": ["VNM"], "products": ["61"],
                     "rate": 20}], "elasticities": {"omega": 5.0}}
    r = tradesim.simulate(d, b)
    at = {"year": 2026, "exporter": "VNM", "product": "61"}
    assert float(r["world_price"].sel(importer="USA", **at)) < 1.0
    assert float(r["value"].sel(importer="ROW", **at)) > float(
        r["value_baseline"].sel(importer="ROW", **at))
    assert_finite(r)

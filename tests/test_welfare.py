"""Importers' welfare under every method, against the linear deadweight-loss identity.

With perfectly elastic supply the net welfare change of a tariff change is ``∫ t dM``; with
demand linear between the two points this is ``W = Σ_s ½ (t0_s + t1_s)(M1_s − M0_s)``: a cut
gains, a new tariff ``t`` on duty-free trade loses ``½ t ΔM < 0``. It is exact for the linear
models (SMART, GSIM as published) and holds to second order for the exact CES ones.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.model import smart

METHODS = ("ces", "smart", "gsim", "gsim-exact")


def one_line(t0: float = 0.10, value: float = 1000.0):
    """The issue's case: one supplier, one product, η = σ = 1.5, λ = 1."""
    frame = pd.DataFrame({"importer": ["USA"], "exporter": ["VNM"], "product": ["61"],
                          "year": [2024], "value": [value], "tariff": [t0]})
    params = pd.DataFrame({"importer": ["USA"], "product": ["61"], "sigma": [1.5],
                           "eta": [1.5], "adjustment": [1.0]})
    return tradesim.baseline_from_frame(frame, params)


def market(t0: tuple[float, float, float] = (0.1, 0.1, 0.1)):
    """One market, three suppliers; σ = 3, η = 1, λ = 1."""
    rows = [("USA", e, "61", v, t) for e, v, t in zip(("CHN", "VNM", "ROW"), (30e9, 20e9, 50e9),
                                                      t0, strict=True)]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value", "tariff"])
    df["year"] = 2024
    params = pd.DataFrame([("USA", "61", 3.0, 1.0, 1.0)],
                          columns=["importer", "product", "sigma", "eta", "adjustment"])
    return tradesim.baseline_from_frame(df, params)


def run(b, method: str, rate: float, mode: str = "set", exporters: list[str] | None = None,
        omega: float | None = None):
    d = {"scenario": {"name": "w", "horizon": 2025, "method": method},
         "tariff": [{"id": "t", "importer": "USA", "exporters": exporters or ["VNM"],
                     "products": "all", "rate": rate, "mode": mode,
                     "from": dt.date(2025, 1, 1)}]}
    if omega is not None:
        d["elasticities"] = {"omega": omega}
    return tradesim.simulate(d, b).sel(year=2025, importer="USA")


def identity(r) -> float:
    """``Σ_s ½ (t0 + t1)(M1 − M0)``, USD, from a result (customs values = quantities at p* = 1)."""
    half = 0.5 * (r["tariff_baseline"] + r["tariff"])
    return float((half * (r["value"] - r["value_baseline"])).sum())


def test_smart_cut_is_the_issue_example() -> None:
    # 10 % -> 5 % on 1000 with ε = 1.5: TC = 1000 · 1.5 · 0.05 / 1.1, W = ½ (0.10 + 0.05) TC.
    r = run(one_line(), "smart", 5)
    tc = 1000 * 1.5 * 0.05 / 1.1
    assert float(r["value"].sum()) == pytest.approx(1000 + tc, rel=1e-12)
    assert float(r["welfare"]) == pytest.approx(0.5 * 0.15 * tc, rel=1e-12)
    assert float(r["welfare"]) > 0
    assert float(r["smart_welfare"].sum()) == pytest.approx(0.5 * 0.15 * tc, rel=1e-12)


def test_smart_new_tariff_from_zero_loses_the_triangle() -> None:
    r = run(one_line(t0=0.0), "smart", 25)
    dm = -1000 * 1.5 * 0.25
    assert float(r["welfare"]) == pytest.approx(0.5 * 0.25 * dm, rel=1e-12)
    assert float(r["welfare"]) < 0
    # The buyers' surplus is the trapezoid −Δp (Q0 + Q1)/2, the duty is t1 M1.
    assert float(r["buyers_surplus"].sum()) == pytest.approx(-0.25 * (1000 + 1000 + dm) / 2)
    assert float(r["duty_revenue"].sum()) == pytest.approx(0.25 * (1000 + dm))


@pytest.mark.parametrize("method", ["smart", "gsim"])
@pytest.mark.parametrize(("t0", "rate"), [(0.10, 5), (0.0, 25), (0.10, 30), (0.2, 0)])
def test_linear_methods_meet_the_identity_exactly(method: str, t0: float, rate: float) -> None:
    r = run(one_line(t0=t0), method, rate)
    assert float(r["welfare"]) == pytest.approx(identity(r), rel=1e-12, abs=1e-9)
    assert np.sign(float(r["welfare"])) == np.sign(t0 - rate / 100)


def test_smart_identity_holds_per_supplier_with_diversion() -> None:
    # A preferential cut: Vietnam 10 % -> 2 %, the others stay at 10 %. Diversion moves trade
    # but the identity sums over suppliers, so the cost of diverting is in it.
    r = run(market(), "smart", 2)
    assert float(r["welfare"]) == pytest.approx(identity(r), rel=1e-12)
    assert float(r["welfare"]) < float(r["smart_welfare"].sum())  # WITS's omits diversion


def test_linear_gsim_identity_for_a_uniform_change() -> None:
    r = run(market(), "gsim", 4, exporters=["CHN", "VNM", "ROW"])
    assert float(r["welfare"]) == pytest.approx(identity(r), rel=1e-12)


@pytest.mark.parametrize("method", ["ces", "gsim-exact"])
def test_exact_methods_meet_the_identity_to_second_order(method: str) -> None:
    # W − identity is O(Δt³) while W is O(Δt): the relative gap falls ~100× per 10× smaller step.
    gaps = []
    for step in (2.0, 0.2):
        r = run(one_line(t0=0.10), method, 10 - step)
        w = float(r["welfare"])
        assert w > 0
        gaps.append(abs(w - identity(r)) / abs(w))
    assert gaps[0] < 1e-3
    assert gaps[1] < gaps[0] / 50


@pytest.mark.parametrize(("rate", "sign"), [(2, 1), (30, -1)])
def test_every_method_agrees_on_sign_and_to_first_order(rate: float, sign: int) -> None:
    # A small uniform change (10 % -> 10 ± δ) on every supplier of a market: all four methods
    # give the same welfare to first order in δ; the sign is that of the cut.
    out = {}
    for method in METHODS:
        r = run(market(), method, 10 + (rate - 10) / 100, exporters=["CHN", "VNM", "ROW"])
        out[method] = float(r["welfare"])
        assert np.sign(out[method]) == sign
    for method in METHODS:
        assert out[method] == pytest.approx(out["ces"], rel=0.01)


@pytest.mark.parametrize("method", METHODS)
def test_new_tariff_from_zero_is_a_loss_and_a_cut_a_gain(method: str) -> None:
    assert float(run(one_line(t0=0.0), method, 25)["welfare"]) < 0
    assert float(run(one_line(t0=0.25), method, 0)["welfare"]) > 0


def test_smart_world_price_and_value_are_one_model() -> None:
    # β = 2, ε = 1.5, 0 -> 25 %: SMART's linear price effect p* = 1 + TC/(M β), and the value
    # divided by it is SMART's quantity M + TC.
    r = run(one_line(t0=0.0), "smart", 25, omega=2.0)
    tc = -1000 * 1.5 * 0.25 / (1 + 1.5 / 2.0)
    world = float(r["world_price"].sel(exporter="VNM").squeeze())
    value = float(r["value"].sel(exporter="VNM").squeeze())
    assert world == pytest.approx(1 + tc / (1000 * 2.0), rel=1e-12)
    assert value / world == pytest.approx(1000 + tc, rel=1e-12)
    expected = smart.smart(np.array([[1000.0]]), np.zeros((1, 1)), np.full((1, 1), 0.25),
                           np.array([[1.5]]), np.array([[1.5]]), 2.0)
    assert value / world == pytest.approx(float(expected.quantity[0, 0]), rel=1e-12)
    # pass-through is Δln p / Δln(1+t) of that same price
    through = float(r["pass_through"].sel(exporter="VNM").squeeze())
    assert through == pytest.approx((np.log(world) + np.log(1.25)) / np.log(1.25), rel=1e-12)


def test_smart_finite_supply_adds_a_terms_of_trade_gain() -> None:
    # A new tariff with β finite: part of it falls on the exporter, so the importer loses less
    # than with β infinite, and (for a small tariff) gains.
    infinite = float(run(one_line(t0=0.0), "smart", 25)["welfare"])
    finite = float(run(one_line(t0=0.0), "smart", 25, omega=2.0)["welfare"])
    assert finite > infinite
    assert float(run(one_line(t0=0.0), "smart", 2, omega=2.0)["welfare"]) > 0

"""WITS SMART: hand-derived Laird–Yeats cases, diversion properties, first-order agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesim.model import kernels
from tradesim.model.smart import SMART_DEFAULTS, smart
from tradesim.testing import markets


def col(*xs: float) -> np.ndarray:
    return np.array(xs, dtype=float)[:, None]


def cell(x: float) -> np.ndarray:
    return np.array([[x]])


def laird_yeats_diversion(m_k: float, m_rest: float, sigma: float, rel_price: float) -> float:
    """TD_k = M_k M_K Es (dπ/π) / (M_k + M_K + M_k Es dπ/π) with Es = −σ, dπ/π = rel_price − 1."""
    es_dpi = -sigma * (rel_price - 1.0)
    return m_k * m_rest * es_dpi / (m_k + m_rest + m_k * es_dpi)


# -- hand-derived cases --------------------------------------------------------------------------

def test_two_suppliers_preferential_cut_hand_derived() -> None:
    # Supplier 1's 10 % tariff goes to zero; supplier 2 keeps 10 %. ε = 1.2, σ = 1.5, β = 99.
    r = smart(col(100.0, 300.0), col(0.1, 0.1), col(0.0, 0.1), cell(1.5), cell(1.2))
    tc1 = 100 * 1.2 * 0.1 / 1.1                                  # = 10.9090...
    td1 = laird_yeats_diversion(100, 300, 1.5, 1 / 1.1)         # = 9.8901...
    assert r.creation[:, 0] == pytest.approx([tc1, 0.0], rel=1e-14)
    assert tc1 == pytest.approx(10.909090909, rel=1e-9)
    assert td1 == pytest.approx(9.89010989, 1e-8)
    assert r.diversion[:, 0] == pytest.approx([td1, -td1], rel=1e-13)
    assert (r.price_effect == 0).all()
    assert r.new_value[:, 0] == pytest.approx([100 + tc1 + td1, 300 - td1], rel=1e-14)
    assert r.revenue_change[:, 0] == pytest.approx([0 - 10.0, 0.1 * (300 - td1) - 30.0])
    assert r.welfare[:, 0] == pytest.approx([0.5 * 0.1 * tc1, 0.0])  # the triangle ½ t0 TC


def test_two_suppliers_both_changing_measure_against_the_dearer() -> None:
    # Price factors 1.2 and 1.5: supplier 1's relative price falls to 1.2/1.5 against 2's.
    r = smart(col(50.0, 80.0), col(0.0, 0.0), col(0.2, 0.5), cell(3.0), cell(0.0))
    td1 = laird_yeats_diversion(50, 80, 3.0, 1.2 / 1.5)
    assert r.diversion[:, 0] == pytest.approx([td1, -td1], rel=1e-13)
    assert (r.creation == 0).all()  # ε = 0: no creation


def test_single_supplier_creation_only() -> None:
    r = smart(cell(200.0), cell(0.05), cell(0.25), cell(1.5), cell(2.0))
    assert r.creation[0, 0] == pytest.approx(-200 * 2.0 * 0.2 / 1.05, rel=1e-14)
    assert r.diversion[0, 0] == 0.0
    # A new tariff on trade: welfare is minus the deadweight-loss trapezoid ½ (t0 + t1) |TC|.
    assert r.welfare[0, 0] == pytest.approx(0.5 * 0.30 * r.creation[0, 0])
    assert r.welfare[0, 0] < 0


def test_finite_supply_elasticity_attenuates_creation_and_moves_world_price() -> None:
    beta, eps = 2.0, 1.5
    r = smart(cell(100.0), cell(0.0), cell(0.2), cell(1.5), cell(eps), beta)
    tc = -100 * eps * 0.2 / (1 + eps / beta)                     # Em = −1.5, Ex = 2
    assert r.creation[0, 0] == pytest.approx(tc, rel=1e-14)
    world = tc / (100 * beta)                                     # Δp*/p* = TC / (M β)
    assert r.price_effect[0, 0] == pytest.approx((100 + tc) * world, rel=1e-14)
    assert r.new_value[0, 0] == pytest.approx((100 + tc) * (1 + world), rel=1e-14)


def test_beta_99_means_infinite() -> None:
    args = (col(10.0, 30.0), col(0.0, 0.1), col(0.3, 0.1), cell(2.0), cell(1.0))
    a, b = smart(*args, 99.0), smart(*args, np.inf)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(smart(*args, 98.0).creation, a.creation)


def test_large_rise_floors_trade_at_zero() -> None:
    r = smart(col(10.0, 30.0), col(0.0, 0.0), col(2.0, 0.0), cell(1.5), cell(3.0))
    assert r.new_value[0, 0] == 0.0
    assert (r.new_value >= 0).all()


def test_negative_eps_is_rejected() -> None:
    with pytest.raises(ValueError, match="magnitude"):
        smart(cell(1.0), cell(0.0), cell(0.1), cell(1.5), cell(-1.2))


def test_defaults_are_the_wits_values_and_read_only() -> None:
    assert dict(SMART_DEFAULTS) == {"sigma": 1.5, "beta": 99.0}
    with pytest.raises(TypeError):
        SMART_DEFAULTS["sigma"] = 2.0  # type: ignore[index]


# -- diversion properties -------------------------------------------------------------------------

@given(markets(max_suppliers=6), st.data())
def test_diversion_sums_to_zero_and_is_bounded(m: dict, data: st.DataObject) -> None:
    t1 = np.array(data.draw(st.lists(st.floats(0.0, 3.0), min_size=m["value"].size,
                                     max_size=m["value"].size))).reshape(m["value"].shape)
    r = smart(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    total = m["value"].sum(axis=0)
    np.testing.assert_allclose(r.diversion.sum(axis=0), 0.0, atol=1e-12 * total.max())
    assert (r.diversion >= -m["value"] * (1 + 1e-12)).all()            # lose at most own trade
    assert (r.diversion <= (total - m["value"]) * (1 + 1e-12) + 1e-9).all()  # gain at most rivals'
    assert (r.new_value >= 0).all()


@given(markets())
def test_zero_shock_changes_nothing(m: dict) -> None:
    r = smart(m["value"], m["t0"], m["t0"].copy(), m["sigma"], m["eta"])
    for name, field in r._asdict().items():
        if name in ("new_value", "quantity"):
            np.testing.assert_array_equal(field, m["value"])
        elif name == "world_price":
            assert (field == 1).all()
        else:
            assert (field == 0).all(), name


@given(markets(), st.floats(-0.5, 3.0))
def test_uniform_change_diverts_nothing(m: dict, factor: float) -> None:
    t1 = (1 + m["t0"]) * (1 + factor) - 1
    r = smart(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    np.testing.assert_allclose(r.diversion, 0.0, atol=1e-12 * m["value"].max())


def test_preferential_cut_losers_share_in_proportion_to_trade() -> None:
    value, t0 = col(20.0, 30.0, 100.0, 300.0), col(0.1, 0.1, 0.1, 0.1)
    r = smart(value, t0, col(0.0, 0.0, 0.1, 0.1), cell(2.0), cell(1.0))
    gained = r.diversion[:2, 0].sum()
    assert gained > 0
    assert r.diversion[2:, 0] == pytest.approx(-gained * np.array([0.25, 0.75]), rel=1e-12)


# -- SMART against exact CES ----------------------------------------------------------------------

CASE = np.random.default_rng(7)
VALUE = CASE.uniform(1.0, 100.0, (5, 4))
T0 = np.full((5, 4), 0.08)                 # a common base tariff: the same weights in both
SIGMA = CASE.uniform(0.5, 8.0, (1, 4))
EPS = CASE.uniform(0.3, 3.0, (1, 4))
DIRECTION = CASE.uniform(-1.0, 1.0, (5, 4))


def smart_and_ces(h: float, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value changes by SMART and by exact CES (η = ε, same σ, ω = ∞) for ``t1 = t0 + h d``."""
    t1 = T0 + h * direction
    ratio, _ = kernels.ces_demand(VALUE, T0, t1, SIGMA, EPS)
    return smart(VALUE, T0, t1, SIGMA, EPS).new_value - VALUE, VALUE * (ratio - 1)


def test_total_imports_agree_with_ces_to_first_order() -> None:
    def rel_error(h: float) -> float:
        dsmart, dces = smart_and_ces(h, DIRECTION)
        return float(np.max(np.abs(dsmart.sum(0) - dces.sum(0)) / np.abs(dces.sum(0))))

    errors = [rel_error(h) for h in (1e-2, 1e-3, 1e-4)]
    assert errors[0] < 0.2
    assert errors[0] / errors[1] > 9
    assert errors[1] / errors[2] > 9


def test_uniform_change_agrees_per_supplier_to_first_order() -> None:
    def rel_error(h: float) -> float:
        dsmart, dces = smart_and_ces(h, np.ones((5, 4)))
        return float(np.max(np.abs(dsmart - dces) / np.abs(dces)))

    big, small = rel_error(1e-2), rel_error(1e-3)
    assert big < 0.05
    assert big / small > 9


def test_discriminatory_change_per_supplier_gap_is_own_price_creation() -> None:
    # SMART applies ε to the supplier's own price change, CES to the index: the first-order
    # gap is −M ε (Δp_s − Σ θ Δp), which does not vanish relative to the change itself.
    h = 1e-6
    dsmart, dces = smart_and_ces(h, DIRECTION)
    dp = h * DIRECTION / (1 + T0)
    gap = -VALUE * EPS * (dp - (VALUE / VALUE.sum(0) * dp).sum(0))
    np.testing.assert_allclose(dsmart - dces, gap, rtol=1e-4, atol=1e-4 * np.abs(gap).max())
    assert np.abs(gap).max() > 0.1 * np.abs(dces).max()

"""Closed-form checks of the PE kernels on hand-derived cases."""

from __future__ import annotations

import numpy as np
import pytest

from tradesim.model import kernels


def col(*xs: float) -> np.ndarray:
    return np.array(xs, dtype=float)[:, None]


def test_single_supplier_value_falls_by_price_to_minus_eta() -> None:
    ratio, index = kernels.ces_demand(col(1.0), col(0.0), col(0.25), col(4.0), col(2.0))
    assert index[0, 0] == pytest.approx(1.25)
    assert ratio[0, 0] == pytest.approx(1.25**-2.0)


def test_two_suppliers_hand_derived() -> None:
    # Equal base spending, no base tariff; supplier A taxed 10 %; sigma = 2, eta = 0.5.
    # P = (0.5 * 1.1**-1 + 0.5)^-1 = 1.0476190...; d_A = P^-0.5 (1.1/P)^-2; d_B = P^-0.5 P^2.
    ratio, index = kernels.ces_demand(col(1.0, 1.0), col(0.0, 0.0), col(0.1, 0.0),
                                      np.array([[2.0]]), np.array([[0.5]]))
    p_index = 1.0 / (0.5 / 1.1 + 0.5)
    assert index[0, 0] == pytest.approx(p_index, rel=1e-14)
    assert ratio[0, 0] == pytest.approx(p_index**-0.5 * (1.1 / p_index) ** -2, rel=1e-14)
    assert ratio[1, 0] == pytest.approx(p_index**-0.5 * p_index**2, rel=1e-14)


def test_sigma_one_is_the_cobb_douglas_limit() -> None:
    w, p = col(3.0, 1.0), col(1.2, 1.0)
    exact = kernels.price_index(w, p, np.array([[1.0]]))
    near = kernels.price_index(w, p, np.array([[1.0 + 1e-7]]))
    assert exact[0, 0] == pytest.approx(1.2**0.75, rel=1e-14)
    assert near[0, 0] == pytest.approx(exact[0, 0], rel=1e-6)


def test_base_tariffs_weight_shares_at_buyer_prices() -> None:
    # Shares are V (1 + t0): 1 * 2 and 2 * 1 -> equal weights.
    index = kernels.price_index(col(2.0, 2.0), col(1.5, 1.0), np.array([[1.0]]))
    assert index[0, 0] == pytest.approx(np.sqrt(1.5))


def test_zero_shock_is_exactly_one() -> None:
    t0 = col(0.1, 0.37, 0.02)
    ratio, index = kernels.ces_demand(col(3.0, 7.0, 11.0), t0, t0.copy(),
                                      np.array([[3.3]]), np.array([[1.2]]))
    assert (ratio == 1.0).all()
    assert (index == 1.0).all()


def test_market_without_trade_is_inert() -> None:
    ratio, index = kernels.ces_demand(col(0.0, 0.0), col(0.0, 0.0), col(0.5, 0.0),
                                      np.array([[3.0]]), np.array([[1.0]]))
    assert index[0, 0] == 1.0
    assert np.isfinite(ratio).all()


@pytest.mark.parametrize(("eta", "expected"), [(1.0, -100 * np.log(1.1)),
                                               (2.0, -100 * (1.1**-1 - 1) / -1)])
def test_buyers_surplus_closed_form(eta: float, expected: float) -> None:
    out = kernels.buyers_surplus(np.array([[100.0]]), np.array([[1.1]]), np.array([[eta]]))
    assert out[0, 0] == pytest.approx(expected)


def test_partial_adjustment_geometric_approach() -> None:
    lam = 0.38
    out = kernels.adjust(np.ones((8, 1)), np.array(lam))
    expected = 1 - (1 - lam) ** np.arange(1, 9)
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-14)


def test_partial_adjustment_instant_when_lambda_is_one() -> None:
    gap = np.array([0.0, -0.3, -0.1, 0.2])
    np.testing.assert_array_equal(kernels.adjust(gap, np.array(1.0)), gap)


def test_large_index_moves_take_the_log_sum_exp_branch() -> None:
    # sigma = 8 and prices doubling: sum(theta * p^(1-sigma)) ~ 0.008, where log1p near -1
    # would lose digits; the direct formula has no cancellation here, so it is the reference.
    w = np.array([[3.0, 1.0], [1.0, 0.0], [2.0, 5.0]])
    p = np.array([[2.0, 1.5], [2.2, 3.0], [1.9, 2.5]])
    sigma = np.array([[8.0, 8.0]])
    theta = w / w.sum(axis=0)
    direct = (theta * p ** (1 - sigma)).sum(axis=0) ** (1 / (1 - sigma[0]))
    np.testing.assert_allclose(kernels.price_index(w, p, sigma)[0], direct, rtol=1e-13)

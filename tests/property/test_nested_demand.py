"""The nested Armington kernel: identities, the closed form on one market, and monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradesim.model.kernels import ces_demand, nested_ces_demand
from tradesim.testing import markets


def _nest(n_s: int, k: int) -> np.ndarray:
    nest = np.zeros((n_s, 1), bool)
    nest[:k] = True
    return nest


@settings(max_examples=200, deadline=None)
@given(markets(), st.floats(0.0, 1.0), st.integers(0, 5))
def test_equal_elasticities_are_the_one_level_model(m: dict, shock: float, k: int) -> None:
    t1 = m["t0"] + shock
    nest = _nest(m["value"].shape[0], k)
    r, p = nested_ces_demand(m["value"], m["t0"], t1, m["sigma"], m["sigma"], m["eta"], nest)
    r0, p0 = ces_demand(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    assert np.array_equal(r, r0)
    assert np.array_equal(p, p0)


@settings(max_examples=200, deadline=None)
@given(markets(), st.floats(0.0, 10.0), st.integers(0, 5))
def test_zero_shock_is_exactly_the_baseline(m: dict, premium: float, k: int) -> None:
    nest = _nest(m["value"].shape[0], k)
    r, p = nested_ces_demand(m["value"], m["t0"], m["t0"], m["sigma"], m["sigma"] + premium,
                             m["eta"], nest)
    assert np.all(r == 1.0)
    assert np.all(p == 1.0)


def test_one_market_against_the_written_formula() -> None:
    v = np.array([5.0, 2.0, 3.0, 4.0])
    t0 = np.array([0.1, 0.0, 0.05, 0.0])
    t1 = np.array([0.6, 0.2, 0.05, 0.1])
    s, sn, e = 3.0, 8.0, 1.2
    theta = v * (1 + t0) / (v * (1 + t0)).sum()
    p = (1 + t1) / (1 + t0)
    n = [0, 1]
    p_n = ((theta[n] / theta[n].sum()) * p[n] ** (1 - sn)).sum() ** (1 / (1 - sn))
    upper = (theta[2:] * p[2:] ** (1 - s)).sum() + theta[n].sum() * p_n ** (1 - s)
    p_all = upper ** (1 / (1 - s))
    d = p_all ** -e * (p / p_all) ** -s
    d[n] = p_all ** -e * (p_n / p_all) ** -s * (p[n] / p_n) ** -sn
    r, index = nested_ces_demand(v[:, None], t0[:, None], t1[:, None], np.full((1, 1), s),
                                 np.full((1, 1), sn), np.full((1, 1), e), _nest(4, 2))
    np.testing.assert_allclose(r[:, 0], d, rtol=1e-13)
    np.testing.assert_allclose(index[0, 0], p_all, rtol=1e-13)


@settings(max_examples=200, deadline=None)
@given(st.floats(1e3, 1e11), st.floats(1e3, 1e11), st.floats(1e3, 1e11), st.floats(0.01, 1.5),
       st.floats(0.5, 8.0), st.floats(0.0, 6.0), st.floats(0.0, 6.0))
def test_a_tariff_on_one_member_favours_the_other_more_as_the_nest_tightens(
        v_cn: float, v_vn: float, v_row: float, tariff: float, sigma: float, a: float,
        b: float) -> None:
    """China (member 0) is tariffed: Vietnam (member 1) gains more the larger σ_N ≥ σ, and
    never less than an outsider."""
    value = np.array([[v_cn], [v_vn], [v_row]])
    t0 = np.zeros((3, 1))
    t1 = np.array([[tariff], [0.0], [0.0]])
    nest = _nest(3, 2)
    lo, hi = sorted((a, b))
    run = lambda premium: nested_ces_demand(  # noqa: E731
        value, t0, t1, np.full((1, 1), sigma), np.full((1, 1), sigma + premium),
        np.ones((1, 1)), nest)[0][:, 0]
    r_lo, r_hi = run(lo), run(hi)
    assert r_hi[1] >= r_lo[1] * (1 - 1e-12)
    assert r_lo[1] >= r_lo[2] * (1 - 1e-12)
    assert r_hi[0] <= r_lo[0] * (1 + 1e-12)  # China loses more where its substitute is closer

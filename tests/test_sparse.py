"""The active-cell price indices equal the dense kernels' (issue 13: exact to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradesim.model import kernels, sparse


def _markets(active, sigma, sigma_nest=None):
    """``log_indices`` in kernel order (S, D, T, I, 1, P)."""
    rows = sparse.log_indices(active, sigma, sigma_nest)
    n_i, n_p = active.shape[2], active.shape[4]
    return tuple(sparse.as_markets(r, n_i, n_p) for r in rows)


def _case(seed: int, n_s: int, n_d: int, n_t: int, n_i: int, n_e: int, n_p: int,
          zero: float, moved: float, far: bool, one: bool, nest: bool):
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0, 2, (n_s, 1, n_t, n_i, n_e, n_p)) * (rng.random((1, 1, 1, n_i, n_e,
                                                                       n_p)) > zero)
    t0 = rng.uniform(0, 0.3, (n_i, n_e, n_p))
    scale = 4.0 if far else 0.5
    t1 = t0 + rng.uniform(0, scale, (n_s, 1, n_t, n_i, n_e, n_p)) * (
        rng.random((n_s, 1, n_t, n_i, n_e, n_p)) < moved)
    lp = np.log1p(t1) - np.log1p(t0)
    sigma = rng.uniform(1.2, 12.0 if far else 6.0, (n_s, n_d, 1, n_i, 1, n_p))
    if one:
        sigma[..., 0] = 1.0
        sigma[..., -1] = 1.0 + 1e-12
    ratio = rng.uniform(1.0, 2.5, sigma.shape)
    members = rng.random((n_i, n_e, 1)) < 0.3 if nest else None
    return w, lp, sigma, sigma * ratio, members


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_s=st.integers(1, 3), n_d=st.integers(1, 4),
       n_t=st.integers(1, 4), n_i=st.integers(1, 3), n_e=st.integers(1, 6),
       n_p=st.integers(1, 5), zero=st.sampled_from([0.0, 0.3, 0.8]),
       moved=st.sampled_from([0.0, 0.2, 0.6, 1.0]), far=st.booleans(), one=st.booleans(),
       nest=st.booleans())
def test_sparse_indices_equal_the_dense_kernels(seed, n_s, n_d, n_t, n_i, n_e, n_p, zero,
                                                moved, far, one, nest) -> None:
    w, lp, sigma, sigma_nest, members = _case(seed, n_s, n_d, n_t, n_i, n_e, n_p, zero, moved,
                                              far, one, nest)
    active = sparse.active_cells(w, lp, members)
    got, got_nest = _markets(active, sigma, sigma_nest if nest else None)
    if nest and members is not None and members.any():
        want, want_nest = kernels.nested_log_index(w, lp, sigma, sigma_nest, members)
        np.testing.assert_allclose(got_nest, np.broadcast_to(want_nest, got_nest.shape),
                                   rtol=1e-12, atol=1e-14)
    else:
        want = kernels.log_price_index(w, lp, sigma)
        assert not got_nest.any()
    np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-12, atol=1e-14)


def test_markets_without_active_cells_are_exactly_zero() -> None:
    w, lp, sigma, _, _ = _case(1, 1, 2, 3, 2, 5, 4, 0.2, 0.5, False, False, False)
    lp[..., 1, :, :] = 0.0  # the second importer's tariffs do not move
    got, _ = _markets(sparse.active_cells(w, lp), sigma)
    assert np.all(got[..., 1, :, :] == 0.0)
    assert np.all(got[..., 0, :, :] != 0.0)


def test_far_markets_use_log_sum_exp_like_the_dense_kernel() -> None:
    w = np.ones((1, 1, 1, 1, 3, 1))
    lp = np.full((1, 1, 1, 1, 3, 1), np.log(10.0))  # every price × 10 with σ = 8
    sigma = np.full((1, 1, 1, 1, 1, 1), 8.0)
    got, _ = _markets(sparse.active_cells(w, lp), sigma)
    assert got[0, 0, 0, 0, 0, 0] == pytest.approx(np.log(10.0), rel=1e-14)


def test_a_nest_whose_prices_never_move_still_counts_in_a_far_upper_market() -> None:
    # one member (weight 1, price unchanged) beside a supplier of weight 100 whose price rises
    # tenfold with σ = 8: Σ θ (p^(1−σ) − 1) ≈ −0.990 takes the log-sum-exp, which must keep the
    # nest's share θ_N = 1/101 at ln P_N = 0
    w = np.array([1.0, 100.0]).reshape(1, 1, 1, 1, 2, 1)
    lp = np.array([0.0, np.log(10.0)]).reshape(w.shape)
    sigma = np.full((1, 1, 1, 1, 1, 1), 8.0)
    members = np.array([True, False]).reshape(1, 2, 1)
    got, got_nest = _markets(sparse.active_cells(w, lp, members), sigma, 2 * sigma)
    want = np.log((1.0 + 100.0 * 10.0 ** -7) / 101.0) / -7.0
    assert got[0, 0, 0, 0, 0, 0] == pytest.approx(want, rel=1e-14)
    assert got_nest[0, 0, 0, 0, 0, 0] == 0.0
    dense, _ = kernels.nested_log_index(w, lp, sigma, 2 * sigma, members)
    np.testing.assert_allclose(got, dense, rtol=1e-12)


def test_a_nest_without_a_premium_is_the_one_level_index() -> None:
    w, lp, sigma, _, _ = _case(7, 2, 3, 2, 2, 6, 3, 0.1, 0.7, False, False, False)
    members = np.zeros((2, 6, 1), dtype=bool)
    members[0, :2] = True
    active = sparse.active_cells(w, lp, members)
    got, _ = _markets(active, sigma, sigma)
    np.testing.assert_allclose(got, np.broadcast_to(kernels.log_price_index(w, lp, sigma),
                                                    got.shape), rtol=1e-12, atol=1e-15)

"""GSIM: reduction to one market and to ω = ∞, market clearing, diversion of supply, welfare."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tradesim.errors import ConvergenceError
from tradesim.model import gsim, kernels, supply


def random_world(seed: int, n: int = 3, i: int = 3, e: int = 8, p: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    omega = np.exp(rng.uniform(np.log(0.1), np.log(200.0), (n, 1, e, p)))
    omega[rng.uniform(size=omega.shape) < 0.2] = np.inf
    return {
        "value": rng.uniform(1e3, 1e9, (n, i, e, p)) * (rng.uniform(size=(n, i, e, p)) > 0.25),
        "t0": rng.uniform(0.0, 2.0, (n, i, e, p)),
        "t1": rng.uniform(0.0, 3.0, (n, i, e, p)),
        "sigma": rng.uniform(0.2, 12.0, (n, i, 1, p)),
        "eta": rng.uniform(0.0, 4.0, (n, i, 1, p)),
        "omega": omega,
    }


def clearing_gap(world: dict, r: gsim.GsimResult) -> np.ndarray:
    """Relative gap of ``Σ_i V p* d = Σ_i V p*^(1+ω)`` for exporters with finite ω and sales."""
    sales = world["value"].sum(axis=-3, keepdims=True)
    demand = (world["value"] * r.ratio).sum(axis=-3, keepdims=True)
    finite = np.isfinite(world["omega"]) & (sales > 0)
    supplied = sales * r.world_price ** (1 + np.where(finite, world["omega"], 0.0))
    return np.abs(demand / np.where(finite, supplied, 1.0) - 1)[finite]


# -- reductions -----------------------------------------------------------------------------------

def test_one_importer_is_the_single_market_solution() -> None:
    w = random_world(0, i=1)
    r = gsim.solve(**w)
    one = supply.solve(**{k: v[:, 0] for k, v in w.items()})
    np.testing.assert_allclose(r.ratio[:, 0], one.ratio, rtol=1e-12)
    np.testing.assert_allclose(r.world_price[:, 0], one.world_price, rtol=1e-12)
    np.testing.assert_allclose(r.index[:, 0], one.index, rtol=1e-12)


def test_infinite_omega_is_ces_demand_in_every_market() -> None:
    w = random_world(1)
    w["omega"] = np.full_like(w["omega"], np.inf)
    r = gsim.solve(**w)
    ratio, index = kernels.ces_demand(w["value"], w["t0"], w["t1"], w["sigma"], w["eta"])
    np.testing.assert_array_equal(r.ratio, ratio)
    np.testing.assert_array_equal(r.index, index)
    assert (r.world_price == 1).all()
    assert (r.producer_surplus == 0).all()
    assert r.iterations == 0


def test_clears_every_exporter_on_random_worlds() -> None:
    w = random_world(2, n=4, i=4, e=30, p=3)
    r = gsim.solve(**w)
    assert r.max_residual < 1e-10
    assert clearing_gap(w, r).max() < 1e-10


# -- a tariff in one market diverts the exporter's supply to the others ------------------------

def test_tariff_in_a_lowers_world_price_and_raises_sales_to_b_hand_case() -> None:
    # One exporter, two identical markets, ω = 1, η = 2: clearing gives p*^3 = (1.5^−2 + 1)/2.
    one = np.ones((2, 1, 1))
    r = gsim.solve(one, 0 * one, np.array([[[0.5]], [[0.0]]]), 3 * one, 2 * one, one[:1])
    p_star = ((1.5**-2 + 1) / 2) ** (1 / 3)
    assert r.world_price[0, 0, 0] == pytest.approx(p_star, rel=1e-13)
    assert r.ratio[1, 0, 0] == pytest.approx(1 / p_star, rel=1e-13)       # p* d = p*^(1−η)
    assert r.ratio[0, 0, 0] == pytest.approx(p_star * (1.5 * p_star) ** -2, rel=1e-13)


@given(hnp.arrays(float, (2, 3, 1), elements=st.floats(1e3, 1e9)),
       hnp.arrays(float, (2, 3, 1), elements=st.floats(0.0, 1.0)),
       st.integers(0, 2), st.floats(0.01, 2.0),
       st.floats(1.5, 8.0), st.floats(1.0, 1.5), st.floats(0.1, 50.0))
def test_tariff_by_a_on_e_diverts_e_supply_to_b(value: np.ndarray, t0: np.ndarray, e: int,
                                                bump: float, sigma: float, eta: float,
                                                omega: float) -> None:
    t1 = t0.copy()
    t1[0, e, 0] += bump                                   # importer A = 0 taxes exporter e
    s, h = np.full((2, 1, 1), sigma), np.full((2, 1, 1), eta)
    r = gsim.solve(value, t0, t1, s, h, np.full((1, 3, 1), omega))
    p_star = r.world_price[0, e, 0]
    assert p_star < 1.0
    assert r.ratio[1, e, 0] / p_star > 1.0                # more quantity shipped to B
    assert r.ratio[1, e, 0] > 1.0                         # and more value (σ, η ≥ 1)
    assert r.ratio[0, e, 0] < 1.0


@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 2), st.data())
def test_converges_with_small_residual(i: int, e: int, p: int, data: st.DataObject) -> None:
    def arr(shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
        return data.draw(hnp.arrays(float, shape, elements=st.floats(lo, hi)))

    value = arr((i, e, p), 0.0, 1e10)
    value[value < 1e3] = 0.0
    omega = data.draw(hnp.arrays(float, (1, e, p), elements=st.one_of(
        st.floats(0.1, 200.0), st.just(float("inf")))))
    w = {"value": value, "t0": arr((i, e, p), 0.0, 2.0), "t1": arr((i, e, p), 0.0, 3.0),
         "sigma": arr((i, 1, p), 0.2, 12.0), "eta": arr((i, 1, p), 0.0, 4.0), "omega": omega}
    r = gsim.solve(**w)
    assert r.max_residual < 1e-10
    assert r.iterations <= 20
    gap = clearing_gap(w, r)
    assert gap.size == 0 or gap.max() < 1e-9


# -- welfare --------------------------------------------------------------------------------------

def test_consumer_surplus_is_the_exact_integral_not_the_linear_triangle() -> None:
    # ω = ∞, one supplier, tariff 0 → 100 %: P = 2. With η = 3, E0 = 100:
    # exact ΔCS = −100 (2^−2 − 1)/(−2) = −37.5; the linear triangle −E0 ΔP (1 − η ΔP / 2) = +50.
    r = gsim.solve(np.full((1, 1, 1), 100.0), np.zeros((1, 1, 1)), np.ones((1, 1, 1)),
                   np.full((1, 1, 1), 2.0), np.full((1, 1, 1), 3.0), np.full((1, 1, 1), np.inf))
    assert r.index[0, 0, 0] == pytest.approx(2.0)
    assert r.consumer_surplus[0, 0, 0] == pytest.approx(-37.5, rel=1e-14)
    linear = -100 * 1.0 * (1 - 3 * 1.0 / 2)
    assert linear == 50.0 > 0 > r.consumer_surplus[0, 0, 0]


def test_producer_surplus_and_revenue_one_pair_closed_form() -> None:
    eta, omega, t1, v = 1.5, 3.0, 0.4, 250.0
    z = -eta * np.log1p(t1) / (eta + omega)
    r = gsim.solve(np.full((1, 1, 1), v), np.zeros((1, 1, 1)), np.full((1, 1, 1), t1),
                   np.full((1, 1, 1), 4.0), np.full((1, 1, 1), eta), np.full((1, 1, 1), omega))
    assert r.world_price[0, 0, 0] == pytest.approx(np.exp(z), rel=1e-13)
    assert r.producer_surplus[0, 0, 0] == pytest.approx(
        v * (np.exp((1 + omega) * z) - 1) / (1 + omega), rel=1e-12)
    new_value = v * np.exp(z - eta * (z + np.log1p(t1)))
    assert r.tariff_revenue[0, 0, 0] == pytest.approx(t1 * new_value, rel=1e-13)
    assert r.revenue_change[0, 0, 0] == pytest.approx(t1 * new_value, rel=1e-13)
    assert r.consumer_surplus[0, 0, 0] == pytest.approx(
        -v * (np.exp((1 - eta) * (z + np.log1p(t1))) - 1) / (1 - eta), rel=1e-12)


# -- bad input and failures -----------------------------------------------------------------------

def test_omega_must_not_vary_by_importer() -> None:
    w = random_world(3)
    with pytest.raises(ValueError, match="per exporter"):
        gsim.solve(**{**w, "omega": np.ones((3, 3, 8, 2))})


def test_non_convergence_names_the_cells() -> None:
    where = r"gsim.solve did not converge.*\(\d+, 0, \d+, \d+\)"
    with pytest.raises(ConvergenceError, match=where):
        gsim.solve(**random_world(4), max_iter=1)

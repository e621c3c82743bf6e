"""Finite export supply: closed forms, the ω = ∞ limit, and solver properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesim.errors import ConvergenceError
from tradesim.model import kernels, supply
from tradesim.testing import markets


def col(*xs: float) -> np.ndarray:
    return np.array(xs, dtype=float)[:, None]


def cell(x: float) -> np.ndarray:
    return np.array([[x]])


def random_market(seed: int, n: int = 4, s: int = 6, p: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "value": rng.uniform(1e3, 1e9, (n, s, p)) * (rng.uniform(size=(n, s, p)) > 0.2),
        "t0": rng.uniform(0.0, 2.0, (n, s, p)),
        "t1": rng.uniform(0.0, 3.0, (n, s, p)),
        "sigma": rng.uniform(0.2, 12.0, (n, 1, p)),
        "eta": rng.uniform(0.0, 4.0, (n, 1, p)),
        "omega": np.exp(rng.uniform(np.log(0.1), np.log(200.0), (n, s, p))),
    }


def omegas() -> st.SearchStrategy[float]:
    return st.one_of(st.floats(0.1, 200.0), st.just(float("inf")))


# -- the ω = ∞ limit is the closed form of kernels.ces_demand ------------------------------------

def test_infinite_omega_is_exactly_ces_demand() -> None:
    m = random_market(0)
    r = supply.solve(**{**m, "omega": np.full_like(m["omega"], np.inf)})
    ratio, index = kernels.ces_demand(m["value"], m["t0"], m["t1"], m["sigma"], m["eta"])
    np.testing.assert_array_equal(r.ratio, ratio)
    np.testing.assert_array_equal(r.index, index)
    assert (r.world_price == 1.0).all()
    assert (r.pass_through == 1.0).all()
    assert r.iterations == 0


def test_huge_omega_converges_to_ces_demand() -> None:
    m = random_market(1)
    r = supply.solve(**{**m, "omega": np.full_like(m["omega"], 1e12)})
    ratio, index = kernels.ces_demand(m["value"], m["t0"], m["t1"], m["sigma"], m["eta"])
    np.testing.assert_allclose(r.ratio, ratio, rtol=1e-8)
    np.testing.assert_allclose(r.index, index, rtol=1e-9)
    assert np.abs(np.log(r.world_price)).max() < 1e-9


# -- hand-derived cases --------------------------------------------------------------------------

@pytest.mark.parametrize(("t0", "t1", "eta", "omega"),
                         [(0.0, 0.25, 2.0, 2.0), (0.0, 0.46, 1.7, 0.8), (0.1, 0.3, 0.5, 4.0),
                          (0.5, 0.1, 3.0, 0.25)])
def test_one_supplier_closed_form(t0: float, t1: float, eta: float, omega: float) -> None:
    # One supplier: P = p, so F = −η (z + τ) − ω z = 0  =>  z = −η τ / (η + ω).
    tau = np.log1p(t1) - np.log1p(t0)
    z = -eta * tau / (eta + omega)
    r = supply.solve(cell(7.0), cell(t0), cell(t1), cell(5.0), cell(eta), cell(omega))
    assert r.world_price[0, 0] == pytest.approx(np.exp(z), rel=1e-14)
    assert r.buyer_price[0, 0] == pytest.approx(np.exp(z + tau), rel=1e-14)
    assert r.index[0, 0] == pytest.approx(np.exp(z + tau), rel=1e-14)
    assert r.ratio[0, 0] == pytest.approx(np.exp(z - eta * (z + tau)), rel=1e-14)
    assert r.pass_through[0, 0] == pytest.approx(omega / (eta + omega), rel=1e-12)
    assert r.iterations == 1  # the one-supplier system is linear in z


def test_two_suppliers_satisfy_the_equilibrium_equations() -> None:
    # Check the solution against DESIGN §2 written out directly (no shared helper code).
    value, t0, t1 = col(40.0, 60.0), col(0.05, 0.0), col(0.45, 0.1)
    sigma, eta, omega = 4.0, 1.5, col(2.0, 30.0)
    r = supply.solve(value, t0, t1, cell(sigma), cell(eta), omega)
    p = r.world_price * (1 + t1) / (1 + t0)
    theta = value * (1 + t0) / (value * (1 + t0)).sum()
    big_p = ((theta * p ** (1 - sigma)).sum()) ** (1 / (1 - sigma))
    demand = big_p**-eta * (p / big_p) ** -sigma
    np.testing.assert_allclose(demand, r.world_price**omega, rtol=1e-12)
    np.testing.assert_allclose(r.ratio, r.world_price * demand, rtol=1e-12)
    assert r.index[0, 0] == pytest.approx(big_p, rel=1e-13)
    # The heavily taxed, less elastic supplier absorbs more of its tariff.
    assert r.world_price[0, 0] < r.world_price[1, 0] < 1.0
    assert 0.0 < r.pass_through[0, 0] < r.pass_through[1, 0] < 1.0


def test_zero_value_suppliers_and_empty_markets_are_inert() -> None:
    r = supply.solve(np.array([[0.0, 5.0], [0.0, 0.0]]), np.zeros((2, 2)),
                     np.array([[0.5, 0.5], [0.5, 0.0]]), np.array([[3.0, 3.0]]),
                     np.array([[1.0, 1.0]]), np.full((2, 2), 0.5))
    assert r.world_price[0, 0] == 1.0
    assert (r.world_price[:, 1] != 1.0).sum() == 1
    assert np.isfinite(r.ratio).all()


def test_sweep_equals_markets_solved_one_by_one() -> None:
    m = random_market(2)
    together = supply.solve(**m)
    for n in range(m["value"].shape[0]):
        alone = supply.solve(**{k: v[n] for k, v in m.items()})
        np.testing.assert_allclose(together.ratio[n], alone.ratio, rtol=1e-11)
        np.testing.assert_allclose(together.world_price[n], alone.world_price, rtol=1e-11)


# -- failures say where ---------------------------------------------------------------------------

def test_non_convergence_names_the_cells() -> None:
    m = random_market(3)
    where = r"did not converge after 1 iteration.*\(\d+, \d+, \d+\)"
    with pytest.raises(ConvergenceError, match=where):
        supply.solve(**m, max_iter=1)


def test_damping_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="damping"):
        supply.solve(cell(1.0), cell(0.0), cell(0.1), cell(2.0), cell(1.0), cell(1.0), damping=0)


# -- properties -----------------------------------------------------------------------------------

@given(markets(max_suppliers=6), st.data())
def test_converges_on_random_markets(m: dict, data: st.DataObject) -> None:
    shape = m["value"].shape
    t1 = np.array(data.draw(st.lists(st.floats(0.0, 3.0), min_size=m["value"].size,
                                     max_size=m["value"].size))).reshape(shape)
    omega = np.array(data.draw(st.lists(omegas(), min_size=m["value"].size,
                                        max_size=m["value"].size))).reshape(shape)
    r = supply.solve(m["value"], m["t0"], t1, m["sigma"], m["eta"], omega)
    assert r.max_residual < 1e-10
    assert r.iterations <= 20
    assert np.isfinite(r.ratio).all()
    assert (r.ratio > 0).all()
    fixed = np.isinf(omega)
    assert (r.world_price[fixed] == 1.0).all()


@given(markets(), st.data())
def test_zero_shock_gives_exactly_the_baseline(m: dict, data: st.DataObject) -> None:
    omega = data.draw(omegas())
    r = supply.solve(m["value"], m["t0"], m["t0"].copy(), m["sigma"], m["eta"],
                     np.full(m["value"].shape, omega))
    assert (r.ratio == 1.0).all()
    assert (r.world_price == 1.0).all()
    assert (r.index == 1.0).all()
    assert r.iterations == 0


@given(st.floats(0.0, 2.0), st.floats(0.0, 3.0), st.floats(0.2, 12.0), st.floats(0.0, 4.0),
       omegas())
def test_single_supplier_pass_through_is_a_share(t0: float, t1: float, sigma: float, eta: float,
                                                 omega: float) -> None:
    r = supply.solve(cell(1e6), cell(t0), cell(t1), cell(sigma), cell(eta), cell(omega))
    assert -1e-12 <= r.pass_through[0, 0] <= 1.0 + 1e-12


@given(markets(max_suppliers=5, max_products=1), st.floats(1 / 3, 4.0), st.data())
def test_uniform_change_pass_through_is_a_share_when_sigma_exceeds_eta(
    m: dict, factor: float, data: st.DataObject
) -> None:
    # Every supplier's duty-paid price factor moves by the same `factor`. With σ ≥ η the
    # suppliers are substitutes on net and no world price moves by more than the tariff.
    eta = np.minimum(m["eta"], m["sigma"])
    omega = np.array(data.draw(st.lists(omegas(), min_size=m["value"].size,
                                        max_size=m["value"].size))).reshape(m["value"].shape)
    t1 = (1 + m["t0"]) * factor - 1
    r = supply.solve(m["value"], m["t0"], t1, m["sigma"], eta, omega)
    assert (r.pass_through >= -1e-9).all()
    assert (r.pass_through <= 1 + 1e-9).all()


@given(st.floats(0.0, 1.0), st.floats(0.01, 3.0), st.floats(0.2, 12.0), st.floats(0.05, 4.0),
       st.floats(0.1, 100.0), st.floats(1.01, 10.0))
def test_more_elastic_supply_passes_more_through(t0: float, rise: float, sigma: float,
                                                 eta: float, omega: float, k: float) -> None:
    args = (cell(1e6), cell(t0), cell(t0 + rise), cell(sigma), cell(eta))
    low = supply.solve(*args, cell(omega)).pass_through[0, 0]
    high = supply.solve(*args, cell(omega * k)).pass_through[0, 0]
    assert high > low

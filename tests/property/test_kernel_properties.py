"""Monotonicity and bounds of the kernels as hypothesis properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradesim.model import kernels
from tradesim.testing import markets


@given(markets(), st.floats(0.001, 5.0), st.data())
def test_higher_tariff_never_raises_own_value(m: dict, bump: float, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, m["value"].shape[0] - 1))
    t1 = m["t0"].copy()
    low, _ = kernels.ces_demand(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    t1[s] += bump
    high, _ = kernels.ces_demand(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    assert (high[s] <= low[s] * (1 + 1e-12)).all()


@given(markets(), st.floats(0.001, 5.0), st.data())
def test_rivals_shares_never_fall_when_one_supplier_is_taxed(
    m: dict, bump: float, data: st.DataObject
) -> None:
    s = data.draw(st.integers(0, m["value"].shape[0] - 1))
    t1 = m["t0"].copy()
    t1[s] += bump
    ratio, _ = kernels.ces_demand(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    new = m["value"] * ratio
    share0 = m["value"] / m["value"].sum(axis=0)
    share1 = new / new.sum(axis=0)
    rivals = np.arange(m["value"].shape[0]) != s
    assert (share1[rivals] >= share0[rivals] * (1 - 1e-9)).all()


@given(markets())
def test_zero_shock_is_identity(m: dict) -> None:
    ratio, index = kernels.ces_demand(m["value"], m["t0"], m["t0"].copy(), m["sigma"], m["eta"])
    assert (ratio == 1.0).all()
    assert (index == 1.0).all()


@given(markets(), st.floats(0.0, 3.0))
def test_price_index_between_min_and_max_price(m: dict, bump: float) -> None:
    t1 = m["t0"] + bump * np.linspace(0, 1, m["t0"].shape[0])[:, None]
    price = (1 + t1) / (1 + m["t0"])
    index = kernels.price_index(m["value"] * (1 + m["t0"]), price, m["sigma"])
    assert (index >= price.min(axis=0) * (1 - 1e-12)).all()
    assert (index <= price.max(axis=0) * (1 + 1e-12)).all()


@given(markets(), st.data())
def test_supplier_order_does_not_matter(m: dict, data: st.DataObject) -> None:
    perm = data.draw(st.permutations(range(m["value"].shape[0])))
    t1 = m["t0"] * 1.5 + 0.1
    a, pa = kernels.ces_demand(m["value"], m["t0"], t1, m["sigma"], m["eta"])
    b, pb = kernels.ces_demand(m["value"][perm], m["t0"][perm], t1[perm], m["sigma"], m["eta"])
    np.testing.assert_allclose(a[perm], b, rtol=1e-12)
    np.testing.assert_allclose(pa, pb, rtol=1e-12)

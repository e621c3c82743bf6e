"""The mixed product axis and scope matching."""

from __future__ import annotations

import numpy as np

from tradesim.data.products import axis_of, describe_axis, match_scope, sort_key

MEMBERS = ["850440", "851713", "851762", "851770", "854142", "854143", "854231", "610910"]
SPLITS = ["8517", "851713", "854142", "854143", "8542"]


def test_axis_partitions_members_with_residuals() -> None:
    axis = axis_of(MEMBERS, SPLITS).to_dict()
    assert axis == {"850440": "85*", "851713": "851713", "851762": "8517*",
                    "851770": "8517*", "854142": "854142", "854143": "854143",
                    "854231": "8542", "610910": "61"}


def test_describe_and_order() -> None:
    info = describe_axis(["61", "8517*", "851713", "85*"])
    assert list(info["kind"]) == ["chapter", "residual", "line", "residual"]
    assert sorted(["85*", "8542", "8517*", "851713"], key=sort_key) == [
        "851713", "8517*", "8542", "85*"]


def test_match_scope_full_partial_unknown_and_finer() -> None:
    member_product = axis_of(MEMBERS, SPLITS)
    products = sorted(set(member_product), key=sort_key)
    index = np.array([products.index(p) for p in member_product.to_numpy()])
    codes = member_product.index.to_numpy().astype(str)
    share, finer, unknown, finer_codes = match_scope(index, codes, len(products),
                                                     ["8517", "8504", "9999", "85414310"])
    cover = dict(zip(products, share, strict=True))
    assert cover["851713"] == 1.0
    assert cover["8517*"] == 1.0
    assert cover["85*"] == 1.0  # 8504 is the only member of 85* here
    assert cover["61"] == 0.0
    assert unknown == ["9999"]
    assert finer_codes == ["85414310"]
    assert finer[products.index("854143")]

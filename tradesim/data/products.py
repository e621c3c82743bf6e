"""The product axis: HS codes at mixed depth that partition trade without double counting.

A *member* is the finest code a baseline knows (HS6 for the packaged data); every member belongs
to exactly one *product* on the axis. The mixed axis keeps whole chapters (``"61"``), splits out
negotiation lines (``"8517"``, ``"851713"``) and collects the rest in residuals (``"8517*"``,
``"85*"``). Scopes (HS prefixes in scenario files) are matched against members, so a list of
HS6 codes that together make up a product covers it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["axis_of", "describe_axis", "match_scope", "sort_key"]


def sort_key(label: str) -> str:
    """Order products by code, with a residual (``"85*"``) after the lines it rests from."""
    return label.replace("*", "~")


def axis_of(members: Iterable[str], splits: Sequence[str]) -> pd.Series:
    """Map each member code onto the mixed axis.

    Parameters
    ----------
    members : iterable of str
        Member codes (HS6, digits only).
    splits : sequence of str
        Codes split out of their chapters (HS4/HS6; nesting allowed).

    Returns
    -------
    pandas.Series
        Product label indexed by member code.

    Examples
    --------
    >>> axis_of(["851713", "851762", "851770", "850440", "610910"],
    ...         ["8517", "851713"]).to_dict()
    {'851713': '851713', '851762': '8517*', '851770': '8517*', '850440': '85*', '610910': '61'}
    """
    split_set = sorted(set(splits), key=len, reverse=True)
    parents = {s for s in split_set if any(o != s and o.startswith(s) for o in split_set)}
    split_chapters = {s[:2] for s in split_set}
    out = {}
    for code in members:
        hit = next((s for s in split_set if code.startswith(s)), None)
        if hit is None:
            chapter = code[:2]
            out[code] = chapter + "*" if chapter in split_chapters else chapter
        else:
            out[code] = hit + "*" if hit in parents else hit
    return pd.Series(out, name="product", dtype=object).rename_axis("member")


def describe_axis(products: Sequence[str]) -> pd.DataFrame:
    """Return kind (chapter / line / residual), chapter and HS level of each product label."""
    rows = []
    for p in products:
        code = p.rstrip("*")
        kind = "residual" if p.endswith("*") else ("chapter" if len(code) == 2 else "line")
        rows.append({"product": p, "kind": kind, "chapter": code[:2], "hs_level": len(code)})
    return pd.DataFrame(rows).set_index("product")


def match_scope(
    member_product: np.ndarray, member_code: np.ndarray, n_products: int, prefixes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Match HS prefixes against the axis.

    Parameters
    ----------
    member_product : ndarray of int, shape (n_members,)
        Index of the product each member belongs to.
    member_code : ndarray of str, shape (n_members,)
        Member codes.
    n_products : int
        Length of the product axis.
    prefixes : sequence of str
        HS prefixes (digits only).

    Returns
    -------
    covered : ndarray of float, shape (n_products,)
        Share of each product's members the prefixes cover (1 = whole product).
    finer : ndarray of bool, shape (n_products,)
        Products inside which a prefix is finer than a member (e.g. HTS8 in an HS6 axis).
    unknown : list of str
        Prefixes that match no member at all.
    finer_codes : list of str
        Prefixes finer than a member.
    """
    hit = np.zeros(member_code.shape, dtype=bool)
    inside = np.zeros(member_code.shape, dtype=bool)
    unknown, finer_codes = [], []
    codes = member_code.astype(str)
    for prefix in prefixes:
        covers = np.char.startswith(codes, prefix)
        within = np.array([prefix.startswith(c) and len(prefix) > len(c) for c in codes],
                          dtype=bool) if not covers.any() else np.zeros_like(covers)
        if not covers.any() and not within.any():
            unknown.append(prefix)
        if within.any():
            finer_codes.append(prefix)
        hit |= covers
        inside |= within
    counts = np.bincount(member_product, minlength=n_products).astype(float)
    covered = np.bincount(member_product, weights=hit, minlength=n_products)
    share = np.divide(covered, counts, out=np.zeros(n_products), where=counts > 0)
    finer = np.bincount(member_product, weights=inside, minlength=n_products) > 0
    return share, finer, unknown, finer_codes

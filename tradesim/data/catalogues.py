"""Catalogues: named product groups, purchasable items, product and supplier names (en / vi).

Package data built by ``tools/package_data/catalogues.py`` (sources in ``embedded/SOURCES.md``);
read here, read-only, from the installed package, so scenario files, the CLI, the API and the web
page all use one catalogue.

- **Groups** (``@electronics-apr-2025`` in ``products``/``exclude``) keep their HS codes as the
  legal source lists them. :func:`expand_group` puts a group on a product axis: a product joins
  when at least ``min_share`` (70 %) of its 2024 US imports from Vietnam are on the list (from 50
  suppliers where Vietnam sold none, by member count where nobody did); the joined products are
  written as the shortest HS prefixes that cover exactly them.
- **Items** (``item = "boeing-737-max-8"``) carry a unit price with its status and method.
- **Names**: every product label of every axis and every supplier in English and Vietnamese,
  each with its source; :func:`search_products` matches codes and names in both languages,
  accent-insensitively.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from tradesim.data.products import axis_of, sort_key
from tradesim.errors import ScheduleError, closest

__all__ = [
    "GROUP_MARK",
    "Expansion",
    "Group",
    "Item",
    "expand_group",
    "expand_scopes",
    "group",
    "group_names",
    "groups",
    "item",
    "item_names",
    "item_value",
    "items",
    "names",
    "product_names",
    "search_products",
    "supplier_names",
]

GROUP_MARK = "@"
NOT_OFFICIAL = "tradesim translation, not official"
LANGS = ("en", "vi")


def _read(name: str) -> pd.DataFrame:
    path = resources.files("tradesim.data") / "embedded" / name
    with resources.as_file(path) as p:
        return pd.read_csv(p, dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class Group:
    """A named product group: its legal source and its HS codes as that source lists them."""

    name: str
    title_en: str
    title_vi: str
    legal: str
    completeness: str
    min_share: float
    note: str
    source: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Expansion:
    """A group on one product axis.

    ``codes`` are HS prefixes covering exactly ``products`` (axis labels); ``partial`` maps the
    products the list touches but below ``min_share`` to their covered share (not included).
    """

    group: str
    resolution: str
    codes: tuple[str, ...]
    products: tuple[str, ...]
    partial: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Item:
    """A purchasable item: unit price (USD) with its status, method and source."""

    name: str
    name_en: str
    name_vi: str
    unit_en: str
    unit_vi: str
    product: str
    hs_line: str
    unit_usd: float
    list_usd: float | None
    price_year: int
    status: str
    method: str
    source: str


# ---------------------------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------------------------
@functools.cache
def _groups() -> dict[str, Group]:
    g = _read("product_groups.csv")
    codes = _read("product_group_codes.csv.gz").groupby("group")["code"].apply(tuple)
    return {r.group: Group(r.group, r.title_en, r.title_vi, r.legal, r.completeness,
                           float(r.min_share), r.note, r.source, codes.get(r.group, ()))
            for r in g.itertuples()}


@functools.cache
def _fine_codes() -> pd.DataFrame:
    """Group codes finer than HS6 with the 2024 US imports they cover (USD)."""
    c = _read("product_group_codes.csv.gz")
    c = c[c["hs6"] != ""].copy()
    c[["vn_usd", "world_usd"]] = c[["vn_usd", "world_usd"]].astype(float)
    return c


@functools.cache
def _weights() -> pd.DataFrame:
    w = _read("hs6_weights.csv.gz").set_index("hs6")
    return w[["vn_usd", "world_usd"]].astype(float)


def group_names() -> list[str]:
    """Names of every product group, in catalogue order."""
    return list(_groups())


def groups() -> pd.DataFrame:
    """Every product group: titles (en, vi), legal source, completeness, rule, code count.

    Examples
    --------
    >>> "electronics-apr-2025" in groups().index
    True
    """
    rows = [{"group": g.name, "title_en": g.title_en, "title_vi": g.title_vi, "legal": g.legal,
             "completeness": g.completeness, "min_share": g.min_share, "codes": len(g.codes),
             "note": g.note, "source": g.source} for g in _groups().values()]
    return pd.DataFrame(rows).set_index("group")


def group(name: str) -> Group:
    """The group ``name`` (with or without the leading ``@``).

    Raises
    ------
    KeyError
        Unknown name; the message names the closest group.
    """
    key = name.removeprefix(GROUP_MARK)
    if key not in _groups():
        raise KeyError(f"unknown product group {name!r}; "
                       f"{closest(key, group_names(), 'groups')}")
    return _groups()[key]


def _axis(resolution: str) -> pd.Series:
    """Member HS6 -> product label of a packaged axis (the embedded baselines' members)."""
    members = list(_weights().index)
    if resolution == "mixed":
        splits = _read("product_splits.csv")["code"].tolist()
        return axis_of(members, splits)
    if resolution == "hs6":
        return pd.Series(members, index=members, dtype=object, name="product")
    if resolution == "hs2":
        return pd.Series([m[:2] for m in members], index=members, dtype=object, name="product")
    raise ValueError(f"unknown resolution {resolution!r}; use mixed, hs6 or hs2")


@functools.cache
def _hs6_coverage(name: str) -> pd.DataFrame:
    """Per packaged HS6: 2024 US imports (from Vietnam, the world), the part on the list of
    group ``name``, and the covered fraction by value (1 where a code of <= 6 digits covers it).
    """
    g = _groups()[name]
    w = _weights()
    codes = w.index.to_numpy().astype(str)
    whole = np.zeros(len(codes), dtype=bool)
    for code in (c for c in g.codes if len(c) <= 6):
        whole |= np.char.startswith(codes, code)
    fine = _fine_codes()
    part = fine[fine["group"] == name].groupby("hs6")[["vn_usd", "world_usd"]].sum()
    part = part.reindex(codes).fillna(0.0)
    vn_w, world_w = w["vn_usd"].to_numpy(), w["world_usd"].to_numpy()
    world = np.where(whole, world_w, np.minimum(part["world_usd"].to_numpy(), world_w))
    return pd.DataFrame({
        "vn": np.where(whole, vn_w, np.minimum(part["vn_usd"].to_numpy(), vn_w)),
        "world": world, "vn_w": vn_w, "world_w": world_w,
        "count": np.where(whole, 1.0, np.divide(world, world_w, out=np.zeros_like(world),
                                                where=world_w > 0)),
        "n": 1.0}, index=codes)


def _member_stats(g: Group, codes: np.ndarray) -> pd.DataFrame:
    """The HS6 coverage summed to the members of an axis (members may be HS2/HS4 codes of a
    user frame: each packaged HS6 counts for the longest member that is its prefix)."""
    uni = _hs6_coverage(g.name)
    members = set(codes.tolist())
    if members >= set(uni.index):
        owner = pd.Series(uni.index, index=uni.index)
    else:
        owner = pd.Series([next((u[:k] for k in (6, 4, 2) if u[:k] in members), "")
                           for u in uni.index], index=uni.index)
    stats = uni[owner != ""].groupby(owner[owner != ""]).sum().reindex(codes)
    alone = stats["n"].isna().to_numpy()  # members no packaged HS6 falls in
    if alone.any():
        whole = np.zeros(len(codes), dtype=bool)
        for code in (c for c in g.codes if len(c) <= 6):
            whole |= np.char.startswith(codes, code)
        stats.loc[alone, "count"] = whole[alone].astype(float)
        stats.loc[alone, "n"] = 1.0
    return stats.fillna(0.0)


def _prefixes(included: set[str], universe: Sequence[str]) -> tuple[str, ...]:
    """The shortest HS prefixes (chapter, heading, HS6) that cover exactly ``included``."""
    out: list[str] = []
    by_chapter: dict[str, list[str]] = {}
    for code in sorted(universe):
        by_chapter.setdefault(code[:2], []).append(code)
    for chapter, codes in by_chapter.items():
        inside = [c for c in codes if c in included]
        if not inside:
            continue
        six = all(len(c) == 6 for c in codes)  # a user frame's own HS2/HS4 members stay as is
        if len(inside) == len(codes) and (six or codes == [chapter]):
            out.append(chapter)
            continue
        by_heading: dict[str, list[str]] = {}
        for c in codes:
            by_heading.setdefault(c[:4], []).append(c)
        for heading, hcodes in by_heading.items():
            hin = [c for c in hcodes if c in included]
            if hin and len(hin) == len(hcodes) and all(len(c) == 6 for c in hcodes):
                out.append(heading)
            else:
                out.extend(hin)
    return tuple(str(c) for c in out)


def expand_group(name: str, resolution: str = "mixed",
                 members: pd.Series | None = None) -> Expansion:
    """Put a group on a product axis.

    Parameters
    ----------
    name : str
        Group name, with or without ``@``.
    resolution : str
        ``mixed``, ``hs6`` or ``hs2``: the packaged axis, when ``members`` is not given.
    members : Series, optional
        Member code (HS6) -> product label of the axis to use, e.g. a baseline's
        ``member_product`` coordinate; the default builds the packaged axis of ``resolution``.

    Returns
    -------
    Expansion
        The HS prefixes, the products they cover, and the products touched below the rule.

    Examples
    --------
    >>> e = expand_group("@s232-steel-aluminium")
    >>> e.codes
    ('72', '73', '76')
    """
    if members is None:
        return _packaged_expansion(group(name).name, resolution)
    return _expand(group(name), members, str(members.name or resolution))


@functools.cache
def _packaged_expansion(name: str, resolution: str) -> Expansion:
    return _expand(group(name), _axis(resolution), resolution)


def _expand(g: Group, axis: pd.Series, resolution: str) -> Expansion:
    codes = np.asarray(axis.index, dtype=str)
    labels = np.asarray(axis.to_numpy(), dtype=str)
    frame = _member_stats(g, codes).assign(label=labels)
    s = frame.groupby("label").sum()
    vn_share = s["vn"] / s["vn_w"].where(s["vn_w"] > 0, 1.0)
    world_share = s["world"] / s["world_w"].where(s["world_w"] > 0, 1.0)
    share = np.where(s["vn_w"] > 0, vn_share,
                     np.where(s["world_w"] > 0, world_share, s["count"] / s["n"]))
    share_of = pd.Series(share, index=s.index)
    chosen = sorted((p for p, v in share_of.items() if v >= g.min_share - 1e-12), key=sort_key)
    partial = tuple((str(p), float(v)) for p, v in
                    sorted(share_of.items(), key=lambda kv: sort_key(str(kv[0])))
                    if 0.0 < v < g.min_share - 1e-12)
    included = set(codes[np.isin(labels, chosen)])
    return Expansion(g.name, resolution, _prefixes(included, list(codes)),
                     tuple(str(p) for p in chosen), partial)


def expand_scopes(prefixes: Sequence[str], members: pd.Series, where: str = "",
                  resolution: str = "") -> tuple[str, ...]:
    """Replace every ``@group`` in ``prefixes`` by its expansion on the axis of ``members``.

    Raises
    ------
    ScheduleError
        A group that covers no whole product of this axis (names the partly covered ones).
    """
    out: list[str] = []
    for p in prefixes:
        if not p.startswith(GROUP_MARK):
            out.append(p)
            continue
        e = expand_group(p, members=members)
        if not e.codes:
            parts = ", ".join(f"{lab} {share:.0%}" for lab, share in e.partial[:6]) or "none"
            raise ScheduleError(
                f"{where}: {p} covers no whole product on the {resolution or 'baseline'} axis "
                f"(a product joins when >= {group(p).min_share:.0%} of its 2024 US imports are "
                f"on the list; partly covered: {parts}); use a finer resolution or list HS codes")
        out.extend(e.codes)
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------
# items
# ---------------------------------------------------------------------------------------------
@functools.cache
def _items() -> dict[str, Item]:
    t = _read("purchase_items.csv")
    return {r.item: Item(r.item, r.name_en, r.name_vi, r.unit_en, r.unit_vi, r.product,
                         r.hs_line, float(r.unit_usd), float(r.list_usd) if r.list_usd else None,
                         int(r.price_year), r.status, r.method, r.source)
            for r in t.itertuples()}


def item_names() -> list[str]:
    """Names of every purchasable item, in catalogue order."""
    return list(_items())


def items() -> pd.DataFrame:
    """Every purchasable item: names, unit, product code, HS line, prices (USD), status, source."""
    return pd.DataFrame([vars(i) for i in _items().values()]).set_index("name")


def item(name: str) -> Item:
    """The item ``name``.

    Raises
    ------
    KeyError
        Unknown name; the message names the closest item.
    """
    if name not in _items():
        raise KeyError(f"unknown item {name!r}; {closest(name, item_names(), 'items')}")
    return _items()[name]


def item_value(name: str, units: float, unit_usd: float | None = None) -> float:
    """Value in USD of ``units`` items at the catalogue price (or ``unit_usd``).

    Examples
    --------
    >>> item_value("boeing-737-max-8", 50) / 1e9
    2.75
    """
    return float(units) * (item(name).unit_usd if unit_usd is None else float(unit_usd))


# ---------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------
@functools.cache
def _hs_names() -> dict[tuple[str, str], tuple[str, str, str, str]]:
    t = _read("hs_names.csv")
    return {(r.level, r.code): (r.name_en, r.name_vi, r.source, r.source_vi)
            for r in t.itertuples()}


@functools.cache
def _hs6_en() -> dict[str, str]:
    t = _read("hs6_names.csv.gz")
    return dict(zip(t["hs6"], t["name"], strict=True))


def _name(label: str) -> tuple[str, str, str, str]:
    """(en, vi, source of en, source of vi) of one product label of any axis."""
    hs = _hs_names()
    code = label.rstrip("*")
    chapter = hs.get(("chapter", code[:2]), (f"Chapter {code[:2]}", f"Chương {code[:2]}",
                                             "tradesim", NOT_OFFICIAL))
    if label.endswith("*"):
        base = chapter if len(code) == 2 else hs.get(("line", code), chapter)
        return (f"{base[0]} (rest)", f"{base[1]} (phần còn lại)",
                f"{base[2]}; '(rest)': the residual after the split lines",
                f"{base[3]}; '(phần còn lại)': {NOT_OFFICIAL}")
    if len(code) == 2:
        return chapter
    if ("line", code) in hs:
        return hs[("line", code)]
    dotted = f"{code[:4]}.{code[4:]}" if len(code) > 4 else code
    en = _hs6_en().get(code, f"HS {dotted}")
    heading = hs.get(("line", code[:4]))
    vi = (f"{heading[1]} — phân nhóm {dotted}" if heading is not None
          else f"Phân nhóm {dotted} thuộc chương {code[:2]}: {chapter[1]}")
    return (en, vi,
            "hs6_names.csv.gz (first HS10 description in the HS6)" if code in _hs6_en()
            else "tradesim", f"composed by tradesim from the chapter (or split heading) title; "
            f"{NOT_OFFICIAL}")


def product_names(labels: Sequence[str], lang: str = "en") -> dict[str, str]:
    """Names of product labels (``"61"``, ``"8471"``, ``"85*"``, ``"851713"``) in ``lang``.

    Examples
    --------
    >>> product_names(["8471"], "vi")["8471"]
    'Máy tính (máy xử lý dữ liệu tự động)'
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use en or vi")
    i = LANGS.index(lang)
    return {str(label): _name(str(label))[i] for label in labels}


def names(lang: str = "en", resolution: str = "mixed") -> dict[str, str]:
    """Name of every product of a packaged axis and of every supplier, in ``lang``."""
    labels = sorted(set(_axis(resolution).to_numpy()), key=sort_key)
    return {**product_names(labels, lang), **supplier_names(lang)}


@functools.cache
def _suppliers() -> pd.DataFrame:
    return _read("supplier_names.csv").set_index("code")


def supplier_names(lang: str = "en") -> dict[str, str]:
    """Supplier code -> name in ``lang`` (``vi`` names are tradesim translations)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use en or vi")
    return _suppliers()[f"name_{lang}"].to_dict()


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"Điện thoại"`` -> ``"dien thoai"``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text.casefold())
                   if unicodedata.category(ch) != "Mn")


def search_products(query: str = "", resolution: str = "mixed") -> pd.DataFrame:
    """Products of a packaged axis whose code or English/Vietnamese name matches ``query``.

    Matching ignores case and Vietnamese accents; every word of the query must occur. Codes match
    by prefix (``"8517"``, ``"85.17"``). Returns ``code, name_en, name_vi, source_en,
    source_vi`` rows in axis order.

    Examples
    --------
    >>> search_products("dien thoai")["code"].tolist()
    ['851713', '8517*']
    """
    labels = sorted(set(_axis(resolution).to_numpy()), key=sort_key)
    rows = [dict(zip(("code", "name_en", "name_vi", "source_en", "source_vi"),
                     (lab, *_name(lab)), strict=True)) for lab in labels]
    table = pd.DataFrame(rows)
    words = _fold(query).split()
    if not words:
        return table
    code_q = query.replace(".", "").replace(" ", "")
    text = (table["code"] + " " + table["name_en"] + " " + table["name_vi"]).map(_fold)
    by_code = table["code"].str.rstrip("*").str.startswith(code_q) if code_q.isdigit() else False
    by_name = text.map(lambda t: all(w in t for w in words))
    return table[by_code | by_name].reset_index(drop=True)

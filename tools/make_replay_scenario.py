#!/usr/bin/env python3
"""Write ``scenarios/replay/us-china-2018-19.toml``: the 2018–19 Section 301 tariffs on China at
chapter level, for the 2017 chapter baseline (``tradesim.load_baseline("hs2", year=2017)``).

Usage (from the repository root)::

    python tools/make_replay_scenario.py [--shared ../shared/data]

Rates, dates and citations come from the ``US-S301-CN-*`` rows of ``shared/data/
tariff_measures.csv``. The baseline has whole chapters only, so each list is applied to each
chapter with ``share`` = the part of the chapter's China imports that the list covers:

- the HTS8 lines of each list come from ``raw/budgetlab/tariff-rate-tracker/resources/
  s301_product_lists.csv`` (current nomenclature). A line on several lists counts once, for the
  first list that hit it (1, 2, 3, 4A): at 25 % the lists have the same rate, and the sources
  take the highest active 301 rate, not the sum. List 3's 11 ``3_addl`` lines belong to List 3.
  List 4B (suspended, never applied) is left out.
- weights: 2024 US imports for consumption from China by HS10 (``us_imports_hs10_by_partner_
  2024.csv.gz``, S5), summed to HTS8. No 2017 China imports below the chapter exist in the shared
  data, so 2024 stands in for 2017. Six years of tariffs had shrunk the listed lines relative to
  the unlisted ones by 2024, so the shares understate 2017 coverage (see the check printed at the
  end and written into the file's header).

The output is deterministic: chapters and lists in order, shares rounded to 4 decimals (shares
that round to 0 are left out).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "scenarios" / "replay" / "us-china-2018-19.toml"
CHAPTERS_2017 = REPO / "tradesim" / "data" / "embedded" / "us_imports_hs2_consumption_2017_2020.csv.gz"
LISTS = "raw/budgetlab/tariff-rate-tracker/resources/s301_product_lists.csv"
HS10 = "us_imports_hs10_by_partner_2024.csv.gz"

#: (list in s301_product_lists.csv, tariff_measures.csv row, scenario id prefix, announced cover)
STEPS = [
    (("1",), "US-S301-CN-L1", "s301-l1", "~USD 34 bn"),
    (("2",), "US-S301-CN-L2", "s301-l2", "~USD 16 bn"),
    (("3", "3_addl"), "US-S301-CN-L3-10", "s301-l3-10", "~USD 200 bn"),
    (("3", "3_addl"), "US-S301-CN-L3-25", "s301-l3-25", "~USD 200 bn"),
    (("4A",), "US-S301-CN-L4A-15", "s301-l4a-15", "~USD 112-120 bn"),
]
ORDER = ["1", "2", "3", "3_addl", "4A"]  # a line on several lists counts for the first


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def shares(root: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Share of each chapter's 2024 China imports on each list; China's 2024 chapter totals."""
    lists = pd.read_csv(root / LISTS, dtype=str, keep_default_na=False)
    lists = lists[lists["list"].isin(ORDER)].copy()
    lists["rank"] = lists["list"].map(ORDER.index)
    first = lists.sort_values(["hts8", "rank"]).drop_duplicates("hts8")
    first["group"] = first["list"].replace({"3_addl": "3"})
    group = first.set_index("hts8")["group"]
    h = pd.read_csv(root / HS10, dtype={"hs10": str, "cty_code": str}, keep_default_na=False)
    cn = h[h["exporter"] == "CHN"].copy()
    cn["hs2"] = cn["hs10"].str[:2]
    cn["group"] = cn["hs10"].str[:8].map(group)
    total = cn.groupby("hs2")["value_usd"].sum()
    covered = cn.dropna(subset=["group"]).groupby(["group", "hs2"])["value_usd"].sum()
    share = (covered / total.reindex(covered.index.get_level_values("hs2")).to_numpy())
    return share.rename("share").reset_index(), total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default="../shared/data",
                    help="shared data directory (relative paths are taken from the repo root)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    root = Path(args.shared)
    if not root.is_absolute():
        root = (REPO / root).resolve()
    if not (root / "tariff_measures.csv").exists():
        print(f"shared data not found at {root}", file=sys.stderr)
        return 2
    measures = pd.read_csv(root / "tariff_measures.csv", dtype=str,
                           keep_default_na=False).set_index("measure_id")
    share, cn2024 = shares(root)
    cons = pd.read_csv(CHAPTERS_2017, dtype={"hs2": str})
    cn2017 = cons[(cons["year"] == 2017) & (cons["exporter"] == "CHN")].set_index("hs2")[
        "value_usd"]
    axis = set(cons.loc[(cons["year"] == 2017) & (cons["exporter"] == "WORLD"), "hs2"])
    share["share"] = share["share"].round(4)
    share = share[share["share"] > 0]
    missing = sorted(set(share["hs2"]) - axis)
    if missing:
        raise SystemExit(f"chapters {missing} are not on the 2017 chapter axis")

    lines: list[str] = []
    cover: list[str] = []
    total17 = 0.0
    announced = {groups[0]: text for groups, _, _, text in STEPS}
    for g, text in announced.items():
        s = share[share["group"] == g].set_index("hs2")["share"]
        at17 = float((s * cn2017.reindex(s.index).fillna(0)).sum())
        at24 = float((s * cn2024.reindex(s.index).fillna(0)).sum())
        total17 += at17
        cover.append(f"List {g}: {len(s)} chapters; covered China imports {at24 / 1e9:,.1f} bn at "
                     f"2024 values, {at17 / 1e9:,.1f} bn at 2017 chapter values "
                     f"(announced {text})")
    cover.append(f"Lists 1-4A together: {total17 / 1e9:,.1f} bn = "
                 f"{total17 / cn2017.sum() * 100:.1f} % of 2017 China imports for consumption "
                 f"({cn2017.sum() / 1e9:,.1f} bn); PIIE: 66.4 % covered after Feb 2020")
    for c in cover:
        print(c)

    sources = [f"shared/data/tariff_measures.csv {mid}: {measures.loc[mid, 'source']}"
               for _, mid, _, _ in STEPS]
    sources += [f"shares: shared/data/{LISTS} (HTS8 lists) weighted by shared/data/{HS10} "
                "(China, 2024 imports for consumption, S5): 2024 weights stand in for 2017"]
    head = [
        "# Generated by tools/make_replay_scenario.py from the shared data; do not edit by hand.",
        "# The 2018-19 Section 301 tariffs on China (Lists 1, 2, 3 at 10 % then 25 %, 4A at 15 %),",
        "# one [[tariff]] per list step x chapter, for tradesim.load_baseline(\"hs2\", year=2017).",
        "# share = part of the chapter's China imports on the list, by 2024 HS10 weights (no 2017",
        "# China detail below the chapter exists in the shared data); a line on several lists",
        "# counts once, for the first list. List 4B never applied; 301 product exclusions,",
        "# List 3's in-transit 10 % (to 2019-06-14), AD/CVD and Section 232 are not modelled.",
        "# Coverage check (2024 weights understate the 2017 coverage of the listed lines):",
        *[f"#   {c}" for c in cover],
        "",
        "[scenario]",
        'name = "us-china-2018-19"',
        'title = "2018-19 replay: Section 301 Lists 1-4A on China, chapter level"',
        "description = " + toml_str(
            "The US Section 301 tariffs on Chinese goods of 2018-19 on the 2017 chapter baseline "
            "(imports for consumption): List 1 25 % from 2018-07-06, List 2 25 % from 2018-08-23, "
            "List 3 10 % from 2018-09-24 and 25 % from 2019-05-10, List 4A 15 % from 2019-09-01. "
            "Nothing else changes: no other 2018-19 shock (Section 232, China's retaliation, "
            "exchange rates, demand) is in the model, and baseline growth is zero."),
        "base_year = 2017",
        "horizon = 2019",
        "sources = [",
        *[f"  {toml_str(s)}," for s in sources],
        "]",
    ]
    lines += head
    for groups, mid, prefix, _ in STEPS:
        row = measures.loc[mid]
        s = share[share["group"] == groups[0]].sort_values("hs2")
        rate = float(row["rate_pct"])
        for hs2, sh in zip(s["hs2"], s["share"], strict=True):
            lines += [
                "",
                "[[tariff]]",
                f'id = "{prefix}-{hs2}"',
                'importer = "USA"',
                'exporters = ["CHN"]',
                f'products = ["{hs2}"]',
                f"rate = {rate:g}",
                'mode = "add"',
                f"share = {sh:.4f}",
                f"from = {row['effective_from']}",
                *([f"to = {row['effective_to']}"] if row["effective_to"] else []),
                f'source = "shared/data/tariff_measures.csv {mid}"',
                "note = " + toml_str(
                    f"List {groups[0]} HTS8 lines' share of chapter {hs2} China imports, 2024 "
                    "weights (assumption: stand-in for 2017)"),
            ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines) + "\n"
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    n = sum(1 for x in lines if x == "[[tariff]]")
    print(f"wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}: {n} measures")
    return 0


if __name__ == "__main__":
    sys.exit(main())

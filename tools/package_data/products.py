"""The product axis: negotiation-line splits, HS chapter names and sections, HS6 names."""
from __future__ import annotations

import pandas as pd

from package_data.common import HS_SECTIONS, PRODUCT_SPLITS, WCO_SOURCE, Build, read_csv


# ---------------------------------------------------------------------------------------
# 8. product splits (written first; preserves rows appended by other contributors)
# ---------------------------------------------------------------------------------------
def build_product_splits(sh: Build) -> pd.DataFrame:
    """product_splits.csv: negotiation lines split out of their chapters (HS4/HS6 codes).

    Codes with no trade in both the US-import HS6 file and the US-export HS6 file are
    dropped.  Existing rows of the file (including rows appended by others) are kept
    verbatim and in order; only missing base rows are appended, so the file is rewritten
    only when a base row is missing."""
    imp = sh.imports_hs6()
    exp = sh.exports_hs6()
    imp_codes = imp.loc[imp["value_usd"] > 0, "hs6"].unique()
    exp_codes = exp.loc[exp["value_usd"] > 0, "hs6"].unique()

    def has_trade(code: str) -> bool:
        return any(c.startswith(code) for c in imp_codes) or any(c.startswith(code) for c in exp_codes)

    base = pd.DataFrame(PRODUCT_SPLITS, columns=["code", "name", "side", "reason"])
    dropped = [c for c in base["code"] if not has_trade(c)]
    base = base[~base["code"].isin(dropped)]
    sh.stats["splits_dropped"] = dropped
    sh.stats["splits_880000_in_exports"] = bool((exp["hs6"] == "880000").any())
    sh.stats["splits_no_vn_trade"] = [
        c for c in base["code"]
        if not (imp[(imp["exporter"] == "VNM") & imp["hs6"].str.startswith(c)]["value_usd"].sum() > 0
                or exp[exp["hs6"].str.startswith(c)]["value_usd"].sum() > 0)]

    path = sh.out / "product_splits.csv"
    if path.exists():
        cur = read_csv(path)
        if list(cur.columns) != ["code", "name", "side", "reason"]:
            raise SystemExit(f"{path}: unexpected columns {list(cur.columns)}")
        missing = base[~base["code"].isin(cur["code"])]
        if len(missing):
            sh.write_table(pd.concat([cur, missing], ignore_index=True), "product_splits.csv")
        out = read_csv(path)
    else:
        sh.write_table(base, "product_splits.csv")
        out = read_csv(path)
    bad = out[~out["code"].str.fullmatch(r"\d{4}|\d{6}") | ~out["side"].isin(["import", "export", "both"])]
    if len(bad):
        raise SystemExit(f"product_splits.csv: malformed rows:\n{bad}")
    if out["code"].duplicated().any():
        raise SystemExit("product_splits.csv: duplicate codes " + str(out.loc[out['code'].duplicated(), 'code'].tolist()))
    return out

# ---------------------------------------------------------------------------------------
# 9. HS chapters
# ---------------------------------------------------------------------------------------
def build_hs_chapters(sh: Build, chapter_sets: list[set[str]]) -> pd.DataFrame:
    """hs_chapters.csv: every chapter seen in the data, with Census name and WCO section."""
    chapters = sorted(set().union(*chapter_sets))
    names = pd.concat([sh.vn_chapters(), sh.vn_chapters_alt()])
    names = names[names["description"] != ""].sort_values(["hs2", "year"])
    name_of = names.groupby("hs2")["description"].last().to_dict()  # latest-year description
    rows = []
    for h in chapters:
        n = int(h)
        sec = [s for s in HS_SECTIONS if s[1] <= n <= s[2]]
        if not sec:
            raise SystemExit(f"chapter {h} has no HS section")
        if h not in name_of:
            raise SystemExit(f"chapter {h} has no Census description")
        rows.append((h, name_of[h], sec[0][0], sec[0][3],
                     f"name: Census description in us_vn_trade_by_chapter.csv (S1/S2/S3); section: {WCO_SOURCE}"))
    out = pd.DataFrame(rows, columns=["hs2", "name", "section", "section_name", "source"])
    sh.write_table(out, "hs_chapters.csv")
    return out

# ---------------------------------------------------------------------------------------
# 10. HS6 names
# ---------------------------------------------------------------------------------------
def build_hs6_names(sh: Build) -> pd.DataFrame:
    """hs6_names.csv.gz: first HS10 description per HS6 (import HTS file, then export Schedule B)."""
    imp = sh.get("raw/us_imports_from_vn_hs10_2024_consumption.csv")
    imp = imp.sort_values("hs10").assign(hs6=lambda d: d["hs10"].str[:6])
    a = imp.groupby("hs6", as_index=False)["description"].first()
    a["source"] = ("S5 raw/us_imports_from_vn_hs10_2024_consumption.csv: first HTS10 description in the HS6 "
                   "(description of one HS10 line, not an official HS6 title)")
    ex = sh.get("raw/us_exports_to_vn_hs10_monthly_2013-01_2026-01.parquet")
    ex = ex[["hs10", "E_COMMODITY_SDESC", "time"]].sort_values(["hs10", "time"])
    ex = ex.groupby("hs10", as_index=False).last()  # latest description of each HS10
    ex = ex.assign(hs6=ex["hs10"].str[:6]).sort_values("hs10").groupby("hs6", as_index=False)["E_COMMODITY_SDESC"].first()
    ex = ex.rename(columns={"E_COMMODITY_SDESC": "description"})
    ex = ex[~ex["hs6"].isin(a["hs6"])]
    ex["source"] = ("S1 raw/us_exports_to_vn_hs10_monthly_2013-01_2026-01.parquet: first Schedule B HS10 short "
                    "description in the HS6 (latest month; not an official HS6 title)")
    out = pd.concat([a, ex]).rename(columns={"description": "name"})
    out["name"] = out["name"].str.strip()
    out = out[out["name"] != ""][["hs6", "name", "source"]].sort_values("hs6")
    sh.write_table(out, "hs6_names.csv.gz")
    return out

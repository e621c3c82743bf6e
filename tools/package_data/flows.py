"""Trade flows: US imports by partner x HS6 (2024) and by chapter, US exports to Vietnam,
the chapter histories, the 2017 consumption baseline and the headline totals."""
from __future__ import annotations

import pandas as pd

from package_data.common import (
    BASE_YEAR,
    GENERAL_2024_EXPORTERS,
    VN_EXPORTS_2024,
    VN_IMPORTS_2024_GENERAL,
    Build,
    hs2_of,
    read_csv,
    short_source,
)


# ---------------------------------------------------------------------------------------
# 1. US imports by partner x HS6, 2024
# ---------------------------------------------------------------------------------------
def build_us_imports_hs6(sh: Build) -> pd.DataFrame:
    """us_imports_hs6_2024.csv.gz: imports for consumption + calculated duty, partner x HS6."""
    df = sh.imports_hs6()
    df["source"] = ("S5 tradewartracker/trade-war-redux-2025@726c595 2024-hs10-imports"
                    + df["cty_code"] + " CON_VAL_YR/CAL_DUT_YR")
    out = df[["exporter", "hs6", "value_usd", "duty_usd", "source"]].sort_values(["exporter", "hs6"])
    if out.duplicated(["exporter", "hs6"]).any():
        raise SystemExit("duplicate (exporter, hs6) in HS6 import file")
    sh.write_table(out, "us_imports_hs6_2024.csv.gz")
    sh.stats["hs6_total"] = int(out["value_usd"].sum())
    sh.stats["hs6_vn_total"] = int(out.loc[out["exporter"] == "VNM", "value_usd"].sum())
    sh.stats["hs6_partners"] = int(out["exporter"].nunique())
    return out

# ---------------------------------------------------------------------------------------
# 2. US general imports by chapter, 2024 (headline basis)
# ---------------------------------------------------------------------------------------
def build_us_imports_hs2_general(sh: Build) -> pd.DataFrame:
    """us_imports_hs2_general_2024.csv: Census general imports by chapter for WORLD and the
    18 main suppliers (S3).  Vietnam comes from us_vn_trade_by_chapter.csv."""
    comp = sh.competitor()
    c24 = comp[(comp["year"] == BASE_YEAR) & comp["exporter_iso"].isin(GENERAL_2024_EXPORTERS)
               & (comp["exporter_iso"] != "VNM")]
    c24 = c24.rename(columns={"exporter_iso": "exp"})[["exp", "hs2", "value_usd", "basis", "source"]]
    vn = sh.vn_chapters()
    vn = vn[(vn["year"] == str(BASE_YEAR)) & (vn["flow"] == "us_imports_from_vn")]
    vn = vn.assign(exp="VNM")[["exp", "hs2", "value_usd", "basis", "source"]]
    out = pd.concat([c24, vn]).rename(columns={"exp": "exporter"})
    out["source"] = out["source"].map(short_source)
    out = out.sort_values(["exporter", "hs2"]).reset_index(drop=True)
    assert set(out["exporter"]) == set(GENERAL_2024_EXPORTERS), set(GENERAL_2024_EXPORTERS) - set(out["exporter"])
    assert (out["basis"] == "general_imports_customs_value").all()
    sh.write_table(out, "us_imports_hs2_general_2024.csv")

    # checks: VN total vs Census country total; WORLD vs raw S3 total; cross-check raw file
    vn_total = int(out.loc[out["exporter"] == "VNM", "value_usd"].sum())
    world_total = int(out.loc[out["exporter"] == "WORLD", "value_usd"].sum())
    totals = sh.get("us_vn_totals.csv")
    t = totals[(totals["year"] == "2024") & (totals["reporter"] == "USA") & (totals["flow"] == "us_imports_from_vn")]
    target = int(t["value_usd"].iloc[0])
    assert target == VN_IMPORTS_2024_GENERAL
    sh.check("VN 2024 US general imports (chapter sum vs us_vn_totals.csv)", vn_total, target, hard=True)
    raw = sh.get("raw/census_us_general_imports_by_country_hs2_annual_2023_2024.csv")
    raw = raw[raw["year"] == "2024"]
    raw_world = float(pd.to_numeric(raw.loc[raw["CTY_CODE"] == "-", "general_imports_usd"]).sum())
    sh.check("WORLD 2024 US general imports (chapter sum vs raw S3 TOTAL)", world_total, raw_world, hard=False)
    sh.check("WORLD 2024 US general imports vs published 3,266.41 bn", world_total, 3_266.41e9, hard=False)
    raw_vn = float(pd.to_numeric(raw.loc[raw["CTY_CODE"] == "5520", "general_imports_usd"]).sum())
    sh.check("VN 2024 general imports vs raw S3 country file", vn_total, raw_vn, hard=False)
    eu_sum = int(out.loc[out["exporter"] == "EU", "value_usd"].sum())
    sh.stats.update(vn_general_2024=vn_total, world_general_2024=world_total, eu_general_2024=eu_sum,
                 coverage_hs6_vs_world=sh.stats["hs6_total"] / world_total)
    print(f"INFO coverage: HS6 partner file (consumption, {sh.stats['hs6_partners']} partners) "
          f"= {sh.stats['hs6_total'] / 1e9:,.2f} bn = {sh.stats['coverage_hs6_vs_world'] * 100:.2f} % "
          f"of WORLD general imports (mixed bases)")
    return out

# ---------------------------------------------------------------------------------------
# 3. US exports to VN by HS6 and year
# ---------------------------------------------------------------------------------------
def build_us_exports_hs6(sh: Build) -> pd.DataFrame:
    """us_exports_to_vn_hs6.csv.gz: US total exports (f.a.s., Schedule B) to VN, HS6 x year."""
    df = sh.exports_hs6()
    df = df[df["value_usd"] != 0].copy()
    df["source"] = "S1 tradewartracker/us-exports-hs10@acb20b8 ALL_VAL_MO (HS10 summed to HS6)"
    out = df[["year", "hs6", "value_usd", "source"]].sort_values(["year", "hs6"])
    sh.write_table(out, "us_exports_to_vn_hs6.csv.gz")
    tot = sh.get("us_vn_totals.csv")
    t = tot[(tot["year"] == "2024") & (tot["reporter"] == "USA") & (tot["flow"] == "us_exports_to_vn")]
    target = int(t["value_usd"].iloc[0])
    assert target == VN_EXPORTS_2024
    exp24 = int(out.loc[out["year"] == BASE_YEAR, "value_usd"].sum())
    sh.check("VN 2024 US exports (HS6 sum vs us_vn_totals.csv)", exp24, target, hard=True)
    sh.stats["vn_exports_2024"] = exp24
    sh.stats["vn_exports_2025"] = int(out.loc[out["year"] == 2025, "value_usd"].sum())
    return out

# ---------------------------------------------------------------------------------------
# 12. chapter histories for backtests
# ---------------------------------------------------------------------------------------
def build_vn_histories(sh: Build, exports_hs6: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """us_imports_from_vn_hs2_history.csv / us_exports_to_vn_hs2_history.csv (year, hs2, basis)."""
    cols = ["year", "hs2", "value_usd", "basis", "source"]
    main = sh.vn_chapters()
    alt = sh.vn_chapters_alt()
    both = pd.concat([main, alt])
    imp = both[(both["flow"] == "us_imports_from_vn") & both["year"].str.fullmatch(r"\d{4}")].copy()
    imp["year"] = imp["year"].astype(int)
    imp["source"] = imp["source"].map(short_source)
    imp = imp[cols].sort_values(["year", "basis", "hs2"])
    if imp.duplicated(["year", "hs2", "basis"]).any():
        raise SystemExit("duplicate (year, hs2, basis) in VN import history")
    sh.write_table(imp, "us_imports_from_vn_hs2_history.csv")
    sh.stats["imp_hist_years"] = imp.groupby("basis")["year"].agg(lambda s: sorted(set(s))).to_dict()

    ex = exports_hs6.assign(hs2=hs2_of(exports_hs6["hs6"]))
    ex = ex.groupby(["year", "hs2"], as_index=False)["value_usd"].sum()
    ex["basis"] = "total_exports_fas_value"
    ex["source"] = "S1 tradewartracker/us-exports-hs10@acb20b8 ALL_VAL_MO (HS10 summed to HS2)"
    ex = ex[cols].sort_values(["year", "hs2"])
    sh.write_table(ex, "us_exports_to_vn_hs2_history.csv")
    # cross-check against the chapter file (2017-2025) and the alt file (2013-2016)
    ref = both[both["flow"] == "us_exports_to_vn"].copy()
    ref["year"] = ref["year"].astype(int)
    m = ex.merge(ref[["year", "hs2", "value_usd"]], on=["year", "hs2"], how="outer", suffixes=("", "_ref")).fillna(0)
    maxdiff = float((m["value_usd"] - m["value_usd_ref"]).abs().max())
    sh.checks.append(("export chapter history", f"US exports to VN by chapter 2013-2025 (HS6 sums) vs shared chapter files: max abs diff {maxdiff:,.0f} USD", False))
    print(f"CHECK export chapter history vs shared chapter files: max abs diff {maxdiff:,.0f} USD")
    return imp, ex

# ---------------------------------------------------------------------------------------
# 13. 2017 consumption by chapter, WORLD + top-20 suppliers
# ---------------------------------------------------------------------------------------
def build_us_imports_2017(sh: Build) -> pd.DataFrame:
    """us_imports_hs2_2017_consumption.csv: S2 2017 imports for consumption by chapter."""
    comp = sh.competitor()
    c = comp[comp["year"] == 2017].rename(columns={"exporter_iso": "exp"})
    out = c[["exp", "hs2", "value_usd", "basis", "source"]].rename(columns={"exp": "exporter"})
    out["source"] = out["source"].map(short_source)
    out = out.sort_values(["exporter", "hs2"])
    sh.write_table(out, "us_imports_hs2_2017_consumption.csv")
    sh.stats["n_2017_exporters"] = int(out["exporter"].nunique())
    return out

# ---------------------------------------------------------------------------------------
# 14. chapter history 2017-2020 (chapter baseline for the 2018-19 replay)
# ---------------------------------------------------------------------------------------
CONSUMPTION_YEARS = (2017, 2018, 2019, 2020)
CONSUMPTION_BASIS = "imports_for_consumption_customs_value"


def build_us_imports_hs2_consumption(sh: Build) -> pd.DataFrame:
    """us_imports_hs2_consumption_2017_2020.csv: imports for consumption by chapter, 2017-2020,
    WORLD and the 20 suppliers of S2 (competitor file), Vietnam from the VN chapter file."""
    cols = ["year", "exporter", "hs2", "value_usd", "basis", "source"]
    comp = sh.competitor()
    c = comp[comp["year"].isin(CONSUMPTION_YEARS)].copy()
    if not (c["basis"] == CONSUMPTION_BASIS).all():
        raise SystemExit("competitor 2017-2020 rows are not all imports for consumption")
    c["exporter"] = c["exporter_iso"]
    vn = sh.vn_chapters()
    vn = vn[(vn["flow"] == "us_imports_from_vn")
            & vn["year"].isin([str(y) for y in CONSUMPTION_YEARS])].copy()
    vn["year"] = vn["year"].astype(int)
    vn["exporter"] = "VNM"
    if not (vn["basis"] == CONSUMPTION_BASIS).all():
        raise SystemExit("VN chapter rows 2017-2020 are not all imports for consumption")
    a = vn.set_index(["year", "hs2"])["value_usd"]
    b = c[c["exporter"] == "VNM"].set_index(["year", "hs2"])["value_usd"]
    diff = float(a.sub(b, fill_value=0).abs().max())
    text = (f"VN 2017-2020 chapters: us_vn_trade_by_chapter.csv vs competitor file VIETNAM rows: "
            f"max abs diff {diff:,.0f} USD")
    sh.checks.append(("vn consumption chapters", text, diff > 0))
    print("CHECK", text)
    out = pd.concat([c[c["exporter"] != "VNM"][cols], vn[cols]], ignore_index=True)
    out["source"] = out["source"].map(short_source)
    out = out.sort_values(["year", "exporter", "hs2"]).reset_index(drop=True)
    if out.duplicated(["year", "exporter", "hs2"]).any():
        raise SystemExit("duplicate (year, exporter, hs2) in the consumption chapter history")
    sh.write_table(out, "us_imports_hs2_consumption_2017_2020.csv.gz")
    totals = out.groupby(["year", "exporter"])["value_usd"].sum()
    for y in CONSUMPTION_YEARS:
        named = totals.loc[y].drop("WORLD")
        world = out[(out["year"] == y) & (out["exporter"] == "WORLD")].set_index("hs2")["value_usd"]
        rest = world - out[(out["year"] == y) & (out["exporter"] != "WORLD")].groupby("hs2")[
            "value_usd"].sum().reindex(world.index, fill_value=0)
        if (rest < 0).any():
            raise SystemExit(f"{y}: named suppliers exceed WORLD in chapters {list(rest[rest < 0].index)}")
        sh.stats[f"cons_{y}"] = {"WORLD": int(totals.loc[(y, "WORLD")]), "CHN": int(totals.loc[(y, "CHN")]),
                              "VNM": int(totals.loc[(y, "VNM")]), "ROW": int(rest.sum()),
                              "named": int(named.sum())}
    sh.stats["cons_exporters"] = sorted(set(out["exporter"]) - {"WORLD"})
    return out

# ---------------------------------------------------------------------------------------
# 11. totals copy
# ---------------------------------------------------------------------------------------
def build_totals(sh: Build) -> pd.DataFrame:
    """us_vn_totals.csv: verbatim copy (all columns) of the shared headline totals."""
    src = sh.root / "us_vn_totals.csv"
    data = src.read_bytes()
    path = sh.out / "us_vn_totals.csv"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return read_csv(path)

#!/usr/bin/env python3
"""Build the packaged data files in ``tradesim/data/embedded/`` from the shared source data.

Usage (from the repository root)::

    python tools/build_package_data.py [--shared ../shared/data]

The script reads only the shared (read-only) source files, writes the small packaged
tables that tradesim ships with, writes ``tradesim/data/embedded/SOURCES.md`` and prints the
headline checks.  It exits with a non-zero status if a headline check fails or if any
row of a data CSV lacks a source.

Determinism: rows are sorted, floats use fixed formats, line endings are ``\\n`` and gzip
files are written with ``mtime=0`` and no embedded file name, so two runs on the same
inputs give byte-identical outputs.  Only pandas, numpy and pyarrow are used.
"""
from __future__ import annotations

import argparse
import gzip
import io
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tradesim" / "data" / "embedded"

# ---------------------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------------------
BASE_YEAR = 2024
GROWTH_START = 2017
GROWTH_CAP = 0.10  # assumption: annual growth capped to [-10 %, +10 %]
GROWTH_MIN_USD = 1_000_000  # series below 1 million USD in either year -> fallback

VN_IMPORTS_2024_GENERAL = 136_501_146_900  # us_vn_totals.csv (S4) - checked, not used as input
VN_EXPORTS_2024 = 13_044_118_564  # us_vn_totals.csv (S4) - checked, not used as input
HARD_TOL = 0.005  # the build fails beyond 0.5 %
SOFT_TOL = 0.001  # reported as WARN beyond 0.1 %

# Census CTY_NAME -> ISO3 (EU = Census aggregate 0003, as in tariff_measures.csv)
NAME_TO_ISO = {
    "WORLD": "WORLD", "TOTAL FOR ALL COUNTRIES": "WORLD",
    "BANGLADESH": "BGD", "BRAZIL": "BRA", "CAMBODIA": "KHM", "CANADA": "CAN", "CHINA": "CHN",
    "EUROPEAN UNION": "EU", "FRANCE": "FRA", "GERMANY": "DEU", "HONG KONG": "HKG",
    "INDIA": "IND", "INDONESIA": "IDN", "IRELAND": "IRL", "ISRAEL": "ISR", "ITALY": "ITA",
    "JAPAN": "JPN", "KOREA, SOUTH": "KOR", "MALAYSIA": "MYS", "MEXICO": "MEX",
    "PHILIPPINES": "PHL", "SAUDI ARABIA": "SAU", "SINGAPORE": "SGP", "SWITZERLAND": "CHE",
    "TAIWAN": "TWN", "THAILAND": "THA", "UNITED KINGDOM": "GBR", "VIETNAM": "VNM",
}
EU_MEMBERS_IN_DATA = {"DEU", "FRA", "ITA", "IRL"}  # inside the EU aggregate; never a separate supplier

GENERAL_2024_EXPORTERS = ["WORLD", "VNM", "CHN", "MEX", "CAN", "EU", "JPN", "KOR", "TWN", "IND",
                          "THA", "MYS", "IDN", "KHM", "BGD", "PHL", "SGP", "HKG", "GBR"]

# WCO HS nomenclature: section of each chapter (XXII = special classification provisions,
# used here for national chapters 98-99, which are not part of the WCO HS).
HS_SECTIONS = [
    ("I", 1, 5, "Live animals; animal products"),
    ("II", 6, 14, "Vegetable products"),
    ("III", 15, 15, "Animal, vegetable or microbial fats and oils; prepared edible fats; waxes"),
    ("IV", 16, 24, "Prepared foodstuffs; beverages, spirits and vinegar; tobacco"),
    ("V", 25, 27, "Mineral products"),
    ("VI", 28, 38, "Products of the chemical or allied industries"),
    ("VII", 39, 40, "Plastics and articles thereof; rubber and articles thereof"),
    ("VIII", 41, 43, "Raw hides and skins, leather, furskins and articles thereof; travel goods, handbags"),
    ("IX", 44, 46, "Wood and articles of wood; cork; manufactures of straw; basketware"),
    ("X", 47, 49, "Pulp of wood; recovered paper; paper and paperboard and articles thereof"),
    ("XI", 50, 63, "Textiles and textile articles"),
    ("XII", 64, 67, "Footwear, headgear, umbrellas; prepared feathers; artificial flowers"),
    ("XIII", 68, 70, "Articles of stone, plaster, cement, asbestos, mica; ceramic products; glass"),
    ("XIV", 71, 71, "Pearls, precious stones, precious metals and articles thereof; imitation jewellery; coin"),
    ("XV", 72, 83, "Base metals and articles of base metal"),
    ("XVI", 84, 85, "Machinery and mechanical appliances; electrical equipment; parts thereof"),
    ("XVII", 86, 89, "Vehicles, aircraft, vessels and associated transport equipment"),
    ("XVIII", 90, 92, "Optical, photographic, measuring, medical instruments; clocks and watches; musical instruments"),
    ("XIX", 93, 93, "Arms and ammunition; parts and accessories thereof"),
    ("XX", 94, 96, "Miscellaneous manufactured articles"),
    ("XXI", 97, 97, "Works of art, collectors' pieces and antiques"),
    ("XXII", 98, 99, "Special classification provisions"),
]
WCO_SOURCE = "WCO HS nomenclature section structure"

# Negotiation lines split out of their chapters on the default "mixed" product axis.
PRODUCT_SPLITS = [
    ("8471", "Computers (automatic data-processing machines)", "import", "Largest single VN electronics heading into the US (15.3 bn 2024); on the Apr 11 2025 reciprocal-tariff electronics exemption list"),
    ("847330", "Parts and accessories of computers", "import", "6.0 bn of 2024 US imports from VN; on the Apr 11 2025 electronics exemption list"),
    ("8486", "Semiconductor manufacturing equipment", "import", "Chip supply-chain line on the Apr 11 2025 electronics exemption list; small but strategic"),
    ("8517", "Telephone sets and network apparatus", "both", "20.3 bn of 2024 US imports from VN (phones and network gear); US also exports to VN"),
    ("851713", "Smartphones", "both", "7.8 bn of 2024 US imports from VN; exempted from reciprocal tariffs in April 2025"),
    ("851762", "Network apparatus (routers, switches, modems)", "import", "11.6 bn of 2024 US imports from VN; on the Apr 11 2025 electronics exemption list"),
    ("8524", "Flat panel display modules", "import", "Display modules (new HS 2022 heading); on the Apr 11 2025 electronics exemption list"),
    ("852351", "Solid-state storage (flash drives and SSDs)", "import", "1.6 bn of 2024 US imports from VN; on the Apr 11 2025 electronics exemption list"),
    ("852852", "Monitors for data-processing machines", "import", "Computer monitors; on the Apr 11 2025 electronics exemption list"),
    ("8541", "Semiconductor devices, diodes, solar cells and LEDs", "import", "5.8 bn of 2024 US imports from VN (mostly solar modules); solar AD/CVD orders on VN"),
    ("854141", "Light-emitting diodes (LEDs)", "import", "LEDs, split from solar cells in HS 2022 (854140 -> 854141-49); keeps the solar lines clean"),
    ("854142", "Solar cells not assembled in modules", "import", "Solar cells; solar AD/CVD orders on VN"),
    ("854143", "Solar cells assembled in modules (panels)", "import", "5.5 bn of 2024 US imports from VN; solar AD/CVD orders on VN"),
    ("8542", "Integrated circuits", "both", "Largest US export heading to VN (3.0 bn 2024); also imported from VN; Section 232 semiconductors; electronics exemption list"),
    ("9401", "Seats and parts", "import", "4.9 bn of 2024 US imports from VN; Section 232 wood/upholstered furniture; VN cut its MFN on wooden seats (Decree 73/2025)"),
    ("940161", "Upholstered seats, wooden frame", "import", "3.1 bn of 2024 US imports from VN; Section 232 upholstered wooden furniture 25 % from 2025-10-14"),
    ("9403", "Other furniture and parts", "import", "7.5 bn of 2024 US imports from VN; Section 232 kitchen cabinets/vanities; VN cut its MFN on wooden furniture (Decree 73/2025)"),
    ("940340", "Wooden kitchen furniture (kitchen cabinets)", "import", "1.05 bn of 2024 US imports from VN; Section 232 kitchen cabinets and vanities 25 % from 2025-10-14"),
    ("8703", "Passenger cars", "import", "Section 232 autos (25 % from 2025-04-03); VN cut its MFN on large cars (Decree 73/2025: 64->50 %, 45->32 %)"),
    ("8708", "Motor-vehicle parts", "import", "Section 232 auto parts (from 2025-05-03); 0.6 bn of 2024 US imports from VN"),
    ("4412", "Plywood and laminated wood", "import", "Anti-circumvention AD/CVD on VN hardwood plywood with Chinese inputs"),
    ("8800", "Civil aircraft (Schedule B aggregate 880000)", "export", "Boeing purchase commitments (VNA, Sun PhuQuoc, Vietjet); most US civil aircraft exports to VN are recorded here"),
    ("8802", "Aircraft, spacecraft (HS heading)", "export", "Aircraft deals; 880240 carries aircraft exports not under the Schedule B aggregate 880000"),
    ("8411", "Turbojets and gas turbines", "export", "Aircraft engines (Pratt & Whitney, GE/CFM) and GE Vernova gas turbines in VN purchase packages"),
    ("5201", "Cotton, not carded or combed", "export", "Major US farm export to VN (input for VN textiles/apparel)"),
    ("1201", "Soybeans", "export", "US farm purchase commitments (2025 ag MOUs)"),
    ("1005", "Maize (corn)", "export", "Feed grain in 2025 ag MOUs; VN cut its MFN on corn to 0 (Decree 73/2025)"),
    ("1001", "Wheat and meslin", "export", "US farm purchase commitments (2025 ag MOUs)"),
    ("2304", "Soybean meal (oilcake)", "export", "Feed input in 2025 ag MOUs; VN cut its MFN on soymeal to 0 (Decree 73/2025)"),
    ("2303", "Distillers dried grains (DDGS) and residues", "export", "DDGS feed input in 2025 ag MOUs (POET, Iowa MOUs)"),
    ("2711", "Petroleum gases (LPG and others)", "export", "US energy exports to VN; LPG (271112/13) is the current flow"),
    ("271111", "Liquefied natural gas", "export", "LNG MOUs (Mar 2025); no US exports to VN recorded 2013-2026-01; VN MFN cut 5->2 % (Decree 73/2025)"),
    ("2207", "Ethyl alcohol (ethanol)", "export", "VN MFN cut on ethanol 10->5 % (Decree 73/2025)"),
    ("0207", "Poultry meat and offal", "export", "VN MFN cut on frozen chicken thighs 20->15 % (Decree 73/2025)"),
    ("0203", "Pork", "export", "Pork in the 2025 Iowa ag MOUs; US meat market-access interest"),
    ("0802", "Tree nuts (almonds and others)", "export", "Major US farm export to VN; VN MFN cut on almonds and pistachios to 5 % (Decree 73/2025)"),
]

# Files that hold configuration, not published figures, and so carry no `source` column.
NO_SOURCE_COLUMN = {"product_splits.csv"}

CHECKS: list[tuple[str, str, bool]] = []  # (name, text, hard_fail)
STATS: dict[str, object] = {}


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def read_csv(path: Path, **kw) -> pd.DataFrame:
    """Read a CSV with every column as string (keeps HS leading zeros); no NA guessing."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def to_int(s: pd.Series) -> pd.Series:
    """Parse whole-dollar values (possibly written as '123.0') to int64."""
    return pd.to_numeric(s, errors="raise").round().astype("int64")


def fmt_float(x, nd: int) -> str:
    """Fixed-decimal formatting; NaN -> empty; +inf -> 'inf'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, (float, np.floating)) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    s = f"{float(x):.{nd}f}"
    return "0." + "0" * nd if s == "-0." + "0" * nd else s


def write_table(df: pd.DataFrame, name: str) -> Path:
    """Write df (already sorted, already formatted as strings where needed) to OUT/name.

    ``.csv.gz`` names are gzip-compressed with mtime=0 and no stored file name."""
    path = OUT / name
    text = df.to_csv(index=False, lineterminator="\n")
    data = text.encode("utf-8")
    if name.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def check(name: str, value: float, target: float, hard: bool) -> float:
    """Record a relative-difference check; hard checks fail the build beyond HARD_TOL."""
    rel = value / target - 1.0
    status = "OK" if abs(rel) <= SOFT_TOL else ("WARN" if abs(rel) <= HARD_TOL else "FAIL")
    fail = hard and abs(rel) > HARD_TOL
    text = (f"{name}: {value / 1e9:,.4f} bn vs {target / 1e9:,.4f} bn "
            f"({rel * 100:+.4f} %) -> {status}")
    CHECKS.append((name, text, fail))
    print("CHECK", text)
    return rel


def short_source(s: str) -> str:
    """Compact a shared-data source string: 'S3 github:owner/repo@commit path (Census API GEN_VAL_MO)'
    -> 'S3 owner/repo@commit GEN_VAL_MO' (full citation in SOURCES.md)."""
    sid = s.split()[0]
    repo = re.search(r"github:(\S+)", s)
    field = re.search(r"\b((?:CON|GEN|ALL)_VAL_(?:MO|YR))\b", s)
    if not re.fullmatch(r"S[1-6]", sid) or not repo or not field:
        raise SystemExit(f"unexpected source string: {s!r}")
    return f"{sid} {repo.group(1)} {field.group(1)}"


def cagr(v0: float, v1: float, years: int) -> float:
    return (v1 / v0) ** (1.0 / years) - 1.0


def hs2_of(code: pd.Series) -> pd.Series:
    return code.str[:2]


# ---------------------------------------------------------------------------------------
# loaders (shared inputs)
# ---------------------------------------------------------------------------------------
class Shared:
    """Lazy access to the shared source files."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, pd.DataFrame] = {}

    def get(self, rel: str) -> pd.DataFrame:
        if rel not in self._cache:
            p = self.root / rel
            if p.suffix == ".parquet":
                self._cache[rel] = pd.read_parquet(p)
            else:
                self._cache[rel] = read_csv(p)
        return self._cache[rel]

    def imports_hs6(self) -> pd.DataFrame:
        """us_imports_hs6_by_partner_2024 without the Slovakia rows (already inside EU)."""
        df = self.get("us_imports_hs6_by_partner_2024.csv.gz")
        df = df[df["member_of"] != "EU"].copy()
        df["value_usd"] = to_int(df["value_usd"])
        df["duty_usd"] = to_int(df["duty_usd"])
        return df

    def exports_hs6(self) -> pd.DataFrame:
        """S1 US total exports to VN, HS6 x year, 2013-2025 (2026 = January only, dropped)."""
        df = self.get("raw/us_exports_to_vn_hs6_annual_2013_2026.csv").copy()
        df["year"] = df["year"].astype(int)
        df["value_usd"] = to_int(df["total_exports_usd"])
        return df[(df["year"] >= 2013) & (df["year"] <= 2025)]

    def competitor(self) -> pd.DataFrame:
        df = self.get("competitor_imports_by_chapter.csv").copy()
        df["year"] = df["year"].astype(int)
        df["value_usd"] = to_int(df["value_usd"])
        df["exporter_iso"] = df["exporter"].map(NAME_TO_ISO)
        missing = sorted(set(df.loc[df["exporter_iso"].isna(), "exporter"]))
        if missing:
            raise SystemExit(f"unmapped exporter names in competitor file: {missing}")
        return df

    def vn_chapters(self) -> pd.DataFrame:
        df = self.get("us_vn_trade_by_chapter.csv").copy()
        df["value_usd"] = to_int(df["value_usd"])
        return df

    def vn_chapters_alt(self) -> pd.DataFrame:
        df = self.get("us_vn_trade_by_chapter_alt_basis_and_history.csv").copy()
        df["value_usd"] = to_int(df["value_usd"])
        return df


# ---------------------------------------------------------------------------------------
# 8. product splits (written first; preserves rows appended by other contributors)
# ---------------------------------------------------------------------------------------
def build_product_splits(sh: Shared) -> pd.DataFrame:
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
    STATS["splits_dropped"] = dropped
    STATS["splits_880000_in_exports"] = bool((exp["hs6"] == "880000").any())
    STATS["splits_no_vn_trade"] = [
        c for c in base["code"]
        if not (imp[(imp["exporter"] == "VNM") & imp["hs6"].str.startswith(c)]["value_usd"].sum() > 0
                or exp[exp["hs6"].str.startswith(c)]["value_usd"].sum() > 0)]

    path = OUT / "product_splits.csv"
    if path.exists():
        cur = read_csv(path)
        if list(cur.columns) != ["code", "name", "side", "reason"]:
            raise SystemExit(f"{path}: unexpected columns {list(cur.columns)}")
        missing = base[~base["code"].isin(cur["code"])]
        if len(missing):
            write_table(pd.concat([cur, missing], ignore_index=True), "product_splits.csv")
        out = read_csv(path)
    else:
        write_table(base, "product_splits.csv")
        out = read_csv(path)
    bad = out[~out["code"].str.fullmatch(r"\d{4}|\d{6}") | ~out["side"].isin(["import", "export", "both"])]
    if len(bad):
        raise SystemExit(f"product_splits.csv: malformed rows:\n{bad}")
    if out["code"].duplicated().any():
        raise SystemExit("product_splits.csv: duplicate codes " + str(out.loc[out['code'].duplicated(), 'code'].tolist()))
    return out


# ---------------------------------------------------------------------------------------
# 1. US imports by partner x HS6, 2024
# ---------------------------------------------------------------------------------------
def build_us_imports_hs6(sh: Shared) -> pd.DataFrame:
    """us_imports_hs6_2024.csv.gz: imports for consumption + calculated duty, partner x HS6."""
    df = sh.imports_hs6()
    df["source"] = ("S5 tradewartracker/trade-war-redux-2025@726c595 2024-hs10-imports"
                    + df["cty_code"] + " CON_VAL_YR/CAL_DUT_YR")
    out = df[["exporter", "hs6", "value_usd", "duty_usd", "source"]].sort_values(["exporter", "hs6"])
    if out.duplicated(["exporter", "hs6"]).any():
        raise SystemExit("duplicate (exporter, hs6) in HS6 import file")
    write_table(out, "us_imports_hs6_2024.csv.gz")
    STATS["hs6_total"] = int(out["value_usd"].sum())
    STATS["hs6_vn_total"] = int(out.loc[out["exporter"] == "VNM", "value_usd"].sum())
    STATS["hs6_partners"] = int(out["exporter"].nunique())
    return out


# ---------------------------------------------------------------------------------------
# 2. US general imports by chapter, 2024 (headline basis)
# ---------------------------------------------------------------------------------------
def build_us_imports_hs2_general(sh: Shared) -> pd.DataFrame:
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
    write_table(out, "us_imports_hs2_general_2024.csv")

    # checks: VN total vs Census country total; WORLD vs raw S3 total; cross-check raw file
    vn_total = int(out.loc[out["exporter"] == "VNM", "value_usd"].sum())
    world_total = int(out.loc[out["exporter"] == "WORLD", "value_usd"].sum())
    totals = sh.get("us_vn_totals.csv")
    t = totals[(totals["year"] == "2024") & (totals["reporter"] == "USA") & (totals["flow"] == "us_imports_from_vn")]
    target = int(t["value_usd"].iloc[0])
    assert target == VN_IMPORTS_2024_GENERAL
    check("VN 2024 US general imports (chapter sum vs us_vn_totals.csv)", vn_total, target, hard=True)
    raw = sh.get("raw/census_us_general_imports_by_country_hs2_annual_2023_2024.csv")
    raw = raw[raw["year"] == "2024"]
    raw_world = float(pd.to_numeric(raw.loc[raw["CTY_CODE"] == "-", "general_imports_usd"]).sum())
    check("WORLD 2024 US general imports (chapter sum vs raw S3 TOTAL)", world_total, raw_world, hard=False)
    check("WORLD 2024 US general imports vs published 3,266.41 bn", world_total, 3_266.41e9, hard=False)
    raw_vn = float(pd.to_numeric(raw.loc[raw["CTY_CODE"] == "5520", "general_imports_usd"]).sum())
    check("VN 2024 general imports vs raw S3 country file", vn_total, raw_vn, hard=False)
    eu_sum = int(out.loc[out["exporter"] == "EU", "value_usd"].sum())
    STATS.update(vn_general_2024=vn_total, world_general_2024=world_total, eu_general_2024=eu_sum,
                 coverage_hs6_vs_world=STATS["hs6_total"] / world_total)
    print(f"INFO coverage: HS6 partner file (consumption, {STATS['hs6_partners']} partners) "
          f"= {STATS['hs6_total'] / 1e9:,.2f} bn = {STATS['coverage_hs6_vs_world'] * 100:.2f} % "
          f"of WORLD general imports (mixed bases)")
    return out


# ---------------------------------------------------------------------------------------
# 3. US exports to VN by HS6 and year
# ---------------------------------------------------------------------------------------
def build_us_exports_hs6(sh: Shared) -> pd.DataFrame:
    """us_exports_to_vn_hs6.csv.gz: US total exports (f.a.s., Schedule B) to VN, HS6 x year."""
    df = sh.exports_hs6()
    df = df[df["value_usd"] != 0].copy()
    df["source"] = "S1 tradewartracker/us-exports-hs10@acb20b8 ALL_VAL_MO (HS10 summed to HS6)"
    out = df[["year", "hs6", "value_usd", "source"]].sort_values(["year", "hs6"])
    write_table(out, "us_exports_to_vn_hs6.csv.gz")
    tot = sh.get("us_vn_totals.csv")
    t = tot[(tot["year"] == "2024") & (tot["reporter"] == "USA") & (tot["flow"] == "us_exports_to_vn")]
    target = int(t["value_usd"].iloc[0])
    assert target == VN_EXPORTS_2024
    exp24 = int(out.loc[out["year"] == BASE_YEAR, "value_usd"].sum())
    check("VN 2024 US exports (HS6 sum vs us_vn_totals.csv)", exp24, target, hard=True)
    STATS["vn_exports_2024"] = exp24
    STATS["vn_exports_2025"] = int(out.loc[out["year"] == 2025, "value_usd"].sum())
    return out


# ---------------------------------------------------------------------------------------
# 12. chapter histories for backtests
# ---------------------------------------------------------------------------------------
def build_vn_histories(sh: Shared, exports_hs6: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    write_table(imp, "us_imports_from_vn_hs2_history.csv")
    STATS["imp_hist_years"] = imp.groupby("basis")["year"].agg(lambda s: sorted(set(s))).to_dict()

    ex = exports_hs6.assign(hs2=hs2_of(exports_hs6["hs6"]))
    ex = ex.groupby(["year", "hs2"], as_index=False)["value_usd"].sum()
    ex["basis"] = "total_exports_fas_value"
    ex["source"] = "S1 tradewartracker/us-exports-hs10@acb20b8 ALL_VAL_MO (HS10 summed to HS2)"
    ex = ex[cols].sort_values(["year", "hs2"])
    write_table(ex, "us_exports_to_vn_hs2_history.csv")
    # cross-check against the chapter file (2017-2025) and the alt file (2013-2016)
    ref = both[both["flow"] == "us_exports_to_vn"].copy()
    ref["year"] = ref["year"].astype(int)
    m = ex.merge(ref[["year", "hs2", "value_usd"]], on=["year", "hs2"], how="outer", suffixes=("", "_ref")).fillna(0)
    maxdiff = float((m["value_usd"] - m["value_usd_ref"]).abs().max())
    CHECKS.append(("export chapter history", f"US exports to VN by chapter 2013-2025 (HS6 sums) vs shared chapter files: max abs diff {maxdiff:,.0f} USD", False))
    print(f"CHECK export chapter history vs shared chapter files: max abs diff {maxdiff:,.0f} USD")
    return imp, ex


# ---------------------------------------------------------------------------------------
# 13. 2017 consumption by chapter, WORLD + top-20 suppliers
# ---------------------------------------------------------------------------------------
def build_us_imports_2017(sh: Shared) -> pd.DataFrame:
    """us_imports_hs2_2017_consumption.csv: S2 2017 imports for consumption by chapter."""
    comp = sh.competitor()
    c = comp[comp["year"] == 2017].rename(columns={"exporter_iso": "exp"})
    out = c[["exp", "hs2", "value_usd", "basis", "source"]].rename(columns={"exp": "exporter"})
    out["source"] = out["source"].map(short_source)
    out = out.sort_values(["exporter", "hs2"])
    write_table(out, "us_imports_hs2_2017_consumption.csv")
    STATS["n_2017_exporters"] = int(out["exporter"].nunique())
    return out


# ---------------------------------------------------------------------------------------
# 14. chapter history 2017-2020 and 2017 duty rates (chapter baseline for the 2018-19 replay)
# ---------------------------------------------------------------------------------------
CONSUMPTION_YEARS = (2017, 2018, 2019, 2020)
CONSUMPTION_BASIS = "imports_for_consumption_customs_value"
S301_LISTS = "raw/budgetlab/tariff-rate-tracker/resources/s301_product_lists.csv"
# Section 301 rates in force through calendar 2024 on the 2018-19 lists (4A cut to 7.5 % on
# 2020-02-14; 4B never applied). The 2024 four-year-review steps (from 2024-09-27) are not
# subtracted (see SOURCES.md).
S301_2024_RATES = {"1": 0.25, "2": 0.25, "3": 0.25, "3_addl": 0.25, "4A": 0.075}
PIIE_CHINA_2017 = 0.038  # competitor_tariffs_NOTES.md: PIIE average US tariff on China before July 2018
VN_DUTY_SOURCE = ("S2 tradewartracker/us-imports-hs2@5530afc CON_VAL_MO/CAL_DUT_MO "
                  "(raw/us_imports_from_vn_hs2_monthly_consumption_2013-01_2021-06.csv)")


def build_us_imports_hs2_consumption(sh: Shared) -> pd.DataFrame:
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
    CHECKS.append(("vn consumption chapters", text, diff > 0))
    print("CHECK", text)
    out = pd.concat([c[c["exporter"] != "VNM"][cols], vn[cols]], ignore_index=True)
    out["source"] = out["source"].map(short_source)
    out = out.sort_values(["year", "exporter", "hs2"]).reset_index(drop=True)
    if out.duplicated(["year", "exporter", "hs2"]).any():
        raise SystemExit("duplicate (year, exporter, hs2) in the consumption chapter history")
    write_table(out, "us_imports_hs2_consumption_2017_2020.csv.gz")
    totals = out.groupby(["year", "exporter"])["value_usd"].sum()
    for y in CONSUMPTION_YEARS:
        named = totals.loc[y].drop("WORLD")
        world = out[(out["year"] == y) & (out["exporter"] == "WORLD")].set_index("hs2")["value_usd"]
        rest = world - out[(out["year"] == y) & (out["exporter"] != "WORLD")].groupby("hs2")[
            "value_usd"].sum().reindex(world.index, fill_value=0)
        if (rest < 0).any():
            raise SystemExit(f"{y}: named suppliers exceed WORLD in chapters {list(rest[rest < 0].index)}")
        STATS[f"cons_{y}"] = {"WORLD": int(totals.loc[(y, "WORLD")]), "CHN": int(totals.loc[(y, "CHN")]),
                              "VNM": int(totals.loc[(y, "VNM")]), "ROW": int(rest.sum()),
                              "named": int(named.sum())}
    STATS["cons_exporters"] = sorted(set(out["exporter"]) - {"WORLD"})
    return out


def _rate(df: pd.DataFrame, keys: list[str], value: str = "value_usd", duty: str = "duty_usd") -> pd.Series:
    g = df.groupby(keys)[[value, duty]].sum()
    g = g[g[value] > 0]
    return g[duty] / g[value]


def build_us_duty_hs2_2017(sh: Shared, hs6: pd.DataFrame, cons: pd.DataFrame) -> pd.DataFrame:
    """us_duty_hs2_2017.csv: 2017 duty rate (calculated duty / customs value) by supplier x chapter.

    Vietnam: the 2017 calculated duty (S2). Everyone else: proxies from 2024 calculated duty
    (no 2017 duty by partner exists in the shared data), see SOURCES.md."""
    v17 = cons[cons["year"] == 2017]
    # Vietnam: actual 2017 calculated duty
    m = sh.get("raw/us_imports_from_vn_hs2_monthly_consumption_2013-01_2021-06.csv")
    m = m[m["month"].str[:4] == "2017"].copy()
    m["value_usd"] = to_int(m["imports_for_consumption_usd"])
    m["duty_usd"] = to_int(m["calculated_duty_usd"])
    vn = m.groupby("hs2")[["value_usd", "duty_usd"]].sum()
    vn_chapters = v17[v17["exporter"] == "VNM"].set_index("hs2")["value_usd"]
    diff = float(vn["value_usd"].sub(vn_chapters, fill_value=0).abs().max())
    text = f"VN 2017 duty file values vs VN 2017 chapter values: max abs diff {diff:,.0f} USD"
    CHECKS.append(("vn duty 2017 values", text, diff > 0))
    print("CHECK", text)

    # 2024 calculated duty / value by chapter: pooled over every non-China partner, and own
    h = hs6.assign(hs2=hs2_of(hs6["hs6"]))
    pooled = _rate(h[h["exporter"] != "CHN"], ["hs2"])
    pooled_all = float(h.loc[h["exporter"] != "CHN", "duty_usd"].sum()
                       / h.loc[h["exporter"] != "CHN", "value_usd"].sum())
    own = _rate(h, ["exporter", "hs2"])

    # China: 2024 calculated duty net of the statutory Section 301 rate, HS10 line by line
    h10 = sh.get("us_imports_hs10_by_partner_2024.csv.gz")
    cn = h10[h10["exporter"] == "CHN"].copy()
    cn["value_usd"] = to_int(cn["value_usd"])
    cn["duty_usd"] = to_int(cn["duty_usd"])
    lists = sh.get(S301_LISTS)
    lists = lists[lists["list"].isin(S301_2024_RATES)]
    s301 = lists.assign(r=lists["list"].map(S301_2024_RATES)).groupby("hts8")["r"].max()
    cn["s301"] = cn["hs10"].str[:8].map(s301).fillna(0.0)
    cn["net_usd"] = (cn["duty_usd"] - cn["value_usd"] * cn["s301"]).clip(lower=0.0)
    cn["hs2"] = hs2_of(cn["hs10"])
    cn_rate = _rate(cn, ["hs2"], duty="net_usd")
    STATS["cn_2024_duty"] = (int(cn["value_usd"].sum()), int(cn["duty_usd"].sum()),
                             float((cn["value_usd"] * cn["s301"]).sum()), float(cn["net_usd"].sum()))

    src_own = "derived proxy: S5 us_imports_hs6_2024 CAL_DUT_YR/CON_VAL_YR (supplier x chapter)"
    src_pool = "derived proxy: S5 us_imports_hs6_2024 CAL_DUT_YR/CON_VAL_YR (chapter; all but CHN)"
    src_cn = ("derived proxy: S5 us_imports_hs10_by_partner_2024 (CHN) less statutory S301 "
              "(budgetlab s301_product_lists.csv)")
    m_pool = "proxy: 2024 duty/value by chapter, all partners but China (MFN stand-in)"
    m_pool_all = "proxy: 2024 duty/value, all goods, all partners but China"
    rows = []

    def pooled_row(e: str, hs2: str, why: str = "") -> tuple:
        if hs2 in pooled.index:
            return (e, hs2, float(pooled[hs2]), "", m_pool + why, src_pool)
        return (e, hs2, pooled_all, "", m_pool_all + why, src_pool)

    for e in sorted(set(v17["exporter"]) - {"WORLD"}):
        chapters = v17[(v17["exporter"] == e) & (v17["value_usd"] > 0)]["hs2"]
        for hs2 in sorted(chapters):
            if e == "VNM":
                d = int(vn.loc[hs2, "duty_usd"])
                rows.append((e, hs2, d / float(vn.loc[hs2, "value_usd"]), str(d),
                             "actual: 2017 calculated duty / value", VN_DUTY_SOURCE))
            elif e == "CHN":
                if hs2 in cn_rate.index:
                    rows.append((e, hs2, float(cn_rate[hs2]), "",
                                 "proxy: China 2024 duty net of statutory S301 (HTS10, clipped at 0)",
                                 src_cn))
                else:
                    rows.append(pooled_row(e, hs2, "; no 2024 China imports in chapter"))
            else:
                key = "EU" if e in EU_MEMBERS_IN_DATA else e
                if (key, hs2) in own.index:
                    who = "EU aggregate" if key == "EU" else "the supplier's own"
                    rows.append((e, hs2, float(own[(key, hs2)]), "",
                                 f"proxy: {who} 2024 duty/value by chapter", src_own))
                else:
                    rows.append(pooled_row(e, hs2, "; no 2024 imports from supplier in chapter"))
    for hs2 in sorted(v17.loc[v17["exporter"] == "WORLD", "hs2"]):
        rows.append(pooled_row("ROW", hs2))
    out = pd.DataFrame(rows, columns=["exporter", "hs2", "rate", "duty_usd", "method", "source"])

    # checks of the proxies (reported in SOURCES.md)
    w = v17.set_index(["exporter", "hs2"])["value_usd"]
    r = out.set_index(["exporter", "hs2"])["rate"]

    def avg(e: str, rates: pd.Series) -> float:
        vals = w.loc[e]
        return float((rates.reindex(vals.index).fillna(pooled_all) * vals).sum() / vals.sum())

    vn_actual = avg("VNM", r.loc["VNM"])
    vn_proxy = avg("VNM", own.loc["VNM"])
    vn_pool = avg("VNM", pooled)
    err = (own.loc["VNM"].reindex(vn.index).fillna(pooled_all) - r.loc["VNM"]).abs()
    vn_mae = float((err * vn["value_usd"]).sum() / vn["value_usd"].sum())
    STATS["duty17"] = {
        "vn_actual": vn_actual, "vn_own2024": vn_proxy, "vn_pooled": vn_pool, "vn_mae": vn_mae,
        "cn_proxy": avg("CHN", r.loc["CHN"]), "cn_pooled": avg("CHN", pooled),
        "by_supplier": {e: avg(e, r.loc[e]) for e in ["CHN", "VNM", "MEX", "CAN", "JPN", "DEU"]},
    }
    d = STATS["duty17"]
    print(f"INFO 2017 duty proxies: VN actual {vn_actual:.4f}, VN own-2024 proxy {vn_proxy:.4f} (chapter "
          f"MAE {vn_mae:.4f}), VN pooled {vn_pool:.4f}; CHN net-of-301 {d['cn_proxy']:.4f}, CHN pooled {d['cn_pooled']:.4f} "
          f"(PIIE {PIIE_CHINA_2017:.3f})")
    out["rate"] = out["rate"].map(lambda x: fmt_float(x, 6))
    out = out.sort_values(["exporter", "hs2"]).reset_index(drop=True)
    write_table(out, "us_duty_hs2_2017.csv")
    return out


# ---------------------------------------------------------------------------------------
# 9. HS chapters
# ---------------------------------------------------------------------------------------
def build_hs_chapters(sh: Shared, chapter_sets: list[set[str]]) -> pd.DataFrame:
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
    write_table(out, "hs_chapters.csv")
    return out


# ---------------------------------------------------------------------------------------
# 4. baseline growth
# ---------------------------------------------------------------------------------------
def _cap(g: float) -> tuple[float, bool]:
    c = min(max(g, -GROWTH_CAP), GROWTH_CAP)
    return c, c != g


def _growth_row(v0: float, v1: float) -> tuple[float, str] | None:
    """CAGR 2017->2024 capped; None when the series is missing or too small."""
    if not (v0 >= GROWTH_MIN_USD and v1 >= GROWTH_MIN_USD):
        return None
    g = cagr(v0, v1, BASE_YEAR - GROWTH_START)
    c, capped = _cap(g)
    m = "cagr_2017_2024_capped" + (f" (cap binding; raw {g:+.4f})" if capped else " (cap not binding)")
    return c, m


def build_growth(sh: Shared, hs6: pd.DataFrame, general: pd.DataFrame, exports_hs6: pd.DataFrame,
                 chapters: list[str]) -> pd.DataFrame:
    """growth_hs2.csv: baseline annual growth per market x supplier x chapter (capped CAGR)."""
    years = f"{GROWTH_START}-{BASE_YEAR}"
    rows = []
    comp = sh.competitor()
    c17 = comp[comp["year"] == GROWTH_START]
    v17 = c17.groupby(["exporter_iso", "hs2"])["value_usd"].sum()
    # Vietnam 2017 from the VN chapter file (identical to the competitor rows; S2)
    vn = sh.vn_chapters()
    vn17 = vn[(vn["year"] == "2017") & (vn["flow"] == "us_imports_from_vn")].set_index("hs2")["value_usd"]
    alt = sh.vn_chapters_alt()
    vn24 = alt[(alt["year"] == "2024") & (alt["flow"] == "us_imports_from_vn")].set_index("hs2")["value_usd"]
    v24 = hs6.assign(hs2=hs2_of(hs6["hs6"])).groupby(["exporter", "hs2"])["value_usd"].sum()
    w17 = v17.loc["WORLD"]
    w24 = general[general["exporter"] == "WORLD"].set_index("hs2")["value_usd"]

    src_cons = "derived: S2 (2017) + S5 (2024); cap assumption"
    src_world = "derived: S2 (2017 WORLD) + S3 (2024 WORLD); cap assumption"
    basis_cons = "consumption 2017 and 2024"
    basis_mixed = "mixed: consumption 2017 vs general 2024"

    # WORLD (USA market): all-goods first, then chapters
    wall = _growth_row(float(w17.sum()), float(w24.sum()))
    world_all, world_all_m = wall
    world = {}
    for h in chapters:
        r = _growth_row(float(w17.get(h, 0)), float(w24.get(h, 0)))
        if r is None:
            r = (world_all, f"fallback_world_all_goods (chapter < 1m USD) <- {world_all_m}")
        world[h] = r
        rows.append(("USA", "WORLD", h, r[0], years, basis_mixed, r[1], src_world))
    rows.append(("USA", "WORLD", "all", world_all, years, basis_mixed, world_all_m, src_world))

    with_2017 = sorted({e for e in v17.index.get_level_values(0)} - {"WORLD"} - EU_MEMBERS_IN_DATA)
    no_2017 = sorted(set(GENERAL_2024_EXPORTERS) - {"WORLD"} - set(with_2017)) + ["ROW"]
    for e in with_2017:
        s17 = vn17 if e == "VNM" else v17.loc[e]
        s24 = vn24 if e == "VNM" else v24.loc[e]
        for h in chapters:
            r = _growth_row(float(s17.get(h, 0)), float(s24.get(h, 0)))
            if r is None:
                g, wm = world[h]
                rows.append(("USA", e, h, g, years, basis_mixed,
                             f"fallback_world_chapter (series < 1m USD) <- {wm}", src_world))
            else:
                rows.append(("USA", e, h, r[0], years, basis_cons, r[1], src_cons))
        # all goods: same chapter set in both years (chapters present in either year)
        r = _growth_row(float(s17.sum()), float(s24.sum()))
        rows.append(("USA", e, "all", r[0], years, basis_cons, r[1], src_cons))
    for e in no_2017:
        why = "ROW: no series" if e == "ROW" else "no 2017 data"
        for h in chapters:
            g, wm = world[h]
            rows.append(("USA", e, h, g, years, basis_mixed, f"fallback_world_chapter ({why}) <- {wm}", src_world))
        rows.append(("USA", e, "all", world_all, years, basis_mixed,
                     f"fallback_world_all_goods ({why}) <- {world_all_m}", src_world))

    # Vietnamese market: US exports to VN (S1)
    ex = exports_hs6.assign(hs2=hs2_of(exports_hs6["hs6"])).groupby(["year", "hs2"])["value_usd"].sum()
    e17, e24 = ex.loc[GROWTH_START], ex.loc[BASE_YEAR]
    src_ex = "derived: S1 (US total exports to VN, HS2 sums); cap assumption"
    basis_ex = "total_exports_fas 2017 and 2024"
    ex_all, ex_all_m = _growth_row(float(e17.sum()), float(e24.sum()))
    for h in chapters:
        r = _growth_row(float(e17.get(h, 0)), float(e24.get(h, 0)))
        if r is None:
            r = (ex_all, f"fallback_flow_all_goods (series < 1m USD) <- {ex_all_m}")
        rows.append(("VNM", "USA", h, r[0], years, basis_ex, r[1], src_ex))
    rows.append(("VNM", "USA", "all", ex_all, years, basis_ex, ex_all_m, src_ex))

    out = pd.DataFrame(rows, columns=["importer", "exporter", "hs2", "growth", "years", "basis", "method", "source"])
    out["growth"] = out["growth"].map(lambda x: fmt_float(x, 6))
    out["_k"] = out["hs2"].replace({"all": "zz"})
    out = out.sort_values(["importer", "exporter", "_k"]).drop(columns="_k")
    write_table(out, "growth_hs2.csv")
    STATS["growth_world_all"] = world_all
    STATS["growth_exports_all"] = ex_all
    return out


# ---------------------------------------------------------------------------------------
# 5. elasticities by chapter
# ---------------------------------------------------------------------------------------
def build_elasticities_hs2(sh: Shared) -> pd.DataFrame:
    """elasticities_hs2.csv: sigma/eta/omega/adjustment per importer x chapter with IQR ranges."""
    d = sh.get("elasticities_defaults_hs2.csv")
    e = sh.get("elasticities.csv").copy()
    for c in ["value", "low", "high"]:
        e[c] = pd.to_numeric(e[c].replace("", np.nan))
    bw = e[(e["parameter"] == "substitution") & (e["importer"] == "USA") & (e["scope_type"] == "hs2")
           & (e["nest"] == "import_sources") & e["source"].str.startswith("Broda & Weinstein")].set_index("hs2_or_sector")
    hk = e[(e["parameter"] == "import_demand") & (e["importer"] == "USA") & (e["scope_type"] == "hs2")].set_index("hs2_or_sector")
    vp = e[(e["parameter"] == "substitution") & (e["importer"] == "VNM_proxy") & (e["scope_type"] == "hs2")].set_index("hs2_or_sector")
    bw_all = e[(e["parameter"] == "substitution") & (e["importer"] == "USA") & (e["scope_type"] == "all")
               & e["source"].str.startswith("Broda & Weinstein")].iloc[0]
    hk_all = e[(e["parameter"] == "import_demand") & (e["importer"] == "USA") & (e["scope_type"] == "all")].iloc[0]
    srs = e[(e["parameter"] == "short_run_share") & (e["importer"] == "ALL")].iloc[0]
    for s_ in (bw, hk, vp):
        assert not s_.index.duplicated().any()

    def cs(x):  # clip sigma
        return float(np.clip(x, 1.5, 8.0))

    def ce(x):  # clip eta
        return float(np.clip(x, 0.3, 3.0))

    def omega(v):
        return math.inf if float(v) >= 99 else float(v)

    SRC_BW = "Broda & Weinstein (2006) QJE, BW HTS10 sigma file (elasticities.csv)"
    SRC_HK = "Hauk (2012) Empirical Economics (elasticities.csv)"
    SRC_BGW = "Broda, Greenfield & Weinstein (2006/2017) 73-country HS3 file, VNM_proxy rows (elasticities.csv)"
    SRC_OM = "omega: flat foreign supply, FGKK (2020)/ARW (2019)/CGNT (2021)/Kiel (2026) (99 = inf, WITS convention)"
    SRC_AD = "adjustment: Boehm, Levchenko & Pandalai-Nayar (2023) AER, year-1 share 0.38"
    rows = []
    for _, r in d.iterrows():
        h = r["hs2"]
        sig, eta = float(r["sigma_import_sources"]), float(r["import_demand"])
        if h in bw.index:
            s_lo, s_hi, s_st = cs(bw.loc[h, "low"]), cs(bw.loc[h, "high"]), "sourced_derived"
        else:
            s_lo, s_hi, s_st = cs(bw_all["low"]), cs(bw_all["high"]), "sourced_derived (range: all-goods IQR, chapter missing)"
        if h in hk.index:
            e_lo, e_hi, e_st = ce(hk.loc[h, "low"]), ce(hk.loc[h, "high"]), "sourced_derived"
        else:
            e_lo, e_hi, e_st = ce(hk_all["low"]), ce(hk_all["high"]), "sourced_derived (all-goods median and IQR, chapter missing)"
        # sanity: defaults equal the clipped medians
        if h in bw.index:
            assert abs(cs(bw.loc[h, "value"]) - sig) < 0.006, (h, sig, bw.loc[h, "value"])
        src = (f"sigma: {SRC_BW} via elasticities_defaults_hs2.csv; eta: {SRC_HK} via elasticities_defaults_hs2.csv; "
               f"{SRC_OM}; {SRC_AD}")
        status = f"sigma {s_st}; eta {e_st}; omega assumption (flat supply); adjustment sourced_derived"
        rows.append(["USA", h, sig, eta, omega(r["export_supply"]), float(r["short_run_share"]),
                     s_lo, s_hi, e_lo, e_hi, src, status])
        # Vietnam: sigma from the VNM_proxy rows, eta = US Hauk values as placeholder
        if h in vp.index:
            v_sig, v_lo, v_hi = cs(vp.loc[h, "value"]), cs(vp.loc[h, "low"]), cs(vp.loc[h, "high"])
            v_st = "sigma proxy (median of THA/MYS/IDN/CHN BGW estimates, clipped to [1.5,8])"
            v_src_s = SRC_BGW
        else:
            v_sig, v_lo, v_hi = sig, s_lo, s_hi
            v_st = "sigma proxy: US BW value (no VNM_proxy row for chapter)"
            v_src_s = SRC_BW
        rows.append(["VNM", h, v_sig, eta, omega(r["export_supply"]), float(r["short_run_share"]),
                     v_lo, v_hi, e_lo, e_hi,
                     f"sigma: {v_src_s}; eta: {SRC_HK} (US values); {SRC_OM}; {SRC_AD}",
                     f"{v_st}; eta proxy: US values as placeholder; omega assumption (flat supply); adjustment sourced_derived"])
    om_all = math.inf
    rows.append(["USA", "all", cs(bw_all["value"]), ce(hk_all["value"]), om_all, float(srs["value"]),
                 cs(bw_all["low"]), cs(bw_all["high"]), ce(hk_all["low"]), ce(hk_all["high"]),
                 f"sigma: {SRC_BW}, all-lines median/IQR; eta: {SRC_HK}, all HS6 median/IQR; {SRC_OM}; {SRC_AD}",
                 "sigma sourced_derived; eta sourced_derived; omega assumption (flat supply); adjustment sourced_derived"])
    vp_vals = vp["value"].map(cs)
    rows.append(["VNM", "all", float(np.median(vp_vals)), ce(hk_all["value"]), om_all, float(srs["value"]),
                 float(np.percentile(vp_vals, 25)), float(np.percentile(vp_vals, 75)), ce(hk_all["low"]), ce(hk_all["high"]),
                 f"sigma: {SRC_BGW}, median/IQR over chapters (computed here); eta: {SRC_HK} (US values); {SRC_OM}; {SRC_AD}",
                 "sigma proxy (derived: median of clipped VNM_proxy chapter values); eta proxy: US values as placeholder; "
                 "omega assumption (flat supply); adjustment sourced_derived"])
    out = pd.DataFrame(rows, columns=["importer", "hs2", "sigma", "eta", "omega", "adjustment", "sigma_low",
                                      "sigma_high", "eta_low", "eta_high", "source", "status"])
    for c in ["sigma", "eta", "sigma_low", "sigma_high", "eta_low", "eta_high", "adjustment"]:
        out[c] = out[c].map(lambda x: fmt_float(x, 3))
    out["omega"] = out["omega"].map(lambda x: fmt_float(x, 1))
    out["_k"] = out["hs2"].replace({"all": "zz"})
    out = out.sort_values(["importer", "_k"]).drop(columns="_k")
    write_table(out, "elasticities_hs2.csv")
    return out


def build_elasticities_hs6(sh: Shared) -> pd.DataFrame:
    """elasticities_hs6_us.csv.gz: BW median sigma by HS6, only values within [1.2, 15]."""
    e = sh.get("elasticities_hs6_us.csv").copy()
    e["sigma"] = pd.to_numeric(e["bw_sigma_median"].replace("", np.nan))
    n_all = int(e["sigma"].notna().sum())
    e = e[(e["sigma"] >= 1.2) & (e["sigma"] <= 15)].copy()
    e["sigma"] = e["sigma"].map(lambda x: fmt_float(x, 4))
    e["source"] = ("Broda & Weinstein (2006) QJE; median over HTS10 lines of the BW 1990-2001 file "
                   "(elasticities_hs6_us.csv); HS6 codes of 1989-2001 vintage, not concorded")
    out = e[["hs6", "sigma", "source"]].sort_values("hs6")
    write_table(out, "elasticities_hs6_us.csv.gz")
    STATS["hs6_sigma_kept"] = (len(out), n_all)
    return out


# ---------------------------------------------------------------------------------------
# 7. Vietnam MFN rates
# ---------------------------------------------------------------------------------------
def _digits_codes(scope: str) -> list[tuple[str, str]]:
    """Parse an hs_scope string into (code, note) pairs; HS8 codes are truncated to HS6."""
    out = []
    for part in scope.split(";"):
        m = re.match(r"\s*([0-9][0-9.]*)", part)
        if not m:
            continue
        digits = m.group(1).replace(".", "")
        note = ""
        if len(digits) > 6:
            note = f"HS8 line {m.group(1)} truncated to HS6 {digits[:6]} (rate applied to the whole HS6)"
            digits = digits[:6]
        out.append((digits, note))
    return out


def build_vn_mfn(sh: Shared) -> pd.DataFrame:
    """vn_mfn_rates.csv: Vietnam's applied MFN on US goods: 9.4 % default plus Decree 73/2025 lines
    (pre-cut rate valid to 2025-03-30, post-cut rate valid from 2025-03-31).  HS8 scopes are
    truncated to HS6; two HS8 lines that fall in one HS6 are merged into one row."""
    t = sh.get("tariff_measures.csv")
    vn = t[t["importer"] == "VNM"]
    base = vn[vn["measure_id"] == "VN-MFN-BASE"].iloc[0]
    rows = [("all", float(base["rate_pct"]) / 100, "", "",
             "sourced: WTO simple average applied MFN 2023; used as the default for every line and year (assumption)",
             f"VN-MFN-BASE (tariff_measures.csv): {base['source']}",
             "simple average, not trade-weighted (trade-weighted 5.1 %, 2022); schedule Decree 26/2023 "
             f"(effective {base['effective_from']}, date unsourced); line rates not retrieved")]
    seen: dict[tuple[str, str, str], int] = {}
    for _, r in vn[vn["measure_id"].str.startswith("VN-D73-")].sort_values("measure_id").iterrows():
        flags = re.findall(r"\[[^\]]*unsourced[^\]]*\]", r["hs_scope"])
        flag = ("; " + " ".join(flags)) if flags else ""
        m = re.search(r"previous MFN rate ([0-9.]+)(?:-([0-9.]+))?%", r["notes"])
        desc = r["notes"].split(";")[0]
        src = f"{r['measure_id']} (tariff_measures.csv): {r['source']}"
        for code, tnote in _digits_codes(r["hs_scope"]):
            note_base = f"{r['measure_id']} ({desc}); hs_scope '{r['hs_scope']}'" + (f"; {tnote}" if tnote else "")
            new_rows = []
            if m:
                lo = float(m.group(1))
                if m.group(2):
                    rate = (lo + float(m.group(2))) / 200
                    st = f"assumption: midpoint of stated pre-cut range {m.group(1)}-{m.group(2)} %{flag}"
                else:
                    rate = lo / 100
                    st = f"sourced (pre-cut rate stated in measure notes){flag}"
                new_rows.append((code, rate, "", "2025-03-30", st, src, "pre-Decree 73/2025 MFN rate; " + note_base))
            new_rows.append((code, float(r["rate_pct"]) / 100, r["effective_from"], "",
                             f"sourced (Decree 73/2025 rate){flag}", src,
                             "post-Decree 73/2025 MFN rate" + ("" if m else " (no pre-cut rate stated)") + "; " + note_base))
            for nr in new_rows:
                key = (nr[0], nr[2], nr[3])
                if key in seen:  # two HS8 lines truncated to the same HS6: merge notes, rates must agree
                    old = rows[seen[key]]
                    if abs(old[1] - nr[1]) > 1e-12:
                        raise SystemExit(f"conflicting VN MFN rates for {key}: {old[1]} vs {nr[1]}")
                    extra = nr[6].split("; ")[-1]
                    rows[seen[key]] = old[:6] + (old[6] + "; " + extra,)
                else:
                    seen[key] = len(rows)
                    rows.append(nr)
    out = pd.DataFrame(rows, columns=["hs", "rate", "valid_from", "valid_to", "status", "source", "note"])
    out["rate"] = out["rate"].map(lambda x: fmt_float(x, 4))
    out["_k"] = out["hs"].replace({"all": "0"})
    out = out.sort_values(["_k", "valid_from", "valid_to"]).drop(columns="_k")
    write_table(out, "vn_mfn_rates.csv")
    return out


# ---------------------------------------------------------------------------------------
# 10. HS6 names
# ---------------------------------------------------------------------------------------
def build_hs6_names(sh: Shared) -> pd.DataFrame:
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
    write_table(out, "hs6_names.csv.gz")
    return out


# ---------------------------------------------------------------------------------------
# 11. totals copy
# ---------------------------------------------------------------------------------------
def build_totals(sh: Shared) -> pd.DataFrame:
    """us_vn_totals.csv: verbatim copy (all columns) of the shared headline totals."""
    src = sh.root / "us_vn_totals.csv"
    data = src.read_bytes()
    path = OUT / "us_vn_totals.csv"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return read_csv(path)


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def validate_sources() -> dict[str, tuple[int, int]]:
    """Every data CSV row must carry a non-empty source; also collect rows/sizes."""
    info = {}
    for p in sorted(OUT.iterdir()):
        if not (p.name.endswith(".csv") or p.name.endswith(".csv.gz")):
            continue
        df = read_csv(p)
        info[p.name] = (len(df), p.stat().st_size)
        if p.name in NO_SOURCE_COLUMN:
            continue
        if "source" not in df.columns:
            CHECKS.append((f"source column {p.name}", f"{p.name}: no source column", True))
            continue
        n_bad = int((df["source"].str.strip() == "").sum())
        ok = n_bad == 0
        CHECKS.append((f"source column {p.name}", f"{p.name}: {len(df)} rows, {n_bad} without source", not ok))
        if not ok:
            print(f"FAIL {p.name}: {n_bad} rows without source")
    return info


# ---------------------------------------------------------------------------------------
# SOURCES.md
# ---------------------------------------------------------------------------------------
def _section(md: str, start: str, end: str) -> str:
    i = md.index(start)
    j = md.index(end, i + len(start))
    return md[i:j].strip()


def _replay_sources_md() -> str:
    """The appended SOURCES.md section on the chapter baseline of the 2018-19 replay."""
    c = {y: STATS[f"cons_{y}"] for y in CONSUMPTION_YEARS}
    d = STATS["duty17"]
    cn_v, cn_d, cn_s301, cn_net = STATS["cn_2024_duty"]
    bn = lambda x: f"{x / 1e9:,.2f}"  # noqa: E731
    years = " | ".join(str(y) for y in CONSUMPTION_YEARS)
    line = lambda k: " | ".join(bn(c[y][k]) for y in CONSUMPTION_YEARS)  # noqa: E731
    def chg(k: str) -> str:
        dv, rel = c[2019][k] - c[2017][k], c[2019][k] / c[2017][k] - 1
        return f"{k} {dv / 1e9:+,.2f} bn ({rel * 100:+.1f} %)".replace("-", "−")

    sup = ", ".join(f"{e} {v * 100:.2f} %" for e, v in d["by_supplier"].items())
    return f"""
## Chapter baseline 2017 and the 2018–19 replay

`tradesim.load_baseline("hs2", year=2017)` builds a chapter-resolution baseline from the two files
below (plus `us_exports_to_vn_hs2_history.csv` for US exports to Vietnam in 2017, `vn_mfn_rates.csv`
for Vietnam's MFN default and `elasticities_hs2.csv`); `scenarios/replay/us-china-2018-19.toml`
replays the 2018–19 Section 301 tariffs on China on it. Basis: **imports for consumption** (the
only basis with chapter detail for 2017–2020), so the 2017 totals differ from the general-imports
headlines (Vietnam 2017: 46.02 bn consumption vs 46.48 bn general).

### `us_imports_hs2_consumption_2017_2020.csv.gz` — `year,exporter,hs2,value_usd,basis,source`
- From: `competitor_imports_by_chapter.csv` 2017–2020 rows (S2, `tradewartracker/us-imports-hs2@5530afc`,
  Census `CON_VAL_MO` summed over the year): WORLD and the 20 largest US suppliers of 2013–2020
  ({", ".join(STATS["cons_exporters"])};
  ISO3 codes; DEU, FRA, ITA and IRL are EU members, and there is no EU aggregate for these years). Vietnam (`VNM`) comes from `us_vn_trade_by_chapter.csv`
  (`us_imports_from_vn`, same S2 series; equal to the competitor file's VIETNAM rows to the dollar).
- Transformations: Census names mapped to ISO3; zero chapters absent (as in the source). No
  rest-of-world rows: ROW = WORLD − the 20 named suppliers, by chapter (never negative here).
- Totals, bn USD (imports for consumption):

  | | {years} |
  |---|---:|---:|---:|---:|
  | WORLD | {line("WORLD")} |
  | CHN | {line("CHN")} |
  | VNM | {line("VNM")} |
  | ROW (WORLD − 20 named) | {line("ROW")} |

  Census 2017→2019: {chg("CHN")}, {chg("VNM")}, {chg("WORLD")}.

### `us_duty_hs2_2017.csv` — `exporter,hs2,rate,duty_usd,method,source`
The 2017 base tariff of the chapter baseline: calculated duty ÷ customs value (fraction) for every
supplier with 2017 imports in a chapter, and `ROW` for every chapter. `method` says which rule
gave each row; `duty_usd` is filled only where the duty is data (Vietnam).
- **Vietnam: actual.** 2017 calculated duty (`CAL_DUT_MO`) and imports for consumption summed over
  the twelve months of `raw/us_imports_from_vn_hs2_monthly_consumption_2013-01_2021-06.csv` (S2);
  its values equal the VNM chapter rows above to the dollar. All goods: {d["vn_actual"] * 100:.2f} %.
- **No 2017 duty by partner exists in the shared data for anyone else** (the S2 competitor series
  was copied without its duty column), so the other rates are **proxies** built from 2024
  calculated duty, on the premise that MFN rates barely moved between 2017 and 2024:
  - **Named suppliers other than China:** the supplier's own 2024 duty ÷ value by chapter
    (`us_imports_hs6_2024.csv.gz`; DEU, FRA, ITA, IRL take the EU aggregate's rates). This keeps the
    preferences that existed in 2017 as well (NAFTA→USMCA, KORUS, Israel, Singapore FTAs). It
    includes the Section 232 steel/aluminium duties paid in 2024 (not in force in 2017) and misses
    the GSP preferences of 2017 (India, Thailand, Brazil; GSP lapsed at the end of 2020), so it
    overstates the 2017 rate in those places. Test on Vietnam, whose 2017 duty is known:
    Vietnam's own 2024 chapter rates at 2017 weights give {d["vn_own2024"] * 100:.2f} % against the
    actual {d["vn_actual"] * 100:.2f} % (value-weighted mean absolute chapter error
    {d["vn_mae"] * 100:.2f} points); the pooled non-China rate below would give
    {d["vn_pooled"] * 100:.2f} %.
  - **China:** Section 301 began in 2018, so China's 2017 rate is MFN. China's 2024 calculated duty
    contains Section 301, so the proxy is China's 2024 duty net of the statutory 301 rate, HS10 line
    by line: `max(0, duty − value × s301)`, with s301 the highest of Lists 1, 2, 3 (25 %) and 4A
    (7.5 %, the rate of 2020-02-14 on) on the line's HTS8 in
    `raw/budgetlab/tariff-rate-tracker/resources/s301_product_lists.csv` (List 4B never applied).
    2024: value {bn(cn_v)} bn, duty {bn(cn_d)} bn, statutory 301 {bn(cn_s301)} bn, net {bn(cn_net)} bn.
    Lines whose 301 duty was excluded are clipped at zero; the four-year-review increases from
    2024-09-27 (EVs, solar cells, syringes, some steel and minerals) are not subtracted, so those
    few lines keep a little 301. Chapters without 2024 China imports take the pooled rate. At 2017
    weights China's proxy is {d["cn_proxy"] * 100:.2f} % (the pooled non-China rate would give
    {d["cn_pooled"] * 100:.2f} %); PIIE gives 3.8 % for the average US tariff on Chinese goods before
    July 2018 (`competitor_tariffs_NOTES.md`), so the proxy is, if anything, low. For the replay only the
    change in China's price, `(1 + t0 + Δ)/(1 + t0)`, matters, and a point of `t0` moves it by
    under 1 %.
  - **ROW** (and any supplier without 2024 imports in a chapter): 2024 duty ÷ value by chapter
    pooled over every partner of `us_imports_hs6_2024.csv.gz` except China — an MFN stand-in that
    is pulled down by FTA partners' duty-free trade.
- Average 2017 rates at 2017 weights: {sup}.
"""


def write_sources_md(sh: Shared, info: dict[str, tuple[int, int]], growth: pd.DataFrame) -> None:
    """tradesim/data/embedded/SOURCES.md: provenance, transformations, assumptions and checks."""
    shared_md = (sh.root / "SOURCES.md").read_text(encoding="utf-8")
    gh_sources = _section(shared_md, "| ID | repository @ commit |", "Census codes used")
    licence = _section(shared_md, "US Census Bureau trade statistics are works", "| ID | repository @ commit |")
    web_sources = _section(shared_md, "| used for | URL | what it says |", "These are secondary reports")
    web_licence = _section(shared_md, "These are secondary reports", "## Valuation bases")

    def row(name, what):
        n, size = info[name]
        return f"| `{name}` | {n:,} | {size / 1024:,.1f} kB | {what} |"

    g = growth[(growth["importer"] == "USA") & (growth["exporter"] == "VNM")].set_index("hs2")
    top = sh.vn_chapters()
    top = top[(top["year"] == "2024") & (top["flow"] == "us_imports_from_vn")].sort_values("value_usd", ascending=False).head(5)
    growth_lines = "\n".join(f"| {h} | {v / 1e9:,.2f} | {g.loc[h, 'growth']} | {g.loc[h, 'method']} |"
                             for h, v in zip(top["hs2"], top["value_usd"], strict=True))
    checks = "\n".join(f"- {'FAIL: ' if fail else ''}{text}" for _, text, fail in CHECKS
                       if not _.startswith("source column"))
    kept, n_all = STATS["hs6_sigma_kept"]
    imp_years = "; ".join(f"{b}: {min(y)}–{max(y)}" + (f" ({', '.join(map(str, y))})" if len(y) != max(y) - min(y) + 1 else "")
                          for b, y in sorted(STATS["imp_hist_years"].items()))

    replay_md = _replay_sources_md()

    md = f"""# tradesim packaged data (`tradesim/data/embedded/`)

Generated by `tools/build_package_data.py` from the shared source data (`shared/data/`, read-only).
Do not edit the data files by hand (except `product_splits.csv`, see below): change the script
and re-run `python tools/build_package_data.py [--shared ../shared/data]`. The build is
deterministic (sorted rows, fixed float formats, gzip with mtime=0), prints the headline checks
and exits non-zero if a check fails or a data row lacks a source.

Units: money in US dollars (nominal, whole dollars); rates and growth as fractions (0.25 = 25 %).
HS codes are strings with leading zeros: read them with `dtype=str`.
Every row of every data CSV carries a `source` (a short ID S1–S5 with repository and path, a
citation, or a URL). Estimated or assumed values say so in `source`, `status` or `method`
(`assumption: …`, `proxy`, `derived`, `fallback…`). No packaged value is taken from a shared row marked
`unsourced_recollection` (the FGKK σ 2.53 / κ 1.19 are not used); such rows would keep that mark. `product_splits.csv` is configuration (which lines to model), not published
figures, so it has no `source` column; its `reason` column says why each line is split out.

## Files

| file | rows | size | what |
|---|---:|---:|---|
{row('us_imports_hs6_2024.csv.gz', 'US imports for consumption and calculated duty, 2024, by partner (EU aggregate + 49 non-EU countries) × HS6. Basis: imports for consumption.')}
{row('us_imports_hs2_general_2024.csv', 'US general imports 2024 by chapter for WORLD and 18 suppliers (headline basis).')}
{row('us_exports_to_vn_hs6.csv.gz', 'US total exports (f.a.s., Schedule B) to Vietnam, HS6 × year, 2013–2025.')}
{row('growth_hs2.csv', 'Baseline annual growth per market × supplier × chapter (capped CAGR 2017→2024).')}
{row('elasticities_hs2.csv', 'σ (between suppliers), η (import demand), ω (foreign supply), year-1 adjustment share, low/high ranges; USA and VNM importers.')}
{row('elasticities_hs6_us.csv.gz', 'Broda–Weinstein σ by HS6 for the US (override of the chapter σ).')}
{row('vn_mfn_rates.csv', "Vietnam's applied MFN rate on US goods: 9.4 % default plus Decree 73/2025 lines.")}
{row('product_splits.csv', 'Negotiation lines (HS4/HS6) split out of their chapters on the default "mixed" product axis.')}
{row('hs_chapters.csv', 'Chapter names (Census) and HS sections (WCO).')}
{row('hs6_names.csv.gz', 'Short HS6 descriptions (first HS10 description of the HS6).')}
{row('us_vn_totals.csv', 'Verbatim copy of the shared headline totals (US Census basis and Vietnamese-side mirror figures).')}
{row('us_imports_from_vn_hs2_history.csv', 'US imports from Vietnam by chapter, history, basis per row.')}
{row('us_exports_to_vn_hs2_history.csv', 'US exports to Vietnam by chapter, 2013–2025.')}
{row('us_imports_hs2_2017_consumption.csv', 'US imports for consumption 2017 by chapter, WORLD and 20 suppliers (for a 2018–19 replay).')}
{row('us_imports_hs2_consumption_2017_2020.csv.gz', 'US imports for consumption by chapter, 2017–2020, WORLD and 20 suppliers (Vietnam from the VN chapter file): the chapter baseline and the Census actuals of the 2018–19 replay.')}
{row('us_duty_hs2_2017.csv', '2017 duty rate (calculated duty ÷ value) by supplier × chapter: actual for Vietnam, documented 2024-based proxies for the others.')}

## Sources

All trade-flow numbers originate from the US Census Bureau International Trade API, taken from
git snapshots of public repositories (table copied from `shared/data/SOURCES.md`):

{gh_sources}

{licence}

Web pages used for the headline and Vietnamese-side totals in `us_vn_totals.csv` (copied from
`shared/data/SOURCES.md`):

{web_sources}

{web_licence}

Elasticity sources (see `shared/data/ELASTICITIES.md`): Broda & Weinstein (2006) "Globalization and
the Gains from Variety", QJE 121(2) — HTS10 σ file `ElasticitiesBrodaWeinstein90-01_HTS.xls` (copy in
github `insongkim/concordance` data-raw); Broda, Greenfield & Weinstein (2006/2017) "From Groundnuts
to Globalization" — 73-country HS3 file `Sigmas73countries_9403_HS3digit.dta` (same repo); Hauk (2012)
"U.S. import and export elasticities: a panel data approach", Empirical Economics,
doi:10.1007/s00181-011-0456-1 (github `BillHauk/tradeelasticityestimates`); Boehm, Levchenko &
Pandalai-Nayar (2023) AER 113(4); Fajgelbaum, Goldberg, Kennedy & Khandelwal (2020) QJE 135(1);
Amiti, Redding & Weinstein (2019) JEP 33(4); Cavallo, Gopinath, Neiman & Tang (2021) AER:I 3(1);
Kiel Institute (2026). Licensing: academic replication results redistributed with citation (cite
Broda & Weinstein 2006 and Hauk 2012).

Tariff sources (see `shared/data/TARIFFS_NOTES.md` and the `source` column of `tariff_measures.csv`):
WTO tariff profile of Viet Nam (ttd.wto.org/en/profiles/viet-nam) for the 9.4 % simple average;
Decree 73/2025/ND-CP as reported by en.tlklawfirm.vn, kpmg.com, vneconomy.vn and
english.thesaigontimes.vn for the rate cuts.

## Per file

### `us_imports_hs6_2024.csv.gz` — `exporter,hs6,value_usd,duty_usd,source`
- From: `us_imports_hs6_by_partner_2024.csv.gz` (S5, `tradewartracker/trade-war-redux-2025@726c595`,
  `data/2024-hs10-imports<CTY_CODE>.parquet`, HS10 summed to HS6 by the shared-data build).
- Basis: imports for consumption, customs value (Census `CON_VAL_YR`, time=2024-12 = calendar 2024);
  duty = Census calculated duty (`CAL_DUT_YR`; MFN + Section 301 + Section 232, excludes AD/CVD).
- Transformations: dropped the rows with `member_of == "EU"` (Slovakia, 8.14 bn, already inside the
  EU aggregate); kept columns; sorted by exporter, hs6. Chapters 98/99 kept as reported (9801 US goods
  returned, 9999.95 low-value estimates). Exporter codes are ISO3; `EU` = Census aggregate 0003 (EU27).
- Coverage: {STATS['hs6_partners']} partners, {STATS['hs6_total'] / 1e9:,.2f} bn = {STATS['coverage_hs6_vs_world'] * 100:.1f} % of
  WORLD 2024 general imports (mixed bases; 98.7 % of same-basis world per the shared notes). No WORLD
  or rest-of-world rows at HS6 (not in any source): ROW exists only by chapter.

### `us_imports_hs2_general_2024.csv` — `exporter,hs2,value_usd,basis,source`
- From: `competitor_imports_by_chapter.csv` 2024 rows (S3, `Leakathr1n/US-Census-Trade-Analysis@44078db`,
  Census `GEN_VAL_MO` summed over 2024) for WORLD, CHN, MEX, CAN, EU, JPN, KOR, TWN, IND, THA, MYS, IDN,
  KHM, BGD, PHL, SGP, HKG, GBR; Vietnam from `us_vn_trade_by_chapter.csv` 2024 `us_imports_from_vn` (S3).
- Basis: general imports, customs value — the official headline basis.
- Transformations: Census names mapped to ISO3 (`EUROPEAN UNION` → `EU`); Germany left out (inside EU).
  Zero-value chapters are absent (as in the source).

### `us_exports_to_vn_hs6.csv.gz` — `year,hs6,value_usd,source`
- From: `raw/us_exports_to_vn_hs6_annual_2013_2026.csv` (S1, `tradewartracker/us-exports-hs10@acb20b8`,
  HS10 × month summed to HS6 × year by the shared-data build).
- Basis: total exports (domestic + re-exports), f.a.s. value (Census `ALL_VAL_MO`), Schedule B codes.
  Civil aircraft appear mostly under the Schedule B aggregate `880000` (not an HS code).
- Transformations: dropped 2026 (January only); values as whole dollars; zero rows dropped.

### `growth_hs2.csv` — `importer,exporter,hs2,growth,years,basis,method,source`
Baseline annual growth g (fraction): value_t = value_2024 · (1+g)^(t−2024).
- **US market** (`importer = USA`): CAGR 2017→2024, 7 years, same basis where possible:
  2017 imports for consumption (S2: `competitor_imports_by_chapter.csv` 2017 rows; Vietnam
  `us_vn_trade_by_chapter.csv` 2017) vs 2024 imports for consumption (Vietnam:
  `us_vn_trade_by_chapter_alt_basis_and_history.csv` 2024, S5; other partners: `us_imports_hs6_2024`
  summed to HS2, S5). Exporters with 2017 data: VNM, CHN, MEX, CAN, JPN, KOR, TWN, IND, THA, MYS, SGP,
  GBR, and also BRA, CHE, ISR, SAU (in the 2017 top 20 and in the HS6 file). DEU, FRA, ITA, IRL are in
  the 2017 data but are not separate suppliers (inside EU), so they are left out.
- Exporters without 2017 chapter data — EU (no 2017 aggregate), IDN, KHM, BGD, PHL, HKG — and `ROW`
  (everyone else) get the chapter's WORLD growth: 2017 consumption WORLD vs 2024 **general** WORLD
  (mixed basis; stated in `basis` and `method`). Exporter `WORLD` rows show those rates.
- **Vietnamese market** (`importer = VNM`, exporter `USA`): CAGR 2017→2024 of US total exports to
  Vietnam by chapter (S1, the HS6 export file summed to HS2). No ROW rows for the VN market (no data).
- **Cap (assumption):** every rate is capped to [−0.10, +0.10] per year, "capped to a sane range".
  `method` says `cagr_2017_2024_capped (not capped)` or `(capped; raw …)`.
- **Fallbacks (assumption):** when the 2017 or 2024 value is below 1 million USD (or missing), the
  US-market rate falls back to the chapter WORLD growth (`fallback_world_chapter`; if the WORLD chapter
  itself is below 1 million, to WORLD all-goods growth) and the VN-market rate to the all-goods growth of
  US exports to VN (`fallback_flow_all_goods`).
- One row per (importer, exporter) with `hs2 = all`: the all-goods CAGR (capped) over all chapters, the
  fallback for anything missing. WORLD all-goods (mixed basis) = {STATS['growth_world_all']:+.4f};
  US exports to VN all-goods = {STATS['growth_exports_all']:+.4f}.
- Rows cover every chapter in `hs_chapters.csv` for every exporter.

### `elasticities_hs2.csv` — `importer,hs2,sigma,eta,omega,adjustment,sigma_low,sigma_high,eta_low,eta_high,source,status`
- **USA**: σ = `sigma_import_sources`, η = `import_demand`, ω = `export_supply` (99 → `inf`),
  adjustment = `short_run_share`, all from `elasticities_defaults_hs2.csv` (BW median clipped to [1.5, 8];
  Hauk median clipped to [0.3, 3]; ω flat supply; 0.38 from BLP 2023). σ low/high = the 25th/75th
  percentiles of the Broda–Weinstein `import_sources` rows of `elasticities.csv`, clipped to [1.5, 8];
  η low/high = the Hauk `import_demand` IQR, clipped to [0.3, 3]. Where a chapter has no Hauk row, the
  all-goods median/IQR is used (status says so).
- **VNM** (US goods into Vietnam): σ (and its IQR) from the `VNM_proxy` rows of `elasticities.csv`
  (BGW: median over Thailand, Malaysia, Indonesia and China HS3 estimates; Vietnam is not in the
  sample), clipped to [1.5, 8], status `proxy`; chapters without a VNM_proxy row use the US BW value
  (status says so). η = the US Hauk values, status `proxy: US values as placeholder`. Same ω and
  adjustment as the US.
- `hs2 = all` rows: USA BW all-lines median 3.14 (IQR 2.04–5.99) and Hauk median 1.08 (IQR 0.67–1.65);
  VNM σ = median (IQR) of the clipped VNM_proxy chapter values (computed here), η = US Hauk.
- Chapters 98/99 have no elasticities: use the `all` row. The FGKK values (σ 2.53, κ 1.19) are
  `unsourced_recollection` in the shared data and are **not** used.

### `elasticities_hs6_us.csv.gz` — `hs6,sigma,source`
- From `elasticities_hs6_us.csv` column `bw_sigma_median` (Broda & Weinstein 2006, median over HTS10
  lines of each HS6), keeping only 1.2 ≤ σ ≤ 15 (ELASTICITIES.md §9): {kept:,} of {n_all:,} HS6 codes.
- Caution: HS6 codes are of the 1989–2001 vintage and are not concorded to HS 2022 (e.g. 851712 →
  851713/851714, 854140 → 854141–854149); codes that no longer exist simply do not match.

### `vn_mfn_rates.csv` — `hs,rate,valid_from,valid_to,status,source,note`
- `hs = all`, rate 0.094: the WTO simple-average applied MFN (VN-MFN-BASE in `tariff_measures.csv`),
  used as the default for every line — an **assumption** (line rates of Decree 26/2023 Appendix II were
  not retrieved; the trade-weighted average is 5.1 %).
- Decree 73/2025 lines (`VN-D73-*` in `tariff_measures.csv`): the pre-cut rate (`valid_to =
  2025-03-30`) where the measure notes state it, and the post-cut rate (`valid_from = 2025-03-31`).
  Codes are digits only at the level stated in the source (HS4/HS6); HS8 lines (cars 8703.23.63,
  8703.23.57, 8703.24.51; ethane 2711.19.00) are truncated to HS6 and the rate is then applied to the
  whole HS6 (`note` says so). Stated ranges (20–25 % wood/furniture, 1–2 % soymeal) use the midpoint,
  status `assumption: midpoint…`. `[HS mapping unsourced]` flags from the source are kept in `status`.
  The furniture rows are at HS4 (9401, 9403) although the cut covers wooden lines only.
- Lookup rule: the longest matching code prefix whose validity window contains the date, else `all`.

### `product_splits.csv` — `code,name,side,reason`
- Lines split out of their chapters on the default "mixed" product axis (HS4 or HS6; nesting allowed,
  a "rest of" residual is formed by the model). `side` = import / export / both (US view).
- Codes are kept only if they have trade in the US-import HS6 file or the US-export HS6 file; dropped:
  {', '.join(STATS['splits_dropped']) or 'none'}. Schedule B `880000` is present in the export data:
  {STATS['splits_880000_in_exports']}. Lines with no US–VN trade in either direction (kept, since other
  suppliers trade them): {', '.join(STATS['splits_no_vn_trade']) or 'none'}.
- The file may receive rows appended by other contributors (scenario authors); the build keeps all
  existing rows and only appends missing base rows.

### `hs_chapters.csv` — `hs2,name,section,section_name,source`
- Every chapter that appears in any packaged data file. Names: Census descriptions from
  `us_vn_trade_by_chapter.csv` / `…_alt_basis_and_history.csv` (latest year). Section: WCO HS
  nomenclature section structure (I–XXI); chapters 98–99 (US national special provisions) are
  given `XXII` "Special classification provisions" (a tradesim convention, not WCO).

### `hs6_names.csv.gz` — `hs6,name,source`
- First HTS10 description (by code order) within each HS6 from `raw/us_imports_from_vn_hs10_2024_consumption.csv`
  (S5); for HS6 codes not there, the first Schedule B HS10 short description (latest month) from
  `raw/us_exports_to_vn_hs10_monthly_2013-01_2026-01.parquet` (S1). These describe one HS10 line, not
  the official HS6 title.

### `us_vn_totals.csv`
- Byte-for-byte copy of `shared/data/us_vn_totals.csv` (S4 Census totals 2013–2024, S1 2025 exports, a
  flagged `derived_unverified` 2025 imports estimate, and Vietnamese GDC/GSO mirror figures from the
  press, some `derived`). Use the `basis` column.

### `us_imports_from_vn_hs2_history.csv` — `year,hs2,value_usd,basis,source`
- From `us_vn_trade_by_chapter.csv` and `us_vn_trade_by_chapter_alt_basis_and_history.csv`.
  Years by basis: {imp_years}.
- **2024 appears twice**, once per basis (general, S3; consumption, S5): always filter on `basis`
  before summing. 2021–2022 are missing (not in any source); the 2021 January–June partial year
  (`2021H1`) is left out.

### `us_exports_to_vn_hs2_history.csv` — `year,hs2,value_usd,basis,source`
- The HS6 export file (S1) summed to chapters, 2013–2025, total exports f.a.s. Equals the chapter rows
  of the shared chapter files (check below).

### `us_imports_hs2_2017_consumption.csv` — `exporter,hs2,value_usd,basis,source`
- `competitor_imports_by_chapter.csv` 2017 rows (S2, `tradewartracker/us-imports-hs2@5530afc`, Census
  `CON_VAL_MO`): WORLD and the 20 suppliers held there (the 20 largest of 2013–2020, which may differ
  slightly from the 2017 top 20), ISO3 codes (DEU, FRA, ITA, IRL are EU members: do not add them to an EU
  total from other sources). Basis: imports for consumption.

## Headline checks (from the last build)

{checks}
- Coverage: the HS6 partner file sums to {STATS['hs6_total'] / 1e9:,.2f} bn (consumption basis), i.e.
  {STATS['coverage_hs6_vs_world'] * 100:.2f} % of WORLD 2024 general imports ({STATS['world_general_2024'] / 1e9:,.2f} bn).
- Vietnam 2024 on the consumption basis (HS6 file): {STATS['hs6_vn_total'] / 1e9:,.2f} bn vs 136.50 bn general
  (+3.6 %, nearly all in chapter 85): use general imports for headlines.
- US exports to Vietnam 2025 (S1): {STATS['vn_exports_2025'] / 1e9:,.2f} bn.

The build fails (non-zero exit) if VN 2024 general imports differ from 136.50 bn or US exports to VN
2024 from 13.04 bn by more than 0.5 %, or if any data row lacks a source.

Growth of the five largest Vietnamese chapters in the US market (2024 general imports):

| hs2 | 2024 general, bn | growth | method |
|---|---:|---:|---|
{growth_lines}
{replay_md}"""
    path = OUT / "SOURCES.md"
    data = md.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


# ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default="../shared/data",
                    help="shared data directory (relative paths are taken from the repo root)")
    args = ap.parse_args(argv)
    root = Path(args.shared)
    if not root.is_absolute():
        root = (REPO / root).resolve()
    if not (root / "SOURCES.md").exists():
        print(f"shared data not found at {root}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    sh = Shared(root)

    splits = build_product_splits(sh)
    hs6 = build_us_imports_hs6(sh)
    general = build_us_imports_hs2_general(sh)
    exports_hs6 = build_us_exports_hs6(sh)
    imp_hist, exp_hist = build_vn_histories(sh, exports_hs6)
    y2017 = build_us_imports_2017(sh)
    cons = build_us_imports_hs2_consumption(sh)
    build_us_duty_hs2_2017(sh, hs6, cons)
    chapter_sets = [set(hs2_of(hs6["hs6"])), set(general["hs2"]), set(hs2_of(exports_hs6["hs6"])),
                    set(imp_hist["hs2"]), set(exp_hist["hs2"]), set(y2017["hs2"]), set(cons["hs2"])]
    chapters = build_hs_chapters(sh, chapter_sets)
    growth = build_growth(sh, hs6, general, exports_hs6, list(chapters["hs2"]))
    build_elasticities_hs2(sh)
    build_elasticities_hs6(sh)
    build_vn_mfn(sh)
    build_hs6_names(sh)
    build_totals(sh)
    info = validate_sources()
    write_sources_md(sh, info, growth)

    print("\nFILES")
    for name, (n, size) in info.items():
        print(f"  {name:40s} {n:>7,} rows {size / 1024:>8.1f} kB")
    print(f"\nproduct_splits: {len(splits)} rows; dropped (no trade): {STATS['splits_dropped'] or 'none'}; "
          f"no US-VN trade: {STATS['splits_no_vn_trade']}")
    failed = [t for _, t, f in CHECKS if f]
    if failed:
        print("\nBUILD FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    print("\nall hard checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

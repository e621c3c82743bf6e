"""Shared by every part of the build: constants, helpers and the :class:`Build` context.

A :class:`Build` reads the shared source files (``root``), writes packaged tables into ``out``
and records the headline checks and the figures quoted in SOURCES.md, so each part can be run
and tested on its own, into any folder.
"""
from __future__ import annotations

import gzip
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tradesim" / "data" / "embedded"

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


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write df (already sorted, already formatted as strings where needed) to ``path``.

    ``.csv.gz`` names are gzip-compressed with mtime=0 and no stored file name."""
    name = path.name
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


class Build:
    """One build: lazy access to the shared source files, the output folder, checks and stats."""

    def __init__(self, root: Path, out: Path = OUT) -> None:
        self.root = root
        self.out = out
        self.checks: list[tuple[str, str, bool]] = []  # (name, text, hard_fail)
        self.stats: dict[str, object] = {}
        self._cache: dict[str, pd.DataFrame] = {}

    def write_table(self, df: pd.DataFrame, name: str) -> Path:
        """Write ``df`` to ``out/name`` (``.csv.gz`` gzip-compressed, deterministic bytes)."""
        return write_table(df, self.out / name)

    def check(self, name: str, value: float, target: float, hard: bool) -> float:
        """Record a relative-difference check; hard checks fail the build beyond HARD_TOL."""
        rel = value / target - 1.0
        status = "OK" if abs(rel) <= SOFT_TOL else ("WARN" if abs(rel) <= HARD_TOL else "FAIL")
        fail = hard and abs(rel) > HARD_TOL
        text = (f"{name}: {value / 1e9:,.4f} bn vs {target / 1e9:,.4f} bn "
                f"({rel * 100:+.4f} %) -> {status}")
        self.checks.append((name, text, fail))
        print("CHECK", text)
        return rel

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

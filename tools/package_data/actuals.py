"""What happened in 2025 (and the monthly history behind the backtests), from ``2025/``.

US imports for consumption and calculated duty by NAICS3 x month, 2013-01..2025-11, for Vietnam,
China and the world (N1), and the 2025 headline actuals (US and Vietnamese customs).
"""
from __future__ import annotations

import pandas as pd

from package_data.common import Build, read_csv, to_int

NAICS3_MONTHLY = "us_imports_naics3_monthly_vn_cn_world.csv.gz"
HEADLINE_2025 = "us_vn_2025_headline_actuals.csv"
N1_SOURCE = ("N1 tradewartracker/us-imports-hs2@5530afc data/top30-NAICS-imports.parquet "
             "(Census API intltrade/imports/naics CON_VAL_MO, CAL_DUT_MO, COMM_LVL=NA3)")
#: 2025/SOURCES.md: Vietnam 2024, imports for consumption, equal to the dollar to the HS10 total (S5).
VN_CONSUMPTION_2024 = 141_361_159_091


def build_naics3_monthly(sh: Build) -> pd.DataFrame:
    """us_imports_naics3_monthly_vn_cn_world.csv.gz: month x partner x NAICS3, USD."""
    df = sh.get("2025/us_imports_naics3_monthly_2013-01_2025-11_vn_cn_world.csv")
    if set(df["source"]) != {"N1"} or set(df["basis"]) != {"imports_for_consumption_customs_value"}:
        raise SystemExit("2025 NAICS3 file: expected source N1 on the consumption basis only")
    out = pd.DataFrame({
        "month": df["month"], "partner": df["partner"], "naics3": df["naics3"],
        "name": df["naics_desc"],
        "value_usd": to_int(df["imports_for_consumption_usd"]),
        "duty_usd": to_int(df["calculated_duty_usd"]),
        "basis": df["basis"], "source": N1_SOURCE,
    }).sort_values(["month", "partner", "naics3"], kind="stable")
    sh.write_table(out, NAICS3_MONTHLY)
    vn24 = out[(out["partner"] == "VNM") & out["month"].str.startswith("2024")]["value_usd"].sum()
    sh.check("VN 2024 US imports for consumption (NAICS3 sum vs HS10 total S5)", float(vn24),
             VN_CONSUMPTION_2024, hard=True)
    sh.stats["naics3_months"] = (out["month"].min(), out["month"].max())
    sh.stats["naics3_groups"] = int(out["naics3"].nunique())
    return out


def build_headline_2025(sh: Build) -> pd.DataFrame:
    """us_vn_2025_headline_actuals.csv: verbatim copy of the shared 2025 headline figures."""
    data = (sh.root / "2025" / HEADLINE_2025).read_bytes()
    path = sh.out / HEADLINE_2025
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return read_csv(path)

"""Elasticities by chapter and by HS6 from the literature table."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from package_data.common import Build, fmt_float


# ---------------------------------------------------------------------------------------
# 5. elasticities by chapter
# ---------------------------------------------------------------------------------------
def build_elasticities_hs2(sh: Build) -> pd.DataFrame:
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
    sh.write_table(out, "elasticities_hs2.csv")
    return out


def build_elasticities_hs6(sh: Build) -> pd.DataFrame:
    """elasticities_hs6_us.csv.gz: BW median sigma by HS6, only values within [1.2, 15]."""
    e = sh.get("elasticities_hs6_us.csv").copy()
    e["sigma"] = pd.to_numeric(e["bw_sigma_median"].replace("", np.nan))
    n_all = int(e["sigma"].notna().sum())
    e = e[(e["sigma"] >= 1.2) & (e["sigma"] <= 15)].copy()
    e["sigma"] = e["sigma"].map(lambda x: fmt_float(x, 4))
    e["source"] = ("Broda & Weinstein (2006) QJE; median over HTS10 lines of the BW 1990-2001 file "
                   "(elasticities_hs6_us.csv); HS6 codes of 1989-2001 vintage, not concorded")
    out = e[["hs6", "sigma", "source"]].sort_values("hs6")
    sh.write_table(out, "elasticities_hs6_us.csv.gz")
    sh.stats["hs6_sigma_kept"] = (len(out), n_all)
    return out

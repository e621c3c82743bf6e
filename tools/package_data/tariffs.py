"""Tariff rates: 2017 duty rates by supplier x chapter and Vietnam's MFN rates."""
from __future__ import annotations

import re

import pandas as pd

from package_data.common import EU_MEMBERS_IN_DATA, Build, fmt_float, hs2_of, to_int

S301_LISTS = "raw/budgetlab/tariff-rate-tracker/resources/s301_product_lists.csv"
# Section 301 rates in force through calendar 2024 on the 2018-19 lists (4A cut to 7.5 % on
# 2020-02-14; 4B never applied). The 2024 four-year-review steps (from 2024-09-27) are not
# subtracted (see SOURCES.md).
S301_2024_RATES = {"1": 0.25, "2": 0.25, "3": 0.25, "3_addl": 0.25, "4A": 0.075}
PIIE_CHINA_2017 = 0.038  # competitor_tariffs_NOTES.md: PIIE average US tariff on China before July 2018
VN_DUTY_SOURCE = ("S2 tradewartracker/us-imports-hs2@5530afc CON_VAL_MO/CAL_DUT_MO "
                  "(raw/us_imports_from_vn_hs2_monthly_consumption_2013-01_2021-06.csv)")


def _rate(df: pd.DataFrame, keys: list[str], value: str = "value_usd", duty: str = "duty_usd") -> pd.Series:
    g = df.groupby(keys)[[value, duty]].sum()
    g = g[g[value] > 0]
    return g[duty] / g[value]


def build_us_duty_hs2_2017(sh: Build, hs6: pd.DataFrame, cons: pd.DataFrame) -> pd.DataFrame:
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
    sh.checks.append(("vn duty 2017 values", text, diff > 0))
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
    sh.stats["cn_2024_duty"] = (int(cn["value_usd"].sum()), int(cn["duty_usd"].sum()),
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
    sh.stats["duty17"] = {
        "vn_actual": vn_actual, "vn_own2024": vn_proxy, "vn_pooled": vn_pool, "vn_mae": vn_mae,
        "cn_proxy": avg("CHN", r.loc["CHN"]), "cn_pooled": avg("CHN", pooled),
        "by_supplier": {e: avg(e, r.loc[e]) for e in ["CHN", "VNM", "MEX", "CAN", "JPN", "DEU"]},
    }
    d = sh.stats["duty17"]
    print(f"INFO 2017 duty proxies: VN actual {vn_actual:.4f}, VN own-2024 proxy {vn_proxy:.4f} (chapter "
          f"MAE {vn_mae:.4f}), VN pooled {vn_pool:.4f}; CHN net-of-301 {d['cn_proxy']:.4f}, CHN pooled {d['cn_pooled']:.4f} "
          f"(PIIE {PIIE_CHINA_2017:.3f})")
    out["rate"] = out["rate"].map(lambda x: fmt_float(x, 6))
    out = out.sort_values(["exporter", "hs2"]).reset_index(drop=True)
    sh.write_table(out, "us_duty_hs2_2017.csv")
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


def build_vn_mfn(sh: Build) -> pd.DataFrame:
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
    sh.write_table(out, "vn_mfn_rates.csv")
    return out

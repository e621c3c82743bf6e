"""The 2025 starting point: 2024 HS6 structure carried to the 2025 NAICS3 x supplier actuals.

Writes two small tables that :func:`tradesim.data.baseline.step_2025` reads:

``step_2025_hs6_naics3.csv.gz`` (group, hs6, naics3, weight, method, source)
    The share of each HS6 line's 2024 US imports (consumption basis, S5 HS10 lines) that falls in
    each NAICS3 sector, for the supplier groups VNM, CHN and REST (every other partner, pooled).
    HS10 -> NAICS3: the shared Vietnam crosswalk (C1-based, exact on Vietnam's lines); for HS10
    lines Vietnam does not export, the modal NAICS3 of the same HS8, HS6 or HS4 in that crosswalk;
    then the documented prefix table :data:`ASSUMED_NAICS3` (``assumption``); then the modal
    NAICS3 of the chapter in the crosswalk.
``step_2025_factors.csv.gz`` (kind, group, naics3, value_2024, value_2025, factor, method, source)
    ``naics3`` rows: the 2025/2024 factor of each supplier row x NAICS3 sector. VNM and CHN: the
    N1 2025 level (January-November plus an estimated December) over the mapped 2024 HS6 value,
    so the group's 2025 total equals N1 by construction. REST rows (partners of the country-totals
    file, and OTHER): fitted by iterative proportional fitting (IPF) to the N1 REST growth by
    sector (columns) and each partner's 2025/2024 growth (rows; OTHER takes the residual).
    ``basis`` rows (VNM, CHN): the change of the general-imports / imports-for-consumption ratio
    from 2024 to 2025, so that the general-imports (mixed) baseline hits the 2025 headline.
    ``duty_rate`` rows: observed calculated duty / value (N1), 2024 and January-November 2025,
    for the record (the 2025 baseline keeps the 2024 base tariffs).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from package_data.common import Build, fmt_float, to_int

HS6_NAICS3 = "step_2025_hs6_naics3.csv.gz"
FACTORS = "step_2025_factors.csv.gz"
GROUPS = ("VNM", "CHN", "REST")
OTHER = "OTHER"

CROSSWALK = "2025/vn_hs10_2024_to_naics3_crosswalk.csv"
COUNTRY_TOTALS = "2025/us_imports_country_totals_monthly_2013-01_2025-11.csv"
N1_FILE = "2025/us_imports_naics3_monthly_2013-01_2025-11_vn_cn_world.csv"
HEADLINE = "2025/us_vn_2025_headline_actuals.csv"
HS10_FILE = "us_imports_hs10_by_partner_2024.csv.gz"

S5 = "S5 trade-war-redux-2025@726c595 HS10 CON_VAL_YR"
CW = "C1 (shared vn_hs10_2024_to_naics3_crosswalk.csv)"
#: HS prefix -> NAICS3 for HS10 lines whose HS4 Vietnam does not export (so the crosswalk has no
#: modal code for them) and whose chapter's modal code would be wrong. Assumptions from the NAICS
#: 2022 definitions (crop production 111, oil and gas extraction 211, mining 212, primary metal
#: manufacturing 331, paper 322, waste and scrap 910 as in the N1 sector list); the 2024 check of
#: the mapped values against N1 by sector (SOURCES.md) is their test.
ASSUMED_NAICS3: list[tuple[str, str, str]] = [
    ("0701", "111", "fresh vegetables: crop production"),
    ("0702", "111", "fresh vegetables: crop production"),
    ("0703", "111", "fresh vegetables: crop production"),
    ("0704", "111", "fresh vegetables: crop production"),
    ("0705", "111", "fresh vegetables: crop production"),
    ("0706", "111", "fresh vegetables: crop production"),
    ("0707", "111", "fresh vegetables: crop production"),
    ("0708", "111", "fresh vegetables: crop production"),
    ("0709", "111", "fresh vegetables: crop production"),
    ("1001", "111", "cereal grains: crop production"),
    ("1002", "111", "cereal grains: crop production"),
    ("1003", "111", "cereal grains: crop production"),
    ("1004", "111", "cereal grains: crop production"),
    ("1005", "111", "cereal grains: crop production"),
    ("1007", "111", "cereal grains: crop production"),
    ("1008", "111", "cereal grains: crop production"),
    ("2601", "212", "metal ores: mining"),
    ("2602", "212", "metal ores: mining"),
    ("2603", "212", "metal ores: mining"),
    ("2604", "212", "metal ores: mining"),
    ("2606", "212", "metal ores: mining"),
    ("2608", "212", "metal ores: mining"),
    ("2610", "212", "metal ores: mining"),
    ("2611", "212", "metal ores: mining"),
    ("2613", "212", "metal ores: mining"),
    ("2615", "212", "metal ores: mining"),
    ("2616", "212", "metal ores: mining"),
    ("2709", "211", "crude petroleum: oil and gas extraction"),
    ("2711", "211", "natural gas and gas liquids: oil and gas extraction"),
    ("47", "322", "wood pulp: paper manufacturing (chapter not exported by Vietnam)"),
    ("4707", "910", "recovered paper: waste and scrap"),
    ("7106", "331", "unwrought silver: primary metal manufacturing"),
    ("7108", "331", "unwrought gold: primary metal manufacturing"),
    ("7110", "331", "unwrought platinum-group metals: primary metal manufacturing"),
    ("7112", "910", "precious-metal waste and scrap"),
    ("7204", "910", "ferrous waste and scrap"),
    ("7404", "910", "copper waste and scrap"),
    ("7503", "910", "nickel waste and scrap"),
    ("7601", "331", "unwrought aluminium: primary metal manufacturing"),
    ("7602", "910", "aluminium waste and scrap"),
    ("7603", "331", "aluminium powders: primary metal manufacturing"),
    ("7604", "331", "aluminium bars and profiles: primary metal manufacturing"),
    ("7605", "331", "aluminium wire: primary metal manufacturing"),
    ("7606", "331", "aluminium plates: primary metal manufacturing"),
    ("7607", "331", "aluminium foil: primary metal manufacturing"),
    ("7802", "910", "lead waste and scrap"),
    ("7902", "910", "zinc waste and scrap"),
    ("8002", "910", "tin waste and scrap"),
]
DEC_EST = "2025 = Jan-Nov + estimated December (Dec 2024 x Oct-Nov 2025/2024)"
SHORT_SRC = "N1 CON_VAL_MO; S5 HS10; C1 crosswalk (IDs in SOURCES.md)"
ASSUMPTION_SOURCE = "assumption: ASSUMED_NAICS3 in tools/package_data/step2025.py"


def _hs10_naics3(sh: Build, codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """NAICS3 and the mapping method of each HS10 code (exact, modal HS8/6/4, assumption, HS2)."""
    cw = sh.get(CROSSWALK)
    exact = dict(zip(cw["hs10"], cw["naics3"], strict=True))

    def modal(k: int) -> dict[str, str]:
        key = cw.assign(key=cw["hs10"].str[:k])
        counts = key.groupby(["key", "naics3"]).size().rename("n").reset_index()
        counts = counts.sort_values(["key", "n", "naics3"], ascending=[True, False, True])
        return dict(counts.drop_duplicates("key")[["key", "naics3"]].itertuples(index=False))

    modes = {k: modal(k) for k in (8, 6, 4, 2)}
    assumed = sorted(ASSUMED_NAICS3, key=lambda r: -len(r[0]))
    naics, method = [], []
    for code in codes:
        if code in exact:
            naics.append(exact[code]), method.append("crosswalk_hs10")
            continue
        for k in (8, 6, 4):
            if code[:k] in modes[k]:
                naics.append(modes[k][code[:k]]), method.append(f"modal_hs{k}")
                break
        else:
            hit = next((n for p, n, _ in assumed if code.startswith(p)), None)
            if hit is not None:
                naics.append(hit), method.append("assumption")
            elif code[:2] in modes[2]:
                naics.append(modes[2][code[:2]]), method.append("modal_hs2")
            else:
                raise SystemExit(f"HS10 {code}: no NAICS3 (not in the crosswalk or ASSUMED_NAICS3)")
    return (pd.Series(naics, index=codes.index, dtype=object),
            pd.Series(method, index=codes.index, dtype=object))


def _group(exporter: pd.Series) -> pd.Series:
    return exporter.where(exporter.isin(["VNM", "CHN"]), "REST")


def _full_year(monthly: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """2024 and 2025 by ``keys``: 2025 = Jan-Nov + December estimated as Dec 2024 x Oct-Nov y/y."""
    m = monthly.copy()
    m["y"], m["mo"] = m["month"].str[:4], m["month"].str[5:]

    def total(mask: pd.Series) -> pd.Series:
        return m[mask].groupby(keys)["v"].sum()

    y24 = total(m["y"] == "2024")
    jn25 = total(m["y"] == "2025")
    dec24 = total((m["y"] == "2024") & (m["mo"] == "12"))
    on24 = total((m["y"] == "2024") & m["mo"].isin(["10", "11"]))
    on25 = total((m["y"] == "2025") & m["mo"].isin(["10", "11"]))
    out = pd.DataFrame({"y24": y24, "jn25": jn25, "dec24": dec24, "on24": on24,
                        "on25": on25}).fillna(0.0)
    ratio = (out["on25"] / out["on24"]).where(out["on24"] > 0, 1.0)
    out["dec25"] = out["dec24"] * ratio
    out["y25"] = out["jn25"] + out["dec25"]
    return out


def _n1(sh: Build) -> tuple[pd.DataFrame, pd.DataFrame]:
    """N1 by group x NAICS3 (2024 and 2025 full-year estimate), and duty rates by group."""
    df = sh.get(N1_FILE)
    n = pd.DataFrame({"month": df["month"], "partner": df["partner"], "naics3": df["naics3"],
                      "v": to_int(df["imports_for_consumption_usd"]).astype(float),
                      "d": to_int(df["calculated_duty_usd"]).astype(float)})
    fy = _full_year(n, ["partner", "naics3"]).reset_index()
    world = fy[fy["partner"] == "WORLD"].set_index("naics3")
    vc = fy[fy["partner"].isin(["VNM", "CHN"])]
    rest = world[["y24", "y25"]].sub(vc.groupby("naics3")[["y24", "y25"]].sum(), fill_value=0.0)
    rest = rest.reset_index().assign(partner="REST")
    table = pd.concat([vc[["partner", "naics3", "y24", "y25"]], rest], ignore_index=True)
    table = table.rename(columns={"partner": "group"})
    # observed duty rates: 2024 and Jan-Nov 2025
    n["y"] = n["month"].str[:4]
    dr = n[n["y"].isin(["2024", "2025"])].groupby(["partner", "y"])[["v", "d"]].sum()
    w = dr.xs("WORLD", level="partner")
    rows = []
    for g in GROUPS:
        if g == "REST":
            part = w - dr.xs("VNM", level="partner") - dr.xs("CHN", level="partner")
        else:
            part = dr.xs(g, level="partner")
        rows.append((g, part.loc["2024", "d"] / part.loc["2024", "v"],
                     part.loc["2025", "d"] / part.loc["2025", "v"]))
    duty = pd.DataFrame(rows, columns=["group", "rate_2024", "rate_2025"])
    sh.stats["step_n1_totals"] = {g: (float(t["y24"].sum()), float(t["y25"].sum()),
                                      float(t["jn25"].sum()) if "jn25" in t else np.nan)
                                  for g, t in [("VNM", fy[fy["partner"] == "VNM"]),
                                               ("CHN", fy[fy["partner"] == "CHN"]),
                                               ("WORLD", fy[fy["partner"] == "WORLD"])]}
    sh.stats["step_n1_december"] = {g: float(fy.loc[fy["partner"] == g, "dec25"].sum())
                                    for g in ("VNM", "CHN", "WORLD")}
    return table, duty


def _partner_growth(sh: Build, names: dict[str, str]) -> pd.Series:
    """2025/2024 growth of each partner's total (country-totals file, December estimated)."""
    df = sh.get(COUNTRY_TOTALS)
    m = pd.DataFrame({"month": df["month"], "partner": df["partner_census_name"],
                      "v": to_int(df["imports_for_consumption_usd"]).astype(float)})
    fy = _full_year(m, ["partner"])
    growth = fy["y25"] / fy["y24"]
    return pd.Series({iso: float(growth[name]) for iso, name in names.items() if name in growth})


def _ipf(seed: pd.DataFrame, rows: pd.Series, cols: pd.Series, tol: float = 1e-12,
         max_iter: int = 1000) -> tuple[pd.DataFrame, int]:
    x = seed.copy()
    for it in range(1, max_iter + 1):
        x = x.mul((rows / x.sum(axis=1)).where(x.sum(axis=1) > 0, 0.0), axis=0)
        x = x.mul((cols / x.sum(axis=0)).where(x.sum(axis=0) > 0, 0.0), axis=1)
        err = float(max((x.sum(axis=1) / rows - 1).abs().max(),
                        (x.sum(axis=0)[cols > 0] / cols[cols > 0] - 1).abs().max()))
        if err < tol:
            return x, it
    raise SystemExit(f"IPF of the REST block did not converge ({err:.2e} after {max_iter})")


def build_step_2025(sh: Build) -> pd.DataFrame:
    """step_2025_hs6_naics3.csv.gz and step_2025_factors.csv (see the module docstring)."""
    h = sh.get(HS10_FILE)
    h = h[h["member_of"] != "EU"]
    h = pd.DataFrame({"exporter": h["exporter"], "exporter_name": h["exporter_name"],
                      "hs10": h["hs10"], "v": to_int(h["value_usd"]).astype(float)})
    codes = pd.Series(sorted(set(h["hs10"])))
    naics, method = _hs10_naics3(sh, codes)
    h["naics3"] = h["hs10"].map(dict(zip(codes, naics, strict=True)))
    h["method"] = h["hs10"].map(dict(zip(codes, method, strict=True)))
    h["hs6"] = h["hs10"].str[:6]
    h["group"] = _group(h["exporter"])
    sh.stats["step_map_methods"] = (h.groupby("method")["v"].sum() / h["v"].sum()).to_dict()
    sh.stats["step_map_methods_by_group"] = (h.groupby(["group", "method"])["v"].sum()
                                             / h.groupby("group")["v"].sum()).to_dict()

    # 1. HS6 -> NAICS3 weights by group (value-weighted over the group's HS10 lines)
    pw = h.groupby(["group", "hs6", "naics3"]).agg(v=("v", "sum"), method=(
        "method", lambda s: "+".join(sorted(set(s))))).reset_index()
    tot = pw.groupby(["group", "hs6"])["v"].transform("sum")
    pw["weight"] = (pw["v"] / tot).where(tot > 0, 1.0)
    zero = pw[tot <= 0]  # lines with zero value in the group: equal split over their codes
    if len(zero):
        pw.loc[zero.index, "weight"] = 1.0 / zero.groupby(["group", "hs6"])["v"].transform("size")
    weights = pw[["group", "hs6", "naics3", "weight", "method"]].copy()
    weights["weight"] = weights["weight"].map(lambda x: fmt_float(x, 10))
    weights["source"] = S5 + "; HS10->NAICS3 " + CW + np.where(
        weights["method"].str.contains("assumption"), "; " + ASSUMPTION_SOURCE, "")
    weights = weights.sort_values(["group", "hs6", "naics3"]).reset_index(drop=True)
    sh.write_table(weights, HS6_NAICS3)

    # 2. mapped 2024 by (exporter, naics3) with the written (rounded) weights, exactly as the
    #    baseline applies them to the packaged HS6 file
    hs6 = sh.imports_hs6()[["exporter", "exporter_name", "hs6", "value_usd"]].copy()
    hs6["group"] = _group(hs6["exporter"])
    wt = weights.assign(weight=weights["weight"].astype(float))
    cells = hs6.merge(wt[["group", "hs6", "naics3", "weight"]], on=["group", "hs6"], how="left")
    if cells["weight"].isna().any():
        raise SystemExit("HS6 lines without NAICS3 weights: "
                         f"{sorted(set(cells.loc[cells['weight'].isna(), 'hs6']))[:5]}")
    cells["piece"] = cells["value_usd"].astype(float) * cells["weight"]

    n1, duty = _n1(sh)
    mapped = cells.groupby(["group", "naics3"])["piece"].sum().rename("mapped").reset_index()
    gap = mapped.merge(n1, on=["group", "naics3"], how="outer").fillna(0.0)
    sh.stats["step_gap"] = gap

    rows = []
    # 3. VNM and CHN: N1 2025 level over the mapped 2024 value (exact group totals)
    for g in ("VNM", "CHN"):
        part = gap[gap["group"] == g]
        for _, r in part.iterrows():
            if r["mapped"] > 0:
                f, how = r["y25"] / r["mapped"], "n1_level_2025 / mapped_2024"
            else:
                f, how = 1.0, "no mapped 2024 value: factor 1 (the sector's 2025 value is lost)"
            rows.append(("naics3", g, r["naics3"], r["mapped"], r["y25"] if r["mapped"] > 0 else 0.0,
                         f, how + "; " + DEC_EST, SHORT_SRC))
        lost = float(part.loc[part["mapped"] <= 0, "y25"].sum())
        sh.stats[f"step_lost_{g}"] = lost

    # 4. REST: IPF over partner row x NAICS3
    iso_names = dict(zip(hs6["exporter"], hs6["exporter_name"], strict=False))
    rest = cells[cells["group"] == "REST"].copy()
    growth = _partner_growth(sh, {e: iso_names[e] for e in sorted(set(rest["exporter"]))})
    rest["row"] = rest["exporter"].where(rest["exporter"].isin(growth.index), OTHER)
    seed = rest.groupby(["row", "naics3"])["piece"].sum().unstack(fill_value=0.0)
    n1r = gap[gap["group"] == "REST"].set_index("naics3")
    g_n = (n1r["y25"] / n1r["y24"]).where(n1r["y24"] > 0, 1.0).reindex(seed.columns).fillna(1.0)
    col_t = seed.sum(axis=0) * g_n
    row_t = seed.sum(axis=1) * growth.reindex(seed.index)
    row_t[OTHER] = col_t.sum() - row_t.drop(OTHER).sum()
    if row_t[OTHER] <= 0:
        raise SystemExit("IPF: the OTHER partners' 2025 residual is not positive")
    fit, it = _ipf(seed, row_t, col_t)
    sh.stats["step_ipf"] = (it, float(row_t[OTHER] / seed.sum(axis=1)[OTHER] - 1))
    sh.stats["step_rest_growth"] = float(col_t.sum() / seed.values.sum() - 1)
    for r in seed.index:
        src = ("N1 REST sector growth; N1 country totals (partner growth); S5; C1" if r != OTHER
               else "N1 REST sector growth; N1 country totals (residual); S5; C1")
        for c in seed.columns:
            s0, s1 = float(seed.loc[r, c]), float(fit.loc[r, c])
            if s0 <= 0:
                continue  # no 2024 value: nothing to carry (the baseline's default factor is 1)
            rows.append(("naics3", r, c, s0, s1 if s0 > 0 else 0.0, s1 / s0 if s0 > 0 else 1.0,
                         f"ipf_rest ({it} iterations); {DEC_EST}", src))

    # 5. basis factors (general / consumption ratio change) for the mixed baseline
    head = sh.get(HEADLINE)
    general_24 = _general_2024(sh)
    for g, flow in (("VNM", "us_imports_from_vn"), ("CHN", "us_imports_from_china")):
        hl = head[(head["period"] == "2025") & (head["flow"] == flow)
                  & (head["basis"] == "general_imports_customs_value")]
        h25 = float(hl["value_usd_bn"].iloc[0]) * 1e9
        c24 = float(mapped.loc[mapped["group"] == g, "mapped"].sum())
        c25 = float(n1.loc[n1["group"] == g, "y25"].sum())
        factor = (h25 / c25) / (general_24[g] / c24)
        rows.append(("basis", g, "all", general_24[g], h25, factor,
                     f"(2025 general headline / 2025 consumption estimate {c25 / 1e9:.2f} bn) / "
                     f"(2024 general / 2024 consumption {c24 / 1e9:.2f} bn): ratio "
                     f"{h25 / c25:.4f} in 2025 vs {general_24[g] / c24:.4f} in 2024 (at totals; "
                     "the mixed baseline applies value_2025 / its own carried total)",
                     f"headline {hl['source'].iloc[0]}; 2024 general S3 (chapter sums); N1"))
        sh.stats[f"step_basis_{g}"] = (factor, h25 / c25, general_24[g] / c24, h25)
    for _, r in duty.iterrows():
        rows.append(("duty_rate", r["group"], "all", r["rate_2024"], r["rate_2025"],
                     r["rate_2025"] - r["rate_2024"],
                     "observed calculated duty / value: 2024, Jan-Nov 2025; factor = change "
                     "(record only: the 2025 baseline keeps the 2024 tariffs)", "N1 CAL_DUT_MO"))
    out = pd.DataFrame(rows, columns=["kind", "group", "naics3", "value_2024", "value_2025",
                                      "factor", "method", "source"])
    order = {"naics3": 0, "basis": 1, "duty_rate": 2}
    out = out.sort_values(["kind", "group", "naics3"], key=lambda s: s.map(order)
                          if s.name == "kind" else s).reset_index(drop=True)
    money = out["kind"] != "duty_rate"
    out["value_2024"] = [fmt_float(v, 0 if m else 6) for v, m in zip(out["value_2024"], money, strict=True)]
    out["value_2025"] = [fmt_float(v, 0 if m else 6) for v, m in zip(out["value_2025"], money, strict=True)]
    out["factor"] = out["factor"].map(lambda x: fmt_float(x, 10))
    sh.write_table(out, FACTORS)
    _checks(sh, out, hs6, weights)
    return out


def _general_2024(sh: Build) -> dict[str, float]:
    """2024 general imports from VN and CN: the chapter sums the mixed baseline uses (S3)."""
    vn = sh.vn_chapters()
    vn = vn[(vn["year"] == "2024") & (vn["flow"] == "us_imports_from_vn")
            & (vn["basis"] == "general_imports_customs_value")]
    comp = sh.competitor()
    cn = comp[(comp["year"] == 2024) & (comp["exporter_iso"] == "CHN")]
    return {"VNM": float(vn["value_usd"].sum()), "CHN": float(cn["value_usd"].sum())}


def _checks(sh: Build, factors: pd.DataFrame, hs6: pd.DataFrame, weights: pd.DataFrame) -> None:
    """Apply the written tables as the baseline does and check the 2025 totals."""
    f = factors[factors["kind"] == "naics3"].assign(factor=lambda d: d["factor"].astype(float))
    rows = set(f["group"])
    w = weights.assign(weight=weights["weight"].astype(float))
    cells = hs6.merge(w[["group", "hs6", "naics3", "weight"]], on=["group", "hs6"])
    cells["row"] = np.where(cells["group"] != "REST", cells["group"],
                            np.where(cells["exporter"].isin(rows), cells["exporter"], OTHER))
    cells = cells.merge(f[["group", "naics3", "factor"]].rename(columns={"group": "row"}),
                        on=["row", "naics3"], how="left")
    cells["v25"] = cells["value_usd"].astype(float) * cells["weight"] * cells["factor"].fillna(1.0)
    t = cells.groupby("group")["v25"].sum()
    n1 = sh.stats["step_n1_totals"]
    sh.check("2025 step: VN imports for consumption vs N1 (Jan-Nov + est. Dec)", float(t["VNM"]),
             n1["VNM"][1], hard=True)
    sh.check("2025 step: CN imports for consumption vs N1 (Jan-Nov + est. Dec)", float(t["CHN"]),
             n1["CHN"][1], hard=True)
    for g, (factor, _, _, h25) in ((g, sh.stats[f"step_basis_{g}"]) for g in ("VNM", "CHN")):
        gen = _general_2024(sh)[g] * float(t[g]) / float(
            (hs6.loc[hs6["group"] == g, "value_usd"].astype(float)).sum()) * factor
        sh.check(f"2025 step: {g} general imports (mixed) vs headline", gen, h25, hard=True)
    sh.stats["step_totals_2025"] = t.to_dict()
    sh.stats["step_totals_2024"] = hs6.groupby("group")["value_usd"].sum().astype(float).to_dict()



def sources_md(sh: Build) -> str:
    """The SOURCES.md section on the 2025 starting point (needs :func:`build_step_2025` run)."""
    bn = lambda x: f"{x / 1e9:,.2f}"  # noqa: E731
    pct = lambda x: f"{x * 100:.1f} %"  # noqa: E731
    methods = sh.stats["step_map_methods"]
    by_group = sh.stats["step_map_methods_by_group"]
    order = ["crosswalk_hs10", "modal_hs8", "modal_hs6", "modal_hs4", "assumption", "modal_hs2"]
    mrows = "\n".join(f"  | `{m}` | {pct(methods.get(m, 0.0))} | "
                      + " | ".join(pct(by_group.get((g, m), 0.0)) for g in GROUPS) + " |"
                      for m in order)
    gap = sh.stats["step_gap"].copy()
    gap["diff"] = gap["mapped"] - gap["y24"]
    totals = gap.groupby("group")[["mapped", "y24", "y25"]].sum()
    trows = "\n".join(f"  | {g} | {bn(totals.loc[g, 'mapped'])} | {bn(totals.loc[g, 'y24'])} | "
                      f"{(totals.loc[g, 'mapped'] / totals.loc[g, 'y24'] - 1) * 100:+.2f} % | "
                      f"{bn(totals.loc[g, 'y25'])} |" for g in GROUPS)
    big = gap[gap["diff"].abs() >= 0.5e9].sort_values(["group", "naics3"])
    grows = "\n".join(f"  | {r.group} | {r.naics3} | {bn(r.mapped)} | {bn(r.y24)} | "
                      f"{r.diff / 1e9:+,.2f} |" for r in big.itertuples())
    n1, dec = sh.stats["step_n1_totals"], sh.stats["step_n1_december"]
    drows = "\n".join(f"  | {g} | {bn(n1[g][0])} | {bn(n1[g][2])} | {bn(dec[g])} | {bn(n1[g][1])} | "
                      f"{(n1[g][1] / n1[g][0] - 1) * 100:+.1f} % |" for g in ("VNM", "CHN", "WORLD"))
    basis = "\n".join(f"  - {g}: general ÷ consumption {sh.stats[f'step_basis_{g}'][2]:.4f} in 2024, "
                      f"{sh.stats[f'step_basis_{g}'][1]:.4f} in 2025 (headline "
                      f"{bn(sh.stats[f'step_basis_{g}'][3])} bn ÷ consumption estimate), change "
                      f"{sh.stats[f'step_basis_{g}'][0]:.4f} at totals" for g in ("VNM", "CHN"))
    assumed = "; ".join(f"{p} → {n}" for p, n, _ in ASSUMED_NAICS3)
    it, other = sh.stats["step_ipf"]
    return f"""
## 2025 starting point (`step_2025_hs6_naics3.csv.gz`, `step_2025_factors.csv.gz`)

`tradesim.load_baseline(resolution, year=2025)` (`"mixed"` or `"hs6"`) carries the 2024 baseline
to what is known of 2025 (`tradesim.data.baseline.step_2025`): the 2024 HS6 × supplier structure,
scaled sector by sector to the 2025 Census NAICS3 × supplier actuals (N1) and, on the mixed
resolution, to the 2025 headline totals. The 2025 totals come out **by construction of the
baseline**; no model output is overwritten. Built by `tools/package_data/step2025.py`, from the
shared data only.

**1. HS6 → NAICS3 weights** (`step_2025_hs6_naics3.csv.gz` — `group,hs6,naics3,weight,method,source`).
Every 2024 HS10 line of every partner (`us_imports_hs10_by_partner_2024.csv.gz`, S5, imports for
consumption; Slovakia rows dropped, inside EU) gets a NAICS3 code, then each HS6 line's value is
split over its NAICS3 codes, separately for the groups VNM, CHN and REST (all other partners,
pooled). Rules, in order: the line in the shared Vietnam crosswalk
(`2025/vn_hs10_2024_to_naics3_crosswalk.csv`, Census concordance C1, exact on Vietnam's lines);
else the modal NAICS3 of the same HS8, HS6, then HS4 in that crosswalk; else the prefix table
`ASSUMED_NAICS3` in the build (**assumption**, from the NAICS 2022 definitions, for headings
Vietnam does not export where the chapter's modal code would be wrong: {assumed}); else the
modal NAICS3 of the chapter in the crosswalk (`modal_hs2`, also an approximation). Share of 2024
value by rule:

  | rule | all partners | VNM | CHN | REST |
  |---|---:|---:|---:|---:|
{mrows}

**Check: mapped 2024 against the N1 NAICS3 actuals**, bn USD (imports for consumption). VNM and
CHN totals agree to the dollar (the HS10 files and N1 are the same Census totals); REST is short by
the partners not in the HS10 file (about 1.6 %).

  | group | mapped 2024 | N1 2024 | gap | N1 2025 (est.) |
  |---|---:|---:|---:|---:|
{trows}

Sectors whose mapped value differs from N1 by 0.5 bn or more (mapping error; REST also coverage):

  | group | NAICS3 | mapped 2024 | N1 2024 | gap |
  |---|---|---:|---:|---:|
{grows}

Vietnam's lines match N1 to within the crosswalk's own 0.5 bn 321/337 difference. For China the
Vietnam-based crosswalk misplaces about 1 bn in each of 314, 334 and 339; for REST the gaps are
larger (crude oil and gas 211, machinery 333, vehicles 336), partly because the crosswalk is
Vietnam's lines and partly coverage. VNM and CHN are scaled to N1 levels sector by sector, so a
mapping gap there moves value between HS6 lines of a sector, not the supplier's total; REST is
scaled by growth rates, so its level gaps do not carry into 2025.

**2. 2025 targets, with an estimated December.** N1 runs to 2025-11. December 2025 is
**estimated** as December 2024 × (October–November 2025 ÷ October–November 2024), by partner and
NAICS3 (and by partner for the country totals); the estimate is labelled in every `method`.
Imports for consumption, bn USD:

  | partner | 2024 | Jan–Nov 2025 | est. Dec 2025 | 2025 (est.) | change |
  |---|---:|---:|---:|---:|---:|
{drows}

**3. Factors** (`step_2025_factors.csv.gz` — `kind,group,naics3,value_2024,value_2025,factor,method,source`).
- `kind = naics3`, groups VNM and CHN: factor = N1 2025 (estimated full year) ÷ mapped 2024 value
  of the sector, so each group's 2025 imports for consumption equal N1 sector by sector.
- `kind = naics3`, REST rows (each REST partner of the HS6 file that the N1 country-totals file
  holds, and `OTHER` for the rest): iterative proportional fitting of the mapped 2024 REST block
  (partner × NAICS3), columns to the N1 REST (WORLD − VNM − CHN) sector growth, rows to each
  partner's 2025/2024 growth (country totals, December estimated); `OTHER` takes the residual
  ({other * 100:+.1f} %). Converged in {it} iterations to 1e-12. Cells without 2024 value have no row
  (factor 1).
- `kind = basis`, VNM and CHN: the mixed baseline is on **general imports** (the headline basis),
  N1 on imports for consumption. One factor per supplier puts the carried general-imports total on
  the 2025 headline (`value_2025`: Vietnam 193.86 bn = the 178.2 bn deficit, P1/P2, + 15.657 bn
  exports, S1; China 308.4 bn, P1): the baseline applies headline ÷ its own carried total, which
  stands for the change of the general/consumption ratio between 2024 and 2025:
{basis}
  The hs6 resolution stays on imports for consumption (as in 2024): its Vietnam and China totals
  are the N1 2025 estimates, not the headline.
- `kind = duty_rate`: observed calculated duty ÷ value (N1), 2024 and January–November 2025, for
  the record. **The 2025 baseline keeps the 2024 base tariffs**: its flows already contain the
  effect of the 2025 measures, so a scenario on it must state only changes relative to 2025
  (running the 2025 measures again counts them twice).
- US exports to Vietnam in 2025: the packaged HS6 exports (S1, full year, {bn(sh.stats.get('vn_exports_2025', 0))} bn);
  HS6 codes new in 2025 go to the longest product code that prefixes them.

Checks (applying the written tables as the baseline does): Vietnam 2025 imports for consumption
{bn(sh.stats['step_totals_2025']['VNM'])} bn and China {bn(sh.stats['step_totals_2025']['CHN'])} bn equal the N1 estimates;
the mixed baseline reproduces 193.86 and 308.4 bn general imports, 15.657 bn exports and the
−178.2 bn balance (`tests/test_step2025.py`).
"""

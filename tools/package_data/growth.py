"""Baseline growth by supplier x chapter (2017-2024 trend, capped)."""
from __future__ import annotations

import pandas as pd

from package_data.common import (
    BASE_YEAR,
    EU_MEMBERS_IN_DATA,
    GENERAL_2024_EXPORTERS,
    GROWTH_CAP,
    GROWTH_MIN_USD,
    GROWTH_START,
    Build,
    cagr,
    fmt_float,
    hs2_of,
)


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


def build_growth(sh: Build, hs6: pd.DataFrame, general: pd.DataFrame, exports_hs6: pd.DataFrame,
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
    sh.write_table(out, "growth_hs2.csv")
    sh.stats["growth_world_all"] = world_all
    sh.stats["growth_exports_all"] = ex_all
    return out

"""Build the embedded baseline from the packaged source tables (pure pandas, no file I/O).

:mod:`tradesim.io` reads ``tradesim/data/embedded/*`` into the frames named in :data:`TABLES` and
calls :func:`build`. Two resolutions share one code path:

``"mixed"`` (default)
    Every HS chapter, with negotiation lines (``product_splits.csv``) split out and a "rest of"
    residual. US imports are on the **general imports** basis (the Census headline): each
    supplier's chapter total comes from Census general imports, split into lines with that
    supplier's 2024 HS6 shares on the imports-for-consumption basis. ``ROW`` is WORLD minus the
    named suppliers, split with the HS6 shares of the covered partners that are not named.
``"hs6"``
    The US market at HS6 with every supplier the HS6 file holds (EU + 49 countries, imports for
    consumption, 98 % of US imports) plus a ROW residual built by chapter, and the Vietnamese
    market at HS6.
``"hs2"`` (:func:`build_chapters`)
    Whole chapters. For 2017 (the base of the 2018–19 replay) from US imports for consumption
    by chapter for WORLD and the 20 largest suppliers of 2013–2020, with 2017 duty rates (actual
    for Vietnam, 2024-based proxies otherwise); for 2024 the mixed data with no splits.

The Vietnamese market is built from US export statistics (total exports, f.a.s.): Vietnamese
import data by supplier are not in the shared data, so its ``ROW`` supplier has zero value and
substitution toward third suppliers is not modelled there (``attrs["vnm_market"]`` says so).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.data.frame import assemble
from tradesim.data.products import axis_of
from tradesim.dims import ROW, US, VN
from tradesim.errors import DataError

__all__ = ["CHAPTER_TABLES", "CHAPTER_YEARS", "STEP_TABLES", "TABLES", "build", "build_chapters",
           "step_2025"]

#: Packaged tables and the columns :func:`build` reads from each.
TABLES: dict[str, tuple[str, ...]] = {
    "imports_hs6": ("exporter", "hs6", "value_usd", "duty_usd"),
    "imports_hs2_general": ("exporter", "hs2", "value_usd"),
    "exports_hs6": ("year", "hs6", "value_usd"),
    "growth": ("importer", "exporter", "hs2", "growth"),
    "elasticities_hs2": ("importer", "hs2", "sigma", "eta", "adjustment"),
    "elasticities_hs6_us": ("hs6", "sigma"),
    "vn_mfn": ("hs", "rate", "valid_from", "valid_to"),
    "splits": ("code",),
    "chapters": ("hs2", "name"),
}

WORLD = "WORLD"


def _check(tables: Mapping[str, pd.DataFrame],
           spec: Mapping[str, tuple[str, ...]] = TABLES) -> None:
    """Every table in ``spec`` is present with its columns, else :class:`DataError`."""
    for name, cols in spec.items():
        if name not in tables:
            raise DataError(f"packaged table {name!r} is missing")
        missing = [c for c in cols if c not in tables[name].columns]
        if missing:
            raise DataError(f"packaged table {name!r} lacks column(s) {missing}")


def _us_market_mixed(tables: Mapping[str, pd.DataFrame], member: pd.Series) -> pd.DataFrame:
    """US imports by supplier × mixed product on the general-imports basis, with tariffs."""
    hs6 = tables["imports_hs6"].copy()
    general = tables["imports_hs2_general"]
    named = sorted(set(general["exporter"]) - {WORLD})
    hs6["product"] = hs6["hs6"].map(member)
    hs6["hs2"] = hs6["hs6"].str[:2]
    hs6["supplier"] = np.where(hs6["exporter"].isin(named), hs6["exporter"], ROW)
    cells = hs6.groupby(["supplier", "hs2", "product"], as_index=False)[
        ["value_usd", "duty_usd"]].sum()
    world_mix = hs6.groupby(["hs2", "product"], as_index=False)["value_usd"].sum()
    # Chapter totals on the headline (general) basis; ROW = WORLD - named suppliers.
    totals = general[general["exporter"] != WORLD].rename(columns={"exporter": "supplier"})
    world = general[general["exporter"] == WORLD].set_index("hs2")["value_usd"]
    rest = (world - totals.groupby("hs2")["value_usd"].sum().reindex(world.index, fill_value=0))
    row = pd.DataFrame({"supplier": ROW, "hs2": rest.index, "value_usd": rest.clip(lower=0)})
    totals = pd.concat([totals[["supplier", "hs2", "value_usd"]], row], ignore_index=True)
    # Shares within each (supplier, chapter); fall back to all-partner shares where the
    # supplier has general imports in a chapter but no HS6 detail (basis differences).
    share = cells.assign(share=cells["value_usd"] / cells.groupby(["supplier", "hs2"])[
        "value_usd"].transform("sum"))
    have = set(zip(share["supplier"], share["hs2"], strict=True))
    need = totals[[(s, h) not in have for s, h in zip(totals["supplier"], totals["hs2"],
                                                      strict=True)]]
    fallback = need[["supplier", "hs2"]].merge(world_mix, on="hs2")
    fallback["share"] = fallback["value_usd"] / fallback.groupby(["supplier", "hs2"])[
        "value_usd"].transform("sum")
    shares = pd.concat([share[["supplier", "hs2", "product", "share"]],
                        fallback[["supplier", "hs2", "product", "share"]]], ignore_index=True)
    flows = totals.merge(shares, on=["supplier", "hs2"], how="inner")
    flows["value"] = flows["value_usd"] * flows["share"]
    lost = totals["value_usd"].sum() - flows["value"].sum()
    if abs(lost) > 1e-6 * totals["value_usd"].sum():
        raise DataError(f"mixed US market lost {lost:.0f} USD while splitting chapters")
    flows = flows.groupby(["supplier", "product"], as_index=False)["value"].sum()
    flows = flows.merge(_rates(cells, hs6), on=["supplier", "product"], how="left")
    return flows.rename(columns={"supplier": "exporter"}).assign(importer=US)


def _us_market_hs6(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """US imports by partner × HS6 (consumption basis), plus a chapter-level ROW residual.

    ROW = WORLD general imports − the covered partners' imports for consumption, by chapter
    (clipped at zero; mixed bases, so it absorbs the ±2 % basis gap too), spread over the
    chapter's HS6 lines with the covered partners' shares, at their average duty rate.
    """
    hs6 = tables["imports_hs6"].rename(columns={"hs6": "product"})
    us = hs6.groupby(["exporter", "product"], as_index=False)[["value_usd", "duty_usd"]].sum()
    every = us.groupby("product", as_index=False)[["value_usd", "duty_usd"]].sum()
    every["hs2"] = every["product"].str[:2]
    general = tables["imports_hs2_general"]
    world = general[general["exporter"] == WORLD].set_index("hs2")["value_usd"]
    covered = every.groupby("hs2")["value_usd"].sum()
    rest = (world - covered.reindex(world.index, fill_value=0.0)).clip(lower=0.0)
    share = every["value_usd"] / every["hs2"].map(covered)
    row = every.assign(exporter=ROW, value_usd=share * every["hs2"].map(rest).fillna(0.0),
                       duty_usd=every["duty_usd"] * 0.0)
    row["tariff"] = (every["duty_usd"] / every["value_usd"]).where(every["value_usd"] > 0, 0.0)
    us["tariff"] = (us["duty_usd"] / us["value_usd"]).where(us["value_usd"] > 0, 0.0)
    out = pd.concat([us, row[row["value_usd"] > 0][us.columns]], ignore_index=True)
    return out.rename(columns={"value_usd": "value"}).assign(importer=US)


def _rates(cells: pd.DataFrame, hs6: pd.DataFrame) -> pd.DataFrame:
    """Duty ÷ value per supplier and product; all-partner rate where a supplier has none."""
    own = cells.groupby(["supplier", "product"])[["value_usd", "duty_usd"]].sum()
    every = hs6.groupby("product")[["value_usd", "duty_usd"]].sum()
    all_rate = (every["duty_usd"] / every["value_usd"]).where(every["value_usd"] > 0, 0.0)
    rate = (own["duty_usd"] / own["value_usd"]).where(own["value_usd"] > 0)
    out = rate.rename("tariff").reset_index()
    out["tariff"] = out["tariff"].fillna(out["product"].map(all_rate)).fillna(0.0)
    return out


def _vn_rates(codes: pd.Series, vn_mfn: pd.DataFrame, on: str) -> np.ndarray:
    """Vietnam's applied MFN rate (fraction) on each HS6 code, longest prefix wins, at ``on``."""
    valid = vn_mfn[(vn_mfn["valid_from"].fillna("0000") <= on) &
                   (vn_mfn["valid_to"].fillna("9999") >= on)]
    table = sorted(((str(h), float(r)) for h, r in zip(valid["hs"], valid["rate"], strict=True)
                    if h != "all"), key=lambda kv: -len(kv[0]))
    default = valid.loc[valid["hs"] == "all", "rate"]
    if default.empty:
        raise DataError("vn_mfn_rates has no 'all' row in force in the base year")
    out = np.full(len(codes), float(default.iloc[0]))
    assigned = np.zeros(len(codes), dtype=bool)
    values = codes.to_numpy().astype(str)
    for prefix, rate in table:
        hit = np.char.startswith(values, prefix) & ~assigned
        out[hit], assigned[hit] = rate, True
    return out


def _vn_market(tables: Mapping[str, pd.DataFrame], member: pd.Series, year: int) -> pd.DataFrame:
    """Vietnamese imports from the US (US total exports, f.a.s.) by product, with VN MFN."""
    ex = tables["exports_hs6"]
    ex = ex[ex["year"].astype(int) == year].copy()
    ex["product"] = ex["hs6"].map(member)
    ex["rate"] = _vn_rates(ex["hs6"], tables["vn_mfn"], f"{year}-07-01")
    ex["weighted"] = ex["rate"] * ex["value_usd"]
    g = ex.groupby("product").agg(value=("value_usd", "sum"), weighted=("weighted", "sum"),
                                  mean_rate=("rate", "mean"))
    g["tariff"] = (g["weighted"] / g["value"]).where(g["value"] > 0, g["mean_rate"])
    out = g[["value", "tariff"]].reset_index()
    return out.assign(importer=VN, exporter=US)


def _growth(flows: pd.DataFrame, growth: pd.DataFrame,
            common: tuple[str, ...] = ()) -> pd.Series:
    """Baseline growth per flow: the supplier's chapter trend, or in the ``common`` markets the
    market's own (WORLD) chapter demand growth, the same for every supplier."""
    g = growth.copy()
    g["hs2"] = g["hs2"].astype(str)
    table = g.set_index(["importer", "exporter", "hs2"])["growth"]
    chapter = flows["product"].str[:2]
    supplier = flows["exporter"].where(~flows["importer"].isin(common), WORLD)
    keys = list(zip(flows["importer"], supplier, chapter, strict=True))
    own = table.reindex(keys).to_numpy()
    fallback = table.reindex(
        list(zip(flows["importer"], supplier, ["all"] * len(flows), strict=True)))
    out = np.where(np.isnan(own), fallback.to_numpy(), own)
    return pd.Series(np.where(np.isnan(out), 0.0, out), index=flows.index)


def _share_trends(tables: Mapping[str, pd.DataFrame], flows: pd.DataFrame,
                  member: pd.Series) -> pd.Series:
    """Log-share trend per year of each flow (0 where the ``share_trends`` table has none).

    Sector trends (NAICS3) reach HS6 lines through the supplier's 2024 HS6 → NAICS3 weights
    (``step_hs6_naics3``) and the product axis as the supplier's value-weighted mean.
    """
    trends, weights = tables.get("share_trends"), tables.get("step_hs6_naics3")
    out = pd.Series(0.0, index=flows.index)
    if trends is None or weights is None:
        return out
    hs6 = tables["imports_hs6"]
    for (importer, exporter), sector in trends.groupby(["importer", "exporter"]):
        w = weights[weights["group"] == exporter].merge(
            sector[["naics3", "trend"]], on="naics3", how="left").fillna({"trend": 0.0})
        line = (w["weight"] * w["trend"]).groupby(w["hs6"]).sum()
        v = hs6.loc[hs6["exporter"] == exporter].set_index("hs6")["value_usd"]
        v = v[v.index.isin(member.index)]
        product = member.reindex(v.index)
        weighted = (v * line.reindex(v.index).fillna(0.0)).groupby(product).sum()
        by_product = weighted / v.groupby(product).sum().replace(0.0, np.nan)
        rows = (flows["importer"] == importer) & (flows["exporter"] == exporter)
        out[rows] = flows.loc[rows, "product"].map(by_product).fillna(0.0).to_numpy()
    return out


def _params(tables: Mapping[str, pd.DataFrame], products: list[str], importers: list[str],
            resolution: str) -> pd.DataFrame:
    el = tables["elasticities_hs2"].copy()
    el["hs2"] = el["hs2"].astype(str)
    rows = pd.DataFrame([(i, p) for i in importers for p in products],
                        columns=["importer", "product"])
    rows["hs2"] = rows["product"].str[:2]
    cols = ["sigma", "eta", "adjustment"]
    own = rows.merge(el[["importer", "hs2", *cols]], on=["importer", "hs2"], how="left")
    fall = rows.merge(el.loc[el["hs2"] == "all", ["importer", *cols]], on="importer", how="left")
    for col in cols:
        own[col] = own[col].fillna(fall[col])
    if resolution == "hs6":
        hs6 = tables["elasticities_hs6_us"].set_index("hs6")["sigma"]
        us = own["importer"] == US
        own.loc[us, "sigma"] = own.loc[us, "product"].map(hs6).fillna(own.loc[us, "sigma"])
    return own[["importer", "product", *cols]]


def _reallocation(tables: Mapping[str, pd.DataFrame], params: pd.DataFrame,
                  ) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, str],
                             dict[str, float]]:
    """Apply the estimated nest premium and adjustment speed (``reallocation`` table).

    Each market in the table gets ``sigma_nest = nest_ratio × sigma`` for every product, its
    ``adjustment`` (λ, the first-year share) and its nest of close substitutes; other markets
    keep the one-level CES and the literature λ. Returns (params, nest, attrs, persistence).
    """
    table = tables.get("reallocation")
    if table is None or table.empty:
        return params, {}, {}, {}
    out = params.copy()
    nest: dict[str, list[str]] = {}
    persistence: dict[str, float] = {}
    notes = []
    for importer, rows in table.groupby("importer"):
        value = rows.set_index("parameter")["value"].astype(float)
        market = out["importer"] == importer
        out.loc[market, "sigma_nest"] = out.loc[market, "sigma"] * value["nest_ratio"]
        out.loc[market, "adjustment"] = value["adjustment"]
        nest[str(importer)] = str(rows["nest"].iloc[0]).split()
        if "trend_persistence" in value:
            persistence[str(importer)] = float(value["trend_persistence"])
        notes.append(f"{importer}: nest {' + '.join(nest[str(importer)])}, sigma_nest = "
                     f"{value['nest_ratio']:.3f} x sigma, adjustment {value['adjustment']:.3f}")
    attrs = {"reallocation": "; ".join(notes) + " (estimated on the "
             f"{table['episodes'].iloc[0]} episodes: reallocation.csv, docs/validation.md)"}
    return out, nest, attrs, persistence


def build(tables: Mapping[str, pd.DataFrame], resolution: str = "mixed",
          base_year: int = 2024) -> xr.Dataset:
    """Assemble the baseline Dataset at ``resolution`` ("mixed" or "hs6") from packaged tables."""
    _check(tables)
    if resolution not in ("mixed", "hs6"):
        raise DataError(f"unknown resolution {resolution!r}; use 'mixed' or 'hs6'")
    exports = tables["exports_hs6"]
    codes = sorted(set(tables["imports_hs6"]["hs6"]) |
                   set(exports.loc[exports["year"].astype(int) == base_year, "hs6"]))
    if resolution == "mixed":
        member = axis_of(codes, list(tables["splits"]["code"].astype(str)))
        us = _us_market_mixed(tables, member)
    else:
        member = pd.Series(codes, index=codes, dtype=object)
        us = _us_market_hs6(tables)
    vn = _vn_market(tables, member, base_year)
    flows = pd.concat([us, vn], ignore_index=True)[
        ["importer", "exporter", "product", "value", "tariff"]]
    if resolution == "mixed":
        flows = pd.concat([flows, pd.DataFrame(
            {"importer": VN, "exporter": ROW, "product": vn["product"], "value": 0.0,
             "tariff": vn["tariff"]})], ignore_index=True)
    flows["growth"] = _growth(flows, tables["growth"], common=(US,))
    flows["share_trend"] = _share_trends(tables, flows, member)
    products = sorted(set(member.to_numpy()))
    params, nest, realloc, rho = _reallocation(tables,
                                               _params(tables, products, [US, VN], resolution))
    names = _names(tables, products)
    attrs = {
        "title": f"US-Vietnam trade baseline {base_year} ({resolution} resolution)",
        "base_year": base_year,
        "resolution": resolution,
        "source": "US Census Bureau trade statistics via S1, S3, S5 (see tradesim/data/embedded/"
                  "SOURCES.md); elasticities: Broda-Weinstein (2006), Hauk (2012), BLP (2023)",
        "basis": ("USA market: general imports, customs value (chapter totals), split by 2024 "
                  "HS6 imports-for-consumption shares" if resolution == "mixed" else
                  "USA market: imports for consumption, customs value, HS6 (S5), 50 partners; "
                  "ROW = WORLD general imports minus those partners by chapter, spread over HS6 "
                  "with the partners' shares"),
        "balance_basis": _balance_basis("general imports" if resolution == "mixed" else
                                        "imports for consumption"),
        "vnm_market": "US total exports to Vietnam (f.a.s., S1) standing in for Vietnamese "
                      "imports from the US; Vietnamese imports from other suppliers are not in "
                      "the data (ROW = 0), so no substitution toward third suppliers there",
        "tariff_source": "USA: 2024 calculated duty / customs value by supplier and product (S5);"
                         " VNM: Vietnam MFN (vn_mfn_rates.csv; 9.4 % simple-average default)",
        "growth_source": "USA market: demand growth of the market by chapter, common to every "
                         "supplier (WORLD CAGR 2017-2024, capped to [-10 %, +10 %], "
                         "growth_hs2.csv), with Vietnam's and China's share trends (2021-2024 "
                         "by NAICS3 sector, share_trends.csv) decaying at trend_persistence a "
                         "year; VNM market: CAGR 2017-2024 of US exports by chapter",
    }
    attrs.update(_mirror(tables.get("totals"), base_year))
    attrs.update(realloc)
    return assemble(flows, params, member, attrs, names, nest=nest, persistence=rho)


#: Packaged tables :func:`build_chapters` reads for the 2017 chapter baseline.
CHAPTER_TABLES: dict[str, tuple[str, ...]] = {
    "imports_hs2_consumption": ("year", "exporter", "hs2", "value_usd"),
    "duty_hs2_2017": ("exporter", "hs2", "rate"),
    "exports_hs2": ("year", "hs2", "value_usd"),
    "elasticities_hs2": ("importer", "hs2", "sigma", "eta", "adjustment"),
    "vn_mfn": ("hs", "rate", "valid_from", "valid_to"),
    "chapters": ("hs2", "name"),
}

#: Base years :func:`build_chapters` can build.
CHAPTER_YEARS = (2017, 2024)


def build_chapters(tables: Mapping[str, pd.DataFrame], year: int = 2017) -> xr.Dataset:
    """Assemble a chapter-resolution (HS2) baseline for ``year`` from packaged tables.

    ``year=2017`` (the base of the 2018–19 replay): US imports for consumption by chapter
    (the only basis with 2017 chapter detail) from WORLD and the 20 largest suppliers of
    2013–2020; ``ROW`` = WORLD − those 20. Base tariffs from ``us_duty_hs2_2017.csv`` (actual
    calculated duty for Vietnam, 2024-based proxies for the others, see SOURCES.md). The
    Vietnamese market is US total exports by chapter with Vietnam's MFN default. Growth is zero:
    the packaged growth rates are 2017–2024 trends that already contain the trade war.
    Member codes are the chapter codes.

    ``year=2024``: the default baseline's data (US general imports by chapter, HS6 shares and
    duty, growth trends) with every chapter whole; member codes stay HS6.
    """
    if year == 2024:
        _check(tables)
        empty = tables["splits"].iloc[0:0]
        ds = build({**tables, "splits": empty}, resolution="mixed", base_year=2024)
        ds.attrs.update(title="US-Vietnam trade baseline 2024 (hs2 resolution)", resolution="hs2",
                        basis="USA market: general imports, customs value, by chapter (S3); "
                              "tariffs from 2024 HS6 imports for consumption and duty (S5)")
        return ds
    if year != 2017:
        raise DataError(f"no chapter baseline for {year}; available: {list(CHAPTER_YEARS)}")
    _check(tables, CHAPTER_TABLES)
    us = _us_market_chapters(tables, year)
    vn = _vn_market_chapters(tables, year)
    flows = pd.concat([us, vn], ignore_index=True)
    flows["growth"] = 0.0
    products = sorted(set(flows["product"]))
    member = pd.Series(products, index=products, dtype=object)
    params, nest, realloc, _ = _reallocation(tables, _params(tables, products, [US, VN], "hs2"))
    chapters = dict(zip(tables["chapters"]["hs2"].astype(str), tables["chapters"]["name"],
                        strict=True))
    names = {p: str(chapters.get(p, "")).strip() for p in products}
    attrs: dict[str, object] = {
        "title": f"US-Vietnam trade baseline {year} (hs2 resolution)",
        "base_year": year,
        "resolution": "hs2",
        "source": "US Census Bureau trade statistics via S1, S2, S5 (see tradesim/data/embedded/"
                  "SOURCES.md); elasticities: Broda-Weinstein (2006), Hauk (2012), BLP (2023)",
        "basis": f"USA market: imports for consumption, customs value, by chapter, {year} (S2: "
                 "WORLD and the 20 largest suppliers of 2013-2020; ROW = WORLD minus those 20); "
                 "the consumption basis differs from the general-imports headline by about 1 %",
        "balance_basis": _balance_basis("imports for consumption"),
        "vnm_market": "US total exports to Vietnam (f.a.s., S1) by chapter standing in for "
                      "Vietnamese imports from the US; Vietnamese imports from other suppliers "
                      "are not in the data (ROW = 0), so no substitution toward third suppliers "
                      "there",
        "tariff_source": f"USA: {year} calculated duty / value by chapter, actual for Vietnam, "
                         "2024-based proxies for the others (us_duty_hs2_2017.csv); VNM: Vietnam "
                         "MFN (vn_mfn_rates.csv; 9.4 % simple-average default)",
        "growth_source": "zero: the baseline projection holds the 2017 flows (the packaged "
                         "2017-2024 growth trends contain the 2018-19 tariffs themselves)",
    }
    mirror = _mirror(tables.get("totals"), year)
    if mirror:  # restate against this baseline's own US totals (consumption basis)
        t = tables["totals"]
        t = t[t["year"].astype(str) == str(year)].set_index("flow")["value_usd"].astype(float)
        imports = float(us.loc[us["exporter"] == VN, "value"].sum())
        exports = float(vn["value"].sum())
        mirror.update(mirror_imports_ratio=float(t["vn_exports_to_us"]) / imports,
                      mirror_exports_ratio=float(t["vn_imports_from_us"]) / exports,
                      mirror_source=str(mirror["mirror_source"]).replace(
                          "US Census general imports", "US Census imports for consumption"))
        attrs.update(mirror)
    attrs.update(realloc)
    return assemble(flows, params, member, attrs, names, nest=nest)


def _us_market_chapters(tables: Mapping[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """US imports for consumption by supplier × chapter, ROW = WORLD − named, with tariffs."""
    cons = tables["imports_hs2_consumption"]
    cons = cons[cons["year"].astype(int) == year].copy()
    cons["hs2"] = cons["hs2"].astype(str)
    if cons.empty:
        raise DataError(f"no chapter imports for {year} in the packaged data")
    world = cons[cons["exporter"] == WORLD].set_index("hs2")["value_usd"].astype(float)
    named = cons[cons["exporter"] != WORLD]
    rest = world - named.groupby("hs2")["value_usd"].sum().reindex(world.index, fill_value=0)
    if (rest < -1.0).any():
        raise DataError(f"named suppliers exceed WORLD in chapters {list(rest[rest < -1].index)}")
    row = pd.DataFrame({"exporter": ROW, "hs2": rest.index, "value_usd": rest.clip(lower=0)})
    flows = pd.concat([named[["exporter", "hs2", "value_usd"]], row], ignore_index=True)
    duty = tables["duty_hs2_2017"].copy()
    duty["hs2"] = duty["hs2"].astype(str)
    rate = duty.set_index(["exporter", "hs2"])["rate"].astype(float)
    row_rate = rate.xs(ROW, level="exporter") if ROW in rate.index.get_level_values(0) else None
    keys = list(zip(flows["exporter"], flows["hs2"], strict=True))
    tariff = rate.reindex(keys).to_numpy()
    if row_rate is not None:  # a supplier without its own rate pays the ROW (MFN-proxy) rate
        tariff = np.where(np.isnan(tariff), row_rate.reindex(flows["hs2"]).to_numpy(), tariff)
    flows["tariff"] = np.where(np.isnan(tariff), 0.0, tariff)
    return pd.DataFrame({"importer": US, "exporter": flows["exporter"], "product": flows["hs2"],
                         "value": flows["value_usd"].astype(float), "tariff": flows["tariff"]})


def _vn_market_chapters(tables: Mapping[str, pd.DataFrame], year: int) -> pd.DataFrame:
    """Vietnamese imports from the US by chapter (US total exports), VN MFN; ROW = 0."""
    ex = tables["exports_hs2"]
    ex = ex[ex["year"].astype(int) == year]
    codes = ex["hs2"].astype(str)
    tariff = _vn_rates(codes, tables["vn_mfn"], f"{year}-07-01")
    us = pd.DataFrame({"importer": VN, "exporter": US, "product": codes.to_numpy(),
                       "value": ex["value_usd"].astype(float).to_numpy(), "tariff": tariff})
    return pd.concat([us, us.assign(exporter=ROW, value=0.0)], ignore_index=True)


def _balance_basis(imports: str) -> str:
    return (f"US statistics: imports = US {imports} (customs value), exports = US total "
            "exports (f.a.s.)")


def _mirror(totals: pd.DataFrame | None, year: int) -> dict[str, object]:
    """Vietnamese-statistics ÷ US-statistics ratios of the two flows in the base year."""
    if totals is None:
        return {}
    t = totals[totals["year"].astype(str) == str(year)].set_index("flow")
    need = ["vn_exports_to_us", "us_imports_from_vn", "vn_imports_from_us", "us_exports_to_vn"]
    if not set(need) <= set(t.index):
        return {}
    v = t["value_usd"].astype(float)
    return {
        "mirror_imports_ratio": float(v["vn_exports_to_us"] / v["us_imports_from_vn"]),
        "mirror_exports_ratio": float(v["vn_imports_from_us"] / v["us_exports_to_vn"]),
        "mirror_source": (f"{year} totals (us_vn_totals.csv): Vietnam customs (GDC) as reported "
                          f"in the press, {t.loc['vn_exports_to_us', 'source']}; US Census "
                          "general imports and total exports"),
    }


def _names(tables: Mapping[str, pd.DataFrame], products: list[str]) -> dict[str, str]:
    chapters = dict(zip(tables["chapters"]["hs2"].astype(str), tables["chapters"]["name"],
                        strict=True))
    lines = dict(zip(tables["splits"]["code"].astype(str), tables["splits"].get(
        "name", tables["splits"]["code"]), strict=True))
    extra = tables.get("hs6_names")
    if extra is not None:
        lines = {**dict(zip(extra["hs6"].astype(str), extra["name"], strict=True)), **lines}
    out = {}
    for p in products:
        code = p.rstrip("*")
        if p.endswith("*"):
            parent = lines.get(code) or chapters.get(code, code)
            out[p] = f"rest of {parent}"
        else:
            out[p] = lines.get(code) or chapters.get(code, "")
    return {k: str(v).strip() for k, v in out.items()}


#: Packaged tables :func:`step_2025` reads (besides ``imports_hs6``, ``exports_hs6``, ``totals``).
STEP_TABLES: dict[str, tuple[str, ...]] = {
    "step_hs6_naics3": ("group", "hs6", "naics3", "weight"),
    "step_factors": ("kind", "group", "naics3", "factor"),
    "imports_hs6": ("exporter", "hs6", "value_usd"),
    "exports_hs6": ("year", "hs6", "value_usd"),
}

#: What ``attrs["step_2025"]`` says about how a 2025 baseline was built.
STEP_2025_NOTE = ("2024 HS6 structure carried to 2025 NAICS3 x supplier actuals (Census N1, "
                  "imports for consumption, Jan-Nov + estimated December) and the 2025 headline "
                  "totals, by construction of the baseline (no output is overwritten); see "
                  "tradesim/data/embedded/SOURCES.md, '2025 starting point'")

STEP_2025_TARIFFS = (
    "base tariff t0 = the 2024 applied rates (calculated duty / value 2024; VNM: 2024 Vietnam "
    "MFN), i.e. the tariff structure before the 2025 measures. The 2025 flows already contain "
    "the effect of the measures in force during 2025, so a scenario run on this baseline must "
    "state only changes relative to 2025: running the 2025 measures again (the April 2025 "
    "announcements, the 10 % pause, the 20 %/40 % framework, Section 232 of 2025, Vietnam's "
    "Decree 73/2025 cuts) counts them twice. Use the 2024 baseline for the 2025 measures and "
    "for backtests")


def _step_rows(rows: set[str], exporters: pd.Series) -> np.ndarray:
    """Factor row of each exporter: VNM, CHN, a REST partner with its own row, else OTHER."""
    own = exporters.where(exporters.isin(rows), "OTHER")
    return np.where(exporters.isin(["VNM", "CHN"]), exporters, own)


def _step_hs6_factors(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.Series]:
    """2025/2024 factor of every (exporter, HS6) cell of ``imports_hs6``, and of OTHER by HS6.

    factor(e, h) = sum_n w(group(e), h, n) * F(row(e), n), with w the HS6 -> NAICS3 weights of
    the supplier group and F the NAICS3 factor of the supplier's row (1 where none is packaged).
    """
    w = tables["step_hs6_naics3"][["group", "hs6", "naics3", "weight"]].astype(
        {"group": str, "hs6": str, "naics3": str, "weight": float})
    f = tables["step_factors"]
    f = f[f["kind"] == "naics3"][["group", "naics3", "factor"]].astype(
        {"group": str, "naics3": str, "factor": float}).rename(columns={"group": "row"})
    cells = tables["imports_hs6"][["exporter", "hs6", "value_usd"]].copy()
    cells["hs6"] = cells["hs6"].astype(str)
    cells["group"] = np.where(cells["exporter"].isin(["VNM", "CHN"]), cells["exporter"], "REST")
    cells["row"] = _step_rows(set(f["row"]), cells["exporter"])
    pieces = cells.reset_index().merge(w, on=["group", "hs6"], how="left")
    pieces = pieces.merge(f, on=["row", "naics3"], how="left")
    pieces["weight"] = pieces["weight"].fillna(1.0)  # an HS6 without weights keeps factor 1
    pieces["wf"] = pieces["weight"] * pieces["factor"].fillna(1.0)
    sums = pieces.groupby("index")[["wf", "weight"]].sum().reindex(cells.index)
    cells["factor"] = (sums["wf"] / sums["weight"]).to_numpy()  # weights rounded in the file
    other = w[w["group"] == "REST"].merge(f[f["row"] == "OTHER"], on="naics3", how="left")
    other["wf"] = other["weight"] * other["factor"].fillna(1.0)
    other = other.groupby("hs6")[["wf", "weight"]].sum()
    return cells, other["wf"] / other["weight"]


def step_2025(baseline: xr.Dataset, tables: Mapping[str, pd.DataFrame]) -> xr.Dataset:
    """Carry a 2024 baseline (``mixed`` or ``hs6``) to the observed 2025 starting point.

    US market: each (supplier, product) value is multiplied by the value-weighted 2025/2024
    factor of its 2024 HS6 cells (:func:`_step_hs6_factors`; a supplier or product without
    HS6 detail takes the OTHER row's factor of the product's HS6 lines). The NAICS3 factors
    make Vietnam's and China's 2025 imports for consumption equal to the Census NAICS3 actuals
    (Jan–Nov plus an estimated December) sector by sector, and the rest of the world follow its
    sector and partner growth. On the ``mixed`` resolution (general imports) Vietnam's and
    China's carried values are then multiplied by one basis factor each, the 2025 headline
    (general imports, the ``basis`` rows' ``value_2025``) over the carried total, which stands
    for the change of the general / consumption ratio between 2024 and 2025.
    Vietnamese market: US total exports to Vietnam in 2025 (S1) by product. Tariffs, growth,
    elasticities and the product axis are the 2024 baseline's (``attrs["tariff_2025"]`` says
    how a scenario must treat the 2025 measures).

    Parameters
    ----------
    baseline : Dataset
        A 2024 baseline from :func:`build` (``attrs["resolution"]`` "mixed" or "hs6").
    tables : mapping
        The packaged tables named in :data:`STEP_TABLES` (and optionally ``totals``).

    Returns
    -------
    Dataset
        The 2025 baseline, ``attrs["base_year"] == 2025``.
    """
    _check(tables, STEP_TABLES)
    resolution = str(baseline.attrs.get("resolution"))
    if resolution not in ("mixed", "hs6") or int(baseline.attrs.get("base_year", 0)) != 2024:
        raise DataError(f"step_2025 carries a 2024 'mixed' or 'hs6' baseline, not "
                        f"{baseline.attrs.get('base_year')} {resolution!r}")
    if "anchor" in baseline:
        raise DataError("step_2025 carries the unanchored 2024 baseline (the anchor is "
                        "calibrated to this step: load_baseline(anchor=False))")
    member = baseline["member_product"].to_series()
    products = [str(p) for p in baseline.indexes["product"]]
    exporters = [str(e) for e in baseline.indexes["exporter"]]
    cells, other_hs6 = _step_hs6_factors(tables)
    cells["supplier"] = np.where(cells["exporter"].isin(exporters) & (cells["exporter"] != ROW),
                                 cells["exporter"], ROW)
    cells["product"] = cells["hs6"].map(member)
    cells["vf"] = cells["value_usd"].astype(float) * cells["factor"]
    g = cells.groupby(["supplier", "product"])[["value_usd", "vf"]].sum()
    own = (g["vf"] / g["value_usd"]).where(g["value_usd"] > 0)
    # fallback by product: the OTHER row's factor of its HS6 lines, weighted by all partners' value
    every = cells.groupby("hs6")["value_usd"].sum().astype(float)
    fb = pd.DataFrame({"v": every, "f": other_hs6.reindex(every.index).fillna(1.0)})
    fb["product"] = fb.index.map(member)
    fb["vf"] = fb["v"] * fb["f"]
    fp = fb.groupby("product")[["v", "vf"]].sum()
    fallback = (fp["vf"] / fp["v"]).where(fp["v"] > 0).reindex(products).fillna(1.0)
    factor = own.unstack("product").reindex(index=exporters, columns=products)
    factor = factor.fillna(pd.DataFrame(np.broadcast_to(fallback.to_numpy(), factor.shape),
                                        index=factor.index, columns=factor.columns))
    out = baseline.copy(deep=True)
    us = out["value"].sel(importer=US).transpose("exporter", "product")
    factor = factor.reindex(index=list(us["exporter"].values), columns=list(us["product"].values))
    applied: dict[str, float] = {}
    if resolution == "mixed":  # general imports: one basis factor per supplier to the headline
        headline = tables["step_factors"]
        headline = headline[headline["kind"] == "basis"].set_index("group")["value_2025"]
        for e in ("VNM", "CHN"):
            if e in factor.index and e in headline.index:
                carried = float((us.sel(exporter=e).to_numpy() * factor.loc[e].to_numpy()).sum())
                applied[e] = float(headline[e]) / carried
                factor.loc[e] *= applied[e]
    out["value"].loc[{"importer": US}] = us * factor.to_numpy()
    # Vietnamese market: US total exports to Vietnam, 2025 (S1), by product
    ex = tables["exports_hs6"]
    ex = ex[ex["year"].astype(int) == 2025]
    mapped = ex["hs6"].astype(str).map(member)
    unmapped = mapped.isna()
    if unmapped.any():  # HS6 codes new in 2025: the longest product code that prefixes them
        labels = sorted(products, key=lambda p: -len(p.rstrip("*")))
        mapped[unmapped] = [next((p for p in labels if c.startswith(p.rstrip("*"))), None)
                            for c in ex.loc[unmapped, "hs6"].astype(str)]
    lost = float(ex.loc[mapped.isna(), "value_usd"].astype(float).sum())
    exports = ex.assign(product=mapped).groupby("product")["value_usd"].sum().astype(float)
    vn = out["value"].sel(importer=VN, exporter=US)
    out["value"].loc[{"importer": VN, "exporter": US}] = exports.reindex(
        [str(p) for p in vn["product"].values]).fillna(0.0).to_numpy()
    out.attrs.update(_step_attrs(baseline, tables, lost, applied))
    return out


def _step_attrs(old: xr.Dataset, tables: Mapping[str, pd.DataFrame], lost: float,
                applied: Mapping[str, float]) -> dict[str, object]:
    resolution = str(old.attrs["resolution"])
    f = tables["step_factors"]
    duty = f[f["kind"] == "duty_rate"].set_index("group")
    rates = "; ".join(f"{g} {float(duty.loc[g, 'value_2024']) * 100:.1f} % (2024) -> "
                      f"{float(duty.loc[g, 'value_2025']) * 100:.1f} % (Jan-Nov 2025)"
                      for g in ("VNM", "CHN", "REST") if g in duty.index)
    basis = (f"{old.attrs['basis']}; 2025: each supplier x product carried by its HS6 cells' "
             "2025/2024 NAICS3 factors (consumption basis), then VNM and CHN multiplied by the "
             "2024->2025 change of their general/consumption ratio so their totals equal the "
             "2025 headline general imports (193.86 / 308.4 bn)" if resolution == "mixed" else
             f"{old.attrs['basis']}; 2025: every partner x HS6 carried by its 2025/2024 NAICS3 "
             "factors; VNM and CHN equal Census N1 2025 imports for consumption (Jan-Nov + "
             "estimated December), not the general-imports headline")
    attrs: dict[str, object] = {
        "title": f"US-Vietnam trade baseline 2025 ({resolution} resolution)",
        "base_year": 2025,
        "step_2025": STEP_2025_NOTE,
        "step_2025_estimate": "December 2025 US imports are not in N1: estimated as December "
                              "2024 x the October-November 2025/2024 ratio, by partner and "
                              "NAICS3 (an estimate)",
        "basis": basis,
        "source": f"{old.attrs['source']}; 2025: Census N1 NAICS3 x month and country totals, "
                  "headline actuals P1/P2, S1 exports 2025",
        "tariff_source": f"{old.attrs['tariff_source']} (2024 rates kept)",
        "tariff_2025": f"{STEP_2025_TARIFFS}. Observed calculated duty / value (N1): {rates}",
        "growth_source": f"{old.attrs['growth_source']}; applied from 2025",
        "vnm_market": f"{old.attrs['vnm_market']}; 2025 values (S1 full year)",
        "step_2025_exports_unmapped_usd": lost,
        "step_2025_basis_factors": ", ".join(f"{e} {v:.4f}" for e, v in applied.items()) or
                                   "none (imports-for-consumption basis throughout)",
    }
    mirror = _mirror(tables.get("totals"), 2025)
    if mirror:
        attrs.update(mirror)
    return attrs

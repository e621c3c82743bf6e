"""Validation (every row has a source) and the generated SOURCES.md."""
from __future__ import annotations

import pandas as pd

from package_data.catalogues import sources_md as catalogues_sources_md
from package_data.common import NO_SOURCE_COLUMN, Build, read_csv
from package_data.flows import CONSUMPTION_YEARS
from package_data.step2025 import sources_md as step_2025_sources_md


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def validate_sources(sh: Build) -> dict[str, tuple[int, int]]:
    """Every data CSV row must carry a non-empty source; also collect rows/sizes."""
    info = {}
    for p in sorted(sh.out.iterdir()):
        if not (p.name.endswith(".csv") or p.name.endswith(".csv.gz")):
            continue
        df = read_csv(p)
        info[p.name] = (len(df), p.stat().st_size)
        if p.name in NO_SOURCE_COLUMN:
            continue
        if "source" not in df.columns:
            sh.checks.append((f"source column {p.name}", f"{p.name}: no source column", True))
            continue
        n_bad = int((df["source"].str.strip() == "").sum())
        ok = n_bad == 0
        sh.checks.append((f"source column {p.name}", f"{p.name}: {len(df)} rows, {n_bad} without source", not ok))
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


def _replay_sources_md(sh: Build) -> str:
    """The appended SOURCES.md section on the chapter baseline of the 2018-19 replay."""
    c = {y: sh.stats[f"cons_{y}"] for y in CONSUMPTION_YEARS}
    d = sh.stats["duty17"]
    cn_v, cn_d, cn_s301, cn_net = sh.stats["cn_2024_duty"]
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
  ({", ".join(sh.stats["cons_exporters"])};
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


def write_sources_md(sh: Build, info: dict[str, tuple[int, int]], growth: pd.DataFrame) -> None:
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
    checks = "\n".join(f"- {'FAIL: ' if fail else ''}{text}" for _, text, fail in sh.checks
                       if not _.startswith("source column"))
    kept, n_all = sh.stats["hs6_sigma_kept"]
    imp_years = "; ".join(f"{b}: {min(y)}–{max(y)}" + (f" ({', '.join(map(str, y))})" if len(y) != max(y) - min(y) + 1 else "")
                          for b, y in sorted(sh.stats["imp_hist_years"].items()))

    replay_md = _replay_sources_md(sh)
    step_md = step_2025_sources_md(sh)
    catalogues_md = catalogues_sources_md(sh)

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
{row('us_imports_naics3_monthly_vn_cn_world.csv.gz', 'US imports for consumption and calculated duty by NAICS3 × month, 2013-01…2025-11, for Vietnam, China and the world (the backtests and calibration).')}
{row('us_vn_2025_headline_actuals.csv', '2025 headline actuals (US and Vietnamese customs), each with basis, status and source.')}
{row('step_2025_hs6_naics3.csv.gz', 'The 2025 starting point: HS6 → NAICS3 weights of 2024 US imports by supplier group (VNM, CHN, REST).')}
{row('step_2025_factors.csv.gz', 'The 2025 starting point: 2025/2024 factors by supplier row × NAICS3 (N1 actuals, December estimated; REST by IPF), basis factors to the 2025 headline, observed duty rates.')}
{row('share_trends.csv', 'Vietnam and China log-share trends of the US market by NAICS3 sector, 2021–2024 (the share dynamics of the projection).')}
{row('product_groups.csv', 'Named product groups (`@electronics-apr-2025` ...): titles in English and Vietnamese, legal instrument, coverage rule.')}
{row('product_group_codes.csv.gz', 'The group HS codes as the legal source lists them, with the 2024 US imports each HTS8/HTS10 code covers.')}
{row('hs6_weights.csv.gz', '2024 US imports by HS6 (from Vietnam, from 50 suppliers): the weights that put a group on a product axis.')}
{row('purchase_items.csv', 'Purchasable items (aircraft by model, gas turbines, LNG cargoes, farm goods by tonne, GPUs, servers): unit price, HS line, sources.')}
{row('hs_names.csv', 'HS sections, chapters and split lines in English and Vietnamese, each with its source.')}
{row('supplier_names.csv', 'Supplier codes in English and Vietnamese.')}
{row('reallocation.csv', 'Estimated reallocation parameters of the US market (nested Armington, China and Vietnam in one nest; adjustment speed), pooled over the 2018–19 and 2025 episodes, with 90 % bootstrap intervals.')}

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
- Coverage: {sh.stats['hs6_partners']} partners, {sh.stats['hs6_total'] / 1e9:,.2f} bn = {sh.stats['coverage_hs6_vs_world'] * 100:.1f} % of
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
  fallback for anything missing. WORLD all-goods (mixed basis) = {sh.stats['growth_world_all']:+.4f};
  US exports to VN all-goods = {sh.stats['growth_exports_all']:+.4f}.
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
  {', '.join(sh.stats['splits_dropped']) or 'none'}. Schedule B `880000` is present in the export data:
  {sh.stats['splits_880000_in_exports']}. Lines with no US–VN trade in either direction (kept, since other
  suppliers trade them): {', '.join(sh.stats['splits_no_vn_trade']) or 'none'}.
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

### `us_imports_naics3_monthly_vn_cn_world.csv.gz` — `month,partner,naics3,name,value_usd,duty_usd,basis,source`
- N1 (`shared/data/2025/SOURCES.md`): Census API `intltrade/imports/naics`, imports for consumption
  (`CON_VAL_MO`) and calculated duty (`CAL_DUT_MO`), 33 NAICS3 codes, {sh.stats['naics3_months'][0]}…{sh.stats['naics3_months'][1]},
  partners VNM, CHN and WORLD; whole dollars as published. Check: Vietnam 2024 equals the HS10
  consumption total (S5) to the dollar. The rest of the world is WORLD − VNM − CHN. December 2025
  is not in the data: 2025 comparisons use January–November of both years.
- Basis: imports for consumption. The headline and the mixed baseline use general imports:
  compare growth rates across bases, not levels.

### `reallocation.csv` — `importer,parameter,value,low,high,level,boot,episodes,nest,method,source`
- ESTIMATED by tradesim, not published: `tradesim.analysis.calibrate.fit` pooled over the 2018–19
  (base 2017, months 2018-01…2019-12) and 2025 (base 2024, months 2025-01…2025-11) episodes of
  `us_imports_naics3_monthly_vn_cn_world.csv.gz`, conditional on observed world imports by NAICS3
  sector, with pre-episode share trends; 200 bootstrap resamples of sectors (seed 1) give the
  90 % intervals. See `docs/validation.md` for the out-of-sample backtest.
- The embedded baseline uses `nest_ratio` (σ_N ÷ σ, applied to each product's own σ in the US
  market, nest = China and Vietnam) and `adjustment` (the first-year share of the long-run
  response, the yearly λ of the US market). The Vietnamese market keeps the literature values
  (no episode to estimate them on).

### `share_trends.csv` — `importer,exporter,naics3,trend,years,method,source`
- DERIVED from `us_imports_naics3_monthly_vn_cn_world.csv.gz`: the yearly change of Vietnam's and
  China's log share of US imports by NAICS3 sector, 2021→2024, clipped to ±0.3 (as the episodes
  of the backtest use it). The baseline maps sectors to HS6 lines with `step_2025_hs6_naics3`
  and carries each supplier's trend forward, decaying at `trend_persistence` a year
  (`reallocation.csv`, estimated from how much of a sector's 3-year trend carried into the
  next three years, 2015–2024); every other supplier's share follows from the normalisation.

### `us_vn_2025_headline_actuals.csv`
- Byte-for-byte copy of `shared/data/2025/us_vn_2025_headline_actuals.csv`: the 2025 US deficit with
  Vietnam (178.2 bn, two secondary reports of the Commerce release of 2026-02-19), general imports
  derived from it (193.86 bn), US imports from China (308.4 bn), Vietnamese customs figures; each row
  with `basis`, `status` and `source` (IDs explained in `shared/data/2025/SOURCES.md`).

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
- Coverage: the HS6 partner file sums to {sh.stats['hs6_total'] / 1e9:,.2f} bn (consumption basis), i.e.
  {sh.stats['coverage_hs6_vs_world'] * 100:.2f} % of WORLD 2024 general imports ({sh.stats['world_general_2024'] / 1e9:,.2f} bn).
- Vietnam 2024 on the consumption basis (HS6 file): {sh.stats['hs6_vn_total'] / 1e9:,.2f} bn vs 136.50 bn general
  (+3.6 %, nearly all in chapter 85): use general imports for headlines.
- US exports to Vietnam 2025 (S1): {sh.stats['vn_exports_2025'] / 1e9:,.2f} bn.

The build fails (non-zero exit) if VN 2024 general imports differ from 136.50 bn or US exports to VN
2024 from 13.04 bn by more than 0.5 %, or if any data row lacks a source.

Growth of the five largest Vietnamese chapters in the US market (2024 general imports):

| hs2 | 2024 general, bn | growth | method |
|---|---:|---:|---|
{growth_lines}
{replay_md}{step_md}{catalogues_md}"""
    path = sh.out / "SOURCES.md"
    data = md.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)

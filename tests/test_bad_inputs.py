"""The catalogue of bad scenario files: each file breaks one rule and gets its own message."""

from __future__ import annotations

from pathlib import Path

import pytest

import tradesim
from tradesim.errors import ScenarioError, ScheduleError

HERE = Path(__file__).parent / "bad_inputs"

#: file -> (exception, regex the message must match)
CATALOGUE: dict[str, tuple[type[Exception], str]] = {
    "unknown_key.toml": (ScenarioError, r"tariff\[0\]\.rat: unknown key.*did you mean 'rate'"),
    "negative_rate.toml": (ScenarioError, r"tariff\[0\]\.rate: must be >= 0 percent.*-5"),
    "rate_above_1000_percent.toml": (ScenarioError, r"rate: must be <= 1000 percent.*1500"),
    "rate_wrong_type.toml": (ScenarioError, r"tariff\[0\]\.rate: must be a number \(got '20'\)"),
    "end_before_start.toml": (ScenarioError, r"tariff\[0\]\.to: ends before it starts"),
    "date_as_string.toml": (ScenarioError, r"tariff\[0\]\.from: must be a TOML date"),
    "measure_after_horizon.toml": (ScenarioError, r"tariff\[0\]\.from: starts after the horizon"),
    "unknown_mode.toml": (ScenarioError, r"mode: not an accepted value.*'replace'.*accepted"),
    "share_zero.toml": (ScenarioError, r"tariff\[0\]\.share: must be > 0"),
    "cut_above_100_percent.toml": (ScenarioError,
                                   r"tariff\[0\]\.rate: a cut must be <= 100 percent.*150"),
    "swiss_coefficient_zero.toml": (ScenarioError,
                                    r"tariff\[0\]\.rate: the Swiss coefficient must be > 0"),
    "duplicate_measure_ids.toml": (ScenarioError, r"tariff\[1\]\.id: duplicate measure id"),
    "overrides_unknown_measure.toml": (ScenarioError,
                                       r"overrides: names no measure.*'recip-typo'.*'recip'"),
    "circular_overrides.toml": (ScenarioError, r"circular overrides.*a -> b -> a"),
    "unknown_country.toml": (ScenarioError, r"unknown country code \(got 'VNN'\).*'VNM'"),
    "malformed_hs_code.toml": (ScenarioError, r"products: not an HS code"),
    "empty_product_list.toml": (ScenarioError, r"tariff\[0\]\.products: is empty"),
    "horizon_too_far.toml": (ScenarioError, r"scenario\.horizon: must be <= 2060"),
    "missing_header.toml": (ScenarioError, r"the \[scenario\] header table is missing"),
    "unknown_top_level_table.toml": (ScenarioError, r"tarif: unknown top-level table.*'tariff'"),
    "toml_syntax_error.toml": (ScenarioError, r"TOML syntax error.*line 12"),
    "commitment_beyond_horizon.toml": (ScenarioError, r"delivers in 2031, beyond the horizon"),
    "commitment_before_base_year.toml": (ScenarioError, r"delivers in 2020, before the base"),
    "additionality_above_one.toml": (ScenarioError, r"additionality: must be <= 1 fraction"),
    "commitment_end_before_start.toml": (ScenarioError, r"commitment\[0\]\.end: ends before"),
    "commitment_schedule_and_spread.toml": (ScenarioError, r"either schedule, or value_usd"),
    "commitment_negative_amount.toml": (ScenarioError, r"schedule\.2026: amount must be .*>= 0"),
    "elasticity_unknown_parameter.toml": (ScenarioError,
                                          r"elasticities\.sigmaa: unknown parameter.*'sigma'"),
    "elasticity_out_of_bounds.toml": (ScenarioError, r"elasticities\.sigma\.85: must lie in"),
    "include_cycle.toml": (ScenarioError, r"include cycle"),
    "non_utf8.toml": (ScenarioError, r"not UTF-8 text"),
    "rate_nan.toml": (ScenarioError, r"tariff\[0\]\.rate: must be finite \(got nan\)"),
    "rate_infinite.toml": (ScenarioError, r"tariff\[0\]\.rate: must be finite \(got inf\)"),
    "rate_boolean.toml": (ScenarioError, r"tariff\[0\]\.rate: must be a number \(got True\)"),
    "date_with_time.toml": (ScenarioError, r"from: must be a TOML date .*no time"),
    "importer_unknown_code.toml": (ScenarioError,
                                   r"tariff\[0\]\.importer: unknown country code \(got 'USAA'\)"
                                   r".*'USA'"),
    "exporters_wrong_type.toml": (ScenarioError, r"exporters: must be a list of country codes"),
    "hs_code_unquoted.toml": (ScenarioError, r"not an HS code.*\(got 85\); quote codes"),
    "exclude_everything.toml": (ScenarioError, r"exclude: excludes every product"),
    "duplicate_commitment_ids.toml": (ScenarioError,
                                      r"commitment\[1\]\.id: duplicate commitment id"),
    "commitment_buyer_is_seller.toml": (ScenarioError, r"buyer and seller are the same market"),
    "commitment_displaces_seller.toml": (ScenarioError, r"cannot displace the buyer or the se"),
    "commitment_schedule_key_not_year.toml": (ScenarioError,
                                              r"schedule\.next: schedule keys are years"),
    "commitment_missing_years.toml": (ScenarioError, r"missing: start, end"),
    "elasticity_omega_zero.toml": (ScenarioError, r"elasticities\.omega\.all: must lie in"),
    "growth_out_of_bounds.toml": (ScenarioError, r"elasticities\.growth\.61: must lie in"),
    "transshipment_via_is_a_source.toml": (ScenarioError,
                                           r"transshipment\.via: cannot also be a source"),
    "transshipment_share_above_one.toml": (ScenarioError,
                                           r"transshipment\.origin_switching: must be <= 1"),
    "unknown_basis.toml": (ScenarioError, r"scenario\.basis: not an accepted value.*us, vn"),
    "unknown_method.toml": (ScenarioError, r"scenario\.method: not an accepted value.*"
                            r"ces, smart, gsim, gsim-exact"),
    "name_not_an_identifier.toml": (ScenarioError, r"scenario\.name: use lowercase letters"),
    "include_missing_file.toml": (ScenarioError,
                                  r"include: included file does not exist.*no-such-file"),
    "include_escapes_folder.toml": (ScenarioError, r"include path leaves the scenario's folder"),
    "unknown_product_group.toml": (ScenarioError, r"tariff\[0\]\.exclude: unknown product group "
                                  r"\(got '@electronics'\); did you mean 'electronics-apr-2025'"),
    "unknown_item.toml": (ScenarioError, r"commitment\[0\]\.item: unknown catalogue item "
                          r"\(got 'boeing-737-max8'\); did you mean 'boeing-737-max-8'"),
    "item_with_value_usd.toml": (ScenarioError, r"commitment\[0\]\.value_usd: give units or "
                                 r"deliveries with an item"),
    "deliveries_do_not_add_up.toml": (ScenarioError, r"commitment\[0\]\.units: differs from the "
                                      r"deliveries' total 20"),
    "units_without_item.toml": (ScenarioError, r"commitment\[0\]\.units: needs an `item`"),
    # Valid documents that do not fit the embedded baseline:
    "overlapping_set_measures.toml": (ScheduleError,
                                      r"tariff\[0\] \(a\).*tariff\[1\] \(b\).*overrides"),
    "scope_finer_than_hs6.toml": (ScheduleError, r"\['85414910'\] are finer than HS6"),
    "unknown_hs_code.toml": (ScheduleError, r"unknown HS code\(s\) \['7777'\]"),
    "scope_finer_than_axis.toml": (ScheduleError,
                                   r"finer than the product axis.*'85\*'.*product_splits"),
    "exporter_not_in_baseline.toml": (ScheduleError, r"\['GTM'\] not in this baseline"),
    "importer_not_a_market.toml": (ScheduleError, r"tariff\[0\] \(recip\)\.importer: \['CHN'\] "
                                   r"not in this baseline; it has \['USA', 'VNM'\]"),
    "commitment_unknown_product.toml": (ScheduleError, r"unknown HS code '7777'"),
    "product_group_covers_nothing.toml": (ScheduleError, r"tariff\[0\] \(lumber\)\.products: "
                                          r"@s232-lumber covers no whole product on the mixed "
                                          r"axis.*44\* 1%"),
}


#: frames/<file>.csv -> message of the DataError that baseline_from_frame raises
FRAMES: dict[str, str] = {
    "missing_column.csv": r"missing column\(s\) \['tariff'\]",
    "negative_value.csv": r"negative value \(USD\) in row\(s\) \[0\]",
    "missing_value.csv": r"'value' has missing, non-numeric or infinite entries in row\(s\) \[0\]",
    "infinite_value.csv": r"'value' has missing, non-numeric or infinite",
    "value_not_a_number.csv": r"'value' has missing, non-numeric or infinite",
    "duplicate_keys.csv": r"duplicate \(importer, exporter, product\) rows",
    "two_years.csv": r"one base year, found \[2023, 2024\]",
    "tariff_in_percent.csv": r"tariff must be a fraction in \[0, 10\] \(0\.25 = 25 %\)",
    "overlapping_codes.csv": r"product codes overlap.*\('8517', '851713'\)",
    "code_not_digits.csv": r"product codes must be HS digits, got \['85xx'\]",
    "product_lost_leading_zero.csv": r"'product' row 0: product code '207' has an odd number of "
                                     r"digits \(is it '0207'\?\).*leading zero lost",
    "year_missing.csv": r"column 'year' row 1 is missing",
    "year_text.csv": r"column 'year' row 1 is 'FY2024': a year such as 2024",
    "importer_missing.csv": r"column 'importer': missing code in row\(s\) \[1\]",
    "exporter_malformed.csv": r"'exporter' row 1: 'V NM' is not a country code.*'VNM'",
    "codes_collide_after_trimming.csv": r"duplicate \(importer, exporter, product\) rows: "
                                        r"\[\['USA', 'VNM', '61'\].*compared after trimming",
    "growth_in_percent.csv": r"column 'growth' row 0 is 5: growth is a fraction per year "
                             r"\(0\.05 = 5 %\).*is it in percent",
    "value_above_limit.csv": r"column 'value' row 0 is 2\.5e\+13 USD, above 1e\+13",
    "growth_misspelt.csv": r"frame column 'grwoth' looks like a misspelt 'growth'",
}

#: frames/params/<file>.csv (elasticities for a good one-row frame) -> DataError message
PARAMS: dict[str, str] = {
    "missing_column.csv": r"params is missing column\(s\) \['adjustment'\]",
    "duplicate_rows.csv": r"params has duplicate \(importer, product\) rows \[0, 1\]",
    "not_a_number.csv": r"'sigma' has missing, non-numeric .* \(params; row 0 is 'high'\)",
    "unknown_product.csv": r"params row 0: product '16' is no product of the frame; did you "
                           r"mean '61'\?",
    "adjustment_in_percent.csv": r"params row 0: adjustment must be <= 1 .*got 38",
}


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_bad_frame_gets_its_message(name: str) -> None:
    import pandas as pd

    from tradesim.errors import DataError

    df = pd.read_csv(HERE / "frames" / name, dtype={"product": str})
    with pytest.raises(DataError, match=FRAMES[name]):
        tradesim.baseline_from_frame(df)


def test_every_frame_is_catalogued() -> None:
    assert sorted(p.name for p in (HERE / "frames").glob("*.csv")) == sorted(FRAMES)
    assert sorted(p.name for p in (HERE / "frames" / "params").glob("*.csv")) == sorted(PARAMS)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_bad_params_get_their_message(name: str) -> None:
    import pandas as pd

    from tradesim.errors import DataError

    flows = pd.DataFrame({"importer": ["USA"], "exporter": ["VNM"], "product": ["61"],
                          "year": [2024], "value": [1e9], "tariff": [0.1]})
    params = pd.read_csv(HERE / "frames" / "params" / name, dtype={"product": str})
    with pytest.raises(DataError, match=PARAMS[name]):
        tradesim.baseline_from_frame(flows, params)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "huge.toml"
    body = "".join(f'\n[[tariff]]\nid = "m{i}"\nimporter = "USA"\nexporters = ["VNM"]\n'
                   f'products = ["61"]\nrate = 1\n' for i in range(20_000))
    big.write_text('[scenario]\nname = "big"\n' + body)
    with pytest.raises(ScenarioError, match=r"file is too large \(\d+ bytes; limit 1000000\)"):
        tradesim.load_scenario(big)


def test_every_file_is_catalogued() -> None:
    assert sorted(p.name for p in HERE.glob("*.toml")) == sorted(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_bad_input_gets_its_message(name: str, baseline) -> None:
    error, pattern = CATALOGUE[name]
    with pytest.raises(error, match=pattern) as info:
        tradesim.simulate(HERE / name, baseline)
    if error is ScenarioError:
        assert str(HERE / name) in str(info.value), "the message names the file"


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "many.toml"
    bad.write_text('[scenario]\nname = "x"\nhorizon = 2030\n\n[[tariff]]\nid = "a"\n'
                   'importer = "USA"\nexporters = ["VNM"]\nproducts = "all"\nrate = -1\n'
                   'mdoe = "add"\n')
    with pytest.raises(ScenarioError) as info:
        tradesim.load_scenario(bad)
    paths = [p.path for p in info.value.problems]
    assert paths == ["tariff[0].mdoe", "tariff[0].rate"]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file does not exist"):
        tradesim.load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        tradesim.load_scenario(tmp_path)

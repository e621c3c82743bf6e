"""Hostile own data (issue 15, class 6): every bad frame given to ``baseline_from_frame`` is a
DataError that names the column, the row and the value; codes are normalised or refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tradesim
from tradesim.data import frame as frame_module
from tradesim.errors import DataError


def flows(**columns: object) -> pd.DataFrame:
    """Three good rows (USA market, three suppliers of 8517 and 61), columns overridable."""
    df = pd.DataFrame({"importer": ["USA", "USA", "USA"], "exporter": ["VNM", "CHN", "VNM"],
                       "product": ["8517", "8517", "61"], "year": [2024, 2024, 2024],
                       "value": [10e9, 40e9, 5e9], "tariff": [0.0, 0.1, 0.2]})
    for name, value in columns.items():
        df[name] = value
    return df


def params(**columns: object) -> pd.DataFrame:
    df = pd.DataFrame({"importer": ["USA", "USA"], "product": ["8517", "61"],
                       "sigma": [3.0, 4.0], "eta": [1.0, 1.2], "adjustment": [0.5, 0.5]})
    for name, value in columns.items():
        df[name] = value
    return df


def refused(df: object, pattern: str, p: object = None, **kw: object) -> str:
    with pytest.raises(DataError, match=pattern) as info:
        tradesim.baseline_from_frame(df, p, **kw)  # type: ignore[arg-type]
    return str(info.value)


# -- not a frame --------------------------------------------------------------------------

@pytest.mark.parametrize("thing", [
    {"importer": ["USA"], "exporter": ["VNM"]}, [("USA", "VNM", "61", 2024, 1e9, 0.0)],
    "flows.csv", None, np.zeros((2, 6)), pd.Series([1.0])])
def test_anything_but_a_frame_is_refused(thing: object) -> None:
    text = refused(thing, r"frame must be a pandas DataFrame, got ")
    if isinstance(thing, dict):
        assert "pd.DataFrame(frame)" in text


def test_params_that_are_a_dict_are_refused() -> None:
    refused(flows(), r"params must be a pandas DataFrame, got dict; build one with",
            {"importer": ["USA"], "product": ["8517"], "sigma": [3.0]})


def test_an_empty_frame_is_refused() -> None:
    refused(flows().iloc[0:0], r"frame has no rows")


def test_a_column_given_twice_is_refused() -> None:
    df = pd.concat([flows(), flows()[["value"]]], axis=1)
    refused(df, r"frame has column\(s\) \['value'\] twice")


# -- columns --------------------------------------------------------------------------------

def test_a_missing_column_names_the_closest_present_one() -> None:
    df = flows().rename(columns={"tariff": "tarrif"})
    refused(df, r"missing column\(s\) \['tariff'\].*did you mean 'tarrif' for 'tariff'")


def test_a_misspelt_optional_column_is_not_silently_dropped() -> None:
    refused(flows(grwoth=0.02), r"frame column 'grwoth' looks like a misspelt 'growth'")


def test_unrelated_extra_columns_are_allowed() -> None:
    b = tradesim.baseline_from_frame(flows(note="from my CSV", source_file="x.csv"))
    assert float(b["value"].sum()) == 55e9


@pytest.mark.parametrize("column", ["sigma", "eta", "adjustment"])
def test_a_missing_parameter_column_is_an_error_not_a_default(column: str) -> None:
    refused(flows(), rf"params is missing column\(s\) \['{column}'\]",
            params().drop(columns=column))


def test_a_misspelt_optional_parameter_column_is_refused() -> None:
    refused(flows(), r"params column 'omgea' looks like a misspelt 'omega'", params(omgea=2.0))


# -- years ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("years", "pattern"), [
    ([2024, None, 2024], r"column 'year' row 1 is missing"),
    ([2024, 2024, np.nan], r"column 'year' row 2 is missing"),
    (["2024", "twenty", "2024"], r"column 'year' row 1 is 'twenty'"),
    ([2024, 2024.5, 2024], r"column 'year' row 1 is 2024\.5"),
    ([24, 24, 24], r"column 'year' row 0 is 24: a year such as 2024"),
    ([2023, 2024, 2024], r"one base year, found \[2023, 2024\] \(first rows: \{2023: 0, "
                         r"2024: 1\}\)"),
])
def test_bad_years_name_row_and_value(years: list, pattern: str) -> None:
    refused(flows(year=years), pattern)


def test_years_as_text_or_floats_are_read_as_years() -> None:
    for years in (["2024"] * 3, [2024.0] * 3, np.array([2024] * 3, dtype=np.int16)):
        assert tradesim.baseline_from_frame(flows(year=years)).attrs["base_year"] == 2024


# -- codes ----------------------------------------------------------------------------------

def test_codes_are_trimmed_and_upper_cased() -> None:
    b = tradesim.baseline_from_frame(flows(importer=["USA", " USA", "usa "],
                                           exporter=["vnm ", "CHN", " VNM"]))
    assert list(b.indexes["importer"]) == ["USA"]
    assert sorted(b.indexes["exporter"]) == ["CHN", "USA", "VNM"]
    assert float(b["value"].sel(importer="USA", exporter="VNM").sum()) == 15e9


def test_codes_that_collide_after_normalising_are_duplicates() -> None:
    refused(flows(exporter=["VNM", "vnm ", "VNM"], product=["8517", "8517", "61"]),
            r"duplicate \(importer, exporter, product\) rows: .*in rows \[0, 1\] \(codes "
            r"compared after trimming")


@pytest.mark.parametrize(("column", "values", "pattern"), [
    ("importer", ["USA", None, "USA"], r"frame column 'importer': missing code in row\(s\) \[1\]"),
    ("importer", ["USA", np.nan, "USA"], r"column 'importer': missing code in row\(s\) \[1\]"),
    ("importer", ["USA", "  ", "USA"], r"column 'importer': missing code in row\(s\) \[1\] "
                                       r"\(got '  '\)"),
    ("exporter", ["VNM", "V NM", "CHN"], r"column 'exporter' row 1: 'V NM' is not a country code"
                                         r".*did you mean 'VNM'"),
    ("exporter", ["VNM", 704, "CHN"], r"column 'exporter' row 1: 704 is not a country code"),
    ("exporter", ["VNM", "Việt Nam", "CHN"], r"row 1: 'Việt Nam' is not a country code"),
])
def test_missing_or_malformed_codes_name_row_and_value(column: str, values: list,
                                                       pattern: str) -> None:
    refused(flows(**{column: values}), pattern)


@pytest.mark.parametrize(("products", "pattern"), [
    (["8517", "851", "61"], r"row 1: product code '851' has an odd number of digits \(is it "
                            r"'0851'\?\); HS codes have 2, 4, 6, 8 or 10 digits: was a leading "
                            r"zero lost"),
    ([8517, 207, 61], r"row 1: product code '207' has an odd number of digits \(is it '0207'"),
    ([8517.0, 8517.0, 61.0], r"row 0: product code 8517\.0 is a number; .*dtype=\{'product': "
                             r"str\}"),
    (["8517", None, "61"], r"column 'product': missing product code in row\(s\) \[1\]"),
    (["8517", "85x7", "61"], r"product codes must be HS digits, got \['85x7'\] in row\(s\) "
                             r"\[1\]"),
    (["8517", "1", "61"], r"product codes must be HS digits, got \['1'\]"),
])
def test_bad_product_codes_are_refused_with_a_hint(products: list, pattern: str) -> None:
    refused(flows(product=products), pattern)


def test_product_codes_with_dots_and_spaces_are_normalised() -> None:
    b = tradesim.baseline_from_frame(flows(product=["8517.13", " 8517.13", "61 "],
                                           exporter=["VNM", "CHN", "VNM"]))
    assert sorted(b.indexes["product"]) == ["61", "851713"]


# -- numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "values", "pattern"), [
    ("value", [1e9, "ten", 1e9], r"'value' has missing, non-numeric or infinite entries in "
                                 r"row\(s\) \[1\] \(frame; row 1 is 'ten'\)"),
    ("value", [1e9, None, 1e9], r"'value' has .* in row\(s\) \[1\] \(frame; row 1 is missing"),
    ("value", [1e9, -np.inf, 1e9], r"'value' has .* row 1 is -inf"),
    ("value", [1e9, True, 1e9], r"frame column 'value' row 1: True is not a number"),
    ("value", [1e9, 1e300, 1e9], r"column 'value' row 1 is 1e\+300 USD, above 1e\+13"),
    ("value", [1e9, -5.0, 1e9], r"negative value \(USD\) in row\(s\) \[1\] \(row 1 is -5\)"),
    ("tariff", [0.1, 25.0, 0.0], r"tariff must be a fraction in \[0, 10\] \(0\.25 = 25 %\): "
                                 r"row 1 is 25"),
    ("tariff", [0.1, np.nan, 0.0], r"'tariff' has missing.* row 1 is missing"),
    ("growth", [0.02, 5.0, 0.02], r"column 'growth' row 1 is 5: growth is a fraction per year "
                                  r"\(0\.05 = 5 %\) in \[-0\.5, 1\] \(is it in percent\?"),
    ("growth", [0.02, -0.9, 0.02], r"column 'growth' row 1 is -0\.9: growth is a fraction"),
    ("growth", [0.02, "5%", 0.02], r"'growth' has missing, non-numeric .* row 1 is '5%'"),
    ("growth", [0.02, np.inf, 0.02], r"'growth' has missing, non-numeric or infinite"),
])
def test_bad_numbers_name_column_row_and_value(column: str, values: list, pattern: str) -> None:
    refused(flows(**{column: values}), pattern)


def test_numbers_as_text_are_read_as_numbers() -> None:
    b = tradesim.baseline_from_frame(flows(value=["1e10", "4e10", "5e9"]))
    assert float(b["value"].sum()) == 55e9


def test_growth_is_the_same_bound_as_in_scenario_files() -> None:
    from tradesim.scenario.fields import ELASTICITY_PARAMS

    assert frame_module.FLOW_BOUNDS["growth"] == ELASTICITY_PARAMS["growth"][1:]
    for name in ("sigma", "eta", "adjustment", "omega"):
        assert frame_module.PARAM_BOUNDS[name] == ELASTICITY_PARAMS[name][1:], name


# -- parameters -------------------------------------------------------------------------------

@pytest.mark.parametrize(("p", "pattern"), [
    (params(sigma=[3.0, "high"]), r"'sigma' has missing, non-numeric or infinite entries in "
                                  r"row\(s\) \[1\] \(params; row 1 is 'high'\)"),
    (params(eta=[1.0, None]), r"'eta' has missing.* \(params; row 1 is missing\)"),
    (params(sigma=[3.0, np.inf]), r"'sigma' has missing, non-numeric or infinite"),
    (params(sigma=[3.0, 0.0]), r"params row 1: sigma must be >= 0\.05 \(substitution"),
    (params(adjustment=[0.5, 38.0]), r"params row 1: adjustment must be <= 1 .*got 38"),
    (params(omega=[2.0, -1.0]), r"params row 1: omega must be >= 0\.01"),
    (params(sigma_nest=[2.0, 8.0]), r"params row 0: sigma_nest must be finite and >= sigma "
                                    r"\(got 2 < 3"),
    (params(product=["8517", "8517"]), r"params has duplicate \(importer, product\) rows "
                                       r"\[0, 1\], e\.g\. \('USA', '8517'\)"),
    (params(importer=["USA", "usa "], product="8517"), r"params has duplicate \(importer, "
                                                       r"product\) rows"),
    (params(product=["8571", "61"]), r"params row 0: product '8571' is no product of the "
                                     r"frame; did you mean '8517'\?"),
    (params(importer=["USA", "UAS"]), r"params row 1: importer 'UAS' is no market of the "
                                      r"frame; did you mean 'USA'\?"),
    (params(product=["8517", 61.0]), r"params column 'product' row 1: product code 61\.0 is "
                                     r"a number"),
])
def test_bad_parameters_name_row_and_value(p: pd.DataFrame, pattern: str) -> None:
    refused(flows(), pattern, p)


def test_optional_parameters_may_be_empty_cells() -> None:
    b = tradesim.baseline_from_frame(flows(), params(omega=[np.nan, 2.0],
                                                     sigma_nest=[np.nan, 6.0]))
    usa = b.sel(importer="USA")
    assert float(usa["omega"].sel(product="8517")) == np.inf
    assert float(usa["omega"].sel(product="61")) == 2.0
    assert float(usa["sigma_nest"].sel(product="8517")) == 3.0
    assert float(usa["sigma_nest"].sel(product="61")) == 6.0


def test_parameter_codes_are_normalised_like_the_frame() -> None:
    b = tradesim.baseline_from_frame(flows(), params(importer=[" usa", "USA"],
                                                     product=["8517", "61."]))
    assert float(b["sigma"].sel(importer="USA", product="61")) == 4.0


def test_a_nest_with_lower_case_codes_is_normalised_and_a_bad_one_refused() -> None:
    p = params(sigma_nest=[6.0, 6.0])
    b = tradesim.baseline_from_frame(flows(), p, nest={"usa": ["chn", "vnm "]})
    assert bool(b["nest"].sel(importer="USA", exporter="CHN"))
    refused(flows(), r"nest must map importer codes to lists of exporter codes", p,
            nest={"USA": "CHN"})


def test_a_good_frame_gives_the_same_baseline_as_before() -> None:
    """Normalising changes nothing for clean input: the toy baseline is bit for bit the one
    its numbers describe."""
    from tradesim.data.examples import toy_baseline

    toy = toy_baseline()
    assert float(toy["value"].sum()) == 227e9
    assert float(toy["sigma"].sel(importer="USA", product="61")) == 3.0

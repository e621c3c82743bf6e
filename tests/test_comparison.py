"""Scenarios side by side: one Dataset with a scenario dim, and the comparison tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tradesim
from tradesim.analysis import comparison
from tradesim.errors import ScheduleError
from tradesim.model.trajectory import simulate
from tradesim.present import tables
from tradesim.scenario.parse import parse_scenario


def _doc(name: str, rate: float, horizon: int = 2027, exporters: tuple = ("VNM",)) -> dict:
    return {"scenario": {"name": name, "title": f"{rate} %", "horizon": horizon},
            "tariff": [{"id": "t", "importer": "USA", "exporters": list(exporters),
                        "products": "all", "rate": rate}]}


def test_compare_equals_one_run_per_scenario(toy) -> None:
    docs = [_doc("low", 10), _doc("high", 46), _doc("china", 25, exporters=("CHN",))]
    scenarios = [parse_scenario(d) for d in docs]
    ds = comparison.compare(toy, scenarios)
    assert ds["balance"].dims == ("scenario", "year")
    assert list(ds["scenario"].values) == ["low", "high", "china"]
    assert list(ds["scenario_title"].values) == ["10 %", "46 %", "25 %"]
    assert list(ds["scenario_digest"].values) == [s.digest() for s in scenarios]
    for s in scenarios:
        one = simulate(toy, s)
        np.testing.assert_array_equal(ds["value"].sel(scenario=s.name), one["value"])
        np.testing.assert_array_equal(ds["balance"].sel(scenario=s.name), one["balance"])


def test_different_horizons_keep_the_common_years(toy) -> None:
    ds = comparison.compare(toy, [parse_scenario(_doc("a", 10, 2028)),
                                  parse_scenario(_doc("b", 20, 2026))])
    assert list(ds["year"].values) == [2024, 2025, 2026]
    assert list(ds["horizon"].values) == [2028, 2026]
    assert list(ds["scenario"].values) == ["a", "b"]


def test_labels(toy, tmp_path: Path) -> None:
    assert comparison.unique_labels(["a", "a", "b", "a"]) == ["a", "a-2", "b", "a-3"]
    same = [parse_scenario(_doc("x", 10)), parse_scenario(_doc("x", 20))]
    assert list(comparison.compare(toy, same)["scenario"].values) == ["x", "x-2"]
    with pytest.raises(ScheduleError, match="unique"):
        comparison.compare(toy, same, labels=["a", "a"])
    with pytest.raises(ScheduleError, match="at least one"):
        comparison.compare(toy, [])
    path = tmp_path / "my-file.toml"
    path.write_text('[scenario]\nname = "inside"\nhorizon = 2026\n')
    ds = tradesim.compare([path, _doc("d", 5, 2026)], toy)
    assert list(ds["scenario"].values) == ["my-file", "d"]  # file stems, else names


def test_comparison_tables(toy) -> None:
    ds = comparison.compare(toy, [parse_scenario(_doc("low", 10)),
                                  parse_scenario(_doc("high", 46))])
    table = tables.comparison_table(ds)
    assert list(table.columns) == ["baseline", "low", "high"]
    assert table.loc[2027, "high"] > table.loc[2027, "low"] > table.loc[2027, "baseline"]
    assert table.loc[2027, "low"] == pytest.approx(float(ds["balance"].sel(
        scenario="low", year=2027)) / 1e9)
    products = tables.comparison_products(ds, 2027, n=3)
    assert list(products.columns) == ["name", "low", "high", "spread"]
    assert (products["spread"] == products["high"] - products["low"]).all()
    assert products["spread"].is_monotonic_decreasing
    assert len(products) == 3
    one = tables.comparison_products(ds.isel(scenario=[0]), 2027)
    assert (one["spread"] == one["low"].abs()).all()


def test_growth_overrides_give_one_baseline_column_each(toy) -> None:
    grown = _doc("grown", 10)
    grown["elasticities"] = {"growth": 0.05}
    ds = comparison.compare(toy, [parse_scenario(_doc("flat", 10)), parse_scenario(grown)])
    assert list(tables.comparison_table(ds).columns) == [
        "baseline: flat", "baseline: grown", "flat", "grown"]

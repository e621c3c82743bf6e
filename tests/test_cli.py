"""The command line, in process: output, exit codes and atomic writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from tradesim import cli, io

TOY = """
[scenario]
name = "cli-test"
title = "20 % on Vietnam"
horizon = 2028

[[tariff]]
id = "recip"
importer = "USA"
exporters = ["VNM"]
products = "all"
exclude = ["8471"]
rate = 20
from = 2025-08-07

[[commitment]]
id = "boeing"
buyer = "VNM"
seller = "USA"
product = "8802"
value_usd = 3e9
start = 2026
end = 2028
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(TOY)
    return path


def test_run_prints_the_balance_table(scenario_file: Path, capsys) -> None:
    assert cli.main(["run", str(scenario_file), "--year", "2028"]) == 0
    out = capsys.readouterr().out
    assert "US goods balance with Vietnam, bn USD" in out
    assert "general imports" in out  # says which basis
    assert "2028" in out
    assert "balance (base)" in out
    assert "Products moving the balance most in 2028" in out


@pytest.mark.parametrize("suffix", [".nc", ".csv"])
def test_run_writes_results(scenario_file: Path, tmp_path: Path, suffix: str, capsys) -> None:
    out = tmp_path / f"result{suffix}"
    assert cli.main(["run", str(scenario_file), "-o", str(out)]) == 0
    assert out.exists()
    if suffix == ".nc":
        with xr.open_dataset(out, engine="netcdf4") as ds:
            assert ds["balance"].sizes["year"] == 5
    else:
        assert out.read_text().startswith("variable,unit,")
    assert not list(tmp_path.glob(".*.part"))


def test_run_writes_a_plot(scenario_file: Path, tmp_path: Path, capsys) -> None:
    png = tmp_path / "balance.png"
    assert cli.main(["run", str(scenario_file), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_exits_2_without_traceback(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TOY.replace("rate = 20", "rate = -20"))
    assert cli.main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "tariff[0].rate: must be >= 0" in err
    assert "Traceback" not in err


def test_validate(scenario_file: Path, capsys) -> None:
    assert cli.main(["validate", str(scenario_file)]) == 0
    assert "valid (1 measures, 1 commitments" in capsys.readouterr().out


def test_baseline_and_describe(capsys) -> None:
    assert cli.main(["baseline"]) == 0
    out = capsys.readouterr().out
    assert "136.50" in out  # US general imports from Vietnam, 2024, bn USD
    assert "SOURCES.md" in out
    assert cli.main(["describe"]) == 0
    assert "| rate | float | percent |" in capsys.readouterr().out


def test_unknown_output_format_is_bad_input(scenario_file: Path, tmp_path: Path,
                                            capsys) -> None:
    assert cli.main(["run", str(scenario_file), "-o", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert "unknown output format '.parquet'; accepted: .nc, .zarr, .csv, .xlsx" in err
    assert list(tmp_path.glob("x.*")) == []


@pytest.mark.parametrize("argv", [["run", "missing.toml", "-o", "x.json"],
                                  ["compare", "a.toml", "b.toml", "-o", "x.txt"],
                                  ["run", "missing.toml", "-o", "x.nc", "--detail"]])
def test_a_rejected_output_fails_before_anything_is_read(argv: list[str], capsys) -> None:
    """The scenario does not even exist: the output is refused first (exit 2)."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert ("accepted: .nc, .zarr, .csv, .xlsx" in err
            or "--detail writes every cell to a .csv" in err)
    assert "does not exist" not in err


def test_run_writes_an_excel_workbook(scenario_file: Path, tmp_path: Path, capsys) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert cli.main(["run", str(scenario_file), "-o", str(out), "--year", "2028"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    book = load_workbook(out)
    assert book.sheetnames[:4] == ["summary", "products 2028", "suppliers 2028", "provenance"]
    products = list(book["products 2028"].iter_rows(min_row=2))
    assert all(row[0].data_type == "s" for row in products)  # HS codes stored as text
    assert "01" in {row[0].value for row in products}
    assert {row[1].value for row in book["suppliers 2028"].iter_rows(min_row=2)} >= {
        "Vietnam", "China", "Mexico", "European Union"}
    prov = {r[0]: r[1] for r in book["provenance"].iter_rows(min_row=2, values_only=True)}
    assert prov["result.scenario"] == "cli-test"
    assert "Census" in prov["baseline.source"]
    assert not list(tmp_path.glob(".*.part"))


def test_compare_writes_each_format(tmp_path: Path, capsys) -> None:
    here = Path(__file__).resolve().parents[1] / "scenarios"
    pair = [str(here / "framework-2025.toml"), str(here / "turn-2026.toml")]
    for name in ("c.xlsx", "c.csv", "c.nc"):
        assert cli.main(["compare", *pair, "-o", str(tmp_path / name)]) == 0
    table = pd.read_csv(tmp_path / "c.csv")
    assert set(table["scenario"]) == {"framework-2025", "turn-2026"}
    with xr.open_dataset(tmp_path / "c.nc", engine="netcdf4") as ds:
        assert ds.sizes["scenario"] == 2
        assert ds["balance"].attrs["units"] == "USD"


RUN_KEYS = {
    "balance": ["year", "exports_base", "exports", "imports_base", "imports", "balance_base",
                "balance", "change"],
    "top_products": ["product", "name", "exports_change", "imports_change", "balance_change"],
    "market_shift": ["exporter", "base", "value", "change", "share_base", "share"],
}


def test_run_json_is_the_documented_document(scenario_file: Path, tmp_path: Path,
                                             capsys) -> None:
    import json

    out = tmp_path / "r.csv"
    assert cli.main(["run", str(scenario_file), "--json", "-o", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)  # stdout holds the JSON document only
    assert list(doc) == ["command", "tradesim_version", "scenario", "year", "units", "basis",
                         "anchor", "set", "tables", "wrote"]
    assert doc["anchor"].startswith("Anchored: 2025 is observed")
    assert doc["command"] == "run"
    assert doc["wrote"] == [str(out)]
    assert set(doc["scenario"]) == {"name", "title", "file", "digest", "base_year",
                                    "horizon", "basis", "method"}
    for table, keys in RUN_KEYS.items():
        assert list(doc["tables"][table][0]) == keys, table
    years = [row["year"] for row in doc["tables"]["balance"]]
    assert years == list(range(2024, 2029))
    last = doc["tables"]["balance"][-1]
    assert last["change"] == pytest.approx(last["balance"] - last["balance_base"])
    docs = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text()
    for keys in RUN_KEYS.values():
        assert ", ".join(keys) in docs


def test_compare_baseline_and_goal_json(tmp_path: Path, capsys) -> None:
    import json

    here = Path(__file__).resolve().parents[1] / "scenarios"
    pair = [str(here / "framework-2025.toml"), str(here / "turn-2026.toml")]
    assert cli.main(["compare", *pair, "--json", "--top", "3",
                     "--target", "balance(2030) > -1000 bn"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [list(r) for r in doc["tables"]["targets"]] == [
        ["target", "scenario", "left", "right", "holds"]] * 2
    assert [s["label"] for s in doc["scenarios"]] == ["framework-2025", "turn-2026"]
    assert list(doc["tables"]["balance"][0]) == ["scenario", "year", "balance",
                                                 "balance_baseline"]
    assert list(doc["tables"]["products"][0]) == ["product", "name", "spread",
                                                  "balance_change"]
    assert len(doc["tables"]["products"]) == 3
    assert set(doc["tables"]["products"][0]["balance_change"]) == {"framework-2025",
                                                                   "turn-2026"}
    assert cli.main(["baseline", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["tables"]["summary"][0]) == ["importer", "exporter", "value_bn_usd",
                                                 "tariff_pct"]
    vn = [r for r in doc["tables"]["summary"] if (r["importer"], r["exporter"]) == ("USA",
                                                                                    "VNM")]
    assert vn[0]["value_bn_usd"] == pytest.approx(136.50, abs=0.01)
    assert cli.main(["describe", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rate = next(f for f in doc["sections"]["tariff"] if f["key"] == "rate")
    assert list(rate) == ["key", "type", "unit", "required", "default", "low", "high",
                          "choices", "meaning"]
    assert rate["unit"] == "percent"
    omega = next(e for e in doc["elasticities"] if e["key"] == "omega")
    assert omega["high"] is None  # infinity is no bound, never printed as Infinity
    assert cli.main(["goal", str(here / "vn-purchases.toml"), "--json", "--target",
                     "balance(2028) >= 0.8 * baseline", "--vary", GOAL_KEY]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] in ("solved", "met", "unreachable")
    assert set(doc["check"]) == {"left_usd", "right_usd", "margin_usd", "holds"}
    assert list(doc["grid"][0]) == ["value", "left_usd", "margin_usd"]


GOAL_KEY = "commitment.vna-737-8.additionality"


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("old")
    def crash() -> None:
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError, match="crash mid-write"):
        crash()
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("year", ["2040", "2020"])
def test_a_year_outside_the_simulated_years_is_a_bad_input(year: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           tmp_path) -> None:  # noqa: ANN001
    here = Path(__file__).resolve().parents[1] / "scenarios"
    scenario = str(here / "framework-2025.toml")
    for argv in (["run", scenario, "--year", year],
                 ["compare", scenario, str(here / "turn-2026.toml"), "--year", year],
                 ["report", scenario, "-o", str(tmp_path / "r.html"), "--year", year]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"--year {year} is outside the simulated years 2024–" in err
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- --set, tradesim:NAME


def _balance_2028(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("2028 "))


def test_set_overrides_equal_the_edited_file(scenario_file: Path, tmp_path: Path,
                                             capsys) -> None:
    edited = tmp_path / "edited.toml"
    edited.write_text(TOY.replace("rate = 20", "rate = 46").replace(
        "end = 2028", "end = 2028\nadditionality = 0.5"))
    assert cli.main(["run", str(edited)]) == 0
    want = _balance_2028(capsys.readouterr().out)
    assert cli.main(["run", str(scenario_file), "--set", "tariff.recip.rate=46",
                     "--set", "commitment.boeing.additionality=0.5"]) == 0
    out = capsys.readouterr().out
    assert _balance_2028(out) == want
    assert "Set:      tariff.recip.rate=46, commitment.boeing.additionality=0.5" in out
    assert cli.main(["run", str(scenario_file)]) == 0
    assert _balance_2028(capsys.readouterr().out) != want


def test_set_works_on_validate_goal_compare_and_report(scenario_file: Path, tmp_path: Path,
                                                       capsys) -> None:
    assert cli.main(["validate", str(scenario_file), "--set", "scenario.horizon=2030"]) == 0
    assert "2024–2030" in capsys.readouterr().out
    assert cli.main(["goal", str(scenario_file), "--target", "balance(2028) >= -115 bn",
                     "--vary", "commitment.boeing.value_usd",
                     "--set", "commitment.boeing.additionality=0.5"]) == 0
    out = capsys.readouterr().out
    assert "additionality 0.5" in out
    assert "Set:      commitment.boeing.additionality=0.5" in out
    assert cli.main(["compare", str(scenario_file), str(scenario_file),
                     "--set", "scenario.horizon=2029", "--top", "2"]) == 0
    assert "2029 " in capsys.readouterr().out
    report = tmp_path / "r.md"
    assert cli.main(["report", str(scenario_file), "-o", str(report),
                     "--set", "tariff.recip.rate=46", "--vs", str(scenario_file)]) == 0
    assert "with --set tariff.recip.rate=46" in capsys.readouterr().out
    assert "20 % on Vietnam (with tariff.recip.rate=46)" in report.read_text()


@pytest.mark.parametrize(("option", "message"), [
    ("tariff.recip.rate=-5", r"override tariff\.recip\.rate: must be >= 0"),
    ("tariff.recp.rate=46", r"no tariff with that id.*did you mean 'recip'"),
    ("commitment.boieng.additionality=0.5", r"did you mean 'boeing'"),
    ("commitment.boeing.additionality=2", r"override commitment\.boeing\.additionality: "
                                          r"must be <= 1"),
    ("scenario.horizon=2099", r"override scenario\.horizon: must be <="),
    ("elasticities.sigmaa=2", r"did you mean 'sigma'"),
    ("tariff.recip.rate", r"must be KEY\.PATH=VALUE"),
    ("tarrif.recip.rate=1", r"did you mean 'tariff'"),
])
def test_a_bad_set_exits_2_naming_the_path(scenario_file: Path, tmp_path: Path, option: str,
                                           message: str, capsys) -> None:
    report = tmp_path / "r.html"
    for argv in (["run", str(scenario_file)], ["validate", str(scenario_file)],
                 ["report", str(scenario_file), "-o", str(report)],
                 ["compare", str(scenario_file), str(scenario_file)],
                 ["goal", str(scenario_file), "--target", "balance(2028) >= 0",
                  "--vary", "tariff.recip.rate"]):
        assert cli.main([*argv, "--set", option]) == 2, argv
        err = capsys.readouterr().err
        assert re.search(message, err), err
        assert "internal error" not in err
    assert not report.exists()


def test_shipped_scenarios_run_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "framework-2025" in out
    assert "2024–2032" in out
    assert "replay/us-china-2018-19" in out
    assert "framework-rate-grid" in out
    assert 'include = ["tradesim:NAME"]' in out
    mine = tmp_path / "mine.toml"
    mine.write_text('[scenario]\nname = "mine"\nhorizon = 2032\n'
                    'include = ["tradesim:framework-2025"]\n')
    assert cli.main(["run", str(mine), "--top", "1"]) == 0
    own = _balance_2028(capsys.readouterr().out)
    assert cli.main(["run", "tradesim:framework-2025", "--top", "1"]) == 0
    assert _balance_2028(capsys.readouterr().out) == own
    assert cli.main(["run", "tradesim:framework-2052"]) == 2
    assert "did you mean 'framework-2025'" in capsys.readouterr().err


def test_compare_checks_targets_for_each_scenario(scenario_file: Path, capsys) -> None:
    assert cli.main(["compare", str(scenario_file), "tradesim:baseline", "--year", "2028",
                     "--set", "scenario.horizon=2028",
                     "--target", "balance(2028) > -1000 bn",
                     "--target", "deficit vs baseline <= -1%"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Targets"):out.index("Products whose")]
    rows = [line.split() for line in table.splitlines()[3:] if line.strip()]
    assert [r[-1] for r in rows] == ["yes", "yes", "yes", "no"]  # the baseline does not move
    assert rows[-1][-3:] == ["0.00", "-1.00", "no"]


def test_goal_takes_the_strict_and_the_relative_forms(scenario_file: Path, capsys) -> None:
    for text in ("balance(2028) > -150 bn", "deficit(2028) vs baseline <= -10%"):
        assert cli.main(["goal", str(scenario_file), "--target", text,
                         "--vary", "commitment.boeing.value_usd"]) == 0, text
        assert "the target holds." in capsys.readouterr().out


def test_backtest_and_calibrate_json(tmp_path: Path, capsys,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert cli.main(["backtest", "--boot", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["estimates"]) == {"2017-2019", "2024-2025", "pooled"}
    assert doc["estimates"]["pooled"]["intervals"]["sigma"] is None  # no bootstrap, no band
    assert list(doc["tables"]["episodes"][0])[:4] == ["direction", "supplier", "base",
                                                      "actual_change"]
    assert "engine_2025" in doc["tables"]
    out = tmp_path / "p.csv"
    assert cli.main(["calibrate", "--boot", "0", "-o", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["wrote"] == [str(out)]
    assert {"importer", "parameter", "value"} <= set(doc["tables"]["parameters"][0])


def test_products_json(capsys) -> None:
    import json

    assert cli.main(["products", "phone", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["matches"] >= 1
    assert list(doc["products"][0]) == ["code", "name_en", "name_vi", "source_en", "source_vi"]
    assert "851713" in {p["code"] for p in doc["products"]}  # codes are text
    assert cli.main(["products", "--items", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert list(items[0])[:3] == ["item", "name_en", "name_vi"]
    assert all(isinstance(i["unit_usd"], float) for i in items)
    assert cli.main(["products", "--groups", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    name = groups[0]["group"]
    assert cli.main(["products", "--group", name, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["group"]["name"] == name

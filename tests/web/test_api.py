"""The HTTP API over loopback: the same numbers as the Python API and the CLI; the limits."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import numpy as np
import pytest

import tradesim
from tradesim import cli, io
from tradesim.web import app as webapp
from tradesim.web import whatif

from .conftest import Served

RATE_46 = {"base": "framework-2025", "rate": 46, "horizon": 2030}


def expected(doc: dict) -> tuple[np.ndarray, np.ndarray]:
    r = tradesim.simulate(doc)
    return r["balance"].to_numpy() / 1e9, r["balance_baseline"].to_numpy() / 1e9


def test_scenarios_are_the_shipped_files(client: httpx.Client) -> None:
    listed = client.get("/api/scenarios").json()
    names = [s["name"] for s in listed]
    assert names == sorted(p.stem for p in io.shipped_path("baseline").parent.glob("*.toml"))
    fw = next(s for s in listed if s["name"] == "framework-2025")
    assert fw["digest"] == tradesim.load_scenario(io.shipped_path("framework-2025")).digest()
    one = client.get("/api/scenarios/framework-2025").json()
    assert tradesim.load_scenario(whatif.from_json(one["document"])).digest() == fw["digest"]
    assert client.get("/api/scenarios/nope").status_code == 422


def test_names_come_from_the_catalogue(client: httpx.Client) -> None:
    from tradesim.data import catalogues

    products = {p["code"]: p for p in client.get("/api/products").json()}
    assert products["851713"]["name_vi"] == catalogues.product_names(["851713"], "vi")["851713"]
    items = {i["name"]: i for i in client.get("/api/items").json()}
    assert items["boeing-737-max-8"]["unit_usd"] == catalogues.item("boeing-737-max-8").unit_usd
    body = client.post("/api/simulate", json={"whatif": RATE_46, "decompose": False}).json()
    china = next(m for m in body["market"] if m["exporter"] == "CHN")
    assert (china["name"], china["name_vi"]) == ("China", "Trung Quốc")


def test_openapi_is_served(client: httpx.Client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert {"/api/simulate", "/api/validate", "/api/montecarlo", "/api/download/toml",
            "/api/download/report", "/api/compare", "/api/scenarios"} <= set(spec["paths"])


def test_simulate_a_whatif_equals_simulate(client: httpx.Client) -> None:
    got = client.post("/api/simulate", json={"whatif": RATE_46})
    assert got.status_code == 200, got.text
    body = got.json()
    doc = io.read_scenario(io.shipped_path("framework-2025")).to_dict()
    doc["scenario"]["horizon"] = 2030
    next(m for m in doc["tariff"] if m["id"] == "vn-recip-20")["rate"] = 46
    bal, base = expected(doc)
    np.testing.assert_allclose(body["balance"], bal, rtol=1e-12)
    np.testing.assert_allclose(body["balance_baseline"], base, rtol=1e-12)
    assert body["year"] == 2030
    assert body["headline"]["balance"] == pytest.approx(bal[-1])
    assert body["headline"]["change"] == pytest.approx(bal[-1] - base[-1])
    parts = sum(p["value"] for p in body["decomposition"])
    assert parts == pytest.approx(bal[-1] - bal[0], abs=1e-6)  # the parts add up
    assert body["market"][0]["exporter"] in ("CHN", "VNM")
    assert "Server-Timing" in got.headers
    alone = client.post("/api/decompose", json={"whatif": RATE_46}).json()
    assert alone["decomposition"] == body["decomposition"]
    quick = client.post("/api/simulate", json={"whatif": RATE_46, "decompose": False}).json()
    assert quick["decomposition"] == []
    assert quick["balance"] == body["balance"]


def test_simulate_a_document_equals_simulate(client: httpx.Client) -> None:
    doc = io.read_scenario(io.shipped_path("combined-deal")).to_dict()
    body = client.post("/api/simulate", json={"document": whatif.to_json(doc),
                                              "year": 2028}).json()
    bal, _ = expected(doc)
    np.testing.assert_allclose(body["balance"], bal, rtol=1e-12)
    assert body["year"] == 2028


def test_bad_whatif_problems_name_the_control(client: httpx.Client) -> None:
    got = client.post("/api/simulate", json={"whatif": {"base": "framework-2025", "rate": -5,
                                                        "commitments": [{"product": "8800"}]}})
    assert got.status_code == 422
    problems = got.json()["problems"]
    assert {p["path"] for p in problems} == {"rate", "commitments[0].value_bn"}
    assert all(p["message_vi"] for p in problems)


def test_validate_returns_scenario_problems_with_key_paths(client: httpx.Client) -> None:
    doc = {"scenario": {"name": "Bad Name", "horizon": 2030},
           "tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"], "products": "all",
                       "rate": "lots"}]}
    got = client.post("/api/validate", json={"document": doc}).json()
    assert got["valid"] is False
    assert {p["path"] for p in got["problems"]} == {"scenario.name", "tariff[0].rate"}
    ok = client.post("/api/validate", json={"whatif": RATE_46}).json()
    assert ok["valid"] is True
    assert ok["measures"] > 50
    unknown = client.post("/api/validate", json={"document": {
        "scenario": {"name": "u", "horizon": 2030},
        "commitment": [{"id": "c", "buyer": "VNM", "seller": "USA", "product": "8899",
                        "schedule": {"2027": 1e9}}]}}).json()
    assert unknown["valid"] is False
    assert "8899" in unknown["problems"][0]["message"]


def test_inputs_are_data_not_paths(client: httpx.Client) -> None:
    got = client.post("/api/simulate", json={"document": {
        "scenario": {"name": "x", "include": ["../../etc/passwd"]}}})
    assert got.status_code == 422
    assert "include" in got.json()["problems"][0]["path"]
    got = client.post("/api/simulate", json={"whatif": {"base": "../scenarios/baseline"}})
    assert got.status_code == 422
    assert got.json()["problems"][0]["path"] == "base"
    got = client.post("/api/simulate", json={"whatif": RATE_46, "document": {}})
    assert got.status_code == 422


def test_limits(client: httpx.Client) -> None:
    big = b'{"document": {"scenario": {"name": "x", "description": "' + \
        b"a" * webapp.MAX_BODY_BYTES + b'"}}}'
    got = client.post("/api/simulate", content=big,
                      headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    got = client.post("/api/montecarlo", json={"whatif": RATE_46,
                                               "draws": webapp.MAX_DRAWS + 1})
    assert got.status_code == 422
    assert got.json()["problems"][0]["path"] == "draws"
    got = client.post("/api/simulate", json={"whatif": RATE_46, "year": 2031})
    assert got.status_code == 422
    assert got.json()["problems"][0]["path"] == "year"


def test_montecarlo_band_brackets_the_central_run(client: httpx.Client) -> None:
    body = client.post("/api/montecarlo", json={"whatif": RATE_46, "draws": 120}).json()
    assert body["draws"] == 120
    assert body["years"][-1] == 2030
    q = np.array([body[k] for k in ("q05", "q25", "q50", "q75", "q95")])
    assert (np.diff(q, axis=0) >= -1e-9).all()
    assert q[-1, -1] - q[0, -1] > 1.0  # a band, not a line
    again = client.post("/api/montecarlo", json={"whatif": RATE_46, "draws": 120}).json()
    assert again["q50"] == body["q50"]  # seeded


def test_compare_stacks_whatifs(client: httpx.Client) -> None:
    body = client.post("/api/compare", json={"items": [
        {"whatif": {**RATE_46, "rate": 20}, "label": "r20"},
        {"whatif": RATE_46, "label": "r46"}]}).json()
    by = {s["label"]: s for s in body["scenarios"]}
    one = client.post("/api/simulate", json={"whatif": RATE_46}).json()
    np.testing.assert_allclose(by["r46"]["balance"], one["balance"], rtol=1e-12)
    assert by["r46"]["balance"][-1] > by["r20"]["balance"][-1]
    too_many = client.post("/api/compare", json={"items": [{"whatif": RATE_46}] * 5})
    assert too_many.status_code == 422


def _cli_balance(capsys: pytest.CaptureFixture[str], path: Path) -> dict[int, float]:
    assert cli.main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^(20\d\d)\s+(?:-?[\d,.]+\s+){5}(-?[\d,.]+)\s+-?[\d,.]+$", out, re.M)
    return {int(y): float(v.replace(",", "")) for y, v in rows}


def test_downloaded_toml_reproduces_on_the_cli(client: httpx.Client, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    w = {"base": "framework-2025", "rate": 46, "exempt": ["annex-ii-energy-minerals"],
         "basis": "vn", "horizon": 2030,
         "commitments": [{"product": "8800", "value_bn": 2.0, "first": 2027, "last": 2030,
                          "additionality": 0.8}]}
    got = client.post("/api/download/toml", json={"whatif": w})
    assert got.status_code == 200
    assert got.headers["content-disposition"] == \
        'attachment; filename="framework-2025-whatif.toml"'
    path = tmp_path / "framework-2025-whatif.toml"
    path.write_text(got.text)
    page = client.post("/api/simulate", json={"whatif": w}).json()
    printed = _cli_balance(capsys, path)
    assert sorted(printed) == page["years"]
    for year, value in zip(page["years"], page["balance"], strict=True):
        assert printed[year] == pytest.approx(round(value, 2), abs=0.006)
    assert tradesim.load_scenario(path).digest() == page["scenario"]["digest"]


def test_html_report_download(client: httpx.Client) -> None:
    got = client.post("/api/download/report", json={"whatif": RATE_46})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/html")
    assert "<html" in got.text
    assert "framework-2025-whatif" in got.text


def test_the_page_and_its_assets_are_served(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'src="static/app.js"' in page.text
    for asset in ("app.js", "chart.js", "i18n.js", "style.css"):
        assert client.get(f"/static/{asset}").status_code == 200
    assert "http" not in re.sub(r"http://www\.w3\.org/2000/svg", "",
                                client.get("/static/chart.js").text)  # no CDN


def test_a_token_guards_the_api() -> None:
    with Served(token="s3cret") as s, httpx.Client(base_url=s.url, timeout=60) as c:
        assert c.get("/api/scenarios").status_code == 401
        assert c.get("/api/scenarios", headers={"Authorization": "Bearer wrong"}).status_code \
            == 401
        ok = c.get("/api/scenarios", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/").status_code == 200  # the page itself; it sends ?token= on


def test_an_internal_failure_is_a_message_not_a_traceback(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    broken = tradesim.load_baseline().drop_vars("growth")  # breaks the model, not the input
    with Served(baseline=broken) as s, httpx.Client(base_url=s.url, timeout=60) as c:
        got = c.post("/api/simulate", json={"whatif": RATE_46})
        assert got.status_code == 500
        assert got.json() == {"error": "internal", "message": "internal error (KeyError); the "
                              "server log has the details"}
        assert "Traceback" not in got.text
        assert c.get("/api/exemptions").status_code == 200  # the connection still serves
    assert "internal error on /api/simulate" in caplog.text


def test_montecarlo_of_other_methods_is_bounded(client: httpx.Client) -> None:
    w = {**RATE_46, "method": "smart", "basis": "vn"}
    got = client.post("/api/montecarlo", json={"whatif": w, "draws": webapp.MAX_DRAWS_FULL + 1})
    assert got.status_code == 422
    body = client.post("/api/montecarlo", json={"whatif": w, "draws": 8}).json()
    central = client.post("/api/simulate", json={"whatif": w, "decompose": False}).json()
    assert body["draws"] == 8
    assert body["q05"][-1] <= body["q50"][-1] <= body["q95"][-1]
    assert body["q05"][-1] < central["balance"][-1] < body["q95"][-1]

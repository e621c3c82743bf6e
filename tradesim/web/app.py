"""The HTTP API and the what-if page (FastAPI); ``tradesim serve`` runs it with uvicorn.

Stateless: every request carries its what-if (page controls, :mod:`tradesim.web.whatif`) or a
whole scenario document as JSON, and nothing is written on the server. Inputs are data: a base
scenario is a shipped *name*, documents may not ``include`` files, bodies and draw counts are
bounded. With a token, every ``/api`` request needs ``Authorization: Bearer TOKEN``. The OpenAPI
schema is at ``/api/openapi.json`` (no interactive docs page: it would need a CDN).
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import xarray as xr
from fastapi import Body, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

import tradesim
from tradesim import io
from tradesim.analysis import sweep
from tradesim.data import catalogues
from tradesim.errors import ScenarioError, TradesimError
from tradesim.model import trajectory
from tradesim.present import report
from tradesim.scenario.parse import Scenario
from tradesim.scenario.sweep_file import MonteCarlo
from tradesim.web import results, whatif

__all__ = ["DEFAULT_DRAWS", "MAX_BODY_BYTES", "MAX_DRAWS", "create_app", "from_environment"]

#: Largest request body, bytes (the largest shipped scenario as JSON is about 100 kB).
MAX_BODY_BYTES = io.MAX_SCENARIO_BYTES
#: Monte Carlo draws: the page's default and the most one request may ask for.
DEFAULT_DRAWS, MAX_DRAWS = 200, 1000
#: Draws for methods other than CES, whose Monte Carlo runs every cell (CES with full
#: pass-through reduces to the bilateral totals early): about 5 s for 40 draws of GSIM.
MAX_DRAWS_FULL = 50
#: Scenarios one compare request may hold (three pinned what-ifs and the current one).
MAX_COMPARE = 4
#: Scenarios whose decomposition and band are kept in memory (results only; nothing on disk).
CACHE_SIZE = 64
#: The sweep whose ``[sweep.monte_carlo]`` distributions the quick Monte Carlo draws from.
MC_SWEEP = "framework-mc"

log = logging.getLogger("tradesim.web")
STATIC = Path(str(resources.files("tradesim.web") / "static"))


#: A request body: a JSON object with ``whatif`` or ``document`` (see docs/api.md).
JsonBody = Annotated[Any, Body(examples=[{"whatif": {"base": "framework-2025", "rate": 46,
                                                     "horizon": 2030}}])]


class BadRequest(TradesimError, ValueError):
    """A request that is not a what-if or a document (missing key, too many items)."""

    def __init__(self, path: str, message: str, status: int = 422) -> None:
        self.path, self.status = path, status
        super().__init__(message)


@functools.cache
def _monte_carlo() -> MonteCarlo:
    spec = io.read_sweep(io.shipped_path(MC_SWEEP, "sweeps")).monte_carlo
    assert spec is not None, f"{MC_SWEEP} has no [sweep.monte_carlo]"
    return spec


def from_environment() -> FastAPI:
    """The app with the token of ``$TRADESIM_TOKEN`` (the factory ``tradesim serve`` runs in
    each worker process)."""
    return create_app(token=os.environ.get("TRADESIM_TOKEN") or None)


def create_app(token: str | None = None, baseline: xr.Dataset | None = None) -> FastAPI:
    """The ASGI app: the API under ``/api`` and the page at ``/``.

    Parameters
    ----------
    token : str, optional
        Required as ``Authorization: Bearer TOKEN`` on every ``/api`` request when given.
    baseline : Dataset, optional
        Defaults to the embedded 2024 baseline at mixed resolution (loaded once).
    """
    base = tradesim.load_baseline() if baseline is None else baseline
    products = [str(p) for p in base.indexes["product"]]
    ranges = io.elasticity_ranges(base)
    app = FastAPI(title="tradesim", version=tradesim.__version__,
                  description="US–Vietnam tariff and trade-balance what-ifs (docs/api.md).",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        if request.url.path.startswith("/api/") and token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse({"error": "token", "message": "this server needs an access "
                                     "token: Authorization: Bearer TOKEN (open the page with "
                                     "?token=TOKEN)"}, status_code=401)
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None:
                return JSONResponse({"error": "size", "message": "send a Content-Length"},
                                    status_code=411)
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return JSONResponse({"error": "size", "message": f"request body over "
                                     f"{MAX_BODY_BYTES} bytes"}, status_code=413)
        try:
            response = await call_next(request)
        except Exception as err:  # noqa: BLE001 - a message for the page, the details in the log
            log.exception("internal error on %s", request.url.path)
            response = JSONResponse({"error": "internal", "message": f"internal error "
                                     f"({type(err).__name__}); the server log has the details"},
                                    status_code=500)
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
        return response

    @app.exception_handler(whatif.WhatIfError)
    async def bad_whatif(request: Request, err: whatif.WhatIfError) -> JSONResponse:
        return JSONResponse({"error": "whatif", "problems": [p.as_json() for p in err.problems]},
                            status_code=422)

    @app.exception_handler(ScenarioError)
    async def bad_document(request: Request, err: ScenarioError) -> JSONResponse:
        return JSONResponse({"error": "scenario", "problems": results.problems_json(err)},
                            status_code=422)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, err: BadRequest) -> JSONResponse:
        return JSONResponse({"error": "request", "problems": [
            {"path": err.path, "message": str(err), "value": None, "hint": ""}]},
            status_code=err.status)

    @app.exception_handler(TradesimError)
    async def bad_input(request: Request, err: TradesimError) -> JSONResponse:
        return JSONResponse({"error": type(err).__name__, "problems": [
            {"path": "", "message": str(err), "value": None, "hint": ""}]}, status_code=422)

    def scenario_of(body: Any) -> tuple[Scenario, dict[str, Any]]:
        if not isinstance(body, dict):
            raise BadRequest("", "the body is a JSON object with a 'whatif' or a 'document'")
        if ("whatif" in body) == ("document" in body):
            raise BadRequest("", "give exactly one of 'whatif' (page controls) or 'document' "
                             "(a scenario document)")
        doc = (whatif.document(body["whatif"], products) if "whatif" in body
               else whatif.from_json(body["document"]))
        s = tradesim.load_scenario(doc)
        if s.base_year != int(base.attrs.get("base_year", s.base_year)):
            raise BadRequest(
                "scenario.base_year", f"this server runs the {base.attrs.get('base_year')} "
                f"baseline; base_year {s.base_year} needs the command line")
        return s, doc

    def target_year(body: dict[str, Any], s: Scenario) -> int:
        year = body.get("year", s.horizon)
        if isinstance(year, bool) or not isinstance(year, int) \
                or not s.base_year <= year <= s.horizon:
            raise BadRequest("year", f"year must be within {s.base_year}–{s.horizon}")
        return year

    @app.get("/api/scenarios", summary="The shipped scenarios")
    def scenarios() -> list[dict[str, Any]]:
        out = []
        for name in whatif.shipped_names():
            s = io.read_scenario(io.shipped_path(name))
            out.append({"name": name, "title": s.title, "base_year": s.base_year,
                        "horizon": s.horizon, "basis": s.basis, "method": s.method,
                        "digest": s.digest()})
        return out

    @app.get("/api/scenarios/{name}", summary="One shipped scenario as a flat document")
    def scenario(name: str) -> dict[str, Any]:
        c = whatif.controls(name)
        doc = io.read_scenario(io.shipped_path(name)).to_dict()
        return {"document": whatif.to_json(doc), "controls": c}

    @app.get("/api/controls", summary="The page's starting controls for a shipped scenario")
    def controls(base: str = "framework-2025") -> dict[str, Any]:
        return whatif.controls(base)

    @app.get("/api/exemptions", summary="Exemption groups the rate control can leave out")
    def exemptions() -> list[dict[str, Any]]:
        return [dataclasses.asdict(e) for e in whatif.EXEMPTIONS]

    @app.get("/api/products", summary="The product axis: code, English and Vietnamese names")
    def product_axis() -> list[dict[str, str]]:
        en, vi = catalogues.product_names(products, "en"), catalogues.product_names(products, "vi")
        return [{"code": p, "name": en[p], "name_vi": vi[p]} for p in products]

    @app.get("/api/items", summary="Purchasable items of the catalogue: unit price, product")
    def purchase_items() -> list[dict[str, Any]]:
        return [dataclasses.asdict(catalogues.item(n)) for n in catalogues.item_names()]

    @app.post("/api/document", summary="The scenario document of a what-if")
    def document(body: JsonBody) -> dict[str, Any]:
        s, doc = scenario_of(body)
        return {"document": whatif.to_json(doc), "digest": s.digest()}

    @app.post("/api/validate", summary="Validate a what-if or a scenario document")
    def validate(body: JsonBody) -> dict[str, Any]:
        try:
            s, _ = scenario_of(body)
            from tradesim.scenario import schedule

            schedule.tariff_path(base, s)
            schedule.commitment_path(base, s)
            schedule.overrides(base, s)
        except whatif.WhatIfError as err:
            return {"valid": False, "problems": [p.as_json() for p in err.problems]}
        except ScenarioError as err:
            return {"valid": False, "problems": results.problems_json(err)}
        except TradesimError as err:
            return {"valid": False, "problems": [{"path": getattr(err, "path", ""),
                                                  "message": str(err), "value": None,
                                                  "hint": ""}]}
        return {"valid": True, "problems": [], "digest": s.digest(),
                "measures": len(s.measures), "commitments": len(s.commitments)}

    @functools.lru_cache(maxsize=CACHE_SIZE)
    def decomposition(s: Scenario) -> xr.Dataset:
        return tradesim.decompose(s, base)

    @app.post("/api/simulate", summary="Simulate: balance by year, products, suppliers, parts")
    def simulate(body: JsonBody) -> dict[str, Any]:
        s, _ = scenario_of(body)
        year = target_year(body, s)
        result = tradesim.simulate(s, base)
        parts = decomposition(s) if body.get("decompose", True) is not False else None
        return results.summary(result, s, year, parts)

    @app.post("/api/decompose", summary="The balance change split into growth, tariffs, "
              "diversion and commitments")
    def decompose(body: JsonBody) -> dict[str, Any]:
        s, _ = scenario_of(body)
        year = target_year(body, s)
        return {"year": year, "digest": s.digest(),
                "decomposition": results.parts(decomposition(s), year)}

    @app.post("/api/compare", summary="Several what-ifs or documents side by side")
    def compare(body: JsonBody) -> dict[str, Any]:
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_COMPARE:
            raise BadRequest("items", f"'items' is a list of 1 to {MAX_COMPARE} what-ifs or "
                             "documents")
        runs = [scenario_of(item)[0] for item in items]
        labels = [str(item.get("label", s.name)) for item, s in zip(items, runs, strict=True)]
        ds = tradesim.compare(runs, base, labels=None if len(set(labels)) < len(labels)
                              else labels)
        stacked: list[dict[str, Any]] = []
        for label in ds["scenario"].to_numpy():
            one = ds.sel(scenario=label)
            stacked.append({
                "label": str(label), "balance": [float(x) / results.BN
                                                 for x in one["balance"].to_numpy()],
                "balance_baseline": [float(x) / results.BN
                                     for x in one["balance_baseline"].to_numpy()]})
        return {"years": [int(y) for y in ds["year"].to_numpy()], "scenarios": stacked}

    @functools.lru_cache(maxsize=CACHE_SIZE)
    def band(s: Scenario, draws: int) -> dict[str, Any]:
        mc = dataclasses.replace(_monte_carlo(), draws=draws)
        sample = sweep.sample(mc, sweep.centres(base), ranges)
        # all of TOTALS: the restatement on Vietnamese statistics needs exports and imports
        run = trajectory.run(base, [s], draws=sample, keep=list(trajectory.TOTALS))
        out = results.band(run["balance"].isel(scenario=0))
        out["source"] = (f"sweeps/{MC_SWEEP}.toml [sweep.monte_carlo] distributions, seed "
                         f"{mc.seed}, {draws} draws")
        return out

    @app.post("/api/montecarlo", summary="Quick Monte Carlo: the balance band by year")
    def montecarlo(body: JsonBody) -> dict[str, Any]:
        s, _ = scenario_of(body)
        draws = body.get("draws", DEFAULT_DRAWS)
        if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
            raise BadRequest("draws", f"draws must be a whole number from 1 to {MAX_DRAWS}")
        if s.method != "ces" and draws > MAX_DRAWS_FULL:
            raise BadRequest("draws", f"method {s.method!r} runs at most {MAX_DRAWS_FULL} draws "
                             "a request (CES: {MAX_DRAWS})".replace("{MAX_DRAWS}",
                                                                    str(MAX_DRAWS)))
        return {**band(s, draws), "digest": s.digest()}

    @app.post("/api/download/toml", summary="The what-if as a scenario file (TOML)")
    def download_toml(body: JsonBody) -> Response:
        s, doc = scenario_of(body)
        note = (f"{s.title}\nWritten by the tradesim what-if page (digest {s.digest()}).\n"
                f"Reproduce it: tradesim run {s.name}.toml")
        if isinstance(body, dict) and "whatif" in body:
            import json

            note += "\nwhat-if: " + json.dumps(body["whatif"], sort_keys=True)
        return Response(whatif.to_toml(doc, note), media_type="application/toml",
                        headers={"Content-Disposition": f'attachment; filename="{s.name}.toml"'})

    @app.post("/api/download/report", summary="The HTML report of a what-if")
    def download_report(body: JsonBody) -> Response:
        s, _ = scenario_of(body)
        html = report.to_html(report.build(s, base, year=target_year(body, s)))
        return Response(html, media_type="text/html; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{s.name}-report.html"'})

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

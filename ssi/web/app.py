"""The ASGI application: HTML pages and the JSON API behind each, over one ``Site``.

| page | HTML | JSON |
|---|---|---|
| every index | ``/`` | ``/api/indices`` |
| one index | ``/indices/{symbol}`` | ``/api/indices/{symbol}`` |
| one request | ``/requests/{id}`` (``/requests?id=N`` from the form) | ``/api/requests/{id}`` |

Charts are SVG drawn here (``/charts/{symbol}/supply.svg``, ``/charts/{symbol}/backtest.svg``) and
the stylesheet is served from ``/static``: the page loads nothing from another host.
Every request first catches the event store up with the chain, under one lock (chain reads and the
store are not shared between concurrent requests).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ssi.web import views
from ssi.web.backtests import backtest_folder, read_levels
from ssi.web.charts import Series, line_chart
from ssi.web.views import NotFound, Site

HERE = Path(__file__).resolve().parent


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _usd(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"${_num(value, digits)}"


def _pct(value: Any, digits: int = 2, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+,.{digits}f}%" if signed else f"{value:,.{digits}f}%"


def _templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters.update(num=_num, usd=_usd, pct=_pct)
    return t


def _json(data: Any) -> Any:
    """Views hold dataclasses only at the edges (price quotes); JSON gets plain values."""
    if isinstance(data, dict):
        return {k: _json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json(v) for v in data]
    if isinstance(data, float) and (math.isinf(data) or math.isnan(data)):
        return None
    if isinstance(data, (dt.date,)):
        return data.isoformat()
    return data


def create_app(site: Site) -> Starlette:
    templates = _templates()

    def read(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        with site.lock:
            site.refresh()
            return fn(site, *args)

    def page(name: str, fn: Callable[..., dict[str, Any]], *args: Any, request: Request) -> Response:
        try:
            data = read(fn, *args)
        except NotFound as exc:
            return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
        return templates.TemplateResponse(request, name, {"d": data})

    def api(fn: Callable[..., dict[str, Any]], *args: Any) -> Response:
        try:
            return JSONResponse(_json(read(fn, *args)))
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    def _request_id(request: Request) -> int | None:
        try:
            return int(request.path_params["request_id"])
        except (KeyError, ValueError):
            return None

    async def home(request: Request) -> Response:
        return await _threaded(lambda: page("indices.html", views.indices_view, request=request))

    async def index_page(request: Request) -> Response:
        symbol = request.path_params["symbol"]
        return await _threaded(lambda: page("index.html", views.index_view, symbol, request=request))

    async def request_page(request: Request) -> Response:
        rid = _request_id(request)
        if rid is None:
            return templates.TemplateResponse(request, "not_found.html", {"message": "a request id is a number"},
                                              status_code=404)
        return await _threaded(lambda: page("request.html", views.request_view, rid, request=request))

    async def request_lookup(request: Request) -> Response:
        raw = request.query_params.get("id", "").strip()
        if not raw.isdigit():
            return templates.TemplateResponse(request, "not_found.html",
                                              {"message": f"request id {raw!r} is not a number"}, status_code=404)
        return RedirectResponse(f"/requests/{int(raw)}", status_code=303)

    async def api_indices(request: Request) -> Response:
        return await _threaded(lambda: api(views.indices_view))

    async def api_index(request: Request) -> Response:
        symbol = request.path_params["symbol"]
        return await _threaded(lambda: api(views.index_view, symbol))

    async def api_request(request: Request) -> Response:
        rid = _request_id(request)
        if rid is None:
            return JSONResponse({"error": "a request id is a number"}, status_code=404)
        return await _threaded(lambda: api(views.request_view, rid))

    async def supply_svg(request: Request) -> Response:
        symbol = request.path_params["symbol"]

        def draw() -> Response:
            try:
                data = read(views.index_view, symbol)
            except NotFound:
                return Response("not found", status_code=404)
            pts = data["supply_history"]
            series = Series("supply (shares)", [(p["time"], p["supply"]) for p in pts], step=True)
            first = pts[0]["time_utc"][:10] if pts else ""
            desc = (f"Supply of {data['symbol']}: {len(pts)} changes, from {pts[0]['supply']:,.6f} on {first} "
                    f"to {pts[-1]['supply']:,.6f} on {pts[-1]['time_utc']}." if pts else "No supply yet.")
            svg = line_chart(series, f"Supply of {data['symbol']} over time", desc,
                             (first, pts[-1]["time_utc"][:10] if pts else ""))
            return Response(svg, media_type="image/svg+xml")

        return await _threaded(draw)

    async def backtest_svg(request: Request) -> Response:
        symbol = request.path_params["symbol"]

        def draw() -> Response:
            try:
                entry = views._entry(site, symbol)
            except NotFound:
                return Response("not found", status_code=404)
            folder = backtest_folder(site.backtests, entry.methodology)
            if folder is None:
                return Response("no backtest outputs", status_code=404)
            levels = read_levels(folder)
            pts = [(dt.date.fromisoformat(d).toordinal(), v) for d, v in levels]
            desc = (f"Backtest level of {entry.methodology}: {levels[0][1]:,.2f} on {levels[0][0]}, "
                    f"{levels[-1][1]:,.2f} on {levels[-1][0]}, {len(levels)} days.")
            svg = line_chart(Series(f"{entry.methodology} level", pts), f"{entry.methodology} backtest level",
                             desc, (levels[0][0], levels[-1][0]), log=True)
            return Response(svg, media_type="image/svg+xml")

        return await _threaded(draw)

    async def backtest_png(request: Request) -> Response:
        try:
            entry = views._entry(site, request.path_params["symbol"])
        except NotFound:
            return Response("not found", status_code=404)
        folder = backtest_folder(site.backtests, entry.methodology)
        if folder is None or not (folder / "chart.png").is_file():
            return Response("no chart.png", status_code=404)
        return FileResponse(folder / "chart.png", media_type="image/png")

    async def health(request: Request) -> Response:
        def status() -> Response:
            with site.lock:
                result = site.indexer.sync()
                return JSONResponse({"ok": True, "head": result.last, "indexed_through": result.last,
                                     "events": site.store.count(site.scope)})

        return await _threaded(status)

    routes = [
        Route("/", home),
        Route("/indices/{symbol}", index_page),
        Route("/requests", request_lookup),
        Route("/requests/{request_id}", request_page),
        Route("/api/indices", api_indices),
        Route("/api/indices/{symbol}", api_index),
        Route("/api/requests/{request_id}", api_request),
        Route("/charts/{symbol}/supply.svg", supply_svg),
        Route("/charts/{symbol}/backtest.svg", backtest_svg),
        Route("/charts/{symbol}/backtest.png", backtest_png),
        Route("/healthz", health),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Starlette(routes=routes)


async def _threaded(fn: Callable[[], Response]) -> Response:
    """Chain reads block: run them in a worker thread, off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)

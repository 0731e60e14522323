"""The ASGI app of `bookrec serve`: one page for readers and the JSON API under /api.

The page (static/index.html with app.js and style.css, no build step, no outside requests)
keeps the reader's books in the browser's localStorage and talks to the API. Every error a
user can cause comes back as JSON `{"error": "..."}` with a 4xx status, never a traceback
(bookrec.serving.web.api states the rule: 422 a request that does not fit the API, 400 one the
service cannot use, 413 too large, 503 a missing or unbuilt warehouse, with the flow to run).
"""

from __future__ import annotations

import html
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from string import Template

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookrec.config import RecommendConfig, WebConfig
from bookrec.errors import BookrecError
from bookrec.serving.reasons import DEMO_CATALOG
from bookrec.serving.web.api import UploadTooLarge, file_too_large, router
from bookrec.serving.web.service import NotReady, ReaderService

log = logging.getLogger(__name__)

STATIC = resources.files("bookrec.serving.web") / "static"
# Swagger UI and ReDoc as the PyPI package fastapi-offline ships them (MIT), served from here so
# /docs and /redoc work without the internet (FastAPI's "self-hosting JavaScript and CSS" recipe).
DOCS_ASSETS = resources.files("fastapi_offline") / "static"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an upload's bytes


class BodyTooLarge(StarletteHTTPException):
    """Raised from the counting `receive` once a body passes the limit. An HTTPException, so
    FastAPI passes it on as it is instead of calling it "an error parsing the body" (400)."""

    def __init__(self, limit: int, path: str = "") -> None:
        if path.endswith("/import/goodreads"):  # a reader's file: what its size means
            message = file_too_large(limit)
        else:
            message = f"the request is larger than the {limit // (1024 * 1024)} MB limit"
        # Connection: close makes the server drop the connection instead of reading the rest.
        super().__init__(413, message, headers={"Connection": "close"})


class BodyLimit:
    """Refuse a request body over the limit, whatever its framing.

    A declared Content-Length over the limit is refused before anything is read; every other
    body (chunked, or a length that lies) is counted as it arrives and refused with 413 as
    soon as the count passes the limit, so memory never holds more than the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        refusal = None
        if not length.isdigit():
            refusal = JSONResponse({"error": "invalid Content-Length header"}, 400)
        elif int(length) > self.limit:
            refusal = JSONResponse({"error": BodyTooLarge(self.limit, scope["path"]).detail}, 413)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit, scope["path"])
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as exc:  # read outside a route (no handler turned it into a reply)
            if started:
                raise
            await JSONResponse({"error": exc.detail}, 413, exc.headers)(scope, receive, send)


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "request"


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict]]:
    details = []
    for error in exc.errors():
        message = error.get("msg", "invalid")
        field = _field(tuple(error.get("loc", ())))
        kind = error.get("type")
        if kind == "extra_forbidden":
            message = "unknown field (see /docs for the fields this call takes)"
        elif kind == "json_invalid":
            field, message = "body", "not valid JSON"
        elif kind in ("dict_type", "model_attributes_type") and field == "request":
            # a body that is not a JSON object: most often sent without its Content-Type
            message = "send a JSON object (Content-Type: application/json); /docs shows its fields"
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")  # pydantic's prefix to our words
        details.append({"field": field, "message": message})
    shown = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    more = f" (and {len(details) - 3} more)" if len(details) > 3 else ""
    return f"invalid request: {shown}{more}", details


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503)

    @app.exception_handler(UploadTooLarge)
    async def too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=413)

    @app.exception_handler(BookrecError)
    async def user_error(request: Request, exc: BookrecError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = _validation_message(exc)
        return JSONResponse({"error": message, "detail": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )


def reader_page(demo_catalog: bool) -> str:
    """The page, saying under its title when the books are the synthetic demo catalog's."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    if demo_catalog:
        note = f'<p class="demo-note">{html.escape(DEMO_CATALOG)}</p>'
        page = page.replace("<!-- demo-catalog -->", note, 1)
    return page


def setup_page(message: str, warehouse: Path) -> str:
    """The page shown while the warehouse cannot be loaded (every value escaped)."""
    template = Template((STATIC / "setup.html").read_text(encoding="utf-8"))
    return template.substitute(message=html.escape(message), warehouse=html.escape(str(warehouse)))


# The docs pages may load from this server only: ReDoc's sidebar asks a CDN for its logo, which
# the browser then never requests (the image hides itself when it fails).
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; font-src 'self' data:"
)


def _add_docs(app: FastAPI) -> None:
    """/docs (Swagger UI), /redoc and /favicon.ico, every asset served by this app."""
    favicon = "/static/favicon.svg"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title}: JSON API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url=favicon,
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=app.openapi_url,
            title=f"{app.title}: JSON API",
            redoc_js_url="/static/docs/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon_ico() -> FileResponse:
        return FileResponse(str(STATIC / "favicon.svg"), media_type="image/svg+xml")


def create_app(
    warehouse: Path | str,
    config: WebConfig | None = None,
    recommend_config: RecommendConfig | None = None,
    space: str | None = None,
) -> FastAPI:
    """The web app over one warehouse, loaded now (a missing one is retried once it appears).

    Args:
        warehouse: the DuckDB file; opened read-only.
        config: limits of the page and the API.
        recommend_config: candidate threshold and explanation length.
        space: "raw" or "trained"; None: the space `evaluate` chose.
    """
    config = config or WebConfig()
    service = ReaderService(Path(warehouse), config, recommend_config, space)
    app = FastAPI(
        title="bookrec",
        summary="Personalized book recommendations from Goodreads data",
        description=(
            "Search the catalog, then ask for recommendations for a list of books with "
            'optional 1-5 star ratings. Errors come back as `{"error": "..."}`.'
        ),
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    # the lists' CPU work, queued (bookrec.serving.web.api.ranked); its idle threads end
    # with the process
    app.state.ranking = ThreadPoolExecutor(config.ranking_threads, "bookrec-rank")
    _add_error_handlers(app)
    app.include_router(router)
    app.mount("/static/docs", StaticFiles(directory=str(DOCS_ASSETS)), name="docs-assets")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _add_docs(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        try:
            loaded = service.load()
        except NotReady as exc:
            return HTMLResponse(setup_page(str(exc), service.warehouse), status_code=503)
        return HTMLResponse(reader_page(loaded.recommender.demo_catalog))

    try:
        service.load()
    except NotReady as exc:
        log.warning("%s", exc)
    # The body limit wraps everything, so a huge body is refused unread or, sent without a
    # length, as soon as the limit is passed.
    app.add_middleware(BodyLimit, limit=config.max_upload_bytes + MULTIPART_OVERHEAD)
    return app


SETTINGS_VARIABLE = "BOOKREC_SERVE_SETTINGS"


class ServeSettings(BaseModel):
    """What `bookrec serve` passes to each worker process (as JSON in SETTINGS_VARIABLE)."""

    warehouse: str
    host: str
    port: int
    min_num_ratings: int
    space: str | None = None


def app_from_env() -> FastAPI:
    """The app of one `bookrec serve` worker, from the settings in its environment (uvicorn
    calls this factory in every worker process)."""
    settings = ServeSettings.model_validate_json(os.environ[SETTINGS_VARIABLE])
    logging.getLogger("bookrec").setLevel(logging.INFO)
    return create_app(
        settings.warehouse,
        WebConfig(host=settings.host, port=settings.port),
        RecommendConfig(min_num_ratings=settings.min_num_ratings),
        space=settings.space,
    )

"""The application factory: composes the packages' routes, middleware and background runtime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from yhteys import i18n
from yhteys.bodylimit import BodyLimitMiddleware
from yhteys.compression import CompressionMiddleware
from yhteys.health import readyz
from yhteys.logs import configure_logging, current_request_id, redact_path
from yhteys.metrics import metrics_view
from yhteys.middleware import (
    REQUEST_ID_HEADER,
    LocaleMiddleware,
    RequestMiddleware,
    SecurityHeadersMiddleware,
    route_names,
)
from yhteys.organisation import LOGO_PATH
from yhteys.settings import Settings, get_settings, set_settings
from yhteys.templating import STATIC_DIR, render

log = logging.getLogger(__name__)


async def root(request: Request) -> Response:
    """The browser's language if we speak it; otherwise a page every reader can use to choose."""
    locale = i18n.best_match(request.headers.get("accept-language"))
    if locale is not None:
        return RedirectResponse(f"/{locale}/", status_code=303)
    choices = []
    for code, name in i18n.LANGUAGES.items():
        with i18n.use_locale(code):
            prompt = i18n.translate("yhteys", "Choose your language")
        choices.append({"code": code, "name": name, "prompt": prompt,
                        "dir": i18n.text_direction(code)})
    return render(request, "languages.html", {"choices": choices})


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page says; answer it rather than log a 404."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"cache-control": "public, max-age=86400"})


async def organisation_logo(request: Request) -> Response:
    """The society's own logo (ORG_LOGO), served from this origin: no request to another host."""
    from yhteys.organisation import BUILT_IN_LOGO, logo_file

    found = logo_file(get_settings())
    path, media_type = found or (STATIC_DIR / BUILT_IN_LOGO, "image/svg+xml")
    return FileResponse(path, media_type=media_type,
                        headers={"cache-control": "public, max-age=86400"})


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


class CachedStatic(StaticFiles):
    """Static files carry a content hash in their URL, so they may be cached for a year."""

    async def get_response(self, path: str, scope) -> Response:  # noqa: ANN001
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(("/api/", "/hooks/")):
        from yhteys.problems import problem

        return problem(exc.status_code, exc.detail)
    template = "errors/404.html" if exc.status_code == 404 else "errors/error.html"
    return render(
        request,
        template,
        {"status": exc.status_code},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def server_error(request: Request, exc: Exception) -> Response:
    # The exception type only: messages can carry personal data from the request.
    log.error(
        "unhandled error on %s %s: %s",
        request.method,
        redact_path(request.url.path),
        type(exc).__name__,
    )
    if request.url.path.startswith(("/api/", "/hooks/")):
        from yhteys.problems import problem

        response: Response = problem(500, "Internal error")
    else:
        response = render(request, "errors/error.html", {"status": 500}, status_code=500)
    request_id = current_request_id()
    if request_id:  # this handler answers outside RequestMiddleware: the header is set here
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def collect_routes() -> list[BaseRoute]:
    from yhteys.registry import registry

    parts = registry()
    return [
        Route("/", root, name="root"),
        Route("/healthz", healthz, name="healthz"),
        Route("/readyz", readyz, name="readyz"),
        Route("/metrics", metrics_view, name="metrics"),
        Route("/favicon.ico", favicon, name="favicon"),
        Route(LOGO_PATH, organisation_logo, name="organisation_logo"),
        Mount("/static", app=CachedStatic(directory=str(STATIC_DIR)), name="static"),
        *parts.routes,
        *[Mount(prefix, routes=routes) for prefix, routes in parts.mounts.items()],
    ]


def create_serving_app() -> Starlette:
    """The app of `yhteys serve`: warmed up before its first request (yhteys.warmup), with what
    start-up built set aside from the garbage collector (yhteys.heap)."""
    return create_app(serving=True)


def create_app(settings: Settings | None = None, *, serving: bool = False) -> Starlette:
    if settings is not None:
        set_settings(settings)
    settings = get_settings()
    configure_logging(settings.log_level, settings.json_logs)
    from yhteys.registry import configure
    from yhteys.routing import register_convertors

    register_convertors()
    configure()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from notify import runtime
        from yhteys import periodic

        if serving:
            from anyio.to_thread import run_sync

            from yhteys.warmup import warm_up

            await run_sync(warm_up)  # in a worker thread: it also starts the thread pool
        runtime.start(settings)
        periodic.start()
        if serving:
            from yhteys.heap import settle_after_startup

            settle_after_startup()
        try:
            yield
        finally:
            periodic.stop()
            runtime.stop()

    routes = collect_routes()
    return Starlette(
        debug=False,
        routes=routes,
        middleware=[
            # outermost: the request id covers every line and header, the timing every layer
            Middleware(RequestMiddleware, route_names=route_names(routes)),
            Middleware(CompressionMiddleware),  # outermost: it sees the final cache-control
            Middleware(LocaleMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodyLimitMiddleware),
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
        lifespan=lifespan,
    )

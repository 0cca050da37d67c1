"""Pure ASGI middleware: security headers on every response, and the request's locale."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yhteys import csrf, i18n
from yhteys.settings import get_settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; media-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        https = get_settings().https and get_settings().is_production

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault(
                        "strict-transport-security", "max-age=63072000; includeSubDomains"
                    )
                if scope["path"].startswith("/triage/"):
                    headers["cache-control"] = "no-store"  # staff pages: never on disk
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("cache-control", "no-cache")
                    vary = headers.get("vary")
                    headers["vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
                if getattr(request.state, "csrf_set_cookie", False):
                    from starlette.responses import Response

                    carrier = Response()
                    csrf.set_cookie_if_new(request, carrier)
                    for key, raw in carrier.raw_headers:
                        if key == b"set-cookie":
                            headers.append("set-cookie", raw.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_wrapper)


class LocaleMiddleware:
    """Locale from the first path segment (`/fi/...`), else the Accept-Language header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            segment = scope["path"].split("/", 2)[1] if scope["path"].count("/") >= 1 else ""
            if segment in i18n.LANGUAGES:
                locale = segment
            else:
                headers = dict(scope.get("headers") or [])
                accept = headers.get(b"accept-language", b"").decode("latin-1")
                # Staff pages speak the staff languages only.
                offered = i18n.STAFF_LANGUAGES if segment == "triage" else i18n.LANGUAGES
                locale = i18n.negotiate(accept, offered)
            scope.setdefault("state", {})["locale"] = locale
            i18n.set_locale(locale)
        await self.app(scope, receive, send)


REQUEST_ID_HEADER = "x-request-id"


class RequestMiddleware:
    """Outermost: gives the request its id (for its log lines, its jobs and the response) and
    times it by route name. A trusted proxy's X-Request-ID is kept when it is well formed, so
    one id follows the request from the proxy's log to ours; anything else gets a new one."""

    def __init__(self, app: ASGIApp, route_names: dict[int, str] | None = None) -> None:
        self.app = app
        self.route_names = route_names or {}

    def _request_id(self, scope: Scope) -> str:
        from yhteys.client import trusted_proxy
        from yhteys.logs import new_request_id, well_formed_request_id

        client = scope.get("client")
        if client and trusted_proxy(client[0]):
            for key, value in scope.get("headers") or []:
                if key == REQUEST_ID_HEADER.encode():
                    given = well_formed_request_id(value.decode("latin-1"))
                    if given:
                        return given
        return new_request_id()

    def route_name(self, scope: Scope) -> str:
        """A route's name, never its path: paths carry status-link secrets."""
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return "unmatched"
        return self.route_names.get(id(endpoint)) or str(getattr(endpoint, "__name__", "other"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import time

        from yhteys.logs import REQUEST_ID
        from yhteys.metrics import REQUEST_SECONDS, method_label

        request_id = self._request_id(scope)
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUEST_SECONDS.labels(self.route_name(scope), method_label(scope["method"])).observe(
                time.perf_counter() - started
            )
        # Reset only on success: an error goes on to the server-error handler, outside this
        # middleware, which logs it and answers 500 under the same id (yhteys.app.server_error).
        # Each request runs in a task of its own, so the id never outlives it.
        REQUEST_ID.reset(token)


def route_names(routes: list) -> dict[int, str]:  # noqa: ANN001 - Starlette routes
    """id(endpoint) -> route name, through mounts, for RequestMiddleware."""
    names: dict[int, str] = {}
    for route in routes:
        endpoint = getattr(route, "endpoint", None)
        name = getattr(route, "name", None)
        if endpoint is not None and name:
            names.setdefault(id(endpoint), name)
        inner = getattr(route, "routes", None)
        if inner:
            for key, value in route_names(list(inner)).items():
                names.setdefault(key, value)
        elif getattr(route, "app", None) is not None and endpoint is None and name:
            names.setdefault(id(route.app), name)  # a mounted app: static files
    return names

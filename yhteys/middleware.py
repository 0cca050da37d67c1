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

"""CSRF protection that works without JavaScript and on old phone browsers.

A random id lives in an HttpOnly, SameSite=Lax cookie; each form carries a token
`<issued-at>.<nonce>.<hmac(secret, id|issued-at|nonce)>` in a hidden field. The nonce is new in
every token, so no value derived from a secret repeats across responses and a compressed page
gives BREACH nothing to guess at (see yhteys/compression.py). A post is accepted when the token
matches the cookie and is younger than CSRF_MAX_AGE, and its Origin (when the browser sends one)
is ours. Form routes call `check` after parsing the form, so a rejected post can be shown again
with everything the person typed.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import time

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from yhteys.settings import get_settings, public_origin

COOKIE_NAME = "yhteys_csrf"
FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"
NONCE_CHARS = 16  # token_urlsafe(12): 96 random bits


class CsrfResult(enum.Enum):
    OK = "ok"
    MISSING = "missing"  # no cookie or no token: cookies off, or a forged post
    STALE = "stale"  # a token from an older page or a cookie that has changed
    CROSS_ORIGIN = "cross_origin"

    @property
    def ok(self) -> bool:
        return self is CsrfResult.OK


def _sign(cookie_id: str, issued_at: int, nonce: str | None = None) -> str:
    key = get_settings().secret_key.encode()
    message = f"csrf|{cookie_id}|{issued_at}".encode()
    if nonce is not None:
        message += f"|{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _well_formed_nonce(nonce: str) -> bool:
    return len(nonce) == NONCE_CHARS and nonce.replace("-", "").replace("_", "").isalnum()


def browser_cookie_id(request: Request) -> str | None:
    """The well-formed CSRF id this browser sent, if any; it names one browser session."""
    cookie = request.cookies.get(COOKIE_NAME, "")
    if len(cookie) == 43 and cookie.replace("-", "").replace("_", "").isalnum():
        return cookie
    return None


def _cookie_id(request: Request) -> str:
    """The request's CSRF id: from its cookie, or a new one the response will set."""
    existing = getattr(request.state, "csrf_cookie_id", None)
    if existing:
        return existing
    cookie = browser_cookie_id(request)
    if cookie:
        request.state.csrf_cookie_id = cookie
        return cookie
    request.state.csrf_cookie_id = secrets.token_urlsafe(32)
    request.state.csrf_set_cookie = True
    return request.state.csrf_cookie_id


def issue_token(request: Request) -> str:
    cookie_id = _cookie_id(request)
    issued_at = int(time.time())
    nonce = secrets.token_urlsafe(12)
    return f"{issued_at}.{nonce}.{_sign(cookie_id, issued_at, nonce)}"


def _origin_ok(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin != public_origin(get_settings()):
        # Behind a proxy BASE_URL is the truth; locally the Host header is.
        host_origin = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != host_origin:
            return False
    return request.headers.get("sec-fetch-site", "same-origin") in {
        "same-origin",
        "none",
        "same-site",
    }


def check_token(request: Request, token: str | None) -> CsrfResult:
    if not _origin_ok(request):
        return CsrfResult.CROSS_ORIGIN
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie or not token:
        return CsrfResult.MISSING
    parts = token.split(".")
    if not parts[0].isdigit() or len(parts) not in {2, 3}:
        return CsrfResult.STALE
    issued_at = int(parts[0])
    if len(parts) == 3:
        if not _well_formed_nonce(parts[1]):
            return CsrfResult.STALE
        expected = _sign(cookie, issued_at, parts[1])
    else:
        # A form opened before the deploy that added the nonce: accepted for its CSRF_MAX_AGE.
        # TODO(next deploy): remove this branch; no such token is younger than that any more.
        expected = _sign(cookie, issued_at)
    if not hmac.compare_digest(parts[-1].encode(), expected.encode()):
        return CsrfResult.STALE
    if time.time() - issued_at > get_settings().csrf_max_age:
        return CsrfResult.STALE
    return CsrfResult.OK


def check(request: Request, form: FormData) -> CsrfResult:
    token = form.get(FIELD_NAME)
    return check_token(request, token if isinstance(token, str) else None)


def set_cookie_if_new(request: Request, response: Response) -> None:
    """Called by the security middleware on every response.

    A session cookie (no Max-Age, no Expires): it goes when the browser closes, so a phone that
    is shared, searched or taken does not show that this site was used weeks ago. A form left
    open across a browser restart just asks to be sent again.
    """
    if getattr(request.state, "csrf_set_cookie", False):
        settings = get_settings()
        response.set_cookie(
            COOKIE_NAME,
            request.state.csrf_cookie_id,
            httponly=True,
            secure=settings.https,
            samesite="lax",
            path="/",
        )

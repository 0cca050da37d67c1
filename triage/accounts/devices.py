"""Device cookies (OWASP's "Slow Brute Force Attack" defence): a browser that has logged in to an
account is recognised the next time, so a stranger's failures cannot lock it out.

After a full login the browser gets `yhteys_device`, HttpOnly, SameSite=Strict, for the staff
paths only. It holds up to MAX_ENTRIES entries `<user id>.<issued>.<nonce>.<signature>`, one per
account logged in from this browser; the signature is an HMAC of the other parts with SECRET_KEY,
so an entry cannot be made or moved to another account. The nonce names the device in the lock
table; the cookie carries no address and no name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from yhteys.clock import now
from yhteys.settings import get_settings

COOKIE_NAME = "yhteys_device"
COOKIE_PATH = "/triage"
VALID_DAYS = 180
MAX_ENTRIES = 5  # a shared office computer: a few accounts, the most recent first
_SEPARATOR = "~"


def _signature(user_id: int, issued: int, nonce: str) -> str:
    key = get_settings().secret_key.encode()
    message = f"device|{user_id}|{issued}|{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _entries(request: Request | None) -> list[str]:
    raw = request.cookies.get(COOKIE_NAME, "") if request is not None else ""
    return [e for e in raw.split(_SEPARATOR) if e][:MAX_ENTRIES] if len(raw) < 1000 else []


def _parse(entry: str) -> tuple[int, int, str] | None:
    """(user id, issued, nonce) of a well-signed, unexpired entry; None otherwise."""
    parts = entry.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    user_id, issued, nonce, signature = int(parts[0]), int(parts[1]), parts[2], parts[3]
    if not hmac.compare_digest(_signature(user_id, issued, nonce), signature):
        return None
    if now().timestamp() - issued > VALID_DAYS * 86400:
        return None
    return user_id, issued, nonce


def device_id(request: Request | None, user_id: int | None) -> str | None:
    """The nonce of this browser's valid device cookie for `user_id`, or None (untrusted)."""
    if user_id is None:
        return None
    for entry in _entries(request):
        parsed = _parse(entry)
        if parsed is not None and parsed[0] == user_id:
            return parsed[2]
    return None


def issue(request: Request | None, user_id: int) -> str:
    """The cookie value after a full login of `user_id`: its entry renewed and put first."""
    nonce = device_id(request, user_id) or secrets.token_urlsafe(12)
    issued = int(now().timestamp())
    entry = f"{user_id}.{issued}.{nonce}.{_signature(user_id, issued, nonce)}"
    others = [e for e in _entries(request) if (p := _parse(e)) is not None and p[0] != user_id]
    return _SEPARATOR.join([entry, *others][:MAX_ENTRIES])


def set_cookie(response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=VALID_DAYS * 86400,
        httponly=True,
        secure=get_settings().https,
        samesite="strict",
        path=COOKIE_PATH,
    )

"""Partner API keys: issued and revoked by administrators, checked on every API request.

A key reads `yk_<key_id>_<secret>`. `key_id` (12 random characters) is public: administrators see
it and the audit trail names it. The secret has 256 bits of entropy, so its SHA-256 is all the
database keeps; the whole key is shown once, when it is made. Each key carries scopes (what it may
do), its own rate limit per RATE_LIMIT_WINDOW, when it was last used, and when it was revoked.

`intake` may not import `triage`, yet every refused use belongs in triage's audit trail: refusals
are announced to handlers the composition root subscribes (`on_refusal`), like `intake.events`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from intake.models import ApiKey
from yhteys import ratelimit
from yhteys.clock import as_utc, now
from yhteys.db import session_scope
from yhteys.i18n import lazy_gettext
from yhteys.settings import get_settings

if TYPE_CHECKING:
    from starlette.requests import Request

CREATE_CASES = "cases:create"
SCOPES = {CREATE_CASES: lazy_gettext("Send new cases")}
PREFIX = "yk"
_ID_ALPHABET = string.ascii_lowercase + string.digits
KEY_PATTERN = re.compile(r"yk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
DEFAULT_RATE_LIMIT = 100
MAX_RATE_LIMIT = 100_000
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is a day-to-day signal, not a request log
# Refusals written to the trail per key (or per client without a key) and window: a flood of
# bad requests must not be able to fill the append-only trail.
AUDITED_REFUSALS = 20


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    token: str  # the whole key: show it once, never store or log it


@dataclass(frozen=True)
class Partner:
    """The caller an accepted key stands for."""

    id: int
    key_id: str
    name: str
    scopes: frozenset[str]


class Refusal(Exception):  # noqa: N818 - an answer, not a failure
    """Why a request was not let in: `status` 401, 403 or 429, a stable `reason` code."""

    def __init__(self, status: int, reason: str, *, key_id: str = "", retry_after: int = 0,
                 scope: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason  # missing | malformed | unknown | revoked | scope | rate_limited
        self.key_id = key_id
        self.retry_after = retry_after
        self.scope = scope


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Issuing and revoking (administrators, through triage) ------------------------------------------

def issue(session: Session, *, name: str, scopes: Sequence[str], rate_limit: int,
          created_by: int | None) -> IssuedKey:
    """A new key in the caller's transaction; the token is returned once and kept nowhere."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    if not 1 <= rate_limit <= MAX_RATE_LIMIT:
        raise ValueError("rate limit out of range")
    key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    api_key = ApiKey(key_id=key_id, secret_hash=secret_digest(secret), name=name[:120],
                     scopes=sorted(set(scopes)), rate_limit=rate_limit, created_by=created_by)
    session.add(api_key)
    session.flush()
    return IssuedKey(api_key, f"{PREFIX}_{key_id}_{secret}")


def revoke(session: Session, api_key_id: int, *, revoked_by: int | None) -> ApiKey | None:
    """Revoke a key at once (in the caller's transaction); None when there is no such key."""
    api_key = session.get(ApiKey, api_key_id)
    if api_key is None:
        return None
    if api_key.revoked_at is None:
        api_key.revoked_at = now()
        api_key.revoked_by = revoked_by
        session.add(api_key)
        session.flush()
    return api_key


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    keys = session.exec(select(ApiKey).order_by(col(ApiKey.id).desc())).all()
    return sorted(keys, key=lambda k: k.revoked_at is not None)


# Checking a request ------------------------------------------------------------------------------

def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; Refusal when there is none."""
    if not authorization:
        raise Refusal(401, "missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refusal(401, "malformed")
    return token.strip()


def authenticate(authorization: str | None, scope: str) -> Partner:
    """The partner whose key the header carries, allowed `scope` and within its rate limit.

    Raises Refusal. Reads and touches the database: call it in a worker thread.
    """
    token = bearer_token(authorization)
    match = KEY_PATTERN.fullmatch(token)
    if match is None:
        raise Refusal(401, "malformed")
    key_id, secret = match.groups()
    with session_scope() as session:
        api_key = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()
        if api_key is None:
            raise Refusal(401, "unknown")
        if not hmac.compare_digest(api_key.secret_hash, secret_digest(secret)):
            raise Refusal(401, "unknown", key_id=key_id)
        if api_key.revoked_at is not None:
            raise Refusal(401, "revoked", key_id=key_id)
        if scope not in api_key.scopes:
            raise Refusal(403, "scope", key_id=key_id, scope=scope)
        decision = ratelimit.hit("api_key", key_id, api_key.rate_limit,
                                 get_settings().rate_limit_window)
        if not decision.allowed:
            raise Refusal(429, "rate_limited", key_id=key_id, retry_after=decision.retry_after)
        _touch(api_key)
        assert api_key.id is not None
        return Partner(api_key.id, api_key.key_id, api_key.name, frozenset(api_key.scopes))


def _touch(api_key: ApiKey) -> None:
    moment = now()
    if api_key.last_used_at is None or moment - as_utc(api_key.last_used_at) >= TOUCH_EVERY:
        api_key.last_used_at = moment


# Refusals, for the audit trail -------------------------------------------------------------------

RefusalHandler = Callable[[Session, Refusal, "Request"], None]
_refusal_handlers: list[RefusalHandler] = []


def on_refusal(handler: RefusalHandler) -> RefusalHandler:
    """Subscribe a handler (idempotent); it runs in a transaction of its own, must not commit."""
    if handler not in _refusal_handlers:
        _refusal_handlers.append(handler)
    return handler


def record_refusal(refusal: Refusal, request: Request, client: str) -> None:
    """Announce a refused request, at most AUDITED_REFUSALS per key or client and window."""
    if not _refusal_handlers:
        return
    budget = ratelimit.hit("api_refusal_audit", refusal.key_id or client, AUDITED_REFUSALS,
                           get_settings().rate_limit_window)
    if not budget.allowed:
        return
    with session_scope() as session:
        for handler in _refusal_handlers:
            handler(session, refusal, request)

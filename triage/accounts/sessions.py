"""Server-side staff sessions.

The cookie carries a random token; the database keeps only its SHA-256 as the session id. Every
request looks the session up, so logging out, disabling an account or changing a password ends
sessions at once, on every web process.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts.models import StaffSession, StaffUser
from yhteys.client import client_key
from yhteys.clock import as_utc, now
from yhteys.db import pk, rowcount
from yhteys.settings import get_settings

COOKIE_NAME = "yhteys_staff"
COOKIE_PATH = "/triage"
FULL = "full"
PENDING_TOTP = "totp"  # password accepted, second factor not yet
PENDING_MINUTES = 5  # how long the second-factor step may take
ABSOLUTE_HOURS = 12  # a working day; then log in again even when active
TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute


@dataclass
class Current:
    session: StaffSession
    user: StaffUser


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user: StaffUser, *, stage: str, request: Request | None = None) -> str:
    """Create a session and return its cookie token (the only time the token exists)."""
    token = secrets.token_urlsafe(32)
    agent = request.headers.get("user-agent", "") if request is not None else ""
    db.add(
        StaffSession(
            id=session_id(token),
            user_id=pk(user),
            stage=stage,
            client_hash=client_key(request) if request is not None else "",
            user_agent=agent[:120],
        )
    )
    return token


def _expired(row: StaffSession) -> bool:
    at = now()
    if row.stage == PENDING_TOTP:
        return at - as_utc(row.created_at) > timedelta(minutes=PENDING_MINUTES)
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    return (
        at - as_utc(row.last_seen_at) > idle
        or at - as_utc(row.created_at) > timedelta(hours=ABSOLUTE_HOURS)
    )


def load(db: Session, token: str | None) -> Current | None:
    """The live session of a cookie token, touched; None when missing, ended or expired."""
    if not token or len(token) > 100:
        return None
    # One statement for the session, its user and the user's teams: every staff request runs
    # it, where two lookups by key and the teams' own select were three round trips.
    found = db.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, col(StaffUser.id) == col(StaffSession.user_id))
        .where(col(StaffSession.id) == session_id(token))
        .options(joinedload(StaffUser.teams))  # type: ignore[arg-type]
    ).unique().first()
    if found is None:  # no such session (a deleted user's sessions go with it)
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    if not user.is_active or _expired(row):
        if row.revoked_at is None:
            row.revoked_at = now()
            db.add(row)
        return None
    if (now() - as_utc(row.last_seen_at)).total_seconds() >= TOUCH_SECONDS:
        row.last_seen_at = now()
        db.add(row)
    return Current(row, user)


def revoke(db: Session, sid: str) -> None:
    db.execute(
        update(StaffSession)
        .where(col(StaffSession.id) == sid, col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=now())
    )


def revoke_all(db: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of a user (but `keep`); returns how many were ended."""
    statement = update(StaffSession).where(
        col(StaffSession.user_id) == user_id,
        col(StaffSession.revoked_at).is_(None),
    )
    if keep is not None:
        statement = statement.where(col(StaffSession.id) != keep)
    result = db.execute(statement.values(revoked_at=now()))
    return rowcount(result)


def active_for(db: Session, user_id: int) -> list[StaffSession]:
    rows = db.exec(
        select(StaffSession)
        .where(col(StaffSession.user_id) == user_id, col(StaffSession.revoked_at).is_(None))
        .order_by(col(StaffSession.last_seen_at).desc())
    ).all()
    return [r for r in rows if r.stage == FULL and not _expired(r)]


def set_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        secure=get_settings().https,
        samesite="strict",
        path=COOKIE_PATH,
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path=COOKIE_PATH, httponly=True, secure=get_settings().https, samesite="strict"
    )

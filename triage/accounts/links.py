"""Set-password links: single use, short-lived, mailed to the account's own address.

An administrator never learns a password: a new account and a password reset both send the
person a link (`send`); the database keeps only the SHA-256 of its token. A new link ends the
earlier unused ones, and using one ends them all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from triage.accounts import notices
from triage.accounts.models import PasswordLink, StaffUser
from yhteys.clock import as_utc, now
from yhteys.db import rowcount

PATH = "/triage/set-password"
LIFETIME = {
    "reset": timedelta(hours=1),
    "welcome": timedelta(hours=24),  # a newcomer may read her mail only the next morning
}
EVENTS = {"reset": "staff_password_reset", "welcome": "staff_account_created"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _end_unused(db: Session, user_id: int) -> None:
    db.execute(update(PasswordLink)
               .where(col(PasswordLink.user_id) == user_id, col(PasswordLink.used_at).is_(None))
               .values(used_at=now()))


def issue(db: Session, user: StaffUser, purpose: str) -> tuple[PasswordLink, str]:
    """A new link for the user (earlier unused ones end); the token exists only in the answer."""
    assert user.id is not None
    _end_unused(db, user.id)
    token = secrets.token_urlsafe(32)
    link = PasswordLink(user_id=user.id, token_hash=_hash(token), purpose=purpose,
                        expires_at=now() + LIFETIME[purpose])
    db.add(link)
    db.flush()
    return link, token


def url(token: str) -> str:
    return notices.staff_url(f"{PATH}?token={token}")


def send(db: Session, user: StaffUser, purpose: str) -> PasswordLink:
    """Issue a link and queue it, sealed, to the user's own address."""
    link, token = issue(db, user, purpose)
    notices.tell(db, user, EVENTS[purpose], about=f"link:{link.id}", secret_link=url(token))
    return link


def find(db: Session, token: str) -> tuple[PasswordLink, StaffUser] | None:
    """The unused, unexpired link of `token` and its active account; None otherwise."""
    if not token or len(token) > 100:
        return None
    link = db.exec(select(PasswordLink).where(PasswordLink.token_hash == _hash(token))).first()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= now():
        return None
    user = db.get(StaffUser, link.user_id)
    if user is None or not user.is_active:
        return None
    return link, user


def use(db: Session, link: PasswordLink) -> bool:
    """Mark the link used, atomically: of two requests with one link, one wins."""
    result = db.execute(
        update(PasswordLink)
        .where(col(PasswordLink.id) == link.id, col(PasswordLink.used_at).is_(None),
               col(PasswordLink.expires_at) > now())
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )
    if not rowcount(result):
        return False
    _end_unused(db, link.user_id)
    return True

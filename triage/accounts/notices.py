"""Emails to a staff member about her own account, through the notify outbox.

She is told when her password or second factor is reset and when a role is granted or removed,
so a change made behind her back does not go unseen. A set-password link is a secret: it travels
in the outbox's `sealed` values (stored encrypted, removed once sent), never in `context`.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from notify.outbox import queue_notification
from triage.accounts.models import StaffUser
from yhteys.clock import now
from yhteys.i18n import DEFAULT_LOCALE, STAFF_LANGUAGES
from yhteys.settings import get_settings

log = logging.getLogger(__name__)


def staff_url(path: str) -> str:
    return get_settings().base_url.rstrip("/") + path


def staff_locale(user: StaffUser | None) -> str:
    """The staff language her emails are written in: her choice, else the service's default."""
    chosen = user.ui_language if user is not None else ""
    return chosen if chosen in STAFF_LANGUAGES else DEFAULT_LOCALE


def tell(db: Session, user: StaffUser, event: str, *, about: str,
         secret_link: str | None = None) -> None:
    """Queue `event` to the user's own address in the caller's transaction.

    `about` makes the outbox key unique per occurrence (a grant id, a link id). With
    `secret_link` the link goes sealed; otherwise the message links to her account page.
    """
    context: dict[str, str] = {}
    sealed: dict[str, str] | None = None
    if secret_link is not None:
        sealed = {"staff_url": secret_link}
    else:
        context["staff_url"] = staff_url("/triage/account")
    queue_notification(
        db,
        event=event,
        channel="email",
        recipient=user.email,
        locale=staff_locale(user),
        subject_key=f"user:{user.id}:{about}:{now().isoformat()}"[:120],
        context=context,
        sealed=sealed,
    )

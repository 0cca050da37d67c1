"""The client's acknowledgement of a new case, queued in the same transaction as the case.

The message carries the reference and the status link only, never anything the person wrote:
a phone can be read by someone else, and the channels (Meta for WhatsApp, the SMS operator) are
third parties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.reach import reach
from notify.outbox import queue_notification

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case
    from notify.models import Notification


def queue_acknowledgement(
    session: Session, case: Case, *, status_url: str, locale: str
) -> Notification | None:
    """Queue "we received your request" the way `intake.reach` says; None when there is none."""
    way = reach(case, "case_received", page_locale=locale)
    if way is None:
        return None
    return queue_notification(
        session,
        event="case_received",
        channel=way.channel,
        recipient=way.address,
        locale=way.locale,
        subject_key=f"case:{case.id}",
        context={"reference": case.reference},
        sealed={"status_url": status_url},
        fallback=list(way.fallback) or None,
    )

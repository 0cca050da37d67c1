"""The client's acknowledgement of a new case, queued in the same transaction as the case.

The message carries the reference and a link to the case only, never anything the person wrote:
a phone can be read by someone else, and the channels (Meta for WhatsApp, the SMS operator) are
third parties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.reach import reach
from intake.reopen import notice_values
from notify.outbox import queue_notification_id

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case


def queue_acknowledgement(session: Session, case: Case, *, locale: str) -> int | None:
    """Queue "we received your request" the way `intake.reach` says: the outbox row's id, or
    None when there is none.

    It carries a single-use link to the case (the status link itself is shown once, on the
    confirmation page), or no link at all if she asked for none.

    A case a WhatsApp conversation made gets none: the conversation's closing message says the
    same (reference and a single-use link, sealed: intake.whatsapp_intake). Two outbox rows are
    sent by separate workers, so a separate acknowledgement could reach her before the closing
    message; one message has no order to keep."""
    if case.source == "whatsapp":
        return None
    way = reach(case, "case_received", page_locale=locale)
    if way is None:
        return None
    context, sealed = notice_values(session, case, way.locale)
    return queue_notification_id(
        session,
        event="case_received",
        channel=way.channel,
        recipient=way.address,
        locale=way.locale,
        subject_key=f"case:{case.id}",
        context={"reference": case.reference, **context},
        sealed=sealed,
        fallback=list(way.fallback) or None,
    )

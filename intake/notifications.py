"""The client's acknowledgement of a new case, queued in the same transaction as the case.

The message carries the reference and the status link only, never anything the person wrote:
a phone can be read by someone else, and the channels (Meta for WhatsApp, the SMS operator) are
third parties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notify.outbox import queue_notification

if TYPE_CHECKING:
    from sqlmodel import Session

    from intake.models import Case
    from notify.models import Notification

# A phone call cannot be queued; a text message may stand in, but only if the person allowed
# messages to be left.
_DIRECT = {"email": "email", "sms": "sms", "whatsapp": "whatsapp"}


def notify_channel(channel: str, may_leave_message: bool) -> str | None:
    if channel == "phone":
        return "sms" if may_leave_message else None
    return _DIRECT.get(channel)


def queue_acknowledgement(
    session: Session, case: Case, *, status_url: str, locale: str
) -> Notification | None:
    """Queue "we received your request" on the client's channel; None when there is none."""
    channel = notify_channel(case.contact_channel, case.may_leave_message)
    if channel is None:
        return None
    fallback: list[tuple[str, str]] = []
    backup = notify_channel(case.backup_channel, case.may_leave_message)
    if (
        backup
        and case.backup_address
        and (backup, case.backup_address)
        != (
            channel,
            case.contact_address,
        )
    ):
        fallback.append((backup, case.backup_address))
    return queue_notification(
        session,
        event="case_received",
        channel=channel,
        recipient=case.contact_address,
        locale=locale,
        subject_key=f"case:{case.id}",
        context={"reference": case.reference},
        sealed={"status_url": status_url},
        fallback=fallback or None,
    )

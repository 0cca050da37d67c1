"""The notifications casework queues: to staff (a reference and a staff link) and to the client.

Everything goes through notify's outbox in the caller's transaction; a notification never
carries case details, only the reference and a link.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from intake.models import Case
from intake.reach import reach
from intake.reopen import notice_values
from notify.outbox import queue_notification
from triage.accounts.models import StaffUser, Team, TeamMembership
from triage.accounts.notices import staff_locale
from yhteys.i18n import DEFAULT_LOCALE
from yhteys.settings import get_settings


def staff_url(case: Case) -> str:
    return f"{get_settings().base_url.rstrip('/')}/triage/cases/{case.reference}"


def _staff_context(case: Case) -> dict[str, str]:
    return {"reference": case.reference, "staff_url": staff_url(case)}


def _team_address(team: Team | None) -> str:
    return (team.email if team and team.email else "") or get_settings().staff_mail_to


def new_case(session: Session, case: Case, subject: str) -> None:
    """The team's queue address (or STAFF_MAIL_TO) learns of a new case in its queue."""
    team = session.get(Team, case.team_id) if case.team_id else None
    address = _team_address(team)
    if address:
        queue_notification(
            session, event="staff_new_case", channel="email", recipient=address,
            locale=DEFAULT_LOCALE, subject_key=subject, context=_staff_context(case),
        )


def assigned(session: Session, case: Case, user: StaffUser, subject: str) -> None:
    queue_notification(
        session, event="staff_case_assigned", channel="email", recipient=user.email,
        locale=staff_locale(user), subject_key=subject, context=_staff_context(case),
    )


def urgency_raised(session: Session, case: Case, subject: str) -> int:
    """The client needs help today: her advisor and the team's queue address hear at once."""
    recipients: dict[str, str] = {}  # address -> language; a queue address gets the default
    if case.assignee_id is not None:
        user = session.get(StaffUser, case.assignee_id)
        if user is not None and user.is_active and user.email:
            recipients[user.email] = staff_locale(user)
    team = session.get(Team, case.team_id) if case.team_id else None
    address = _team_address(team)
    if address and address not in recipients:
        recipients[address] = DEFAULT_LOCALE
    for recipient, locale in recipients.items():
        queue_notification(
            session, event="staff_urgency_raised", channel="email", recipient=recipient,
            locale=locale, subject_key=subject, context=_staff_context(case),
        )
    return len(recipients)


def supervisors_of(session: Session, team_id: int | None) -> list[StaffUser]:
    """The team's supervisors; with none, every active supervisor (a breach must reach someone)."""
    active = select(StaffUser).where(col(StaffUser.is_active).is_(True))
    people = []
    if team_id is not None:
        query = active.join(TeamMembership, col(TeamMembership.user_id) == col(StaffUser.id)).where(
            col(TeamMembership.team_id) == team_id
        )
        people = [u for u in session.scalars(query) if u.has_role("supervisor")]
    if not people:
        people = [u for u in session.scalars(active.order_by(col(StaffUser.id)))
                  if u.has_role("supervisor")]
    return people


def advisor_replied(session: Session, case: Case, message_id: int, files: int = 0) -> bool:
    """Tell the client, the way `intake.reach` says, that a reply waits (and that it has files,
    never which)."""
    from intake.whatsapp_answers import sealed_answer

    way = reach(case, "advisor_replied")
    if way is None:
        return False
    # The status link exists only as a hash: the notice carries a fresh single-use link to the
    # case (sealed), or, if she wants no links in messages, says how to open it.
    context, sealed = notice_values(session, case, way.locale)
    context = {"reference": case.reference, **context}
    if files:
        context["attached"] = "one" if files == 1 else "several"
    sealed = {**sealed, **sealed_answer(session, case, way.channel, message_id)}
    queued = queue_notification(
        session, event="advisor_replied", channel=way.channel,
        recipient=way.address, locale=way.locale,
        subject_key=f"message:{message_id}",
        context=context, sealed=sealed,
        fallback=list(way.fallback),
    )
    return queued is not None

"""Everything the case view shows, gathered in one place (plain functions, one session)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from intake.choices import DAYS
from intake.models import Attachment, Case, CaseMessage, CaseTranscript
from notify.outbox import notifications_for
from triage.accounts.models import StaffUser, Team
from triage.casework import (
    answers,
    assign,
    describe,
    due_words,
    duplicates,
    history,
    language_pool,
    saved_replies,
    sla,
    speakers,
)
from triage.casework.models import CaseNote
from yhteys.db import pk
from yhteys.i18n import gettext as _


@dataclass
class Line:
    at: datetime
    author: str
    body: str
    mine: bool = False
    files: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files sent on WhatsApp not (yet) here


def find(session: Session, reference: str) -> Case | None:
    return session.scalars(select(Case).where(col(Case.reference) == reference)).first()


def _names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    query = select(StaffUser).where(col(StaffUser.id).in_(ids))
    return {u.id: u.label for u in session.scalars(query)}


def window_text(window: dict[str, Any]) -> str:
    day = str(DAYS.get(window.get("day", ""), window.get("day", "")))
    start, end = window.get("start") or "", window.get("end") or ""
    if start and end:
        return f"{day} {start}–{end}"
    if start:
        return _("%(day)s from %(time)s", day=day, time=start)
    if end:
        return _("%(day)s until %(time)s", day=day, time=end)
    return day


def priority_reason(session: Session, case: Case) -> str:
    event = history.latest(session, pk(case), "priority")
    if event is None:
        return case.priority_reason
    if event.data.get("source") == "staff":
        return event.data.get("reason", "")
    return describe.signals_text(event.data.get("signals") or [])


def conversation(session: Session, case: Case, names: Mapping[int | None, str]) -> list[Line]:
    files: dict[int | None, list[Attachment]] = {}
    for attachment in session.scalars(
        select(Attachment).where(col(Attachment.case_id) == case.id).order_by(col(Attachment.id))
    ):
        files.setdefault(attachment.message_id, []).append(attachment)
    from intake.media import for_case
    from triage.casework.media_lines import line

    notes: dict[int | None, list[str]] = {}
    for media in for_case(session, pk(case)):
        if text := line(media):
            notes.setdefault(media.message_id, []).append(text)
    client = _("Client")
    lines = [Line(case.created_at, client, case.message, files=files.get(None, []))]
    query = select(CaseMessage).where(col(CaseMessage.case_id) == case.id).order_by(
        col(CaseMessage.created_at), col(CaseMessage.id)
    )
    for message in session.scalars(query):
        author = client if message.author == "client" else names.get(
            message.staff_user_id, _("Advisor"))
        lines.append(Line(message.created_at, author, message.body, message.author == "staff",
                          files.get(message.id, []), notes.get(message.id, [])))
    return lines


def transcript(session: Session, case: Case) -> list[tuple[str, str]]:
    """The guided WhatsApp conversation that made the case: (who, text), as she saw it."""
    row = session.get(CaseTranscript, case.id)
    if row is None:
        return []
    return [(str(who), str(text)) for who, text in row.lines if isinstance(text, str)]


def context(session: Session, case: Case, user: StaffUser, at: datetime) -> dict[str, Any]:
    events = history.for_case(session, pk(case))
    notes = list(session.scalars(
        select(CaseNote).where(col(CaseNote.case_id) == case.id).order_by(col(CaseNote.id))))
    messages_by = set(session.scalars(
        select(col(CaseMessage.staff_user_id)).where(col(CaseMessage.case_id) == case.id)))
    ids = {case.assignee_id, *messages_by, *(n.author_id for n in notes),
           *(e.actor_id for e in events)}
    ids |= {e.data.get("assignee_id") for e in events if isinstance(e.data.get("assignee_id"), int)}
    names = _names(session, ids)
    team = session.get(Team, case.team_id) if case.team_id else None
    members = [m for m in assign.team_members(session, pk(team))] if team else []
    gap = speakers.gap_of(session, pk(case)) if case.state != "closed" else None
    return {
        "case": case,
        "team": team,
        "assignee_name": names.get(case.assignee_id, "") if case.assignee_id else "",
        "members": [(m.id, m.label) for m in members],
        "teams": [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))],
        "answers": answers.details(case.kind, case.details),
        "windows": [window_text(w) for w in case.contact_windows or [] if isinstance(w, dict)],
        "conversation": conversation(session, case, names),
        "transcript": transcript(session, case),
        "notes": [(n, names.get(n.author_id, "")) for n in notes],
        "history": [(e, describe.event_text(e.action, e.data, names)) for e in events],
        "duplicates": duplicates.for_case(session, pk(case)),
        "notifications": notifications_for(session, case.reference),
        "reply_menu": saved_replies.menu(session, speakers.client_language(case)),
        "language_gap": gap,
        "speaker_offers": language_pool.offers(session, case, gap.language) if gap else [],
        "pool_interpreters": language_pool.interpreters(session, gap.language) if gap else [],
        "paused": sla.is_paused(session, case),
        "overdue": sla.is_overdue(case, at),
        "priority_reason": priority_reason(session, case),
        "is_mine": case.assignee_id == user.id,
        "due_of": lambda moment: due_words.due(moment, at),
    }

"""Merging one client's two cases: what intake owns moves to the surviving case.

Called by triage's merge (`triage.casework.merge`), in its transaction. Her request of the merged
case becomes a message of the survivor at the time she sent it, with its files, so she reads one
thread; her later messages, their files, her consents and her WhatsApp thread follow. The merged
case keeps its row (staff read it; the audit trail names it) and points at the survivor, so its
status link opens the survivor's page (`intake.service.lookup_secret`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session, col

from intake.models import Attachment, Case, CaseMessage, Consent, WhatsAppThread
from yhteys.db import pk, rowcount


@dataclass(frozen=True)
class Moved:
    messages: int  # her request included
    files: int
    consents: int


def _move(session: Session, model: type, merged_id: int, survivor_id: int) -> int:
    table_case_id = model.case_id  # type: ignore[attr-defined]
    result = session.execute(
        update(model)
        .where(col(table_case_id) == merged_id)
        .values(case_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def move_to_survivor(session: Session, merged: Case, survivor: Case) -> Moved:
    """Move the merged case's conversation, files, consents and WhatsApp thread to the survivor,
    and point the merged case (and any case merged into it before) at the survivor."""
    merged_id, survivor_id = pk(merged), pk(survivor)
    if merged_id == survivor_id:
        raise ValueError("a case cannot be merged into itself")
    request = CaseMessage(
        case_id=survivor_id, author="client", channel=merged.source, body=merged.message,
        created_at=merged.created_at,
    )
    session.add(request)
    session.flush()
    # The request's own files hang on no message; on the survivor they hang on the request.
    session.execute(
        update(Attachment)
        .where(col(Attachment.case_id) == merged_id, col(Attachment.message_id).is_(None))
        .values(message_id=request.id)
        .execution_options(synchronize_session=False)
    )
    messages = _move(session, CaseMessage, merged_id, survivor_id)
    files = _move(session, Attachment, merged_id, survivor_id)
    consents = _move(session, Consent, merged_id, survivor_id)
    _move(session, WhatsAppThread, merged_id, survivor_id)
    # One hop always: a case merged into the merged one now points at the survivor too.
    session.execute(
        update(Case)
        .where(col(Case.merged_into_id) == merged_id)
        .values(merged_into_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
    merged.merged_into_id = survivor_id
    _carry_whatsapp_proof(merged, survivor)
    survivor.client_replied = survivor.client_replied or merged.client_replied
    session.add_all([merged, survivor])
    session.flush()
    session.expire_all()  # rows moved behind the session's back: read them again
    return Moved(messages=messages + 1, files=files, consents=consents)


def _carry_whatsapp_proof(merged: Case, survivor: Case) -> None:
    """The same number, proven on the merged case, is proven for her: her WhatsApp messages go
    on reaching her advisor without a new code."""
    from intake.inbound import whatsapp_number

    number = whatsapp_number(survivor)
    if (
        survivor.whatsapp_proven_at is None
        and merged.whatsapp_proven_at is not None
        and number
        and number == whatsapp_number(merged)
    ):
        survivor.whatsapp_proven_at = merged.whatsapp_proven_at


def survivor_of(session: Session, case: Case) -> Case | None:
    """The case this one's status link opens: itself, or the case it was merged into."""
    seen = {pk(case)}
    while case.merged_into_id is not None:
        target = session.get(Case, case.merged_into_id)
        if target is None or pk(target) in seen:  # a broken pointer opens nothing
            return None
        seen.add(pk(target))
        case = target
    return case


def merged_into(session: Session, case: Case) -> list[Case]:
    """The cases merged into this one (their status links open it)."""
    return list(session.scalars(select(Case).where(col(Case.merged_into_id) == case.id)))

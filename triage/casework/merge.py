"""Merging a duplicate into the case that goes on: nothing stays behind.

The merged case closes as a duplicate, but everything in it moves to the survivor: her messages
and files, her request itself and her consents (`intake.merging`), the internal notes, the
history (each moved line says where it came from) and the sought-person keys. The survivor takes
the higher of the two priorities. The merged case's status link then opens the survivor, so
whichever link she kept, she finds one thread. Both histories and the audit trail show the merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from intake.merging import Moved, merged_into, move_to_survivor
from intake.models import PRIORITY_RANK, Case
from triage.casework import history, search, sla
from triage.casework.models import CaseEvent, CaseNote, PersonKey
from yhteys.clock import now
from yhteys.db import pk, rowcount


@dataclass(frozen=True)
class Merged:
    moved: Moved
    notes: int
    events: int

    def as_data(self) -> dict[str, Any]:
        return {"messages": self.moved.messages, "files": self.moved.files,
                "consents": self.moved.consents, "notes": self.notes, "events": self.events}


def _move_history(session: Session, merged: Case, survivor_id: int) -> int:
    """Each line keeps its time and actor and says which case it came from."""
    rows = list(session.scalars(select(CaseEvent).where(col(CaseEvent.case_id) == merged.id)))
    for row in rows:
        row.case_id = survivor_id
        row.data = {**row.data, "merged_from": merged.reference}
        session.add(row)
    return len(rows)


def _move_notes(session: Session, merged_id: int, survivor_id: int) -> int:
    result = session.execute(
        update(CaseNote).where(col(CaseNote.case_id) == merged_id).values(case_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def _move_person_keys(session: Session, merged_id: int, survivor_id: int) -> None:
    session.execute(
        update(PersonKey).where(col(PersonKey.case_id) == merged_id).values(case_id=survivor_id)
        .execution_options(synchronize_session=False)
    )


def _take_priority(session: Session, survivor: Case, merged: Case, actor_id: int | None) -> None:
    if PRIORITY_RANK[merged.priority] >= PRIORITY_RANK[survivor.priority]:
        return
    survivor.priority, survivor.priority_rank = merged.priority, PRIORITY_RANK[merged.priority]
    survivor.priority_reason = f"{merged.reference}: {merged.priority_reason}"[:500]
    sla.apply_due_times(session, survivor, now())
    history.add(session, survivor, "priority", actor_id, {
        "priority": merged.priority, "source": "merge", "reference": merged.reference,
        "reason": survivor.priority_reason,
    })


def merge(session: Session, survivor: Case, merged: Case, actor_id: int | None) -> Merged:
    """Move everything of `merged` to `survivor`, in the caller's transaction (which closes
    `merged` afterwards and records the audit)."""
    survivor_id = pk(survivor)
    # Read before the move: intake's move expires the session's rows.
    merged_id = pk(merged)
    events = _move_history(session, merged, survivor_id)
    notes = _move_notes(session, merged_id, survivor_id)
    _move_person_keys(session, merged_id, survivor_id)
    session.flush()
    moved = move_to_survivor(session, merged, survivor)
    session.refresh(survivor)
    session.refresh(merged)
    _take_priority(session, survivor, merged, actor_id)
    search.index(session, survivor, merged_into(session, survivor))
    result = Merged(moved, notes, events)
    history.add(session, survivor, "merged", actor_id, {
        "reference": merged.reference, "other_id": merged_id, **result.as_data(),
    })
    return result

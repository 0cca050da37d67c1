"""What staff do to a case. Every action is version-checked, in the history and in the audit trail.

Each action takes the version the person saw. The first statement of the change is
`UPDATE case SET version = version + 1 WHERE id = ? AND version = ?`: when someone else changed the
case in between, it matches no row and the action raises `Stale` with nothing written, so two
people never overwrite each other silently. On PostgreSQL the UPDATE also takes the row lock, so a
concurrent second action waits and then finds the new version; SQLite serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col
from starlette.requests import Request

from intake import lifecycle
from intake.attachments import CleanFile
from intake.attachments import save as save_attachments
from intake.lifecycle import State
from intake.models import OUTCOMES, PRIORITIES, PRIORITY_RANK, Case, CaseMessage
from triage.accounts import audit
from triage.accounts.auth import can_read_case
from triage.accounts.models import StaffUser, Team
from triage.casework import (
    assign,
    duplicates,
    history,
    language_pool,
    merge,
    notices,
    sla,
    speakers,
)
from triage.casework.routing import decision_data
from yhteys.clock import now
from yhteys.db import pk, rowcount

WORK_STATES = tuple(s.value for s in State if s is not State.CLOSED)
NOTE_MAX = 5000
REPLY_MAX = 5000
REASON_MAX = 500


class Stale(Exception):  # noqa: N818 - reads as "raise Stale"
    """Someone else changed the case since the person loaded it."""


class NotAllowed(Exception):  # noqa: N818
    """The action does not apply to this case or this person (a message code says why)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _take(session: Session, case: Case, version: int) -> None:
    session.flush()  # earlier changes in this unit of work must not be lost by the refresh below
    result = session.execute(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == version)
        .values(version=version + 1, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Stale
    session.refresh(case)  # what we change next starts from the row we now hold


def _audit(
    session: Session, actor: StaffUser, action: str, case: Case, request: Request | None,
    **detail: Any,
) -> None:
    audit.record(session, actor=actor, action=action, case_id=case.id, detail=detail,
                 request=request)


def _check_reader(actor: StaffUser, case: Case) -> None:
    if not can_read_case(actor, case.team_id):
        raise NotAllowed("not_your_team")


def _open(case: Case) -> None:
    if case.state == "closed":
        raise NotAllowed("closed")


def _team_member(session: Session, team_id: int | None, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None or not user.is_active or team_id is None or team_id not in user.team_ids:
        raise NotAllowed("not_in_team")
    return user


def _speaker_found(session: Session, case: Case, user: StaffUser) -> None:
    """Someone of the team who speaks the language after all (a supervisor, or someone named
    for it in the language pool) took it."""
    gap = speakers.gap_of(session, pk(case))
    if gap is not None and (speakers.speaks(user, gap.language)
                            or language_pool.is_member(session, gap.language, user.id)):
        session.delete(gap)


def give_to_speaker(session: Session, case: Case, version: int, actor: StaffUser,
                    user_id: int, team_id: int, request: Request | None = None) -> None:
    """One click on the case page: someone of the language pool, or the speaker of another team,
    gets the case."""
    _check_reader(actor, case)
    _open(case)
    if speakers.gap_of(session, pk(case)) is None:
        raise NotAllowed("has_speaker")
    pooled = language_pool.is_member(session, speakers.client_language(case), user_id)
    _take(session, case, version)
    speaker, reason = speakers.give_to_speaker(session, case, actor, user_id, team_id, pooled)
    if case.state == "new":
        _set_state(session, case, "assigned", actor)
    session.flush()
    if speaker.id != actor.id:
        notices.assigned(session, case, speaker, f"case:{case.id}:speaker:{case.version}")
    _audit(session, actor, "case.assign_speaker", case, request, assignee_id=speaker.id,
           team_id=team_id, reason=reason, language=speakers.client_language(case))


def _set_state(session: Session, case: Case, state: str, actor: StaffUser) -> None:
    """A staff member's move; the lifecycle writes its history and moves the SLA clock."""
    lifecycle.transition(session, case, state, actor_id=actor.id, actor_kind=lifecycle.STAFF)


def claim(session: Session, case: Case, version: int, actor: StaffUser,
          request: Request | None = None) -> None:
    _check_reader(actor, case)
    _open(case)
    if not actor.has_role("advisor", "supervisor"):
        raise NotAllowed("cannot_take_cases")
    _take(session, case, version)
    if case.assignee_id is not None and case.assignee_id != actor.id:
        raise NotAllowed("already_assigned")
    case.assignee_id = actor.id
    _speaker_found(session, case, actor)
    if case.state == "new":
        _set_state(session, case, "assigned", actor)
    history.add(session, case, "claimed", actor.id, {"assignee_id": actor.id})
    _audit(session, actor, "case.claim", case, request)


def assign_to(session: Session, case: Case, version: int, actor: StaffUser, user_id: int | None,
              request: Request | None = None) -> None:
    _check_reader(actor, case)
    _open(case)
    if user_id is None:
        _take(session, case, version)
        case.assignee_id = None
        if case.state in ("assigned", "in_progress"):  # nobody has it: back in the team's queue
            _set_state(session, case, "new", actor)
        history.add(session, case, "unassigned", actor.id, {})
        _audit(session, actor, "case.unassign", case, request)
        return
    user = _team_member(session, case.team_id, user_id)
    _take(session, case, version)
    case.assignee_id = user.id
    _speaker_found(session, case, user)
    if case.state == "new":
        _set_state(session, case, "assigned", actor)
    event = history.add(session, case, "assigned", actor.id, {"assignee_id": user.id})
    session.flush()
    if user.id != actor.id:
        notices.assigned(session, case, user, f"case:{case.id}:assigned:{event.id}")
    _audit(session, actor, "case.assign", case, request, assignee_id=user.id)


def change_state(session: Session, case: Case, version: int, actor: StaffUser, state: str,
                 request: Request | None = None) -> None:
    """Move between the working states; a closed case moved back is reopened."""
    _check_reader(actor, case)
    if state not in WORK_STATES:
        raise NotAllowed("bad_state")
    if state in ("assigned", "in_progress", "waiting_client") and case.assignee_id is None:
        raise NotAllowed("needs_assignee")
    _take(session, case, version)
    if state == "new" and case.assignee_id is not None:  # back in the queue: nobody has it
        case.assignee_id = None
        history.add(session, case, "unassigned", actor.id, {})
    _set_state(session, case, state, actor)
    _audit(session, actor, "case.state", case, request, state=state)


def _reason(text: str) -> str:
    """A staff member's reason for a change: required, and short enough for the history."""
    reason = text.strip()
    if not reason:
        raise NotAllowed("reason_required")
    if len(reason) > REASON_MAX:
        raise NotAllowed("too_long")
    return reason


def change_priority(session: Session, case: Case, version: int, actor: StaffUser, priority: str,
                    reason: str, request: Request | None = None) -> None:
    _check_reader(actor, case)
    if priority not in PRIORITIES:
        raise NotAllowed("bad_priority")
    reason = _reason(reason)
    _take(session, case, version)
    case.priority, case.priority_rank = priority, PRIORITY_RANK[priority]
    case.priority_reason = reason
    sla.apply_due_times(session, case, now())
    history.add(session, case, "priority", actor.id,
                {"priority": priority, "source": "staff", "reason": reason})
    _audit(session, actor, "case.priority", case, request, priority=priority)


def refer(session: Session, case: Case, version: int, actor: StaffUser, team_id: int,
          reason: str, request: Request | None = None) -> None:
    """Hand the case to another team; that team's assignment rule applies."""
    _check_reader(actor, case)
    _open(case)
    team = session.get(Team, team_id)
    if team is None:
        raise NotAllowed("bad_team")
    if team.id == case.team_id:
        raise NotAllowed("same_team")
    reason = _reason(reason)
    _take(session, case, version)
    from_team = case.team_id
    case.team_id, case.assignee_id = team.id, None
    assignment = assign.assign_within(session, case, team)
    if assignment.assignee is not None:
        case.assignee_id = assignment.assignee.id
    assign.settle_language(session, case, assignment)
    target_state = "assigned" if case.assignee_id else "new"
    if case.state in ("new", "assigned", "in_progress"):
        _set_state(session, case, target_state, actor)
    event = history.add(session, case, "referred", actor.id, {
        "from_team_id": from_team, "reason": reason,
        **decision_data(rule=None, team_name=team.name, assignment=assignment, kind=case.kind,
                        language=speakers.client_language(case), area=case.area),
        "team_id": team.id,
    })
    session.flush()
    notices.new_case(session, case, f"case:{case.id}:referred:{event.id}")
    if assignment.assignee is not None:
        user = session.get(StaffUser, assignment.assignee.id)
        if user is not None:
            notices.assigned(session, case, user, f"case:{case.id}:assigned:{event.id}")
    _audit(session, actor, "case.refer", case, request, team_id=team.id, from_team_id=from_team)


def close(session: Session, case: Case, version: int, actor: StaffUser, outcome: str,
          request: Request | None = None) -> None:
    _check_reader(actor, case)
    _open(case)
    if outcome not in OUTCOMES:
        raise NotAllowed("bad_outcome")
    _take(session, case, version)
    _close(session, case, actor, outcome)
    _audit(session, actor, "case.close", case, request, outcome=outcome)


def _close(session: Session, case: Case, actor: StaffUser, outcome: str) -> None:
    case.outcome, case.client_replied = outcome, False
    _set_state(session, case, "closed", actor)
    history.add(session, case, "closed", actor.id, {"outcome": outcome})


def reply(session: Session, case: Case, version: int, actor: StaffUser, body: str,
          wait_for_client: bool = False, request: Request | None = None,
          files: Sequence[CleanFile] = ()) -> CaseMessage:
    """A message on the client's status page (with files she downloads there, already checked
    and cleaned), and a notice on their chosen channel."""
    _check_reader(actor, case)
    body = body.strip()
    if not body:
        raise NotAllowed("empty")
    if len(body) > REPLY_MAX:
        raise NotAllowed("too_long")
    _take(session, case, version)
    message = CaseMessage(case_id=pk(case), author="staff", staff_user_id=actor.id, body=body,
                          channel="web", created_at=now())
    session.add(message)
    if files:
        session.flush()
        save_attachments(session, pk(case), list(files), message_id=message.id)
    lifecycle.record_first_response(session, case, kind="reply", actor_id=actor.id)
    case.client_replied = False
    if case.assignee_id is None and actor.has_role("advisor"):
        case.assignee_id = actor.id
    if wait_for_client:  # from a closed case too: the reply reopens it
        _set_state(session, case, "waiting_client", actor)
    elif case.state != "in_progress":
        _set_state(session, case, "in_progress" if case.assignee_id else "new", actor)
    session.flush()
    history.add(session, case, "replied", actor.id, {"message_id": message.id})
    notified = notices.advisor_replied(session, case, pk(message), files=len(files))
    _audit(session, actor, "case.reply", case, request, message_id=message.id,
           notified=notified, **({"files": len(files)} if files else {}))
    return message


def add_note(session: Session, case: Case, version: int, actor: StaffUser, body: str,
             request: Request | None = None) -> None:
    from triage.casework.models import CaseNote

    _check_reader(actor, case)
    body = body.strip()
    if not body:
        raise NotAllowed("empty")
    if len(body) > NOTE_MAX:
        raise NotAllowed("too_long")
    _take(session, case, version)
    note = CaseNote(case_id=pk(case), author_id=actor.id, body=body, created_at=now())
    session.add(note)
    session.flush()
    history.add(session, case, "note", actor.id, {"note_id": note.id})
    _audit(session, actor, "case.note", case, request, note_id=note.id)


def mark_seen(session: Session, case: Case, version: int, actor: StaffUser,
              request: Request | None = None) -> None:
    _check_reader(actor, case)
    _take(session, case, version)
    case.client_replied = False
    _audit(session, actor, "case.mark_seen", case, request)


def end_link(session: Session, case: Case, version: int, actor: StaffUser,
             request: Request | None = None) -> None:
    """End the client's status link at once (she reports it lost, or it leaked)."""
    from intake.merging import merged_into
    from intake.service import end_status_link

    _check_reader(actor, case)
    _take(session, case, version)
    ended = end_status_link(session, case, by="staff")
    # The links of cases merged into this one open it too: they end with it.
    for merged in merged_into(session, case):
        ended = end_status_link(session, merged, by="staff") or ended
    if ended:
        history.add(session, case, "status_link_ended", actor.id, {})
    _audit(session, actor, "case.end_link", case, request)


def link_duplicate(session: Session, case: Case, version: int, actor: StaffUser,
                   other: Case, close_other: bool, request: Request | None = None) -> None:
    """Link two cases; with close_other, the other one closes as a duplicate of this one."""
    _check_reader(actor, case)
    _check_reader(actor, other)
    if other.id == case.id:
        raise NotAllowed("same_case")
    if close_other and other.state == "closed":
        raise NotAllowed("closed")
    _take(session, case, version)
    duplicates.staff_link(session, case, other, pk(actor))
    history.add(session, case, "duplicate_linked", actor.id,
                {"reference": other.reference, "other_id": other.id})
    history.add(session, other, "duplicate_linked", actor.id,
                {"reference": case.reference, "other_id": case.id})
    if close_other:
        if case.anonymised_at is not None:
            raise NotAllowed("closed")
        _take(session, other, other.version)
        # Nothing stays behind on the closed case: she finds it all on this one (merge.py).
        merged = merge.merge(session, case, other, actor.id)
        _close(session, other, actor, "duplicate")
        history.add(session, other, "merged_into", actor.id,
                    {"reference": case.reference, "other_id": case.id, "moved": True})
        _audit(session, actor, "case.close", other, request, outcome="duplicate",
               duplicate_of=case.id)
        _audit(session, actor, "case.merge", case, request, merged_case_id=other.id,
               **merged.as_data())
    _audit(session, actor, "case.link_duplicate", case, request, other_case_id=other.id,
           closed_other=close_other)


def dismiss_duplicate(session: Session, case: Case, version: int, actor: StaffUser,
                      other: Case, request: Request | None = None) -> None:
    _check_reader(actor, case)
    link = duplicates.link_between(session, pk(case), pk(other))
    if link is None:
        raise NotAllowed("no_link")
    _take(session, case, version)
    duplicates.decide(session, link, "dismissed", pk(actor))
    history.add(session, case, "duplicate_dismissed", actor.id,
                {"reference": other.reference, "other_id": other.id})
    _audit(session, actor, "case.dismiss_duplicate", case, request, other_case_id=other.id)


def request_transfer(session: Session, case: Case, actor: StaffUser,
                     request: Request | None = None) -> None:
    """An advisor of another team asks for the case: in its history and the trail, nothing more."""
    teams = sorted(actor.teams, key=lambda t: t.id or 0)
    team = teams[0] if teams else None
    history.add(session, case, "transfer_requested", actor.id, {
        "actor_id": actor.id, "team_id": team.id if team else None,
        "team_name": team.name if team else "",
    })
    _audit(session, actor, "case.request_transfer", case, request,
           team_id=team.id if team else None)


def route_again(session: Session, case: Case, version: int, actor: StaffUser,
                request: Request | None = None) -> None:
    """A supervisor re-runs the routing rules (an unrouted case, or after the rules changed)."""
    if not actor.has_role("supervisor"):
        raise NotAllowed("supervisors_only")
    _open(case)
    _take(session, case, version)
    case.assignee_id = None
    assign.route(session, case, actor)
    session.flush()
    if case.team_id is not None:
        notices.new_case(session, case, f"case:{case.id}:routed:{case.version}")
    _audit(session, actor, "case.route", case, request, team_id=case.team_id)

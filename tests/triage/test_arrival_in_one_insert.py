"""A submitted case is decided before its INSERT: its row goes in with priority, team, advisor,
state and due times, and is not updated a moment later; the rows that need its id follow in the
same transaction, in the order the history shows."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlmodel import Session

from intake import service
from intake.models import Case
from intake.openapi import EXAMPLES
from intake.validation import validate
from notify.models import Notification
from triage import hooks
from triage.casework.models import (
    CaseClock,
    CaseEvent,
    CaseSearch,
    LanguageGap,
    RoutingRule,
)
from yhteys.db import get_engine


def _submission(**changes: object):  # noqa: ANN202
    result = validate({**EXAMPLES["tracing"], **changes}, strict=True)
    assert result.submission is not None, result.errors.codes()
    return result.submission


def _statements(run) -> list[str]:  # noqa: ANN001
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    return seen


def test_a_routed_assigned_case_is_inserted_complete(make_team, make_staff):
    hooks.register()
    team = make_team("Tracing", auto_assign=True, email="tracing@example.org")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id, kind="tracing"))
        db.commit()
    # She writes Arabic; the team's only advisor does not: assigned, and marked for a speaker.
    advisor = make_staff(display_name="Aino", teams=[team], languages=["fi", "en"])
    outcomes = []
    statements = _statements(lambda: outcomes.append(service.submit(
        _submission(), idempotency_key="a" * 32, ui_locale="en")))

    assert not [s for s in statements if s.startswith('UPDATE "case"')]
    assert len([s for s in statements if s.startswith('INSERT INTO "case"')]) == 1
    with Session(get_engine()) as db:
        case = db.get(Case, outcomes[0].case.id)
        assert case is not None
        assert (case.team_id, case.assignee_id, case.state) == (team.id, advisor.id, "assigned")
        assert case.priority and case.due_at is not None and case.first_response_due_at
        assert case.version == 1
        actions = [e.action for e in db.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
        assert actions[:4] == ["created", "priority", "routed", "state"]
        clock = db.get(CaseClock, case.id)
        assert clock is not None and clock.running_since is not None
        search = db.get(CaseSearch, case.id)
        assert search is not None and "abu karim" in search.names
        gap = db.get(LanguageGap, case.id)
        assert gap is not None and (gap.language, gap.team_id) == ("ar", team.id)
        events = {n.event for n in db.scalars(
            select(Notification).where(Notification.reference == case.reference))}
        assert {"case_received", "staff_new_case", "staff_case_assigned"} <= events


def test_a_second_request_from_the_same_address_is_suggested_as_a_duplicate(settings):
    hooks.register()
    first = service.submit(_submission(), idempotency_key="b" * 32, ui_locale="en")
    second = service.submit(_submission(message="Again: my brother, please."),
                            idempotency_key="c" * 32, ui_locale="en")
    with Session(get_engine()) as db:
        actions = [e.action for e in db.scalars(
            select(CaseEvent).where(CaseEvent.case_id == second.case.id).order_by(CaseEvent.id))]
        suggested = db.scalars(select(CaseEvent).where(
            CaseEvent.case_id == second.case.id, CaseEvent.action == "duplicate_suggested")).one()
    assert actions[0] == "created" and actions[-1] == "duplicate_suggested"
    assert suggested.data["other_id"] == first.case.id

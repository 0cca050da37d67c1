"""She says she needs help today (intake.urgency.raise_urgency): the case rises at once, with
its reason in the history, the SLA clock following and the advisor and team alerted."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from intake import lifecycle
from intake.urgency import raise_urgency
from notify.models import Notification
from tests.triage.casework_factories import fresh, make_case
from triage.accounts.models import AuditEvent
from triage.casework import history, sla
from triage.casework.models import RoutingRule
from yhteys.db import get_engine


@pytest.fixture
def team(make_team):  # noqa: ANN001, ANN201
    team = make_team("Advice", email="queue@example.org", auto_assign=False)
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return team


def _raise(case_id: int, reason: str, source: str = "web") -> None:
    with Session(get_engine(), expire_on_commit=False) as db:
        case = fresh(case_id)
        case = db.merge(case)
        raise_urgency(db, case, reason, source)
        db.commit()


def _alerts(case_id: int) -> list[str]:
    with Session(get_engine()) as db:
        rows = db.scalars(
            select(Notification).where(col(Notification.event) == "staff_urgency_raised")
            .order_by(col(Notification.id))
        )
        return [n.recipient for n in rows if f"case:{case_id}:" in n.subject_key]


def test_a_high_case_becomes_urgent_with_her_reason_and_a_sooner_due_time(settings, team):
    case = make_case(kind="social_services", details={"children_with_you": "yes"})
    assert case.priority == "high"
    due_before = case.first_response_due_at

    _raise(case.id, "no_place_tonight")

    after = fresh(case.id)
    assert (after.priority, after.priority_rank) == ("urgent", 0)
    assert "asked for help today" in after.priority_reason
    assert "no safe place to sleep tonight" in after.priority_reason
    assert after.details["no_place_tonight"] is True  # as if she had ticked it on the form
    assert after.client_replied
    assert after.first_response_due_at < due_before  # the clock follows the urgent target
    assert after.due_at == after.first_response_due_at
    with Session(get_engine()) as db:
        raised = history.latest(db, case.id, "urgency_raised")
        assert raised is not None
        assert raised.data == {"reason": "no_place_tonight", "channel": "web", "from": "high"}
        priority = history.latest(db, case.id, "priority")
        assert priority.data["source"] == "client" and priority.data["priority"] == "urgent"
        target = sla.targets(db)["urgent"].first_response_minutes
    assert target == sla.DEFAULT_TARGETS["urgent"].first_response_minutes
    assert _alerts(case.id) == ["queue@example.org"]
    with Session(get_engine()) as db:
        trail = db.scalars(select(AuditEvent).where(col(AuditEvent.case_id) == case.id)
                           .where(col(AuditEvent.action) == "case.urgency_raised")).one()
    assert trail.actor_id is None
    assert trail.detail == {"from": "high", "channel": "web", "notified": 1}


def test_the_assigned_advisor_and_the_team_are_both_alerted(settings, team, make_staff):
    advisor = make_staff(email="aino@example.org", teams=[team])
    case = make_case()
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.merge(fresh(case.id))
        row.assignee_id = advisor.id
        lifecycle.transition(db, row, "assigned", actor_id=None, actor_kind="system")
        db.commit()

    _raise(case.id, "")

    assert fresh(case.id).priority == "urgent"
    assert sorted(_alerts(case.id)) == ["aino@example.org", "queue@example.org"]


def test_a_waiting_or_closed_case_comes_back_to_work(settings, team):
    case = make_case()
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.merge(fresh(case.id))
        lifecycle.transition(db, row, "closed", actor_id=None, actor_kind="staff")
        db.commit()
    with Session(get_engine()) as db:  # closed at once: an open one would block the cleanup
        assert sla.is_paused(db, fresh(case.id))

    _raise(case.id, "in_danger", source="whatsapp")

    after = fresh(case.id)
    assert after.state == "new" and after.priority == "urgent"
    with Session(get_engine()) as db:
        assert not sla.is_paused(db, after)
        assert history.latest(db, case.id, "urgency_raised").data["channel"] == "whatsapp"


def test_an_urgent_case_stays_urgent_and_every_call_still_alerts(settings, team):
    case = make_case(kind="social_services", details={"in_danger": True})
    assert case.priority == "urgent"
    due = case.first_response_due_at
    _raise(case.id, "health_emergency")
    _raise(case.id, "")
    after = fresh(case.id)
    assert after.priority == "urgent" and after.first_response_due_at == due
    assert len(_alerts(case.id)) == 2


def test_unknown_reasons_and_sources_are_refused(settings, team):
    case = make_case()
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.merge(fresh(case.id))
        with pytest.raises(ValueError):
            raise_urgency(db, row, "bored", "web")
        with pytest.raises(ValueError):
            raise_urgency(db, row, "", "carrier-pigeon")
    assert fresh(case.id).priority == "normal"


def test_the_board_and_the_case_page_show_the_raised_priority(
    settings, team, make_staff, client, login_fast
):
    advisor = make_staff(display_name="Aino", teams=[team])
    login_fast(client, advisor)
    client.headers["accept-language"] = "en"
    calm = make_case(name="Omar")
    raised = make_case(name="Rahel")
    _raise(raised.id, "child_without_care")

    board = client.get("/triage/board").text
    assert board.index(raised.reference) < board.index(calm.reference)  # urgent first
    page = client.get(f"/triage/cases/{raised.reference}").text
    assert "The client asked for help today: a child is left without care" in page
    assert "Urgent" in page

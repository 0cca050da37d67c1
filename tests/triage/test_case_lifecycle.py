"""The case lifecycle (intake.lifecycle) with triage subscribed: every move in the table works and
leaves its history and timestamps; every other move is refused with nothing written; the first
response is a reply or a call, never a note, and keeps its business-hours duration."""

from __future__ import annotations

from itertools import product

import pytest
from sqlmodel import Session, select

from intake import events, lifecycle
from intake.lifecycle import ACTOR_KINDS, STATES, TRANSITIONS, IllegalTransition, State
from intake.models import Case
from tests.triage.casework_factories import client_writes, fresh, make_case
from tests.triage.conftest import at
from triage.casework import actions, sla
from triage.casework.models import CaseClock, CaseEvent, RoutingRule
from yhteys.clock import as_utc
from yhteys.db import get_engine


@pytest.fixture
def advisor(make_team, make_staff):  # noqa: ANN001, ANN201
    team = make_team("Advice", auto_assign=True)
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return make_staff(display_name="Aino", teams=[team])


def case_in(state: str, **fields: object) -> Case:
    """A case row in `state`, its SLA clock running or stopped as that state has it."""
    case = make_case(announce=False, state=state, **fields)
    stopped = state in sla.STOPPED_STATES
    with Session(get_engine()) as db:
        db.add(CaseClock(case_id=case.id, elapsed=0,
                         running_since=None if stopped else case.created_at,
                         stopped_at=case.created_at if stopped else None))
        db.commit()
    return case


def events_of(case_id: int) -> list[CaseEvent]:
    with Session(get_engine()) as db:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return list(db.scalars(query))


def act(fn, case_id, user, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.get(Case, case_id)
        fn(db, case, case.version, user, *args, **kwargs)
        db.commit()
    return fresh(case_id)


ALLOWED = [(f, t, k) for f, moves in TRANSITIONS.items() for t, kinds in moves.items()
           for k in sorted(kinds)]
REFUSED = [(f, t, k) for f, t, k in product(STATES, STATES, ACTOR_KINDS)
           if f != t and k not in TRANSITIONS[State(f)].get(State(t), ())]


def test_the_table_names_every_state_and_only_known_actors() -> None:
    assert set(TRANSITIONS) == set(State)
    assert all(k in ACTOR_KINDS for moves in TRANSITIONS.values() for ks in moves.values()
               for k in ks)
    assert len(ALLOWED) + len(REFUSED) == len(STATES) * (len(STATES) - 1) * len(ACTOR_KINDS)


@pytest.mark.parametrize(("from_state", "to_state", "kind"), ALLOWED)
def test_every_allowed_move_writes_history_and_timestamps(clock, from_state, to_state, kind):  # noqa: ANN001
    clock(2026, 11, 30, 10)
    case = case_in(from_state, outcome="advised" if from_state == "closed"
                     else "", closed_at=at(2026, 11, 30, 9) if from_state == "closed" else None,
                     waiting_since=at(2026, 11, 30, 9) if from_state == "waiting_client" else None)
    moment = clock(2026, 11, 30, 11)
    actor_id = 7 if kind == "staff" else None
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(Case, case.id)
        change = lifecycle.transition(db, row, to_state, actor_id=actor_id, actor_kind=kind,
                                      reason="table test")
        db.commit()
    assert change is not None and change.from_state == from_state and change.to_state == to_state
    after = fresh(case.id)
    assert after.state == to_state
    assert as_utc(after.updated_at) == moment
    rows = events_of(case.id)
    state_rows = [e for e in rows if e.action == "state"]
    assert [(e.data["from"], e.data["state"], e.data["by"], e.data["reason"], e.actor_id)
            for e in state_rows] == [(from_state, to_state, kind, "table test", actor_id)]
    assert as_utc(state_rows[0].at) == moment
    assert ([e.action for e in rows if e.action == "reopened"] == ["reopened"]) is (
        from_state == "closed")
    if to_state == "waiting_client":
        assert as_utc(after.waiting_since) == moment
    else:
        assert after.waiting_since is None
    if to_state == "closed":
        assert as_utc(after.closed_at) == moment
    else:
        assert after.closed_at is None
    if from_state == "closed":
        assert as_utc(after.reopened_at) == moment and after.outcome == ""
    else:
        assert after.reopened_at is None
    with Session(get_engine()) as db:  # the SLA clock follows: stopped exactly in these states
        assert sla.is_paused(db, after) is (to_state in sla.STOPPED_STATES)


@pytest.mark.parametrize(("from_state", "to_state", "kind"), REFUSED)
def test_every_other_move_is_refused_and_writes_nothing(settings, from_state, to_state, kind):  # noqa: ANN001
    case = case_in(from_state)
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(Case, case.id)
        with pytest.raises(IllegalTransition) as refused:
            lifecycle.transition(db, row, to_state, actor_id=None, actor_kind=kind)
        assert from_state in str(refused.value) and to_state in str(refused.value)
        db.commit()
    after = fresh(case.id)
    assert after.state == from_state and as_utc(after.updated_at) == as_utc(case.updated_at)
    assert events_of(case.id) == []


def test_staying_in_the_same_state_is_no_move(settings) -> None:
    case = make_case(announce=False, state="in_progress")
    with Session(get_engine()) as db:
        row = db.get(Case, case.id)
        assert lifecycle.transition(db, row, "in_progress", actor_id=1, actor_kind="staff") is None
        db.commit()
    assert events_of(case.id) == []


def test_a_move_nobody_records_is_refused(settings, monkeypatch) -> None:  # noqa: ANN001
    case = make_case(announce=False, state="new")
    monkeypatch.setattr(events, "_transition", [])
    with Session(get_engine()) as db:
        row = db.get(Case, case.id)
        with pytest.raises(lifecycle.NotWired):
            lifecycle.transition(db, row, "closed", actor_id=1, actor_kind="staff")
        assert row.state == "new"


def test_an_unknown_state_or_actor_is_refused(settings) -> None:
    case = make_case(announce=False, state="new")
    with Session(get_engine()) as db:
        row = db.get(Case, case.id)
        with pytest.raises(ValueError):
            lifecycle.transition(db, row, "archived", actor_id=1, actor_kind="staff")
        with pytest.raises(ValueError):
            lifecycle.transition(db, row, "closed", actor_id=1, actor_kind="robot")


# --- What the actions do through it -----------------------------------------------------------


def test_the_clients_message_reopens_a_closed_case_as_the_client(clock, advisor) -> None:
    clock(2026, 11, 30, 10)
    case = make_case()
    act(actions.claim, case.id, advisor)
    act(actions.close, case.id, advisor, "advised")
    moment = clock(2026, 12, 1, 10)
    client_writes(case.id)
    after = fresh(case.id)
    assert after.state == "in_progress" and after.closed_at is None and after.outcome == ""
    assert as_utc(after.reopened_at) == moment
    reopened = [e for e in events_of(case.id) if e.action == "reopened"]
    assert [(e.actor_id, e.data["by"]) for e in reopened] == [(None, "client")]


def test_a_reply_that_waits_sets_waiting_since_and_the_client_clears_it(clock, advisor) -> None:
    clock(2026, 11, 30, 10)
    case = make_case()
    moment = clock(2026, 11, 30, 11)
    after = act(actions.reply, case.id, advisor, "Which city?", wait_for_client=True)
    assert after.state == "waiting_client" and as_utc(after.waiting_since) == moment
    clock(2026, 12, 1, 9)
    client_writes(case.id)
    assert fresh(case.id).waiting_since is None


def test_routing_assigns_as_the_system_and_writes_the_move(clock, advisor) -> None:
    clock(2026, 11, 30, 10)
    case = make_case()
    assert case.state == "assigned" and case.assignee_id == advisor.id
    moves = [(e.actor_id, e.data) for e in events_of(case.id) if e.action == "state"]
    assert moves == [(None, {"state": "assigned", "from": "new", "by": "system"})]


# --- First response -----------------------------------------------------------------------------


def test_a_reply_is_the_first_response_with_its_business_minutes(clock, advisor) -> None:
    clock(2026, 11, 30, 15)  # Monday, one business hour left today
    case = make_case()
    moment = clock(2026, 12, 1, 10, 30)  # Tuesday: 60 + 90 business minutes later
    after = act(actions.reply, case.id, advisor, "We can help.")
    assert as_utc(after.first_response_at) == moment
    assert after.first_response_business_minutes == 150
    assert as_utc(after.due_at) == as_utc(after.resolution_due_at)
    clock(2026, 12, 2, 10)
    again = act(actions.reply, case.id, advisor, "One more thing.")
    assert as_utc(again.first_response_at) == moment  # the first one stays
    assert again.first_response_business_minutes == 150


def test_a_logged_call_is_a_first_response_and_a_note_is_not(clock, advisor) -> None:
    clock(2026, 11, 30, 10)
    case = make_case()
    clock(2026, 11, 30, 11)
    after = act(actions.add_note, case.id, advisor, "Tried to call, no answer.")
    assert after.first_response_at is None and after.first_response_business_minutes is None
    with Session(get_engine()) as db, pytest.raises(ValueError):
        lifecycle.record_first_response(db, db.get(Case, case.id), kind="note",
                                        actor_id=advisor.id)
    moment = clock(2026, 11, 30, 12, 15)
    with Session(get_engine()) as db:
        row = db.get(Case, case.id)
        given = lifecycle.record_first_response(db, row, kind="call", actor_id=advisor.id)
        db.commit()
    assert given is not None and given.kind == "call"
    after = fresh(case.id)
    assert as_utc(after.first_response_at) == moment
    assert after.first_response_business_minutes == 135
    assert as_utc(after.due_at) == as_utc(after.resolution_due_at)


def test_the_first_response_minutes_leave_out_the_wait_for_the_client(clock, advisor) -> None:
    clock(2026, 11, 30, 10)
    case = make_case()
    clock(2026, 11, 30, 11)  # 60 minutes with us
    act(actions.change_state, case.id, advisor, "waiting_client")
    clock(2026, 12, 2, 10)  # two days waiting: the SLA clock was stopped
    client_writes(case.id)
    clock(2026, 12, 2, 10, 30)  # 30 more minutes with us
    after = act(actions.reply, case.id, advisor, "Thank you, here is what to do.")
    assert after.first_response_business_minutes == 90

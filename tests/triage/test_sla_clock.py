"""Due times of real cases: targets per priority, the pause while waiting, breaches once."""


import pytest
from sqlmodel import Session, select

from intake.models import Case
from notify.models import Notification
from tests.triage.casework_factories import client_writes, fresh, make_case
from tests.triage.conftest import at
from triage.casework import actions, sla
from triage.casework.breaches import check_breaches
from triage.casework.models import CalendarClosure, RoutingRule, SlaBreach
from yhteys.clock import as_utc
from yhteys.db import get_engine


@pytest.fixture
def advisor(make_team, make_staff):  # noqa: ANN001, ANN201
    team = make_team("Advice", email="queue@example.org")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return make_staff(display_name="Aino", teams=[team])


def act(fn, case_id, user, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.get(Case, case_id)
        fn(db, case, case.version, user, *args, **kwargs)
        db.commit()
    return fresh(case_id)


def test_targets_per_priority_from_arrival(clock):
    clock(2026, 11, 30, 10)  # a Monday
    normal = make_case(kind="other")
    urgent = make_case(kind="social_services", details={"no_place_tonight": True})
    high = make_case(kind="social_services", details={"children_with_you": "yes"})
    assert as_utc(urgent.first_response_due_at) == at(2026, 11, 30, 14)
    assert as_utc(high.first_response_due_at) == at(2026, 12, 1, 10)
    assert as_utc(normal.first_response_due_at) == at(2026, 12, 2, 10)
    assert as_utc(urgent.resolution_due_at) == at(2026, 12, 2, 10)  # 2 business days
    assert as_utc(normal.resolution_due_at) == at(2026, 12, 14, 10)  # 10 business days
    assert as_utc(normal.due_at) == as_utc(normal.first_response_due_at)


def test_a_submission_in_the_night_before_a_holiday(clock):
    clock(2026, 12, 5, 23, 30)  # Saturday night; Independence Day is Sunday 6 Dec
    case = make_case(kind="social_services", details={"in_danger": True})
    assert as_utc(case.first_response_due_at) == at(2026, 12, 7, 13)


def test_supervisor_closures_move_due_times(clock):
    clock(2026, 11, 30, 15)
    with Session(get_engine()) as db:
        db.add(CalendarClosure(day=at(2026, 12, 1).date(), note="training day"))
        db.commit()
    case = make_case(kind="social_services", details={"in_danger": True})
    assert as_utc(case.first_response_due_at) == at(2026, 12, 2, 12)


def test_waiting_for_the_client_pauses_and_resumes_with_the_time_left(clock, advisor):
    clock(2026, 11, 30, 10)
    case = make_case()  # normal: first response due Wed 2 Dec 10:00 (14 business hours)
    act(actions.claim, case.id, advisor)
    clock(2026, 11, 30, 12)  # two business hours used
    case = act(actions.change_state, case.id, advisor, "waiting_client")
    with Session(get_engine()) as db:
        assert sla.is_paused(db, case)
    assert not sla.is_overdue(case, at(2026, 12, 3, 12))  # paused cases are never overdue
    clock(2026, 12, 3, 9)  # Thursday: 12 business hours left
    case = act(actions.change_state, case.id, advisor, "in_progress")
    assert as_utc(case.first_response_due_at) == at(2026, 12, 4, 14)
    assert as_utc(case.resolution_due_at) == at(2026, 12, 16, 14)  # 70 h target, 68 h left


def test_the_pause_across_the_dst_change(clock, advisor):
    clock(2026, 10, 22, 15)  # Thursday, summer time; urgent: 4 h, 1 h used by Thu 16:00
    case = make_case(kind="social_services", details={"health_emergency": True})
    act(actions.claim, case.id, advisor)
    clock(2026, 10, 23, 10)  # Fri 10:00: 2 h used
    act(actions.change_state, case.id, advisor, "waiting_client")
    clock(2026, 10, 26, 15)  # Mon after the change to winter time: 2 h left
    case = act(actions.change_state, case.id, advisor, "in_progress")
    assert as_utc(case.first_response_due_at) == at(2026, 10, 27, 10)  # 1 h Mon + 1 h Tue


def test_the_clients_message_resumes_the_clock(clock, advisor):
    clock(2026, 11, 30, 10)
    case = make_case()
    act(actions.claim, case.id, advisor)
    clock(2026, 11, 30, 11)
    act(actions.reply, case.id, advisor, "Could you tell me more?", wait_for_client=True)
    clock(2026, 12, 7, 9)
    client_writes(case.id)
    case = fresh(case.id)
    assert case.state == "in_progress" and case.client_replied
    assert case.first_response_at is not None
    # resolution: 10 business days = 70 h; 1 h used before the pause; 69 h from Mon 7 Dec 9:00.
    # The first response was given, so the board's due time is the resolution target.
    assert as_utc(case.due_at) == as_utc(case.resolution_due_at) == at(2026, 12, 18, 15)


def test_a_priority_change_recomputes_due_times_from_the_time_used(clock, advisor):
    clock(2026, 11, 30, 10)
    case = make_case()
    act(actions.claim, case.id, advisor)
    clock(2026, 11, 30, 11)
    case = act(actions.change_priority, case.id, advisor, "urgent", "Called: family in danger")
    assert case.priority_rank == 0 and case.priority_reason == "Called: family in danger"
    assert as_utc(case.first_response_due_at) == at(2026, 11, 30, 14)


def breaches_counted() -> dict[str, float]:
    from prometheus_client import REGISTRY

    return {target: REGISTRY.get_sample_value("yhteys_sla_breaches_total", {"target": target})
            or 0.0 for target in ("first_response", "resolution")}


def breach_rows(case_id: int) -> list[SlaBreach]:
    with Session(get_engine()) as db:
        return list(db.scalars(select(SlaBreach).where(SlaBreach.case_id == case_id)))


def test_a_breach_escalates_to_the_teams_supervisors_exactly_once(clock, advisor, make_staff):
    team_id = advisor.team_ids and next(iter(advisor.team_ids))
    boss = make_staff(email="boss@example.org", roles=["supervisor"], teams=[team_id])
    clock(2026, 11, 30, 10)
    case = make_case(kind="social_services", details={"in_danger": True})
    counted = breaches_counted()
    with Session(get_engine()) as db:
        assert check_breaches(db, at(2026, 11, 30, 13, 59)) == 0
        assert check_breaches(db, at(2026, 11, 30, 14, 0)) == 1
        db.commit()
    with Session(get_engine()) as db:
        assert check_breaches(db, at(2026, 11, 30, 15)) == 0
        assert check_breaches(db, at(2026, 12, 2, 10)) == 1  # resolution, once
        db.commit()
        assert check_breaches(db, at(2026, 12, 9)) == 0
    assert {b.target for b in breach_rows(case.id)} == {"first_response", "resolution"}
    assert breaches_counted() == {t: n + 1 for t, n in counted.items()}  # the metric, once each
    with Session(get_engine()) as db:
        digests = db.scalars(select(Notification).where(
            Notification.event == "staff_breach_digest"))
        # Two days apart: one digest each, each with the case's reference only.
        assert sorted((n.recipient, n.context["references"]) for n in digests) == [
            (boss.email, case.reference), (boss.email, case.reference)]


def test_no_breach_while_waiting_or_after_the_first_response(clock, advisor):
    clock(2026, 11, 30, 10)
    waiting = make_case(kind="social_services", details={"in_danger": True})
    answered = make_case(kind="social_services", details={"in_danger": True})
    act(actions.claim, waiting.id, advisor)
    act(actions.change_state, waiting.id, advisor, "waiting_client")
    act(actions.reply, answered.id, advisor, "We will call you at two.")
    with Session(get_engine()) as db:
        assert check_breaches(db, at(2026, 11, 30, 15)) == 0


def test_two_checks_at_once_record_one_breach(clock, advisor):
    clock(2026, 11, 30, 10)
    case = make_case(kind="social_services", details={"in_danger": True})
    engine = get_engine()
    with Session(engine) as one, Session(engine) as two:
        first = check_breaches(one, at(2026, 11, 30, 15))
        one.commit()
        second = check_breaches(two, at(2026, 11, 30, 15))
        two.commit()
    assert (first, second) == (1, 0)
    assert len(breach_rows(case.id)) == 1


def test_the_sla_check_command(clock, advisor, capsys):
    from yhteys.cli import main

    clock(2026, 11, 30, 10)
    case = make_case(kind="social_services", details={"in_danger": True})
    clock(2026, 11, 30, 14, 30)
    assert main(["sla-check"]) == 0
    assert main(["sla-check"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1 missed targets escalated",
                                                    "0 missed targets escalated"]
    assert [b.target for b in breach_rows(case.id)] == ["first_response"]



@pytest.mark.postgres
def test_two_breach_checks_at_once_queue_one_digest(clock, advisor, make_staff):
    """The second check waits for the first to end, then finds its digest under an hour old."""
    import threading
    import time

    from triage.casework.digest import queue_digests

    engine = get_engine()
    make_staff(email="boss@example.org", roles=["supervisor"], teams=[next(iter(advisor.team_ids))])
    clock(2026, 11, 30, 10)
    make_case(kind="social_services", details={"in_danger": True})  # due 14:00
    clock(2026, 11, 30, 11, 30)
    make_case(kind="social_services", details={"in_danger": True})  # due 15:30
    for moment in (at(2026, 11, 30, 15), at(2026, 11, 30, 15, 45)):
        with Session(engine) as db:
            check_breaches(db, moment)  # the second breach waits: a digest went out at 15:00
            db.commit()
    queued: list[int] = []
    first_done = threading.Event()

    def first() -> None:
        with Session(engine) as db:
            queued.append(queue_digests(db, at(2026, 11, 30, 16, 5)))
            first_done.set()
            time.sleep(0.5)  # still uncommitted while the second check starts
            db.commit()

    thread = threading.Thread(target=first)
    thread.start()
    first_done.wait(10)
    with Session(engine) as db:
        queued.append(queue_digests(db, at(2026, 11, 30, 16, 6)))
        db.commit()
    thread.join()
    assert queued == [1, 0]
    with Session(engine) as db:
        digests = db.scalars(select(Notification).where(
            Notification.event == "staff_breach_digest"))
        assert len(list(digests)) == 2  # 15:00 and 16:05

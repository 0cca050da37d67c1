"""The demo casework seed: rules, saved replies, routed and worked cases, once."""

from sqlalchemy import func, select
from sqlmodel import Session

from intake.models import Case
from notify.models import Notification
from tests.triage.casework_factories import make_case
from triage.accounts.models import StaffUser, Team
from triage.casework import demo
from triage.casework.models import CaseEvent, RoutingRule, SavedReply
from yhteys.db import get_engine

KINDS = ("family_reunification", "tracing", "social_services", "other")


def counts() -> tuple[int, int, int, int, int]:
    with Session(get_engine()) as db:
        def n(model, *where) -> int:  # noqa: ANN001
            return db.scalar(select(func.count()).select_from(model).where(*where))

        return (n(RoutingRule), n(SavedReply), n(Case, Case.team_id.is_(None)),
                n(CaseEvent, CaseEvent.actor_id.is_not(None)), n(Notification))


def test_seed_routes_and_works_cases_once(settings):
    from triage.accounts import demo as accounts_demo

    accounts_demo.seed()
    for i in range(30):
        make_case(kind=KINDS[i % 4], language=("fi", "ar", "sv", "en")[i % 4])
    assert counts()[2] == 30  # no rules yet: nobody's
    demo.seed()
    rules, replies, unrouted, staff_events, notifications = counts()
    assert rules == len(demo.RULES) and unrouted == 0 and staff_events > 0

    team_of_kind = {"family_reunification": "family-reunification", "tracing": "tracing",
                    "social_services": "social-services", "other": "undocumented-advice"}
    with Session(get_engine()) as db:
        teams = {t.id: t for t in db.scalars(select(Team))}
        people = {p.id: p for p in db.scalars(select(StaffUser))}
        cases = list(db.scalars(select(Case)))
        saved = {(r.title, r.language) for r in db.scalars(select(SavedReply))}
        events = list(db.scalars(select(CaseEvent)))
        told = {(n.reference, n.recipient) for n in db.scalars(
            select(Notification).where(Notification.event == "staff_new_case"))}
    assert saved == {(title, lang) for texts in demo.TITLES.values()
                     for lang, title in texts.items()}
    assert replies == len(saved)
    routed = {e.case_id for e in events if e.action == "routed"}
    for case in cases:  # routed late, yet as on arrival: the kind's team, due times, the queue
        team = teams[case.team_id]
        assert team.slug == team_of_kind[case.kind], case.kind
        assert case.id in routed and case.first_response_due_at is not None
        assert (case.reference, team.email) in told
    worked = {e.case_id: e.actor_id for e in events if e.actor_id is not None}
    assert 0 < len(worked) < len(cases)  # a share of the cases, not all
    assert {"claimed", "replied"} <= {e.action for e in events if e.actor_id is not None}
    by_id = {c.id: c for c in cases}
    for case_id, actor_id in worked.items():  # worked by an advisor of the case's own team
        assert by_id[case_id].team_id in people[actor_id].team_ids
        assert by_id[case_id].state != "new"

    demo.seed()
    assert counts() == (rules, replies, unrouted, staff_events, notifications)

"""The demo casework seed: rules, saved replies, routed and worked cases, once."""

from sqlalchemy import func, select
from sqlmodel import Session

from intake.models import Case
from tests.triage.casework_factories import make_case
from triage.casework import demo
from triage.casework.models import CaseEvent, RoutingRule, SavedReply
from yhteys.db import get_engine


def counts() -> tuple[int, int, int, int]:
    with Session(get_engine()) as db:
        def n(model, *where) -> int:  # noqa: ANN001
            return db.scalar(select(func.count()).select_from(model).where(*where))

        return (n(RoutingRule), n(SavedReply), n(Case, Case.team_id.is_(None)),
                n(CaseEvent, CaseEvent.actor_id.is_not(None)))


def test_seed_routes_and_works_cases_once(settings):
    from triage.accounts import demo as accounts_demo

    accounts_demo.seed()
    for i in range(30):
        make_case(kind=("family_reunification", "tracing", "social_services", "other")[i % 4],
                  language=("fi", "ar", "sv", "en")[i % 4])
    assert counts()[2] == 30  # no rules yet: nobody's
    demo.seed()
    rules, replies, unrouted, staff_events = counts()
    assert rules == len(demo.RULES) and replies >= 9 and unrouted == 0 and staff_events > 0
    with Session(get_engine()) as db:
        states = set(db.scalars(select(Case.state)))
    assert {"assigned", "in_progress"} & states
    demo.seed()
    assert counts() == (rules, replies, unrouted, staff_events)

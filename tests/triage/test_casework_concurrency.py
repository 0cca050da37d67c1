"""Two advisors acting on one case at the same moment: one wins, the other is told."""

import threading

import pytest
from sqlmodel import Session

from intake.models import Case
from tests.triage.casework_factories import fresh, make_case
from triage.casework import actions
from triage.casework.models import RoutingRule
from yhteys.db import get_engine


@pytest.fixture
def team_of_two(make_team, make_staff):  # noqa: ANN001, ANN201
    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return make_staff(display_name="Aino", teams=[team]), make_staff(display_name="Basel",
                                                                     teams=[team])


def race(case_id: int, people, work) -> dict[str, str]:  # noqa: ANN001
    """Both load the case, wait for each other, then act: each in its own thread and session."""
    barrier = threading.Barrier(len(people))
    outcome: dict[str, str] = {}

    def run(user) -> None:  # noqa: ANN001
        with Session(get_engine(), expire_on_commit=False) as db:
            case = db.get(Case, case_id)
            version = case.version
            barrier.wait()
            try:
                work(db, case, version, user)
                db.commit()
                outcome[user.display_name] = "won"
            except actions.Stale:
                db.rollback()
                outcome[user.display_name] = "stale"

    threads = [threading.Thread(target=run, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_two_claims_at_once_one_wins(team_of_two):
    case = make_case()
    outcome = race(case.id, team_of_two, actions.claim)
    assert sorted(outcome.values()) == ["stale", "won"]
    winner = next(u for u in team_of_two if outcome[u.display_name] == "won")
    after = fresh(case.id)
    assert after.assignee_id == winner.id
    assert after.version == case.version + 1


def test_two_different_changes_never_overwrite_silently(team_of_two):
    case = make_case()
    aino, basel = team_of_two

    def work(db, case, version, user):  # noqa: ANN001, ANN202
        if user is aino:
            actions.change_priority(db, case, version, user, "urgent", "Phoned: no shelter")
        else:
            actions.close(db, case, version, user, "out_of_scope")

    outcome = race(case.id, team_of_two, work)
    assert sorted(outcome.values()) == ["stale", "won"]
    after = fresh(case.id)
    if outcome["Aino"] == "won":
        assert after.priority == "urgent" and after.state != "closed"
    else:
        assert after.state == "closed" and after.priority == "normal"


def test_a_stale_version_changes_nothing(team_of_two):
    aino, basel = team_of_two
    case = make_case()
    with Session(get_engine(), expire_on_commit=False) as db:
        actions.claim(db, db.get(Case, case.id), case.version, aino)
        db.commit()
    with Session(get_engine(), expire_on_commit=False) as db:
        loaded = db.get(Case, case.id)
        with pytest.raises(actions.Stale):
            actions.add_note(db, loaded, case.version, basel, "Called, no answer.")
        db.rollback()
    from sqlalchemy import func, select

    from triage.casework.models import CaseNote

    with Session(get_engine()) as db:
        assert db.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_a_client_message_during_an_edit_makes_the_edit_stale(team_of_two):
    from tests.triage.casework_factories import client_writes

    aino, _ = team_of_two
    case = make_case()
    client_writes(case.id, "One more thing")
    with Session(get_engine(), expire_on_commit=False) as db, pytest.raises(actions.Stale):
        actions.claim(db, db.get(Case, case.id), case.version, aino)

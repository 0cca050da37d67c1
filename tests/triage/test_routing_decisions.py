"""Routing of new cases against the rules table, with the reason recorded in the history."""

from sqlmodel import Session, select

from tests.triage.casework_factories import make_case
from triage.casework import describe, history
from triage.casework.models import RoutingRule
from yhteys.db import get_engine
from yhteys.i18n import use_locale


def add_rule(team, **match):  # noqa: ANN001, ANN201
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id, **match))
        db.commit()


def routed(case):  # noqa: ANN001, ANN201
    with Session(get_engine()) as db:
        return history.latest(db, case.id, "routed").data


def english(data) -> str:  # noqa: ANN001
    with use_locale("en"):
        return describe.routing_text(data)


def test_most_specific_rule_and_language_then_load(make_team, make_staff):
    default = make_team("Advice")
    tracing = make_team("Tracing", auto_assign=True)
    add_rule(default)
    add_rule(tracing, kind="tracing")
    finnish = make_staff(display_name="Aino", teams=[tracing], languages=["fi"])
    arabic = make_staff(display_name="Basel", teams=[tracing], languages=["ar", "en"])
    other = make_staff(display_name="Carmen", teams=[tracing], languages=["ar"])
    # Aino is the only Finnish speaker: all three are hers, though she then has the most open.
    earlier = [make_case(kind="tracing", language="fi") for _ in range(3)]
    earlier.append(make_case(kind="tracing", language="ar"))  # Basel (0) before Carmen (0, id)
    earlier.append(make_case(kind="tracing", language="ar"))  # now Carmen (0) before Basel (1)
    assert [c.assignee_id for c in earlier] == [finnish.id] * 3 + [arabic.id, other.id]
    assert routed(earlier[2])["open_cases"] == 2 and routed(earlier[4])["open_cases"] == 0

    case = make_case(kind="tracing", language="ar")  # 1 open each: the lower id, Basel
    assert case.team_id == tracing.id
    assert case.assignee_id == arabic.id
    assert case.state == "assigned"
    data = routed(case)
    assert data["rule_id"] is not None and data["matched"] == {"kind": "tracing"}
    assert data["open_cases"] == 1 and data["speaks"] is True
    text = english(data)
    assert text.startswith("Tracing: kind is")
    assert "assigned to Basel because Basel speaks" in text and "has 1 open cases" in text


def test_default_rule_and_manual_claim(make_team, make_staff):
    default = make_team("Advice", auto_assign=False)
    add_rule(default)
    make_staff(teams=[default], languages=["fi"])
    case = make_case(kind="social_services", language="fi")
    assert case.team_id == default.id
    assert case.assignee_id is None and case.state == "new"
    data = routed(case)
    assert data["mode"] == "manual" and data["matched"] == {}
    assert "the default rule" in english(data)


def test_no_rule_leaves_the_case_for_a_supervisor(settings):
    case = make_case(kind="other")
    assert case.team_id is None and case.state == "new"
    assert "No routing rule matched" in english(routed(case))


def test_supervisors_and_inactive_people_are_not_auto_assigned(make_team, make_staff):
    team = make_team("Advice", auto_assign=True)
    add_rule(team)
    make_staff(roles=["supervisor"], teams=[team], languages=["fi"])
    make_staff(teams=[team], languages=["fi"], is_active=False)
    case = make_case(language="fi")
    assert case.assignee_id is None
    assert routed(case)["mode"] == "nobody"


def test_area_rule(make_team):
    north = make_team("Lapland")
    add_rule(make_team("Advice"))
    add_rule(north, area="lappi")
    assert make_case(area="Lappi ").team_id == north.id


def test_staff_are_notified_of_a_new_case_and_of_an_assignment(make_team, make_staff):
    from notify.models import Notification

    team = make_team("Advice", auto_assign=True, email="queue@example.org")
    add_rule(team)
    person = make_staff(email="aino@example.org", teams=[team])
    case = make_case()
    with Session(get_engine()) as db:
        rows = db.scalars(select(Notification).where(Notification.reference == case.reference))
        sent = {(n.event, n.recipient) for n in rows}
    assert ("staff_new_case", "queue@example.org") in sent
    assert ("staff_case_assigned", person.email) in sent


def test_a_referral_is_assigned_by_the_new_teams_rule_with_its_reason(make_team, make_staff):
    from intake.models import Case
    from triage.casework import actions

    advice = make_team("Advice")
    tracing = make_team("Tracing", auto_assign=True)
    add_rule(advice)
    sender = make_staff(teams=[advice])
    taker = make_staff(display_name="Parisa", teams=[tracing], languages=["fa"])
    case = make_case(language="fa")
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(Case, case.id)
        actions.refer(db, row, row.version, sender, tracing.id, "Looking for a brother")
        db.commit()
        event = history.latest(db, case.id, "referred")
    assert event.data["assignee_id"] == taker.id and event.data["speaks"] is True
    with use_locale("en"):
        text = describe.event_text(event.action, event.data, {})
    assert text.startswith("Referred to Tracing: Looking for a brother; assigned to Parisa")

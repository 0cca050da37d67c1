"""Duplicate suggestions: the same contact address or the same sought person."""

from sqlmodel import Session, select

from tests.triage.casework_factories import client_writes, fresh, make_case
from triage.casework import duplicates, history
from triage.casework.models import DuplicateLink, PersonKey
from yhteys.db import get_engine


def person(name: str, born: str = "1990-04-02", **extra) -> dict:  # noqa: ANN003
    return {"name": name, "birth_date": born, "relationship": "sibling", **extra}


def links() -> list[DuplicateLink]:
    with Session(get_engine()) as db:
        return list(db.scalars(select(DuplicateLink)))


def test_names_normalise():
    assert duplicates.normalise_name("  Ahmed  ALI ") == duplicates.normalise_name("ali, ahmed")
    assert duplicates.normalise_name("Zoë Müller") == duplicates.normalise_name("zoe muller")


def test_same_contact_address_is_suggested(settings):
    first = make_case(contact_address="+358401112233", contact_channel="sms")
    make_case(contact_address="+358409999999", contact_channel="sms")
    second = make_case(contact_address="+358401112233", contact_channel="whatsapp")
    [link] = links()
    assert (link.case_id, link.other_case_id, link.reason) == (first.id, second.id, "contact")
    with Session(get_engine()) as db:
        event = history.latest(db, second.id, "duplicate_suggested")
    assert event.data["reference"] == first.reference


def test_same_sought_person_by_name_and_birth_year(settings):
    first = make_case(kind="tracing", details={"persons": [person("Amina Yusuf")]})
    make_case(kind="tracing", details={"persons": [person("Amina Yusuf", "1991-01-01")]})
    third = make_case(kind="tracing",
                      details={"persons": [person("yusuf amina", "1990-12-31")]})
    [link] = links()
    assert (link.case_id, link.other_case_id, link.reason) == (first.id, third.id,
                                                                "sought_person")
    with Session(get_engine()) as db:
        keys = list(db.scalars(select(PersonKey.key)))
    assert all("amina" not in k.lower() for k in keys)  # hashes, not names


def test_no_contact_no_suggestion(settings):
    make_case(contact_channel="none", contact_address="")
    make_case(contact_channel="none", contact_address="")
    assert links() == []


def test_a_client_message_reopens_a_closed_case(make_team, make_staff):
    from intake.models import Case
    from triage.casework import actions
    from triage.casework.models import RoutingRule

    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    advisor = make_staff(teams=[team])
    case = make_case()
    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(Case, case.id)
        actions.claim(db, row, row.version, advisor)
        actions.close(db, row, row.version, advisor, "advised")
        db.commit()
    assert fresh(case.id).state == "closed"
    client_writes(case.id, "It did not work after all")
    after = fresh(case.id)
    assert after.state == "in_progress" and after.client_replied and after.outcome == ""
    assert after.closed_at is None

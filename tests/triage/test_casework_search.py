"""Finding a case without its reference: each kind of key, scoped to the advisor's teams,
audited without the term, and nothing personal in the logs."""

import logging
import re

import pytest
from sqlmodel import Session, select

from tests.triage.casework_factories import make_case
from triage.accounts.models import AuditEvent
from triage.casework import search
from triage.casework.models import RoutingRule
from yhteys.db import get_engine

TRACING = {"persons": [{"name": "Yusuf Haddad", "name_original": "يُوسُف حدّاد",
                        "other_spellings": "Yousef, Youssef Hadad", "relationship": "sibling"}]}


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


@pytest.fixture
def world(make_team, make_staff, client, login_fast):  # noqa: ANN001, ANN201
    mine, other = make_team("Advice"), make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=mine.id, kind="tracing"))
        db.add(RoutingRule(team_id=other.id, kind="other"))
        db.commit()
    advisor = make_staff(display_name="Advisor", teams=[mine])
    login_fast(client, advisor)
    seeker = make_case(kind="tracing", name="Amina Ğüler", details=TRACING,
                       contact_channel="phone", contact_address="+358401234567",
                       backup_channel="email", backup_address="Amina.G@Example.NET")
    elsewhere = make_case(kind="other", name="Amina Other", contact_channel="phone",
                          contact_address="+358401234567")
    return {"advisor": advisor, "seeker": seeker, "elsewhere": elsewhere, "other": other}


def find(client, typed: str):  # noqa: ANN001, ANN201
    page = client.get("/triage/search").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/triage/search", data={"csrf_token": token, "q": typed})


@pytest.mark.parametrize("typed", [
    "040 123 4567", "+358 40 123 4567", "00358401234567", "0401234567",  # phone, any format
    "amina.g@example.net", "AMINA.G@example.net",  # email
    "amina guler", "GÜLER amina",  # her name, case and accents aside, any order
    "Yousef", "youssef hadad", "Yusuf",  # a sought person, every spelling she gave
    "يوسف", "يُوسُف", "حداد",  # the original script, with or without vowel marks
])
def test_each_kind_of_key_finds_the_case_in_my_team(client, world, typed):
    response = find(client, typed)
    assert response.status_code == 200
    assert world["seeker"].reference in response.text
    assert world["elsewhere"].reference not in response.text  # another team's case


def test_a_part_of_the_reference(client, world):
    reference = world["seeker"].reference
    for typed in (reference[4:7], reference[2:9], reference.replace("-", " ").lower()):
        assert reference in find(client, typed).text, typed


def test_a_spelling_she_did_not_give_is_not_found(client, world):
    response = find(client, "Josef")
    assert world["seeker"].reference not in response.text
    assert "No case you may see matches" in response.text


def test_a_supervisor_finds_every_team(client, world, make_staff, login_fast):
    login_fast(client, make_staff(roles=["supervisor"], teams=[]))
    page = find(client, "040 123 4567").text
    assert world["seeker"].reference in page and world["elsewhere"].reference in page


def test_too_short_is_refused_with_a_reason(client, world):
    response = find(client, "am")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text and "at least 3" in response.text


def test_without_the_form_token_nothing_is_searched(client, world):
    response = client.post("/triage/search", data={"q": "Yusuf"})
    assert response.status_code == 400
    assert world["seeker"].reference not in response.text


def test_audited_without_the_term_and_nothing_personal_logged(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    find(client, "Yousef")
    find(client, "040 123 4567")
    with Session(get_engine()) as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "case.search")
                                 .order_by(AuditEvent.id)))
    assert [e.detail for e in events] == [
        {"kinds": ["name"], "found": 1, "more": False},
        {"kinds": ["phone"], "found": 1, "more": False},
    ]
    assert all(e.actor_id == world["advisor"].id for e in events)
    logged = caplog.text.lower()
    for secret in ("yousef", "4567", "amina", "358401234567"):
        assert secret not in logged
        assert all(secret not in str(e.detail).lower() for e in events)


def test_anonymised_cases_are_not_found(client, world):
    from triage.retention import anonymise

    with Session(get_engine()) as db:
        from intake.models import Case

        anonymise(db, db.get(Case, world["seeker"].id))
        db.commit()
    assert world["seeker"].reference not in find(client, "Yousef").text


def test_more_than_a_page_says_so(client, world):
    for _ in range(search.LIMIT):
        make_case(kind="tracing", name="Amina Many")
    page = find(client, "amina").text
    assert f"More than {search.LIMIT} cases match" in page


def test_fold_and_phone_key():
    assert search.fold("Yūsuf  AL-Ḥasan") == "yusuf al hasan"
    assert search.fold("أحمد") == search.fold("احمد") == search.fold("اَحْمَد")
    assert search.fold("فاطمة") == search.fold("فاطمه")
    assert search.phone_key("040 123 4567") == "+358401234567"
    assert search.phone_key("+46 70 123 45 67") == "+46701234567"


def test_the_survivor_of_a_merge_is_found_by_the_duplicates_name_and_number(world):
    from intake.models import Case
    from triage.casework.merge import merge

    duplicate = make_case(kind="tracing", name="Layla Haddad", contact_channel="phone",
                          contact_address="+358 45 765 4321")
    with Session(get_engine()) as db:
        survivor, merged = db.get(Case, world["seeker"].id), db.get(Case, duplicate.id)
        merge(db, survivor, merged, actor_id=None)
        db.commit()
    with Session(get_engine()) as db:
        advisor = world["advisor"]
        for typed in ("045 765 4321", "layla", "amina guler", "يوسف"):
            found = search.find(db, advisor, search.Query.read(typed)).cases
            assert world["seeker"].id in {c.id for c in found}, typed

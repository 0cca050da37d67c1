"""Sending each kind of request through its HTML form, as a browser does."""

from __future__ import annotations

import gzip

import pytest
from sqlmodel import Session, select

from intake.models import Consent
from intake.privacy import PRIVACY_NOTICE_VERSION
from intake.references import is_reference, secret_hash
from notify.models import Notification
from notify.outbox import message_context
from tests.intake.conftest import (
    EXPECTED_COLUMNS,
    EXPECTED_DETAILS,
    FORMS,
    all_cases,
    form_data,
    reference_on,
    status_link,
)
from yhteys.compression import DYNAMIC_LEVEL
from yhteys.db import engine_for

KINDS = list(FORMS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_makes_one_case_with_every_field(browser, settings, kind):
    response = browser.send(kind, form_data(kind))
    assert response.status_code == 200, response.text[:2000]
    assert "Your request has been sent" in response.text

    cases = all_cases(settings)
    assert len(cases) == 1
    case = cases[0]
    expected = {**EXPECTED_COLUMNS, "language": "am"}  # the form's Amal prefers Amharic
    if kind == "social_services":
        expected["area"] = "091"  # the municipality asked in that form
    for column, value in expected.items():
        assert getattr(case, column) == value, column
    assert case.kind == kind
    assert case.source == "web"
    assert case.ui_locale == "en"
    assert case.details == EXPECTED_DETAILS[kind]
    assert case.state == "new"

    reference = reference_on(response.text)
    assert reference == case.reference and is_reference(reference)
    link = status_link(response.text)
    assert link.startswith("http://testserver/en/status/")
    secret = link.rsplit("/", 1)[1]
    assert case.status_secret_hash == secret_hash(secret)
    assert secret not in (case.idempotency_key or "")

    with Session(engine_for(settings.database_url)) as db:
        consents = db.exec(select(Consent).where(Consent.case_id == case.id)).all()
    purposes = {c.purpose for c in consents}
    assert purposes == (
        {"process", "search", "share_contact"} if kind == "tracing" else {"process"}
    )
    assert {c.notice_version for c in consents} == {PRIVACY_NOTICE_VERSION}


def test_the_confirmation_and_status_pages_are_not_stored(browser, client):
    response = browser.send("other", form_data("other"))
    assert response.headers["cache-control"] == "no-store"
    status = client.get(status_link(response.text))
    assert status.status_code == 200
    assert status.headers["cache-control"] == "no-store"


def test_acknowledgement_is_queued_with_the_case(browser, settings):
    response = browser.send("tracing", form_data("tracing", contact_channel="whatsapp"))
    assert response.status_code == 200
    case = all_cases(settings)[0]
    with Session(engine_for(settings.database_url)) as db:
        rows = db.exec(select(Notification)).all()
    acks = [n for n in rows if n.event == "case_received"]
    assert len(acks) == 1
    ack = acks[0]
    assert ack.channel == "whatsapp"
    assert ack.recipient == "+358401234567"
    assert ack.subject_key == f"case:{case.id}"
    assert ack.locale == "en"  # Arabic preferred, not offered: the page's language
    assert ack.context == {"reference": case.reference}
    assert status_link(response.text).rsplit("/", 1)[1] not in ack.sealed
    # Not the status link itself: a single-use link to the case (tests/intake/test_reopen.py).
    link = message_context(ack)["status_url"]
    assert link.startswith("http://testserver/en/open/")
    assert link.rsplit("/", 1)[1] not in ack.sealed
    assert ack.fallback == [["email", "amal.backup@example.org"]]


def test_a_double_submit_makes_one_case_and_the_same_confirmation(browser, settings):
    page = browser.open("family_reunification").text
    first = browser.send("family_reunification", form_data("family_reunification"), page=page)
    second = browser.send("family_reunification", form_data("family_reunification"), page=page)
    assert first.status_code == second.status_code == 200
    assert len(all_cases(settings)) == 1
    assert reference_on(first.text) == reference_on(second.text)
    assert status_link(first.text) == status_link(second.text)


def test_the_same_page_changed_and_sent_again_is_a_new_request(browser, settings):
    page = browser.open("other").text
    browser.send("other", form_data("other"), page=page)
    changed = browser.send("other", form_data("other", message="Another question"), page=page)
    assert changed.status_code == 200
    cases = all_cases(settings)
    assert [c.message for c in cases] == ["I need advice, please.\nThank you.", "Another question"]
    assert status_link(changed.text).rsplit("/", 1)[1] != cases[0].status_secret_hash


def test_a_form_in_finnish_makes_a_case_in_finnish(browser, settings):
    response = browser.send("other", form_data("other", language="fi"), locale="fi")
    assert response.status_code == 200
    assert "Pyyntösi on lähetetty" in response.text
    case = all_cases(settings)[0]
    assert case.ui_locale == "fi"
    assert "/fi/status/" in status_link(response.text)


def test_no_contact_needs_no_address_and_queues_nothing(browser, settings):
    data = form_data(
        "other",
        contact_channel="none",
        contact_address_phone="",
        backup_channel="",
        backup_address_email="",
    )
    response = browser.send("other", data)
    assert response.status_code == 200
    case = all_cases(settings)[0]
    assert case.contact_channel == "none" and case.contact_address == ""
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(Notification)).all() == []


def test_add_row_shows_one_more_row_and_keeps_everything(browser, settings):
    data = form_data("family_reunification")
    response = browser.send("family_reunification", data, add_row="details.members")
    assert response.status_code == 200
    assert all_cases(settings) == []
    page = response.text
    # Two members filled in (the empty row between them dropped), and one more row.
    assert 'name="details.members.2.relationship"' in page
    assert 'name="details.members.3.relationship"' not in page
    assert 'value="Kenya"' in page and 'value="Somalia"' in page
    assert "Please check these answers" not in page
    # The bigger form can be sent as it is.
    sent = browser.send("family_reunification", data, page=page)
    assert sent.status_code == 200
    assert len(all_cases(settings)) == 1


def test_a_tracing_form_grows_to_more_persons(browser, settings):
    data = form_data("tracing")
    page = browser.send("tracing", data, add_row="details.persons").text
    assert 'name="details.persons.1.name"' in page
    data.update(
        {"details.persons.1.name": "Leila Haddad", "details.persons.1.relationship": "parent"}
    )
    response = browser.send("tracing", data, page=page)
    assert response.status_code == 200
    persons = all_cases(settings)[0].details["persons"]
    assert [p["name"] for p in persons] == ["Karim Haddad", "Leila Haddad"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_pages_stay_small(browser, kind, locale):
    """What a phone downloads (the form goes out gzipped) and what it parses stay small. The
    municipality's native select (308 names, no script) is a third of each; it compresses well."""
    response = browser.open(kind, locale)
    assert response.headers.get("content-encoding") == "gzip"
    assert len(gzip.compress(response.content, compresslevel=DYNAMIC_LEVEL)) < 12_000
    assert len(response.content) < 52_000


@pytest.mark.parametrize("path", ["/fi/", "/sv/", "/en/", "/en/privacy", "/fi/privacy"])
def test_start_and_privacy_pages(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert len(response.content) < 30_000
    assert "<script" not in response.text


def test_start_page_says_what_the_service_is(client):
    page = client.get("/en/").text
    assert "not the police" in page and "Finnish Immigration Service" in page
    assert "without your consent" in page
    assert "112" in page
    for slug in ("family-reunification", "tracing", "social-services", "other"):
        assert f'href="/en/request/{slug}"' in page
    assert 'href="/en/privacy"' in page


def test_privacy_notice_covers_what_a_person_must_know(client, use_settings):
    use_settings(retention_days=180, frozen_now=None)
    page = client.get("/en/privacy").text
    assert "180 days" in page
    assert "Meta" in page
    assert PRIVACY_NOTICE_VERSION in page
    assert "delete" in page


def test_unknown_kind_is_a_404(client):
    assert client.get("/en/request/visa").status_code == 404


def test_reference_is_readable_on_the_phone(browser, settings):
    browser.send("other", form_data("other"))
    reference = all_cases(settings)[0].reference
    assert len(reference) == 11 and reference[3] == reference[7] == "-"
    assert not set(reference.replace("-", "")) & set("0O1IL2Z5S8BUV")

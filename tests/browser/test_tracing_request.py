"""A person asks the Red Cross to trace a missing brother, in Finnish, in real Chromium.

They first send the form half-filled (and a day of last contact without its month) and get the
errors beside the fields with what they typed kept, then complete it, get a reference and a
private status link, and open it. Every page on the way (form, error page, confirmation, status)
passes axe-core and loads nothing from another host.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from intake.models import Case
from tests.browser.helpers import assert_accessible, assert_no_third_party_requests, guard_of
from yhteys.db import get_engine
from yhteys.i18n import translate, translate_in_context, use_locale

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def finnish(message: str) -> str:
    with use_locale("fi"):
        return translate("intake", message)  # the form's own domain


def pgettext_fi(message: str) -> str:
    with use_locale("fi"):
        return translate_in_context("intake", "part of a date", message)


def send(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name=finnish("Send request"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def test_a_tracing_request_in_finnish_from_form_to_status_page(page, live_settings):
    page.goto("/fi/request/tracing")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert_accessible(page)

    # Half-filled: a name and a message, no consent, no sought person.
    page.fill("#f-name", "Mariam")
    page.fill("#f-message", "Etsin veljeäni, joka katosi Libyassa 2015.")
    # Dates go in three boxes, day, month and year; Arabic-Indic digits count.
    page.get_by_role("group", name=finnish("Date of birth")).get_by_label(
        pgettext_fi("Day")).fill("٣")
    page.fill("#f-details-persons-0-birth_date-month", "2")
    page.fill("#f-details-persons-0-birth_date-year", "1991")
    page.fill("#f-details-persons-0-last_contact_date-day", "14")
    page.fill("#f-details-persons-0-last_contact_date-year", "2016")
    send(page)
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.locator("#f-name").input_value() == "Mariam"  # what was typed is kept
    assert "Libyassa" in page.locator("#f-message").input_value()
    assert page.locator("#f-consents-process").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-details-persons-0-birth_date-day").input_value() == "٣"
    contact = "#f-details-persons-0-last_contact_date"
    assert finnish("Write the month too, or leave the day empty.") in page.locator(
        f"{contact}-error").inner_text()
    invalid = [p for p in ("day", "month", "year")
               if page.locator(f"{contact}-{p}").get_attribute("aria-invalid") == "true"]
    assert invalid == ["month"]
    assert page.locator(f"{contact}-day").input_value() == "14"
    assert_accessible(page)
    summary.locator(f'a[href="{contact}-month"]').click()  # the summary leads to the box
    assert page.evaluate("document.activeElement.id") == contact.removeprefix("#") + "-month"
    page.fill(f"{contact}-month", "5")

    page.fill("#f-details-persons-0-name", "Karim Haddad")
    page.fill("#f-details-persons-0-name_original", "كريم حداد")
    page.select_option("#f-details-persons-0-relationship", "sibling")
    page.fill("#f-details-persons-0-approximate_age", "35")
    page.fill("#f-details-persons-0-last_place", "Tripoli, Libya")
    page.check("#f-details-separation-migration_route")
    page.check("#f-contact_channel")  # email
    page.fill("#f-contact_address_email", "mariam@example.org")
    page.check("#f-consents-process")
    page.check("#f-consents-search")
    page.check("#f-consents-share_contact")
    send(page)

    reference = page.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", reference)
    assert_accessible(page)
    link = page.locator(".secret-link").inner_text().strip()
    assert link.startswith(f"{live_settings.base_url}/fi/status/")

    page.goto(link)
    assert reference in page.content()
    assert "Karim Haddad" in page.content()
    assert_accessible(page)
    assert_no_third_party_requests(page)
    # The half-filled form was answered 422 on purpose; Chromium logs that. Nothing else.
    errors = [e for e in guard_of(page).console_errors if "status of 422" not in e]
    assert errors == []

    with Session(get_engine()) as db:
        cases = db.exec(select(Case).where(Case.reference == reference)).all()
    assert len(cases) == 1
    case = cases[0]
    assert (case.kind, case.name, case.contact_address) == (
        "tracing", "Mariam", "mariam@example.org",
    )
    assert case.details["persons"][0]["name_original"] == "كريم حداد"
    person = case.details["persons"][0]
    assert (person["birth_date"], person["last_contact_date"]) == ("1991-02-03", "2016-05-14")

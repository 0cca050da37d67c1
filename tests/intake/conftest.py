"""Helpers for the public side: fetch a form like a browser, fill it in, send it."""

from __future__ import annotations

import html
import re
from copy import deepcopy
from dataclasses import replace
from datetime import datetime

import pytest
from sqlmodel import Session, select

from intake.models import Case
from yhteys.settings import set_settings

NOW = datetime.fromisoformat("2026-12-01T12:00:00+02:00")


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201 - the shared fixture, with the clock frozen
    """Dates in the forms are checked against today: the tests fix today."""
    value = replace(settings, frozen_now=NOW)
    set_settings(value)
    return value


@pytest.fixture(autouse=True)
def fresh_rate_limits():  # noqa: ANN201
    """Every test starts with no submissions counted (the in-memory limiter is process-wide)."""
    from yhteys import ratelimit

    ratelimit._limiter_for.cache_clear()
    yield
    ratelimit._limiter_for.cache_clear()


# A complete, valid form for each kind: every field the form has, as a browser would send it.
COMMON = {
    "name": "Amal",
    "language": "am",  # Amharic: an interpreter language the pages are not offered in
    "interpreter_needed": "yes",
    "interpreter_language": "ar",
    "message": "I need advice, please.\nThank you.",
    "contact_channel": "phone",
    "contact_address_phone": "040 123 4567",
    "contact_address_email": "",
    "may_leave_message": "yes",
    "contact_windows.0.day": "tue",
    "contact_windows.0.start": "10:00",
    "contact_windows.0.end": "12:30",
    "contact_windows.1.day": "",
    "contact_windows.1.start": "",
    "contact_windows.1.end": "",
    "backup_channel": "email",
    "backup_address_phone": "",
    "backup_address_email": "amal.backup@example.org",
    "area": "092",  # Vantaa: the select sends the code
    "consents.process": "yes",
}

FORMS = {
    "family_reunification": {
        **COMMON,
        "details.sponsor_status": "refugee_status",
        "details.decision_date.day": "12",
        "details.decision_date.month": "5",
        "details.decision_date.year": "2026",
        "details.sponsor_minor": "no",
        "details.family_before_finland": "yes",
        "details.members.0.name": "Hodan Ali",
        "details.members.0.relationship": "spouse",
        "details.members.0.birth_date.day": "",
        "details.members.0.birth_date.month": "",
        "details.members.0.birth_date.year": "",
        "details.members.0.country": "Kenya",
        "details.members.1.name": "",
        "details.members.1.relationship": "",
        "details.members.1.birth_date.day": "",
        "details.members.1.birth_date.month": "",
        "details.members.1.birth_date.year": "",
        "details.members.1.country": "",
        "details.members.2.name": "Sahra Ali",
        "details.members.2.relationship": "child",
        "details.members.2.birth_date.day": "4",
        "details.members.2.birth_date.month": "7",
        "details.members.2.birth_date.year": "2017",
        "details.members.2.country": "Somalia",
        "details.stage": "applied",
        "details.applied_on.day": "1",
        "details.applied_on.month": "09",
        "details.applied_on.year": "2026",
        "details.migri_number": " dnro 1234 / 532 / 2026 ",
        "details.negative_decision_date.day": "",
        "details.negative_decision_date.month": "",
        "details.negative_decision_date.year": "",
        "details.help_wanted": ["embassy_visit", "costs"],
    },
    "tracing": {
        **COMMON,
        "consents.search": "yes",
        "consents.share_contact": "yes",
        "details.persons.0.name": "Karim Haddad",
        "details.persons.0.name_original": "كريم حداد",
        "details.persons.0.other_spellings": "Kareem Hadad",
        "details.persons.0.relationship": "sibling",
        "details.persons.0.sex": "male",
        "details.persons.0.birth_date.day": "3",
        "details.persons.0.birth_date.month": "2",
        "details.persons.0.birth_date.year": "1991",
        "details.persons.0.approximate_age": "35",
        "details.persons.0.nationality": "Syria",
        "details.persons.0.last_place": "Tripoli, Libya",
        "details.persons.0.last_seen.day": "",
        "details.persons.0.last_seen.month": "8",
        "details.persons.0.last_seen.year": "2015",
        "details.persons.0.last_contact_date.day": "",
        "details.persons.0.last_contact_date.month": "",
        "details.persons.0.last_contact_date.year": "2016",
        "details.persons.0.last_contact_channel": "phone",
        "details.persons.0.minor_when_separated": "no",
        "details.separation": "migration_route",
        "details.other_organisation": "yes",
        "details.other_organisation_name": "UNHCR",
    },
    "social_services": {
        **{k: v for k, v in COMMON.items() if k != "area"},
        "details.no_place_tonight": "yes",
        "details.health_emergency": "",
        "details.in_danger": "yes",
        "details.topics": ["housing", "legal_status"],
        "details.municipality": "091",
        "details.children_with_you": "yes",
        "details.children_count": "2",
    },
    "other": dict(COMMON),
}

EXPECTED_COLUMNS = {
    "name": "Amal",
    "language": "ar",
    "contact_channel": "phone",
    "contact_address": "+358401234567",
    "may_leave_message": True,
    "contact_windows": [{"day": "tue", "start": "10:00", "end": "12:30"}],
    "backup_channel": "email",
    "backup_address": "amal.backup@example.org",
    "area": "092",
    "interpreter_needed": True,
    "interpreter_language": "ar",
    "message": "I need advice, please.\nThank you.",
}

# Every kind asks whether it is urgent today; unticked boxes are stored as False.
NOT_URGENT = {
    "no_place_tonight": False,
    "health_emergency": False,
    "in_danger": False,
    "child_without_care": False,
}

EXPECTED_DETAILS = {
    "family_reunification": {
        **NOT_URGENT,
        "sponsor_status": "refugee_status",
        "decision_date": "2026-05-12",
        "sponsor_minor": "no",
        "family_before_finland": "yes",
        "members": [
            {"name": "Hodan Ali", "relationship": "spouse", "birth_date": None,
             "country": "Kenya"},
            {"name": "Sahra Ali", "relationship": "child", "birth_date": "2017-07-04",
             "country": "Somalia"},
        ],
        "stage": "applied",
        "applied_on": "2026-09-01",
        "migri_number": "1234/532/2026",
        "negative_decision_date": None,
        "help_wanted": ["embassy_visit", "costs"],
    },
    "tracing": {
        **NOT_URGENT,
        "persons": [
            {
                "name": "Karim Haddad",
                "name_original": "كريم حداد",
                "other_spellings": "Kareem Hadad",
                "sex": "male",
                "birth_date": "1991-02-03",
                "approximate_age": 35,
                "relationship": "sibling",
                "nationality": "Syria",
                "last_place": "Tripoli, Libya",
                "last_seen": "2015-08",
                "last_contact_date": "2016",
                "last_contact_channel": "phone",
                "minor_when_separated": "no",
            }
        ],
        "separation": "migration_route",
        "other_organisation": "yes",
        "other_organisation_name": "UNHCR",
    },
    "social_services": {
        "topics": ["housing", "legal_status"],
        "municipality": "091",
        "children_with_you": "yes",
        "children_count": 2,
        **NOT_URGENT,
        "no_place_tonight": True,
        "in_danger": True,
    },
    "other": dict(NOT_URGENT),
}

SLUGS = {
    "family_reunification": "family-reunification",
    "tracing": "tracing",
    "social_services": "social-services",
    "other": "other",
}


def form_data(kind: str, **changes: object) -> dict:
    data = deepcopy(FORMS[kind])
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


class Browser:
    """A person with a browser: opens a form, then sends it with its hidden fields."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self.client = client

    def open(self, kind: str, locale: str = "en"):  # noqa: ANN201
        response = self.client.get(f"/{locale}/request/{SLUGS[kind]}")
        assert response.status_code == 200
        return response

    def send(
        self,
        kind: str,
        data: dict,
        *,
        locale: str = "en",
        page: str | None = None,
        files=None,
        **extra,
    ):  # noqa: ANN001, ANN003, ANN201
        page = page if page is not None else self.open(kind, locale).text
        body = {
            "csrf_token": hidden(page, "csrf_token"),
            "idempotency_key": hidden(page, "idempotency_key"),
            **extra,
            **data,
        }
        return self.client.post(f"/{locale}/request/{SLUGS[kind]}", data=body, files=files)


@pytest.fixture
def browser(client) -> Browser:  # noqa: ANN001
    return Browser(client)


def all_cases(settings) -> list[Case]:  # noqa: ANN001
    from yhteys.db import engine_for

    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Case).order_by(Case.id)))


def status_link(page: str) -> str:
    match = re.search(r'class="secret-link" dir="ltr"><a href="([^"]+)"', page)
    assert match, "no status link on the page"
    return html.unescape(match.group(1))


def reference_on(page: str) -> str:
    match = re.search(r'<p class="reference" dir="ltr">([^<]+)</p>', page)
    assert match, "no reference on the page"
    return match.group(1)

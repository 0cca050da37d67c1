"""The JSON API: the same requests and rules as the forms, answered as problem details."""

from __future__ import annotations

import copy
import uuid

import jsonschema
import pytest
from sqlmodel import Session, select

from intake.models import Consent
from intake.openapi import EXAMPLES, document
from intake.references import idempotency_hash, secret_hash
from tests.intake.conftest import EXPECTED_COLUMNS, EXPECTED_DETAILS, all_cases
from tests.intake.partner_helpers import issue_key
from yhteys.db import engine_for

COMMON = {
    "language": "ar",
    "name": "Amal",
    "contact_channel": "phone",
    "contact_address": "040 123 4567",
    "may_leave_message": True,
    "contact_windows": [{"day": "tue", "start": "10:00", "end": "12:30"}],
    "backup_channel": "email",
    "backup_address": "amal.backup@example.org",
    "area": "Vantaa",  # a name, as partners sent it before areas were a choice: stored as 092
    "interpreter_needed": True,
    "interpreter_language": "ar",
    "message": "I need advice, please.\r\nThank you.",
    "consents": {"process": True},
}
DETAILS_IN = copy.deepcopy(EXPECTED_DETAILS)
DETAILS_IN["family_reunification"]["applied_on"] = "1.9.2026"
DETAILS_IN["tracing"]["persons"][0]["last_seen"] = "8.2015"


@pytest.fixture
def client(client, settings):  # noqa: ANN001, ANN201 - the shared client, as a partner with a key
    token, _key = issue_key()
    client.headers["authorization"] = f"Bearer {token}"
    return client


def body(kind: str, **changes: object) -> dict:
    data = {"kind": kind, **copy.deepcopy(COMMON), "details": copy.deepcopy(DETAILS_IN[kind])}
    if kind == "tracing":
        data["consents"] = {"process": True, "search": True, "share_contact": True}
    if kind == "social_services":
        data["area"] = ""
    data.update(changes)
    return data


def post(client, data, key=None, **headers):  # noqa: ANN001, ANN003, ANN202
    if key is not None:
        headers["idempotency-key"] = key
    return client.post("/api/v1/cases", json=data, headers=headers)


@pytest.mark.parametrize("kind", list(EXPECTED_DETAILS))
def test_each_kind_makes_one_case_with_every_field(client, settings, kind):
    response = post(client, body(kind), key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    cases = all_cases(settings)
    assert len(cases) == 1
    case = cases[0]
    expected = dict(EXPECTED_COLUMNS)
    if kind == "social_services":
        expected["area"] = "091"
    for column, value in expected.items():
        assert getattr(case, column) == value, column
    assert case.details == EXPECTED_DETAILS[kind]
    assert case.source == "api"
    assert answer["reference"] == case.reference
    # Her language, Arabic, is offered: her link and notices are in it (the API call itself
    # had no Accept-Language, so its own language is the default, Finnish).
    assert answer["status_url"].startswith("http://testserver/ar/status/")
    assert case.ui_locale == "fi"
    assert case.status_secret_hash == secret_hash(answer["status_url"].rsplit("/", 1)[1])
    with Session(engine_for(settings.database_url)) as db:
        consents = db.exec(select(Consent).where(Consent.case_id == case.id)).all()
    assert {c.purpose for c in consents} == (
        {"process", "search", "share_contact"} if kind == "tracing" else {"process"}
    )


def test_the_status_link_of_the_api_opens_the_status_page(client):
    answer = post(client, body("other")).json()
    page = client.get(answer["status_url"])
    assert page.status_code == 200
    assert answer["reference"] in page.text


def test_field_errors_are_problem_details_with_codes_and_messages(client, settings):
    data = body("tracing", name="", contact_address="12")
    data["details"]["persons"][0]["birth_date"] = "2030-01-01"
    data["consents"] = {"process": True}
    response = post(client, data)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Content"
    errors = problem["errors"]
    assert errors["name"][0]["code"] == "required"
    assert errors["contact_address"][0]["code"] == "invalid_phone"
    assert errors["details.persons.0.birth_date"][0]["code"] == "date_in_future"
    assert errors["consents.search"][0]["code"] == "consent_required"
    assert all(e["message"] for entries in errors.values() for e in entries)
    assert all_cases(settings) == []


def test_error_messages_follow_accept_language(client):
    response = post(client, body("other", name=""), **{"accept-language": "fi"})
    assert response.json()["errors"]["name"][0]["message"] == "Kirjoita nimesi tai lempinimi."


def test_unknown_members_are_refused(client):
    data = body("other", passport_number="X123")
    data["details"] = {"note": "x"}
    errors = post(client, data).json()["errors"]
    assert errors["passport_number"][0]["code"] == "unknown_field"
    assert errors["details.note"][0]["code"] == "unknown_field"


@pytest.mark.parametrize("field", ["name", "contact_address", "backup_address"])
def test_line_breaks_are_refused_in_one_line_fields(client, field):
    channel = {"contact_address": "email"}.get(field, "phone")
    data = body("other", contact_channel=channel)
    if channel == "email":
        data["contact_address"] = "amal@example.org"
    data[field] = "amal@example.org\r\nBcc: someone@example.org"
    errors = post(client, data).json()["errors"]
    assert errors[field][0]["code"] == "line_break"


@pytest.mark.parametrize(
    ("channel", "typed", "stored"),
    [
        ("phone", "040 123 4567", "+358401234567"),
        ("sms", "+46 70-123 45 67", "+46701234567"),
        ("whatsapp", "00358 50 1234567", "+358501234567"),
        ("email", "Amal.K@Example.ORG", "Amal.K@example.org"),
    ],
)
def test_addresses_are_normalised(client, settings, channel, typed, stored):
    response = post(client, body("other", contact_channel=channel, contact_address=typed))
    assert response.status_code == 201
    assert all_cases(settings)[0].contact_address == stored


def test_the_same_key_and_request_make_one_case_and_the_same_answer(client, settings):
    key = str(uuid.uuid4())
    first = post(client, body("tracing"), key=key)
    second = post(client, body("tracing"), key=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(all_cases(settings)) == 1


def test_the_same_request_spelt_differently_is_the_same(client, settings):
    key = str(uuid.uuid4())
    first = post(client, body("other"), key=key)
    respelt = post(client, body("other", contact_address="+358 40 1234567"), key=key)
    assert first.status_code == respelt.status_code == 201
    assert respelt.json() == first.json()  # the same case answered, not a second one
    assert len(all_cases(settings)) == 1


def test_the_same_key_with_another_request_is_refused(client, settings):
    key = str(uuid.uuid4())
    assert post(client, body("other"), key=key).status_code == 201
    response = post(client, body("other", message="Something else entirely"), key=key)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert len(all_cases(settings)) == 1


@pytest.mark.parametrize("key", ["short", "x" * 65, "with spaces in it!!", "a" * 15 + "/"])
def test_a_malformed_idempotency_key_is_refused(client, settings, key):
    response = post(client, body("other"), key=key)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Idempotency-Key" in response.json()["detail"]
    assert all_cases(settings) == []  # refused before anything is stored


A_UUID = "251849aa-1f8b-4050-863e-445ac2209f56"  # fixed: every test process collects the same ids


@pytest.mark.parametrize("key", ["a" * 16, "A-b_" + "9" * 60, A_UUID])
def test_a_well_formed_idempotency_key_is_taken(client, settings, key):
    assert post(client, body("other"), key=key).status_code == 201
    assert [c.idempotency_key for c in all_cases(settings)] == [idempotency_hash(key)]


def test_only_json_is_taken(client, settings):
    response = client.post("/api/v1/cases", data={"kind": "other"})
    assert response.status_code == 415
    response = client.post(
        "/api/v1/cases", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    response = client.post("/api/v1/cases", json=[1, 2])
    assert response.status_code == 422
    assert all_cases(settings) == []


def test_anonymous_use_when_allowed_is_rate_limited_per_client(client, use_settings, settings):
    use_settings(rate_limit_submissions=2, api_anonymous=True)
    del client.headers["authorization"]
    for n in range(2):
        assert post(client, body("other", message=f"Question {n}")).status_code == 201
    limited = post(client, body("other", message="Question 3"))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["status"] == 429
    assert len(all_cases(settings)) == 2


def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    operation = spec["paths"]["/api/v1/cases"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"family_reunification", "tracing", "social_services", "other"}
    assert {p["name"] for p in operation["parameters"]} >= {"Idempotency-Key"}
    scheme = spec["components"]["securitySchemes"]["partnerKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert operation["security"] == [{"partnerKey": ["cases:create"]}]  # no anonymous {} entry
    assert {"401", "403", "429", "503"} <= set(operation["responses"])
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_each_openapi_example_fits_the_schema_and_is_accepted(client, settings, kind):
    spec = document()
    schema = {"$ref": "#/components/schemas/CaseRequest", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(EXAMPLES[kind])
    response = post(client, EXAMPLES[kind], key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    case = all_cases(settings)[0]
    assert case.kind == kind
    assert case.message == EXAMPLES[kind]["message"]


def test_the_schema_refuses_what_the_api_refuses():
    spec = document()
    schema = {"$ref": "#/components/schemas/CaseRequest", "components": spec["components"]}
    validator = jsonschema.Draft202012Validator(schema)
    bad = copy.deepcopy(EXAMPLES["tracing"])
    bad["details"]["persons"][0]["shoe_size"] = 44
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(EXAMPLES["other"])
    bad["kind"] = "visa"
    assert not validator.is_valid(bad)

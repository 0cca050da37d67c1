"""The partner API needs a key: hashed at rest, scoped, rate-limited per key, revocable, audited.

Hostile finding: anyone could POST /api/v1/cases and make the service send Red Cross-branded
SMS, WhatsApp and email to any number. These tests send what an attacker would.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from intake import partners
from notify.models import Notification
from tests.intake.conftest import all_cases
from tests.intake.partner_helpers import issue_key, load_key
from tests.intake.test_api import body
from triage.accounts.models import AuditEvent
from yhteys.db import get_engine


def post(client, data=None, token=None, **headers):  # noqa: ANN001, ANN003, ANN201
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return client.post("/api/v1/cases", json=data or body("other"), headers=headers)


def notifications() -> list[Notification]:
    with Session(get_engine()) as db:
        return list(db.exec(select(Notification)).all())


def refusals() -> list[AuditEvent]:
    with Session(get_engine()) as db:
        query = select(AuditEvent).where(AuditEvent.action == "api_key.refused")
        return list(db.exec(query.order_by(AuditEvent.id)).all())


def assert_unauthorised(response, *, invalid: bool) -> None:  # noqa: ANN001
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is invalid
    problem = response.json()
    assert problem["status"] == 401 and problem["title"] == "Unauthorized"


def test_without_a_key_nothing_is_made_and_nothing_is_sent(client, settings):
    data = body("other", contact_channel="sms", contact_address="+358401234567")
    response = post(client, data)
    assert_unauthorised(response, invalid=False)
    assert all_cases(settings) == []
    assert notifications() == []
    [event] = refusals()
    assert event.actor_id is None
    assert event.detail == {"reason": "missing", "status": 401}
    assert event.client_hash  # which client, pseudonymously


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-key",
     "Bearer yk_aaaaaaaaaaaa_" + "A" * 43],  # well formed, never issued
)
def test_a_malformed_or_unknown_key_is_refused(client, settings, header):
    response = post(client, authorization=header)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert all_cases(settings) == []
    assert refusals()[-1].detail["reason"] in {"malformed", "unknown"}


def test_a_known_key_id_with_a_wrong_secret_is_refused(client, settings):
    token, key = issue_key()
    forged = token[: -43] + ("B" * 43 if not token.endswith("B" * 43) else "C" * 43)
    response = post(client, token=forged)
    assert_unauthorised(response, invalid=True)
    assert all_cases(settings) == []
    assert refusals()[-1].detail == {"reason": "unknown", "status": 401, "key_id": key.key_id}


def test_a_valid_key_makes_the_case_and_marks_the_key_used(client, settings):
    token, key = issue_key()
    assert key.last_used_at is None
    response = post(client, token=token, **{"idempotency-key": str(uuid.uuid4())})
    assert response.status_code == 201, response.text
    assert len(all_cases(settings)) == 1
    assert load_key(key.id).last_used_at is not None
    assert refusals() == []


def test_the_key_is_stored_only_as_a_hash(client, settings):
    token, key = issue_key()
    secret = token[len(f"yk_{key.key_id}_"):]
    assert token == f"yk_{key.key_id}_{secret}" and len(secret) >= 43
    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_key")).all()
    stored = repr(rows)
    assert secret not in stored and token not in stored
    assert key.secret_hash == partners.secret_digest(secret)


def test_a_revoked_key_is_refused_at_once(client, settings):
    token, key = issue_key()
    assert post(client, body("other", message="first"), token=token).status_code == 201
    with Session(get_engine()) as db:
        partners.revoke(db, key.id, revoked_by=None)
        db.commit()
    response = post(client, body("other", message="second"), token=token)
    assert_unauthorised(response, invalid=True)
    assert len(all_cases(settings)) == 1
    assert refusals()[-1].detail == {"reason": "revoked", "status": 401, "key_id": key.key_id}


def test_a_key_without_the_scope_gets_403(client, settings):
    token, key = issue_key(scopes=())
    response = post(client, token=token)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert 'scope="cases:create"' in response.headers["www-authenticate"]
    assert all_cases(settings) == []
    assert refusals()[-1].detail == {"reason": "scope", "status": 403, "key_id": key.key_id}


def test_each_key_has_its_own_rate_limit(client, settings, use_settings):
    use_settings(rate_limit_submissions=1)  # the per-client limit of the forms does not apply
    token, key = issue_key(rate_limit=2)
    other_token, _other = issue_key(rate_limit=2)
    for n in range(2):
        assert post(client, body("other", message=f"Q{n}"), token=token).status_code == 201
    limited = post(client, body("other", message="Q3"), token=token)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["status"] == 429
    assert post(client, body("other", message="Q4"), token=other_token).status_code == 201
    assert len(all_cases(settings)) == 3
    assert refusals()[-1].detail == {"reason": "rate_limited", "status": 429,
                                     "key_id": key.key_id}


def test_a_flood_of_refusals_cannot_fill_the_audit_trail(client, settings):
    for _ in range(partners.AUDITED_REFUSALS + 5):
        assert post(client).status_code == 401
    assert len(refusals()) == partners.AUDITED_REFUSALS


def test_anonymous_use_is_the_old_behaviour_only_when_allowed(client, settings, use_settings):
    use_settings(api_anonymous=True)
    assert post(client).status_code == 201
    # A key that is sent is still checked.
    assert post(client, body("other", message="x"), authorization="Bearer nope").status_code \
        == 401
    assert len(all_cases(settings)) == 1


def test_the_openapi_document_shows_the_key_as_optional_when_anonymous_use_is_on(
    client, use_settings
):
    use_settings(api_anonymous=True)
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    assert operation["security"] == [{"partnerKey": ["cases:create"]}, {}]

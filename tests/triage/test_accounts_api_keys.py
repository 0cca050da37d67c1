"""Administrators make partner API keys (shown once), revoke them; both are in the audit trail."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from intake.models import ApiKey
from tests.intake.test_api import body
from triage.accounts.models import AuditEvent
from yhteys.db import get_engine


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, path: str, **data):  # noqa: ANN001, ANN003, ANN201
    return client.post(path, data={"csrf_token": token(client.get("/triage/account").text),
                                   **data})


def events(action: str) -> list[AuditEvent]:
    with Session(get_engine()) as db:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.exec(query).all())


def keys() -> list[ApiKey]:
    with Session(get_engine()) as db:
        return list(db.exec(select(ApiKey)).all())


def make_key(client, **data):  # noqa: ANN001, ANN003, ANN201
    fields = {"name": "Refugee counselling NGO", "scopes": ["cases:create"], "rate_limit": "50"}
    response = post(client, "/triage/admin/api-keys", **{**fields, **data})
    return response


def shown_key(response) -> str:  # noqa: ANN001
    return re.search(r'id="api-key">([^<]+)<', response.text).group(1)


def test_an_admin_makes_a_key_that_is_shown_once_and_works(
    app, make_staff, login_fast, quick_client
):
    admin = make_staff(roles=("admin",), email="admin@example.org")
    login_fast(quick_client, admin)
    response = make_key(quick_client)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    full_key = shown_key(response)
    [key] = keys()
    assert key.name == "Refugee counselling NGO" and key.scopes == ["cases:create"]
    assert key.rate_limit == 50 and key.created_by == admin.id
    assert full_key.startswith(f"yk_{key.key_id}_")
    [event] = events("api_key.create")
    assert event.actor_id == admin.id
    assert event.detail == {"api_key_id": key.id, "key_id": key.key_id,
                            "scopes": ["cases:create"], "rate_limit": 50}
    # The list shows the id and never the key again.
    listing = quick_client.get("/triage/admin/api-keys")
    assert key.key_id in listing.text and full_key not in listing.text
    assert "Refugee counselling NGO" in listing.text

    from starlette.testclient import TestClient

    with TestClient(app) as partner:
        answer = partner.post("/api/v1/cases", json=body("other"),
                              headers={"authorization": f"Bearer {full_key}"})
    assert answer.status_code == 201, answer.text


def test_the_form_is_checked(make_staff, login_fast, quick_client):
    login_fast(quick_client, make_staff(roles=("admin",)))
    response = make_key(quick_client, name="", scopes=[], rate_limit="lots")
    assert response.status_code == 400
    assert keys() == [] and events("api_key.create") == []


def test_an_admin_revokes_a_key_and_it_stops_working(app, make_staff, login_fast, quick_client):
    admin = make_staff(roles=("admin",))
    login_fast(quick_client, admin)
    full_key = shown_key(make_key(quick_client))
    [key] = keys()
    response = post(quick_client, "/triage/admin/api-keys/revoke", api_key_id=str(key.id))
    assert response.status_code == 303
    [revoked] = keys()
    assert revoked.revoked_at is not None and revoked.revoked_by == admin.id
    [event] = events("api_key.revoke")
    assert event.actor_id == admin.id
    assert event.detail == {"api_key_id": key.id, "key_id": key.key_id}
    listing = quick_client.get("/triage/admin/api-keys?revoked=1")
    assert listing.status_code == 200 and "api_key_id" not in listing.text  # no revoke button
    # Revoking again changes nothing and records nothing.
    post(quick_client, "/triage/admin/api-keys/revoke", api_key_id=str(key.id))
    assert len(events("api_key.revoke")) == 1

    from starlette.testclient import TestClient

    with TestClient(app) as partner:
        answer = partner.post("/api/v1/cases", json=body("other"),
                              headers={"authorization": f"Bearer {full_key}"})
    assert answer.status_code == 401
    assert events("api_key.refused")[-1].detail["reason"] == "revoked"


def test_an_unknown_key_cannot_be_revoked(make_staff, login_fast, quick_client):
    login_fast(quick_client, make_staff(roles=("admin",)))
    response = post(quick_client, "/triage/admin/api-keys/revoke", api_key_id="999")
    assert response.status_code == 400
    assert events("api_key.revoke") == []

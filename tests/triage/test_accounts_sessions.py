"""Server-side sessions end at once: logout, everywhere, disabled account, password change, idle."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from tests.triage.conftest import STAFF_PASSWORD
from triage.accounts import sessions
from triage.accounts.models import AuditEvent, StaffSession, StaffUser
from yhteys.db import get_engine

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201
    return quick_client


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def second_client(app) -> TestClient:  # noqa: ANN001
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def ok(c) -> bool:  # noqa: ANN001
    return c.get("/triage/account").status_code == 200


def actions() -> list[str]:
    with Session(get_engine()) as db:
        return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_logout_ends_the_session_on_the_server(client, make_staff, login_fast):
    user = make_staff()
    stolen = login_fast(client, user)
    page = client.get("/triage/account")
    response = client.post("/triage/logout", data={"csrf_token": token(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/triage/login?bye=1"
    assert 'yhteys_staff=""' in response.headers["set-cookie"]
    assert "You have logged out." in client.get("/triage/login?bye=1").text
    # A copy of the old cookie is worth nothing now.
    thief = TestClient(client.app, follow_redirects=False)
    thief.cookies.set(sessions.COOKIE_NAME, stolen, domain="testserver.local", path="/triage")
    assert thief.get("/triage/account").status_code == 303
    assert "logout" in actions()


def test_logout_needs_the_csrf_token(client, make_staff, login_fast):
    login_fast(client, make_staff())
    response = client.post("/triage/logout", data={})
    assert response.status_code == 400
    assert ok(client)


def test_log_out_on_all_other_devices(client, app, make_staff, login_fast):
    user = make_staff()
    other_user = make_staff()
    phone, laptop, colleague = second_client(app), second_client(app), second_client(app)
    login_fast(phone, user)
    login_fast(laptop, user)
    login_fast(colleague, other_user)
    login_fast(client, user)
    page = client.get("/triage/account")
    assert page.text.count("<tr>") == 1 + 3  # header row and three sessions
    response = client.post("/triage/account/sessions/end-others",
                           data={"csrf_token": token(page.text)})
    assert response.headers["location"] == "/triage/account?done=sessions"
    assert ok(client) and ok(colleague)
    assert not ok(phone) and not ok(laptop)
    with Session(get_engine()) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "logout.others")).one()
    assert event.detail == {"sessions_ended": 2}


def test_disabling_an_account_ends_its_sessions_at_once(client, app, make_staff, login_fast):
    user = make_staff()
    login_fast(client, user)
    assert ok(client)
    with Session(get_engine()) as db:  # as the admin page or anything else would
        row = db.get(StaffUser, user.id)
        row.is_active = False
        db.add(row)
        db.commit()
    assert client.get("/triage/account").status_code == 303


def test_password_change_ends_other_sessions(client, app, make_staff, login_fast):
    user = make_staff(email="pat@example.org")
    other = second_client(app)
    login_fast(other, user)
    login_fast(client, user)
    page = client.get("/triage/account/password")

    def change(current: str, new: str, repeat: str | None = None):  # noqa: ANN202
        return client.post("/triage/account/password", data={
            "csrf_token": token(page.text), "current": current, "new": new,
            "repeat": new if repeat is None else repeat})

    assert change("wrong current pw", "a brand new password").status_code == 400
    assert change(STAFF_PASSWORD, "too short").status_code == 400
    refused = change(STAFF_PASSWORD, "PAT@example.org")
    assert refused.status_code == 400 and "email address" in refused.text
    assert change(STAFF_PASSWORD, "a brand new password", "another one!!").status_code == 400
    assert ok(other)

    done = change(STAFF_PASSWORD, "a brand new password")
    assert done.status_code == 303 and done.headers["location"] == "/triage/account?done=password"
    assert ok(client) and not ok(other)
    assert "password.change" in actions()
    fresh = second_client(app)
    page2 = fresh.get("/triage/login")
    assert fresh.post("/triage/login", data={"csrf_token": token(page2.text), "email": user.email,
                                             "password": "a brand new password"}
                      ).status_code == 303


def test_idle_timeout(client, make_staff, login_fast, use_settings):
    use_settings(frozen_now=T0, session_idle_minutes=30)
    login_fast(client, make_staff())
    use_settings(frozen_now=T0 + timedelta(minutes=29), session_idle_minutes=30)
    assert ok(client)  # activity moves the idle clock
    use_settings(frozen_now=T0 + timedelta(minutes=58), session_idle_minutes=30)
    assert ok(client)
    use_settings(frozen_now=T0 + timedelta(minutes=89), session_idle_minutes=30)
    response = client.get("/triage/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/triage/login")
    with Session(get_engine()) as db:
        assert db.exec(select(StaffSession)).one().revoked_at is not None


def test_sessions_end_after_a_working_day_even_when_active(client, make_staff, login_fast,
                                                          use_settings):
    use_settings(frozen_now=T0)
    login_fast(client, make_staff())
    at = T0
    while at < T0 + timedelta(hours=sessions.ABSOLUTE_HOURS - 1):
        at += timedelta(minutes=25)
        use_settings(frozen_now=at)
        assert ok(client)
    use_settings(frozen_now=T0 + timedelta(hours=sessions.ABSOLUTE_HOURS, minutes=1))
    assert not ok(client)


def test_a_forged_cookie_is_ignored(client):
    client.cookies.set(sessions.COOKIE_NAME, "x" * 43, domain="testserver.local", path="/triage")
    response = client.get("/triage/account")
    assert response.status_code == 303
    assert 'yhteys_staff=""' in response.headers["set-cookie"]  # the junk cookie is dropped


def test_the_database_keeps_only_a_hash_of_the_token(client, make_staff, login_fast):
    raw = login_fast(client, make_staff())
    with Session(get_engine()) as db:
        [row] = db.exec(select(StaffSession)).all()
    assert row.id == sessions.session_id(raw) and raw not in row.id

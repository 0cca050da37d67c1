"""Logging in: password, TOTP, recovery codes, lockout, throttling, rotation, no enumeration."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from tests.triage.conftest import STAFF_PASSWORD
from triage.accounts import sessions, totp
from triage.accounts.models import (
    AuditEvent,
    LoginLock,
    RecoveryCode,
    StaffSession,
    StaffUser,
)
from yhteys.db import get_engine

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def client(quick_client):  # noqa: ANN001, ANN201 - nothing here sends notifications
    return quick_client


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_login(client, email: str, password: str, next_path: str = ""):  # noqa: ANN001, ANN201
    page = client.get("/triage/login")
    return client.post("/triage/login", data={"csrf_token": token(page.text), "email": email,
                                              "password": password, "next": next_path})


def post_code(client, code: str):  # noqa: ANN001, ANN201
    page = client.get("/triage/login/totp")
    assert page.status_code == 200
    return client.post("/triage/login/totp", data={"csrf_token": token(page.text), "code": code})


def events(action: str | None = None) -> list[AuditEvent]:
    with Session(get_engine()) as db:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        return list(db.exec(statement).all())


def fresh(user: StaffUser) -> StaffUser:
    with Session(get_engine(), expire_on_commit=False) as db:
        return db.get(StaffUser, user.id)


def logged_in(client) -> bool:  # noqa: ANN001
    return client.get("/triage/account").status_code == 200


def test_anonymous_staff_page_goes_to_login_with_next(client):
    response = client.get("/triage/account?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/triage/login?next=/triage/account%3Fx%3D1"
    assert response.headers["cache-control"] == "no-store"


def test_password_login_without_totp_in_development(client, make_staff):
    user = make_staff(email="Advisor@Example.org")
    response = post_login(client, "  ADVISOR@example.org ", STAFF_PASSWORD, "/triage/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/triage/account"
    cookie = response.headers["set-cookie"]
    assert "yhteys_staff=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/triage" in cookie
    assert "Secure" not in cookie  # BASE_URL is http in tests
    assert logged_in(client)
    [event] = events("login.success")
    assert event.actor_id == user.id and event.detail == {"factor": "password"}
    assert event.client_hash


def test_cookie_is_secure_when_base_url_is_https(use_settings, app, make_staff):
    use_settings(base_url="https://yhteys.example.org")
    user = make_staff()
    c = TestClient(app, base_url="https://yhteys.example.org", follow_redirects=False)
    page = c.get("/triage/login")
    response = c.post("/triage/login", data={"csrf_token": token(page.text),
                                              "email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_next_never_leads_off_the_staff_side(client, make_staff):
    user = make_staff()
    for target in ("https://evil.example/", "//evil.example/", "/fi/", "/triage\\@evil"):
        client.cookies.clear()
        response = post_login(client, user.email, STAFF_PASSWORD, target)
        assert response.headers["location"] == "/triage/"


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_staff):
    user = make_staff()
    unknown = post_login(client, "nobody@example.org", "whatever password 1")
    wrong = post_login(client, user.email, "whatever password 1")
    assert unknown.status_code == wrong.status_code == 400
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - form values differ
    assert strip(unknown.text) == strip(wrong.text)
    assert "yhteys_staff" not in unknown.headers.get("set-cookie", "")
    failures = events("login.failure")
    assert [e.detail["reason"] for e in failures] == ["unknown", "password"]
    # The typed address of an unknown account is kept only as a keyed hash.
    assert "nobody" not in str(failures[0].detail)
    assert len(failures[0].detail["email_hash"]) == 16
    assert failures[0].actor_id is None and failures[1].actor_id == user.id


def test_disabled_account_cannot_log_in(client, make_staff):
    user = make_staff(is_active=False)
    response = post_login(client, user.email, STAFF_PASSWORD)
    assert response.status_code == 400
    assert events("login.failure")[0].detail["reason"] == "disabled"


def test_csrf_token_is_required_to_log_in(client, make_staff):
    user = make_staff()
    client.get("/triage/login")
    response = client.post("/triage/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert user.email in response.text  # the form comes back with what was typed
    assert not logged_in(client)


def test_totp_enrol_then_login_with_a_code(client, make_staff, login_fast, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff()
    login_fast(client, user)
    page = client.get("/triage/account/totp")
    assert page.status_code == 200
    assert "<svg" in page.text and "style=" not in page.text.split("<svg", 1)[1].split("</svg>")[0]
    secret = totp.open_seed(fresh(user).totp_secret)
    assert secret and " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page.text
    assert client.get("/triage/account/totp").text.count(secret[:4]) >= 1  # reload keeps the key
    assert totp.open_seed(fresh(user).totp_secret) == secret

    wrong = client.post("/triage/account/totp", data={"csrf_token": token(page.text),
                                                       "code": "000000"})
    assert wrong.status_code == 400 and not fresh(user).totp_enabled
    done = client.post("/triage/account/totp", data={"csrf_token": token(page.text),
                                                      "code": totp.code_at(secret, T0)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.text)
    assert len(codes) == 10
    assert fresh(user).totp_enabled
    assert events("totp.enrol")[0].actor_id == user.id
    with Session(get_engine()) as db:
        stored = [r.code_hash for r in db.exec(select(RecoveryCode)).all()]
    assert sorted(stored) == sorted(totp.hash_recovery_code(c) for c in codes)
    assert not any(c in str(stored) for c in codes)

    client.cookies.clear()
    use_settings(frozen_now=T0 + timedelta(minutes=1))
    first = post_login(client, user.email, STAFF_PASSWORD)
    assert first.headers["location"].startswith("/triage/login/totp")
    assert not logged_in(client)  # half logged in opens nothing
    assert client.get("/triage/account").headers["location"] == "/triage/login/totp"
    assert post_code(client, "123456").status_code == 400
    ok = post_code(client, totp.code_at(secret, T0 + timedelta(minutes=1)))
    assert ok.status_code == 303 and logged_in(client)
    assert events("login.success")[-1].detail == {"factor": "totp"}


def test_a_totp_code_works_once(client, make_staff, login, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    code = totp.code_at(user.totp_secret, T0)
    post_login(client, user.email, STAFF_PASSWORD)
    assert post_code(client, code).status_code == 303

    other = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    post_login(other, user.email, STAFF_PASSWORD)
    assert post_code(other, code).status_code == 400  # same code, same step: refused
    # An older step than the last one used is refused too, even inside the drift window.
    use_settings(frozen_now=T0 + timedelta(seconds=30))
    assert post_code(other, code).status_code == 400
    later = totp.code_at(user.totp_secret, T0 + timedelta(seconds=30))
    assert post_code(other, later).status_code == 303


def test_recovery_code_works_once(client, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    from triage.accounts.login import issue_recovery_codes

    with Session(get_engine(), expire_on_commit=False) as db:
        codes = issue_recovery_codes(db, db.get(StaffUser, user.id))
        db.commit()
    post_login(client, user.email, STAFF_PASSWORD)
    assert post_code(client, codes[3].upper()).status_code == 303
    assert events("login.success")[-1].detail == {"factor": "recovery"}

    client.cookies.clear()
    post_login(client, user.email, STAFF_PASSWORD)
    assert post_code(client, codes[3]).status_code == 400
    assert post_code(client, codes[4].replace("-", " ")).status_code == 303


def client_lock(user: StaffUser) -> LoginLock | None:
    with Session(get_engine(), expire_on_commit=False) as db:
        return db.exec(select(LoginLock).where(LoginLock.user_id == user.id,
                                               LoginLock.scope.startswith("client:"))).first()


def test_lockout_after_five_failures_and_its_end(client, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff()
    for _ in range(5):
        assert post_login(client, user.email, "wrong password here").status_code == 400
    assert client_lock(user).locked_until is not None
    [locked] = events("login.locked")
    assert locked.detail == {"minutes": 15, "scope": "client"}

    use_settings(frozen_now=T0 + timedelta(minutes=14))
    refused = post_login(client, user.email, STAFF_PASSWORD)
    assert refused.status_code == 400  # the same answer as a wrong password: nothing told
    assert events("login.failure")[-1].detail["reason"] == "locked"
    assert client_lock(user).failures == 0  # attempts during a lock are not counted

    use_settings(frozen_now=T0 + timedelta(minutes=15, seconds=1))
    assert post_login(client, user.email, STAFF_PASSWORD).status_code == 303
    assert client_lock(user) is None  # a success clears this client's count


def test_locks_in_a_row_double_and_are_capped(client, make_staff, use_settings):
    user = make_staff()
    at = T0
    for expected in (15, 30, 60, 60):
        use_settings(frozen_now=at)
        for _ in range(5):
            post_login(client, user.email, "wrong password here")
        client_locks = [e for e in events("login.locked") if e.detail["scope"] == "client"]
        assert client_locks[-1].detail == {"minutes": expected, "scope": "client"}
        assert client_lock(user).locked_until.replace(tzinfo=UTC) == at + timedelta(
            minutes=expected)
        at += timedelta(minutes=expected, seconds=1)
    use_settings(frozen_now=at)
    assert post_login(client, user.email, STAFF_PASSWORD).status_code == 303


def test_wrong_totp_codes_count_towards_the_lock(client, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    post_login(client, user.email, STAFF_PASSWORD)
    for _ in range(5):
        assert post_code(client, "000000").status_code == 400
    assert events("login.locked")
    assert post_code(client, totp.code_at(user.totp_secret, T0)).status_code == 400


def test_throttling_is_per_client_not_global(app, client, make_staff):
    from triage.accounts.login_views import CLIENT_LIMIT

    user = make_staff()
    for n in range(CLIENT_LIMIT):
        assert post_login(client, f"guess{n}@example.org", "not the password").status_code == 400
    blocked = post_login(client, user.email, STAFF_PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert not logged_in(client)
    elsewhere = TestClient(app, follow_redirects=False, client=("203.0.113.9", 4000))
    assert post_login(elsewhere, user.email, STAFF_PASSWORD).status_code == 303


def test_session_id_rotates_on_login(client, make_staff, login_fast, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    planted = login_fast(client, user)  # e.g. a cookie fixed by someone else beforehand
    csrf_token = token(client.get("/triage/account").text)
    response = client.post("/triage/login", data={"csrf_token": csrf_token, "email": user.email,
                                                  "password": STAFF_PASSWORD})
    pending = response.cookies.get(sessions.COOKIE_NAME)
    assert pending and pending != planted
    final = post_code(client, totp.code_at(user.totp_secret, T0))
    token_now = final.cookies.get(sessions.COOKIE_NAME)
    assert token_now and token_now not in (planted, pending)
    with Session(get_engine()) as db:
        rows = {r.id: r for r in db.exec(select(StaffSession)).all()}
    assert rows[sessions.session_id(planted)].revoked_at is not None
    assert rows[sessions.session_id(pending)].revoked_at is not None
    assert rows[sessions.session_id(token_now)].revoked_at is None
    assert rows[sessions.session_id(token_now)].stage == "full"


def test_pending_second_factor_expires(client, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    post_login(client, user.email, STAFF_PASSWORD)
    use_settings(frozen_now=T0 + timedelta(minutes=6))
    assert client.get("/triage/login/totp").headers["location"] == "/triage/login"


@pytest.mark.parametrize("forced", ["totp", "password"])
def test_incomplete_accounts_can_only_complete_themselves(client, make_staff, login_fast,
                                                         use_settings, forced):
    if forced == "totp":
        use_settings(env="production")
        user = make_staff(roles=("supervisor",))
        target = "/triage/account/totp"
    else:
        user = make_staff(roles=("supervisor",))
        with Session(get_engine()) as db:
            row = db.get(StaffUser, user.id)
            row.must_change_password = True
            db.add(row)
            db.commit()
        target = "/triage/account/password"
    login_fast(client, user)
    for path in ("/triage/account", "/triage/audit"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == target
    assert client.get(target).status_code == 200


def test_production_login_without_totp_leads_to_enrolment(client, make_staff, use_settings):
    use_settings(env="production", frozen_now=T0)
    user = make_staff(roles=("supervisor",))
    assert post_login(client, user.email, STAFF_PASSWORD).status_code == 303
    assert client.get("/triage/audit").headers["location"] == "/triage/account/totp"
    page = client.get("/triage/account/totp")
    assert "Every staff account needs two-step login" in page.text
    secret = totp.open_seed(fresh(user).totp_secret)
    done = client.post("/triage/account/totp", data={"csrf_token": token(page.text),
                                                      "code": totp.code_at(secret, T0)})
    assert done.status_code == 200
    assert client.get("/triage/audit").status_code == 200


def test_old_password_hashes_are_upgraded_at_login(client, make_staff):
    from argon2 import PasswordHasher

    user = make_staff()
    old = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1).hash(STAFF_PASSWORD)
    with Session(get_engine()) as db:
        row = db.get(StaffUser, user.id)
        row.password_hash = old
        db.add(row)
        db.commit()
    assert post_login(client, user.email, STAFF_PASSWORD).status_code == 303
    upgraded = fresh(user).password_hash
    assert upgraded != old and "m=8192" in upgraded


def test_login_fixture_goes_through_the_real_forms(client, make_staff, login, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    login(client, user)
    assert logged_in(client)


def test_new_recovery_codes_need_the_password_and_replace_the_old(client, make_staff,
                                                                 login_fast):
    from triage.accounts.login import issue_recovery_codes

    user = make_staff(totp=True)
    with Session(get_engine(), expire_on_commit=False) as db:
        old = issue_recovery_codes(db, db.get(StaffUser, user.id))
        db.commit()
    login_fast(client, user)
    page = client.get("/triage/account/totp")
    assert "Recovery codes left: 10" in page.text
    refused = client.post("/triage/account/recovery-codes",
                          data={"csrf_token": token(page.text), "password": "wrong password"})
    assert refused.status_code == 400
    done = client.post("/triage/account/recovery-codes",
                       data={"csrf_token": token(page.text), "password": STAFF_PASSWORD})
    new = re.findall(r"<li>([a-z2-9-]{19})</li>", done.text)
    assert len(new) == 10 and not set(new) & set(old)
    with Session(get_engine()) as db:
        hashes = {r.code_hash for r in db.exec(select(RecoveryCode)).all()}
    assert hashes == {totp.hash_recovery_code(c) for c in new}
    assert events("recovery.renew")[0].actor_id == user.id


def test_second_factor_step_needs_the_csrf_token(client, make_staff, use_settings):
    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    post_login(client, user.email, STAFF_PASSWORD)
    response = client.post("/triage/login/totp",
                           data={"code": totp.code_at(user.totp_secret, T0)})
    assert response.status_code == 400
    assert fresh(user).last_totp_step is None  # the code was not even looked at
    assert post_code(client, totp.code_at(user.totp_secret, T0)).status_code == 303

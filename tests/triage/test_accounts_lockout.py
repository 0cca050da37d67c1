"""Lockout that a stranger cannot turn into a weapon (OWASP's device cookies).

A browser that has logged in to an account gets a signed device cookie for it. Failures count per
(account, device) or per (account, client); locks fall on untrusted clients, or on the one device
that failed, never on a browser holding a valid device cookie for that account.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from tests.triage.conftest import STAFF_PASSWORD
from triage.accounts import devices
from triage.accounts.models import AuditEvent
from yhteys.db import get_engine

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
WRONG = "wrong password here"


def browser(app, address: str) -> TestClient:  # noqa: ANN001
    return TestClient(app, base_url="http://testserver", follow_redirects=False,
                      headers={"accept-language": "en"}, client=(address, 40000))


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_login(client: TestClient, email: str, password: str):  # noqa: ANN201
    page = client.get("/triage/login")
    return client.post("/triage/login", data={"csrf_token": token(page.text), "email": email,
                                              "password": password})


def log_out(client: TestClient) -> None:
    """End the session but keep the device cookie, as a browser does at the end of a shift."""
    page = client.get("/triage/account")
    client.post("/triage/logout", data={"csrf_token": token(page.text)})
    assert client.get("/triage/account").status_code == 303
    assert client.cookies.get(devices.COOKIE_NAME)


def events(action: str) -> list[AuditEvent]:
    with Session(get_engine()) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)
                            .order_by(AuditEvent.id)).all())


@pytest.fixture
def colleague(app, make_staff, use_settings):  # noqa: ANN001, ANN201
    """Her own browser, at her office address, has logged in before."""
    use_settings(frozen_now=T0)
    user = make_staff(email="colleague@example.org")
    own = browser(app, "198.51.100.7")
    assert post_login(own, user.email, STAFF_PASSWORD).status_code == 303
    log_out(own)
    return user, own


def test_a_successful_login_sets_a_signed_httponly_device_cookie(app, make_staff):
    user = make_staff()
    own = browser(app, "198.51.100.7")
    response = post_login(own, user.email, STAFF_PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith(devices.COOKIE_NAME + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/triage" in cookie
    assert "Max-Age=" in cookie  # it outlives the browser session
    value = own.cookies.get(devices.COOKIE_NAME)
    assert user.email not in value  # a keyed signature and a random id, no address


def test_a_stranger_failing_100_times_does_not_lock_out_the_colleague(app, colleague):
    user, own = colleague
    attacker = browser(app, "203.0.113.66")
    answers = [post_login(attacker, user.email, WRONG).status_code for _ in range(100)]
    assert set(answers) <= {400, 429} and answers.count(429) > 0  # slowed
    assert post_login(own, user.email, STAFF_PASSWORD).status_code == 303
    assert own.get("/triage/account").status_code == 200


def test_the_stranger_is_locked_even_with_the_right_password(app, colleague, use_settings):
    user, _own = colleague
    attacker = browser(app, "203.0.113.66")
    for _ in range(5):
        assert post_login(attacker, user.email, WRONG).status_code == 400
    assert post_login(attacker, user.email, STAFF_PASSWORD).status_code == 400
    assert events("login.failure")[-1].detail["reason"] == "locked"
    assert events("login.locked")[-1].detail["scope"] == "client"
    # Spread over many addresses, guessing locks out every untrusted client of the account...
    for n in range(20):
        post_login(browser(app, f"192.0.2.{n + 1}"), user.email, WRONG)
    newcomer = browser(app, "192.0.2.200")
    assert post_login(newcomer, user.email, STAFF_PASSWORD).status_code == 400
    assert any(e.detail.get("scope") == "account" for e in events("login.locked"))
    # ...but not her browser; and the locks end.
    assert post_login(_own, user.email, STAFF_PASSWORD).status_code == 303
    use_settings(frozen_now=T0 + timedelta(hours=2))
    assert post_login(newcomer, user.email, STAFF_PASSWORD).status_code == 303


def test_a_device_cookie_for_one_account_does_not_help_on_another(app, colleague, make_staff):
    user, own = colleague
    other = make_staff(email="other@example.org")
    for n in range(25):
        post_login(browser(app, f"192.0.2.{n + 1}"), other.email, WRONG)
    # Her browser holds a device cookie for her account, not for the other one.
    assert post_login(own, other.email, STAFF_PASSWORD).status_code == 400
    # Nor does a cookie relabelled for the other account (its signature no longer matches).
    value = own.cookies.get(devices.COOKIE_NAME)
    forged = re.sub(r"^\d+\.", f"{other.id}.", value)
    thief = browser(app, "192.0.2.250")
    thief.cookies.set(devices.COOKIE_NAME, forged, domain="testserver.local", path="/triage")
    assert post_login(thief, other.email, STAFF_PASSWORD).status_code == 400


def test_a_device_that_fails_is_locked_alone(app, colleague):
    user, own = colleague
    for _ in range(5):
        assert post_login(own, user.email, WRONG).status_code == 400
    assert post_login(own, user.email, STAFF_PASSWORD).status_code == 400
    assert events("login.locked")[-1].detail["scope"] == "device"
    elsewhere = browser(app, "192.0.2.99")
    assert post_login(elsewhere, user.email, STAFF_PASSWORD).status_code == 303


def test_wrong_second_factor_codes_lock_the_attacker_not_the_device(app, make_staff,
                                                                    use_settings):
    from triage.accounts import totp

    use_settings(frozen_now=T0)
    user = make_staff(totp=True)
    own = browser(app, "198.51.100.7")

    def second(client: TestClient, code: str) -> int:
        page = client.get("/triage/login/totp")
        return client.post("/triage/login/totp",
                           data={"csrf_token": token(page.text), "code": code}).status_code

    post_login(own, user.email, STAFF_PASSWORD)
    assert second(own, totp.code_at(user.totp_secret, T0)) == 303
    log_out(own)
    attacker = browser(app, "203.0.113.66")  # has the password, not the phone
    post_login(attacker, user.email, STAFF_PASSWORD)
    for _ in range(5):
        assert second(attacker, "000000") == 400
    use_settings(frozen_now=T0 + timedelta(seconds=30))
    post_login(own, user.email, STAFF_PASSWORD)
    assert second(own, totp.code_at(user.totp_secret, T0 + timedelta(seconds=30))) == 303

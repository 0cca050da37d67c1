"""Staff login in real Chromium: password, then a TOTP code; the pages pass axe-core."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
    guard_of,
)
from triage.accounts import totp
from triage.accounts.users import create_user
from yhteys.clock import now
from yhteys.db import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "a long browser test password"


def make_user(**fields):  # noqa: ANN003, ANN201
    with Session(get_engine(), expire_on_commit=False) as db:
        user = create_user(db, password=PASSWORD, display_name="Sanna", **fields)
        db.commit()
        return user


def with_totp(user):  # noqa: ANN001, ANN201
    from triage.accounts.models import StaffUser

    with Session(get_engine(), expire_on_commit=False) as db:
        row = db.get(StaffUser, user.id)
        row.totp_secret, row.totp_enabled = totp.seal_seed(totp.new_secret()), True
        db.add(row)
        db.commit()
        return row


def test_login_with_password_and_totp(new_context, live_settings):
    user = with_totp(make_user(email="sanna@example.org", roles=("supervisor",)))
    context = new_context(locale="en-GB")
    page = context.new_page()
    page.goto("/triage/account")
    assert "/triage/login?next=/triage/account" in page.url
    assert page.locator("h1").inner_text() == "Staff login"
    assert_accessible(page)

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)  # the error state too
    # The refused login answers 400, which Chromium reports on the console: that one is expected.
    errors = guard_of(page).console_errors
    assert errors == ["Failed to load resource: the server responded with a status of 400 "
                      "(Bad Request)"]
    errors.clear()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/triage/login/totp**")
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(
        totp.code_at(user.totp_secret, now()))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/triage/account")
    assert page.locator("h1").inner_text() == "Your account"
    assert_accessible(page)

    [cookie] = [c for c in context.cookies() if c["name"] == "yhteys_staff"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/triage"
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def test_enrolment_page_and_logout_without_javascript(new_context, live_settings):
    user = make_user(email="advisor@example.org", roles=("advisor",))
    context = new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto("/triage/login?next=/triage/account/totp")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/triage/account/totp")
    svg = page.locator("svg.qr")
    assert svg.count() == 1 and svg.get_attribute("style") is None
    box = svg.bounding_box()
    assert box and box["width"] >= 150  # the stylesheet sized it; nothing inline needed
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/triage/login?bye=1")
    assert page.get_by_role("status").inner_text() == "You have logged out."
    page.goto("/triage/account")
    assert "/triage/login" in page.url
    assert_no_third_party_requests(page)


def test_enrolment_page_is_accessible(new_context, live_settings):
    user = make_user(email="lead@example.org", roles=("admin",))
    page = new_context(locale="en-GB").new_page()
    page.goto("/triage/login?next=/triage/account/totp")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/triage/account/totp")
    assert_accessible(page)
    assert_no_console_errors(page)

"""An advisor's day in real Chromium: log in with password and TOTP, claim a new case on the
board, reply; the client opens their status link and reads the reply. Login, board and case pages
pass axe-core (WCAG 2.1 A and AA) and load nothing from another host. The same claim works with
JavaScript off."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import Session

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)
from tests.triage.conftest import make_staff, make_team  # noqa: F401 - the staff fixtures
from triage.casework.models import RoutingRule
from yhteys.db import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

REPLY = "Hei! Soitan sinulle huomenna kello 10. – Advisor"


def submit_case(**answers):  # noqa: ANN003, ANN201
    """A request through intake's own validation and submission service."""
    from intake.service import submit
    from intake.validation import validate

    payload = {
        "kind": "social_services", "language": "fi", "name": "Selam",
        "contact_channel": "none", "contact_address": "",
        "message": "Tarvitsen apua asunnon kanssa.",
        "consents": {"process": True},
        "details": {"topics": ["housing"], "municipality": "Helsinki", "no_place_tonight": True},
    }
    payload.update(answers)
    result = validate(payload)
    assert result.ok, result.errors.messages()
    return submit(result.submission, idempotency_key=secrets.token_urlsafe(24), ui_locale="fi")


@pytest.fixture
def advisor(live_settings, make_team, make_staff):  # noqa: ANN001, ANN201, F811
    from triage import hooks

    hooks.register()
    team = make_team("Social services")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return make_staff(email="aino@example.org", display_name="Aino Advisor", teams=[team],
                      totp=True)


def log_in(page, user, *, audit: bool = True) -> None:  # noqa: ANN001
    from triage.accounts import totp
    from yhteys.clock import now

    page.goto("/triage/login")
    if audit:  # axe runs as JavaScript: not in a context with JavaScript off
        assert_accessible(page)
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url("**/triage/login/totp**")
    if audit:
        assert_accessible(page)
    page.fill("#code", totp.code_at(user.totp_secret, now()))
    page.click("main button[type=submit]")
    page.wait_for_url("**/triage/")


def test_advisor_claims_and_replies_and_the_client_reads_it(new_context, advisor):
    outcome = submit_case()
    reference = outcome.reference
    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(staff, advisor)

    staff.goto("/triage/board")
    card = staff.locator(f"#card-{reference}")
    assert card.locator("xpath=ancestor::section").get_attribute("aria-labelledby") == "col-new"
    assert_accessible(staff)
    card.get_by_role("button", name=f"Claim {reference}").click()
    # htmx swaps the board in place: the card is now in the Assigned column, no page load.
    staff.locator(f"section.column-assigned #card-{reference}").wait_for()
    assert staff.url.endswith("/triage/board")

    staff.click(f"#ref-{reference}")
    staff.wait_for_url(f"**/triage/cases/{reference}")
    assert_accessible(staff)
    staff.fill("#reply", REPLY)
    staff.get_by_role("button", name="Send reply").click()
    staff.wait_for_url(f"**/triage/cases/{reference}?done=reply")
    assert staff.locator(".conversation .from-staff .message-body").inner_text() == REPLY
    assert_accessible(staff)
    assert_no_third_party_requests(staff)
    assert_no_console_errors(staff)

    client = new_context().new_page()
    client.goto(outcome.status_url)
    assert REPLY in client.locator("main").inner_text()
    assert_no_third_party_requests(client)


def test_claim_without_javascript(new_context, advisor):
    outcome = submit_case(name="Ilman skriptiä")
    context = new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, advisor, audit=False)
    page.goto("/triage/board?kind=social_services")
    page.get_by_role("button", name=f"Claim {outcome.reference}").click()
    page.wait_for_url(f"**/triage/board?kind=social_services&done=claim&case={outcome.reference}"
                      f"#card-{outcome.reference}")
    assert page.locator(f"section.column-assigned #card-{outcome.reference}").count() == 1

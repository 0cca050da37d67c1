"""The opening hours in a real browser: the start page follows a clock frozen through
configuration (YHTEYS_NOW), and the hours page passes axe-core and loads nothing from elsewhere."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

TUESDAY_DURING_CHAT = "2026-12-01T13:00:00+02:00"
TUESDAY_AFTER_CHAT = "2026-12-01T15:30:00+02:00"


@pytest.fixture
def demo_hours(settings) -> None:  # noqa: ANN001 - the live server reads the run's database
    from intake.hours.demo import seed

    seed()


def box_text(page) -> str:  # noqa: ANN001
    box = page.locator("section.hours-box")
    assert box.count() == 1
    return box.inner_text()


def test_the_start_page_says_open_now_at_a_frozen_instant(
    start_server, new_context, demo_hours
):
    server = start_server(YHTEYS_NOW=TUESDAY_DURING_CHAT)
    page = new_context(server).new_page()
    page.goto("/en/")
    text = box_text(page)
    assert "Open now, until 15:00" in text
    chat = page.get_by_role("link", name="Open the chat")
    assert chat.get_attribute("href") == "https://chat.example/yhteys"
    phone = page.locator("section.hours-box a[href^='tel:']")
    assert phone.get_attribute("href") == "tel:+358400000000"
    assert_no_third_party_requests(page)


def test_the_start_page_says_closed_and_the_next_opening(start_server, new_context, demo_hours):
    server = start_server(YHTEYS_NOW=TUESDAY_AFTER_CHAT)
    page = new_context(server, java_script_enabled=False).new_page()
    page.goto("/fi/")
    text = box_text(page)
    assert "Suljettu nyt. Seuraavan kerran avoinna torstaina 3. joulukuuta klo 12.00–15.00" in text
    assert page.get_by_role("link", name="Avaa chat").count() == 0
    page.get_by_role("link", name="Kaikki aukioloajat").click()
    page.wait_for_url("**/fi/hours")
    assert page.locator("h1").inner_text() == "Aukioloajat"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_hours_page_is_accessible(start_server, new_context, demo_hours, lang):
    server = start_server(YHTEYS_NOW=TUESDAY_DURING_CHAT)
    page = new_context(server).new_page()
    response = page.goto(f"/{lang}/hours")
    assert response is not None and response.status == 200
    assert "no-cache" in response.headers["cache-control"]
    page.wait_for_load_state("networkidle")
    assert page.locator("section.hours-section").count() == 3
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def test_the_start_page_with_the_box_is_accessible(start_server, new_context, demo_hours):
    server = start_server(YHTEYS_NOW=TUESDAY_DURING_CHAT)
    page = new_context(server).new_page()
    page.goto("/sv/")
    page.wait_for_load_state("networkidle")
    assert "Öppet nu, till kl. 15.00" in box_text(page)
    assert_accessible(page)


@pytest.fixture
def supervisor_cookie(use_settings) -> dict:  # noqa: ANN001
    """A live supervisor session, as a cookie for the browser (the login is tested elsewhere).

    Started at the server's frozen instant, or the server would find it long idle.
    """
    from datetime import datetime

    from sqlmodel import Session

    from triage.accounts import sessions
    from triage.accounts.users import create_user
    from yhteys.db import get_engine

    use_settings(frozen_now=datetime.fromisoformat(TUESDAY_DURING_CHAT))
    with Session(get_engine(), expire_on_commit=False) as db:
        user = create_user(
            db, email="hours.supervisor@example.org", password="correct horse battery staple",
            roles=("supervisor",), display_name="Supervisor",
        )
        db.commit()
        token = sessions.start(db, user, stage=sessions.FULL)
        db.commit()
    return {"name": sessions.COOKIE_NAME, "value": token}


def test_the_supervisors_pages_are_accessible(
    start_server, new_context, demo_hours, supervisor_cookie
):
    server = start_server(YHTEYS_NOW=TUESDAY_DURING_CHAT)
    context = new_context(server, locale="en-GB")
    context.add_cookies([{**supervisor_cookie, "url": server.url + "/triage"}])
    page = context.new_page()
    page.goto("/triage/hours")
    assert page.locator("h1").inner_text() == "Opening hours"
    assert_accessible(page)
    page.goto("/triage/hours/slots/new")
    page.select_option("#f-weekday", "2")
    page.fill("#f-start", "12:00")
    page.fill("#f-end", "14:00")
    page.check("#f-lang-fi")
    page.get_by_role("button", name="Preview the next four weeks").click()
    assert page.locator("tr.is-changed").count() == 4
    assert_accessible(page)
    page.fill("#f-end", "11:00")
    page.get_by_role("button", name="Save the weekly hours").click()
    assert page.locator("#end-error").inner_text() == "The end must be later than the start."
    assert_accessible(page)
    assert_no_third_party_requests(page)

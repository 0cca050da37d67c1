"""The board an advisor works from, on the demo data, in real Chromium at 1366 x 900.

It shows at least thirty cards without scrolling; urgent and overdue are told apart by word and
shape, not colour alone; due times are words ("overdue by 3 days") with the exact time in the
`datetime` attribute and a title. A claim made from the keyboard keeps focus on the card and the
polite live region says what happened; without JavaScript the claim lands on the card with the
words in the page. The board and the case page pass axe-core (WCAG 2.1 A and AA).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

LAPTOP = {"width": 1366, "height": 900}
ADVISOR = "tracing@yhteys.invalid"  # Timo Tracing: his team's new cases wait to be claimed
DUE_WORDS = re.compile(r"^(overdue by|due in) \d+ (minute|hour|day|week|month|year)s?$")

VISIBLE_CARDS = """() => [...document.querySelectorAll('#board .card')].filter((card) => {
  const box = card.getBoundingClientRect();
  return box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth;
}).length"""


@pytest.fixture
def demo(live_settings):  # noqa: ANN001, ANN201
    """The demo teams, staff and cases `make run` shows, in the live server's database."""
    from yhteys.demo import seed_all

    seed_all()


def log_in(page, email: str) -> None:  # noqa: ANN001
    from triage.accounts.demo import demo_password

    page.goto("/triage/login")
    page.fill("#email", email)
    page.fill("#password", demo_password(email))
    page.click("main button[type=submit]")
    page.wait_for_url("**/triage/")


def test_the_board_shows_what_matters_at_a_glance(new_context, demo) -> None:  # noqa: ANN001
    page = new_context(viewport=LAPTOP).new_page()
    log_in(page, ADVISOR)
    page.goto("/triage/board")
    visible = page.evaluate(VISIBLE_CARDS)
    assert visible >= 30, f"only {visible} cards fit on a 1366 x 900 screen"

    due = page.locator("#board .card time[datetime]")
    assert due.count() > 0
    for index in range(min(due.count(), 10)):
        time = due.nth(index)
        assert DUE_WORDS.match(time.evaluate("t => t.firstChild.textContent.trim()"))
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", time.get_attribute("datetime"))
        exact = time.get_attribute("title")
        assert exact and exact in time.inner_text()  # and read out to a screen reader

    # Urgent and overdue: each its own word and shape (a triangle; a dashed clock badge).
    urgent = page.locator("#board .flag-urgent").first
    overdue = page.locator("#board .flag-overdue").first
    assert urgent.inner_text().strip() == "Urgent"
    assert overdue.inner_text().strip().startswith("overdue by")
    assert urgent.evaluate("e => getComputedStyle(e, '::before').clipPath") != "none"
    assert overdue.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    assert overdue.evaluate("e => getComputedStyle(e, '::before').borderRadius") == "50%"
    assert urgent.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    assert_accessible(page)

    page.locator("#board .card-title a").first.click()
    page.wait_for_url("**/triage/cases/*")
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def test_a_claim_by_keyboard_keeps_focus_on_the_card_and_says_so(new_context, demo) -> None:  # noqa: ANN001
    page = new_context(viewport=LAPTOP).new_page()
    log_in(page, ADVISOR)
    page.goto("/triage/board")
    card = page.locator("section.column-new .card").first
    reference = card.get_attribute("id").removeprefix("card-")
    card.get_by_role("button", name=f"Claim {reference}").focus()
    page.keyboard.press("Enter")
    page.locator(f"section.column-assigned #card-{reference}").wait_for()
    page.wait_for_function(
        "text => document.getElementById('board-live').textContent === text",
        arg=f"Case {reference} claimed by you.")
    assert page.evaluate(f"() => !!document.activeElement.closest('#card-{reference}')")
    live = page.locator("#board-live")
    assert live.get_attribute("aria-live") == "polite" and live.get_attribute("role") == "status"
    assert page.url.endswith("/triage/board")  # swapped in place, no page load

    # Moving it on: the keyboard stays on the card's Move control.
    moved = page.locator(f"#card-{reference}")
    moved.locator("summary").focus()
    page.keyboard.press("Enter")
    moved.locator("select").select_option("in_progress")
    moved.locator("form button").focus()
    page.keyboard.press("Enter")
    page.locator(f"section.column-in_progress #card-{reference}").wait_for()
    page.wait_for_function(
        "text => document.getElementById('board-live').textContent === text",
        arg=f"Case {reference} moved to In progress.")
    assert page.evaluate(
        f"() => document.activeElement.matches('#card-{reference} summary')")
    assert_accessible(page)
    assert_no_console_errors(page)


def test_without_javascript_a_claim_lands_on_the_card(new_context, demo) -> None:  # noqa: ANN001
    page = new_context(viewport=LAPTOP, java_script_enabled=False).new_page()
    log_in(page, ADVISOR)
    page.goto("/triage/board")
    card = page.locator("section.column-new .card").first
    reference = card.get_attribute("id").removeprefix("card-")
    card.get_by_role("button", name=f"Claim {reference}").click()
    page.wait_for_url(f"**/triage/board?done=claim&case={reference}#card-{reference}")
    landed = page.locator(f"section.column-assigned #card-{reference}")
    assert f"Case {reference} claimed by you." in landed.inner_text()
    assert page.locator("#board-notice").inner_text() == f"Case {reference} claimed by you."
    assert landed.is_visible() and landed.evaluate(
        "e => e.getBoundingClientRect().top >= 0 && e.getBoundingClientRect().top < innerHeight")

"""The start page in a real browser: every language, accessible, nothing from other hosts, and
usable without JavaScript. Also proves the harness itself can fail."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
    axe_violations,
    format_violations,
    guard_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

LANGUAGES = {"fi": "suomi", "sv": "svenska", "en": "English"}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_start_page_loads_accessible_and_self_contained(page, lang):
    response = page.goto(f"/{lang}/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.title()
    assert page.locator("h1").first.is_visible()
    assert page.locator("main#main").count() == 1
    # The stylesheet really applied (a page whose CSS the CSP refused would still "load").
    header_colour = page.evaluate("getComputedStyle(document.querySelector('header.site'))"
                                  ".backgroundColor")
    assert header_colour == "rgb(200, 16, 46)"
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def test_start_page_works_without_javascript(new_context):
    context = new_context(java_script_enabled=False, locale="sv-FI")
    page = context.new_page()
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert page.url.endswith("/sv/")  # the root redirect follows the browser's language
    assert page.locator("html").get_attribute("lang") == "sv"
    page.locator("details.langs summary").click()  # opens without JavaScript
    page.get_by_role("link", name="suomi").click()
    page.wait_for_url("**/fi/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.locator("h1").first.is_visible()
    assert_no_third_party_requests(page)


def test_no_javascript_page_fixture_has_javascript_off(page_without_js, page):
    script = "<p id=p>off</p><script>document.getElementById('p').textContent = 'on'</script>"
    for each in (page, page_without_js):
        each.goto("about:blank")  # no CSP here: only the context's setting decides
        each.set_content(script)
    assert page.inner_text("#p") == "on"
    assert page_without_js.inner_text("#p") == "off"


def test_live_settings_point_here_at_the_server(live_settings, live_server, session, page):
    assert live_settings.base_url == live_server.url
    assert page.goto("/fi/").url.startswith(live_settings.base_url)


def test_language_switcher_marks_the_current_language(page):
    page.goto("/en/")
    page.locator("details.langs summary").click()  # the list opens without JavaScript too
    current = page.locator(".langs nav a[aria-current]")
    assert current.count() == 1
    assert current.inner_text() == "English"
    assert current.get_attribute("hreflang") == "en"


def test_the_skip_link_moves_focus_to_the_content(page):
    page.goto("/fi/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


# --- The harness can fail ------------------------------------------------------------------------


def test_the_guard_blocks_and_reports_other_hosts(page):
    page.goto("/en/")
    page.evaluate(
        """() => new Promise((resolve) => {
             const img = new Image();
             img.onload = img.onerror = () => resolve();
             img.src = 'http://cdn.example.invalid/tracker.png';
           })"""
    )
    assert guard_of(page).blocked == ["http://cdn.example.invalid/tracker.png"]
    with pytest.raises(AssertionError, match="cdn.example.invalid"):
        assert_no_third_party_requests(page)


def test_the_guard_blocks_other_ports_of_the_same_host(page, live_server):
    """Below the CSP: even a navigation, which no page policy governs, stops at the guard."""
    from playwright.sync_api import Error as PlaywrightError

    other = f"http://127.0.0.1:{live_server.port + 1}/"
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto(other)
    assert other in guard_of(page).blocked


def test_axe_finds_a_real_violation(page):
    page.goto("/en/")
    # A nameless image and a nameless button, added as a careless template would.
    page.evaluate(
        """() => {
             const img = document.createElement('img');
             img.src = '/static/none.png';
             const button = document.createElement('button');
             document.querySelector('main').append(img, button);
           }"""
    )
    violations = axe_violations(page)
    assert {"image-alt", "button-name"} <= {v["id"] for v in violations}
    message = format_violations(violations)
    assert "[critical] image-alt" in message
    assert "img" in message and "button" in message


def test_console_errors_catch_a_csp_refusal(page):
    page.goto("/en/")
    # An inline style attribute, as a template might add: the app's CSP refuses it.
    page.evaluate(
        """() => { const s = document.createElement('style');
                   s.textContent = 'body{color:red}'; document.head.append(s); }"""
    )
    page.wait_for_timeout(200)  # the console event is asynchronous
    with pytest.raises(AssertionError, match="Content Security Policy"):
        assert_no_console_errors(page)


def test_screenshot_helper_saves_a_png(page, screenshot, tmp_path):
    page.goto("/fi/")
    path = screenshot(page, "start fi")
    assert path.parent == tmp_path / "screenshots"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_server_of_its_own_with_a_frozen_clock(start_server, live_server, new_context):
    frozen = start_server(YHTEYS_NOW="2026-03-02T10:00:00+02:00")
    assert frozen.url != live_server.url
    assert frozen.env["YHTEYS_NOW"] == "2026-03-02T10:00:00+02:00"
    assert start_server(YHTEYS_NOW="2026-03-02T10:00:00+02:00") is frozen  # shared, not restarted
    page = new_context(frozen).new_page()
    assert page.goto("/fi/").status == 200
    assert_no_third_party_requests(page)

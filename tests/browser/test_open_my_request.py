"""The way back to a request in real Chromium: the confirmation page's "Copy the link" (an
external script; without JavaScript the link is there to select) and "Open my request", both
accessible and loading nothing from another host."""

from __future__ import annotations

import pytest

from tests.browser.helpers import assert_accessible, assert_no_third_party_requests, guard_of
from yhteys.i18n import translate, use_locale

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def english(message: str) -> str:
    with use_locale("en"):
        return translate("intake", message)


def _send_request(page) -> None:  # noqa: ANN001
    page.goto("/en/request/other")
    page.fill("#f-name", "Amal")
    page.fill("#f-message", "I need advice.")
    page.check("#f-contact_channel")  # email
    page.fill("#f-contact_address_email", "amal@example.org")
    page.check("#f-no_links")
    page.fill("#f-pin", "402913")
    page.check("#f-consents-process")
    page.get_by_role("button", name=english("Send request"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def test_the_link_is_copied_with_one_press(page, live_settings):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=live_settings.base_url)
    _send_request(page)
    link = page.locator(".secret-link").inner_text().strip()
    button = page.get_by_role("button", name="Copy the link")
    assert button.is_visible()
    button.click()
    page.wait_for_selector("text=The link was copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert guard_of(page).console_errors == []

    page.goto("/en/open")
    assert_accessible(page)
    assert_no_third_party_requests(page)


def test_without_javascript_the_link_is_there_to_select(page_without_js, live_settings):
    _send_request(page_without_js)
    assert page_without_js.locator(".secret-link").is_visible()
    assert not page_without_js.get_by_role("button", name="Copy the link").is_visible()
    assert page_without_js.get_by_role("button", name="Send a link to me now").is_visible()

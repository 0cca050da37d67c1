"""A reception centre where a hundred people share one address must not be locked out, while one
browser, or a bot that throws its cookies away, is still held back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.intake.conftest import NOW, Browser, all_cases, form_data, hidden, status_link
from yhteys import ratelimit


@pytest.fixture(autouse=True)
def _fresh_limiters(use_settings) -> Iterator[None]:  # noqa: ANN001
    use_settings(frozen_now=NOW)  # the forms check dates against today
    ratelimit._limiter_for.cache_clear()
    yield
    ratelimit._limiter_for.cache_clear()


def _new_browser(client) -> Browser:  # noqa: ANN001
    """Another person on the same Wi-Fi: the same address, a cookie jar of their own."""
    client.cookies.clear()
    return Browser(client)


def test_sixty_people_behind_one_address_all_get_through(client, settings):
    assert settings.rate_limit_submissions == 10  # the defaults
    statuses = []
    for n in range(60):
        browser = _new_browser(client)
        statuses.append(browser.send("other", form_data("other", message=f"Q {n}")).status_code)
    assert statuses == [200] * 60
    assert len(all_cases(settings)) == 60


def test_one_browser_is_stopped_after_its_limit(client, settings):
    browser = _new_browser(client)
    statuses = [
        browser.send("other", form_data("other", message=f"Q {n}")).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    # Someone else at the same address is not held back by that browser.
    assert _new_browser(client).send("other", form_data("other")).status_code == 200
    assert len(all_cases(settings)) == 11


def test_a_client_that_throws_its_cookies_away_is_stopped_at_the_address_limit(
    client, use_settings, settings
):
    use_settings(frozen_now=NOW, rate_limit_submissions_per_address=25)
    statuses = [
        _new_browser(client).send("other", form_data("other", message=f"Q {n}")).status_code
        for n in range(27)
    ]
    assert statuses == [200] * 25 + [429, 429]
    assert len(all_cases(settings)) == 25


def test_replies_from_a_shared_address_are_counted_per_browser(client, use_settings, settings):
    use_settings(frozen_now=NOW, rate_limit_submissions=1)  # three replies per browser
    first = _new_browser(client).send("other", form_data("other"))
    path = status_link(first.text).replace("http://testserver", "")

    def reply(text: str) -> int:
        page = client.get(path).text
        return client.post(path, data={"csrf_token": hidden(page, "csrf_token"),
                                       "body": text}).status_code

    # Four people at one address each answer their advisor: nobody is turned away ...
    for n in range(4):
        _new_browser(client)
        assert reply(f"Answer {n}") == 303
    # ... but one browser gets three replies an hour.
    _new_browser(client)
    assert [reply(f"More {n}") for n in range(4)] == [303, 303, 303, 429]

"""Over the rate limit, the form says how long to wait, in the person's language."""

from __future__ import annotations

import math
import re

import pytest

from intake.views import _rate_limited
from tests.intake.conftest import form_data, hidden, status_link
from yhteys import ratelimit

WAIT = {
    "en": ("Please wait about {n} minute, then send again.",
           "Please wait about {n} minutes, then send again."),
    "fi": ("Odota noin {n} minuutti ja lähetä sitten uudelleen.",
           "Odota noin {n} minuuttia ja lähetä sitten uudelleen."),
    "sv": ("Vänta cirka {n} minut och skicka sedan igen.",
           "Vänta cirka {n} minuter och skicka sedan igen."),
}


def _limited(browser, locale: str):  # noqa: ANN001, ANN202
    for n in range(2):
        ok = browser.send("other", form_data("other", message=f"Question {n}"), locale=locale)
        assert ok.status_code == 200
    limited = browser.send("other", form_data("other", message="Question 3"), locale=locale)
    assert limited.status_code == 429
    return limited


@pytest.mark.parametrize("locale", ["en", "fi", "sv"])
def test_the_wait_is_said_in_minutes_rounded_up(browser, use_settings, locale):
    use_settings(rate_limit_submissions=2, rate_limit_window=3600)
    limited = _limited(browser, locale)
    minutes = math.ceil(int(limited.headers["retry-after"]) / 60)
    assert minutes > 1  # a window of an hour: most of it is still to wait
    assert WAIT[locale][1].format(n=minutes) in limited.text
    assert "wait a while" not in limited.text and "Odota hetki" not in limited.text


def _rendered(retry_after: int) -> str:
    def again(**kwargs):  # noqa: ANN003, ANN202
        return kwargs["notice"]

    return _rate_limited(again, ratelimit.Decision(False, retry_after))


def test_minutes_are_rounded_up():
    assert _rendered(1).minutes == 1
    assert _rendered(60).minutes == 1
    assert _rendered(61).minutes == 2
    assert _rendered(2999).minutes == 50
    assert _rendered(2999) == "rate_limited"


def test_one_minute_is_singular(use_settings, browser):  # noqa: ANN001
    # Over a limit of 2, the wait is what is left of the window plus half a window: at most 60 s.
    use_settings(rate_limit_submissions=2, rate_limit_window=40)
    limited = _limited(browser, "fi")
    assert WAIT["fi"][0].format(n=1) in limited.text


def test_a_long_wait_is_said_in_hours(use_settings, browser):  # noqa: ANN001
    use_settings(rate_limit_submissions=2, rate_limit_window=86400)
    limited = _limited(browser, "en")
    hours = math.ceil(int(limited.headers["retry-after"]) / 3600)
    assert re.search(rf"Please wait about {hours} hours?, then send again\.", limited.text)


def test_a_reply_on_the_status_page_over_the_limit_says_the_wait(browser, client, use_settings):  # noqa: ANN001
    use_settings(rate_limit_submissions=1, rate_limit_window=3600)
    path = status_link(browser.send("other", form_data("other"), locale="sv").text)
    for n in range(4):
        page = client.get(path).text
        data = {"csrf_token": hidden(page, "csrf_token"), "body": f"Message {n}"}
        response = client.post(path, data=data)
        if response.status_code == 429:
            break
        assert response.status_code == 303
    assert response.status_code == 429
    minutes = math.ceil(int(response.headers["retry-after"]) / 60)
    assert WAIT["sv"][minutes > 1].format(n=minutes) in response.text
    assert "Message 3</textarea>" in response.text

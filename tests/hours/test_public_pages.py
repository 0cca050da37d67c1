"""The box on the start page and the hours page, with the clock frozen through settings."""

from __future__ import annotations

import re
from datetime import datetime

from tests.hours.conftest import CHAT_LANGS, THU, TUE


def frozen(use_settings, moment: str) -> None:  # noqa: ANN001
    use_settings(frozen_now=datetime.fromisoformat(moment))


def box_of(html: str) -> str:
    match = re.search(r'<section class="hours-box".*?</section>', html, re.S)
    assert match, "the page has no opening-hours box"
    return match.group(0)


def test_the_start_page_says_open_now_until(client, use_settings, demo_hours):
    frozen(use_settings, "2026-12-01T13:00:00+02:00")  # Tuesday, during the chat hours
    response = client.get("/en/")
    assert response.status_code == 200
    box = box_of(response.text)
    assert "Open now, until 15:00" in box
    assert 'href="https://chat.example/yhteys"' in box  # the way in while it is open
    assert 'href="tel:+358400000000"' in box
    assert 'href="https://wa.me/358400000001"' in box
    assert "demo, not in use" in box
    # A page with an "open now" on it is never served from a cache without asking again.
    assert "no-cache" in response.headers["cache-control"]


def test_the_start_page_says_closed_and_when_it_opens(client, use_settings, demo_hours):
    frozen(use_settings, "2026-12-01T15:00:00+02:00")  # Tuesday, the chat has just closed
    box = box_of(client.get("/en/").text)
    assert "Open now" not in box.split("Phone")[0]
    assert "Closed now. Next open Thursday 3 December 12:00–15:00" in box
    assert "https://chat.example/yhteys" not in box  # no door to a closed chat
    assert 'href="/en/request/other"' in box  # the contact form is the way in


def test_the_box_follows_the_frozen_clock_on_every_request(client, use_settings, demo_hours):
    frozen(use_settings, "2026-12-03T12:30:00+02:00")
    assert "Avoinna nyt, klo 15.00 asti" in box_of(client.get("/fi/").text)
    frozen(use_settings, "2026-12-03T15:30:00+02:00")
    after = box_of(client.get("/fi/").text)
    assert "Suljettu nyt. Seuraavan kerran avoinna tiistaina 8. joulukuuta klo 12.00–15.00" in after


def test_everything_closed_at_night(client, use_settings, demo_hours):
    frozen(use_settings, "2026-12-05T23:00:00+02:00")  # Saturday night
    box = box_of(client.get("/sv/").text)
    assert "Öppet nu" not in box
    assert "Vi har stängt nu." in box
    assert "Stängt nu. Nästa gång öppet tisdag 8 december kl. 12.00–15.00" in box


def test_the_line_above_a_form(client, use_settings, demo_hours):
    # On a form page the hours take one line, so the first question fits on a phone's screen.
    frozen(use_settings, "2026-12-01T13:00:00+02:00")
    response = client.get("/en/request/other")
    assert response.status_code == 200
    line = re.search(r'<p class="hours-line-compact is-open">(.*?)</p>', response.text, re.S)
    assert line and "Open now, until 15:00" in line.group(1)
    assert 'href="/en/hours"' in line.group(1)
    assert '<section class="hours-box"' not in response.text


def test_the_box_without_readable_hours_does_not_guess(settings, use_settings, tmp_path):
    from intake.hours.box import chat_hours_box
    from yhteys.i18n import use_locale

    use_settings(database_url=f"sqlite:///{tmp_path}")  # a folder: the database cannot open
    with use_locale("en"):
        box = chat_hours_box()
    assert not box.available and box.lines == []
    assert box.form_url == "/en/request/other"


def test_the_hours_page_lists_the_coming_four_weeks(client, use_settings, add_slot):
    add_slot("chat", TUE, "12:00", "15:00", CHAT_LANGS)
    add_slot("chat", THU, "12:00", "15:00", CHAT_LANGS)
    frozen(use_settings, "2026-12-01T16:00:00+02:00")
    response = client.get("/en/hours")
    assert response.status_code == 200
    assert "no-cache" in response.headers["cache-control"]
    html = response.text
    chat = html.split('id="hours-chat"')[1].split("</section>")[0]
    assert "Closed now. Next open Thursday 3 December 12:00–15:00" in chat
    days = re.findall(r"<li><strong>([^<]+)</strong>", chat)
    assert days == [
        "Thursday 3 December", "Tuesday 8 December", "Thursday 10 December",
        "Tuesday 15 December", "Thursday 17 December", "Tuesday 22 December",
        "Thursday 24 December",  # 28 days from Tuesday 1 December: up to Monday 28 December
    ]
    assert "Closed: Christmas Eve" in chat
    assert '<span lang="so" dir="auto">Soomaali</span>' in chat
    assert 'href="/en/hours/chat.ics"' in chat
    assert 'href="/en/hours.ics"' in html


def test_the_hours_page_names_holidays_in_the_readers_language(client, use_settings, add_slot):
    add_slot("chat", THU, "12:00", "15:00")
    frozen(use_settings, "2026-12-20T10:00:00+02:00")
    assert "Suljettu: Jouluaatto" in client.get("/fi/hours").text
    assert "Stängt: Julafton" in client.get("/sv/hours").text


def test_the_pages_load_nothing_from_another_host(client, use_settings, demo_hours):
    frozen(use_settings, "2026-12-01T13:00:00+02:00")
    for path in ("/en/", "/en/hours"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//[^"]*"[^>]*rel="stylesheet"', html)
        assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', html)

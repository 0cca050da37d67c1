"""Public pages rendered once, with a fresh CSRF token, key and hours box in every response."""

from __future__ import annotations

import re

from intake import questions
from yhteys import pagecache

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _without_holes(html: str) -> str:
    return KEY.sub("KEY", TOKEN.sub("TOKEN", html))


def test_every_empty_form_has_its_own_token_and_key_and_is_otherwise_the_same(client):
    first = client.get("/fi/request/tracing")
    second = client.get("/fi/request/tracing")
    assert first.status_code == second.status_code == 200
    assert TOKEN.search(first.text)[1] != TOKEN.search(second.text)[1]
    assert KEY.search(first.text)[1] != KEY.search(second.text)[1]
    assert _without_holes(first.text) == _without_holes(second.text)
    pagecache.invalidate()  # rendered afresh: the very same page
    assert _without_holes(client.get("/fi/request/tracing").text) == _without_holes(first.text)
    assert "yhteyshole" not in first.text


def test_a_cached_form_still_sets_the_cookie_its_token_is_signed_for(app):
    from starlette.testclient import TestClient

    for _ in range(2):  # a new browser each time; the second gets the page from the cache
        with TestClient(app, base_url="http://127.0.0.1") as browser:
            page = browser.get("/en/request/other")
            assert "yhteys_csrf=" in page.headers["set-cookie"]
            token = TOKEN.search(page.text)[1]
            sent = browser.post("/en/request/other", data={"csrf_token": token},
                                headers={"origin": "http://127.0.0.1"})
            assert sent.status_code != 403  # refused for what is missing, not for the token


def test_each_language_has_its_own_page(client):
    assert '<html lang="sv"' in client.get("/sv/request/tracing").text
    assert '<html lang="fi"' in client.get("/fi/request/tracing").text


def test_a_change_of_the_questions_shows_on_the_next_form(client, monkeypatch):
    before = client.get("/en/request/tracing").text
    monkeypatch.setattr(questions, "form", lambda kind: [])
    assert _without_holes(client.get("/en/request/tracing").text) == _without_holes(before)
    questions.changed()
    after = client.get("/en/request/tracing").text
    assert _without_holes(after) != _without_holes(before)
    monkeypatch.undo()
    questions.changed()


def test_the_gzipped_form_is_the_same_page(client):
    plain = client.get("/fi/request/tracing", headers={"accept-encoding": "identity"})
    zipped = client.get("/fi/request/tracing", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    # Decoded (and its CRC and length checked) by the client: the same page, its own token.
    assert _without_holes(zipped.text) == _without_holes(plain.text)
    assert TOKEN.search(zipped.text)[1] != TOKEN.search(plain.text)[1]

"""The CSRF cookie is a session cookie: it leaves the phone when the browser closes."""

from __future__ import annotations

from http.cookies import SimpleCookie

from yhteys import csrf


def _set_cookie(response) -> str:  # noqa: ANN001
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    mine = [h for h in headers if h.startswith(csrf.COOKIE_NAME + "=")]
    assert len(mine) == 1, headers
    return mine[0]


def test_the_csrf_cookie_has_no_lifetime_of_its_own(client):
    header = _set_cookie(client.get("/en/request/other"))
    morsel = SimpleCookie(header)[csrf.COOKIE_NAME]
    lowered = header.lower()
    assert "max-age" not in lowered and "expires" not in lowered, header
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert len(morsel.value) == 43


def test_a_browser_that_has_the_cookie_is_not_sent_it_again(client):
    client.get("/en/request/other")
    again = client.get("/en/request/other")
    assert not [v for k, v in again.headers.multi_items() if k == "set-cookie"
                and v.startswith(csrf.COOKIE_NAME + "=")]

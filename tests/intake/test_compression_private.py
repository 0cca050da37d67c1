"""What carries a secret or what a person typed goes uncompressed; CSRF tokens are masked."""

from __future__ import annotations

import time

from tests.intake.conftest import SLUGS, form_data, hidden, status_link
from tests.yhteys.test_compression import GZIP, fetch
from yhteys import csrf


def test_masked_tokens_are_accepted_and_a_changed_nonce_is_not(browser, client, settings):  # noqa: ANN001
    page = browser.open("other").text
    token = hidden(page, "csrf_token")
    issued, nonce, signature = token.split(".")
    other = "A" * len(nonce) if nonce != "A" * len(nonce) else "B" * len(nonce)
    for bad in [f"{issued}.{other}.{signature}", f"{issued}.{signature}", f"{issued}.{nonce}.é",
                f"{issued}.x.{nonce}.{signature}"]:
        refused = browser.send("other", form_data("other"), csrf_token=bad, page=page)
        assert refused.status_code == 403, bad
    assert browser.send("other", form_data("other"), page=page).status_code == 200


def test_a_form_opened_before_the_deploy_is_still_accepted(browser, client, settings):  # noqa: ANN001
    page = browser.open("other").text
    issued = int(time.time())
    old = f"{issued}.{csrf._sign(client.cookies[csrf.COOKIE_NAME], issued)}"
    response = browser.send("other", form_data("other"), csrf_token=old, page=page)
    assert response.status_code == 200
    assert "Your request has been sent" in response.text


def test_the_confirmation_and_status_pages_go_uncompressed(browser, client):  # noqa: ANN001
    page = browser.open("other").text
    body = {"csrf_token": hidden(page, "csrf_token"),
            "idempotency_key": hidden(page, "idempotency_key"), **form_data("other")}
    confirmation, sent = fetch(client, "POST", f"/en/request/{SLUGS['other']}", GZIP, data=body)
    assert confirmation.status_code == 200
    assert "content-encoding" not in confirmation.headers
    link = status_link(sent.decode())
    status, sent = fetch(client, "GET", link, GZIP)
    assert status.status_code == 200
    assert "content-encoding" not in status.headers
    assert link.rsplit("/", 1)[1] in sent.decode()  # the secret is in its form actions


def test_a_form_shown_again_with_what_was_typed_goes_uncompressed(browser, client):  # noqa: ANN001
    body = {"idempotency_key": "x", **form_data("other")}  # no token: shown again, 403
    response, sent = fetch(client, "POST", f"/en/request/{SLUGS['other']}", GZIP, data=body)
    assert response.status_code == 403
    assert "Amal" in sent.decode()
    assert "content-encoding" not in response.headers


def test_the_empty_form_travels_compressed_and_keeps_no_store(client):  # noqa: ANN001
    response, sent = fetch(client, "GET", f"/fi/request/{SLUGS['tracing']}", GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-store"  # Back restores nothing typed
    assert "x-yhteys-no-secret" not in response.headers  # the mark stays inside
    assert len(sent) < 20 * 1024  # a form in a few kilobytes on a slow phone

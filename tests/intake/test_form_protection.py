"""CSRF, the honeypot and the rate limit: each refuses kindly and keeps what the person wrote."""

from __future__ import annotations

from sqlmodel import Session, select

from notify.models import Notification
from tests.intake.conftest import SLUGS, all_cases, form_data, hidden
from yhteys.db import engine_for


def _post(client, kind, body, locale="en"):  # noqa: ANN001, ANN202
    return client.post(f"/{locale}/request/{SLUGS[kind]}", data=body)


def test_missing_csrf_token_asks_to_send_again_with_input_kept(browser, client, settings):
    page = browser.open("other").text
    body = {"idempotency_key": hidden(page, "idempotency_key"), **form_data("other")}
    response = _post(client, "other", body)
    assert response.status_code == 403
    assert "Please send the form again" in response.text
    assert 'value="Amal"' in response.text
    assert "I need advice, please.\nThank you.</textarea>" in response.text
    assert all_cases(settings) == []
    # The page carries a fresh token: sending it again works.
    again = browser.send("other", form_data("other"), page=response.text)
    assert again.status_code == 200
    assert len(all_cases(settings)) == 1


def test_stale_csrf_token_asks_to_send_again(browser, client, settings):
    page = browser.open("tracing").text
    token = hidden(page, "csrf_token")
    issued, _, signature = token.partition(".")
    body = {
        "csrf_token": f"{int(issued) - 7 * 3600}.{signature}",
        "idempotency_key": hidden(page, "idempotency_key"),
        **form_data("tracing"),
    }
    response = _post(client, "tracing", body)
    assert response.status_code == 403
    assert "Please send the form again" in response.text
    assert 'value="Karim Haddad"' in response.text
    assert all_cases(settings) == []


def test_a_form_from_before_the_cookie_changed_asks_to_send_again(browser, client, settings):
    page = browser.open("other").text
    client.cookies.clear()
    client.get("/en/request/other")  # a new cookie, as after clearing the browser's cookies
    response = browser.send("other", form_data("other"), page=page)
    assert response.status_code == 403
    assert "Please send the form again" in response.text
    assert all_cases(settings) == []


def test_a_post_from_another_site_is_refused(browser, settings):
    page = browser.open("other").text
    browser.client.headers["origin"] = "https://evil.example"
    try:
        response = browser.send("other", form_data("other"), page=page)
    finally:
        del browser.client.headers["origin"]
    assert response.status_code == 403
    assert all_cases(settings) == []


def test_csrf_refusal_asks_for_files_again(browser, client):
    page = browser.open("other").text
    body = {"idempotency_key": hidden(page, "idempotency_key"), **form_data("other")}
    files = {"files": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    response = client.post("/en/request/other", data=body, files=files)
    assert response.status_code == 403
    assert "Please attach your files again" in response.text


def test_a_filled_honeypot_pretends_success_and_saves_nothing(browser, settings):
    response = browser.send("other", form_data("other"), leave_empty="http://spam.example")
    assert response.status_code == 200
    assert "Your request has been sent" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert all_cases(settings) == []
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(Notification)).all() == []


def test_honeypot_is_hidden_and_labelled(browser):
    page = browser.open("other").text
    block = page.split('<div class="hp"', 1)[1].split("</div>", 1)[0]
    assert "Leave this field empty" in block
    assert 'name="leave_empty"' in block and 'tabindex="-1"' in block


def test_rate_limit_shows_a_friendly_page_and_keeps_the_input(browser, use_settings, settings):
    use_settings(rate_limit_submissions=2)
    for n in range(2):
        ok = browser.send("other", form_data("other", message=f"Question {n}"))
        assert ok.status_code == 200
    limited = browser.send("other", form_data("other", message="Question 3"))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many requests" in limited.text
    assert "Question 3</textarea>" in limited.text
    assert len(all_cases(settings)) == 2


def test_a_resend_is_not_counted_against_the_limit(browser, use_settings, settings):
    use_settings(rate_limit_submissions=1)
    page = browser.open("other").text
    first = browser.send("other", form_data("other"), page=page)
    again = browser.send("other", form_data("other"), page=page)
    assert first.status_code == again.status_code == 200
    assert len(all_cases(settings)) == 1


def test_too_many_files_is_a_friendly_page(browser):
    pdf = ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    files = [("files", pdf)] * 7
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 400
    assert "could not be read" in response.text

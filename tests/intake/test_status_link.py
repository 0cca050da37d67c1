"""The status link is a credential that can end: by the client, after long disuse, and (in
tests/triage/test_status_link_staff.py) by staff. The page shows the contact address masked."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.intake.conftest import NOW, form_data, hidden, status_link
from yhteys.settings import set_settings


def _new_case(browser, **changes):  # noqa: ANN001, ANN003, ANN202
    response = browser.send("other", form_data("other", **changes))
    assert response.status_code == 200, response.text[:500]
    return status_link(response.text).replace("http://testserver", "")


def test_the_page_shows_the_contact_address_masked(browser, client):
    path = _new_case(browser, contact_channel="email", contact_address_email="amal.h@example.org")
    page = client.get(path).text
    assert "amal.h@example.org" not in page
    assert "a•••@e•••.org" in page


def test_the_client_ends_her_link_and_it_opens_nothing_any_more(browser, client):
    path = _new_case(browser, message="marker-ended-3c1f")
    page = client.get(path)
    ended = client.post(f"{path}/end", data={"csrf_token": hidden(page.text, "csrf_token")})
    assert ended.status_code == 200
    assert "Your link has been ended" in ended.text
    for response in (client.get(path), client.post(path, data={
            "csrf_token": hidden(page.text, "csrf_token"), "body": "still here?"})):
        assert response.status_code == 410
        assert "This link no longer works" in response.text
        assert "marker-ended-3c1f" not in response.text
        assert response.headers["cache-control"] == "no-store"


def test_ending_needs_the_form_token(browser, client):
    path = _new_case(browser)
    assert client.post(f"{path}/end", data={}).status_code == 403
    assert client.get(path).status_code == 200


def test_a_resent_form_does_not_show_an_ended_link_again(browser, client):
    page = browser.open("other").text
    first = browser.send("other", form_data("other"), page=page)
    path = status_link(first.text).replace("http://testserver", "")
    status = client.get(path)
    client.post(f"{path}/end", data={"csrf_token": hidden(status.text, "csrf_token")})
    again = browser.send("other", form_data("other"), page=page)  # the same idempotency key
    assert again.status_code == 200
    assert path not in again.text
    assert "was ended" in again.text


def test_a_link_unused_for_the_idle_period_stops_working(browser, client, settings):
    path = _new_case(browser)
    set_settings(replace(settings, status_link_idle_days=30,
                         frozen_now=NOW + timedelta(days=29)))
    assert client.get(path).status_code == 200  # used on day 29: the period starts again
    set_settings(replace(settings, status_link_idle_days=30,
                         frozen_now=NOW + timedelta(days=58)))
    assert client.get(path).status_code == 200
    set_settings(replace(settings, status_link_idle_days=30,
                         frozen_now=NOW + timedelta(days=89)))
    response = client.get(path)
    assert response.status_code == 410
    assert "not used for a long time" in response.text


def test_a_guessed_link_is_still_a_plain_404(client):
    assert client.get("/fi/status/" + "A" * 43).status_code == 404


def test_whatsapp_clients_see_the_code_that_connects_their_number(browser, client):
    response = browser.send("other", form_data(
        "other", contact_channel="whatsapp", contact_address_phone="+358 40 123 4567"))
    assert "YH-" in response.text  # on the confirmation page
    path = status_link(response.text).replace("http://testserver", "")
    page = client.get(path).text
    code = page.split('<p class="reference" dir="ltr">YH-', 1)[1].split("<", 1)[0]
    assert f"YH-{code}" in response.text  # the same code on both pages
    assert "+358 ••• ••• •67" in page and "123 4567" not in page


def test_guessing_status_links_is_slowed_and_logged_without_the_address(
    browser, client, caplog
):
    path = _new_case(browser)
    answers = [client.get("/fi/status/" + f"{n:043d}").status_code for n in range(40)]
    assert answers[:30] == [404] * 30 and set(answers[30:]) == {429}
    assert any("status-link guessing" in r.getMessage() for r in caplog.records)
    assert not any("testclient" in r.getMessage() for r in caplog.records)
    assert client.get(path).status_code == 200  # her own link still opens

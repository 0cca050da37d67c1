"""The confirmation page is built once per language and shape (yhteys.pagecache) and filled with
what is hers: each person sees her own reference, link, WhatsApp number and code, never the
previous sender's, and the page still travels uncompressed and unstored."""

from __future__ import annotations

from intake.masking import mask_address
from intake.references import whatsapp_code
from tests.intake.conftest import form_data, hidden, reference_on, status_link


def _send(browser, **changes):  # noqa: ANN001, ANN003, ANN202
    response = browser.send("other", form_data("other", **changes))
    assert response.status_code == 200, response.text[:500]
    return response


def test_each_sender_sees_only_her_own_reference_link_and_number(browser):
    first = _send(browser, contact_channel="whatsapp", contact_address_phone="040 111 2233")
    second = _send(browser, contact_channel="whatsapp", contact_address_phone="050 987 6655")
    pages = [first.text, second.text]
    references = [reference_on(page) for page in pages]
    links = [status_link(page) for page in pages]
    assert references[0] != references[1] and links[0] != links[1]
    for mine, theirs, number, other_number in (
            (0, 1, "+358401112233", "+358509876655"), (1, 0, "+358509876655", "+358401112233")):
        page = pages[mine]
        code = whatsapp_code(links[mine].rsplit("/", 1)[1])
        assert code in page
        assert mask_address("whatsapp", number) in page
        assert mask_address("whatsapp", other_number) not in page
        assert references[theirs] not in page
        assert links[theirs] not in page
        assert whatsapp_code(links[theirs].rsplit("/", 1)[1]) not in page
        assert hidden(page, "status") == links[mine].rsplit("/", 1)[1]


def test_the_page_without_whatsapp_has_no_whatsapp_part(browser):
    after_whatsapp = _send(browser, contact_channel="whatsapp",
                           contact_address_phone="040 111 2233")
    email = _send(browser, contact_channel="email", contact_address_email="amal@example.org")
    assert 'id="whatsapp-heading"' in after_whatsapp.text
    assert 'id="whatsapp-heading"' not in email.text
    assert "We will contact you this way: Email." in email.text


def test_the_confirmation_is_never_compressed_or_stored(browser, client):
    form = browser.open("other").text
    response = client.post("/en/request/other", headers={"accept-encoding": "gzip"}, data={
        "csrf_token": hidden(form, "csrf_token"),
        "idempotency_key": hidden(form, "idempotency_key"), **form_data("other")})
    assert response.status_code == 200
    assert status_link(response.text)
    assert response.headers["cache-control"] == "no-store"
    assert "content-encoding" not in response.headers


def test_the_send_me_a_link_form_carries_a_working_token(browser, client):
    page = _send(browser, contact_channel="email", contact_address_email="amal@example.org").text
    secret = status_link(page).rsplit("/", 1)[1]
    sent = client.post("/en/open/send", data={
        "csrf_token": hidden(page, "csrf_token"), "status": secret})
    assert sent.status_code == 200, sent.text[:300]
    refused = client.post("/en/open/send", data={"csrf_token": "forged", "status": secret})
    assert refused.status_code == 403


def test_when_an_answer_may_come_is_said(browser):
    page = _send(browser).text
    assert '<p class="expectation">An advisor usually answers within' in page

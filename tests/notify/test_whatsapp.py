"""WhatsApp Cloud API and SMS against real HTTP servers on loopback that check requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from notify.delivery import deliver_row
from notify.messages import render
from notify.models import Notification, WhatsAppWindow
from tests.notify.conftest import PHONE_ID, SMS_TOKEN, WA_TOKEN, wait_for
from tests.notify.helpers import REFERENCE, STATUS_URL, fresh, queue
from yhteys.clock import as_utc, now

NUMBER = "+358401234567"


@pytest.fixture
def whatsapp(use_settings, graph_api):  # noqa: ANN001, ANN201
    use_settings(
        whatsapp_token=WA_TOKEN,
        whatsapp_phone_number_id=PHONE_ID,
        whatsapp_api_base=f"{graph_api.base}/v21.0",
        whatsapp_template="yhteys_update",
    )
    return graph_api


def _open_window(session, number: str = NUMBER) -> None:
    session.add(WhatsAppWindow(number=number, last_inbound_at=now() - timedelta(hours=2)))
    session.commit()


def _error(code: int, message: str = "error") -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code,
                      "fbtrace_id": "AbC"}}


def test_inside_the_window_free_text_is_sent_and_the_message_id_kept(session, whatsapp):
    _open_window(session)
    row = queue(session, channel="whatsapp", recipient=NUMBER)

    assert deliver_row(row.id) == "sent"
    [request] = whatsapp.requests
    body = request["json"]
    assert body["to"] == "358401234567"
    assert body["type"] == "text"
    short = render("case_received", "fi", {"reference": REFERENCE, "status_url": STATUS_URL}).short
    assert body["text"]["body"] == short
    sent = fresh(row.id)
    assert sent.provider_id == "wamid.TEST0001"
    assert sent.mode == "text"
    assert whatsapp.refused == []


def test_outside_the_window_the_approved_template_is_sent(session, whatsapp):
    session.add(WhatsAppWindow(number=NUMBER, last_inbound_at=now() - timedelta(hours=25)))
    session.commit()
    row = queue(session, channel="whatsapp", recipient=NUMBER, locale="sv")

    assert deliver_row(row.id) == "sent"
    [request] = whatsapp.requests
    template = request["json"]["template"]
    assert request["json"]["type"] == "template"
    assert template["name"] == "yhteys_update"
    assert template["language"]["code"] == "sv"
    params = [p["text"] for p in template["components"][0]["parameters"]]
    assert params == [REFERENCE, STATUS_URL]
    assert fresh(row.id).mode == "template"


def test_131047_window_closed_falls_back_to_the_template(session, whatsapp):
    _open_window(session)  # our record says open; WhatsApp knows better
    whatsapp.script = [(400, _error(131047, "Re-engagement message"), {})]
    row = queue(session, channel="whatsapp", recipient=NUMBER)

    assert deliver_row(row.id) == "sent"
    assert [r["json"]["type"] for r in whatsapp.requests] == ["text", "template"]
    sent = fresh(row.id)
    assert sent.mode == "template"
    assert sent.attempts == 1
    assert sent.provider_id == "wamid.TEST0002"


@pytest.mark.parametrize(
    ("status", "body", "headers", "code"),
    [
        (500, _error(1, "An unknown error occurred"), {}, "wa_1"),
        (429, _error(130429, "Rate limit hit"), {"Retry-After": "1"}, "wa_130429"),
        (400, _error(131056, "Pair rate limit hit"), {}, "wa_131056"),
        (503, {"oops": True}, {}, "wa_http_503"),
    ],
)
def test_server_errors_and_rate_limits_are_retried(session, whatsapp, status, body, headers, code):
    whatsapp.script = [(status, body, headers)]
    row = queue(session, channel="whatsapp", recipient=NUMBER)

    assert deliver_row(row.id) == "pending"
    waiting = fresh(row.id)
    assert waiting.error_code == code
    if "Retry-After" in headers:
        assert as_utc(waiting.next_attempt_at) >= now() + timedelta(seconds=0.5)
    wait_for(lambda: deliver_row(row.id) == "sent", timeout=5)
    assert len(whatsapp.requests) == 2
    assert fresh(row.id).attempts == 2


def test_invalid_number_fails_at_once_with_the_reason(session, whatsapp):
    whatsapp.script = [(400, _error(100, "(#100) Invalid parameter: to is not a valid number"), {})]
    row = queue(session, channel="whatsapp", recipient=NUMBER)

    assert deliver_row(row.id) == "failed"
    failed = fresh(row.id)
    assert failed.error_code == "wa_100"
    assert failed.error_text == "WhatsApp refused the message (400)"
    assert deliver_row(row.id) is None
    assert len(whatsapp.requests) == 1


def test_not_on_whatsapp_falls_back_to_the_fallback_channel(
    session, whatsapp, sms_api, use_settings
):
    use_settings(
        whatsapp_token=WA_TOKEN,
        whatsapp_phone_number_id=PHONE_ID,
        whatsapp_api_base=f"{whatsapp.base}/v21.0",
        sms_api_url=f"{sms_api.base}/send",
        sms_api_token=SMS_TOKEN,
        sms_sender="RedCross",
    )
    whatsapp.script = [(400, _error(131026, "Message Undeliverable"), {})]
    row = queue(
        session, channel="whatsapp", recipient=NUMBER,
        fallback=[("sms", NUMBER), ("email", "client@example.org")],
    )

    assert deliver_row(row.id) == "failed"
    assert fresh(row.id).error_code == "wa_131026"
    session.expire_all()
    fallback = session.exec(select(Notification).where(Notification.channel == "sms")).one()
    assert fallback.recipient == NUMBER
    assert fallback.subject_key == row.subject_key
    assert fallback.fallback == [["email", "client@example.org"]]
    assert deliver_row(fallback.id) == "sent"
    [request] = sms_api.requests
    assert request["json"]["to"] == NUMBER
    assert request["json"]["from"] == "RedCross"
    assert request["headers"]["idempotency-key"] == fallback.token
    assert fresh(fallback.id).provider_id == "sms-1"


def test_sms_provider_errors(session, sms_api, use_settings):
    use_settings(sms_api_url=f"{sms_api.base}/send", sms_api_token=SMS_TOKEN)
    sms_api.script = [(503, {}, {"Retry-After": "0"}), (422, {"error": "invalid number"}, {})]
    row = queue(session, channel="sms", recipient="+358 40 765 4321")

    assert deliver_row(row.id) == "pending"
    assert fresh(row.id).error_code == "sms_http_503"
    wait_for(lambda: deliver_row(row.id) is not None, timeout=5)
    failed = fresh(row.id)
    assert failed.state == "failed"
    assert failed.error_code == "sms_http_422"
    keys = {r["headers"]["idempotency-key"] for r in sms_api.requests}
    assert keys == {failed.token}  # the same key on the retry


def test_the_stand_in_checks_requests_like_the_cloud_api(session, whatsapp, use_settings):
    use_settings(
        whatsapp_token="expired-token",
        whatsapp_phone_number_id=PHONE_ID,
        whatsapp_api_base=f"{whatsapp.base}/v21.0",
    )
    row = queue(session, channel="whatsapp", recipient=NUMBER)

    # A bad token is our configuration, not the client's number: kept and retried later.
    assert deliver_row(row.id) == "pending"
    assert fresh(row.id).error_code == "wa_190"
    assert whatsapp.refused == ["invalid OAuth access token"]
    assert whatsapp.requests == []

"""The WhatsApp webhook: verification, signatures, delivery statuses, inbound messages."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from notify import inbound
from notify.delivery import window_open
from notify.models import Notification, WhatsAppWindow
from tests.notify.helpers import fresh, queue
from yhteys.clock import as_utc, now
from yhteys.db import get_engine

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
NUMBER = "+358401234567"


@pytest.fixture
def hook_settings(use_settings):  # noqa: ANN001, ANN201
    # intake asks a number without a case for a request; these tests register their own handler
    return use_settings(whatsapp_app_secret=SECRET, whatsapp_verify_token=VERIFY,
                        whatsapp_conversations=False)


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(client, payload: dict, *, signature: str | None = None):  # noqa: ANN001, ANN202
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json",
               "x-hub-signature-256": signature if signature is not None else _sign(body)}
    return client.post("/hooks/whatsapp", content=body, headers=headers)


def _status(provider_id: str, status: str, ts: int = 1_764_000_000, code: int | None = None):  # noqa: ANN202
    entry: dict = {"id": provider_id, "status": status, "timestamp": str(ts),
                   "recipient_id": "358401234567"}
    if code is not None:
        entry["errors"] = [{"code": code, "title": "error"}]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages",
                                                   "value": {"statuses": [entry]}}]}]}


def _inbound(text: str, message_id: str = "wamid.IN1", sender: str = "358401234567") -> dict:
    message = {"from": sender, "id": message_id, "timestamp": str(int(now().timestamp())),
               "type": "text", "text": {"body": text}}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "contacts": [{"profile": {"name": "x"}, "wa_id": sender}],
                "messages": [message]}}]}]}


def _sent_whatsapp_row(session, provider_id: str = "wamid.A1", **overrides) -> int:  # noqa: ANN001
    row = queue(session, channel="whatsapp", recipient=NUMBER, **overrides)
    session.execute(
        update(Notification)
        .where(Notification.id == row.id)
        .values(state="sent", provider_id=provider_id, sent_at=now(), attempts=1)
    )
    session.commit()
    return row.id


# -- verification ----------------------------------------------------------------------------------
def test_verification_challenge_is_answered_with_the_right_token(client, hook_settings):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    response = client.get("/hooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_challenge_is_refused_otherwise(client, hook_settings, params):
    assert client.get("/hooks/whatsapp", params=params).status_code == 403


def test_verification_is_refused_when_no_token_is_configured(client):
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get("/hooks/whatsapp", params=params).status_code == 403


# -- signatures ------------------------------------------------------------------------------------
@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", "WRONG_SECRET"])
def test_a_bad_signature_is_refused_and_nothing_changes(client, session, hook_settings, signature):
    row_id = _sent_whatsapp_row(session)
    payload = _status("wamid.A1", "read")
    if signature == "WRONG_SECRET":
        signature = _sign(json.dumps(payload).encode(), "another-secret")
    response = _post(client, payload, signature=signature)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fresh(row_id).state == "sent"


def test_without_an_app_secret_every_post_is_refused(client, session):
    row_id = _sent_whatsapp_row(session)
    payload = _status("wamid.A1", "delivered")
    body = json.dumps(payload).encode()
    assert _post(client, payload, signature=_sign(body, "")).status_code == 403
    assert fresh(row_id).state == "sent"


# -- statuses --------------------------------------------------------------------------------------
def test_a_valid_status_webhook_updates_the_row(client, session, hook_settings):
    row_id = _sent_whatsapp_row(session)
    assert _post(client, _status("wamid.A1", "delivered")).status_code == 200
    row = fresh(row_id)
    assert row.state == "delivered"
    assert row.delivered_at is not None


def test_statuses_never_move_backwards(client, session, hook_settings):
    row_id = _sent_whatsapp_row(session)
    for status in ("read", "delivered", "sent", "delivered", "failed"):
        assert _post(client, _status("wamid.A1", status, code=131026)).status_code == 200
    row = fresh(row_id)
    assert row.state == "read"
    assert row.read_at is not None and row.delivered_at is not None
    assert row.error_code == ""


def test_a_failed_status_marks_the_row_and_uses_the_fallback(client, session, hook_settings):
    row_id = _sent_whatsapp_row(session, fallback=[("sms", NUMBER)])
    assert _post(client, _status("wamid.A1", "failed", code=131026)).status_code == 200
    assert fresh(row_id).state == "failed"
    assert fresh(row_id).error_code == "wa_131026"
    with Session(get_engine()) as db:
        sms = db.exec(select(Notification).where(Notification.channel == "sms")).one()
    assert sms.recipient == NUMBER
    assert sms.state in {"pending", "sending", "sent"}  # handed straight to the in-process worker


def test_a_window_closed_status_sends_the_template_again(client, session, hook_settings):
    row_id = _sent_whatsapp_row(session)
    assert _post(client, _status("wamid.A1", "failed", code=131047)).status_code == 200
    row = fresh(row_id)
    assert row.mode == "template"
    assert row.state in {"pending", "sending", "sent"}  # queued again, maybe sent already
    if row.state != "sent":  # a send clears the error; until then it says why it is resent
        assert row.error_code == "wa_131047"
    assert row.provider_id in {"", f"console:{row_id}"}  # no late status matches the old id
    with Session(get_engine()) as db:  # the same row again, not a fallback on another channel
        assert [n.id for n in db.exec(select(Notification))] == [row_id]


def test_a_status_for_an_unknown_message_is_accepted_and_ignored(client, session, hook_settings):
    whatsapp = _sent_whatsapp_row(session)
    sms = queue(session, channel="sms", recipient=NUMBER, subject_key="sms")
    session.execute(update(Notification).where(Notification.id == sms.id)
                    .values(state="sent", provider_id="wamid.UNKNOWN"))  # another channel's id
    session.commit()
    before = {n.id for n in session.exec(select(Notification))}
    assert _post(client, _status("wamid.UNKNOWN", "delivered")).status_code == 200
    assert _post(client, _status("wamid.UNKNOWN", "failed", code=131026)).status_code == 200
    assert (fresh(whatsapp).state, fresh(whatsapp).delivered_at) == ("sent", None)
    assert (fresh(sms.id).state, fresh(sms.id).error_code) == ("sent", "")
    assert {n.id for n in session.exec(select(Notification))} == before  # no fallback queued


def test_a_signed_body_that_is_not_json_is_a_bad_request(client, hook_settings):
    body = b"not json"
    response = client.post(
        "/hooks/whatsapp", content=body, headers={"x-hub-signature-256": _sign(body)}
    )
    assert response.status_code == 400


# -- inbound messages ------------------------------------------------------------------------------
def test_an_inbound_message_goes_to_the_registered_handler_and_opens_the_window(
    client, hook_settings
):
    received: list[tuple[str, str]] = []

    def handler(session, message):  # noqa: ANN001, ANN202
        assert isinstance(session, Session)
        assert abs(message.received_at - now()) < timedelta(minutes=1)
        received.append((message.number, message.text))
        return message.number == NUMBER

    inbound.on_inbound_message(handler)
    try:
        assert _post(client, _inbound("Kiitos, tässä lisätietoa")).status_code == 200
        assert _post(client, _inbound("Kiitos, tässä lisätietoa")).status_code == 200  # retried
        assert _post(client, _inbound("Hello", "wamid.IN2", "358409999999")).status_code == 200
    finally:
        inbound.remove_handler(handler)
    assert received == [(NUMBER, "Kiitos, tässä lisätietoa"), ("+358409999999", "Hello")]
    with Session(get_engine()) as db:
        window = db.get(WhatsAppWindow, NUMBER)
        assert window is not None
        assert as_utc(window.last_inbound_at) > now() - timedelta(minutes=1)
        assert window_open(db, NUMBER)
        assert not window_open(db, "+358401111111")


def test_the_handler_runs_in_the_webhook_transaction(client, hook_settings, session):
    row_id = _sent_whatsapp_row(session, provider_id="wamid.Z")

    def handler(db, message):  # noqa: ANN001, ANN202
        # What a handler writes is committed with the webhook (here: any visible change).
        db.execute(
            update(Notification).where(Notification.id == row_id).values(error_text=message.text)
        )
        return True

    inbound.on_inbound_message(handler)
    try:
        assert _post(client, _inbound("marker-text", "wamid.IN9")).status_code == 200
    finally:
        inbound.remove_handler(handler)
    assert fresh(row_id).error_text == "marker-text"


def test_the_window_only_moves_forwards(session, settings):
    later, earlier = now(), now() - timedelta(hours=3)
    inbound.record_window(session, NUMBER, later)
    inbound.record_window(session, NUMBER, earlier)  # a late webhook for an older message
    session.commit()
    session.expire_all()
    assert as_utc(session.get(WhatsAppWindow, NUMBER).last_inbound_at) == later

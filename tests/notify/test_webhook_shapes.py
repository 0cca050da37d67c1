"""Signed WhatsApp webhooks of an odd shape: a wrong type at any level costs only itself.

The signature proves the body came from the provider, not that it has the shape we expect (a
new API version, a bug on their side, or someone who has the app secret). Each odd item must be
skipped without a 500, which would make the provider resend the whole batch forever, and
without storing anything; a valid message after it in the same batch is still handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from notify import inbound
from notify.models import Notification, WhatsAppInbound, WhatsAppWindow
from notify.outbox import queue_notification
from tests.notify.helpers import REFERENCE, STATUS_URL, fresh
from yhteys.clock import now
from yhteys.db import get_engine

SECRET = "app-secret-for-tests"
SENDER = "358401234567"
SENT_ID = "wamid.SENT1"

WRONG = [None, True, 7, 3.5, "x", [], ["x", 1, None], {}, {"x": [1]}]


def _sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def _post(client, payload: Any):  # noqa: ANN001, ANN202
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json", "x-hub-signature-256": _sign(body)}
    return client.post("/hooks/whatsapp", content=body, headers=headers)


def _wrap_value(value: Any) -> dict:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}


def _message(**overrides: Any) -> dict:
    message: dict[str, Any] = {"from": SENDER, "id": "wamid.IN1",
                               "timestamp": str(int(now().timestamp())),
                               "type": "text", "text": {"body": "the valid message"}}
    message.update(overrides)
    return message


def _odd_payloads() -> list[Any]:
    """A wrong type at every level, top to bottom. No item here names a usable sender or a
    status the sent row could take, so none of them may store or change anything."""
    odd: list[Any] = []
    for wrong in WRONG:
        odd.append({"object": "whatsapp_business_account", "entry": wrong})
        odd.append({"entry": [wrong]})
        odd.append({"entry": [{"id": "WABA", "changes": wrong}]})
        odd.append({"entry": [{"id": "WABA", "changes": [wrong]}]})
        odd.append(_wrap_value(wrong))
        odd.append(_wrap_value({"statuses": wrong, "messages": wrong}))
        odd.append(_wrap_value({"statuses": [wrong], "messages": [wrong]}))
        # Statuses: the row exists, but no field is of a type that could move it.
        odd.append(_wrap_value({"statuses": [{"id": SENT_ID, "status": wrong}]}))
        odd.append(_wrap_value({"statuses": [
            {"id": SENT_ID, "status": wrong, "errors": wrong, "timestamp": wrong}
        ]}))
        if not isinstance(wrong, str):
            odd.append(_wrap_value({"statuses": [{"id": wrong, "status": "delivered"}]}))
        # Messages: the sender is what a message is handled for; a wrong one is dropped whole.
        if not isinstance(wrong, int | float) or isinstance(wrong, bool):
            sender = {"from": wrong, "id": f"wamid.{wrong!s:.9}"}
            odd.append(_wrap_value({"messages": [_message(**sender)]}))
        odd.append(_wrap_value({"messages": [
            _message(**{"from": wrong, "type": wrong, "text": wrong, "context": wrong,
                        "interactive": wrong, "button": wrong, "timestamp": wrong})
        ]}))
    return odd


def _count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def received(use_settings):  # noqa: ANN001, ANN201
    # intake asks a number without a case for a request; these tests register their own handler
    use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False)
    got: list[tuple[str, str, str]] = []

    def handler(session, message):  # noqa: ANN001, ANN202
        got.append((message.id, message.number, message.text))
        return True

    inbound.on_inbound_message(handler)
    yield got
    inbound.remove_handler(handler)


def _sent_row(session: Session, provider_id: str = SENT_ID) -> int:
    """A WhatsApp message we sent; marked sent before it commits, so no worker picks it up."""
    row = queue_notification(
        session, event="case_received", channel="whatsapp", recipient="+" + SENDER,
        locale="fi", subject_key=f"case:{provider_id}", context={"reference": REFERENCE},
        sealed={"status_url": STATUS_URL},
    )
    assert row is not None
    session.execute(update(Notification).where(Notification.id == row.id)
                    .values(state="sent", provider_id=provider_id, sent_at=now(), attempts=1))
    session.commit()
    return row.id


def test_odd_payloads_one_by_one_are_accepted_and_store_nothing(client, received, session):
    row_id = _sent_row(session)
    before = fresh(row_id)
    for payload in _odd_payloads():
        response = _post(client, payload)
        assert response.status_code == 200, (payload, response.status_code)
    assert received == []
    after = fresh(row_id)
    assert (after.state, after.error_code, after.sealed) == (
        before.state, before.error_code, before.sealed)
    with Session(get_engine()) as db:
        assert _count(db, WhatsAppInbound) == 0
        assert _count(db, WhatsAppWindow) == 0
        assert db.scalars(select(Notification.id)).all() == [row_id]

    assert _post(client, _wrap_value({"messages": [_message()]})).status_code == 200
    assert received == [("wamid.IN1", "+" + SENDER, "the valid message")]


def test_a_valid_message_after_odd_items_in_one_batch_is_handled_once(client, received, session):
    row_id = _sent_row(session)
    entries = [entry for p in _odd_payloads() if isinstance(p.get("entry"), list)
               for entry in p["entry"]]
    batch = {"object": "whatsapp_business_account",
             "entry": [*entries, {"id": "WABA", "changes": [{"field": "messages", "value": {
                 "messages": [_message()], "statuses": [{"id": SENT_ID, "status": "delivered"}],
             }}]}]}
    assert _post(client, batch).status_code == 200
    assert _post(client, batch).status_code == 200  # the provider's retry
    assert received == [("wamid.IN1", "+" + SENDER, "the valid message")]
    assert fresh(row_id).state == "delivered"
    with Session(get_engine()) as db:
        assert _count(db, WhatsAppInbound) == 1
        assert db.scalars(select(WhatsAppWindow.number)).all() == ["+" + SENDER]
        # The sent row, and the one neutral answer intake gives a number that proved no case.
        rows = db.execute(select(Notification.event, Notification.subject_key)).all()
        assert sorted(rows) == [("case_received", f"case:{SENT_ID}"),
                                ("whatsapp_reply", "reply:wamid.IN1")]


def test_a_failure_whose_errors_are_oddly_shaped_stores_nothing_odd(
    client, received, session
):
    rows = {i: _sent_row(session, f"wamid.F{i}") for i in range(len(WRONG))}
    for i, wrong in enumerate(WRONG):
        status = {"id": f"wamid.F{i}", "status": "failed", "errors": wrong, "timestamp": wrong}
        assert _post(client, _wrap_value({"statuses": [status]})).status_code == 200
    # A failure without a usable error list still fails the row, with the generic code; nothing
    # of the odd value reaches the row, and nothing is resent.
    codes = {(fresh(row_id).state, fresh(row_id).error_code) for row_id in rows.values()}
    assert codes == {("failed", "wa_failed")}, codes
    with Session(get_engine()) as db:
        assert _count(db, Notification) == len(WRONG)

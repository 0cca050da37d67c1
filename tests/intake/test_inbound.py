"""A WhatsApp message from a client's number lands on that client's open case."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from sqlmodel import Session, select

from intake.models import Case, CaseMessage
from tests.intake.test_api import body, post
from yhteys.clock import now
from yhteys.db import engine_for

SECRET = "inbound-app-secret"


@pytest.fixture
def hooks(use_settings):  # noqa: ANN001, ANN201
    return use_settings(whatsapp_app_secret=SECRET)


def _webhook(client, sender: str, text: str, message_id: str):  # noqa: ANN001, ANN202
    message = {"from": sender, "id": message_id, "timestamp": str(int(now().timestamp())),
               "type": "text", "text": {"body": text}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    ]}]}
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return client.post("/hooks/whatsapp", content=raw, headers={
        "content-type": "application/json", "x-hub-signature-256": signature})


def _messages(settings, reference: str) -> list[CaseMessage]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        return list(db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)))


def test_a_whatsapp_message_is_added_to_the_open_case_of_that_number(client, hooks):
    created = post(client, body("other", contact_channel="whatsapp",
                                contact_address="+358 50 1234567"))
    reference = created.json()["reference"]
    response = _webhook(client, "358501234567", "Tässä lisää\x00 tietoa", "wamid.A1")
    assert response.status_code == 200
    messages = _messages(hooks, reference)
    assert [(m.author, m.channel, m.body) for m in messages] == [
        ("client", "whatsapp", "Tässä lisää tietoa")
    ]
    with Session(engine_for(hooks.database_url)) as db:
        assert db.exec(select(Case).where(Case.reference == reference)).one().client_replied


def test_a_message_from_an_unknown_or_closed_number_is_not_stored(client, hooks):
    created = post(client, body("other", contact_channel="whatsapp",
                                contact_address="+358 50 7654321"))
    reference = created.json()["reference"]
    with Session(engine_for(hooks.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        case.state = "closed"
        db.add(case)
        db.commit()
    assert _webhook(client, "358507654321", "hello", "wamid.B1").status_code == 200
    assert _webhook(client, "358409999999", "hello", "wamid.B2").status_code == 200
    assert _messages(hooks, reference) == []
    with Session(engine_for(hooks.database_url)) as db:
        assert db.exec(select(CaseMessage)).all() == []

"""WhatsApp messages reach only a case whose client has proven the number.

The attack: a relative who knows her number opens a case with it (the form or the API); from then
on her WhatsApp messages appeared on the relative's status page. Now a number reaches a case only
after the code shown on that case's own page was sent from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from intake import service
from intake.models import Case, CaseMessage
from intake.openapi import EXAMPLES
from intake.references import whatsapp_code
from intake.validation import validate
from notify.models import Notification
from tests.notify.conftest import wait_for
from yhteys.clock import now
from yhteys.db import engine_for

SECRET = "inbound-app-secret"
HER = "+358501234567"
RELATIVE = "+358409999999"


@pytest.fixture  # a number without a case gets the answer that points to the form (no
# conversation: tests/intake/test_whatsapp_conversation.py has those)
def hooks(use_settings):  # noqa: ANN001, ANN201
    return use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False)


def _case(number: str, key: str, **changes: object) -> service.Outcome:
    payload = {**EXAMPLES["other"], "contact_channel": "whatsapp", "contact_address": number,
               "message": f"request {key}", **changes}
    submission = validate(payload, strict=True).submission
    assert submission is not None
    return service.submit(submission, idempotency_key=key * 16, ui_locale="fi")


def _webhook(client, sender: str, text: str, message_id: str, **extra):  # noqa: ANN001, ANN003, ANN202
    message = {"from": sender.lstrip("+"), "id": message_id,
               "timestamp": str(int(now().timestamp())), "type": "text", "text": {"body": text},
               **extra}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    ]}]}
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post("/hooks/whatsapp", content=raw, headers={
        "content-type": "application/json", "x-hub-signature-256": signature})
    assert response.status_code == 200
    return response


def _tap(client, sender: str, reference: str, message_id: str):  # noqa: ANN001, ANN202
    return _webhook(client, sender, "", message_id, type="interactive", interactive={
        "type": "button_reply", "button_reply": {"id": f"case:{reference}", "title": reference}})


def _bodies(settings, reference: str) -> list[str]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        rows = db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)
                       .order_by(CaseMessage.id))
        return [m.body for m in rows]


def _replies(settings, number: str) -> list[dict]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        rows = db.exec(select(Notification).where(Notification.event == "whatsapp_reply",
                                                  Notification.recipient == number)
                       .order_by(Notification.id))
        return [dict(r.context) for r in rows]


def _state(settings, row_id: int) -> str:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        row = db.get(Notification, row_id)
        return row.state if row is not None else ""


def _code(outcome: service.Outcome) -> str:
    return whatsapp_code(outcome.secret)


def test_a_case_opened_with_her_number_by_someone_else_never_gets_her_messages(client, hooks):
    relatives = _case(HER, "r")  # the relative typed her number
    _webhook(client, HER, "I am hiding at my friend's place in Tampere", "wamid.1")
    assert _bodies(hooks, relatives.reference) == []
    # She is told, neutrally, how to connect her own request; nothing names the other case.
    assert _replies(hooks, HER) == [{"reply": "unknown"}]
    # Staff replies on the relative's case do not go to her phone either.
    with Session(engine_for(hooks.database_url)) as db:
        from triage.casework.notices import advisor_replied

        case = db.exec(select(Case).where(Case.reference == relatives.reference)).one()
        assert advisor_replied(db, case, message_id=1) is False


def test_the_code_from_her_own_page_connects_her_number_to_her_case_only(client, hooks):
    relatives = _case(HER, "r")
    hers = _case(HER, "h")
    _webhook(client, HER, f"{_code(hers).lower().replace('-', ' ')} hello, this is Amal",
             "wamid.2")
    assert _replies(hooks, HER) == [{"reply": "linked", "reference": hers.reference}]
    _webhook(client, HER, "We still have no place to sleep", "wamid.3")
    assert _bodies(hooks, hers.reference) == ["hello, this is Amal",
                                              "We still have no place to sleep"]
    assert _bodies(hooks, relatives.reference) == []


def test_a_code_sent_from_another_number_proves_nothing(client, hooks):
    hers = _case(HER, "h")
    # The relative saw her page once and sends its code from his own phone.
    _webhook(client, RELATIVE, _code(hers), "wamid.4")
    assert _replies(hooks, RELATIVE) == [{"reply": "code_unknown"}]
    _webhook(client, HER, "only for my advisor", "wamid.5")
    assert _bodies(hooks, hers.reference) == []  # her number is still unproven
    with Session(engine_for(hooks.database_url)) as db:
        assert db.exec(select(Case).where(Case.reference == hers.reference)).one() \
            .whatsapp_proven_at is None


def _next_day(use_settings) -> None:  # noqa: ANN001
    # Sending a code chooses that case for a day; after that she is asked again.
    use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False,
                 frozen_now=now() + timedelta(hours=25))


def test_with_several_proven_cases_she_chooses_and_learns_nothing_of_others(
    client, hooks, use_settings
):
    first, second = _case(HER, "a"), _case(HER, "b")
    relatives = _case(HER, "r")  # unproven: never offered, never named
    _webhook(client, HER, _code(first), "wamid.6")
    _webhook(client, HER, _code(second), "wamid.7")
    _next_day(use_settings)
    _webhook(client, HER, "Which papers do I need?", "wamid.8")
    choose = _replies(hooks, HER)[-1]
    assert choose["reply"] == "choose"
    assert sorted(choose["choices"].split(",")) == sorted([first.reference, second.reference])
    assert relatives.reference not in json.dumps(_replies(hooks, HER))
    assert _bodies(hooks, first.reference) == _bodies(hooks, second.reference) == []

    _tap(client, HER, first.reference, "wamid.9")
    assert _bodies(hooks, first.reference) == ["Which papers do I need?"]
    assert _replies(hooks, HER)[-1] == {"reply": "chosen", "reference": first.reference}
    _webhook(client, HER, "And one more thing", "wamid.10")  # the choice holds
    assert _bodies(hooks, first.reference)[-1] == "And one more thing"
    assert _bodies(hooks, second.reference) == []
    assert _bodies(hooks, relatives.reference) == []


def test_replying_to_our_message_about_a_case_chooses_that_case(client, hooks, session):
    first, second = _case(HER, "a"), _case(HER, "b")
    _webhook(client, HER, _code(first), "wamid.11")
    _webhook(client, HER, _code(second), "wamid.12")  # the second is chosen now...
    ack = session.exec(select(Notification).where(
        Notification.event == "case_received", Notification.reference == first.reference)).one()
    # The app's own worker sends the acknowledgement meanwhile and records its id: wait for
    # that, then give it the id WhatsApp would have given.
    wait_for(lambda: _state(hooks, ack.id) == "sent")
    session.execute(update(Notification).where(Notification.id == ack.id)
                    .values(provider_id="wamid.OUT-ACK-1"))
    session.commit()
    # ...but she swipes to reply to our message about the first.
    _webhook(client, HER, "About this one", "wamid.13", context={"id": "wamid.OUT-ACK-1"})
    assert _bodies(hooks, first.reference) == ["About this one"]
    assert _bodies(hooks, second.reference) == []


def test_a_closed_case_gets_nothing_and_a_held_text_rests_sealed(
    client, hooks, session, use_settings
):
    first, second = _case(HER, "a"), _case(HER, "b")
    _webhook(client, HER, _code(first), "wamid.14")
    _webhook(client, HER, _code(second), "wamid.15")
    _next_day(use_settings)
    _webhook(client, HER, "marker-held-7f3a", "wamid.16")
    assert _replies(hooks, HER)[-1]["reply"] == "choose"
    dump = str(session.connection().exec_driver_sql("SELECT * FROM whatsapp_thread").all())
    assert "marker-held-7f3a" not in dump
    assert HER not in dump and HER.lstrip("+") not in dump  # keyed by a hash, not the number
    for outcome in (first, second):
        case = session.exec(select(Case).where(Case.reference == outcome.reference)).one()
        case.state = "closed"
        session.add(case)
    session.commit()
    _webhook(client, HER, "hello?", "wamid.17")
    assert _bodies(hooks, first.reference) == _bodies(hooks, second.reference) == []


def test_a_held_message_nobody_chose_for_is_dropped_after_an_hour(
    client, hooks, session, use_settings
):
    from intake.inbound import forget_held
    from intake.models import WhatsAppThread

    first, second = _case(HER, "a"), _case(HER, "b")
    _webhook(client, HER, _code(first), "wamid.20")
    _webhook(client, HER, _code(second), "wamid.21")
    _next_day(use_settings)
    _webhook(client, HER, "waiting for a choice", "wamid.22")
    assert forget_held(session) == 0
    use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False,
                 frozen_now=now() + timedelta(minutes=61))
    assert forget_held(session) == 1
    session.commit()
    assert all(t.held == "" for t in session.exec(select(WhatsAppThread)))
    _tap(client, HER, first.reference, "wamid.23")
    assert _bodies(hooks, first.reference) == []  # nothing left to release


def test_guessing_codes_from_a_number_gets_nowhere(client, hooks):
    from intake.references import whatsapp_code

    hers = _case(HER, "h")
    for n in range(30):  # wrong codes, then the right one: too late today
        _webhook(client, HER, whatsapp_code("x" * 42 + str(n % 10)), f"wamid.g{n}")
    _webhook(client, HER, _code(hers), "wamid.g-right")
    assert [r["reply"] for r in _replies(hooks, HER)] == ["code_unknown"] * 5
    with Session(engine_for(hooks.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == hers.reference)).one()
        assert case.whatsapp_proven_at is None


def test_idle_threads_are_forgotten(client, hooks, session, use_settings):
    from intake.inbound import forget_held
    from intake.models import WhatsAppThread

    _webhook(client, RELATIVE, "hello", "wamid.t1")  # not linked: a thread with a reply time
    assert len(session.exec(select(WhatsAppThread)).all()) == 1
    use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False,
                 frozen_now=now() + timedelta(days=31))
    forget_held(session)
    session.commit()
    assert session.exec(select(WhatsAppThread)).all() == []

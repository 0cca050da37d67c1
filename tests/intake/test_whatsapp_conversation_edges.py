"""The edges of a WhatsApp conversation, by signed webhook posts answered through the stand-in
Cloud API: the last message is the only acknowledgement, a photo sent mid-way reaches the case,
and two first messages at the same moment are both answered in one conversation."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel import Session, col, select

from intake import conversation_texts, media, whatsapp_intake
from intake.inbound import number_key
from intake.models import Attachment, CaseMessage, CaseTranscript, WhatsAppMedia
from notify.models import Notification
from tests.intake.cloud_api import cloud_api, cloud_settings  # noqa: F401
from tests.intake.test_attachments import jpeg_bytes, pdf_bytes
from tests.intake.test_whatsapp_conversation import (
    HER,
    Phone,
    _cases,
    _conversations,
    _counts,
    body_of,
    hooks,  # noqa: F401
    social_in_somali,
)
from tests.notify.conftest import wait_for
from yhteys import crypto
from yhteys.db import engine_for


def _rows(settings) -> list[Notification]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Notification).order_by(col(Notification.id))))


def _all_sent(settings) -> bool:  # noqa: ANN001
    return all(r.state not in {"pending", "sending"} for r in _rows(settings))


def test_the_closing_message_is_the_only_acknowledgement(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    social_in_somali(phone)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"))
    wait_for(lambda: _all_sent(hooks))
    case = _cases(hooks)[0]
    closing = body_of(phone.last())
    # Nothing came after it, and no acknowledgement waits to overtake it.
    assert len(phone.received()) == phone.seen
    assert [r.event for r in _rows(hooks)] == ["whatsapp_reply"] * len(_rows(hooks))
    assert closing.startswith(conversation_texts.text(conversation_texts.DONE, "so"))
    assert closing.endswith(case.reference)  # the reference last, as a lock screen cuts
    follow = conversation_texts.text(conversation_texts.FOLLOW, "so", link="")
    assert follow in closing
    link = closing.split(follow)[1].split()[0]
    assert "/so/open/" in link
    # The single-use link travels sealed: the outbox holds it nowhere in clear.
    last = _rows(hooks)[-1]
    assert last.context == {"reply": "conversation"} and last.sealed.startswith("enc:")
    with Session(engine_for(hooks.database_url)) as db:
        dump = str(db.connection().exec_driver_sql("SELECT * FROM notification").all())
        lines = db.get(CaseTranscript, case.id).lines
    assert link not in dump
    assert case.reference in lines[-1][1] and link not in json.dumps(lines)  # staff see no link
    # A link that opens her request.
    from intake.reopen import link_state

    with Session(engine_for(hooks.database_url)) as db:
        opened, state = link_state(db, link.rsplit("/", 1)[1])
    assert state == "open" and opened is not None and opened.case_id == case.id


def test_a_photo_and_a_document_sent_mid_way_reach_the_case(client, hooks, cloud_api):  # noqa: F811
    cloud_api.media = {"P1": (jpeg_bytes(), "image/jpeg"), "D1": (pdf_bytes(), "application/pdf")}
    phone = Phone(client, cloud_api, HER)
    phone.say("Salaan")
    phone.say("7")  # Soomaali
    asked = body_of(phone.say("3"))  # social services: her name is asked next
    kept = conversation_texts.text(conversation_texts.FILE_KEPT, "so")
    answer = phone.post(phone._message("image", {"id": "P1", "mime_type": "image/jpeg",
                                                 "caption": "warqadda guriga"}))[-1]
    assert body_of(answer) == f"{kept}\n\n{asked}"  # kept, and the same question again
    answer = phone.post(phone._message("document", {"id": "D1", "mime_type": "application/pdf",
                                                    "filename": "go'aan.pdf"}))[-1]
    assert body_of(answer) == f"{kept}\n\n{asked}"
    assert cloud_api.gets == []  # nothing is fetched in the webhook's request
    for typed in ("Hodan", "maya", "maya", "maya", "maya", "1 3", "Helsinki", "Guri", "1", "2"):
        phone.say(typed)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"))
    case = _cases(hooks)[0]
    assert case.name == "Hodan"  # the caption was not taken as her name
    assert media.fetch_due() == 2
    with Session(engine_for(hooks.database_url)) as db:
        messages = list(db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)
                                .order_by(col(CaseMessage.id))))
        files = {f.message_id: f.content_type for f in db.exec(
            select(Attachment).where(Attachment.case_id == case.id))}
        states = [m.state for m in db.exec(select(WhatsAppMedia))]
    assert [m.body for m in messages] == ["warqadda guriga", "…"]
    assert [files.get(m.id) for m in messages] == ["image/jpeg", "application/pdf"]
    assert states == ["done", "done"]


def test_files_past_the_limit_are_refused_in_her_language(client, hooks, cloud_api):  # noqa: F811
    from intake.conversation import FILES_MAX

    phone = Phone(client, cloud_api, HER)
    phone.say("Salaan")
    phone.say("7")
    for n in range(FILES_MAX):
        phone.post(phone._message("image", {"id": f"P{n}", "mime_type": "image/jpeg"}))
    answer = phone.post(phone._message("image", {"id": "PX", "mime_type": "image/jpeg"}))[-1]
    full = conversation_texts.text(conversation_texts.FILES_FULL, "so", max=FILES_MAX)
    assert body_of(answer).startswith(full) and full != conversation_texts.text(
        conversation_texts.FILES_FULL, "en", max=FILES_MAX)


def test_two_first_messages_at_the_same_moment_are_both_answered(
        client, hooks, cloud_api, monkeypatch):  # noqa: ANN001, F811
    """The second message found no conversation, then the first one's transaction made it
    before the second could: the second is that conversation's next message, not dropped."""
    phone = Phone(client, cloud_api, HER)
    original = whatsapp_intake.running
    raced: list[bool] = []

    def running_then_the_other_commits(session, key):  # noqa: ANN001, ANN202
        found = original(session, key)
        if found is None and not raced:
            raced.append(True)
            _the_other_first_message(session, key)
        return found

    monkeypatch.setattr(whatsapp_intake, "running", running_then_the_other_commits)
    answer = phone.say("hello")
    # One conversation, started by the other message and answered for this one: at the
    # language step, "hello" is no language, so the list comes again.
    assert "🌐\n\n1. suomi" in body_of(answer) and len(phone.received()) == 1
    assert len(_conversations(hooks)) == 1 and _counts(hooks) == {"started": 1}
    state = json.loads(crypto.open_text(_conversations(hooks)[0].state, whatsapp_intake.PURPOSE))
    assert [line for who, line in state["transcript"] if who == "client"] == ["hi", "hello"]
    monkeypatch.undo()
    phone.say("7")
    phone.say("3")
    for typed in ("Hodan", "maya", "maya", "maya", "maya", "1 3", "Helsinki", "Guri", "1", "2"):
        phone.say(typed)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"))
    assert len(_cases(hooks)) == 1 and _conversations(hooks) == []


def _the_other_first_message(session: Session, key: str) -> None:
    """What the first message's transaction wrote: its conversation, at the language step.
    PostgreSQL: committed from another connection, as it would be. SQLite has one writer, and
    this transaction already holds it (the message's id was recorded): the same row written on
    the same connection meets the same key."""
    from intake import conversation as engine

    state, _replies = engine.begin("hi")
    state["key"] = "k" * 32
    row = {"number_key": key, "state": whatsapp_intake._seal(state)}
    insert = text("INSERT INTO whatsapp_conversation (number_key, state, started_at, updated_at)"
                  " VALUES (:number_key, :state, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    if session.get_bind().dialect.name == "postgresql":
        with session.get_bind().engine.begin() as other:  # type: ignore[union-attr]
            other.execute(insert, row)
            other.execute(text("INSERT INTO whatsapp_conversation_count (outcome, count)"
                               " VALUES ('started', 1)"))
    else:
        session.execute(insert, row)
        whatsapp_intake.count(session, "started")
    assert key == number_key(HER)


def test_a_photo_as_her_first_message_waits_with_the_conversation(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    answer = phone.post(phone._message("image", {"id": "P0", "mime_type": "image/jpeg",
                                                 "caption": "Salaan"}))[-1]
    assert body_of(answer).startswith("🌐")  # the languages, as for any first message
    state = json.loads(crypto.open_text(_conversations(hooks)[0].state, whatsapp_intake.PURPOSE))
    assert [(f["id"], f["caption"]) for f in state["files"]] == [("P0", "Salaan")]

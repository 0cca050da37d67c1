"""Voice notes, photos and documents sent on WhatsApp reach the case, fetched from the Cloud API
stand-in and checked like any upload; a number without a case gets one answer and no case."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from intake import attachments, media, service
from intake.models import Attachment, Case, CaseMessage, WhatsAppMedia, WhatsAppThread
from intake.openapi import EXAMPLES
from intake.validation import validate
from notify.models import Notification, WhatsAppWindow
from tests.intake.cloud_api import cloud_api, cloud_settings, decodable, ogg_packets, voice_note  # noqa: F401
from tests.intake.test_attachments import jpeg_bytes, pdf_bytes
from tests.notify.conftest import wait_for
from yhteys import i18n
from yhteys.clock import now
from yhteys.db import engine_for

SECRET = "inbound-app-secret"
HER = "+358501234567"
STRANGER = "+358407777777"


@pytest.fixture  # a number without a case gets the answer that points to the form (no
# conversation: tests/intake/test_whatsapp_conversation.py has those)
def hooks(use_settings, cloud_api):  # noqa: ANN001, ANN201, F811
    return use_settings(**cloud_settings(cloud_api, whatsapp_app_secret=SECRET,
                                         whatsapp_conversations=False))


def _proven_case(settings, number: str = HER) -> str:  # noqa: ANN001
    payload = {**EXAMPLES["other"], "contact_channel": "whatsapp", "contact_address": number}
    submission = validate(payload, strict=True).submission
    assert submission is not None
    outcome = service.submit(submission, idempotency_key="m" * 32, ui_locale="fi")
    with Session(engine_for(settings.database_url)) as db:
        db.execute(update(Case).where(col(Case.reference) == outcome.reference)
                   .values(whatsapp_proven_at=now()))
        db.commit()
    return outcome.reference


def _post(client, message: dict) -> None:  # noqa: ANN001
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    ]}]}
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post("/hooks/whatsapp", content=raw, headers={
        "content-type": "application/json", "x-hub-signature-256": signature})
    assert response.status_code == 200


def _media_message(sender: str, message_id: str, kind: str, part: dict) -> dict:
    return {"from": sender.lstrip("+"), "id": message_id, "timestamp": str(int(now().timestamp())),
            "type": kind, kind: part}


def _text(sender: str, message_id: str, text: str) -> dict:
    return {"from": sender.lstrip("+"), "id": message_id, "timestamp": str(int(now().timestamp())),
            "type": "text", "text": {"body": text}}


def _on_case(settings, reference: str) -> list[tuple[str, list[tuple[str, str]], list[str]]]:  # noqa: ANN001
    """Each message: its body, its files (type, name), and its file rows' states."""
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        result = []
        for message in db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)
                               .order_by(col(CaseMessage.id))):
            files = db.exec(select(Attachment).where(Attachment.message_id == message.id))
            states = db.exec(select(WhatsAppMedia).where(WhatsAppMedia.message_id == message.id))
            result.append((message.body, [(f.content_type, f.filename) for f in files],
                           [f"{m.kind}:{m.state}:{m.reason}" for m in states]))
        return result


def _stored(settings, reference: str, content_type: str) -> bytes:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        row = db.exec(select(Attachment).where(Attachment.case_id == case.id,
                                               Attachment.content_type == content_type)).one()
        return attachments.open_attachment(row)


def test_a_voice_note_a_photo_and_a_document_are_fetched_checked_and_stored(
        client, hooks, cloud_api):  # noqa: ANN001, F811
    reference = _proven_case(hooks)
    note = voice_note()
    cloud_api.media = {"M1": (note, "audio/ogg; codecs=opus"), "M2": (jpeg_bytes(), "image/jpeg"),
                       "M3": (pdf_bytes(), "application/pdf")}
    _post(client, _media_message(HER, "wamid.v", "audio",
                                 {"id": "M1", "mime_type": "audio/ogg; codecs=opus",
                                  "voice": True}))
    _post(client, _media_message(HER, "wamid.i", "image",
                                 {"id": "M2", "mime_type": "image/jpeg", "caption": "my papers"}))
    _post(client, _media_message(HER, "wamid.d", "document",
                                 {"id": "M3", "mime_type": "application/pdf",
                                  "filename": "decision.pdf"}))
    # The webhook fetched nothing: the files wait for the job.
    assert cloud_api.gets == []
    assert [lines for _b, _f, lines in _on_case(hooks, reference)] == [
        ["voice:pending:"], ["image:pending:"], ["document:pending:"]]

    assert media.fetch_due() == 3
    assert _on_case(hooks, reference) == [
        ("…", [("audio/ogg", "voice-note.ogg")], ["voice:done:"]),
        ("my papers", [("image/jpeg", "photo.jpg")], ["image:done:"]),
        ("…", [("application/pdf", "decision.pdf")], ["document:done:"]),
    ]
    # The voice note still plays, and what its tags said about where it was recorded is gone.
    stored = _stored(hooks, reference, "audio/ogg")
    assert b"Kauppakatu" not in stored and b"WhatsUp" not in stored
    assert decodable(ogg_packets(stored)[2:])
    assert ogg_packets(stored)[2:] == ogg_packets(note)[2:]
    # The media ids are gone once the files are in.
    with Session(engine_for(hooks.database_url)) as db:
        assert [m.sealed for m in db.exec(select(WhatsAppMedia))] == ["", "", ""]


def test_a_file_too_large_or_not_audio_is_refused_with_a_line_on_the_case(
        client, hooks, cloud_api, monkeypatch):  # noqa: ANN001, F811
    reference = _proven_case(hooks)
    monkeypatch.setattr(attachments, "MAX_BYTES", 50_000)
    cloud_api.media = {"BIG": (b"\xff\xd8\xff" + b"\0" * 80_000, "image/jpeg"),
                       "FIB": (b"%PDF-" + b"1" * 80_000, "application/pdf"),
                       "MP3": (b"ID3\x03\x00" + b"\0" * 100, "audio/mpeg")}
    cloud_api.declared["FIB"] = 1000  # says small, is not: the download stops at the limit
    _post(client, _media_message(HER, "wamid.1", "image", {"id": "BIG"}))
    _post(client, _media_message(HER, "wamid.2", "document", {"id": "FIB"}))
    _post(client, _media_message(HER, "wamid.3", "audio", {"id": "MP3", "voice": True}))

    assert media.fetch_due() == 3
    assert [(files, lines) for _b, files, lines in _on_case(hooks, reference)] == [
        ([], ["image:refused:too_large"]),
        ([], ["document:refused:too_large"]),
        ([], ["voice:refused:type_not_allowed"]),
    ]
    # The declared size alone was enough to refuse the first: its bytes were never asked for.
    assert "/download/BIG" not in cloud_api.gets


def test_a_fetch_that_fails_is_tried_again_and_then_given_up_with_a_line(
        client, hooks, cloud_api, settings):  # noqa: ANN001, F811
    reference = _proven_case(hooks)
    cloud_api.media = {"M1": (jpeg_bytes(), "image/jpeg")}
    cloud_api.failures["M1"] = [503]
    _post(client, _media_message(HER, "wamid.1", "image", {"id": "M1"}))
    _post(client, _media_message(HER, "wamid.2", "image", {"id": "GONE"}))

    assert media.fetch_due() == 1  # the lost one is settled, the other waits to be tried again
    assert [lines for _b, _f, lines in _on_case(hooks, reference)] == [
        ["image:pending:wa_media_503"], ["image:failed:wa_media_404"]]
    with Session(engine_for(hooks.database_url)) as db:
        db.execute(update(WhatsAppMedia).values(next_attempt_at=now() - timedelta(seconds=1)))
        db.commit()
    assert media.fetch_due() == 1
    assert [files for _b, files, _l in _on_case(hooks, reference)] == [
        [("image/jpeg", "photo.jpg")], []]


def test_a_held_voice_note_goes_with_its_message_to_the_chosen_case(
        client, hooks, cloud_api):  # noqa: ANN001, F811
    first = _proven_case(hooks)
    payload = {**EXAMPLES["other"], "contact_channel": "whatsapp", "contact_address": HER}
    submission = validate(payload, strict=True).submission
    assert submission is not None
    second = service.submit(submission, idempotency_key="n" * 32, ui_locale="fi").reference
    with Session(engine_for(hooks.database_url)) as db:
        db.execute(update(Case).values(whatsapp_proven_at=now()))
        db.commit()
    cloud_api.media = {"M1": (voice_note(), "audio/ogg")}
    _post(client, _media_message(HER, "wamid.v", "audio", {"id": "M1", "voice": True}))
    assert _on_case(hooks, first) == _on_case(hooks, second) == []  # held until she chooses
    _post(client, {"from": HER.lstrip("+"), "id": "wamid.t",
                   "timestamp": str(int(now().timestamp())), "type": "interactive",
                   "interactive": {"type": "button_reply",
                                   "button_reply": {"id": f"case:{second}", "title": second}}})
    assert media.fetch_due() == 1
    assert _on_case(hooks, second) == [("…", [("audio/ogg", "voice-note.ogg")], ["voice:done:"])]
    assert _on_case(hooks, first) == []


# --- A number that belongs to no case ------------------------------------------------------------


def test_a_number_without_a_case_gets_one_answer_in_every_language_and_no_case(
        client, hooks, cloud_api):  # noqa: ANN001, F811
    with Session(engine_for(hooks.database_url)) as db:
        cases_before = db.scalar(select(func.count()).select_from(Case))
    _post(client, _text(STRANGER, "wamid.1", "Hello, I need help with my family"))
    _post(client, _media_message(STRANGER, "wamid.2", "audio", {"id": "M9", "voice": True}))

    wait_for(lambda: len(cloud_api.requests) >= 1, timeout=10)
    [sent] = cloud_api.requests
    assert sent["json"]["type"] == "text"
    assert sent["json"]["to"] == STRANGER.lstrip("+")
    text = sent["json"]["text"]["body"]
    base = hooks.base_url.rstrip("/")
    for locale in i18n.LANGUAGES:
        assert f"{base}/{locale}/request/other" in text
    assert "Hello, I need help" not in text
    assert cloud_api.gets == []  # her voice note is not fetched: there is no case to keep it on
    with Session(engine_for(hooks.database_url)) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == cases_before
        assert db.scalar(select(func.count()).select_from(WhatsAppMedia)) == 0
        replies = db.exec(select(Notification).where(Notification.event == "whatsapp_reply"))
        assert [r.context["reply"] for r in replies] == ["unknown"]


def test_the_answer_is_the_same_whether_or_not_a_case_names_the_number(
        client, hooks, cloud_api):  # noqa: ANN001, F811
    payload = {**EXAMPLES["other"], "contact_channel": "whatsapp", "contact_address": HER}
    submission = validate(payload, strict=True).submission
    assert submission is not None
    service.submit(submission, idempotency_key="u" * 32, ui_locale="fi")  # not proven
    _post(client, _text(HER, "wamid.1", "hi"))
    _post(client, _text(STRANGER, "wamid.2", "hi"))

    def answers() -> dict[str, str]:  # her acknowledgement of the case may go to her too
        return {r["json"]["to"]: r["json"]["text"]["body"] for r in cloud_api.requests
                if r["json"].get("type") == "text" and "/request/other" in str(r["json"])}

    wait_for(lambda: len(answers()) >= 2, timeout=10)
    assert answers()[HER.lstrip("+")] == answers()[STRANGER.lstrip("+")]


def test_the_chat_hours_are_in_the_answer_and_the_number_is_not_kept_past_a_day(
        client, hooks, cloud_api):  # noqa: ANN001, F811
    from intake.hours.models import HoursSlot
    from intake.hours.store import HOURS
    from intake.inbound import forget_held
    from notify.delivery import forget_closed_windows

    with Session(engine_for(hooks.database_url)) as db:
        db.add(HoursSlot(channel="chat", weekday=1, start_minute=720, end_minute=900,
                         languages=["fi"]))
        db.commit()
    HOURS.invalidate()
    _post(client, _text(STRANGER, "wamid.1", "hi"))
    wait_for(lambda: len(cloud_api.requests) >= 1, timeout=10)
    text = cloud_api.requests[0]["json"]["text"]["body"]
    assert "tiistai 12:00\u201315:00" in text and "Tuesday 12:00\u201315:00" in text

    with Session(engine_for(hooks.database_url)) as db:
        assert db.scalar(select(func.count()).select_from(WhatsAppThread)) == 1
        later = now() + timedelta(hours=25)
        db.execute(update(WhatsAppThread).values(replied_at=now() - timedelta(hours=25)))
        db.execute(update(WhatsAppWindow).values(last_inbound_at=later - timedelta(hours=50)))
        forget_held(db)
        forget_closed_windows(db)
        db.commit()
        assert db.scalar(select(func.count()).select_from(WhatsAppThread)) == 0
        assert db.scalar(select(func.count()).select_from(WhatsAppWindow)) == 0

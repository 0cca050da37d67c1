"""The advisor's answer itself on WhatsApp when she agreed to it and proved her number: as text
inside the 24-hour window, as the approved template outside it; and what staff see of the files
she sent there. Against the Cloud API stand-in (tests/intake/cloud_api.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from email import parser as email_parser
from email import policy as email_policy

import pytest
from sqlmodel import Session, select

from intake import media
from intake.models import Consent
from notify.models import Notification, WhatsAppWindow
from tests.intake.cloud_api import cloud_api, cloud_settings, voice_note  # noqa: F401
from tests.intake.test_attachments import jpeg_bytes
from tests.intake.test_whatsapp_media import SECRET, _media_message, _post
from tests.notify.conftest import wait_for
from tests.triage.casework_factories import make_case
from yhteys.clock import now
from yhteys.db import get_engine
from yhteys.settings import get_settings

HER = "+358501234567"
ANSWER = "Hej Amal,\n\nvi har hittat ett boende åt er. Ring oss i morgon kl. 10."


@pytest.fixture
def advisor(make_staff, make_team, client, login_fast, use_settings, cloud_api):  # noqa: ANN001, ANN201, F811
    from triage.casework.models import RoutingRule

    use_settings(**cloud_settings(cloud_api, whatsapp_app_secret=SECRET))
    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    user = make_staff(display_name="Aino", teams=[team], languages=["fi", "sv"])
    login_fast(client, user)
    client.headers["accept-language"] = "en"
    return user


def _her_case(agreed: bool = True, window_hours: float | None = 2):  # noqa: ANN202
    case = make_case(contact_channel="whatsapp", contact_address=HER, language="sv",
                     whatsapp_proven_at=now())
    with Session(get_engine()) as db:
        if agreed:
            db.add(Consent(case_id=case.id, purpose="whatsapp_answers", notice_version="1"))
        if window_hours is not None:
            db.add(WhatsAppWindow(number=HER,
                                  last_inbound_at=now() - timedelta(hours=window_hours)))
        db.commit()
    return case


def _reply(client, case, text: str = ANSWER) -> None:  # noqa: ANN001
    page = client.get(f"/triage/cases/{case.reference}").text
    response = client.post(f"/triage/cases/{case.reference}/reply", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "reply": text, "do": "send"})
    assert response.status_code == 303


def _sent(cloud_api):  # noqa: ANN001, ANN202, F811
    wait_for(lambda: len(cloud_api.requests) >= 1, timeout=10)
    [request] = cloud_api.requests
    return request["json"]


def test_inside_the_window_her_advisors_answer_goes_as_text_in_her_language(
        client, advisor, cloud_api):  # noqa: ANN001, F811
    case = _her_case()
    _reply(client, case)
    body = _sent(cloud_api)
    assert body["type"] == "text"
    text = body["text"]["body"]
    assert ANSWER in text  # her advisor's words, line breaks and all
    # In Swedish, her language; what a lock screen shows first names no organisation or case.
    assert text.startswith("Din rådgivare svarade:\n\nHej Amal,")
    assert text.endswith(f"Referenskod {case.reference}. Du kan svara här på WhatsApp.")
    # At rest the text was never in clear: only sealed, and blanked once sent and delivered.
    with Session(get_engine()) as db:
        row = db.scalars(select(Notification).where(Notification.event == "advisor_replied")).one()
        assert "reply_text" not in row.context
        assert "boende" not in row.sealed


def test_outside_the_window_the_template_asks_her_to_answer(client, advisor, cloud_api):  # noqa: ANN001, F811
    case = _her_case(window_hours=30)
    _reply(client, case)
    body = _sent(cloud_api)
    assert body["type"] == "template"
    assert body["template"]["name"] == "yhteys_update"
    assert body["template"]["language"]["code"] == "sv"
    assert "boende" not in str(body)


def test_without_her_agreement_whatsapp_carries_only_the_notice(client, advisor, cloud_api):  # noqa: ANN001, F811
    case = _her_case(agreed=False)
    _reply(client, case)
    body = _sent(cloud_api)
    assert body["type"] == "text"
    assert "boende" not in body["text"]["body"]
    assert case.reference in body["text"]["body"]


def test_staff_can_play_a_voice_note_and_read_what_became_of_the_other_files(
        client, advisor, cloud_api):  # noqa: ANN001, F811
    case = _her_case()
    cloud_api.media = {"M1": (voice_note(), "audio/ogg"), "M2": (jpeg_bytes(), "image/jpeg"),
                       "M4": (b"MZ\x90\x00 not a photo", "image/jpeg")}
    _post(client, _media_message(HER, "wamid.v", "audio", {"id": "M1", "voice": True}))
    _post(client, _media_message(HER, "wamid.i", "image", {"id": "M2"}))
    _post(client, _media_message(HER, "wamid.x", "image", {"id": "M4"}))
    _post(client, _media_message(HER, "wamid.y", "image", {"id": "GONE"}))
    _post(client, _media_message(HER, "wamid.s", "sticker", {"id": "M5"}))
    page = client.get(f"/triage/cases/{case.reference}")
    assert "A voice note sent on WhatsApp is being fetched." in page.text
    media.fetch_due()

    page = client.get(f"/triage/cases/{case.reference}")
    assert "media-src 'self'" in page.headers["content-security-policy"]
    player = re.search(r'<audio controls preload="none" src="([^"]+)"', page.text)
    assert player is not None
    assert re.search(r'<img src="/triage/cases/[^"]+/attachments/\d+" alt="photo.jpg" dir="auto"',
                     page.text)
    assert "A photo sent on WhatsApp was refused: this kind of file is not accepted." in page.text
    assert "A photo sent on WhatsApp could not be fetched. Ask the client to send it again." \
        in page.text
    assert "A sticker was sent on WhatsApp." in page.text
    assert "[audio]" not in page.text
    sound = client.get(player.group(1))
    assert sound.status_code == 200
    assert sound.headers["content-type"] == "audio/ogg"
    assert sound.content.startswith(b"OggS")
    # The player asks for parts of it (to learn its length, to seek).
    part = client.get(player.group(1), headers={"range": "bytes=0-3"})
    assert (part.status_code, part.content) == (206, b"OggS")
    assert part.headers["content-range"] == f"bytes 0-3/{len(sound.content)}"
    tail = client.get(player.group(1), headers={"range": "bytes=-10"})
    assert tail.content == sound.content[-10:]
    outside = client.get(player.group(1), headers={"range": f"bytes={len(sound.content)}-"})
    assert outside.status_code == 416


def test_an_answer_too_long_for_one_message_waits_on_her_page(client, advisor, cloud_api):  # noqa: ANN001, F811
    case = _her_case()
    _reply(client, case, "Pitkä vastaus. " * 300)
    body = _sent(cloud_api)
    assert "Pitkä vastaus" not in body["text"]["body"]
    assert case.reference in body["text"]["body"]


def test_the_answer_never_falls_back_to_another_channel_with_its_text(
        client, advisor, cloud_api):  # noqa: ANN001, F811
    from notify.outbox import sealed_values

    case = _her_case()
    with Session(get_engine()) as db:
        row = db.get(type(case), case.id)
        row.backup_channel, row.backup_address = "email", "amal@example.org"
        db.add(row)
        db.commit()
    cloud_api.script = [(400, {"error": {"message": "not on WhatsApp", "code": 131026}}, {})]
    _reply(client, case)

    def fallen_back() -> list[Notification]:
        with Session(get_engine()) as db:
            return list(db.scalars(select(Notification).where(
                Notification.event == "advisor_replied", Notification.channel == "email")))

    wait_for(lambda: fallen_back() and fallen_back()[0].state == "sent", timeout=10)
    [email] = fallen_back()
    assert email.sealed == "" or "reply_text" not in sealed_values(email)
    [mail] = get_settings().mail_dir.glob(f"{email.id:08d}-advisor_replied-email.*")
    parsed = email_parser.BytesParser(policy=email_policy.default).parsebytes(mail.read_bytes())
    written = " ".join(part.get_content() for part in parsed.walk()
                       if part.get_content_maintype() == "text")
    assert case.reference in written  # the notice went by mail...
    assert "boende" not in written and "Hej Amal" not in written  # ...without the text

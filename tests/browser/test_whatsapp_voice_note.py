"""A voice note sent on WhatsApp plays on the case page in real Chromium: loaded from the app's
own origin under its content security policy, decoded, and the page still passes axe-core."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)
from tests.browser.test_triage_flow import advisor, log_in, submit_case  # noqa: F401
from tests.intake.cloud_api import voice_note
from tests.triage.conftest import make_staff, make_team  # noqa: F401 - the staff fixtures
from yhteys.db import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def _voice_note_on(reference: str) -> None:
    from sqlmodel import select

    from intake import attachments, media
    from intake.models import Case, CaseMessage

    clean = media.check("voice", "", voice_note(seconds=2))
    with Session(get_engine()) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        message = CaseMessage(case_id=case.id, author="client", body="…", channel="whatsapp")
        db.add(message)
        db.flush()
        attachments.save(db, case.id, [clean], message.id)
        db.commit()


def test_staff_play_a_voice_note_from_the_case_page(new_context, advisor):  # noqa: ANN001, F811
    outcome = submit_case(name="Selam")
    _voice_note_on(outcome.reference)
    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(staff, advisor, audit=False)
    staff.goto(f"/triage/cases/{outcome.reference}")
    player = staff.locator(".conversation audio")
    assert player.count() == 1
    duration = player.evaluate("""audio => new Promise((resolve, reject) => {
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('cannot load')));
        audio.preload = 'metadata';
        audio.load();
    })""")
    assert 1.5 < duration < 2.5
    assert_accessible(staff)
    assert_no_third_party_requests(staff)
    assert_no_console_errors(staff)

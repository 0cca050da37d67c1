"""On WhatsApp she can say "I need help today" too: from a proven number, in any public language,
the case rises at once and she is told what to do in an emergency. An unproven number gets what
it always got."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from intake.help_today_phrases import PHRASES, says_help_today
from intake.models import Case, CaseMessage
from notify.models import Notification
from tests.intake.test_inbound import (
    HER,
    RELATIVE,
    SECRET,
    _bodies,
    _case,
    _code,
    _replies,
    _tap,
    _webhook,
)
from yhteys.clock import now
from yhteys.db import engine_for


@pytest.fixture  # a number without a case gets the answer that points to the form (no
# conversation: tests/intake/test_whatsapp_conversation.py has those)
def hooks(use_settings):  # noqa: ANN001, ANN201
    # A staff address: the raised case is said to someone even with no team set up.
    return use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False,
                        staff_mail_to="staff@example.org")


def _case_row(settings, reference: str) -> Case:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return db.exec(select(Case).where(Case.reference == reference)).one()


def _alerts(settings) -> int:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return len(db.exec(select(Notification).where(
            Notification.event == "staff_urgency_raised")).all())


@pytest.mark.parametrize("text", [
    "i need help TODAY!!", "  J’ai besoin d’aide aujourd’hui. ", "امروز به کمک نیاز دارم.",
    "ሎሚ ሓገዝ የድልየኒ።", "Мені потрібна допомога сьогодні", "Jag behöver hjälp idag",
    "maanta caawimo ayaan u baahanahay", "ئەمڕۆ پێویستم بە یارمەتییە", "أحتاج إلى مساعدة اليوم",
])
def test_the_phrase_is_known_whatever_its_case_spacing_or_punctuation(text):
    assert says_help_today(text)


@pytest.mark.parametrize("text", [
    "I need help today with the form for my son", "help", "Do I need help today?? no",
    "Tarvitsen apua huomenna", "",
])
def test_a_message_that_only_mentions_help_is_a_message(text):
    assert not says_help_today(text)


def test_every_public_language_has_phrases():
    from yhteys.i18n import LANGUAGES

    assert set(PHRASES) == set(LANGUAGES)


def test_from_a_proven_number_the_case_rises_and_she_is_told_what_to_do(
    client, hooks
):
    hers = _case(HER, "h")
    _webhook(client, HER, _code(hers), "wamid.h1")
    assert _case_row(hooks, hers.reference).priority != "urgent"

    _webhook(client, HER, "Tarvitsen apua tänään!", "wamid.h2")
    case = _case_row(hooks, hers.reference)
    assert case.priority == "urgent"
    assert _bodies(hooks, hers.reference) == ["Tarvitsen apua tänään!"]
    assert _replies(hooks, HER)[-1] == {"reply": "urgent", "reference": hers.reference}
    assert _alerts(hooks) == 1
    with Session(engine_for(hooks.database_url)) as db:
        message = db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)).one()
        assert message.channel == "whatsapp"


def test_the_reply_button_says_the_same(client, hooks):
    hers = _case(HER, "b")
    _webhook(client, HER, _code(hers), "wamid.b1")
    _webhook(client, HER, "", "wamid.b2", type="interactive", interactive={
        "type": "button_reply", "button_reply": {"id": "help-today", "title": "Help today"}})
    assert _case_row(hooks, hers.reference).priority == "urgent"
    assert _replies(hooks, HER)[-1]["reply"] == "urgent"


def test_an_unproven_number_gets_nothing_different(client, hooks):
    relatives = _case(RELATIVE, "r")  # names the number, never proven from it
    before = _case_row(hooks, relatives.reference).priority
    _webhook(client, RELATIVE, "I need help today", "wamid.u1")
    assert _case_row(hooks, relatives.reference).priority == before
    assert _bodies(hooks, relatives.reference) == []
    assert _replies(hooks, RELATIVE) == [{"reply": "unknown"}]
    assert _alerts(hooks) == 0


def test_a_longer_message_goes_to_the_advisor_and_raises_nothing(client, hooks):
    hers = _case(HER, "l")
    _webhook(client, HER, _code(hers), "wamid.l1")
    before = _case_row(hooks, hers.reference).priority
    _webhook(client, HER, "Do I need help today or can it wait?", "wamid.l2")
    assert _case_row(hooks, hers.reference).priority == before
    assert _replies(hooks, HER)[-1]["reply"] == "linked"


def test_said_before_choosing_a_case_it_raises_the_case_she_then_chooses(
    client, hooks, use_settings
):
    first, second = _case(HER, "a"), _case(HER, "b")
    _webhook(client, HER, _code(first), "wamid.c1")
    _webhook(client, HER, _code(second), "wamid.c2")
    # The next day: the choice a code made has lapsed, so she is asked which case.
    use_settings(whatsapp_app_secret=SECRET, whatsapp_conversations=False,
                 staff_mail_to="staff@example.org",
                 frozen_now=now() + timedelta(hours=25))
    _webhook(client, HER, "I need help today", "wamid.c3")
    assert _replies(hooks, HER)[-1]["reply"] == "choose"
    assert _case_row(hooks, first.reference).priority != "urgent"

    _tap(client, HER, first.reference, "wamid.c4")
    assert _case_row(hooks, first.reference).priority == "urgent"
    assert _case_row(hooks, second.reference).priority != "urgent"
    assert _bodies(hooks, first.reference) == ["I need help today"]
    assert _replies(hooks, HER)[-1] == {"reply": "urgent", "reference": first.reference}

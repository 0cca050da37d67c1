"""The reply notice may say that files came with it: a fixed word, never a file's name."""

from __future__ import annotations

import pytest
from sqlmodel import select

from notify.messages import render
from notify.models import Notification
from notify.outbox import NotificationError, queue_notification

CONTEXT = {"reference": "K7M-4QX-P9T", "status_url": "http://testserver/fi/"}


def _queue(session, event: str, context: dict[str, str]):  # noqa: ANN001, ANN202
    return queue_notification(session, event=event, channel="email",
                              recipient="client@example.org", locale="fi",
                              subject_key="message:1", context=context)


@pytest.mark.parametrize("value", ["one", "several"])
def test_a_reply_notice_may_say_files_are_attached(session, settings, value):
    _queue(session, "advisor_replied", {**CONTEXT, "attached": value})
    session.commit()
    row = session.exec(select(Notification)).one()
    assert row.context["attached"] == value


@pytest.mark.parametrize(
    ("event", "value"),
    [("advisor_replied", "passport.pdf"), ("advisor_replied", "2"), ("case_received", "one")],
)
def test_nothing_else_rides_on_the_attached_key(session, settings, event, value):
    with pytest.raises(NotificationError):
        _queue(session, event, {**CONTEXT, "attached": value})
    assert session.exec(select(Notification)).all() == []


@pytest.mark.parametrize("locale", ["fi", "sv", "ar", "fa", "ckb", "so", "ti", "ru", "uk", "fr"])
def test_the_attached_sentence_is_translated(locale):
    english = render("advisor_replied", "en", {**CONTEXT, "attached": "one"})
    message = render("advisor_replied", locale, {**CONTEXT, "attached": "one"})
    assert "The message has a file attached." in english.short
    assert "The message has a file attached." not in message.text + message.short
    plain = render("advisor_replied", locale, CONTEXT)
    assert len(message.short) > len(plain.short) and len(message.text) > len(plain.text)

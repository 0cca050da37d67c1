"""Every event has its texts in every language, and they show only a reference and a link."""

from __future__ import annotations

import re

import pytest

from notify.messages import render, template_names
from notify.models import ACCOUNT_EVENTS, CLIENT_EVENTS, DIGEST_EVENTS, EVENTS, REPLY_EVENTS
from notify.outbox import REPLY_KINDS
from yhteys import i18n
from yhteys.templating import TEMPLATES_DIR

CONTEXT = {
    "reference": "K7M-4QX-P9T",
    "status_url": "http://testserver/fi/status/K7M-4QX-P9T#tok",
    "staff_url": "http://testserver/triage/cases/K7M-4QX-P9T",
}
EXPOSING = ("asylum", "undocumented", "refugee", "paperiton", "turvapaikka", "pakolai",
            "papperslös", "asyl", "flykting")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("event", EVENTS)
def test_no_template_is_missing(event):
    for name in template_names(event):
        assert (TEMPLATES_DIR / name).is_file(), name


NOTICES = [e for e in EVENTS if e not in REPLY_EVENTS]
# Staff mail is read by staff: in the staff languages only; client mail in every public one.
RENDERED = [(event, locale) for event in NOTICES
            for locale in (i18n.LANGUAGES if event in CLIENT_EVENTS else i18n.STAFF_LANGUAGES)]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("event", "locale"), RENDERED)
def test_every_event_renders_in_every_language(event, locale, settings):
    keys = {"reference", "status_url"} if event in CLIENT_EVENTS else {"reference", "staff_url"}
    if event in ACCOUNT_EVENTS:
        keys = {"staff_url"}  # about a staff member's account: no case
    context = {k: v for k, v in CONTEXT.items() if k in keys}
    if event in DIGEST_EVENTS:  # several cases: their references and the staff cases address
        context = {"references": "K7M-4QX-P9T,Q3W-HRT-M4K",
                   "staff_url": "http://testserver/triage/cases"}
    message = render(event, locale, context)
    assert message.subject and "\n" not in message.subject
    assert message.text.strip() and message.html.strip()
    link = context.get("status_url") or context["staff_url"]
    if event in DIGEST_EVENTS:
        link = f"{link}/Q3W-HRT-M4K"
        assert "2" in message.subject
    assert link in message.text and f'href="{link}"' in message.html
    if event not in CLIENT_EVENTS and event not in {"staff_outbox_alert", *ACCOUNT_EVENTS,
                                                    *DIGEST_EVENTS}:
        assert context["reference"] in message.subject  # staff: the subject names the case
    if event in CLIENT_EVENTS:
        assert context["reference"] in message.short and link in message.short
        assert len(message.short) < 320  # two SMS at most
    for word in EXPOSING:
        assert word not in message.subject.lower()
    if locale != "en":  # translated, not the English source
        assert message.subject != render(event, "en", context).subject


@pytest.mark.sqlite_only
def test_a_language_the_site_does_not_offer_gets_english(settings):
    context = {k: CONTEXT[k] for k in ("reference", "status_url")}
    assert render("case_received", "am", context) == render("case_received", "en", context)


@pytest.mark.sqlite_only
def test_html_escapes_what_it_shows(settings):
    context = {"reference": "K7M-4QX-P9T", "status_url": 'http://testserver/x?a=1&b="2"'}
    html = render("case_received", "en", context).html
    assert "a=1&amp;b=&#34;2&#34;" in html


# A step of the request conversation carries its own text, written by intake (sealed).
FIXED_REPLY_KINDS = REPLY_KINDS - {"conversation"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
@pytest.mark.parametrize("kind", sorted(FIXED_REPLY_KINDS))
def test_every_whatsapp_reply_has_its_own_translated_text(kind, locale, settings):
    context = {"reply": kind, "reference": "K7M-4QX-P9T"}
    short = render("whatsapp_reply", locale, context).short
    others = {render("whatsapp_reply", locale, {**context, "reply": k}).short
              for k in FIXED_REPLY_KINDS - {kind}}
    assert short and short not in others
    assert_neutral(short, "a WhatsApp reply")  # a lock screen shows it whole
    if kind == "unknown":  # to a number we know nothing of: in every language at once
        assert all(f"/{other}/request/other" in short for other in i18n.LANGUAGES)
    elif locale != "en":
        assert short != render("whatsapp_reply", "en", context).short
# A lock screen is read by others: what it shows of a client message (the subject, the first
# words of the body, the start of an SMS or WhatsApp text) names no organisation and no case.
SECRET = "Zq3xN8vR1tYb6LmP0aKe4WcH9sUd2GfJ7oIi5EnQ-_w"  # a status secret's shape: 43 characters
REALISTIC = {"reference": "K7M-4QX-P9T", "status_url": f"http://testserver/fi/status/{SECRET}"}
PREVIEW = 90
BRAND = re.compile(r"red\s+cross|punai\w*\s+rist|röda\s+kors|yhteys", re.IGNORECASE)


def visible_html_text(html: str) -> str:
    body = html.split("<body>", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def assert_neutral(text: str, where: str) -> None:
    assert REALISTIC["reference"] not in text, where
    assert not BRAND.search(text), where


@pytest.mark.sqlite_only
@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
@pytest.mark.parametrize("event", [e for e in CLIENT_EVENTS if e in NOTICES])
def test_what_a_lock_screen_shows_of_a_client_message_is_neutral(event, locale, settings):
    message = render(event, locale, REALISTIC)
    assert_neutral(message.subject, "subject")
    assert_neutral(message.text[:PREVIEW], "start of the text body")
    assert_neutral(visible_html_text(message.html)[:PREVIEW], "start of the HTML body")
    assert_neutral(message.short[:PREVIEW], "start of the SMS/WhatsApp text")
    assert SECRET not in message.text[:PREVIEW]  # the link itself comes after the first lines
    # The reference and the link are still inside the message.
    assert REALISTIC["reference"] in message.text and REALISTIC["reference"] in message.html
    assert REALISTIC["reference"] in message.short
    assert REALISTIC["status_url"] in message.short

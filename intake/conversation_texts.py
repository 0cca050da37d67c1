"""The words of the WhatsApp conversation that are not the form's own (intake.questions has
those): the greeting, the consent's warning, the summary, the closing lines, and the few command
words a person may type in any language of the service.

Every text is a gettext message of the intake domain, so a catalog translates the conversation
as it translates the form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from yhteys import i18n
from yhteys.i18n import lazy_gettext

CHOOSE_LANGUAGE = "🌐"  # before she chose, no language is hers: the list speaks for itself

INTRO = lazy_gettext(
    "Hello. We will ask you a few questions, one at a time, and then send your request to our "
    "advisors. At any time you can write %(back)s to go back, %(again)s to start again, or "
    "%(stop)s to stop."
)
KIND = lazy_gettext("What is your request about?")
CHOOSE_ONE = lazy_gettext("Tap an answer or write its number.")
CHOOSE_SOME = lazy_gettext("Tap an answer, or write the numbers of all that fit, for example 1 3.")
TYPE_ANSWER = lazy_gettext("Write your answer.")
SKIP_HINT = lazy_gettext("If you do not know, write %(skip)s.")
ANSWERS_BUTTON = lazy_gettext("Answers")
CONSENT_WARNING = lazy_gettext(
    "Please note: WhatsApp belongs to the company Meta. Meta sees that you wrote to us, from "
    "which number and when."
)
# The form's own emergency notice (templates/intake/_emergency_notice.html), the same words.
EMERGENCY = lazy_gettext(
    "If you or someone else is in danger or needs urgent medical help, call %(number)s now."
)
EMERGENCY_FREE = lazy_gettext("The call is free. You can call even without a residence permit.")
AGREE = lazy_gettext("I agree")
DISAGREE = lazy_gettext("I do not agree")
SUMMARY = lazy_gettext("Please check your answers:")
SUMMARY_ASK = lazy_gettext("Is this right? Tap Send, or write %(back)s to change an answer.")
SEND = lazy_gettext("Send")
DONE = lazy_gettext("Thank you. Your request has been sent.")
# Last in the message: a lock screen shows the first words, and the code names the request.
REFERENCE = lazy_gettext("Your reference code: %(reference)s")
NEXT = lazy_gettext(
    "An advisor will answer you here on WhatsApp. WhatsApp lets us write to you only within 24 "
    "hours of your last message; after that we send only a short notice that an answer is "
    "waiting. To come back, simply write to this number."
)
FILE_KEPT = lazy_gettext(
    "Thank you, we keep your file. It will be sent with your request."
)
FILES_FULL = lazy_gettext(
    "We cannot keep more than %(max)s files here. You can send more after your request has "
    "been sent."
)
# The closing message is also the acknowledgement (intake.notifications): the way back to the
# request travels in it, sealed, as a single-use link.
FOLLOW = lazy_gettext("You can follow your request here: %(link)s")
STOPPED = lazy_gettext(
    "You stopped. Nothing was saved. Write to us again whenever you want to start a new "
    "request."
)

# The command words, in every language: a catalog gives each its own words (comma separated).
COMMANDS = {
    # Translators: words a person may type to go one question back, comma separated
    "back": lazy_gettext("back"),
    # Translators: words a person may type to start the conversation again, comma separated
    "again": lazy_gettext("start again"),
    # Translators: words a person may type to stop the conversation, comma separated
    "stop": lazy_gettext("stop"),
    # Translators: words a person may type to begin a new request, comma separated
    "new": lazy_gettext("new"),
    # Translators: a word a person may type to skip a question she cannot answer
    "skip": lazy_gettext("skip"),
}
_PUNCTUATION = re.compile(r"[\s\.\,\!\?\:\;\-\u060c\u061f\u06d4]+")


def fold(text: str) -> str:
    """A typed word as it is compared: case, accents' composition and punctuation away."""
    value = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCTUATION.sub(" ", value).strip()


def words(name: str, locale: str) -> list[str]:
    """The words of one command in one language, the first as the intro shows it."""
    with i18n.use_locale(locale):
        text = str(COMMANDS[name])
    return [w.strip() for w in text.split(",") if w.strip()]


@cache
def _all_words(name: str) -> frozenset[str]:
    found = {"en"} | set(i18n.LANGUAGES)
    return frozenset(fold(w) for locale in sorted(found) for w in words(name, locale))


def command_of(text: str, choice: str = "") -> str:
    """"back", "again", "stop", "new", "skip" when the message is that command, else ""."""
    if choice.startswith("cmd:"):
        return choice[4:] if choice[4:] in COMMANDS else ""
    typed = fold(text)
    if not typed or len(typed) > 40:
        return ""
    return next((name for name in COMMANDS if typed in _all_words(name)), "")


def intro(locale: str) -> str:
    with i18n.use_locale(locale):
        return str(INTRO) % {name: word(name, locale) for name in ("back", "again", "stop")}


def word(name: str, locale: str) -> str:
    """A command word as a text shows it: in WhatsApp's bold, so it stands out as the word."""
    return f"*{words(name, locale)[0].upper()}*"


def text(message: object, locale: str, **values: object) -> str:
    """A lazy message (or a plain one) in `locale`, with its values filled in."""
    with i18n.use_locale(locale):
        rendered = str(message)
    return rendered % values if values else rendered


def yes_no_title(agree: bool, locale: str) -> str:
    return text(AGREE if agree else DISAGREE, locale)


def consent_required(locale: str) -> str:
    from intake.errors import message_for

    with i18n.use_locale(locale):
        return message_for("consents.process", "consent_required", {})


def emergency(locale: str, number: str) -> str:
    return f"⚠️ {text(EMERGENCY, locale, number=number)} {text(EMERGENCY_FREE, locale)}"


def closing(locale: str, reference: str, link: str = "") -> str:
    follow = (text(FOLLOW, locale, link=link),) if link else ()
    return "\n\n".join((text(DONE, locale), text(NEXT, locale), *follow,
                        text(REFERENCE, locale, reference=reference)))


def language_prompt() -> str:
    return CHOOSE_LANGUAGE


"""Validation errors: stable codes per field, and the words shown for them.

Field keys are dotted paths into the request, the same in the JSON API and in the HTML form's
field names: `name`, `contact_windows.0.end`, `details.persons.1.birth_date`, `files`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yhteys.i18n import gettext as _
from yhteys.i18n import lazy_gettext


@dataclass(frozen=True)
class FieldError:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, key: str) -> str:
        return message_for(key, self.code, self.params)


class Errors:
    """Errors keyed by field, in the order they were found (the order of the form)."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[FieldError]] = {}

    def add(self, key: str, code: str, **params: Any) -> None:
        entries = self._by_key.setdefault(key, [])
        if all(e.code != code for e in entries):
            entries.append(FieldError(code, params))

    def has(self, key: str) -> bool:
        return key in self._by_key

    def discard(self, key: str) -> None:
        """Forget the errors of `key` (a question that turned out not to be asked)."""
        self._by_key.pop(key, None)

    def under(self, prefix: str) -> bool:
        """Any error at `prefix` or inside it."""
        return any(k == prefix or k.startswith(prefix + ".") for k in self._by_key)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def __iter__(self) -> Iterator[tuple[str, list[FieldError]]]:
        return iter(self._by_key.items())

    def codes(self) -> dict[str, list[str]]:
        return {key: [e.code for e in entries] for key, entries in self}

    def messages(self) -> dict[str, list[str]]:
        """Field key to messages in the current language (for the HTML form)."""
        return {key: [e.message(key) for e in entries] for key, entries in self}

    def as_problem_errors(self) -> dict[str, list[dict[str, str]]]:
        """The `errors` member of the API's problem details."""
        return {
            key: [{"code": e.code, "message": e.message(key)} for e in entries]
            for key, entries in self
        }


GENERIC = {
    "required": lazy_gettext("This is required."),
    "too_long": lazy_gettext("This is too long: at most %(max)s characters (now %(length)s)."),
    "line_break": lazy_gettext("Write this on one line, without line breaks."),
    "invalid_characters": lazy_gettext(
        "This contains characters that cannot be used. Please retype it."
    ),
    "invalid_type": lazy_gettext("This value is not of the right type."),
    "invalid_choice": lazy_gettext("Choose one of the options."),
    "invalid_number": lazy_gettext("Write a number, for example 34."),
    "out_of_range": lazy_gettext("Write a number from %(min)s to %(max)s."),
    "invalid_date": lazy_gettext("Write a real date, for example 14.3.2024."),
    "date_in_future": lazy_gettext("This date is in the future. Check the date."),
    # A date typed into the form's three boxes (intake.fields.DateParts).
    "date_needs_day": lazy_gettext("Write the day."),
    "date_needs_month": lazy_gettext("Write the month."),
    "date_needs_year": lazy_gettext("Write the year."),
    "date_incomplete": lazy_gettext("Write the day, the month and the year."),
    "date_day_without_month": lazy_gettext("Write the month too, or leave the day empty."),
    "date_not_numbers": lazy_gettext("Use numbers only, for example 27 3 2007."),
    "date_not_real": lazy_gettext("This date does not exist. Check the day and the month."),
    "date_year_digits": lazy_gettext("Write the year with four numbers, for example 2007."),
    "date_year_too_early": lazy_gettext("The year must be %(min)s or later."),
    "invalid_time": lazy_gettext("Write a time, for example 09:30."),
    "time_order": lazy_gettext("The end time must be later than the start time."),
    "too_many": lazy_gettext("Too many rows: at most %(max)s."),
    "invalid_email": lazy_gettext("Write an email address like name@example.com."),
    "invalid_phone": lazy_gettext(
        "Write a phone number, for example 040 123 4567 or +46 70 123 4567."
    ),
    "consent_required": lazy_gettext("We can only handle your request with this consent."),
    "unknown_field": lazy_gettext("This field is not part of the request."),
    "invalid_object": lazy_gettext("This must be an object with fields."),
    "invalid_list": lazy_gettext("This must be a list."),
}

# Clearer words where the field says more than the generic message can.
SPECIFIC = {
    ("name", "required"): lazy_gettext("Write your name or a nickname."),
    ("message", "required"): lazy_gettext("Tell us briefly how we can help you."),
    ("body", "required"): lazy_gettext("Write your message."),
    ("contact_channel", "required"): lazy_gettext("Choose how we can contact you."),
    ("contact_address", "required"): lazy_gettext(
        "Write the phone number or email address for the way of contact you chose."
    ),
    ("backup_address", "required"): lazy_gettext(
        "Write the phone number or email address for this way."
    ),
    ("backup_channel", "required"): lazy_gettext(
        "Choose which way of contact this address is for."
    ),
    ("language", "required"): lazy_gettext("Choose the language you prefer."),
    ("consents.process", "consent_required"): lazy_gettext(
        "We can only handle your request if you agree that we use your information for it."
    ),
    ("consents.search", "consent_required"): lazy_gettext(
        "We can only search for your family member if you agree to the search."
    ),
    ("details.members", "required"): lazy_gettext("Tell us about at least one family member."),
    ("details.persons", "required"): lazy_gettext("Tell us about the person you are looking for."),
    ("details.persons.*.name", "required"): lazy_gettext(
        "Write the person's name, as well as you know it."
    ),
    ("details.persons.*.relationship", "required"): lazy_gettext(
        "Choose how the person is related to you."
    ),
    ("details.members.*.relationship", "required"): lazy_gettext(
        "Choose how this person is related to you."
    ),
    ("details.migri_number", "invalid_migri_number"): lazy_gettext(
        "Copy the number as it is written in the letter from Migri. Use only letters, "
        "numbers, - and /."
    ),
    ("details.members.*.name", "required"): lazy_gettext(
        "Write the person's name, as well as you know it."
    ),
    ("details.sponsor_status", "required"): lazy_gettext("Choose the residence status in Finland."),
    ("details.stage", "required"): lazy_gettext("Choose where the application is now."),
    ("details.topics", "required"): lazy_gettext("Choose at least one topic."),
    ("contact_windows.*.day", "required"): lazy_gettext("Choose a day for these times."),
    ("pin", "invalid_pin"): lazy_gettext("Write exactly 6 digits, for example 402913."),
    # Attachments: the codes of intake.attachments.AttachmentError.
    ("files", "too_large"): lazy_gettext(
        "“%(filename)s” is larger than %(mb)s MB. Send a smaller file or a photo."
    ),
    ("files", "type_not_allowed"): lazy_gettext(
        "“%(filename)s” cannot be sent. Send a PDF or a photo (JPEG, PNG or HEIC)."
    ),
    ("files", "too_many"): lazy_gettext("You can send at most %(max)s files at once."),
    ("files", "empty"): lazy_gettext("“%(filename)s” is empty. Choose the file again."),
    ("files", "unreadable"): lazy_gettext(
        "“%(filename)s” is damaged or cannot be opened. Try another file."
    ),
}

_INDEX = re.compile(r"\.\d+(?=\.|$)")


def message_for(key: str, code: str, params: dict[str, Any]) -> str:
    pattern = _INDEX.sub(".*", key)
    text = SPECIFIC.get((pattern, code)) or GENERIC.get(code)
    if text is None:
        return _("This is not valid.")
    translated = str(text)  # the lazy label, translated now, in the current language
    return translated % params if params else translated

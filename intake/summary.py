"""What the person sent, in words, for their status page ("What you told us").

Codes become the labels of the page's language; empty answers are left out. The labels are the
form's own, so the person recognises the questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake import choices
from intake.models import Case
from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import gettext as _
from yhteys.i18n import lazy_gettext as _l

LABELS = {
    "name": _l("Your name or a nickname"),
    "language": _l("Your language"),
    "interpreter_language": _l("Interpreter's language"),
    "contact_channel": _l("Way of contact"),
    "contact_address": _l("Address or number"),
    "backup_channel": _l("Another way to reach you"),
    "backup_address": _l("Address or number"),
    "area": _l("Municipality or area where you live"),
    # Family reunification
    "sponsor_status": _l("Residence status in Finland"),
    "decision_date": _l("Date the decision on this status was received"),
    "sponsor_minor": _l("Is the family member in Finland under 18?"),
    "family_before_finland": _l("Did the family exist before coming to Finland?"),
    "relationship": _l("Relationship to you"),
    "age": _l("Age"),
    "country": _l("Country where they live now"),
    "stage": _l("Where is the application now?"),
    "applied_on": _l("Date of the application"),
    "help_wanted": _l("What would you like help with?"),
    # Tracing
    "name_original": _l("Name in the original script"),
    "other_spellings": _l("Other spellings or other names"),
    "sex": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "approximate_age": _l("Or approximate age now"),
    "nationality": _l("Nationality"),
    "last_place": _l("Last known place"),
    "last_seen": _l("When were they there?"),
    "last_contact_date": _l("When did you last have contact?"),
    "last_contact_channel": _l("How was the last contact?"),
    "minor_when_separated": _l("Was the person under 18 when you were separated?"),
    "separation": _l("What separated you?"),
    "other_organisation": _l("Is another organisation already searching for them?"),
    "other_organisation_name": _l("Which organisation?"),
    # Social services
    "topics": _l("What do you need help with?"),
    "municipality": _l("Municipality where you live or stay"),
    "children_with_you": _l("Do you have children with you?"),
    "children_count": _l("How many children?"),
    "no_place_tonight": _l("I have no safe place to sleep tonight"),
    "health_emergency": _l("I have an urgent health problem"),
    "in_danger": _l("I am in danger or threatened"),
}

CODES: dict[str, Mapping[str, Any]] = {
    "language": INTERPRETER_LANGUAGES,
    "interpreter_language": INTERPRETER_LANGUAGES,
    "contact_channel": choices.CHANNELS,
    "backup_channel": choices.CHANNELS,
    "sponsor_status": choices.SPONSOR_STATUSES,
    "sponsor_minor": choices.YES_NO,
    "family_before_finland": choices.YES_NO_UNKNOWN,
    "stage": choices.STAGES,
    "help_wanted": choices.HELP_WANTED,
    "sex": choices.SEXES,
    "last_contact_channel": choices.LAST_CONTACT_CHANNELS,
    "minor_when_separated": choices.YES_NO_UNKNOWN,
    "separation": choices.SEPARATIONS,
    "other_organisation": choices.YES_NO_UNKNOWN,
    "topics": choices.TOPICS,
    "children_with_you": choices.YES_NO,
}
ROW_TITLES = {"members": _l("Family member %(n)s"), "persons": _l("Person %(n)s")}
COMMON = (
    "name",
    "language",
    "interpreter_language",
    "contact_channel",
    "contact_address",
    "backup_channel",
    "backup_address",
    "area",
)


def _words(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else ""
    codes = CODES.get(field, {})
    if field == "relationship":
        codes = {**choices.MEMBER_RELATIONSHIPS, **choices.TRACING_RELATIONSHIPS}
    if isinstance(value, list):
        return ", ".join(str(codes.get(v, v)) for v in value)
    return str(codes.get(value, value)) if value is not None else ""


def _pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for field, value in values.items():
        if field in ROW_TITLES and isinstance(value, list):
            for index, row in enumerate(value, start=1):
                if isinstance(row, Mapping):
                    rows.append((str(ROW_TITLES[field]) % {"n": index}, ""))
                    rows.extend(_pairs(row))
            continue
        text = _words(field, value)
        if text and field in LABELS:
            rows.append((str(LABELS[field]), text))
    return rows


def case_summary(case: Case) -> list[tuple[str, str]]:
    """(label, answer) rows; a row with an empty answer is the title of a group of rows."""
    common = {field: getattr(case, field) for field in COMMON}
    if not case.interpreter_needed:
        common["interpreter_language"] = ""
    return _pairs(common) + _pairs(case.details or {})

"""What the person sent, in words, for their status page ("What you told us").

Codes become the labels of the page's language; empty answers are left out. The labels are the
form's own, so the person recognises the questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake import choices
from intake.masking import mask_address
from intake.models import Case
from yhteys.i18n import INTERPRETER_LANGUAGES, lazy_gettext
from yhteys.i18n import gettext as _

LABELS = {
    "name": lazy_gettext("Your name or a nickname"),
    "language": lazy_gettext("Your language"),
    "interpreter_language": lazy_gettext("Interpreter's language"),
    "contact_channel": lazy_gettext("Way of contact"),
    "contact_address": lazy_gettext("Address or number"),
    "backup_channel": lazy_gettext("Another way to reach you"),
    "backup_address": lazy_gettext("Address or number"),
    "area": lazy_gettext("Municipality or area where you live"),
    # Family reunification
    "sponsor_status": lazy_gettext("Residence status in Finland"),
    "decision_date": lazy_gettext("Date the decision on this status was received"),
    "sponsor_minor": lazy_gettext("Is the family member in Finland under 18?"),
    "family_before_finland": lazy_gettext("Did the family exist before coming to Finland?"),
    "relationship": lazy_gettext("Relationship to you"),
    "age": lazy_gettext("Age"),
    "country": lazy_gettext("Country where they live now"),
    "stage": lazy_gettext("Where is the application now?"),
    "applied_on": lazy_gettext("Date of the application"),
    "help_wanted": lazy_gettext("What would you like help with?"),
    # Tracing
    "name_original": lazy_gettext("Name in the original script"),
    "other_spellings": lazy_gettext("Other spellings or other names"),
    "sex": lazy_gettext("Sex"),
    "birth_date": lazy_gettext("Date of birth"),
    "approximate_age": lazy_gettext("Or approximate age now"),
    "nationality": lazy_gettext("Nationality"),
    "last_place": lazy_gettext("Last known place"),
    "last_seen": lazy_gettext("When were they there?"),
    "last_contact_date": lazy_gettext("When did you last have contact?"),
    "last_contact_channel": lazy_gettext("How was the last contact?"),
    "minor_when_separated": lazy_gettext("Was the person under 18 when you were separated?"),
    "separation": lazy_gettext("What separated you?"),
    "other_organisation": lazy_gettext("Is another organisation already searching for them?"),
    "other_organisation_name": lazy_gettext("Which organisation?"),
    # Social services
    "topics": lazy_gettext("What do you need help with?"),
    "municipality": lazy_gettext("Municipality where you live or stay"),
    "children_with_you": lazy_gettext("Do you have children with you?"),
    "children_count": lazy_gettext("How many children?"),
    "no_place_tonight": lazy_gettext("I have no safe place to sleep tonight"),
    "health_emergency": lazy_gettext("I have an urgent health problem"),
    "in_danger": lazy_gettext("I am in danger or threatened"),
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
ROW_TITLES = {
    "members": lazy_gettext("Family member %(n)s"),
    "persons": lazy_gettext("Person %(n)s"),
}
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
    # Whoever holds the page (or the phone) must not learn the addresses from it.
    common["contact_address"] = mask_address(case.contact_channel, case.contact_address)
    common["backup_address"] = mask_address(case.backup_channel, case.backup_address)
    if not case.interpreter_needed:
        common["interpreter_language"] = ""
    if case.kind == "social_services" and case.area == (case.details or {}).get("municipality"):
        common["area"] = ""  # asked once, as the municipality
    return _pairs(common) + _pairs(case.details or {})

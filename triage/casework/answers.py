"""Every answer of a case, labelled, for the case view.

Walks the kind's input schema (intake.schemas), so a field intake adds shows up here by itself:
choices show their label, yes/no shows as words, lists become numbered groups. A key stored in
the details that the schema does not know is shown too, under its own name: nothing is hidden.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.fields import Boolean, Choice, Date, ListOf, MultiChoice, Nested, PartialDate
from intake.schemas import DETAILS, ContactWindow
from yhteys.i18n import gettext as _
from yhteys.i18n import lazy_gettext

FIELD_LABELS = {
    # family reunification
    "sponsor_status": lazy_gettext("Status of the family member in Finland (the sponsor)"),
    "decision_date": lazy_gettext("Date of the sponsor's decision"),
    "sponsor_minor": lazy_gettext("Sponsor under 18"),
    "family_before_finland": lazy_gettext("Family existed before the sponsor came to Finland"),
    "members": lazy_gettext("Family members"),
    "relationship": lazy_gettext("Relationship"),
    "age": lazy_gettext("Age"),
    "country": lazy_gettext("Country"),
    "stage": lazy_gettext("Stage of the application"),
    "applied_on": lazy_gettext("Applied on"),
    "help_wanted": lazy_gettext("Help wanted with"),
    # tracing
    "persons": lazy_gettext("Sought persons"),
    "name": lazy_gettext("Name"),
    "name_original": lazy_gettext("Name in the original script"),
    "other_spellings": lazy_gettext("Other spellings or names"),
    "sex": lazy_gettext("Sex"),
    "birth_date": lazy_gettext("Date of birth"),
    "approximate_age": lazy_gettext("Approximate age"),
    "nationality": lazy_gettext("Nationality"),
    "last_place": lazy_gettext("Last known place"),
    "last_seen": lazy_gettext("Last seen there"),
    "last_contact_date": lazy_gettext("Last contact"),
    "last_contact_channel": lazy_gettext("Last contact by"),
    "minor_when_separated": lazy_gettext("Minor when separated"),
    "separation": lazy_gettext("Circumstances of the separation"),
    "other_organisation": lazy_gettext("Another organisation searches too"),
    "other_organisation_name": lazy_gettext("Name of the other organisation"),
    # social services
    "topics": lazy_gettext("Topics"),
    "municipality": lazy_gettext("Municipality"),
    "children_with_you": lazy_gettext("Children with the client"),
    "children_count": lazy_gettext("Number of children"),
    "no_place_tonight": lazy_gettext("No safe place to sleep tonight"),
    "health_emergency": lazy_gettext("Urgent health problem"),
    "in_danger": lazy_gettext("In danger or threatened"),
    # contact windows
    "day": lazy_gettext("Day"),
    "start": lazy_gettext("From"),
    "end": lazy_gettext("Until"),
}


@dataclass
class Answer:
    label: str
    value: str = ""
    groups: list[list[Answer]] = field(default_factory=list)  # rows of a list field


def label_for(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ").capitalize()


def _options(spec: Any) -> Mapping[str, Any]:
    options = spec.options() if callable(spec.options) else spec.options
    return options if isinstance(options, Mapping) else {}


def _value(spec: Any, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(spec, Choice):
        return str(_options(spec).get(value, value))
    if isinstance(spec, MultiChoice) and isinstance(value, list):
        options = _options(spec)
        return ", ".join(str(options.get(v, v)) for v in value)
    if isinstance(spec, Date | PartialDate) and isinstance(value, str):
        return _readable_date(value)
    if isinstance(spec, Boolean) or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) \
            else ", ".join(str(v) for v in value)
    return str(value)


def _readable_date(value: str) -> str:
    """"2019-03-14" in the reader's way of writing dates; a year or a month stays as it is."""
    from datetime import date

    from yhteys.templating import _format_date

    try:
        return _format_date(date.fromisoformat(value)) if len(value) == 10 else value
    except ValueError:
        return value


def _walk(cls: type | None, data: Mapping[str, Any]) -> list[Answer]:
    answers: list[Answer] = []
    known: set[str] = set()
    for f in dataclasses.fields(cls) if cls else ():
        known.add(f.name)
        spec = f.metadata.get("spec")
        value = data.get(f.name)
        if isinstance(spec, ListOf):
            rows = [row for row in value or [] if isinstance(row, Mapping)]
            answers.append(Answer(label_for(f.name), groups=[_walk(spec.item, r) for r in rows]))
        elif isinstance(spec, Nested) and isinstance(value, Mapping):
            answers.append(Answer(label_for(f.name), groups=[_walk(spec.item, value)]))
        else:
            answers.append(Answer(label_for(f.name), _value(spec, value)))
    for key, value in data.items():  # whatever the schema does not (or no longer) describe
        if key not in known:
            answers.append(Answer(label_for(key), _value(None, value)))
    return answers


def details(kind: str, data: Mapping[str, Any] | None) -> list[Answer]:
    return _walk(DETAILS.get(kind), data if isinstance(data, Mapping) else {})


def contact_windows(windows: list[Any] | None) -> list[Answer]:
    rows = [w for w in windows or [] if isinstance(w, Mapping)]
    return [Answer(_("Times to call"), groups=[_walk(ContactWindow, w) for w in rows])]

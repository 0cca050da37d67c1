"""Every answer of a case, labelled, for the case view.

Walks the kind's questions (`intake.questions`), so a question intake adds shows up here by
itself, under the very label the person answered: choices show their label, yes/no shows as
words, repeating groups become numbered groups. A key stored in the details that the questions
do not know is shown too, under its own name: nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake import questions
from intake.fields import Boolean, Choice, Date, MultiChoice, PartialDate
from yhteys.i18n import gettext as _


@dataclass
class Answer:
    label: str
    value: str = ""
    groups: list[list[Answer]] = field(default_factory=list)  # rows of a repeating group


def label_for(name: str) -> str:
    """A key no question describes (any more): its own name, readable."""
    return name.replace("_", " ").capitalize()


def _value(question: questions.Question | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    spec = question.parser if question is not None else None
    options = question.choices if question is not None else {}
    if isinstance(spec, Choice):
        return str(options.get(value, value))
    if isinstance(spec, MultiChoice) and isinstance(value, list):
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


def _walk(items: list[Any] | tuple[Any, ...], data: Mapping[str, Any]) -> list[Answer]:
    answers: list[Answer] = []
    known: set[str] = set()
    for item in items:
        if not item.case_page:
            continue
        known.add(item.name)
        value = data.get(item.name)
        if isinstance(item, questions.Group):
            rows = [row for row in value or [] if isinstance(row, Mapping)]
            groups = [_walk(item.questions, row) for row in rows]
            answers.append(Answer(str(item.label), groups=groups))
        else:
            answers.append(Answer(str(item.label), _value(item, value)))
    for key, value in data.items():  # whatever the questions do not (or no longer) describe
        if key not in known:
            answers.append(Answer(label_for(key), _value(None, value)))
    return answers


def details(kind: str, data: Mapping[str, Any] | None) -> list[Answer]:
    return _walk(questions.details_items(kind), data if isinstance(data, Mapping) else {})

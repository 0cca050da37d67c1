"""What the person sent, in words, for their status page ("What you told us").

Walks the kind's questions (`intake.questions`), so every answer is shown under the very label
the form asked it with. Codes become the labels of the page's language; empty answers are left
out; a repeating group shows each row under its title ("Person 2").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake import questions
from intake.masking import mask_address
from intake.models import Case
from yhteys.i18n import gettext as _


def _words(question: questions.Question, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else ""
    codes = question.choices
    if isinstance(value, list):
        return ", ".join(str(codes.get(v, v)) for v in value)
    return str(codes.get(value, value)) if value is not None else ""


def _pairs(items: list[Any] | tuple[Any, ...], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for item in items:
        if not item.status_page:
            continue
        value = values.get(item.name)
        if isinstance(item, questions.Group):
            for index, row in enumerate(value if isinstance(value, list) else [], start=1):
                if isinstance(row, Mapping):
                    rows.append((str(item.row_title or item.label) % {"n": index}, ""))
                    rows.extend(_pairs(item.questions, row))
            continue
        text = _words(item, value)
        if text:
            rows.append((str(item.label), text))
    return rows


def _common(case: Case) -> dict[str, Any]:
    common = {
        item.name: getattr(case, item.name, None)
        for item in _common_items()
        if isinstance(item, questions.Question) and "." not in item.key
    }
    # Whoever holds the page (or the phone) must not learn the addresses from it.
    common["contact_address"] = mask_address(case.contact_channel, case.contact_address)
    common["backup_address"] = mask_address(case.backup_channel, case.backup_address)
    if not case.interpreter_needed:
        common["interpreter_language"] = ""
    if case.kind == "social_services" and case.area == (case.details or {}).get("municipality"):
        common["area"] = ""  # asked once, as the municipality
    return common


def _common_items() -> list[questions.Question | questions.Group]:
    # Every kind's: a partner's API request may give an answer its kind's form does not ask.
    return [i for i in questions.items() if not i.key.startswith("details.")]


def case_summary(case: Case) -> list[tuple[str, str]]:
    """(label, answer) rows; a row with an empty answer is the title of a group of rows."""
    return _pairs(_common_items(), _common(case)) + _pairs(
        questions.details_items(case.kind), case.details or {}
    )

"""The input schemas: what a person may send, field by field, for each kind of request.

Generated from the questions (`intake.questions`): one dataclass for the common part, one for the
details of each kind, one for a row of each repeating group. Each field carries its question's
parser (`intake.fields`), so `intake.validation` parses with them and `intake.openapi` turns the
same classes into the API's JSON Schema: the two can never disagree with the form.

Every field asks only what an advisor needs to help; no identity numbers anywhere.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from intake import questions as q
from intake.fields import FieldType, ListOf, Nested, spec
from intake.questions import ADDRESS_MAX, MESSAGE_MAX, NAME_MAX

__all__ = ["ADDRESS_MAX", "MESSAGE_MAX", "NAME_MAX", "case_input", "details_schema", "schemas"]

DETAILS_NAMES = {
    "family_reunification": "FamilyReunificationDetails",
    "tracing": "TracingDetails",
    "social_services": "SocialServicesDetails",
    "other": "OtherDetails",
}
NESTED_NAMES = {"consents": "Consents"}
DOCS = {
    "CaseInput": "What every request has. Stored in the columns of the case.",
    "OtherDetails": "Nothing beyond the common part: the message says it.",
}


def _field(item: q.Question | q.Group) -> tuple[str, Any, Any]:
    kind: FieldType
    if isinstance(item, q.Group):
        row = _row_class(item)
        kind = ListOf(row, item.max_rows, required=item.required)
    else:
        kind = item.parser
    return item.name, Any, spec(kind, doc=item.doc, question=item)


def _make(name: str, fields: list[tuple[str, Any, Any]], doc: str | None = None) -> type:
    cls = dataclasses.make_dataclass(name, fields, namespace={"__module__": __name__})
    cls.__doc__ = doc or DOCS.get(name) or f"{name}()"
    return cls


def _row_class(group: q.Group) -> type:
    return _make(group.schema_name, [_field(x) for x in group.questions], group.doc)


@cache
def case_input() -> type:
    """The common part of every request (the Case columns, and the consents)."""
    fields = [("kind", Any, spec(q.KIND.parser, question=q.KIND))]
    nested: dict[str, list[q.Question]] = {}
    for item in q.items():
        if item.key.startswith("details."):
            continue
        parent, _dot, _name = item.key.rpartition(".")
        if parent and isinstance(item, q.Question):
            if parent not in nested:
                nested[parent] = []
                fields.append((parent, Any, None))  # placeholder: keeps the form's order
            nested[parent].append(item)
        else:
            fields.append(_field(item))
    for parent, members in nested.items():
        cls = _make(NESTED_NAMES.get(parent, parent.title()), [_field(m) for m in members])
        index = next(i for i, f in enumerate(fields) if f[0] == parent)
        fields[index] = (parent, Any, spec(Nested(cls)))
    return _make("CaseInput", fields)


@cache
def details_schema(kind: str) -> type | None:
    """The details of one kind (Case.details); None for a kind that does not exist."""
    if kind not in DETAILS_NAMES:
        return None
    return _make(DETAILS_NAMES[kind], [_field(item) for item in q.details_items(kind)])


def schemas() -> dict[str, type]:
    """Every dataclass by its name: the common part, nested parts, details, group rows."""
    found: dict[str, type] = {}

    def add(cls: type) -> None:
        found.setdefault(cls.__name__, cls)
        for f in dataclasses.fields(cls):
            kind = f.metadata.get("spec")
            if isinstance(kind, ListOf | Nested):
                add(kind.item)

    add(case_input())
    for kind in DETAILS_NAMES:
        cls = details_schema(kind)
        if cls is not None:
            add(cls)
    return found


@q.on_change
def _forget() -> None:
    case_input.cache_clear()
    details_schema.cache_clear()

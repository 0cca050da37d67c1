"""The HTML forms: form posts to the request dict `intake.validation` reads, and back.

Form field names are the dotted paths of the request (`details.members.0.age`), so an error's
key is also the name of the field it belongs to. A date is typed into three boxes named after it
(`details.decision_date.day`, `.month`, `.year`); they arrive at the parser together as one
`DateParts`, and the error names the boxes that are wrong.

Rows (family members, sought persons, contact times) work without JavaScript: the form shows a
few empty rows and an "add another" submit button that shows the same form again with one more
row; empty rows are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from intake import questions
from intake.choices import PHONE_CHANNELS
from intake.errors import Errors
from intake.fields import PARTS, DateParts

CONTROL_FIELDS = frozenset({"csrf_token", "idempotency_key", "leave_empty", "add_row", "files",
                            "no_links", "pin"})  # the last two: intake/reopen.py, not the case
_NAME = re.compile(r"^[a-z_]{1,40}(\.([a-z_]{1,40}|\d{1,2})){0,4}$")
DATE_INPUTS = frozenset({"date", "partial_date"})


def rows(kind: str) -> dict[str, tuple[int, int]]:
    """Rows each repeating group shows when the form is new, and the most it may grow to."""
    return {g.key: (g.rows_shown, g.max_rows) for g in questions.groups(kind)}


def _multi_names(kind: str) -> set[str]:
    return {q.key for q in questions.questions(kind) if q.input == "checkboxes"}


def _date_keys(kind: str) -> list[str]:
    return [q.key for q in questions.questions(kind) if q.input in DATE_INPUTS]


def _gather_dates(node: Any, path: list[str]) -> None:
    """The boxes of the date at `path` ("*" for every row) become one DateParts."""
    head, *rest = path
    if head == "*":
        for row in node if isinstance(node, list) else ():
            _gather_dates(row, rest)
    elif isinstance(node, dict) and head in node:
        if rest:
            _gather_dates(node[head], rest)
        elif isinstance(node[head], dict):
            node[head] = DateParts.from_form(node[head])


def _blank(value: Any) -> bool:
    if isinstance(value, DateParts):
        return value.blank
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip())


def _listify(value: Any) -> Any:
    """{"0": {...}, "2": {...}} from numbered field names becomes a list, blank rows dropped."""
    if not isinstance(value, dict):
        return value
    if value and all(k.isdigit() for k in value):
        rows = [_listify(value[k]) for k in sorted(value, key=int)]
        return [row for row in rows if not _blank(row)]
    return {k: _listify(v) for k, v in value.items()}


def payload_from_form(kind: str, form: FormData) -> dict[str, Any]:
    """The request a form post describes, as strings (the validator parses them)."""
    payload: dict[str, Any] = {}
    multi = _multi_names(kind)
    posted: dict[str, list[str]] = {}  # one pass: getlist() reads the whole form for each name
    for name, value in form.multi_items():
        if isinstance(value, str):
            posted.setdefault(name, []).append(value)
    for name, values in posted.items():
        if name in CONTROL_FIELDS or name.startswith("rows.") or not _NAME.match(name):
            continue
        node = payload
        *parents, leaf = name.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = values if name in multi else values[0]
    payload = _listify(payload)
    for key in _date_keys(kind):
        _gather_dates(payload, key.split("."))
    payload["kind"] = kind
    for address in ADDRESS_FIELDS.values():
        payload[address] = payload.get(_address_input(address, payload), "")
    return payload


# A phone number and an email address are typed into fields of their own (type=tel and
# type=email, so a phone shows the right keyboard); the chosen channel decides which one counts.
ADDRESS_FIELDS = {"contact_channel": "contact_address", "backup_channel": "backup_address"}
_CHANNEL_OF = {address: channel for channel, address in ADDRESS_FIELDS.items()}


def _address_input(address: str, payload: Mapping[str, Any]) -> str:
    """The input that holds the address for the chosen channel (with none chosen, the filled one:
    the person is then asked to choose the channel, not to type the address again)."""
    channel = payload.get(_CHANNEL_OF[address])
    if channel == "email":
        return f"{address}_email"
    if channel in PHONE_CHANNELS or payload.get(f"{address}_phone"):
        return f"{address}_phone"
    return f"{address}_email"


def invalid_parts(errors: Errors) -> dict[str, tuple[str, ...]]:
    """The boxes of each date that are wrong: only they are marked invalid."""
    found: dict[str, tuple[str, ...]] = {}
    for key, entries in errors:
        for entry in entries:
            parts = entry.params.get("parts")
            if isinstance(parts, tuple):
                found[key] = tuple(p for p in PARTS if p in parts or p in found.get(key, ()))
    return found


def html_errors(errors: Errors, payload: Mapping[str, Any]) -> dict[str, list[str]]:
    """Messages by form field: an address error belongs to the input that was used."""
    messages = errors.messages()
    for address in ADDRESS_FIELDS.values():
        if address in messages:
            target = _address_input(address, payload)
            messages[target] = messages.pop(address) + messages.get(target, [])
    return messages


def form_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The request back as field name to value, to fill the form in again."""
    values: dict[str, Any] = {}

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(child, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for index, child in enumerate(value):
                walk(child, f"{name}.{index}")
        elif isinstance(value, DateParts):
            values.update((f"{name}.{part}", getattr(value, part)) for part in PARTS)
        elif isinstance(value, bool):
            values[name] = "yes" if value else ""
        elif value is None:
            values[name] = ""
        else:
            values[name] = value if isinstance(value, list) else str(value)

    walk(payload, "")
    return values


def row_counts(kind: str, payload: Mapping[str, Any], form: FormData | None = None) -> dict:
    """How many rows each list shows: what was filled in, at least as many as before."""
    counts: dict[str, int] = {}
    for name, (default, most) in rows(kind).items():
        node: Any = payload
        for part in name.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        filled = len(node) if isinstance(node, list) else 0
        shown = default
        if form is not None:
            raw = form.get(f"rows.{name}")
            if isinstance(raw, str) and raw.isdigit():
                shown = int(raw)
        counts[name] = max(1, min(most, max(shown, filled)))
    return counts


def add_row(kind: str, counts: dict[str, int], which: str) -> bool:
    """One more row in list `which`; False when it is not a list or is already full."""
    if which not in counts:
        return False
    most = rows(kind)[which][1]
    if counts[which] >= most:
        return False
    counts[which] += 1
    return True


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


# After the form's own fields: the status page's reply.
AFTER_FORM = ("body",)


def _form_position(key: str, order: list[str]) -> int:
    first = key.split(".", 1)[0]
    return order.index(first) if first in order else len(order)


def error_summary(
    messages: Mapping[str, list[str]], parts: Mapping[str, tuple[str, ...]] | None = None
) -> list[tuple[str, str]]:
    """(link target, message) for the summary at the top of the form, in the form's order; a
    date's message links to its first wrong box."""
    order = [*questions.form_order(), *AFTER_FORM]
    ordered = sorted(messages.items(), key=lambda item: _form_position(item[0], order))  # stable
    boxes = parts or {}

    def target(key: str) -> str:
        return field_id(f"{key}.{boxes[key][0]}") if boxes.get(key) else field_id(key)

    return [(target(key), text) for key, texts in ordered for text in texts]

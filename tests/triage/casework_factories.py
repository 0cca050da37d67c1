"""Cases for casework tests: rows made directly, then announced as intake announces them."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from sqlmodel import Session

from intake import events
from intake.models import Case, CaseMessage
from yhteys.db import get_engine

_numbers = itertools.count(1)
ALPHABET = "34679CDFHJKMNPQRTWXY"


def reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(9))
    return f"{code[:3]}-{code[3:6]}-{code[6:]}"


def case_row(**fields: Any) -> Case:
    n = next(_numbers)
    values: dict[str, Any] = {
        "reference": reference(),
        "kind": "other",
        "name": f"Client {n}",
        "language": "fi",
        "ui_locale": "fi",
        "contact_channel": "email",
        "contact_address": f"client{n}@example.net",
        "message": "Please help.",
        "details": {},
        "status_secret_hash": secrets.token_hex(32),
    }
    values.update(fields)
    return Case(**values)


def make_case(announce: bool = True, **fields: Any) -> Case:
    """A committed case; with announce, routed, assessed and clocked like a real submission."""
    from triage import hooks

    hooks.register()
    with Session(get_engine(), expire_on_commit=False) as db:
        case = case_row(**fields)
        if announce:  # decided before its INSERT, as a submitted case is (intake.service)
            events.case_arriving(db, case)
        db.add(case)
        db.flush()
        if announce:
            events.case_created(db, case)
        db.commit()
        db.refresh(case)
        return case


def client_writes(case_id: int, body: str = "Here is my answer.") -> CaseMessage:
    from intake.service import add_client_message

    return add_client_message(case_id, body)


def fresh(case_id: int) -> Case:
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case

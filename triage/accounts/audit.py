"""The audit trail: who did what, when, to which case. Append-only.

`record` adds an event to the caller's unit of work, so the event and the change it describes are
committed together or not at all. Actions are `noun.verb` strings (`case.view`, `case.update`,
`attachment.download`, `login.success`, ...); `detail` is a small JSON object of ids, codes and
field names — never what a person wrote, never a name, address or email.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func
from sqlmodel import Session, col, select
from starlette.requests import Request

from triage.accounts.models import AuditEvent, StaffUser
from yhteys.client import client_key
from yhteys.clock import now
from yhteys.settings import get_settings

MAX_DETAIL_BYTES = 2000
PER_PAGE = 50
# A select of either shape (the rows, or their count) that the filters narrow.
_Select = TypeVar("_Select", bound=Select[Any])


def record(
    session: Session,
    *,
    actor: StaffUser | None,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
    request: Request | None = None,
) -> AuditEvent:
    """Add one audit event to `session` (the caller commits)."""
    detail = dict(detail or {})
    if len(json.dumps(detail, default=str)) > MAX_DETAIL_BYTES:
        raise ValueError("audit detail is too large: keep it to ids and codes")
    event = AuditEvent(
        at=now(),
        actor_id=actor.id if actor is not None else None,
        action=action[:64],
        case_id=case_id,
        detail=json.loads(json.dumps(detail, default=str)),
        client_hash=client_key(request) if request is not None else "",
    )
    session.add(event)
    return event


def pseudonym(value: str) -> str:
    """A keyed hash that lets the trail match repeated attempts without storing the value."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"audit|{value}".encode(), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    action: str = ""
    case_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _where(statement: _Select, filters: Filters) -> _Select:
    if filters.actor_id is not None:
        statement = statement.where(col(AuditEvent.actor_id) == filters.actor_id)
    if filters.action:
        if filters.action.endswith("."):
            statement = statement.where(col(AuditEvent.action).startswith(filters.action))
        else:
            statement = statement.where(col(AuditEvent.action) == filters.action)
    if filters.case_id is not None:
        statement = statement.where(col(AuditEvent.case_id) == filters.case_id)
    if filters.since is not None:
        statement = statement.where(col(AuditEvent.at) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(AuditEvent.at) < filters.until)
    return statement


def search(session: Session, filters: Filters, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of events, newest first."""
    page = max(1, page)
    total = session.exec(_where(select(func.count()).select_from(AuditEvent), filters)).one()
    events = session.exec(
        _where(select(AuditEvent), filters)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(events), int(total), page, per_page)


def iterate(session: Session, filters: Filters, *, limit: int = 100_000) -> list[AuditEvent]:
    """Every matching event, oldest first (the CSV export)."""
    return list(
        session.exec(
            _where(select(AuditEvent), filters)
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
            .limit(limit)
        ).all()
    )


def actions(session: Session) -> list[str]:
    """The actions present in the trail, for the filter's choices."""
    return sorted(session.exec(select(AuditEvent.action).distinct()).all())


def for_case(session: Session, case_id: int, *, limit: int = 200) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(limit)
        ).all()
    )

"""Browsing and exporting the audit trail (supervisors)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from intake.models import Case
from triage.accounts import audit
from triage.accounts.models import AuditEvent, StaffUser
from triage.accounts.users import all_users
from triage.pages import db_session, page, requires
from yhteys.clock import HELSINKI, as_utc
from yhteys.db import pk

EXPORT_LIMIT = 100_000


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _case_id(db: Session, raw: str) -> int | None:
    """A case reference (as printed for the client) or a numeric id; -1 when nothing matches."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    found = db.exec(select(Case.id).where(Case.reference == raw.upper())).first()
    return found if found is not None else -1


def _filters(db: Session, params) -> tuple[audit.Filters, dict[str, str]]:  # noqa: ANN001
    actor = params.get("actor", "")
    since, until = _day(params.get("since")), _day(params.get("until"))
    filters = audit.Filters(
        actor_id=int(actor) if actor.isdigit() else None,
        action=params.get("action", "")[:64],
        case_id=_case_id(db, params.get("case", "")[:40]),
        since=datetime.combine(since, time(), HELSINKI) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), HELSINKI) if until else None,
    )
    form = {name: params.get(name, "")[:64] for name in ("actor", "action", "case", "since",
                                                          "until")}
    return filters, form


def _labels(
    db: Session, events: list[AuditEvent]
) -> tuple[dict[int, str], dict[int | None, str]]:
    actors = {e.actor_id for e in events if e.actor_id is not None}
    cases = {e.case_id for e in events if e.case_id is not None}
    actor_names: dict[int, str] = {}
    if actors:
        for user in db.exec(select(StaffUser).where(col(StaffUser.id).in_(actors))).all():
            actor_names[pk(user)] = user.label
    references: dict[int | None, str] = {}
    if cases:
        for case_id, reference in db.exec(
            select(col(Case.id), col(Case.reference)).where(col(Case.id).in_(cases))
        ).all():
            references[case_id] = reference
    return actor_names, references


def _browse(params) -> dict:  # noqa: ANN001
    with db_session() as db:
        filters, form = _filters(db, params)
        page_number = int(params["page"]) if params.get("page", "").isdigit() else 1
        result = audit.search(db, filters, page=page_number)
        actor_names, references = _labels(db, result.events)
        query = {k: v for k, v in form.items() if v}
        return {
            "result": result,
            "form": form,
            "actors": all_users(db),
            "actions": audit.actions(db),
            "actor_names": actor_names,
            "references": references,
            "query": urlencode(query),
            "page_url": lambda n: "/triage/audit?" + urlencode({**query, "page": n}),
        }


@requires("supervisor")
async def browse(request: Request) -> Response:
    context = await run_in_threadpool(_browse, request.query_params)
    return page(request, "triage/accounts/audit.html", context)


def _export(request: Request, params) -> str:  # noqa: ANN001
    with db_session() as db:
        filters, form = _filters(db, params)
        events = audit.iterate(db, filters, limit=EXPORT_LIMIT)
        actor_names, references = _labels(db, events)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "at_utc", "actor_id", "actor", "action", "case_id",
                         "case_reference", "detail", "client"])
        for e in events:
            writer.writerow([
                e.id, as_utc(e.at).isoformat(), e.actor_id or "",
                _cell(actor_names.get(e.actor_id, "")) if e.actor_id else "",
                e.action, e.case_id or "", references.get(e.case_id, "") if e.case_id else "",
                json.dumps(e.detail, sort_keys=True), e.client_hash,
            ])
        # The case goes in the event's own column, so the export shows up in that case's trail.
        audit.record(db, actor=request.state.staff, action="audit.export",
                     case_id=filters.case_id if filters.case_id and filters.case_id > 0 else None,
                     detail={"rows": len(events),
                             "filters": {k: v for k, v in form.items() if v and k != "case"}},
                     request=request)
        db.commit()
        return buffer.getvalue()


def _cell(value: str) -> str:
    """Keep a spreadsheet from reading a name as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@requires("supervisor")
async def export(request: Request) -> Response:
    body = await run_in_threadpool(_export, request, request.query_params)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="yhteys-audit.csv"'},
    )

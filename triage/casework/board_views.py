"""The board page: columns by state, filters in the query string (bookmarkable, no JavaScript)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from intake.choices import KINDS as KIND_LABELS
from intake.models import KINDS, PRIORITIES
from triage.accounts import audit
from triage.accounts.models import StaffUser, Team
from triage.casework import board, board_news, due_words, search
from triage.casework.board_news import Notice
from triage.casework.describe import (
    OUTCOME_LABELS,
    PRIORITY_LABELS,
    STATE_LABELS,
    kind_label,
    with_words,
)
from triage.pages import clipped, csrf_message, db_session, page, requires
from yhteys import csrf
from yhteys.clock import now
from yhteys.db import autocommit, pk
from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import gettext as _
from yhteys.templating import bidi


def columns_context(loaded: board.Board, user: StaffUser, at: datetime,
                    notice: Notice | None) -> dict[str, Any]:
    """What _columns.html needs, the whole page and the fragment a claim or a move swaps in."""
    def due_of(case: board.Card) -> due_words.Due | None:
        if case.state not in board.RUNNING_STATES:
            return None
        return due_words.due(case.due_at, at)

    # The labels in this request's language once, as plain text: up to 125 cards would each
    # translate them again (they are lazy, looked up whenever shown).
    kinds = {code: kind_label(code) for code in KIND_LABELS}
    # The names cards repeat (a team's, an assignee's), made safe for the page once per board.
    return {"board": loaded, "user": user, "notice": notice, "due_of": due_of,
            "team_labels": {i: bidi(name) for i, name in loaded.teams.items()},
            "people_labels": {i: bidi(name) for i, name in loaded.people.items()},
            "my_team_ids": user.team_ids,
            "state_labels": _plain(STATE_LABELS), "priority_labels": _plain(PRIORITY_LABELS),
            "outcome_labels": _plain(OUTCOME_LABELS),
            "kind_label": lambda kind: kinds.get(kind, kind)}


def _plain(labels: Mapping[str, object]) -> dict[str, str]:
    return {code: str(label) for code, label in labels.items()}


def _load(user: StaffUser, params: dict[str, str], request: Request) -> dict[str, Any]:
    filters = board.Filters.read(params)
    at = now()
    with db_session() as db:
        autocommit(db)  # reads, and the audit event: the one row written
        loaded = board.load(db, user, filters, at, choices=True)
        notice = board_news.from_params(db, user, params)
        detail = {k: v for k, v in board.Filters.read(params).__dict__.items()
                  if k != "pages" and v not in ("", False)}
        audit.record(db, actor=user, action="board.view", detail=detail, request=request)
        db.commit()
        return {
            **columns_context(loaded, user, at, notice),
            "kinds": KINDS,
            "priorities": PRIORITIES,
            "languages": INTERPRETER_LANGUAGES,
            "assignees": loaded.assignees,
        }


@requires("advisor", "supervisor")
async def board_page(request: Request) -> Response:
    params = dict(request.query_params)
    context = await run_in_threadpool(_load, request.state.staff, params, request)
    return page(request, "triage/casework/board.html", with_words(context))


# --- Search: a POST, so the name or number typed stays out of addresses, logs and history -------


def _search(user: StaffUser, typed: str, request: Request) -> dict[str, Any]:
    query = search.Query.read(typed)
    with db_session() as db:
        result = search.find(db, user, query)
        if query.usable:
            audit.record(db, actor=user, action="case.search", request=request,
                         detail=search.audit_detail(query, result))
            db.commit()
        people_ids = {c.assignee_id for c in result.cases if c.assignee_id}
        people = {
            pk(u): u.label
            for u in db.scalars(select(StaffUser).where(col(StaffUser.id).in_(people_ids)))
        } if people_ids else {}
        teams = {pk(t): t.name for t in db.scalars(select(Team))}
        return {"user": user, "typed": typed, "searched": True, "usable": query.usable,
                "result": result, "people": people, "teams": teams,
                "min_length": search.MIN_LENGTH, "limit": search.LIMIT}


@requires("advisor", "supervisor")
async def search_page(request: Request) -> Response:
    context = {"user": request.state.staff, "typed": "", "searched": False, "error": "",
               "min_length": search.MIN_LENGTH}
    return page(request, "triage/casework/board_search.html", with_words(context))


@requires("advisor", "supervisor")
async def search_submit(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    typed = clipped(form, "q", search.MAX_QUERY)
    if not checked.ok:
        context = {"user": request.state.staff, "typed": typed, "searched": False,
                   "error": csrf_message(checked), "min_length": search.MIN_LENGTH}
        return page(request, "triage/casework/board_search.html", with_words(context),
                    status_code=400)
    context = await run_in_threadpool(_search, request.state.staff, typed, request)
    context["error"] = "" if context["usable"] else _(
        "Type at least %(n)s letters of a name, a phone number, an email address or a part of "
        "the reference.", n=search.MIN_LENGTH)
    return page(request, "triage/casework/board_search.html", with_words(context),
                status_code=200 if context["usable"] else 400)

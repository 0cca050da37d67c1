"""The board page: columns by state, filters in the query string (bookmarkable, no JavaScript)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from intake.models import KINDS, PRIORITIES
from triage.accounts import audit
from triage.accounts.models import StaffUser
from triage.casework import board
from triage.casework.describe import with_words
from triage.pages import db_session, page, requires
from yhteys.clock import now
from yhteys.i18n import INTERPRETER_LANGUAGES


def _load(user: StaffUser, params: dict[str, str], request: Request) -> dict[str, Any]:
    filters = board.Filters.read(params)
    with db_session() as db:
        loaded = board.load(db, user, filters, now())
        detail = {k: v for k, v in board.Filters.read(params).__dict__.items()
                  if k != "pages" and v not in ("", False)}
        audit.record(db, actor=user, action="board.view", detail=detail, request=request)
        db.commit()
        return {
            "board": loaded,
            "user": user,
            "kinds": KINDS,
            "priorities": PRIORITIES,
            "languages": INTERPRETER_LANGUAGES,
            "assignees": board.assignee_choices(db, user),
            "notice": None,
        }


@requires("advisor", "supervisor")
async def board_page(request: Request) -> Response:
    params = dict(request.query_params)
    context = await run_in_threadpool(_load, request.state.staff, params, request)
    return page(request, "triage/casework/board.html", with_words(context))

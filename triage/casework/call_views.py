"""The "to call today" page for advisors."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit
from triage.accounts.models import StaffUser
from triage.casework import call_list
from triage.pages import db_session, page, requires
from yhteys.clock import local_now


def _load(user: StaffUser, request: Request) -> list[call_list.CallDue]:
    with db_session() as db:
        due = call_list.due_today(db, user, local_now().date())
        audit.record(db, actor=user, action="calls.today", request=request,
                     detail={"count": len(due)})
        db.commit()
        return due


@requires("advisor", "supervisor")
async def calls_today(request: Request) -> Response:
    due = await run_in_threadpool(_load, request.state.staff, request)
    return page(request, "triage/casework/calls_today.html", {"due": due})

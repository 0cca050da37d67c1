"""The supervisors' page of the language pool: who is named for each language, added and removed.

Thin: read the form, call `language_pool`, record it in the audit trail, render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit
from triage.accounts.models import StaffUser
from triage.casework import language_pool
from triage.casework.describe import with_words
from triage.pages import csrf_message, db_session, integer, page, redirect, requires, text
from yhteys import csrf
from yhteys.db import pk
from yhteys.i18n import gettext as _

PATH = "/triage/language-pool"
EMPTY_FORM = {"what": "", "language": "", "user": "", "name": "", "contact": ""}

POOL_ERRORS: dict[str, Callable[[], str]] = {
    "language": lambda: _("Choose a language."),
    "choose_staff": lambda: _("Choose a staff member."),
    "cannot_take": lambda: _(
        "This account cannot be given cases: it is disabled, has no advisor or supervisor "
        "role, or is in no team."),
    "already": lambda: _("Already in the pool for this language."),
    "name": lambda: _("Write the interpreter's name (at most 120 characters)."),
    "contact": lambda: _("Write how to book the interpreter, for example a phone number "
                         "(at most 200 characters)."),
}


def _context(db: Session) -> dict[str, Any]:
    choices = language_pool.languages()
    people = [u for u in db.scalars(select(StaffUser).order_by(col(StaffUser.display_name),
                                                               col(StaffUser.email)))
              if language_pool.can_be_offered(u)]
    return {"pools": language_pool.listing(db, list(choices)), "languages": choices,
            "people": people}


def _view(user: StaffUser, request: Request) -> dict[str, Any]:
    with db_session() as db:
        audit.record(db, actor=user, action="language_pool.view", request=request)
        db.commit()
        return _context(db)


@requires("supervisor")
async def pool_page(request: Request) -> Response:
    context = await run_in_threadpool(_view, request.state.staff, request)
    context.update(form=EMPTY_FORM, errors={}, error="",
                   saved=request.query_params.get("saved") == "1")
    return page(request, "triage/casework/language_pool.html", with_words(context))


def _add(user: StaffUser, form: FormData, request: Request) -> dict[str, str]:
    """The member named in the form added; the errors by field when not."""
    what, language = text(form, "what", 12), text(form, "language", 8)
    with db_session() as db:
        try:
            if what == "interpreter":
                member = language_pool.add_interpreter(
                    db, language, text(form, "name", 400), text(form, "contact", 800), pk(user))
            else:
                member = language_pool.add_staff(db, language, integer(form, "user"), pk(user))
        except language_pool.PoolError as refused:
            return {refused.field: POOL_ERRORS[refused.code]()}
        # The interpreter's name and number stay out of the trail: the row's id says who.
        audit.record(db, actor=user, action="language_pool.add", request=request,
                     detail={"member_id": member.id, "language": language,
                             "user_id": member.user_id, "interpreter": member.user_id is None})
        db.commit()
    return {}


@requires("supervisor")
async def pool_add(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    errors = {"form": csrf_message(checked)} if not checked.ok else {}
    if not errors:
        errors = await run_in_threadpool(_add, request.state.staff, form, request)
    if not errors:
        return redirect(f"{PATH}?saved=1")

    def load() -> dict[str, Any]:
        with db_session() as db:
            return _context(db)

    context = await run_in_threadpool(load)
    context.update(errors=errors, error=errors.get("form", ""), saved=False, form={
        "what": text(form, "what", 12), "language": text(form, "language", 8),
        "user": text(form, "user", 12), "name": text(form, "name", 400),
        "contact": text(form, "contact", 800)})
    return page(request, "triage/casework/language_pool.html", with_words(context),
                status_code=400)


def _remove(user: StaffUser, member_id: int, request: Request) -> None:
    with db_session() as db:
        member = language_pool.remove(db, member_id)
        if member is not None:
            audit.record(db, actor=user, action="language_pool.remove", request=request,
                         detail={"member_id": member_id, "language": member.language,
                                 "user_id": member.user_id})
            db.commit()


@requires("supervisor")
async def pool_remove(request: Request) -> Response:
    form = await request.form()
    if not csrf.check(request, form).ok:
        return redirect(PATH)
    await run_in_threadpool(_remove, request.state.staff, request.path_params["member_id"],
                            request)
    return redirect(f"{PATH}?saved=1")

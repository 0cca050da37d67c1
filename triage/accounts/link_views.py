"""Setting a password through an emailed link (a new account, or after a reset by an admin).

The page needs no login: the link is the credential, used once. Setting the password ends every
session of the account and clears its login locks; then she logs in (with her second factor, or
enrols one when it was reset).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from triage.accounts import audit, links, login, sessions
from triage.accounts.passwords import password_problem
from triage.accounts.users import set_password
from triage.pages import clipped, csrf_message, db_session, page, raw, redirect
from yhteys import csrf
from yhteys.db import pk
from yhteys.i18n import gettext as _


def _invalid(request: Request) -> Response:
    # Like a status link: a used, expired or made-up link is simply not found.
    return page(request, "triage/accounts/link_expired.html", {}, status_code=404)


def _form(request: Request, token: str, email: str, *, errors: dict[str, str] | None = None,
          error: str = "", status_code: int = 200) -> Response:
    return page(request, "triage/accounts/set_password.html",
                {"token": token, "email": email, "errors": errors or {}, "error": error},
                status_code=status_code)


def _email_of(token: str) -> str | None:
    with db_session() as db:
        found = links.find(db, token)
        return found[1].email if found else None


async def set_password_page(request: Request) -> Response:
    token = request.query_params.get("token", "")[:100]
    email = await run_in_threadpool(_email_of, token)
    if email is None:
        return _invalid(request)
    return _form(request, token, email)


def _set(request: Request, token: str, new: str, repeat: str) -> tuple[str | None, dict]:
    """(email, errors): email None when the link is not valid (any more)."""
    with db_session() as db:
        found = links.find(db, token)
        if found is None:
            return None, {}
        link, user = found
        problem = password_problem(new, email=user.email)
        errors = {"new": problem} if problem else {}
        if not errors and new != repeat:
            errors["repeat"] = _("The two new passwords are not the same.")
        if errors:
            return user.email, errors
        if not links.use(db, link):
            return None, {}
        set_password(db, user, new)
        login.clear_all_locks(db, pk(user))
        ended = sessions.revoke_all(db, pk(user))
        audit.record(db, actor=user, action="password.set", request=request,
                     detail={"link": link.purpose, "sessions_ended": ended})
        db.commit()
        return user.email, {}


async def set_password_submit(request: Request) -> Response:
    form = await request.form()
    token = clipped(form, "token", 100)
    checked = csrf.check(request, form)
    if not checked.ok:
        email = await run_in_threadpool(_email_of, token)
        if email is None:
            return _invalid(request)
        return _form(request, token, email, error=csrf_message(checked), status_code=400)
    email, errors = await run_in_threadpool(_set, request, token, raw(form, "new"),
                                            raw(form, "repeat"))
    if email is None:
        return _invalid(request)
    if errors:
        return _form(request, token, email, errors=errors,
                     error=_("The password was not set."), status_code=400)
    return redirect("/triage/login?set=1")

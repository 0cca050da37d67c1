"""Partner API keys (administrators only): the list, a new key shown once, revocation."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from intake import partners
from triage.accounts import api_keys
from triage.accounts.models import StaffUser
from triage.pages import clipped, csrf_message, db_session, page, redirect, requires
from yhteys import csrf
from yhteys.i18n import gettext as _

LIST = "triage/accounts/api_keys.html"


def _list_page(request: Request, form: api_keys.KeyForm | None = None, *,
               errors: dict[str, str] | None = None, error: str = "",
               status_code: int = 200) -> Response:
    with db_session() as db:
        keys = partners.all_keys(db)
    return page(request, LIST, {"keys": keys, "form": form or api_keys.KeyForm(),
                                "errors": errors or {}, "error": error,
                                "scope_names": partners.SCOPES}, status_code=status_code)


@requires("admin")
async def key_list(request: Request) -> Response:
    return await run_in_threadpool(_list_page, request)


def _create(request: Request, actor: StaffUser, data: api_keys.KeyForm) -> tuple[str, str, str]:
    with db_session() as db:
        issued = api_keys.create(db, request, actor, data)
        db.commit()
        return issued.token, issued.api_key.key_id, issued.api_key.name


@requires("admin")
async def key_create(request: Request) -> Response:
    form = await request.form()
    data = api_keys.KeyForm.read(form)
    checked = csrf.check(request, form)
    if not checked.ok:
        return await run_in_threadpool(_list_page, request, data, error=csrf_message(checked),
                                       status_code=400)
    errors = data.errors()
    if errors:
        return await run_in_threadpool(_list_page, request, data, errors=errors,
                                       error=_("The key was not made."), status_code=400)
    token, key_id, name = await run_in_threadpool(_create, request, request.state.staff, data)
    return page(request, "triage/accounts/api_key_created.html",
                {"token": token, "key_id": key_id, "name": name})


def _revoke(request: Request, actor: StaffUser, api_key_id: int) -> bool:
    with db_session() as db:
        revoked = api_keys.revoke(db, request, actor, api_key_id)
        db.commit()
        return revoked is not None


@requires("admin")
async def key_revoke(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    if not checked.ok:
        return await run_in_threadpool(_list_page, request, error=csrf_message(checked),
                                       status_code=400)
    raw_id = clipped(form, "api_key_id", 12)
    if not raw_id.isdigit() or not await run_in_threadpool(
        _revoke, request, request.state.staff, int(raw_id)
    ):
        return await run_in_threadpool(_list_page, request, error=_("There is no such key."),
                                       status_code=400)
    return redirect("/triage/admin/api-keys?revoked=1")

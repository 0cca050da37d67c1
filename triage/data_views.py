"""Supervisor downloads and data-protection requests: the case list as CSV or XLSX, a case's
access export, its erasure. Thin handlers: the work is in `triage.exports` and
`triage.privacy_requests`; every one of them is audited."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intake.attachments import content_disposition
from intake.models import Case
from triage import exports, privacy_requests
from triage.accounts import audit
from triage.accounts.models import StaffUser
from triage.casework.board import normalise_reference
from triage.pages import csrf_message, db_session, page, redirect, requires, text
from yhteys import csrf
from yhteys.clock import now
from yhteys.i18n import gettext as _

_NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def _download(body: bytes, media_type: str, filename: str) -> Response:
    headers = {**_NO_STORE, "content-disposition": content_disposition(filename)}
    return Response(body, media_type=media_type, headers=headers)


def _case_list(user: StaffUser, params: dict[str, str], request: Request,
               fmt: str) -> bytes:
    filters = exports.ExportFilters.read(params)
    with db_session() as db:
        table = list(exports.rows(db, user, filters, now()))
        audit.record(db, actor=user, action=f"export.cases_{fmt}", request=request,
                     detail={**filters.detail(), "rows": len(table) - 1})
        db.commit()
    return exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)


@requires("supervisor")
async def cases_csv(request: Request) -> Response:
    body = await run_in_threadpool(_case_list, request.state.staff,
                                   dict(request.query_params), request, "csv")
    return _download(body, "text/csv; charset=utf-8", f"cases-{now():%Y-%m-%d}.csv")


@requires("supervisor")
async def cases_xlsx(request: Request) -> Response:
    body = await run_in_threadpool(_case_list, request.state.staff,
                                   dict(request.query_params), request, "xlsx")
    return _download(body, exports.XLSX_TYPE, f"cases-{now():%Y-%m-%d}.xlsx")


def _case(db: Any, reference: str) -> Case:
    from sqlmodel import select

    case = db.exec(select(Case).where(Case.reference == normalise_reference(reference))).first()
    if case is None:
        raise HTTPException(404)
    return case


def _access(user: StaffUser, reference: str, request: Request) -> tuple[str, bytes]:
    with db_session() as db:
        case = _case(db, reference)
        body = privacy_requests.access_export(db, case)
        audit.record(db, actor=user, action="case.access_export", case_id=case.id,
                     request=request)
        db.commit()
        return case.reference, body


@requires("supervisor")
async def access_export(request: Request) -> Response:
    reference, body = await run_in_threadpool(
        _access, request.state.staff, request.path_params["reference"], request)
    return _download(body, "application/zip", f"{reference}.zip")


def _reason_labels() -> dict[str, str]:
    return {
        "data_subject_request": _("The person asked for erasure"),
        "consent_withdrawn": _("The person withdrew consent"),
        "unlawful_processing": _("The data should not have been collected"),
        "other": _("Another legal reason"),
    }


def _erase_page(request: Request, case: Case, error: str = "", status: int = 200) -> Response:
    return page(request, "triage/casework/erase.html", {
        "case": case, "reasons": _reason_labels(), "error": error,
    }, status_code=status)


def _load(reference: str) -> Case:
    with db_session() as db:
        return _case(db, reference)


@requires("supervisor")
async def erase_form(request: Request) -> Response:
    case = await run_in_threadpool(_load, request.path_params["reference"])
    return _erase_page(request, case)


def _erase(user: StaffUser, reference: str, reason: str, request: Request) -> str:
    with db_session() as db:
        case = _case(db, reference)
        try:
            privacy_requests.erase(db, case, user, reason)
        except privacy_requests.ErasureRefused:
            db.rollback()
            return ""
        db.commit()
        return case.reference


@requires("supervisor")
async def erase_submit(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    reference = request.path_params["reference"]
    if not checked.ok:
        case = await run_in_threadpool(_load, reference)
        return _erase_page(request, case, csrf_message(checked), 403)
    reason = text(form, "reason", 40)
    done = await run_in_threadpool(_erase, request.state.staff, reference, reason, request)
    if not done:
        case = await run_in_threadpool(_load, reference)
        message = (_("This case has been anonymised already.") if case.anonymised_at
                   else _("Choose the reason for the erasure."))
        return _erase_page(request, case, message, 400)
    return redirect(f"/triage/cases/{done}")


routes = [
    Route("/exports/cases.csv", cases_csv, methods=["GET"], name="exports.cases_csv"),
    Route("/exports/cases.xlsx", cases_xlsx, methods=["GET"], name="exports.cases_xlsx"),
    Route("/cases/{reference}/access-export", access_export, methods=["GET"],
          name="privacy.access_export"),
    Route("/cases/{reference}/erase", erase_form, methods=["GET"], name="privacy.erase_form"),
    Route("/cases/{reference}/erase", erase_submit, methods=["POST"], name="privacy.erase"),
]

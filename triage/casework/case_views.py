"""The case view and its actions. Thin: parse the form, call `actions`, render.

Every action form posts normally (works without JavaScript) and carries the case version; on
the board, htmx posts the same forms and swaps the returned columns in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from intake import attachments, uploads
from intake.errors import Errors
from intake.models import Attachment, Case
from triage.accounts import audit
from triage.accounts.auth import can_read_case
from triage.accounts.models import StaffUser
from triage.casework import actions, board, board_news, board_views, calls, case_page, saved_replies
from triage.casework.board_news import Notice
from triage.casework.describe import not_allowed_message, with_words
from triage.casework.models import SavedReply
from triage.pages import (
    csrf_message,
    db_session,
    integer,
    is_htmx,
    page,
    redirect,
    requires,
    text,
)
from yhteys import csrf
from yhteys.clock import now
from yhteys.i18n import gettext as _

STAFF_ROLES = ("advisor", "supervisor")
DRAFT_FIELDS = {"reply": 5000, "note": 5000, "priority_reason": 500, "refer_reason": 500,
                "other": 20}

DONE = {
    "claim": lambda: _("You took the case."),
    "assign": lambda: _("Assignment saved."),
    "state": lambda: _("State changed."),
    "priority": lambda: _("Priority changed."),
    "refer": lambda: _("Case referred to the other team."),
    "close": lambda: _("Case closed."),
    "reply": lambda: _("Reply sent to the client."),
    "note": lambda: _("Note added."),
    "call": lambda: _("Call logged."),
    "seen": lambda: _("Marked as seen."),
    "end_link": lambda: _("The client's status link was ended. It opens nothing any more."),
    "duplicate": lambda: _("Duplicates updated."),
    "route": lambda: _("Routing rules applied again."),
    "transfer": lambda: _("Your request for a transfer was recorded; the team will see it."),
    "speaker": lambda: _("The case was given to an advisor who speaks the client's language."),
}


@dataclass
class Result:
    case: Case | None = None
    status: int = 200
    notice: Notice | None = None
    context: dict[str, Any] = field(default_factory=dict)
    limited: bool = False


def _drafts(form: FormData | None) -> dict[str, str]:
    return {name: text(form, name, limit) if form else "" for name, limit in DRAFT_FIELDS.items()}


def _full(db: Session, case: Case, user: StaffUser, request: Request, form: FormData | None,
          notice: Notice | None, status: int = 200, drafts: dict[str, str] | None = None
          ) -> Result:
    context = case_page.context(db, case, user, now())
    context["draft"] = drafts if drafts is not None else _drafts(form)
    context["max_files"] = attachments.MAX_FILES
    context["max_mb"] = attachments.MAX_BYTES // (1024 * 1024)
    context.setdefault("file_errors", [])
    return Result(case, status, notice, context)


def _readable(db: Session, reference: str, user: StaffUser) -> Case:
    """The case, or the same 404 whether it does not exist or belongs to another team.

    A different answer for another team's case would confirm to anyone holding a staff account
    that a reference (a person) exists.
    """
    case = case_page.find(db, reference)
    if case is None or not can_read_case(user, case.team_id):
        raise HTTPException(404)
    return case


def _not_found(reference: str, notice_code: str) -> Result:
    """The page of a case the user cannot open: the same for a missing and a hidden case."""
    notice = Notice("ok", DONE["transfer"]()) if notice_code == "transfer" else None
    return Result(None, 404, notice, {"reference": reference}, limited=True)


def _view(reference: str, user: StaffUser, request: Request, notice_code: str) -> Result:
    with db_session() as db:
        case = case_page.find(db, reference)
        if case is None:
            return _not_found(reference, notice_code)
        if not can_read_case(user, case.team_id):
            audit.record(db, actor=user, action="case.view_limited", case_id=case.id,
                         request=request)
            db.commit()
            return _not_found(reference, notice_code)
        audit.record(db, actor=user, action="case.view", case_id=case.id, request=request)
        db.commit()
        notice = Notice("ok", DONE[notice_code]()) if notice_code in DONE else None
        return _full(db, case, user, request, None, notice)


def _render(request: Request, result: Result) -> Response:
    if result.limited:
        return page(request, "triage/casework/case_not_found.html",
                    with_words(dict(result.context, notice=result.notice)), status_code=404)
    context = dict(result.context, notice=result.notice)
    return page(request, "triage/casework/case.html", with_words(context),
                status_code=result.status)


@requires(*STAFF_ROLES)
async def case_view(request: Request) -> Response:
    reference = board.normalise_reference(request.path_params["reference"])
    done = request.query_params.get("done", "")
    result = await run_in_threadpool(_view, reference, request.state.staff, request, done)
    return _render(request, result)


# --- Actions -------------------------------------------------------------------------------------

Perform = Callable[[Session, Case, int, StaffUser, FormData, Request], object]  # result unused


def _assign(db: Session, case: Case, v: int, user: StaffUser, form: FormData, req: Request) -> None:
    choice = text(form, "assignee", 12)
    target = user.id if choice == "me" else integer(form, "assignee")
    actions.assign_to(db, case, v, user, None if choice == "none" else target, req)


def _duplicate(db: Session, case: Case, v: int, user: StaffUser, form: FormData,
               req: Request) -> None:
    other = case_page.find(db, board.normalise_reference(text(form, "other", 20)))
    if other is None or not can_read_case(user, other.team_id):
        raise actions.NotAllowed("no_such_case")
    operation = text(form, "op", 10)
    if operation == "dismiss":
        actions.dismiss_duplicate(db, case, v, user, other, req)
    else:
        actions.link_duplicate(db, case, v, user, other, operation == "merge", req)


PERFORM: dict[str, Perform] = {
    "claim": lambda db, c, v, u, f, r: actions.claim(db, c, v, u, r),
    "assign": _assign,
    "state": lambda db, c, v, u, f, r: actions.change_state(db, c, v, u, text(f, "state", 20), r),
    "priority": lambda db, c, v, u, f, r: actions.change_priority(
        db, c, v, u, text(f, "priority", 10), text(f, "priority_reason", 500), r),
    "refer": lambda db, c, v, u, f, r: actions.refer(
        db, c, v, u, integer(f, "team") or 0, text(f, "refer_reason", 500), r),
    "close": lambda db, c, v, u, f, r: actions.close(db, c, v, u, text(f, "outcome", 32), r),
    "reply": lambda db, c, v, u, f, r: actions.reply(
        db, c, v, u, text(f, "reply", 5000), f.get("wait") == "on", r),
    "note": lambda db, c, v, u, f, r: actions.add_note(db, c, v, u, text(f, "note", 5000), r),
    "seen": lambda db, c, v, u, f, r: actions.mark_seen(db, c, v, u, r),
    "end_link": lambda db, c, v, u, f, r: actions.end_link(db, c, v, u, r),
    "duplicate": _duplicate,
    "route": lambda db, c, v, u, f, r: actions.route_again(db, c, v, u, r),
    "speaker": lambda db, c, v, u, f, r: actions.give_to_speaker(
        db, c, v, u, integer(f, "speaker") or 0, integer(f, "team") or 0, r),
    "call": lambda db, c, v, u, f, r: calls.log_call(db, c, v, u, text(f, "call_outcome", 20), r),
}


def _perform(name: str, reference: str, user: StaffUser, form: FormData,
             request: Request, perform: Perform | None = None) -> Result:
    with db_session() as db:
        case = _readable(db, reference, user)
        version = integer(form, "version")
        try:
            if version is None:
                raise actions.Stale
            (perform or PERFORM[name])(db, case, version, user, form, request)
            db.commit()
        except actions.Stale:
            db.rollback()
            return _stale(db, reference, user, request, form, name)
        except actions.NotAllowed as refused:
            db.rollback()
            db.refresh(case)
            notice = Notice("error", _refusal(db, case, refused.code))
            return _full(db, case, user, request, form, notice, 400)
        return Result(case, 303)


def _refusal(db: Session, case: Case, code: str) -> str:
    """Why the action was refused; a refused claim names who has the case."""
    holder = board_news.holder_name(db, case) if code == "already_assigned" else ""
    if holder:
        return _("%(name)s has already taken this case.", name=holder)
    return not_allowed_message(code)


def _stale_text(db: Session, case: Case, user: StaffUser, form: FormData, name: str) -> str:
    if name == "claim" and case.assignee_id not in (None, user.id):
        return _refusal(db, case, "already_assigned")
    if any(_drafts(form).values()):
        return _(
            "Someone else changed this case while you were looking at it, so your change was "
            "not saved. Here is the case as it is now; what you typed is still in the form "
            "below. Check it and send again.")
    return _(
        "Someone else changed this case while you were looking at it, so your change was not "
        "saved. Here is the case as it is now: check it and try again.")


def _stale(db: Session, reference: str, user: StaffUser, request: Request,
           form: FormData, name: str = "") -> Result:
    case = case_page.find(db, reference)
    assert case is not None
    audit.record(db, actor=user, action="case.conflict", case_id=case.id, request=request)
    db.commit()
    notice = Notice("stale", _stale_text(db, case, user, form, name))
    return _full(db, case, user, request, form, notice, 409)


def _board_fragment(request: Request, user: StaffUser, form: FormData, name: str,
                    reference: str, result: Result) -> Response:
    """The board's columns after a claim or a move, with what happened to say and the card
    to keep the keyboard on."""
    from urllib.parse import parse_qsl

    params = dict(parse_qsl(text(form, "board_query", 2000)))
    filters = board.Filters.read(params)
    at = now()
    with db_session() as db:
        loaded = board.load(db, user, filters, at)
        case = case_page.find(db, reference)
        notice = None
        if case is not None and result.status == 303:
            notice = board_news.about(db, user, name, case)
        elif case is not None and result.status == 409:
            notice = board_news.about(db, user, "taken" if name == "claim" else "changed", case)
        elif result.notice is not None:
            notice = Notice(result.notice.kind, result.notice.text, reference)
    return page(request, "triage/casework/_columns.html",
                with_words(board_views.columns_context(loaded, user, at, notice)))


def _board_redirect(form: FormData, name: str, reference: str, result: Result) -> Response:
    """Without JavaScript: back to the board as it was filtered, on the card, with the news."""
    code = name if result.status == 303 else ("taken" if name == "claim" else "changed")
    return redirect(board_news.redirect_query(text(form, "board_query", 2000), code, reference))


def action_endpoint(name: str) -> Callable[[Request], Any]:
    @requires(*STAFF_ROLES)
    async def endpoint(request: Request) -> Response:
        form = await request.form()
        user: StaffUser = request.state.staff
        reference = board.normalise_reference(request.path_params["reference"])
        from_board = text(form, "from", 10) == "board"
        checked = csrf.check(request, form)
        if not checked.ok:
            return await _csrf_failed(request, reference, user, form, checked)
        result = await run_in_threadpool(_perform, name, reference, user, form, request)
        if from_board and is_htmx(request):
            return await run_in_threadpool(_board_fragment, request, user, form, name,
                                           reference, result)
        if from_board and result.status in (303, 409):
            return _board_redirect(form, name, reference, result)
        if result.status == 303:
            return redirect(f"/triage/cases/{reference}?done={name}")
        return _render(request, result)

    endpoint.__name__ = f"case_{name}"
    return endpoint


async def _csrf_failed(request: Request, reference: str, user: StaffUser, form: FormData,
                       checked: csrf.CsrfResult) -> Response:
    def load() -> Result:
        with db_session() as db:
            case = _readable(db, reference, user)
            return _full(db, case, user, request, form, Notice("error", csrf_message(checked)),
                         400)

    return _render(request, await run_in_threadpool(load))


# --- Saved reply insertion (no JavaScript needed: the form comes back with the text) ----------


def _insert(reference: str, user: StaffUser, form: FormData, request: Request) -> Result:
    with db_session() as db:
        case = _readable(db, reference, user)
        drafts = _drafts(form)
        chosen = db.get(SavedReply, integer(form, "saved_reply") or 0)
        notice = None
        if chosen is None:
            notice = Notice("error", _("Choose a saved reply to insert."))
        else:
            drafts["reply"] = saved_replies.insert_into(drafts["reply"], chosen)[:5000]
        audit.record(db, actor=user, action="case.view", case_id=case.id, request=request,
                     detail={"inserted_saved_reply": chosen.id if chosen else None})
        db.commit()
        return _full(db, case, user, request, form, notice, 200, drafts)


@requires(*STAFF_ROLES)
async def reply_endpoint(request: Request) -> Response:
    """The reply form: "Insert" puts a saved reply into the draft, "Send" sends it (with its
    files, if any were chosen)."""
    form = await _reply_form(request)
    if text(form, "do", 10) != "insert":
        if uploads.chosen_files(form):
            return await _send_with_files(request, form)
        return await SEND_REPLY(request)
    user: StaffUser = request.state.staff
    reference = board.normalise_reference(request.path_params["reference"])
    checked = csrf.check(request, form)
    if not checked.ok:
        return await _csrf_failed(request, reference, user, form, checked)
    result = await run_in_threadpool(_insert, reference, user, form, request)
    return _render(request, result)


SEND_REPLY = action_endpoint("reply")


# --- A reply with files --------------------------------------------------------------------------

# The reply, its few fields and the files: the public forms' limit (yhteys/bodylimit.py).
REPLY_MAX_BODY = attachments.MAX_FORM_BYTES
REPLY_MAX_FIELDS = 50


async def _reply_form(request: Request) -> FormData:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > REPLY_MAX_BODY:
        raise HTTPException(413)
    # One file more than allowed still parses, so the form can say "at most N files".
    return await request.form(max_files=attachments.MAX_FILES + 1, max_fields=REPLY_MAX_FIELDS)


def _check_readable(reference: str, user: StaffUser) -> None:
    with db_session() as db:
        _readable(db, reference, user)


def _files_refused(reference: str, user: StaffUser, request: Request, form: FormData,
                   errors: Errors) -> Result:
    with db_session() as db:
        case = _readable(db, reference, user)
        result = _full(db, case, user, request, form,
                       Notice("error", _("The reply was not sent. Attach the files again.")), 422)
        result.context["file_errors"] = errors.messages().get(uploads.FIELD, [])
        return result


async def _send_with_files(request: Request, form: FormData) -> Response:
    """CSRF and the case's team first, then the same checks and cleaning as her uploads, and
    only then the reply, its files and its notice in one transaction."""
    user: StaffUser = request.state.staff
    reference = board.normalise_reference(request.path_params["reference"])
    checked = csrf.check(request, form)
    if not checked.ok:
        return await _csrf_failed(request, reference, user, form, checked)
    await run_in_threadpool(_check_readable, reference, user)
    errors = Errors()
    passed = await uploads.check_files(uploads.chosen_files(form), errors)
    files = [] if errors else await uploads.clean_files(passed, errors)
    if errors:
        result = await run_in_threadpool(_files_refused, reference, user, request, form, errors)
        return _render(request, result)

    def perform(db: Session, case: Case, version: int, actor: StaffUser, posted: FormData,
                req: Request) -> None:
        actions.reply(db, case, version, actor, text(posted, "reply", 5000),
                      posted.get("wait") == "on", req, files=files)

    result = await run_in_threadpool(_perform, "reply", reference, user, form, request, perform)
    if result.status == 303:
        return redirect(f"/triage/cases/{reference}?done=reply")
    return _render(request, result)


# --- Asking for a transfer (advisors of another team) --------------------------------------------


def _transfer(reference: str, user: StaffUser, request: Request) -> None:
    """Recorded when the case exists; the answer is the same when it does not (see _readable)."""
    with db_session() as db:
        case = case_page.find(db, reference)
        if case is None:
            return
        actions.request_transfer(db, case, user, request)
        db.commit()


@requires(*STAFF_ROLES)
async def transfer_request(request: Request) -> Response:
    form = await request.form()
    reference = board.normalise_reference(request.path_params["reference"])
    checked = csrf.check(request, form)
    if not checked.ok:
        raise HTTPException(400, csrf_message(checked))
    await run_in_threadpool(_transfer, reference, request.state.staff, request)
    return redirect(f"/triage/cases/{reference}?done=transfer")


# --- Attachments ---------------------------------------------------------------------------------


def _attachment(reference: str, attachment_id: int, user: StaffUser,
                request: Request) -> tuple[Attachment, bytes]:
    from intake.attachments import AttachmentError, open_attachment

    with db_session() as db:
        case = _readable(db, reference, user)
        attachment = db.get(Attachment, attachment_id)
        if attachment is None or attachment.case_id != case.id:
            raise HTTPException(404)
        try:
            data = open_attachment(attachment)
        except (FileNotFoundError, AttachmentError):
            raise HTTPException(404) from None
        audit.record(db, actor=user, action="attachment.download", case_id=case.id,
                     detail={"attachment_id": attachment.id}, request=request)
        db.commit()
        return attachment, data


@requires(*STAFF_ROLES)
async def attachment_download(request: Request) -> Response:
    from intake.attachments import download_headers

    reference = board.normalise_reference(request.path_params["reference"])
    attachment, data = await run_in_threadpool(
        _attachment, reference, request.path_params["attachment_id"], request.state.staff,
        request)
    from triage.casework.ranges import ranged

    return ranged(data, request.headers.get("range"), attachment.content_type,
                  download_headers(attachment))

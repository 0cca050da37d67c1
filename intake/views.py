"""Public pages. Thin: read the post, call validation and the service, render.

Everything that shows what a person typed, or a status link, is sent with Cache-Control: no-store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from intake import (
    attachments,
    case_files,
    choices,
    expectations,
    forms,
    questions,
    service,
    uploads,
    urgency,
)
from intake.errors import Errors
from intake.fields import Invalid, Text
from intake.forms import field_id
from intake.masking import mask_address
from intake.references import (
    new_idempotency_key,
    new_reference,
    secret_hash,
    status_url,
    valid_idempotency_key,
    whatsapp_code,
    whatsapp_code_hash,
)
from intake.reopen import PIN, AccessChoice, clean_pin
from intake.schemas import MESSAGE_MAX
from intake.summary import case_summary
from intake.validation import validate
from yhteys import csrf, pagecache, ratelimit
from yhteys.client import client_key
from yhteys.compression import SAFE_TO_COMPRESS
from yhteys.db import database_down, pk, session_scope
from yhteys.i18n import INTERPRETER_LANGUAGES, get_locale
from yhteys.settings import get_settings
from yhteys.templating import base_values, environment, render
from yhteys.threads import run_blocking

log = logging.getLogger(__name__)

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
# Every field of the longest form, several rows each, and the files: well within this.
MAX_FORM_FIELDS = 600
# Five files of 10 MB and the text fields; anything bigger is refused before it is read.
MAX_BODY = attachments.MAX_FILES * attachments.MAX_BYTES + 1024 * 1024


async def start(request: Request) -> Response:
    return pagecache.render_public(
        request,
        "intake/start.html",
        lambda: {"kinds": choices.KINDS, "slugs": choices.KIND_SLUGS,
                 "intros": choices.KIND_INTROS},
    )


async def privacy(request: Request) -> Response:
    from intake.privacy import PRIVACY_NOTICE_VERSION

    return render(
        request,
        "intake/privacy.html",
        {"version": PRIVACY_NOTICE_VERSION, "retention_days": get_settings().retention_days},
    )


async def accessibility(request: Request) -> Response:
    """The built-in accessibility statement, or the society's own when one is configured."""
    own = get_settings().accessibility_statement_url
    if own:
        return RedirectResponse(own, status_code=303)
    return render(request, "intake/accessibility.html")


# --- The request forms ---------------------------------------------------------------------------


def _kind(request: Request) -> str:
    kind = choices.SLUG_KINDS.get(request.path_params["slug"])
    if kind is None:
        raise HTTPException(404)
    return kind


def _render_form(
    request: Request,
    kind: str,
    payload: dict[str, Any],
    *,
    errors: Errors | None = None,
    rows: dict[str, int] | None = None,
    key: str | None = None,
    notice: str = "",
    files_lost: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    access: AccessChoice | None = None,
) -> Response:
    context = _form_context(kind, payload, errors=errors, rows=rows, key=key, notice=notice,
                            files_lost=files_lost, access=access)
    return render(
        request,
        "intake/form.html",
        context,
        status_code=status_code,
        headers={**(headers or {}), **NO_STORE},
    )


def _form_context(
    kind: str,
    payload: dict[str, Any],
    *,
    errors: Errors | None = None,
    rows: dict[str, int] | None = None,
    key: str | None = None,
    notice: str = "",
    files_lost: bool = False,
    access: AccessChoice | None = None,
) -> dict[str, Any]:
    messages = forms.html_errors(errors or Errors(), payload)
    parts = forms.invalid_parts(errors or Errors())
    return {
        "kind": kind,
        "slug": choices.KIND_SLUGS[kind],
        "c": choices,
        "languages_all": INTERPRETER_LANGUAGES,
        "values": forms.form_values(payload),
        "errors": messages,
        "summary": forms.error_summary(messages, parts),
        "date_parts": parts,
        "rows": rows or forms.row_counts(kind, payload),
        "rows_max": {name: most for name, (_shown, most) in forms.rows(kind).items()},
        "questions": questions.form(kind),
        "question_labels": {"phone": questions.PHONE_LABEL, "email": questions.EMAIL_LABEL},
        "action": f"/{get_locale()}/request/{choices.KIND_SLUGS[kind]}",
        "idempotency_key": key or new_idempotency_key(),
        "notice": notice,
        "files_lost": files_lost,
        "fid": field_id,
        "max_files": attachments.MAX_FILES,
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "message_max": MESSAGE_MAX,
        "no_links": bool(access and access.no_links),  # the PIN is never shown again
    }


async def request_form(request: Request) -> Response:
    kind = _kind(request)
    # The empty form is the same for everyone in a language but its token and key: rendered
    # once (yhteys/pagecache.py). Nothing typed and no secret but a token masked afresh: it may
    # travel compressed.
    return pagecache.render_public(
        request,
        "intake/form.html",
        lambda: _form_context(kind, {"kind": kind, "language": get_locale()}),
        holes={"idempotency_key": new_idempotency_key},
        headers={SAFE_TO_COMPRESS: "1", **NO_STORE},
    )


# A change of the questions shows on the next empty form.
questions.on_change(pagecache.invalidate)


def _limits() -> dict[str, int]:
    return {"max_files": attachments.MAX_FILES, "max_mb": attachments.MAX_BYTES // (1024 * 1024)}


def too_big_page(request: Request, status_code: int = 413) -> Response:
    """The friendly page for a form post too big to read (also sent by yhteys/bodylimit.py)."""
    return render(
        request, "intake/unreadable.html", _limits(), status_code=status_code, headers=NO_STORE
    )


async def _read_form(request: Request) -> FormData | Response:
    """The posted form, or a friendly page when it is too big or has too many files.

    The body limit middleware (yhteys/bodylimit.py) stops reading at MAX_BODY bytes, with or
    without a Content-Length; a declared length over it is refused here before any byte is read.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        return too_big_page(request)
    try:
        return await request.form(max_files=attachments.MAX_FILES + 1, max_fields=MAX_FORM_FIELDS)
    except HTTPException:  # the multipart parser refused: too many files or fields
        return too_big_page(request, status_code=400)


def _submit_limited(request: Request) -> ratelimit.Decision:
    return ratelimit.check_submission(request)


# How long a person is asked to wait when the database is out of reach.
DATABASE_RETRY_AFTER = 120


def _not_saved(again: Any, exc: SQLAlchemyError, what: str) -> Response:
    """The page again, everything typed kept, saying nothing was saved (or the error re-raised,
    when it is not an outage)."""
    if not database_down(exc):
        raise exc
    log.error("%s not saved: the database is unavailable (%s)", what, type(exc).__name__)
    return again(
        notice="not_saved", status_code=503, headers={"retry-after": str(DATABASE_RETRY_AFTER)}
    )


class WaitNotice(str):
    """The "rate_limited" notice carrying the wait in whole minutes, rounded up; a str, so the
    form and status page renderers pass it to `_notices.html` as any other notice."""

    minutes: int

    def __new__(cls, retry_after: int) -> WaitNotice:
        notice = super().__new__(cls, "rate_limited")
        notice.minutes = max(1, -(-retry_after // 60))
        return notice


def _rate_limited(again: Any, decision: ratelimit.Decision) -> Response:
    return again(
        notice=WaitNotice(decision.retry_after),
        status_code=429,
        headers={"retry-after": str(decision.retry_after)},
    )


async def request_submit(request: Request) -> Response:
    kind = _kind(request)
    form = await _read_form(request)
    if isinstance(form, Response):
        return form
    payload = forms.payload_from_form(kind, form)
    rows = forms.row_counts(kind, payload, form)
    chosen = uploads.chosen_files(form)
    key = form.get("idempotency_key")
    key = key if valid_idempotency_key(key) else new_idempotency_key()
    access, pin_error = _access_choice(form)

    def again(**kwargs: Any) -> Response:
        return _render_form(
            request, kind, payload, rows=rows, key=key, files_lost=bool(chosen), access=access,
            **kwargs,
        )

    if not csrf.check(request, form).ok:
        return again(notice="csrf", status_code=403)
    which = form.get("add_row")
    if isinstance(which, str) and which:
        forms.add_row(kind, rows, which)
        return again()
    if form.get("leave_empty"):
        return _pretend_success(request, kind)

    # Cheap checks of every field and file first; nothing is decoded for a post they refuse.
    errors = Errors()
    result = validate(payload)
    for name, entries in result.errors:
        for entry in entries:
            errors.add(name, entry.code, **entry.params)
    if pin_error:
        errors.add("pin", pin_error)
    checked = await uploads.check_files(chosen, errors)
    if errors or result.submission is None:
        return again(errors=errors, status_code=422)
    counted = False
    if checked:
        # Decoding is the costly part: a post with files is counted before it, so a client over
        # the limit costs no decoding (a resent post with files counts once more).
        decision = _submit_limited(request)
        if not decision.allowed:
            return _rate_limited(again, decision)
        counted = True
    files = await uploads.clean_files(checked, errors)
    if errors:
        return again(errors=errors, status_code=422)
    try:
        outcome = await _save(request, result.submission, key, files, counted=counted,
                              access=access)
    except SQLAlchemyError as exc:
        return _not_saved(again, exc, "request")
    if isinstance(outcome, ratelimit.Decision):
        return _rate_limited(again, outcome)
    # The expectation was read in the submission's own transaction (service.Outcome).
    return _confirmation(request, kind, outcome.reference, outcome.status_url, result.submission,
                         outcome.expectation)


def _access_choice(form: FormData) -> tuple[AccessChoice, str]:
    """The way-back choices of the contact part (intake/reopen.py): no links in messages, and
    an optional PIN; with the error code of a PIN that is not 6 digits."""
    raw = form.get("pin")
    pin = clean_pin(raw if isinstance(raw, str) else "")[:64]
    error = "invalid_pin" if pin and not PIN.match(pin) else ""
    no_links = form.get("no_links") in {"yes", "on"}
    return AccessChoice(no_links=no_links, pin="" if error else pin), error


class _Limited(Exception):  # noqa: N818 - a refusal carried out of the transaction
    def __init__(self, decision: ratelimit.Decision) -> None:
        super().__init__("rate limited")
        self.decision = decision


async def _save(
    request: Request, submission: Any, key: str, files: list, *, counted: bool,
    access: AccessChoice | None = None,
) -> service.Outcome | ratelimit.Decision:
    """The case of a resent post, or a new one; the refusing Decision when over the limit.

    The new case, the limit and, when its key is taken, the look for the case a resent post
    made go in one transaction: a new case costs one transaction, not two."""
    decided: list[ratelimit.Decision] = []

    def limit() -> None:  # only for a new case: a resent post is not counted
        if counted:
            return
        if not decided:  # counted once, even when a changed page is retried with a new key
            decided.append(_submit_limited(request))
        if not decided[0].allowed:
            raise _Limited(decided[0])

    try:
        try:
            return await _submit(submission, key, files, access, limit)
        except service.IdempotencyConflict:
            # The page was sent before, then changed: that is a new request of its own.
            return await _submit(submission, new_idempotency_key(), files, access, limit)
    except _Limited as refused:
        return refused.decision


async def _submit(  # noqa: ANN001
    submission, key: str, files: list, access: AccessChoice | None = None,
    limit: Callable[[], None] | None = None,
) -> service.Outcome:
    return await run_blocking(
        lambda: service.submit(
            submission,
            idempotency_key=key,
            ui_locale=get_locale(),
            source="web",
            files=files,
            access=access,
            when_new=limit,
        )
    )


def _confirmation(
    request: Request, kind: str, reference: str, link: str, submission: Any,
    expectation: expectations.Expectation | None = None,
) -> Response:
    # Rendered on the POST response itself rather than redirected to: a redirect would have to
    # carry the secret in a URL (the Location header, then a GET request line that proxies log).
    # Here the secret only travels in this no-store body; a reload resends the post, and the
    # idempotency key makes that show this same page without a second case.
    details = submission.details if submission is not None else None
    # Every kind asks the urgency questions now (intake.questions.URGENT_NOW).
    urgent = details is not None and any(
        getattr(details, name, False) for name in ("health_emergency", "in_danger")
    )
    no_place = bool(details is not None and getattr(details, "no_place_tonight", False))
    channel = submission.case.contact_channel if submission is not None else "none"
    secret = link.rsplit("/", 1)[1] if link else ""
    whatsapp = None
    if submission is not None and link:
        whatsapp = _whatsapp_context(submission.case, secret)["whatsapp"]
    # The page is the same for everyone who chose the same things: it is rendered once per
    # language and shape (yhteys.pagecache), and what is hers goes into its holes, escaped.
    holes: dict[str, Callable[[], str]] = {"reference": lambda: escape(reference)}
    if link:
        holes["status_url"] = lambda: escape(link)
        holes["status_secret"] = lambda: escape(secret)
    if expectation is not None:
        holes["expectation"] = lambda: escape(" ".join(expectation.sentences()))
    if whatsapp is not None:
        holes["whatsapp_html"] = lambda: _whatsapp_part(request, whatsapp)
    fixed = {"channel": channel, "channel_label": choices.CHANNELS.get(channel, ""),
             "urgent": urgent, "no_place": no_place, "status_url": "", "status_secret": "",
             "expectation": "", "whatsapp_html": ""}
    return pagecache.render_public(
        request, "intake/confirmation.html", lambda: fixed,
        holes=holes, key=("confirmation", *sorted(holes), channel, urgent, no_place),
        headers=NO_STORE,
    )


def _whatsapp_part(request: Request, whatsapp: dict[str, Any]) -> str:
    """The WhatsApp part of the confirmation: her masked number and the code are hers alone."""
    values = base_values(request)
    values["whatsapp"] = whatsapp
    return environment().get_template("intake/_whatsapp_link.html").render(**values)


def _pretend_success(request: Request, kind: str) -> Response:
    """A filled honeypot: a bot. Look like success, save nothing."""
    log.info("honeypot filled on the %s form; nothing saved", kind)
    fake_secret = new_idempotency_key() + new_idempotency_key()[:11]
    return _confirmation(
        request, kind, new_reference(), status_url(fake_secret, get_locale()), None
    )


# --- The status page -----------------------------------------------------------------------------

MESSAGE_BODY = Text(MESSAGE_MAX, required=True, multiline=True)
URGENT_BODY = Text(MESSAGE_MAX, multiline=True)  # "I need help today" may come without words


def _load_status(secret: str) -> tuple[dict[str, Any] | None, str]:
    with session_scope() as session:
        case, state = service.lookup_secret(session, secret)
        if case is None or state != "open":
            return None, state
        case = service.case_for_secret(session, secret)
        assert case is not None
        return {
            "case": case,
            # The link of a case merged into this one: its WhatsApp code is not this case's.
            "own_link": case.status_secret_hash == secret_hash(secret),
            "entries": service.conversation(session, case),
            "files": case_files.case_files(session, pk(case)),
            "expectation": expectations.for_case(session, case),
        }, state


async def _status_or_404(request: Request) -> dict[str, Any] | Response:
    """The case behind the link, or the page for a link that has ended (a Response)."""
    try:
        found, state = await run_in_threadpool(_load_status, request.path_params["secret"])
    except SQLAlchemyError as exc:
        if not database_down(exc):
            raise
        # Her request and her link are safe; only this moment failed.
        log.error("status page not shown: the database is unavailable (%s)", type(exc).__name__)
        return render(request, "errors/error.html", {"status": 503}, status_code=503,
                      headers={**NO_STORE, "retry-after": str(DATABASE_RETRY_AFTER)})
    if found is None:
        if state in {"ended", "idle"}:
            # Only the holder of the real link sees this; it says nothing about the case.
            return render(request, "intake/link_ended.html", {"state": state},
                          status_code=410, headers=NO_STORE)
        # The same page as any unknown address: nothing tells a guess from an expired link.
        if not _guess_allowed(request):
            raise HTTPException(429, headers={**NO_STORE, "retry-after": "3600"})
        raise HTTPException(404, headers=NO_STORE)
    return found


status_or_404 = _status_or_404  # also answers for the page's files (intake/status_files.py)

STATUS_MISSES_PER_HOUR = 30  # far more than a person mistyping her link; a guesser is slowed
_last_guess_warning = 0.0


def _guess_allowed(request: Request) -> bool:
    """Count wrong status links per client. Over the limit the client gets 429 for every wrong
    link (a right one still opens: guessing 256 bits is hopeless, a shelter's shared address
    must not lose its links), and the log says so, once a minute at most, without the address."""
    global _last_guess_warning
    key = client_key(request)
    decision = ratelimit.hit("status-miss", key, STATUS_MISSES_PER_HOUR, 3600)
    if decision.allowed:
        return True
    if time.monotonic() - _last_guess_warning > 60:
        _last_guess_warning = time.monotonic()
        log.warning("status-link guessing: client %s over %d wrong links an hour", key[:8],
                    STATUS_MISSES_PER_HOUR)
    return False


def _whatsapp_context(case: Any, secret: str) -> dict[str, Any]:
    from intake.inbound import whatsapp_number

    number = whatsapp_number(case)
    if not number:
        return {"whatsapp": None}
    proven = getattr(case, "whatsapp_proven_at", None) is not None
    stored = getattr(case, "whatsapp_code_hash", "")
    if not proven and stored and whatsapp_code_hash(whatsapp_code(secret)) != stored:
        # A page opened with a fresh key (intake/reopen.py): the code derives from the original
        # link, which only its holder sees, so this page cannot show it.
        return {"whatsapp": None}
    return {
        "whatsapp": {
            "proven": proven,
            "code": whatsapp_code(secret),
            "number": mask_address("whatsapp", number),
            "ours": get_settings().whatsapp_display_number,
            "ours_digits": "".join(c for c in get_settings().whatsapp_display_number
                                   if c.isdigit()),
        }
    }


def _render_status(
    request: Request,
    found: dict[str, Any],
    *,
    body: str = "",
    urgent: dict[str, str] | None = None,
    errors: Errors | None = None,
    notice: str = "",
    files_lost: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    messages = (errors or Errors()).messages()
    case = found["case"]
    urgent = urgent or {}
    whatsapp = _whatsapp_context(case, request.path_params["secret"])
    if whatsapp["whatsapp"] and not (found.get("own_link", True) or whatsapp["whatsapp"]["proven"]):
        whatsapp = {"whatsapp": None}  # a code that would prove nothing: her other link has it
    context = {
        **whatsapp,
        "contact": mask_address(case.contact_channel, case.contact_address),
        "contact_label": choices.CHANNELS.get(case.contact_channel, ""),
        "case": case,
        "entries": found["entries"],
        "files": found["files"],
        "state_text": choices.STATE_TEXTS.get(case.state, choices.STATE_TEXTS["new"]),
        "kind_label": choices.KINDS.get(case.kind, ""),
        "told": case_summary(case),
        "values": {"body": body, **urgent},
        "expectation": found.get("expectation"),
        "reasons": urgency.reasons(),
        # The page's own address, also when it answers a post to one of its actions.
        "page_path": status_page_path(request),
        "opened_by_key": "status_page_path" in request.scope,
        "raised": request.query_params.get("urgent") == "1" and not messages and not notice,
        "errors": messages,
        "summary": forms.error_summary(messages),
        "notice": notice,
        "files_lost": files_lost,
        "sent": request.query_params.get("sent") == "1" and not messages and not notice,
        "fid": field_id,
        "max_files": attachments.MAX_FILES,
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "message_max": MESSAGE_MAX,
    }
    return render(
        request,
        "intake/status.html",
        context,
        status_code=status_code,
        headers={**(headers or {}), **NO_STORE},
    )


async def status(request: Request) -> Response:
    found = await _status_or_404(request)
    if isinstance(found, Response):
        return found
    return _render_status(request, found)


async def _status_and_form(request: Request) -> tuple[dict[str, Any], FormData] | Response:
    """A post to a status page: its case and the form, or the page that answers instead."""
    found = await _status_or_404(request)
    if isinstance(found, Response):
        return found
    form = await _read_form(request)
    if isinstance(form, Response):
        return form
    return found, form


async def status_message(request: Request) -> Response:
    posted = await _status_and_form(request)
    if isinstance(posted, Response):
        return posted
    found, form = posted
    raw = form.get("body")
    body = raw if isinstance(raw, str) else ""
    chosen = uploads.chosen_files(form)

    def again(**kwargs: Any) -> Response:
        return _render_status(request, found, body=body, files_lost=bool(chosen), **kwargs)

    if not csrf.check(request, form).ok:
        return again(notice="csrf", status_code=403)
    errors = Errors()
    text = ""
    try:
        text = MESSAGE_BODY.parse(body)
    except Invalid as exc:
        if not (chosen and exc.code == "required"):  # files may go without a message
            errors.add("body", exc.code, **exc.params)
    checked = await uploads.check_files(chosen, errors)
    if checked and not errors.has(uploads.FIELD):
        room = case_files.room_left(found["files"], [len(file.data) for file in checked])
        if room:
            case_files.add_room_error(errors, room)
    if errors:
        return again(errors=errors, status_code=422)
    # Counted before the files are decoded: a client over the limit costs no decoding.
    decision = ratelimit.check_submission(request, scope="message", factor=3)
    if not decision.allowed:
        return _rate_limited(again, decision)
    files = await uploads.clean_files(checked, errors)
    if errors:
        return again(errors=errors, status_code=422)
    case_id = found["case"].id
    try:
        await run_in_threadpool(_add_message, case_id, text, files)
    except case_files.NoRoom as refused:
        case_files.add_room_error(errors, refused.code)
        return again(errors=errors, status_code=422)
    except SQLAlchemyError as exc:
        return _not_saved(again, exc, "message")
    # Post-redirect-get: a reload must not send the message again. The target is the page the
    # person is already on, so the redirect shows no secret that was not already in the address.
    return RedirectResponse(
        f"{request.url.path}?sent=1#messages", status_code=303, headers=NO_STORE
    )


def status_page_path(request: Request) -> str:
    """The status page's own address: under the link, or /my-request when a fresh key in a
    cookie opened it (intake/reopen_views.py), so that its forms never put the key in a URL."""
    own = request.scope.get("status_page_path")
    return own or f"/{get_locale()}/status/{request.path_params['secret']}"


def _add_message(case_id: int, text: str, files: list[attachments.CleanFile]) -> None:
    if files:
        case_files.add_message_with_files(case_id, text, files)
    else:
        service.add_client_message(case_id, text)


async def status_urgent(request: Request) -> Response:
    """"I need help today": the case rises at once, whatever its state (intake.urgency)."""
    posted = await _status_and_form(request)
    if isinstance(posted, Response):
        return posted
    found, form = posted
    raw_reason, raw_body = form.get("reason"), form.get("urgent_body")
    # An unknown reason is not refused: her call for help counts even when the choice is odd.
    reason = raw_reason if isinstance(raw_reason, str) and raw_reason in urgency.reasons() else ""
    body = raw_body if isinstance(raw_body, str) else ""

    def again(**kwargs: Any) -> Response:
        return _render_status(
            request, found, urgent={"reason": reason, "urgent_body": body}, **kwargs
        )

    if not csrf.check(request, form).ok:
        return again(notice="csrf", status_code=403)
    errors = Errors()
    text = ""
    try:
        text = URGENT_BODY.parse(body)
    except Invalid as exc:
        errors.add("urgent_body", exc.code, **exc.params)
    if errors:
        return again(errors=errors, status_code=422)
    decision = ratelimit.check_submission(request, scope="urgent", factor=3)
    if not decision.allowed:
        return _rate_limited(again, decision)
    case_id = found["case"].id
    try:
        await run_in_threadpool(urgency.ask_for_help_today, case_id, reason, text)
    except SQLAlchemyError as exc:
        return _not_saved(again, exc, "urgency")
    return RedirectResponse(
        f"{request.url.path.removesuffix('/urgent')}?urgent=1#help-today", status_code=303,
        headers=NO_STORE,
    )


def _end_link(secret: str) -> bool:
    with session_scope() as session:
        return service.end_link_of_secret(session, secret, by="client")


async def status_end(request: Request) -> Response:
    """"I lost my phone": the client ends her link; from now on it opens nothing."""
    posted = await _status_and_form(request)
    if isinstance(posted, Response):
        return posted
    found, form = posted
    if not csrf.check(request, form).ok:
        return _render_status(request, found, notice="csrf", status_code=403)
    await run_in_threadpool(_end_link, request.path_params["secret"])
    return render(
        request,
        "intake/link_ended.html",
        {"state": "ended_now", "reference": found["case"].reference},
        headers=NO_STORE,
    )

"""Pages of the way back to a case: "Open my request", single-use links, the status page opened
through them. Thin: the logic is in intake/reopen.py.

A single-use link is opened in two steps, a page and then its button: mail scanners and link
previews fetch links by GET, and must not use up hers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from intake import reopen, service, status_files, views
from intake.errors import message_for
from intake.forms import field_id
from intake.references import status_url
from yhteys import csrf, ratelimit
from yhteys.client import browser_key, client_key
from yhteys.db import session_scope
from yhteys.i18n import get_locale
from yhteys.i18n import gettext as _
from yhteys.settings import get_settings
from yhteys.templating import render

log = logging.getLogger(__name__)

NO_STORE = views.NO_STORE
# "Send me a link" answers after this long whether or not the pair exists, so the time taken
# does not tell (the lookup and the queued message take a few milliseconds at most).
ANSWER_AFTER_SECONDS = 0.5
LINKS_PER_REFERENCE = 5  # an hour: enough for typos and a slow inbox; stops a flood to her
MAX_FIELDS = 10


def _field(form: FormData, name: str, most: int = 64) -> str:
    value = form.get(name)
    return value.strip()[:most] if isinstance(value, str) else ""


def _page(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page of this part: never stored, with what `_notices.html` reads."""
    values = {"notice": "", "summary": [], "files_lost": False, **context}
    return render(request, name, values, status_code=status_code,
                  headers={**(headers or {}), **NO_STORE})


def _render_open(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    messages: dict[str, list[str]] | None = None,
    notice: Any = "",
    state: str = "",
    wait_minutes: int = 0,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    messages = messages or {}
    context = {
        "values": values or {},
        "errors": messages,
        "summary": [(field_id(k), t) for k, texts in messages.items() for t in texts],
        "notice": notice,
        "state": state,  # sent | wrong | wait | over
        "wait_minutes": wait_minutes,
        "fid": field_id,
        "minutes": get_settings().open_link_minutes,
    }
    return _page(request, "intake/open.html", context, status_code=status_code, headers=headers)


async def open_page(request: Request) -> Response:
    return _render_open(request, state="over" if request.query_params.get("over") else "")


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FIELDS)


def _limited(
    request: Request, scope: str, reference: str, per_reference: int
) -> ratelimit.Decision:
    """Per reference (keyed hash, counted whether or not a case has it) and per browser and
    address, all at once: a refusal uses up nobody's allowance."""
    settings = get_settings()
    address = client_key(request)
    browser = browser_key(request) or f"a-{address}"
    window = settings.rate_limit_window
    rules = [
        ratelimit.Rule(f"{scope}:r:{reopen.reference_key(reference)}", per_reference, 3600),
        ratelimit.Rule(f"{scope}:b:{browser}", settings.rate_limit_submissions * 2, window),
        ratelimit.Rule(f"{scope}:a:{address}", settings.rate_limit_submissions_per_address,
                       window),
    ]
    return ratelimit.limiter().hit(rules, time.time())


def _required(values: dict[str, str], names: dict[str, str]) -> dict[str, list[str]]:
    return {name: [text] for name, text in names.items() if not values.get(name)}


async def open_submit(request: Request) -> Response:
    form = await _form(request)
    way = _field(form, "way")
    if way == "pin":
        return await _open_with_pin(request, form)
    values = {"reference": _field(form, "reference"), "address": _field(form, "address", 320)}

    def again(**kwargs: Any) -> Response:
        return _render_open(request, values=values, **kwargs)

    if not csrf.check(request, form).ok:
        return again(notice="csrf", status_code=403)
    messages = _required(values, {
        "reference": _("Write the reference code of your request."),
        "address": _("Write the email address or phone number you gave us."),
    })
    if messages:
        return again(messages=messages, status_code=422)
    reference = reopen.clean_reference(values["reference"]) or values["reference"].upper()
    decision = _limited(request, "open-link", reference, LINKS_PER_REFERENCE)
    if not decision.allowed:
        return again(notice=views.WaitNotice(decision.retry_after), status_code=429,
                     headers={"retry-after": str(decision.retry_after)})
    started = time.monotonic()
    try:
        await run_in_threadpool(_request_link, values["reference"], values["address"],
                                get_locale())
    except SQLAlchemyError as exc:
        return views._not_saved(again, exc, "link request")
    await asyncio.sleep(max(0.0, ANSWER_AFTER_SECONDS - (time.monotonic() - started)))
    # The same page whether or not anything was sent; nothing typed is shown again.
    return _render_open(request, state="sent")


def _request_link(reference: str, address: str, locale: str) -> None:
    with session_scope() as session:
        reopen.request_link(session, reference, address, page_locale=locale)


async def _open_with_pin(request: Request, form: FormData) -> Response:
    values = {"pin_reference": _field(form, "pin_reference")}
    pin = reopen.clean_pin(_field(form, "pin"))

    def again(**kwargs: Any) -> Response:
        return _render_open(request, values=values, **kwargs)

    if not csrf.check(request, form).ok:
        return again(notice="csrf", status_code=403)
    messages = _required(values, {"pin_reference": _("Write the reference code of your request.")})
    if not reopen.PIN.match(pin):
        messages["pin"] = [message_for("pin", "invalid_pin", {})]
    if messages:
        return again(messages=messages, status_code=422)
    reference = reopen.clean_reference(values["pin_reference"]) or values["pin_reference"].upper()
    # Per browser and address only: per reference, the backoff in the database slows guessing.
    decision = _limited(request, "open-pin", reference, 10**6)
    if not decision.allowed:
        return again(notice=views.WaitNotice(decision.retry_after), status_code=429,
                     headers={"retry-after": str(decision.retry_after)})
    try:
        result = await run_in_threadpool(_try_pin, values["pin_reference"], pin)
    except SQLAlchemyError as exc:
        return views._not_saved(again, exc, "PIN check")
    if result.state == "open":
        return _signed_in(request, result.secret)
    # Said the same way for a wrong PIN, a reference no case has, and a case without a PIN.
    minutes = max(1, -(-result.wait // 60)) if result.wait else 0
    return again(state=result.state, wait_minutes=minutes,
                 status_code=429 if result.state == "wait" else 422)


def _try_pin(reference: str, pin: str) -> reopen.PinResult:
    with session_scope() as session:
        return reopen.try_pin(session, reference, pin)


def _signed_in(request: Request, secret: str) -> Response:
    """Her browser holds the fresh status secret for this session; the address shows none."""
    response = RedirectResponse(f"/{get_locale()}/my-request", status_code=303, headers=NO_STORE)
    response.set_cookie(reopen.COOKIE, secret, httponly=True, secure=get_settings().https,
                        samesite="lax", path="/")
    return response


# --- Single-use links ----------------------------------------------------------------------------


def _link_state(token: str) -> str:
    with session_scope() as session:
        return reopen.link_state(session, token)[1]


def _spent(request: Request, state: str) -> Response:
    status_code = 404 if state == "unknown" else 410
    return _page(request, "intake/open_spent.html", {"state": state}, status_code=status_code)


async def open_link(request: Request) -> Response:
    """The page behind a single-use link: a button that opens the request (nothing used yet)."""
    token = request.path_params["token"]
    state = await run_in_threadpool(_link_state, token)
    if state == "unknown" and not views._guess_allowed(request):
        return _page(request, "intake/open_spent.html", {"state": state}, status_code=429,
                     headers={"retry-after": "3600"})
    if state != "open":
        return _spent(request, state)
    return _page(request, "intake/open_confirm.html", {})


def _use(token: str) -> tuple[str, str]:
    with session_scope() as session:
        return reopen.use_link(session, token)


async def open_link_use(request: Request) -> Response:
    form = await _form(request)
    if not csrf.check(request, form).ok:
        return _page(request, "intake/open_confirm.html", {"notice": "csrf"}, status_code=403)
    state, secret = await run_in_threadpool(_use, request.path_params["token"])
    if state != "open":
        return _spent(request, state)
    return _signed_in(request, secret)


# --- "Send the link to me now", from the confirmation page -----------------------------------


def _send_now(secret: str, locale: str) -> tuple[str, bool]:
    """(reference, sent) for the case this status secret opens; ("", False) for none."""
    with session_scope() as session:
        case, state = service.lookup_secret(session, secret)
        if case is None or state != "open":
            return "", False
        return case.reference, reopen.send_now(session, case, page_locale=locale)


async def send_now(request: Request) -> Response:
    form = await _form(request)
    secret = _field(form, "status")
    if not csrf.check(request, form).ok:
        return _page(request, "intake/open_sent_now.html",
                     {"notice": "csrf", "status_url": "", "sent": False, "reference": ""},
                     status_code=403)
    case_reference, sent = "", False
    decision = _limited(request, "open-send", secret, LINKS_PER_REFERENCE)
    if decision.allowed:
        case_reference, sent = await run_in_threadpool(_send_now, secret, get_locale())
    link = status_url(secret, get_locale()) if case_reference else ""
    return _page(request, "intake/open_sent_now.html",
                 {"sent": sent, "reference": case_reference, "status_url": link},
                 status_code=200 if decision.allowed else 429)


# --- The status page, opened through a fresh key -------------------------------------------------


def _key_state(secret: str) -> str:
    with session_scope() as session:
        return service.lookup_secret(session, secret)[1]


async def _with_key(request: Request) -> Response | None:
    """Put the browser's fresh status secret where the status page reads it; a page asking to
    open the request again when there is none (or it has ended)."""
    secret = request.cookies.get(reopen.COOKIE, "")
    state = await run_in_threadpool(_key_state, secret) if secret else "unknown"
    if state != "open":
        response = RedirectResponse(f"/{get_locale()}/open?over=1", status_code=303,
                                    headers=NO_STORE)
        response.delete_cookie(reopen.COOKIE, path="/")
        return response
    request.scope.setdefault("path_params", {})["secret"] = secret
    request.scope["status_page_path"] = f"/{get_locale()}/my-request"
    return None


View = Callable[[Request], Awaitable[Response]]


def _keyed(view: View) -> View:
    """A status-page view served under /my-request, with the fresh key from the cookie."""

    async def keyed(request: Request) -> Response:
        return await _with_key(request) or await view(request)

    return keyed


my_request = _keyed(views.status)
my_request_message = _keyed(views.status_message)
my_request_urgent = _keyed(views.status_urgent)
my_request_file = _keyed(status_files.status_file)


async def my_request_end(request: Request) -> Response:
    response = await _with_key(request) or await views.status_end(request)
    if response.status_code == 200:
        response.delete_cookie(reopen.COOKIE, path="/")
    return response

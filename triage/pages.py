"""What every staff page shares: the role check, rendering, redirects, form values, CSRF failures.

One module for the accounts, casework and opening-hours pages, so a staff page is never cached,
a form is read and a refused form explained the same way everywhere. Words that belong to one
part (the casework labels, the role names) stay with that part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triage.accounts.auth import no_store, requires
from yhteys import csrf
from yhteys.db import get_engine
from yhteys.i18n import gettext as _
from yhteys.templating import render

__all__ = [
    "clipped",
    "csrf_message",
    "db_session",
    "done_notice",
    "get_or_404",
    "integer",
    "is_htmx",
    "many",
    "page",
    "raw",
    "redirect",
    "requires",
    "text",
]


Row = TypeVar("Row")


def db_session() -> Session:
    """A session whose rows stay readable after commit, for a page to render them."""
    return Session(get_engine(), expire_on_commit=False)


def get_or_404(db: Session, model: type[Row], row_id: Any) -> Row:
    """The row with this primary key, or the not-found page."""
    row = db.get(model, row_id)
    if row is None:
        raise HTTPException(404)
    return row


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A staff page: never stored by a browser or proxy; an htmx fragment says it varies."""
    values = {"is_htmx": is_htmx(request), **(context or {})}
    response = no_store(render(request, template, values, status_code=status_code,
                               headers=headers))
    if is_htmx(request):
        response.headers["vary"] = "HX-Request"
    return response


def redirect(path: str) -> Response:
    """See other (303): after a form, the browser GETs `path`, never resends the form."""
    return no_store(RedirectResponse(path, status_code=303))


def done_notice(request: Request, messages: Mapping[str, Callable[[], str]],
                param: str = "done") -> str:
    """The message a redirect asked for (`?done=password`); "" for none or an unknown key."""
    message = messages.get(request.query_params.get(param, ""))
    return message() if message else ""


# --- Form values ----------------------------------------------------------------------------------


def text(form: FormData, name: str, limit: int = 500) -> str:
    """A field, trimmed, kept one character past `limit` so a check can still say "too long"."""
    value = form.get(name)
    return value.strip()[: limit + 1] if isinstance(value, str) else ""


def clipped(form: FormData, name: str, limit: int = 500) -> str:
    """A field, trimmed and cut at `limit`: for values nobody is told are too long (an email to
    look up, a code, where to go next)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def raw(form: FormData, name: str, limit: int = 1024) -> str:
    """A field as typed (passwords keep their spaces); over-long values are cut, not hashed."""
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""


def many(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), strings only."""
    return [v for v in form.getlist(name) if isinstance(v, str)]


def integer(form: FormData | Mapping[str, Any], name: str) -> int | None:
    """A non-negative whole number of at most nine digits, or None."""
    value = form.get(name)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def csrf_message(result: csrf.CsrfResult) -> str:
    """Why a form was refused, in words that tell the person what to do."""
    if result is csrf.CsrfResult.CROSS_ORIGIN:
        return _("This form was sent from another site, so it was not accepted.")
    return _("This page was open for a long time, so the form expired. Please send it again.")

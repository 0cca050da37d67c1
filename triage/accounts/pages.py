"""Small helpers the account pages share: rendering with no-store, forms, CSRF failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from yhteys import csrf
from yhteys.db import get_engine
from yhteys.i18n import gettext as _
from yhteys.i18n import lazy_gettext
from yhteys.templating import render


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = render(request, template, context, status_code=status_code, headers=headers)
    response.headers["cache-control"] = "no-store"
    return response


def redirect(path: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response


def text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def raw(form: FormData, name: str, limit: int = 1024) -> str:
    """A field as typed (passwords keep their spaces); over-long values are cut, not hashed."""
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""


def many(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def csrf_message(result: csrf.CsrfResult) -> str:
    if result is csrf.CsrfResult.CROSS_ORIGIN:
        return _("This form was sent from another site, so it was not accepted.")
    return _("This page was open for a long time, so the form expired. Please send it again.")


def db_session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


ROLE_NAMES = {
    "advisor": lazy_gettext("Advisor"),
    "supervisor": lazy_gettext("Supervisor"),
    "admin": lazy_gettext("Administrator"),
}

"""What the casework pages share: forms, the htmx check, CSRF failures, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triage.casework import describe
from yhteys import csrf
from yhteys.i18n import gettext as _
from yhteys.templating import render

BOARD_CSS = "css/board.css"


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    values = {
        "state_labels": describe.STATE_LABELS,
        "priority_labels": describe.PRIORITY_LABELS,
        "outcome_labels": describe.OUTCOME_LABELS,
        "kind_label": describe.kind_label,
        "language_name": describe.language_name,
        "channel_label": describe.channel_label,
        "notification_events": describe.NOTIFICATION_EVENTS,
        "notification_states": describe.NOTIFICATION_STATES,
        "is_htmx": is_htmx(request),
    }
    values.update(context or {})
    response = render(request, template, values, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    if is_htmx(request):
        response.headers["vary"] = "HX-Request"
    return response


def redirect(path: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[: limit + 1] if isinstance(value, str) else ""


def integer(form: FormData | Mapping[str, Any], name: str) -> int | None:
    value = form.get(name)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def csrf_message(result: csrf.CsrfResult) -> str:
    if result is csrf.CsrfResult.CROSS_ORIGIN:
        return _("This form was sent from another site, so it was not accepted.")
    return _("This page was open for a long time, so the form expired. Please send it again.")


NOT_ALLOWED = {
    "not_your_team": lambda: _("This case belongs to another team."),
    "closed": lambda: _("The case is closed."),
    "cannot_take_cases": lambda: _("Your role does not take cases."),
    "already_assigned": lambda: _("Someone else has already taken this case."),
    "not_in_team": lambda: _("That person is not in the case's team."),
    "bad_state": lambda: _("Choose a state."),
    "needs_assignee": lambda: _("Assign the case to someone first."),
    "bad_priority": lambda: _("Choose a priority."),
    "reason_required": lambda: _("Write the reason."),
    "too_long": lambda: _("The text is too long."),
    "bad_team": lambda: _("Choose a team."),
    "same_team": lambda: _("The case is already in that team."),
    "bad_outcome": lambda: _("Choose an outcome."),
    "empty": lambda: _("Write something first."),
    "same_case": lambda: _("A case cannot be a duplicate of itself."),
    "no_link": lambda: _("These cases are not linked."),
    "no_such_case": lambda: _("There is no case with that reference."),
    "supervisors_only": lambda: _("Only supervisors can do this."),
}


def not_allowed_message(code: str) -> str:
    message = NOT_ALLOWED.get(code)
    return message() if message else _("That did not work.")

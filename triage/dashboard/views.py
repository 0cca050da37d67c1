"""The dashboard page: a GET form of filters (bookmarkable, no JavaScript) and the figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from intake import municipalities
from intake.attachments import content_disposition
from intake.models import CHANNELS, KINDS, PRIORITIES
from triage import exports
from triage.accounts import audit
from triage.accounts.models import StaffUser, Team
from triage.casework.describe import with_words
from triage.dashboard import charts, downloads
from triage.dashboard.breach_list import breaches
from triage.dashboard.figures import BACKLOG_BUCKETS, Filters, compute
from triage.pages import db_session, page, requires
from yhteys.clock import local_now, now
from yhteys.i18n import INTERPRETER_LANGUAGES, get_locale, lazy_gettext

BACKLOG_LABELS = {
    "under_1": lazy_gettext("Under 1 day"),
    "1_3": lazy_gettext("1–3 days"),
    "3_7": lazy_gettext("3–7 days"),
    "over_7": lazy_gettext("Over 7 days"),
}
WEEKDAYS = (lazy_gettext("Mon"), lazy_gettext("Tue"), lazy_gettext("Wed"), lazy_gettext("Thu"),
            lazy_gettext("Fri"), lazy_gettext("Sat"), lazy_gettext("Sun"))


def hours(minutes: float | None) -> str:
    """Minutes shown as hours with one decimal, in the reader's number format; "–" for none."""
    if minutes is None:
        return "–"
    return format_decimal(minutes / 60, format="#,##0.0", locale=get_locale())


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    return format_percent(value / 100, format="#,##0.0 %", locale=get_locale())


def municipality_names() -> dict[str, str]:
    """Code to name in the reader's language, "not said" and none included, in the reader's
    alphabetical order (for the filter's options and the breakdown's rows)."""
    names = {municipalities.NOT_SAID: str(NOT_SAID_LABEL), "": str(NO_MUNICIPALITY_LABEL)}
    names.update(municipalities.choices(get_locale()))
    return names


NOT_SAID_LABEL = lazy_gettext("Did not want to say")
NO_MUNICIPALITY_LABEL = lazy_gettext("No municipality")


def _load(user: StaffUser, params: dict[str, str], request: Request) -> dict[str, Any]:
    filters = Filters.read(params, local_now().date())
    with db_session() as db:
        figures = compute(db, filters, now())
        teams = list(db.scalars(select(Team).order_by(Team.name)))
        missed = breaches(db, filters, total=sum(figures.breaches.values()))
        audit.record(db, actor=user, action="dashboard.view", detail=filters.params(),
                     request=request)
        db.commit()
    backlog = [(str(BACKLOG_LABELS[b]), figures.backlog[b]) for b in BACKLOG_BUCKETS]
    query = urlencode(filters.params())
    return {
        "f": figures,
        "filters": filters,
        "missed": missed,
        "target_labels": {"first_response": lazy_gettext("First response"),
                          "resolution": lazy_gettext("Resolution")},
        "downloads": {"csv": f"/triage/dashboard/figures.csv?{query}",
                      "xlsx": f"/triage/dashboard/figures.xlsx?{query}",
                      "cases": f"/triage/exports/cases.csv?{query}",
                      "cases_xlsx": f"/triage/exports/cases.xlsx?{query}"},
        "teams": teams,
        "team_names": {t.id: t.name for t in teams},
        "kinds": KINDS,
        "priorities": PRIORITIES,
        "channels": CHANNELS,
        "languages": INTERPRETER_LANGUAGES,
        "municipality_names": municipality_names(),
        "backlog": backlog,
        "backlog_bars": charts.bars(backlog),
        "day_line": charts.line([n for _, n in figures.per_day]),
        "day_max": max((n for _, n in figures.per_day), default=0),
        "week_bars": charts.bars([(d.isoformat(), n) for d, n in figures.per_week]),
        "weekdays": [str(w) for w in WEEKDAYS],
        "shade": charts.shade,
        "hours": hours,
        "percent": percent,
        "chart": {"width": charts.WIDTH, "height": charts.HEIGHT, "pad": charts.PAD},
    }


@requires("supervisor")
async def dashboard_page(request: Request) -> Response:
    context = await run_in_threadpool(_load, request.state.staff, dict(request.query_params),
                                      request)
    return page(request, "triage/dashboard/dashboard.html", with_words(context))


_NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def _figures_file(user: StaffUser, params: dict[str, str], request: Request,
                  fmt: str) -> tuple[str, bytes]:
    filters = Filters.read(params, local_now().date())
    with db_session() as db:
        figures = compute(db, filters, now())
        table = downloads.table(db, figures)
        audit.record(db, actor=user, action=f"dashboard.export_{fmt}",
                     detail=filters.params(), request=request)
        db.commit()
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table, "Figures")
    return downloads.filename(figures, fmt), body


async def _download(request: Request, fmt: str, media_type: str) -> Response:
    name, body = await run_in_threadpool(_figures_file, request.state.staff,
                                         dict(request.query_params), request, fmt)
    headers = {**_NO_STORE, "content-disposition": content_disposition(name)}
    return Response(body, media_type=media_type, headers=headers)


@requires("supervisor")
async def figures_csv(request: Request) -> Response:
    return await _download(request, "csv", "text/csv; charset=utf-8")


@requires("supervisor")
async def figures_xlsx(request: Request) -> Response:
    return await _download(request, "xlsx", exports.XLSX_TYPE)

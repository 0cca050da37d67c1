"""Supervisor pages of casework: routing rules, saved replies, SLA targets and the calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from intake.choices import SPONSOR_STATUSES
from intake.models import KINDS, PRIORITIES
from triage.accounts import audit
from triage.accounts.models import StaffUser, Team
from triage.casework import saved_replies, sla, urgency
from triage.casework.describe import with_words
from triage.casework.models import CalendarClosure, RoutingRule
from triage.casework.routing import normalise_area
from triage.pages import csrf_message, db_session, integer, page, redirect, requires, text
from yhteys import csrf
from yhteys.clock import local_now
from yhteys.db import pk
from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import gettext as _

# --- Routing rules -------------------------------------------------------------------------------

EMPTY_RULE = {"kind": "", "language": "", "area": "", "team": ""}


def _rules_context(db: Session) -> dict[str, Any]:
    teams = list(db.scalars(select(Team).order_by(Team.name)))
    rules = list(db.scalars(select(RoutingRule)))
    rules.sort(key=lambda r: (-(bool(r.kind) + bool(r.language) + bool(r.area)), r.kind,
                              r.language, r.area, r.id))
    return {"rules": rules, "teams": teams, "team_names": {t.id: t.name for t in teams},
            "kinds": KINDS, "languages": INTERPRETER_LANGUAGES,
            "has_default": any(not (r.kind or r.language or r.area) for r in rules)}


def _rules_view(user: StaffUser, request: Request) -> dict[str, Any]:
    with db_session() as db:
        audit.record(db, actor=user, action="rules.view", request=request)
        db.commit()
        return _rules_context(db)


@requires("supervisor")
async def rules_page(request: Request) -> Response:
    context = await run_in_threadpool(_rules_view, request.state.staff, request)
    context.update(form=EMPTY_RULE, error="", saved=request.query_params.get("saved") == "1")
    return page(request, "triage/casework/rules.html", with_words(context))


def _save_rule(user: StaffUser, form: FormData, request: Request) -> str:
    kind, language = text(form, "kind", 32), text(form, "language", 8)
    area = normalise_area(text(form, "area", 120))[:120]
    team_id = integer(form, "team")
    if kind and kind not in KINDS:
        return _("Choose a kind.")
    if language and language not in INTERPRETER_LANGUAGES:
        return _("Choose a language.")
    with db_session() as db:
        if team_id is None or db.get(Team, team_id) is None:
            return _("Choose the team that gets these cases.")
        rule = RoutingRule(kind=kind, language=language, area=area, team_id=team_id,
                           updated_by=user.id)
        db.add(rule)
        try:
            db.flush()
        except IntegrityError:
            db.rollback()
            return _("A rule for exactly these cases exists already: delete it first.")
        audit.record(db, actor=user, action="rules.create", request=request,
                     detail={"rule_id": rule.id, "team_id": team_id, "kind": kind,
                             "language": language, "has_area": bool(area)})
        db.commit()
    return ""


@requires("supervisor")
async def rules_save(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    error = csrf_message(checked) if not checked.ok else ""
    if not error:
        error = await run_in_threadpool(_save_rule, request.state.staff, form, request)
    if not error:
        return redirect("/triage/rules?saved=1")

    def load() -> dict[str, Any]:
        with db_session() as db:
            return _rules_context(db)

    context = await run_in_threadpool(load)
    context.update(error=error, saved=False, form={
        "kind": text(form, "kind", 32), "language": text(form, "language", 8),
        "area": text(form, "area", 120), "team": text(form, "team", 12)})
    return page(request, "triage/casework/rules.html", with_words(context), status_code=400)


def _delete_rule(user: StaffUser, rule_id: int, request: Request) -> None:
    with db_session() as db:
        rule = db.get(RoutingRule, rule_id)
        if rule is not None:
            db.delete(rule)
            audit.record(db, actor=user, action="rules.delete", request=request,
                         detail={"rule_id": rule_id})
            db.commit()


@requires("supervisor")
async def rule_delete(request: Request) -> Response:
    form = await request.form()
    if not csrf.check(request, form).ok:
        return redirect("/triage/rules")
    await run_in_threadpool(_delete_rule, request.state.staff,
                            request.path_params["rule_id"], request)
    return redirect("/triage/rules?saved=1")


# --- Saved replies -------------------------------------------------------------------------------

REPLY_ERRORS: dict[str, Callable[[], str]] = {
    "language": lambda: _("Choose the language of the reply."),
    "title": lambda: _("Give the reply a short title (at most 120 characters)."),
    "body": lambda: _("Write the text of the reply (at most 5000 characters)."),
    "missing": lambda: _("That saved reply no longer exists."),
}


def _replies_context(db: Session, edit_id: int | None) -> dict[str, Any]:
    from triage.casework.models import SavedReply

    editing = db.get(SavedReply, edit_id) if edit_id else None
    replies = saved_replies.all_replies(db)
    return {"replies": saved_replies.choices(replies),
            "topics": sorted({r.topic for r in replies if r.topic}),
            "languages": INTERPRETER_LANGUAGES,
            "form": {"id": editing.id, "language": editing.language, "title": editing.title,
                     "body": editing.body, "topic": editing.topic} if editing else
            {"id": None, "language": "", "title": "", "body": "", "topic": ""}}


def _replies_view(user: StaffUser, edit_id: int | None, request: Request) -> dict[str, Any]:
    with db_session() as db:
        audit.record(db, actor=user, action="saved_replies.view", request=request)
        db.commit()
        return _replies_context(db, edit_id)


@requires("supervisor")
async def replies_page(request: Request) -> Response:
    edit_id = integer(request.query_params, "edit")
    context = await run_in_threadpool(_replies_view, request.state.staff, edit_id, request)
    context.update(error="", saved=request.query_params.get("saved") == "1")
    return page(request, "triage/casework/saved_replies.html", with_words(context))


def _save_reply(user: StaffUser, form: FormData, request: Request) -> str:
    with db_session() as db:
        try:
            reply = saved_replies.save(
                db, reply_id=integer(form, "id"), language=text(form, "language", 8),
                title=text(form, "title", 200), body=text(form, "body", 6000), actor_id=pk(user),
                topic=text(form, "topic", 200))
        except saved_replies.ReplyError as exc:
            return REPLY_ERRORS[str(exc)]()
        audit.record(db, actor=user, action="saved_replies.save", request=request,
                     detail={"saved_reply_id": reply.id, "language": reply.language})
        db.commit()
    return ""


@requires("supervisor")
async def replies_save(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    error = csrf_message(checked) if not checked.ok else ""
    if not error:
        error = await run_in_threadpool(_save_reply, request.state.staff, form, request)
    if not error:
        return redirect("/triage/saved-replies?saved=1")

    def load() -> dict[str, Any]:
        with db_session() as db:
            return _replies_context(db, None)

    context = await run_in_threadpool(load)
    context.update(error=error, saved=False, form={
        "id": integer(form, "id"), "language": text(form, "language", 8),
        "title": text(form, "title", 200), "body": text(form, "body", 6000),
        "topic": text(form, "topic", 200)})
    return page(request, "triage/casework/saved_replies.html", with_words(context), status_code=400)


def _delete_reply(user: StaffUser, reply_id: int, request: Request) -> None:
    with db_session() as db:
        if saved_replies.delete(db, reply_id):
            audit.record(db, actor=user, action="saved_replies.delete", request=request,
                         detail={"saved_reply_id": reply_id})
            db.commit()


@requires("supervisor")
async def reply_delete(request: Request) -> Response:
    form = await request.form()
    if not csrf.check(request, form).ok:
        return redirect("/triage/saved-replies")
    await run_in_threadpool(_delete_reply, request.state.staff,
                            request.path_params["reply_id"], request)
    return redirect("/triage/saved-replies?saved=1")


# --- SLA targets, the calendar and the urgency thresholds ----------------------------------------


def _sla_context(db: Session) -> dict[str, Any]:
    cal = sla.business_calendar(db)
    today = local_now().date()
    upcoming = []
    day = today
    for _i in range(120):
        name = cal.holiday_name(day)
        if name and day.weekday() < 5:
            upcoming.append((day, name))
        day = date.fromordinal(day.toordinal() + 1)
    return {
        "targets": sla.targets(db),
        "priorities": PRIORITIES,
        "closures": list(db.scalars(select(CalendarClosure).order_by(col(CalendarClosure.day)))),
        "holidays": upcoming[:8],
        "urgency": urgency.load_config(db),
        "fr_statuses": [(f"fr_{status}", str(SPONSOR_STATUSES[status]))
                        for status in urgency.FR_STATUSES],
        "fr_rule_source": urgency.RULE_SOURCE,
        "fr_rule_date": urgency.RULE_DATE,
        "fr_appeal_source": urgency.APPEAL_SOURCE,
        "fr_appeal_date": urgency.APPEAL_DATE,
        "day_minutes": sla.DAY,
    }


def _sla_view(user: StaffUser, request: Request) -> dict[str, Any]:
    with db_session() as db:
        audit.record(db, actor=user, action="sla.view", request=request)
        db.commit()
        return _sla_context(db)


@requires("supervisor")
async def sla_page(request: Request) -> Response:
    context = await run_in_threadpool(_sla_view, request.state.staff, request)
    context.update(error="", saved=request.query_params.get("saved") == "1")
    return page(request, "triage/casework/sla.html", with_words(context))


def _hours(form: FormData, name: str) -> int | None:
    """Business hours typed as 4, 4.5 or 4,5 -> minutes."""
    raw = text(form, name, 10).replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return int(round(value * 60)) if 0 < value <= 2000 else None


def _save_sla(user: StaffUser, form: FormData, request: Request) -> str:
    what = text(form, "what", 20)
    with db_session() as db:
        if what == "targets":
            for priority in PRIORITIES:
                first, done = _hours(form, f"{priority}_first"), _hours(form, f"{priority}_done")
                if first is None or done is None:
                    return _("Give every target in business hours, for example 4 or 7.5.")
                try:
                    sla.set_target(db, priority, first, done, pk(user))
                except ValueError:
                    return _("The first response must come before resolution.")
            audit.record(db, actor=user, action="sla.targets", request=request)
        elif what == "closure":
            try:
                day = date.fromisoformat(text(form, "day", 10))
            except ValueError:
                return _("Give the date as year-month-day, for example 2026-12-31.")
            if db.get(CalendarClosure, day) is None:
                db.add(CalendarClosure(day=day, note=text(form, "note", 200)[:200],
                                       created_by=user.id))
            audit.record(db, actor=user, action="sla.closure_add", request=request,
                         detail={"day": day.isoformat()})
        elif what == "closure_delete":
            try:
                day = date.fromisoformat(text(form, "day", 10))
            except ValueError:
                return ""
            closure = db.get(CalendarClosure, day)
            if closure is not None:
                db.delete(closure)
                audit.record(db, actor=user, action="sla.closure_delete", request=request,
                             detail={"day": day.isoformat()})
        elif what == "urgency":
            given = {key: integer(form, key) for key in urgency.SETTINGS
                     if key not in urgency.STATUS_KEYS}
            values = {key: v for key, v in given.items() if v is not None}
            if len(values) != len(given):
                return _("Give every threshold as a whole number.")
            values |= {key: int(bool(form.get(key))) for key in urgency.STATUS_KEYS}
            try:
                urgency.save_config(db, values, pk(user))
            except ValueError:
                return _("The thresholds are out of range: the urgent one must be the smaller.")
            audit.record(db, actor=user, action="urgency.settings", request=request,
                         detail=values)
        db.commit()
    return ""


@requires("supervisor")
async def sla_save(request: Request) -> Response:
    form = await request.form()
    checked = csrf.check(request, form)
    error = csrf_message(checked) if not checked.ok else ""
    if not error:
        error = await run_in_threadpool(_save_sla, request.state.staff, form, request)
    if not error:
        return redirect("/triage/sla?saved=1")

    def load() -> dict[str, Any]:
        with db_session() as db:
            return _sla_context(db)

    context = await run_in_threadpool(load)
    context.update(error=error, saved=False)
    return page(request, "triage/casework/sla.html", with_words(context), status_code=400)


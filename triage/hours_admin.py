"""Supervisors edit the opening hours: weekly slots, dated exceptions, the channels' contacts.

Every form shows the coming four weeks before and after the change when sent with
action=preview, and saves nothing; sent with action=save it validates again inside the saving
transaction, saves, and writes the audit event in the same transaction. The rules live in
`intake.hours.editing`; these routes only parse, check CSRF and the role, and render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from babel.dates import get_day_names
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intake.hours import editing, preview, store
from intake.hours.models import HoursException, HoursSlot
from intake.hours.schedule import CHANNELS, ExceptionKind, clock_text, span_text, status_at
from intake.hours.texts import CHANNEL_LABELS, day_text, format_locale, status_text
from triage.accounts import audit
from triage.pages import db_session, done_notice, get_or_404, page, redirect, requires
from yhteys import clock, csrf
from yhteys.db import session_scope
from yhteys.i18n import INTERPRETER_LANGUAGES, get_locale, lazy_gettext
from yhteys.i18n import gettext as _

BASE = "/triage/hours"

KIND_LABELS = {
    ExceptionKind.CLOSED: lazy_gettext("Closed all day"),
    ExceptionKind.EXTRA: lazy_gettext("Extra opening, on top of the usual hours"),
    ExceptionKind.CHANGED: lazy_gettext("Changed hours, instead of the usual hours"),
    ExceptionKind.HOLIDAY_OPEN: lazy_gettext("Open on this public holiday, usual hours"),
}

DONE_MESSAGES = {
    "slot_saved": lambda: _("The weekly hours were saved."),
    "slot_deleted": lambda: _("The weekly slot was removed."),
    "exception_saved": lambda: _("The change on a date was saved."),
    "exception_deleted": lambda: _("The change on a date was removed."),
    "contacts_saved": lambda: _("The contacts were saved."),
}


def _csrf_message() -> str:
    return _("This form was open for a long time or its security check failed. Check it and send it again.")  # noqa: E501


# --- Reading ----------------------------------------------------------------------------------


def _overview(locale: str) -> dict[str, Any]:
    instant = clock.now()
    with db_session() as session:
        slots = store.slot_rows(session)
        exceptions = editing.stored_exceptions(session)
        contacts = store.load_contacts(session)
        schedule = store.load_schedule(session)
    statuses = status_at(instant, schedule)
    return {
        "slots": [_slot_view(row) for row in slots],
        "exceptions": [_exception_view(row, locale) for row in exceptions],
        "contacts": [(str(CHANNEL_LABELS[c]), contacts[c]) for c in CHANNELS],
        "statuses": [(str(CHANNEL_LABELS[c]), status_text(statuses[c], locale)) for c in CHANNELS],
        "upcoming": preview.compare(schedule, schedule, instant, locale),
    }


def _slot_view(row: HoursSlot) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": str(CHANNEL_LABELS[row.channel]),
        "weekday": _weekday_names()[row.weekday],
        "hours": span_text(row.start_minute, row.end_minute),
        "languages": ", ".join(row.languages or ()),
    }


def _exception_view(row: HoursException, locale: str) -> dict[str, Any]:
    hours = ""
    if row.start_minute is not None and row.end_minute is not None:
        hours = span_text(row.start_minute, row.end_minute)
    return {
        "id": row.id,
        "day": day_text(row.day, locale, heading=True),
        "iso": row.day.isoformat(),
        "channel": str(CHANNEL_LABELS.get(row.channel, row.channel)),
        "kind": str(KIND_LABELS[ExceptionKind(row.kind)]),
        "hours": hours,
        "languages": ", ".join(row.languages or ()),
        "note": row.note,
    }


def _weekday_names() -> list[str]:
    names = get_day_names("wide", "stand-alone", locale=format_locale(get_locale()))
    return [names[i] for i in range(7)]


def _choices() -> dict[str, Any]:
    return {
        "channels": [(c, str(CHANNEL_LABELS[c])) for c in CHANNELS],
        "weekdays": list(enumerate(_weekday_names())),
        "languages": list(INTERPRETER_LANGUAGES.items()),
        "kinds": [(str(k), str(label)) for k, label in KIND_LABELS.items()],
        "today": editing.local_today().isoformat(),
    }


def form_values(form: FormData) -> dict[str, Any]:
    """What the person sent, kept to show the form again exactly as they left it.

    A FormData, not any mapping: its `getlist` gives every checked language, where `get` gives one.
    """
    values: dict[str, Any] = {
        k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"
    }
    values["languages"] = form.getlist("languages")
    return values


def _slot_values(row: HoursSlot | None) -> dict[str, Any]:
    if row is None:
        return {"channel": "chat", "weekday": "", "start": "", "end": "", "languages": []}
    return {
        "channel": row.channel,
        "weekday": str(row.weekday),
        "start": clock_text(row.start_minute),
        "end": "00:00" if row.end_minute == 1440 else clock_text(row.end_minute),
        "languages": list(row.languages or ()),
    }


def _exception_values(row: HoursException | None) -> dict[str, Any]:
    if row is None:
        return {"day": "", "channel": "chat", "kind": "closed", "start": "", "end": "",
                "languages": [], "note": ""}
    return {
        "day": row.day.isoformat(),
        "channel": row.channel,
        "kind": row.kind,
        "start": clock_text(row.start_minute) if row.start_minute is not None else "",
        "end": "" if row.end_minute is None
        else "00:00" if row.end_minute == 1440 else clock_text(row.end_minute),
        "languages": list(row.languages or ()),
        "note": row.note,
    }


# --- One edit: validate, preview or save with its audit event ---------------------------------


@dataclass
class Outcome:
    saved: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    preview: list[preview.ChannelPreview] | None = None


def _slot_edit(
    form: Mapping[str, Any], slot_id: int | None, action: str, actor: Any, request: Request
) -> Outcome:
    locale = get_locale()
    with session_scope() as session:
        editing.serialise_edits(session)
        row = _stored(session, HoursSlot, slot_id)
        result = editing.validate_slot(form, editing.other_slots(session, slot_id))
        slot = result.value
        if slot is None:
            return Outcome(errors=result.errors)
        if action == "preview":
            before = store.load_schedule(session)
            after = editing.schedule_with(session, slot=slot, replacing_slot=slot_id)
            return Outcome(preview=preview.compare(before, after, clock.now(), locale))
        before_record = editing.slot_record(row) if row else None
        saved = editing.save_slot(session, slot, row)
        audit.record(
            session,
            actor=actor,
            action="hours.slot.update" if row else "hours.slot.create",
            detail={"slot_id": saved.id, "before": before_record,
                    "after": editing.slot_record(saved)},
            request=request,
        )
    return Outcome(saved=True)


def _exception_edit(
    form: Mapping[str, Any], exception_id: int | None, action: str, actor: Any, request: Request
) -> Outcome:
    locale = get_locale()
    with session_scope() as session:
        editing.serialise_edits(session)
        row = _stored(session, HoursException, exception_id)
        others = editing.other_exceptions(session, exception_id)
        result = editing.validate_exception(form, others)
        value = result.value
        if value is None:
            return Outcome(errors=result.errors)
        if action == "preview":
            before = store.load_schedule(session)
            after = editing.schedule_with(
                session, exception=value, replacing_exception=exception_id
            )
            return Outcome(preview=preview.compare(before, after, clock.now(), locale))
        before_record = editing.exception_record(row) if row else None
        note = form.get("note", "")
        saved = editing.save_exception(
            session, value, note.strip() if isinstance(note, str) else "", row
        )
        audit.record(
            session,
            actor=actor,
            action="hours.exception.update" if row else "hours.exception.create",
            detail={"exception_id": saved.id, "before": before_record,
                    "after": editing.exception_record(saved)},
            request=request,
        )
    return Outcome(saved=True)


def _contacts_edit(form: Mapping[str, Any], actor: Any, request: Request) -> Outcome:
    result = editing.validate_contacts(form)
    change = result.value
    if change is None:
        return Outcome(errors=result.errors)
    with session_scope() as session:
        before = editing.save_contacts(session, change["values"], change["demo"])
        changed = sorted(
            c for c in CHANNELS
            if before[c]["address"] != change["values"].get(c, "")
            or before[c]["demo"] != change["demo"]
        )
        # The service's own numbers are public; what a supervisor typed is kept as it was stored.
        audit.record(
            session,
            actor=actor,
            action="hours.contacts.update",
            detail={"changed": changed, "demo": change["demo"], "after": change["values"]},
            request=request,
        )
    return Outcome(saved=True)


HoursRow = HoursSlot | HoursException


def _delete(
    model: type[HoursRow], row_id: int, actor: Any, request: Request, action: str
) -> Outcome:
    with session_scope() as session:
        editing.serialise_edits(session)
        row: HoursRow = get_or_404(session, model, row_id)
        if action == "preview":
            before = store.load_schedule(session)
            after = (
                editing.schedule_with(session, replacing_slot=row_id)
                if model is HoursSlot
                else editing.schedule_with(session, replacing_exception=row_id)
            )
            return Outcome(preview=preview.compare(before, after, clock.now(), get_locale()))
        if isinstance(row, HoursSlot):
            detail = {"slot_id": row_id, "before": editing.slot_record(row)}
            name = "hours.slot.delete"
        else:
            detail = {"exception_id": row_id, "before": editing.exception_record(row)}
            name = "hours.exception.delete"
        session.delete(row)
        audit.record(session, actor=actor, action=name, detail=detail, request=request)
    return Outcome(saved=True)


def _stored(session: Session, model: type, row_id: int | None) -> Any:
    """None for a new row, else the stored one (or the not-found page)."""
    return None if row_id is None else get_or_404(session, model, row_id)


def _load_row(model: type, row_id: int | None) -> Any:
    with db_session() as session:
        return _stored(session, model, row_id)


# --- Routes -----------------------------------------------------------------------------------


def _done(key: str) -> Response:
    return redirect(f"{BASE}?done={key}")


def _action(form: FormData) -> str:
    return "preview" if form.get("action") == "preview" else "save"


@requires("supervisor")
async def index(request: Request) -> Response:
    context = await run_in_threadpool(_overview, get_locale())
    context["done"] = done_notice(request, DONE_MESSAGES)
    return page(request, "triage/hours/index.html", context)


async def _form_page(
    request: Request,
    *,
    template: str,
    model: type,
    row_id: int | None,
    initial: Callable[[Any], dict[str, Any]],
    edit: Callable[..., Outcome],
    done: str,
) -> Response:
    context: dict[str, Any] = {**_choices(), "row_id": row_id, "errors": {}, "preview": None}
    if request.method == "GET":
        row = await run_in_threadpool(_load_row, model, row_id)
        return page(request, template, {**context, "values": initial(row)})
    form = await request.form()
    context["values"] = form_values(form)
    if not csrf.check(request, form).ok:
        context["errors"] = {"form": _csrf_message()}
        return page(request, template, context, status_code=400)
    action = _action(form)
    outcome = await run_in_threadpool(
        edit, form, row_id, action, request.state.staff, request
    )
    if outcome.saved:
        return _done(done)
    context.update(errors=outcome.errors, preview=outcome.preview)
    return page(request, template, context, status_code=400 if outcome.errors else 200)


@requires("supervisor")
async def slot_form(request: Request) -> Response:
    return await _form_page(
        request,
        template="triage/hours/slot_form.html",
        model=HoursSlot,
        row_id=request.path_params.get("slot_id"),
        initial=_slot_values,
        edit=_slot_edit,
        done="slot_saved",
    )


@requires("supervisor")
async def exception_form(request: Request) -> Response:
    return await _form_page(
        request,
        template="triage/hours/exception_form.html",
        model=HoursException,
        row_id=request.path_params.get("exception_id"),
        initial=_exception_values,
        edit=_exception_edit,
        done="exception_saved",
    )


@requires("supervisor")
async def contacts_form(request: Request) -> Response:
    template = "triage/hours/contacts_form.html"
    if request.method == "GET":
        contacts = await run_in_threadpool(_contacts)
        values = {c: contacts[c].address for c in CHANNELS}
        values["demo"] = "1" if any(contacts[c].demo for c in CHANNELS) else ""
        return page(request, template, {"values": values, "errors": {}})
    form = await request.form()
    values = form_values(form)
    if not csrf.check(request, form).ok:
        return page(
            request, template, {"values": values, "errors": {"form": _csrf_message()}},
            status_code=400,
        )
    outcome = await run_in_threadpool(_contacts_edit, form, request.state.staff, request)
    if outcome.saved:
        return _done("contacts_saved")
    return page(request, template, {"values": values, "errors": outcome.errors}, status_code=400)


def _contacts() -> dict[str, store.Contact]:
    with db_session() as session:
        return store.load_contacts(session)


async def _delete_page(
    request: Request, model: type[HoursRow], row_id: int, done: str
) -> Response:
    row = await run_in_threadpool(_load_row, model, row_id)
    locale = get_locale()
    summary = _slot_view(row) if model is HoursSlot else _exception_view(row, locale)
    context: dict[str, Any] = {"row": summary, "is_slot": model is HoursSlot, "errors": {}}
    if request.method == "GET":
        outcome = await run_in_threadpool(
            _delete, model, row_id, request.state.staff, request, "preview"
        )
        return page(request, "triage/hours/delete.html", {**context, "preview": outcome.preview})
    form = await request.form()
    if not csrf.check(request, form).ok:
        context.update(errors={"form": _csrf_message()}, preview=None)
        return page(request, "triage/hours/delete.html", context, status_code=400)
    outcome = await run_in_threadpool(
        _delete, model, row_id, request.state.staff, request, _action(form)
    )
    if outcome.saved:
        return _done(done)
    return page(request, "triage/hours/delete.html", {**context, "preview": outcome.preview})


@requires("supervisor")
async def slot_delete(request: Request) -> Response:
    return await _delete_page(request, HoursSlot, request.path_params["slot_id"], "slot_deleted")


@requires("supervisor")
async def exception_delete(request: Request) -> Response:
    return await _delete_page(
        request, HoursException, request.path_params["exception_id"], "exception_deleted"
    )


both = ["GET", "POST"]
routes = [
    Route("/hours", index, name="hours.edit"),
    Route("/hours/slots/new", slot_form, methods=both, name="hours.slot_new"),
    Route("/hours/slots/{slot_id:int}", slot_form, methods=both, name="hours.slot_edit"),
    Route("/hours/slots/{slot_id:int}/delete", slot_delete, methods=both, name="hours.slot_delete"),
    Route("/hours/exceptions/new", exception_form, methods=both, name="hours.exception_new"),
    Route(
        "/hours/exceptions/{exception_id:int}", exception_form, methods=both,
        name="hours.exception_edit",
    ),
    Route(
        "/hours/exceptions/{exception_id:int}/delete", exception_delete, methods=both,
        name="hours.exception_delete",
    ),
    Route("/hours/contacts", contacts_form, methods=both, name="hours.contacts"),
]

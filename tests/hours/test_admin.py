"""Supervisors edit the hours; advisors and anonymous visitors cannot; every change is audited."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

import pytest
from sqlmodel import Session, select

from intake.hours.models import HoursChannel, HoursException, HoursSlot
from tests.hours.conftest import CHAT_LANGS, THU, TUE
from triage.accounts.models import AuditEvent
from yhteys.db import get_engine

NOW = "2026-12-01T09:00:00+02:00"  # a Tuesday morning


@pytest.fixture
def token(client, form_token):  # noqa: ANN001, ANN201
    """A CSRF token of this client, taken from the login page before anyone logs in."""
    return form_token(client, "/triage/login")


@pytest.fixture
def supervisor(client, make_staff, login_fast, use_settings, token):  # noqa: ANN001, ANN201
    use_settings(frozen_now=datetime.fromisoformat(NOW))
    user = make_staff(roles=("supervisor",))
    login_fast(client, user)
    return user


def slots() -> list[HoursSlot]:
    with Session(get_engine()) as db:
        return list(db.exec(select(HoursSlot).order_by(HoursSlot.id)))


def exceptions() -> list[HoursException]:
    with Session(get_engine()) as db:
        return list(db.exec(select(HoursException)))


def audit_events(prefix: str = "hours.") -> list[AuditEvent]:
    with Session(get_engine()) as db:
        events = db.exec(select(AuditEvent).order_by(AuditEvent.id))
        return [e for e in events if e.action.startswith(prefix)]


def error_beside(page: str, field: str) -> str:
    match = re.search(rf'<span class="error-message" id="{field}-error">([^<]*)</span>', page)
    assert match, f"no error beside {field}"
    return html.unescape(match.group(1))


def slot_form(token: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": token, "channel": "chat", "weekday": "2", "start": "12:00",
        "end": "14:00", "languages": ["fi", "so"], "action": "save",
    }
    form.update(changes)
    return form


# --- Who may -----------------------------------------------------------------------------------

STAFF_PAGES = [
    "/triage/hours",
    "/triage/hours/slots/new",
    "/triage/hours/exceptions/new",
    "/triage/hours/contacts",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/triage/login?next={path}"


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_advisors_may_not_edit_the_hours(client, make_staff, login_fast, path):
    login_fast(client, make_staff(roles=("advisor",)))
    assert client.get(path).status_code == 403


def test_an_advisors_post_changes_nothing(client, make_staff, login_fast, token):
    login_fast(client, make_staff(roles=("advisor",)))
    response = client.post("/triage/hours/slots/new", data=slot_form(token))
    assert response.status_code == 403
    assert slots() == [] and audit_events() == []


def test_an_anonymous_post_changes_nothing(client, token):
    response = client.post("/triage/hours/slots/new", data=slot_form(token))
    assert response.status_code == 303 and "/triage/login" in response.headers["location"]
    assert slots() == []


def test_staff_pages_are_never_stored(client, supervisor):
    assert client.get("/triage/hours").headers["cache-control"] == "no-store"


# --- Weekly slots -----------------------------------------------------------------------------


def test_a_supervisor_adds_a_slot_and_it_is_audited(client, supervisor, token):
    response = client.post("/triage/hours/slots/new", data=slot_form(token))
    assert response.status_code == 303
    assert response.headers["location"] == "/triage/hours?done=slot_saved"
    [row] = slots()
    assert (row.channel, row.weekday, row.start_minute, row.end_minute) == ("chat", 2, 720, 840)
    assert row.languages == ["fi", "so"]
    [event] = audit_events()
    assert event.action == "hours.slot.create" and event.actor_id == supervisor.id
    assert event.detail["after"] == {
        "channel": "chat", "weekday": 2, "start": "12:00", "end": "14:00",
        "languages": ["fi", "so"],
    }
    page = client.get(response.headers["location"]).text
    assert "The weekly hours were saved." in page or "Viikoittaiset ajat tallennettiin." in page


def test_the_preview_shows_the_next_four_weeks_and_saves_nothing(client, supervisor, token):
    response = client.post(
        "/triage/hours/slots/new",
        data=slot_form(token, action="preview"),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    page = response.text
    assert "Preview: the next four weeks" in page
    chat = page.split("<h3>Chat")[1].split("</table>")[0]
    assert "4 dates change" in chat  # the Wednesdays 2, 9, 16 and 23 December
    assert re.findall(r'<tr class="is-changed">\s*<th scope="row">([^<]+?) <', chat) == [
        "Wednesday 2 December", "Wednesday 9 December", "Wednesday 16 December",
        "Wednesday 23 December",
    ]
    assert 'value="12:00"' in page and 'value="14:00"' in page  # the input is kept
    assert slots() == [] and audit_events() == []


def test_the_preview_of_a_holiday_exception(client, supervisor, token, add_slot):
    add_slot("chat", THU, "12:00", "15:00", CHAT_LANGS)
    form = {"csrf_token": token, "day": "2026-12-24", "channel": "chat", "kind": "holiday_open",
            "action": "preview"}
    page = client.post(
        "/triage/hours/exceptions/new", data=form, headers={"accept-language": "en"}
    ).text
    row = page.split("Thursday 24 December")[1].split("</tr>")[0]
    assert "Closed: Christmas Eve" in row and "12:00–15:00" in row
    assert exceptions() == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "14:00", "end": "13:00"}, "end", "The end must be later than the start."),
        ({"weekday": "8"}, "weekday", "Choose a weekday from the list."),
        ({"channel": "telegram"}, "channel", "Choose a channel from the list."),
        ({"weekday": "1", "start": "14:00", "end": "16:00"}, "start",
         "This overlaps another slot of the same channel on this day (12:00–15:00)."),
        ({"languages": []}, "languages", "Choose at least one language."),
    ],
)
def test_an_invalid_slot_is_shown_again_with_the_error_beside_the_field(
    client, supervisor, token, add_slot, changes, field, message
):
    add_slot("chat", TUE, "12:00", "15:00")
    form = slot_form(token, **changes)
    response = client.post(
        "/triage/hours/slots/new", data=form, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert error_beside(response.text, field) == message
    assert f'value="{form["start"]}"' in response.text  # the input is kept
    assert len(slots()) == 1 and audit_events() == []


def test_a_stale_form_is_refused_with_the_input_kept(client, supervisor):
    response = client.post(
        "/triage/hours/slots/new",
        data=slot_form("123.forged", start="11:15"),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "security check failed" in response.text
    assert 'value="11:15"' in response.text
    assert slots() == []


def test_a_supervisor_changes_a_slot(client, supervisor, token, add_slot):
    row = add_slot("chat", TUE, "12:00", "15:00")
    page = client.get(f"/triage/hours/slots/{row.id}").text
    assert 'value="12:00"' in page and 'value="15:00"' in page
    response = client.post(
        f"/triage/hours/slots/{row.id}", data=slot_form(token, weekday="1", end="16:00")
    )
    assert response.status_code == 303
    [saved] = slots()
    assert saved.id == row.id and saved.end_minute == 16 * 60  # not an overlap with itself
    [event] = audit_events()
    assert event.action == "hours.slot.update"
    assert event.detail["before"]["end"] == "15:00" and event.detail["after"]["end"] == "16:00"


def test_a_supervisor_removes_a_slot_after_seeing_what_changes(client, supervisor, token, add_slot):
    row = add_slot("chat", TUE, "12:00", "15:00")
    page = client.get(f"/triage/hours/slots/{row.id}/delete", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Tuesday 8 December" in page.text and "is-changed" in page.text
    assert len(slots()) == 1
    response = client.post(
        f"/triage/hours/slots/{row.id}/delete", data={"csrf_token": token, "action": "save"}
    )
    assert response.status_code == 303
    assert slots() == []
    [event] = audit_events()
    assert event.action == "hours.slot.delete" and event.detail["slot_id"] == row.id


def test_an_unknown_slot_is_not_found(client, supervisor):
    assert client.get("/triage/hours/slots/999").status_code == 404


# --- Dated exceptions -------------------------------------------------------------------------


def exception_form(token: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": token, "day": "2026-12-09", "channel": "chat", "kind": "extra",
        "start": "10:00", "end": "11:00", "note": "Christmas party for families",
        "action": "save",
    }
    form.update(changes)
    return form


def test_a_supervisor_adds_an_extra_opening_and_the_public_sees_it(
    client, supervisor, token, add_slot
):
    add_slot("chat", TUE, "12:00", "15:00", CHAT_LANGS)
    response = client.post("/triage/hours/exceptions/new", data=exception_form(token))
    assert response.status_code == 303
    [row] = exceptions()
    assert (row.day, row.kind, row.start_minute, row.end_minute) == (date(2026, 12, 9), "extra",
                                                                     600, 660)
    [event] = audit_events()
    assert event.action == "hours.exception.create"
    assert "note" not in event.detail["after"]  # what staff typed stays out of the trail
    page = client.get("/en/hours").text
    assert "Wednesday 9 December" in page and "Extra opening" in page
    assert "Christmas party" not in page  # the note is for staff only


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": "2026-11-30"}, "day", "This date is in the past. Choose today or a later date."),
        ({"day": "2026-12-02", "kind": "holiday_open"}, "day",
         "This date is not a public holiday in Finland."),
        ({"channel": "fax"}, "channel", "Choose a channel from the list."),
        ({"kind": "sometimes"}, "kind", "Choose what changes on this date."),
        ({"start": "11:00", "end": "10:30"}, "end", "The end must be later than the start."),
    ],
)
def test_an_invalid_exception_is_refused_beside_its_field(
    client, supervisor, token, changes, field, message
):
    form = exception_form(token, **changes)
    response = client.post(
        "/triage/hours/exceptions/new", data=form, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert error_beside(response.text, field) == message
    assert f'value="{form["day"]}"' in response.text
    assert exceptions() == [] and audit_events() == []


def test_a_supervisor_closes_a_day_and_removes_the_closing(client, supervisor, token, add_slot):
    add_slot("chat", TUE, "12:00", "15:00")
    form = exception_form(token, day="2026-12-01", kind="closed", channel="all", start="", end="")
    assert client.post("/triage/hours/exceptions/new", data=form).status_code == 303
    use_box = client.get("/en/").text
    assert "Closed now. Next open Tuesday 8 December 12:00–15:00" in use_box
    [row] = exceptions()
    response = client.post(
        f"/triage/hours/exceptions/{row.id}/delete", data={"csrf_token": token, "action": "save"}
    )
    assert response.status_code == 303 and exceptions() == []
    assert [e.action for e in audit_events()] == ["hours.exception.create",
                                                  "hours.exception.delete"]


# --- Contacts ---------------------------------------------------------------------------------


def test_a_supervisor_sets_the_contacts(client, supervisor, token):
    form = {"csrf_token": token, "phone": "040 000 0000", "whatsapp": "+358 40 000 0001",
            "chat": "https://chat.example/", "demo": "1", "action": "save"}
    response = client.post("/triage/hours/contacts", data=form)
    assert response.status_code == 303
    with Session(get_engine()) as db:
        rows = {r.channel: (r.address, r.demo) for r in db.exec(select(HoursChannel))}
    assert rows == {"phone": ("+358400000000", True), "whatsapp": ("+358400000001", True),
                    "chat": ("https://chat.example/", True)}
    [event] = audit_events()
    assert event.action == "hours.contacts.update"
    assert event.detail["changed"] == ["chat", "phone", "whatsapp"]


def test_invalid_contacts_are_refused(client, supervisor, token):
    form = {"csrf_token": token, "phone": "not a number", "whatsapp": "", "chat": ""}
    response = client.post("/triage/hours/contacts", data=form, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert error_beside(response.text, "phone").startswith("Enter a phone number")
    assert 'value="not a number"' in response.text
    assert audit_events() == []

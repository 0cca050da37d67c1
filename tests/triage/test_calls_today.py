"""The list of clients to call today."""

import re
from datetime import UTC, datetime

from sqlmodel import Session

from tests.triage.casework_factories import make_case
from triage.casework.models import RoutingRule
from yhteys.db import get_engine

TUESDAY = datetime(2026, 12, 8, 8, tzinfo=UTC)  # 10:00 in Helsinki


def test_cases_with_a_window_today_are_listed_until_called(  # noqa: ANN201
        client, make_team, make_staff, login_fast, use_settings):  # noqa: ANN001
    use_settings(frozen_now=TUESDAY)
    team = make_team("Advice")
    other = make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    login_fast(client, make_staff(display_name="Aino", teams=[team]))
    tuesday = make_case(contact_windows=[{"day": "tue", "start": "12:00", "end": "14:00"}])
    weekdays = make_case(contact_windows=[{"day": "weekdays", "start": "", "end": ""}])
    friday = make_case(contact_windows=[{"day": "fri", "start": "09:00", "end": "10:00"}])
    elsewhere = make_case(contact_windows=[{"day": "tue", "start": "09:00", "end": "10:00"}])
    with Session(get_engine()) as db:
        from intake.models import Case
        db.get(Case, elsewhere.id).team_id = other.id
        db.commit()
    page = client.get("/triage/calls-today").text
    assert tuesday.reference in page and weekdays.reference in page
    assert friday.reference not in page and elsewhere.reference not in page
    case_page = client.get(f"/triage/cases/{tuesday.reference}").text
    fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', case_page).group(1),
              "version": re.search(r'name="version" value="(\d+)"', case_page).group(1),
              "call_outcome": "no_answer"}
    assert client.post(f"/triage/cases/{tuesday.reference}/call", data=fields).status_code == 303
    page = client.get("/triage/calls-today").text
    assert tuesday.reference not in page and weekdays.reference in page

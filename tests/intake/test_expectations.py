"""The confirmation and the status page say when an advisor usually answers, from the SLA target
of her case's priority and the business calendar, in her language, and what to do in an
emergency."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from intake.models import Case
from tests.intake.conftest import all_cases, form_data, status_link
from triage.casework import sla
from triage.casework.models import CalendarClosure
from yhteys.db import engine_for

# The frozen clock of these tests: Tuesday 1 December 2026, 12:00 in Helsinki. A normal case's
# first answer is due in two working days (14 business hours): Thursday 3 December at 12:00.


def _confirm(browser, kind: str = "other", locale: str = "en", **changes):  # noqa: ANN001, ANN003, ANN202
    response = browser.send(kind, form_data(kind, **changes), locale=locale)
    assert response.status_code == 200, response.text[:1000]
    return response.text


def test_the_confirmation_says_when_to_expect_an_answer(browser):
    page = _confirm(browser)
    assert ("An advisor usually answers within 2 working days. "
            "Expect an answer by Thursday 3 December.") in page
    assert 'call <bdi dir="ltr">112</bdi> now' in page  # what to do in an emergency


def test_an_urgent_case_is_answered_within_hours_today(browser):
    page = _confirm(browser, **{"details.in_danger": "yes"})
    assert "An advisor usually answers within 4 working hours. Expect an answer today." in page


def test_a_closed_day_moves_the_date(browser, settings):
    with Session(engine_for(settings.database_url)) as db:
        db.add(CalendarClosure(day=date(2026, 12, 2), reason="Staff training"))
        db.commit()
    page = _confirm(browser)
    assert "Expect an answer by Friday 4 December." in page


def test_the_targets_come_from_the_configuration(browser, settings):
    with Session(engine_for(settings.database_url)) as db:
        sla.set_target(db, "normal", 5 * sla.DAY, 10 * sla.DAY, actor_id=1)
        db.commit()
    page = _confirm(browser)
    assert "within 5 working days. Expect an answer by Tuesday 8 December." in page


@pytest.mark.parametrize(("locale", "expected"), [
    ("fi", "Neuvoja vastaa yleensä 2 työpäivän kuluessa. "
           "Voit odottaa vastausta viimeistään torstaina 3. joulukuuta."),
    ("sv", "En rådgivare svarar oftast inom 2 arbetsdagar. "
           "Räkna med ett svar senast torsdag 3 december."),
    ("ar", "الخميس"),
    ("ti", "ሓሙስ"),
    ("ckb", "پێنجشەممە"),
])
def test_the_date_is_written_in_her_language(browser, locale, expected):
    page = _confirm(browser, locale=locale)
    assert expected in page


def test_the_status_page_says_it_until_the_first_answer(browser, client, settings):
    path = status_link(_confirm(browser)).replace("http://testserver", "")
    page = client.get(path).text
    assert "An advisor usually answers within 2 working days." in page
    assert "Expect an answer by Thursday 3 December." in page
    assert 'call <bdi dir="ltr">112</bdi> now' in page
    with Session(engine_for(settings.database_url)) as db:
        case = db.get(Case, all_cases(settings)[0].id)
        case.first_response_at = case.created_at
        db.add(case)
        db.commit()
    assert "usually answers" not in client.get(path).text

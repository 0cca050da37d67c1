"""Every form asks whether it is urgent, and her status page lets her say so at any time."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from intake.models import CaseMessage
from notify.models import Notification
from tests.intake.conftest import all_cases, form_data, hidden, status_link
from yhteys.db import engine_for

REASONS = ("no_place_tonight", "health_emergency", "in_danger", "child_without_care")


@pytest.mark.parametrize("kind", ["family_reunification", "tracing", "social_services", "other"])
def test_every_form_asks_the_four_urgency_questions(browser, kind):
    page = browser.open(kind).text
    assert "Is it urgent?" in page
    for reason in REASONS:
        assert f'name="details.{reason}"' in page


@pytest.mark.parametrize("kind", ["tracing", "other"])
def test_a_tick_on_any_form_makes_the_case_urgent(browser, settings, kind):
    response = browser.send(kind, form_data(kind, **{"details.child_without_care": "yes"}))
    assert response.status_code == 200, response.text[:1000]
    case = all_cases(settings)[0]
    assert case.details["child_without_care"] is True
    assert case.priority == "urgent"


def _case_page(browser, kind: str = "other") -> str:  # noqa: ANN001
    response = browser.send(kind, form_data(kind))
    assert response.status_code == 200, response.text[:1000]
    return status_link(response.text).replace("http://testserver", "")


def test_i_need_help_today_raises_the_case_and_keeps_her_words(browser, client, use_settings):
    settings = use_settings(staff_mail_to="staff@example.org")  # no team: the shared address
    path = _case_page(browser)
    page = client.get(path).text
    assert "Do you need help today?" in page and 'call <bdi dir="ltr">112</bdi>' in page
    assert f'action="{path}/urgent#help-today"' in page
    response = client.post(f"{path}/urgent", data={
        "csrf_token": hidden(page, "csrf_token"), "reason": "no_place_tonight",
        "urgent_body": "Tonight we have no place to sleep.",
    })
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?urgent=1#help-today"

    case = all_cases(settings)[0]
    assert case.priority == "urgent" and case.details["no_place_tonight"] is True
    with Session(engine_for(settings.database_url)) as db:
        bodies = [m.body for m in db.exec(select(CaseMessage))]
        alerts = db.exec(
            select(Notification).where(Notification.event == "staff_urgency_raised")
        ).all()
    assert bodies == ["Tonight we have no place to sleep."]
    assert [a.recipient for a in alerts] == ["staff@example.org"]
    shown = client.get(f"{path}?urgent=1").text
    assert "Your request is now urgent." in shown
    assert "Tonight we have no place to sleep." in shown


def test_without_a_reason_or_words_it_still_counts(browser, client, settings):
    path = _case_page(browser)
    page = client.get(path).text
    response = client.post(f"{path}/urgent", data={"csrf_token": hidden(page, "csrf_token"),
                                                   "reason": "not-a-reason"})
    assert response.status_code == 303
    assert all_cases(settings)[0].priority == "urgent"


def test_without_the_form_token_nothing_changes(browser, client, settings):
    path = _case_page(browser)
    client.get(path)
    response = client.post(f"{path}/urgent", data={"csrf_token": "forged",
                                                   "reason": "in_danger", "urgent_body": "help"})
    assert response.status_code == 403
    assert all_cases(settings)[0].priority == "normal"
    # The page shown again keeps what she chose and wrote, and its forms still post to the page.
    assert re.search(r'value="in_danger" checked', response.text)
    assert f'action="{path}#messages"' in response.text


def test_a_too_long_text_is_shown_beside_the_field(browser, client, settings):
    path = _case_page(browser)
    page = client.get(path).text
    response = client.post(f"{path}/urgent", data={"csrf_token": hidden(page, "csrf_token"),
                                                   "urgent_body": "x" * 5001})
    assert response.status_code == 422
    assert 'id="f-urgent_body-error"' in response.text or "urgent_body" in response.text
    assert all_cases(settings)[0].priority == "normal"

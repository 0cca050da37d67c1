"""The appeal period of a negative family reunification decision as an urgency signal: urgent
as the window is, by the same thresholds; once past, said on the case page but not raised."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from intake.models import Case
from tests.intake.conftest import Browser, form_data
from triage.casework.models import RoutingRule
from triage.casework.urgency import (
    APPEAL_DATE,
    APPEAL_SOURCE,
    UrgencyConfig,
    assess,
    load_config,
    save_config,
)
from yhteys.clock import local_now
from yhteys.db import get_engine

KIND = "family_reunification"
TODAY = date(2026, 3, 2)


def fr(days_ago: int | None, **more: object) -> dict[str, object]:
    decided = None if days_ago is None else (TODAY - timedelta(days=days_ago)).isoformat()
    return {"sponsor_status": "other_permit", "members": [], "stage": "negative_decision",
            "negative_decision_date": decided, **more}


def test_ten_days_after_a_negative_decision_the_case_is_urgent():
    result = assess(KIND, fr(10), TODAY, UrgencyConfig())
    assert result.priority == "urgent"
    (signal,) = result.signals
    assert signal.code == "fr_appeal_deadline"
    assert signal.params == {"deadline": "2026-03-22", "days_left": 20}


def test_past_the_appeal_period_it_is_said_but_raises_nothing():
    result = assess(KIND, fr(40), TODAY, UrgencyConfig())
    assert result.priority == "normal"
    assert [(s.code, s.priority) for s in result.signals] == [("fr_appeal_passed", "normal")]
    assert assess(KIND, fr(None), TODAY, UrgencyConfig()).signals == ()


def test_the_configured_period_and_thresholds_move_the_signal():
    # A longer appeal period: 40 days ago is within it again.
    assert assess(KIND, fr(40), TODAY, UrgencyConfig(fr_appeal_days=60)).priority == "urgent"
    # A smaller urgent threshold: 20 days left is high, no longer urgent.
    lower = UrgencyConfig(fr_urgent_days=15)
    assert assess(KIND, fr(10), TODAY, lower).priority == "high"
    assert assess(KIND, fr(10), TODAY, UrgencyConfig(fr_urgent_days=15, fr_high_days=15)) \
        .priority == "normal"
    # The last day counts; the day after, the period has passed.
    assert assess(KIND, fr(30), TODAY, UrgencyConfig()).signals[0].code == "fr_appeal_deadline"
    assert assess(KIND, fr(31), TODAY, UrgencyConfig()).signals[0].code == "fr_appeal_passed"


def test_a_childs_birth_date_counts_as_a_child_abroad():
    members = [{"name": "S", "relationship": "child", "birth_date": "2017-07-04"},
               {"name": "H", "relationship": "spouse", "birth_date": "1988-02-10"}]
    result = assess(KIND, fr(None, members=members), TODAY, UrgencyConfig())
    assert [(s.code, s.params) for s in result.signals] == [("children_abroad", {"count": 1})]
    old_case = [{"relationship": "child", "age": 6}]  # before the birth date was asked
    assert assess(KIND, fr(None, members=old_case), TODAY, UrgencyConfig()).priority == "high"


def test_the_appeal_period_is_saved_and_range_checked(settings):
    with Session(get_engine()) as db:
        assert load_config(db).fr_appeal_days == 30
        save_config(db, {"fr_appeal_days": 14}, actor_id=1)
        db.commit()
    with Session(get_engine()) as db:
        assert load_config(db).fr_appeal_days == 14
        with pytest.raises(ValueError):
            save_config(db, {"fr_appeal_days": 0}, actor_id=1)


# --- Through the form and the staff pages --------------------------------------------------------


@pytest.fixture
def advisor(client, make_team, make_staff, login_fast):  # noqa: ANN001, ANN201
    team = make_team("Family")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    login_fast(client, make_staff(display_name="Aino", teams=[team],
                                  roles=["advisor", "supervisor"]))
    return client


def submit(client, days_ago: int, **changes: str) -> Case:  # noqa: ANN001
    decided = local_now().date() - timedelta(days=days_ago)
    data = form_data(
        KIND,
        details__stage="negative_decision",
        details__negative_decision_date__day=str(decided.day),
        details__negative_decision_date__month=str(decided.month),
        details__negative_decision_date__year=str(decided.year),
        # Adults only: the children's signal would raise the case by itself.
        details__members__2__birth_date__year="1990",
        **changes,
    )
    response = Browser(client).send(KIND, data)
    assert response.status_code == 200, response.text[:500]
    with Session(get_engine()) as db:
        return db.exec(select(Case).order_by(Case.id.desc())).first()


def case_page(client, case: Case, language: str = "en") -> str:  # noqa: ANN001
    response = client.get(f"/triage/cases/{case.reference}",
                          headers={"accept-language": language})
    assert response.status_code == 200
    return html.unescape(response.text)


def test_a_submitted_case_shows_its_members_and_its_urgent_appeal(advisor):
    case = submit(advisor, 10)
    assert case.priority == "urgent"
    assert "appeal period of the negative decision ends on" in case.priority_reason
    assert "(20 days left)" in case.priority_reason
    page = case_page(advisor, case)
    priority = page.split("<dt>Priority</dt>", 1)[1].split("</dd>", 1)[0]
    assert "Urgent" in priority and "appeal period of the negative decision ends" in priority
    answers = page.split('id="h-answers"', 1)[1].split("</section>", 1)[0]
    assert "Hodan Ali" in answers and "Sahra Ali" in answers
    assert "Date of birth" in answers and "1234/532/2026" in answers
    assert "Date you received a negative decision" in answers
    finnish = case_page(advisor, case, "fi")
    assert "kielteisen päätöksen valitusaika päättyy" in finnish and "Kiireellinen" in finnish


def test_forty_days_after_the_decision_the_case_is_not_raised_but_says_so(advisor):
    case = submit(advisor, 40)
    assert case.priority == "normal"
    page = case_page(advisor, case)
    priority = page.split("<dt>Priority</dt>", 1)[1].split("</dd>", 1)[0]
    assert "Normal" in priority and "the appeal period has passed" in priority
    assert "valitusaika on kulunut umpeen" in case_page(advisor, case, "fi")


def test_a_shorter_configured_period_makes_the_same_answers_passed(advisor):
    with Session(get_engine()) as db:
        save_config(db, {"fr_appeal_days": 7}, actor_id=1)
        db.commit()
    assert submit(advisor, 10).priority == "normal"


def test_hostile_text_in_a_members_name_is_escaped_on_staff_pages(advisor):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    case = submit(advisor, 40, details__members__0__name=hostile)
    raw = advisor.get(f"/triage/cases/{case.reference}").text
    assert "<script>alert(1)" not in raw and "<img src=x" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    board = advisor.get("/triage/board").text
    assert "<script>alert(1)" not in board


def test_the_supervisor_sets_the_appeal_period_beside_the_window_rule(advisor):
    page = advisor.get("/triage/sla", headers={"accept-language": "en"}).text
    assert 'name="fr_appeal_days"' in page and 'value="30"' in page
    assert "808/2019" in html.unescape(page) and APPEAL_SOURCE.startswith("Administrative")
    assert APPEAL_DATE.year == 2020
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "what": "urgency", "fr_window_months": "3",
            "fr_urgent_days": "30", "fr_high_days": "60", "fr_appeal_days": "21",
            "fr_refugee_status": "1", "fr_quota_refugee": "1"}
    assert advisor.post("/triage/sla", data=form).status_code == 303
    with Session(get_engine()) as db:
        assert load_config(db).fr_appeal_days == 21
    refused = advisor.post("/triage/sla", data={**form, "fr_appeal_days": "0"})
    assert refused.status_code != 303
    with Session(get_engine()) as db:
        assert load_config(db).fr_appeal_days == 21

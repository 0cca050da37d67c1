"""Urgency from the case's own answers, with its reasons; thresholds are configuration."""

from datetime import date

import pytest
from sqlmodel import Session

from tests.triage.casework_factories import make_case
from triage.casework import describe, history
from triage.casework.models import CaseworkSetting
from triage.casework.urgency import UrgencyConfig, add_months, assess, load_config, save_config
from yhteys.db import get_engine

TODAY = date(2026, 12, 1)
CFG = UrgencyConfig()


def codes(kind, details, today=TODAY, cfg=CFG):  # noqa: ANN001, ANN201
    result = assess(kind, details, today, cfg)
    return result.priority, [s.code for s in result.signals]


def fr(**answers):  # noqa: ANN003, ANN201
    base = {"sponsor_status": "refugee_status", "sponsor_minor": "no", "members": [],
            "stage": "not_applied", "decision_date": None}
    return base | answers


@pytest.mark.sqlite_only
def test_nothing_urgent_is_normal():
    assert codes("other", {}) == ("normal", [])
    assert codes("family_reunification", fr()) == ("normal", [])
    assert codes("social_services", {"topics": ["food"], "no_place_tonight": False}) == (
        "normal", [])


@pytest.mark.sqlite_only
def test_social_services_emergencies():
    for flag in ("no_place_tonight", "health_emergency", "in_danger"):
        assert codes("social_services", {flag: True}) == ("urgent", [flag])
    assert codes("social_services", {"children_with_you": "yes"}) == (
        "high", ["children_with_client"])


@pytest.mark.sqlite_only
def test_minors_in_tracing():
    persons = [
        {"name": "A", "minor_when_separated": "no", "approximate_age": 40},
        {"name": "B", "minor_when_separated": "yes", "approximate_age": 25},
    ]
    assert codes("tracing", {"persons": persons}) == ("urgent", ["separated_as_minor"])
    child = [{"name": "C", "birth_date": "2012-05-01", "minor_when_separated": "unknown"}]
    priority, found = codes("tracing", {"persons": child})
    assert (priority, found) == ("urgent", ["sought_minor"])


@pytest.mark.sqlite_only
def test_family_reunification_minor_sponsor_and_children():
    assert codes("family_reunification", fr(sponsor_minor="yes"))[0] == "urgent"
    members = [{"relationship": "child", "age": 6, "country": "X"}]
    assert codes("family_reunification", fr(members=members)) == ("high", ["children_abroad"])


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("decided", "expected"),
    [
        ("2026-09-15", "urgent"),  # window ends 15 Dec: 14 days left
        ("2026-10-20", "high"),  # ends 20 Jan: 50 days left
        ("2026-11-20", "normal"),  # ends 20 Feb: 81 days left
        ("2026-08-01", "normal"),  # ended 1 Nov: past, the window no longer applies
    ],
)
def test_family_reunification_deadline(decided, expected):
    assert codes("family_reunification", fr(decision_date=decided))[0] == expected


@pytest.mark.sqlite_only
def test_deadline_only_for_protection_and_before_applying():
    assert codes("family_reunification", fr(decision_date="2026-09-15",
                                            sponsor_status="other_permit"))[0] == "normal"
    assert codes("family_reunification", fr(decision_date="2026-09-15",
                                            stage="applied"))[0] == "normal"


@pytest.mark.sqlite_only
def test_thresholds_are_configuration():
    cfg = UrgencyConfig(fr_window_months=3, fr_urgent_days=10, fr_high_days=20)
    assert codes("family_reunification", fr(decision_date="2026-09-15"), cfg=cfg)[0] == "high"


@pytest.mark.sqlite_only
def test_month_arithmetic_clamps_to_the_month_end():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 10, 31), 2) == date(2026, 12, 31)


def test_a_new_case_gets_its_priority_and_reason(settings):
    case = make_case(kind="social_services",
                     details={"topics": ["housing"], "no_place_tonight": True, "in_danger": True})
    assert case.priority == "urgent" and case.priority_rank == 0
    assert "no safe place to sleep tonight" in case.priority_reason
    with Session(get_engine()) as db:
        event = history.latest(db, case.id, "priority")
    assert event.data["source"] == "answers"
    from yhteys.i18n import use_locale

    with use_locale("en"):
        text = describe.event_text(event.action, event.data, {})
    assert "Urgent" in text and "in danger or threatened" in text


def test_settings_table_drives_the_assessment(use_settings):
    from datetime import UTC, datetime

    use_settings(frozen_now=datetime(2026, 12, 1, 10, tzinfo=UTC))
    with Session(get_engine()) as db:
        save_config(db, {"fr_urgent_days": 60, "fr_high_days": 80}, actor_id=1)
        db.commit()
        assert load_config(db).fr_urgent_days == 60
        with pytest.raises(ValueError, match="fr_urgent_days"):
            save_config(db, {"fr_urgent_days": 90}, actor_id=1)  # above the high threshold
        db.commit()  # what else the request did is kept; the refused value was never written
    with Session(get_engine()) as db:
        assert db.get(CaseworkSetting, "fr_urgent_days").value == 60
    case = make_case(kind="family_reunification", details=fr(decision_date="2026-10-20"))
    assert case.priority == "urgent"

"""Which sponsor statuses open the family reunification window is configuration."""

from datetime import date

import pytest
from sqlmodel import Session, select

from triage.casework.urgency import (
    RULE_DATE,
    RULE_SOURCE,
    UrgencyConfig,
    assess,
    load_config,
    save_config,
)
from yhteys.db import get_engine

TODAY = date(2026, 3, 2)


def fr(status: str) -> dict[str, object]:
    return {"sponsor_status": status, "sponsor_minor": "no", "members": [],
            "stage": "not_applied", "decision_date": "2025-12-20"}


@pytest.mark.sqlite_only
def test_by_default_refugees_and_quota_refugees_qualify_but_not_subsidiary_protection():
    cfg = UrgencyConfig()
    assert assess("family_reunification", fr("refugee_status"), TODAY, cfg).priority == "urgent"
    assert assess("family_reunification", fr("quota_refugee"), TODAY, cfg).priority == "urgent"
    assert assess("family_reunification", fr("subsidiary_protection"), TODAY, cfg).priority == (
        "normal")
    assert "114" in RULE_SOURCE and RULE_DATE.year == 2016


@pytest.mark.sqlite_only
def test_a_supervisor_can_let_subsidiary_protection_qualify():
    cfg = UrgencyConfig(fr_subsidiary_protection=1, fr_quota_refugee=0)
    assert assess("family_reunification", fr("subsidiary_protection"), TODAY, cfg).priority == (
        "urgent")
    assert assess("family_reunification", fr("quota_refugee"), TODAY, cfg).priority == "normal"


def test_the_statuses_are_saved_and_read_back(use_settings) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    use_settings(frozen_now=datetime(2026, 3, 2, 10, tzinfo=UTC))
    with Session(get_engine()) as db:
        assert load_config(db).qualifying_statuses() == {"refugee_status", "quota_refugee"}
        save_config(db, {"fr_subsidiary_protection": 1}, actor_id=1)
        db.commit()
    with Session(get_engine()) as db:
        assert "subsidiary_protection" in load_config(db).qualifying_statuses()
        with pytest.raises(ValueError):
            save_config(db, {"fr_quota_refugee": 2}, actor_id=1)


def test_supervisor_sees_the_rule_source_and_ticks_the_statuses(  # noqa: ANN201
        client, make_team, make_staff, login_fast):  # noqa: ANN001
    import re

    from triage.accounts.models import AuditEvent

    team = make_team("Advice")
    login_fast(client, make_staff(display_name="Boss", teams=[team],
                                  roles=["advisor", "supervisor"]))
    page = client.get("/triage/sla").text
    assert "505/2016" in page and 'name="fr_subsidiary_protection"' in page
    assert re.search(r'id="fr_refugee_status"[^>]*checked', page)
    assert not re.search(r'id="fr_subsidiary_protection"[^>]*checked', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "what": "urgency", "fr_window_months": "3",
            "fr_urgent_days": "30", "fr_high_days": "60", "fr_appeal_days": "30",
            "fr_refugee_status": "1",
            "fr_subsidiary_protection": "1"}
    assert client.post("/triage/sla", data=form).status_code == 303
    with Session(get_engine()) as db:
        assert load_config(db).qualifying_statuses() == {"refugee_status",
                                                          "subsidiary_protection"}
        event = db.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "urgency.settings"
    assert client.post("/triage/sla", data={**form, "csrf_token": "x"}).status_code in (400, 403)


def test_an_advisor_cannot_change_the_statuses(client, make_team, make_staff, login_fast):  # noqa: ANN001, ANN201
    login_fast(client, make_staff(display_name="Adv", teams=[make_team("Advice")]))
    response = client.post("/triage/sla", data={"what": "urgency", "fr_subsidiary_protection": "1"})
    assert response.status_code in (403, 400, 303)
    with Session(get_engine()) as db:
        assert "subsidiary_protection" not in load_config(db).qualifying_statuses()

"""An advisor logs a call to the client; a reached call is the first response."""

import re

from sqlmodel import Session, select

from intake.models import Case
from tests.triage.casework_factories import make_case
from triage.accounts.models import AuditEvent
from triage.casework.models import CaseEvent, RoutingRule
from yhteys.db import get_engine


def _world(make_team, make_staff, client, login_fast):  # noqa: ANN001, ANN202
    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    advisor = make_staff(display_name="Aino", teams=[team])
    login_fast(client, advisor)
    return team, advisor


def _call(client, case, **data):  # noqa: ANN001, ANN003, ANN202
    page = client.get(f"/triage/cases/{case.reference}").text
    fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
              "version": re.search(r'name="version" value="(\d+)"', page).group(1)}
    return client.post(f"/triage/cases/{case.reference}/call", data=fields | data)


def _reload(case: Case) -> Case:
    with Session(get_engine(), expire_on_commit=False) as db:
        return db.get(Case, case.id)


def test_a_reached_call_is_the_first_response(client, make_team, make_staff, login_fast):  # noqa: ANN001, ANN201
    _world(make_team, make_staff, client, login_fast)
    case = make_case()
    page = client.get(f"/triage/cases/{case.reference}").text
    assert "Soitin asiakkaalle" in page and 'name="call_outcome"' in page  # staff default: fi
    assert _reload(case).first_response_at is None
    assert _call(client, case, call_outcome="no_answer").status_code == 303
    assert _reload(case).first_response_at is None  # an unanswered call is no response
    assert _call(client, case, call_outcome="reached").status_code == 303
    first = _reload(case).first_response_at
    assert first is not None
    assert _call(client, case, call_outcome="reached").status_code == 303
    assert _reload(case).first_response_at == first  # stamped once
    with Session(get_engine()) as db:
        outcomes = [e.data["outcome"] for e in db.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "call")
            .order_by(CaseEvent.id))]
        audits = list(db.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "case.call")
            .order_by(AuditEvent.id)))
    assert outcomes == ["no_answer", "reached", "reached"]
    assert [a.detail["first_response"] for a in audits] == [False, True, False]
    assert "Soitettiin asiakkaalle: Asiakas tavoitettiin." in client.get(
        f"/triage/cases/{case.reference}").text


def test_a_call_needs_an_outcome_and_a_valid_form(client, make_team, make_staff, login_fast):  # noqa: ANN001, ANN201
    _world(make_team, make_staff, client, login_fast)
    case = make_case()
    response = _call(client, case, call_outcome="hung_up")
    assert response.status_code == 400 and "Valitse, miten puhelu meni." in response.text
    response = _call(client, case, call_outcome="reached", csrf_token="forged")
    assert response.status_code in (400, 403)
    assert _reload(case).first_response_at is None


def test_staff_of_another_team_cannot_log_a_call(client, make_team, make_staff, login_fast):  # noqa: ANN001, ANN201
    team, _ = _world(make_team, make_staff, client, login_fast)
    case = make_case()
    outsider = make_staff(display_name="Other", teams=[make_team("Tracing")])
    page = client.get(f"/triage/cases/{case.reference}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    login_fast(client, outsider)
    response = client.post(f"/triage/cases/{case.reference}/call",
                           data={"csrf_token": token, "version": "1", "call_outcome": "reached"})
    assert response.status_code in (400, 403, 404)
    assert _reload(case).first_response_at is None

"""Cases by municipality: routed by the code she chose on the form, counted and filtered on the
dashboard, and carried in the case list."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import Session, select

from intake.models import Case
from tests.intake.conftest import Browser, form_data
from tests.triage.casework_factories import make_case
from triage.casework.models import RoutingRule
from triage.dashboard.figures import Filters, as_rows, compute
from yhteys.db import get_engine

JANUARY = {"start": "2026-01-01", "end": "2026-01-31"}


def test_a_form_submission_is_routed_by_the_municipality_code(client, make_team):
    from triage import hooks

    hooks.register()
    vantaa, helsinki, everyone = make_team("Vantaa"), make_team("Helsinki"), make_team("All")
    with Session(get_engine()) as db:
        db.add(RoutingRule(area="092", team_id=vantaa.id))
        db.add(RoutingRule(area="091", team_id=helsinki.id))
        db.add(RoutingRule(team_id=everyone.id))
        db.commit()
    browser = Browser(client)
    sent = [
        ("other", {"area": "092"}, vantaa),
        ("tracing", {"area": "091"}, helsinki),
        ("social_services", {"details__municipality": "092"}, vantaa),
        ("family_reunification", {"area": "not_said"}, everyone),
        ("other", {"area": ""}, everyone),
    ]
    for kind, answer, _ in sent:
        response = browser.send(kind, form_data(kind, **answer), locale="sv")
        assert response.status_code == 200, response.text[:1000]
    with Session(get_engine()) as db:
        cases = db.exec(select(Case).order_by(Case.id)).all()
        assert [c.team_id for c in cases] == [team.id for _, _, team in sent]


@pytest.fixture
def places(clock, make_team, make_staff):  # noqa: ANN001, ANN201
    """Seven cases in January by where they live, one in December."""
    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    areas = ["092", "092", "091", "not_said", "", "Kallio", "588"]
    for day, area in enumerate(areas, start=5):
        clock(2026, 1, day, 10)
        make_case(area=area)
    clock(2025, 12, 20, 10)
    make_case(area="091")
    moment = clock(2026, 1, 31, 12)
    boss = make_staff(display_name="Sanna", roles=("supervisor",), teams=[team],
                      languages=("en",))
    return {"at": moment, "boss": boss}


def figures(params: dict[str, str], at):  # noqa: ANN001, ANN201
    with Session(get_engine()) as db:
        return compute(db, Filters.read({**JANUARY, **params}, at.date()), at)


def test_the_breakdown_counts_each_municipality_by_hand(places):  # noqa: ANN001
    f = figures({}, places["at"])
    assert f.cases == 7
    # Most first; a tie by code, none last. "Kallio" (text from before the list) and the empty
    # area count as none; Pertunmaa's old code counts as Mäntyharju, which it joined.
    assert f.by_municipality == [("092", 2), ("", 2), ("091", 1), ("507", 1), ("not_said", 1)]
    rows = as_rows(f)
    assert ("municipality", "092", "2") in rows and ("municipality", "none", "2") in rows


@pytest.mark.parametrize(("code", "cases"), [
    ("092", 2), ("091", 1), ("507", 1), ("not_said", 1), ("588", 1), ("999", 7), ("Vantaa", 7),
])
def test_the_municipality_filter_narrows_the_cohort_by_code(places, code, cases):  # noqa: ANN001
    f = figures({"municipality": code}, places["at"])
    assert f.cases == cases
    if cases < 7:
        assert sum(n for _, n in f.by_municipality) == cases


def _cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(
        r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_the_dashboard_shows_the_breakdown_and_keeps_the_filter(
        places, client, login_fast, clock):  # noqa: ANN001
    clock(2026, 1, 31, 12)
    login_fast(client, places["boss"])
    query = "start=2026-01-01&end=2026-01-31"
    html = client.get(f"/triage/dashboard?{query}", headers={"accept-language": "en"}).text
    assert _cells(html, "table-municipalities") == [
        ["Code", "Municipality", "Cases"],
        ["092", "Vantaa (Vanda)", "2"],
        ["", "No municipality", "2"],
        ["091", "Helsinki (Helsingfors)", "1"],
        ["507", "Mäntyharju", "1"],
        ["", "Did not want to say", "1"],
    ]
    assert 'href="#def-municipalities"' in html and 'id="def-municipalities"' in html
    narrowed = client.get(f"/triage/dashboard?{query}&municipality=092",
                          headers={"accept-language": "fi"}).text
    assert _cells(narrowed, "table-municipalities")[1:] == [["092", "Vantaa", "2"]]
    assert '<option value="092" selected>Vantaa (092)</option>' in narrowed
    assert "Tapaukset kunnittain" in narrowed
    swedish = client.get(f"/triage/dashboard?{query}", headers={"accept-language": "sv"}).text
    assert ["092", "Vanda", "2"] in _cells(swedish, "table-municipalities")
    assert "<script" not in html


def test_the_case_list_carries_the_municipality_code(places, client, login_fast):  # noqa: ANN001
    login_fast(client, places["boss"])
    response = client.get("/triage/exports/cases.csv")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    column = header.index("municipality")
    assert sorted(r[column] for r in rows) == sorted(
        ["092", "092", "091", "not_said", "", "", "507", "091"])

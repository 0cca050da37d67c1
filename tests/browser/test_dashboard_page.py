"""A supervisor's dashboard in real Chromium: log in, open the dashboard, filter by team with the
plain GET form, download the filtered figures (CSV and XLSX) and cases through the page's links;
the page passes axe-core (WCAG 2.1 A and AA), loads nothing from another host and logs no
console or CSP error."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.browser.helpers import (
    assert_accessible,
    assert_no_console_errors,
    assert_no_third_party_requests,
)
from tests.browser.test_triage_flow import log_in, submit_case
from tests.triage.conftest import make_staff, make_team  # noqa: F401 - the staff fixtures
from triage.casework.models import RoutingRule
from yhteys.db import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_a_supervisor_filters_the_dashboard_by_team(new_context, live_settings, make_team,  # noqa: ANN001, F811
                                                     make_staff) -> None:  # noqa: F811
    from triage import hooks

    hooks.register()
    team = make_team("Social services")
    make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    make_staff(display_name="Aino Advisor", teams=[team])
    boss = make_staff(email="sanna@example.org", display_name="Sanna Supervisor",
                      roles=("supervisor",), teams=[team], totp=True)
    submit_case()
    submit_case()
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, boss)
    page.goto("/triage/dashboard")
    assert page.locator("#table-durations").is_visible()
    assert_accessible(page)
    page.select_option("#team", label="Social services")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/triage/dashboard?*team={team.id}*")
    new_cases = page.locator("#table-states tbody td").all_inner_texts()
    assert sum(int(n) for n in new_cases) == 2
    assert_accessible(page)
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)


def test_a_supervisor_downloads_the_filtered_figures(new_context, live_settings, make_team,  # noqa: ANN001, F811
                                                     make_staff) -> None:  # noqa: F811
    import csv
    import io

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from intake.models import Case
    from triage import hooks

    hooks.register()
    team = make_team("Social services")
    other = make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    make_staff(display_name="Aino Advisor", teams=[team])
    boss = make_staff(email="sanna@example.org", display_name="Sanna Supervisor",
                      roles=("supervisor",), teams=[team, other], totp=True)
    submit_case()
    submit_case()
    moved = submit_case()
    with Session(get_engine()) as db:
        case = db.get(Case, moved.case.id)
        case.team_id = other.id
        db.commit()
    page = new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    log_in(page, boss)
    page.goto("/triage/dashboard")
    page.select_option("#team", label="Social services")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/triage/dashboard?*team={team.id}*")
    assert_accessible(page)

    def fetch(link: str) -> bytes:
        with page.expect_download() as info:
            page.click(link)
        path = info.value.path()
        assert path is not None
        return path.read_bytes()

    text = fetch("#download-figures-csv").decode("utf-8")
    assert text.startswith("\ufeff")
    from_csv = list(csv.reader(io.StringIO(text[1:])))
    sheet = load_workbook(io.BytesIO(fetch("#download-figures-xlsx")))["Figures"]
    from_xlsx = [["" if v is None else str(v) for v in row]
                 for row in sheet.iter_rows(values_only=True)]
    assert from_xlsx == from_csv
    assert from_csv[0] == ["section", "item", "value"]
    found = {(section, item): value for section, item, value in from_csv[1:]}
    assert found[("filter", "team")] == str(team.id)
    assert found[("filter", "team_name")] == "Social services"
    assert found[("cases", "arrived")] == "2"  # not the case moved to Tracing
    assert sum(int(v) for (section, _), v in found.items() if section == "state") == 2
    cases = fetch("#download-cases-csv").decode("utf-8")
    assert len(list(csv.reader(io.StringIO(cases[1:])))) == 1 + 2
    assert_no_third_party_requests(page)
    assert_no_console_errors(page)

"""The supervisors' dashboard on a hand-built January: every figure computed by hand here.

Business hours are Monday to Friday 9-16 Helsinki time; 1 January (Thursday) and 6 January
(Tuesday, Epiphany) are public holidays. Default targets: urgent 4 h first response, 14 h
resolution; normal 14 h and 70 h (business hours). The dashboard is read on Saturday 31 January
at 12:00.

case  arrives           priority  first response       business  calendar  then
A     Fri  2.1. 15:00   normal    Mon  5.1. 10:00      120       4020      closed 5.1. 11:00
B     Mon  5.1. 15:30   urgent    Wed  7.1.  9:30       60       2520      (Epiphany in between)
C     Wed  7.1. 10:00   normal    Wed  7.1. 10:30       30         30      closed 8.1. 10:00
D     Thu  8.1.  9:00   urgent    Fri  9.1.  9:00      420       1440
E     Mon 12.1. 10:00   normal    none (first response due 14.1.: overdue)
H     Mon 26.1. 12:00   normal    none (due Wed 28.1. 12:00: overdue)
G     Thu 29.1. 12:00   normal    none (not due yet)
F     Sat 31.1.  8:00   normal    none (not due yet)
A closed as advised, C as not reachable; and a case of 30.12.2025, closed: outside the period
and the backlog.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from intake.models import Case
from notify.models import Notification
from tests.triage.casework_factories import fresh, make_case
from triage.accounts.models import AuditEvent, StaffUser, Team
from triage.casework import actions
from triage.casework.breaches import check_breaches
from triage.casework.models import RoutingRule
from triage.dashboard import rollup
from triage.dashboard.breach_list import breaches
from triage.dashboard.figures import Filters, compute, percentile
from triage.retention import anonymise
from yhteys.db import get_engine

JANUARY = "start=2026-01-01&end=2026-01-31"


def act(fn, case_id, user, *args):  # noqa: ANN001, ANN002, ANN201
    with Session(get_engine(), expire_on_commit=False) as db:
        case = db.get(Case, case_id)
        fn(db, case, case.version, user, *args)
        db.commit()
    return fresh(case_id)


@pytest.fixture
def january(clock, make_team, make_staff):  # noqa: ANN001, ANN201
    team = make_team("Advice", auto_assign=True)
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    advisor = make_staff(display_name="Aino", teams=[team])
    supervisor = make_staff(display_name="Sanna", roles=("supervisor",), teams=[team],
                            languages=("en",))

    def arrive(*when: int, priority: str = "normal") -> int:
        clock(*when)
        case = make_case()
        if priority != "normal":
            act(actions.change_priority, case.id, advisor, priority, "Help needed today.")
        return case.id

    def reply(case_id: int, *when: int) -> None:
        clock(*when)
        act(actions.reply, case_id, advisor, "We can help.")

    def close(case_id: int, outcome: str, *when: int) -> None:
        clock(*when)
        act(actions.close, case_id, advisor, outcome)

    old = arrive(2025, 12, 30, 10)
    close(old, "advised", 2025, 12, 30, 11)
    a = arrive(2026, 1, 2, 15)
    reply(a, 2026, 1, 5, 10)
    close(a, "advised", 2026, 1, 5, 11)
    b = arrive(2026, 1, 5, 15, 30, priority="urgent")
    reply(b, 2026, 1, 7, 9, 30)
    c = arrive(2026, 1, 7, 10)
    reply(c, 2026, 1, 7, 10, 30)
    close(c, "not_reachable", 2026, 1, 8, 10)
    d = arrive(2026, 1, 8, 9, priority="urgent")
    reply(d, 2026, 1, 9, 9)
    e = arrive(2026, 1, 12, 10)
    h = arrive(2026, 1, 26, 12)
    arrive(2026, 1, 29, 12)  # G
    arrive(2026, 1, 31, 8)  # F
    moment = clock(2026, 1, 31, 12)
    with Session(get_engine()) as db:
        check_breaches(db, moment)
        db.commit()
    return {"team": team, "advisor": advisor, "supervisor": supervisor, "at": moment,
            "closed": [a, c, old], "overdue": {"b": b, "d": d, "e": e, "h": h}}


# By hand (minutes): first response business [30, 60, 120, 420], calendar [30, 1440, 2520, 4020]
FIRST_BUSINESS = (90.0, 330.0)  # median (60+120)/2; p90 at rank 2.7: 120 + .7 * 300
FIRST_CALENDAR = (1980.0, 3570.0)  # (1440+2520)/2; 2520 + .7 * 1500
# Resolution (closed A and C): business 180 (Fri 60 + Mon 120) and 420 (Wed 360 + Thu 60),
# calendar 4080 and 1440
RESOLUTION_BUSINESS = (300.0, 396.0)  # (180+420)/2; 180 + .9 * 240
RESOLUTION_CALENDAR = (2760.0, 3816.0)  # (1440+4080)/2; 1440 + .9 * 2640


@pytest.fixture(params=["rows", "tallies"])
def counted(request, january):  # noqa: ANN001, ANN201
    """The figures counted from the rows, or read from daily tallies the job stored."""
    if request.param == "tallies":
        assert rollup.run() > 0
        with Session(get_engine()) as db:
            filters = Filters.read(dict(p.split("=") for p in JANUARY.split("&")),
                                   january["at"].date())
            assert rollup.read(db, filters.since, filters.until, january["at"]) is not None
    return january


def test_percentile_is_linear_between_ranks() -> None:
    assert percentile([30, 60, 120, 420], .5) == 90
    assert percentile([30, 60, 120, 420], .9) == pytest.approx(330)
    assert percentile([5], .9) == 5 and percentile([], .5) is None


def figures_for(params: str, moment):  # noqa: ANN001, ANN201
    pairs = dict(p.split("=") for p in params.split("&"))
    with Session(get_engine()) as db:
        return compute(db, Filters.read(pairs, moment.date()), moment)


def test_figures_match_the_hand_count(counted) -> None:  # noqa: ANN001
    f = figures_for(JANUARY, counted["at"])
    assert f.cases == 8
    first = f.first_response
    assert first.count == 4
    assert (first.business_median, first.business_p90) == pytest.approx(FIRST_BUSINESS)
    assert (first.calendar_median, first.calendar_p90) == pytest.approx(FIRST_CALENDAR)
    done = f.resolution
    assert done.count == 2
    assert (done.business_median, done.business_p90) == pytest.approx(RESOLUTION_BUSINESS)
    assert (done.calendar_median, done.calendar_p90) == pytest.approx(RESOLUTION_CALENDAR)
    # First response met: A 120 <= 840, B 60 <= 240, C 30 <= 840; missed: D 420 > 240, and
    # E and H unanswered past their due time. G and F are not due yet.
    assert (f.first_response_compliance.met, f.first_response_compliance.due) == (3, 6)
    assert f.first_response_compliance.percent == 50
    # Resolution met: A and C closed in time; overdue and open: B, D (urgent, 840 business
    # minutes), E (normal, 4200: due 23.1.). Five due, two met.
    assert (f.resolution_compliance.met, f.resolution_compliance.due) == (2, 5)
    assert f.breaches == {"first_response": 2, "resolution": 3}
    assert f.backlog == {"under_1": 1, "1_3": 1, "3_7": 1, "over_7": 3}
    assert f.by_state == {"new": 0, "assigned": 4, "in_progress": 2, "waiting_client": 0,
                          "closed": 2}
    assert f.outcomes["advised"] == 1 and f.outcomes["not_reachable"] == 1
    assert sum(f.outcomes.values()) == 2
    days = {d.day: n for d, n in f.per_day if n}
    assert days == {2: 1, 5: 1, 7: 1, 8: 1, 12: 1, 26: 1, 29: 1, 31: 1}
    assert len(f.per_day) == 31
    weeks = {d.isoformat(): n for d, n in f.per_week}
    assert weeks == {"2025-12-29": 1, "2026-01-05": 3, "2026-01-12": 1, "2026-01-19": 0,
                     "2026-01-26": 3}
    assert f.demand[4][15] == 1 and f.demand[0][15] == 1 and f.demand[5][8] == 1
    assert sum(map(sum, f.demand)) == 8
    [aino] = f.advisors
    assert (aino.name, aino.open, aino.responded) == ("Aino", 6, 4)
    assert aino.business_median == pytest.approx(90) and aino.calendar_median == pytest.approx(1980)


def test_filters_narrow_the_cohort(january) -> None:  # noqa: ANN001
    urgent = figures_for(JANUARY + "&priority=urgent", january["at"])
    assert urgent.cases == 2
    assert urgent.first_response.business_median == pytest.approx(240)  # (60 + 420) / 2
    assert (urgent.first_response_compliance.met, urgent.first_response_compliance.due) == (1, 2)
    other_team = figures_for(JANUARY + f"&team={january['team'].id + 1000}", january["at"])
    assert other_team.cases == 0 and other_team.first_response.business_median is None
    default = figures_for("x=1", january["at"])
    assert (default.filters.start.isoformat(), default.filters.end.isoformat()) == (
        "2026-01-02", "2026-01-31")
    assert default.cases == 8


def test_the_figures_survive_anonymisation(counted) -> None:  # noqa: ANN001
    before = figures_for(JANUARY, counted["at"])
    with Session(get_engine()) as db:
        for case_id in counted["closed"]:
            anonymise(db, db.get(Case, case_id))
        db.commit()
    after = figures_for(JANUARY, counted["at"])
    assert after == before


def cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(
        r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_the_page_shows_the_hand_counted_numbers(counted, client, login_fast, clock) -> None:  # noqa: ANN001, E501
    clock(2026, 1, 31, 12)  # the app's start set the settings again
    login_fast(client, counted["supervisor"])
    page = client.get(f"/triage/dashboard?{JANUARY}", headers={"accept-language": "en"})
    assert page.status_code == 200
    html = page.text
    assert cells(html, "table-durations")[1:] == [
        ["First response", "4", "1.5", "5.5", "33.0", "59.5"],
        ["Resolution", "2", "5.0", "6.6", "46.0", "63.6"],
    ]
    assert cells(html, "table-compliance")[1:] == [
        ["First response", "3", "6", "50.0 %", "2"],
        ["Resolution", "2", "5", "40.0 %", "3"],
    ]
    assert cells(html, "table-backlog")[1:] == [
        ["Under 1 day", "1"], ["1–3 days", "1"], ["3–7 days", "1"], ["Over 7 days", "3"]]
    assert ["Not reachable", "1"] in cells(html, "table-outcomes")
    assert cells(html, "table-advisors")[1:] == [["Aino", "6", "4", "1.5", "33.0"]]
    for chart in ("chart-backlog", "chart-days", "chart-weeks", "chart-demand"):
        svg = re.search(rf'<svg[^>]*id="{chart}".*?</svg>', html, re.S)
        assert svg and "<title" in svg.group(0) and "<desc" in svg.group(0)
    assert 'id="def-first-response"' in html and 'href="#def-first-response"' in html
    assert "<script" not in html
    finnish = client.get(f"/triage/dashboard?{JANUARY}", headers={"accept-language": "fi"}).text
    assert "Tilannekuva" in finnish and "Ensivastaus" in finnish


def test_only_supervisors_see_it(january, client, login_fast) -> None:  # noqa: ANN001
    login_fast(client, january["advisor"])
    assert client.get("/triage/dashboard").status_code == 403


def test_resolution_minutes_are_stored_at_closing_and_cleared_on_reopening(january) -> None:  # noqa: ANN001
    a = january["closed"][0]
    assert fresh(a).resolution_business_minutes == 180  # Fri 15-16 and Mon 9-11
    act(actions.change_state, a, january["advisor"], "in_progress")
    assert fresh(a).resolution_business_minutes is None


# --- The figures as CSV and XLSX, and the breaches of the period ---------------------------------

HAND_COUNTED = {
    ("cases", "arrived"): "8",
    ("first_response_minutes", "count"): "4",
    ("first_response_minutes", "business_median"): "90.0",
    ("first_response_minutes", "business_p90"): "330.0",
    ("first_response_minutes", "calendar_median"): "1980.0",
    ("first_response_minutes", "calendar_p90"): "3570.0",
    ("first_response_compliance", "met"): "3",
    ("first_response_compliance", "due"): "6",
    ("first_response_compliance", "percent"): "50.0",
    ("resolution_minutes", "count"): "2",
    ("resolution_minutes", "business_median"): "300.0",
    ("resolution_minutes", "business_p90"): "396.0",
    ("resolution_minutes", "calendar_median"): "2760.0",
    ("resolution_minutes", "calendar_p90"): "3816.0",
    ("resolution_compliance", "met"): "2",
    ("resolution_compliance", "due"): "5",
    ("resolution_compliance", "percent"): "40.0",
    ("breaches", "first_response"): "2",
    ("breaches", "resolution"): "3",
    ("backlog", "under_1"): "1",
    ("backlog", "1_3"): "1",
    ("backlog", "3_7"): "1",
    ("backlog", "over_7"): "3",
    ("state", "assigned"): "4",
    ("state", "in_progress"): "2",
    ("state", "closed"): "2",
    ("outcome", "advised"): "1",
    ("outcome", "not_reachable"): "1",
    ("per_day", "2026-01-05"): "1",
    ("per_day", "2026-01-06"): "0",
    ("per_week", "2025-12-29"): "1",
    ("per_week", "2026-01-05"): "3",
    ("per_week", "2026-01-26"): "3",
    ("advisor_open", "Aino"): "6",
    ("advisor_first_response_business_median", "Aino"): "90.0",
}


def read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(body: bytes) -> list[list[str]]:
    book = load_workbook(io.BytesIO(body))
    sheet = book["Figures"]
    for row in sheet.iter_rows():
        assert all(cell.data_type in ("s", "inlineStr") for cell in row)  # never a formula
    return [["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True)]


def as_mapping(table: list[list[str]]) -> dict[tuple[str, str], str]:
    assert table[0] == ["section", "item", "value"]
    assert all(len(row) == 3 for row in table)
    return {(section, item): value for section, item, value in table[1:]}


def download(client, path: str) -> bytes:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    return response.content


def test_the_figures_export_holds_the_hand_counted_numbers(january, client, login_fast,  # noqa: ANN001
                                                            clock) -> None:
    clock(2026, 1, 31, 12)
    login_fast(client, january["supervisor"])
    team = january["team"].id
    csv_table = read_csv(download(client, f"/triage/dashboard/figures.csv?{JANUARY}"))
    xlsx_table = read_xlsx(download(client, f"/triage/dashboard/figures.xlsx?{JANUARY}"))
    assert xlsx_table == csv_table
    found = as_mapping(csv_table)
    assert {key: found.get(key) for key in HAND_COUNTED} == HAND_COUNTED
    assert (found[("period", "start")], found[("period", "end")]) == ("2026-01-01", "2026-01-31")
    assert sum(int(v) for (section, _), v in found.items() if section == "per_day") == 8
    # The team filter: the figures stay (every case is the team's), the team is named.
    by_team = as_mapping(read_xlsx(download(
        client, f"/triage/dashboard/figures.xlsx?{JANUARY}&team={team}")))
    assert by_team[("filter", "team")] == str(team)
    assert by_team[("filter", "team_name")] == "Advice"
    assert {key: by_team.get(key) for key in HAND_COUNTED} == HAND_COUNTED
    urgent = as_mapping(read_csv(download(
        client, f"/triage/dashboard/figures.csv?{JANUARY}&priority=urgent")))
    assert urgent[("cases", "arrived")] == "2"
    assert urgent[("first_response_minutes", "business_median")] == "240.0"  # (60 + 420) / 2
    assert (urgent[("first_response_compliance", "met")],
            urgent[("first_response_compliance", "due")]) == ("1", "2")
    with Session(get_engine()) as db:
        actions_done = [e.action for e in db.exec(
            select(AuditEvent).where(col(AuditEvent.action).like("dashboard.export%"))
            .order_by(col(AuditEvent.id)))]
    assert actions_done == ["dashboard.export_csv", "dashboard.export_xlsx",
                            "dashboard.export_xlsx", "dashboard.export_csv"]


def test_names_that_look_like_formulas_come_out_inert(january, client, login_fast,  # noqa: ANN001
                                                      clock) -> None:
    clock(2026, 1, 31, 12)
    with Session(get_engine()) as db:
        db.get(Team, january["team"].id).name = '=HYPERLINK("http://evil.example","x")'
        db.get(StaffUser, january["advisor"].id).display_name = "@SUM(1+1)"
        db.commit()
    login_fast(client, january["supervisor"])
    query = f"{JANUARY}&team={january['team'].id}"
    for table in (read_csv(download(client, f"/triage/dashboard/figures.csv?{query}")),
                  read_xlsx(download(client, f"/triage/dashboard/figures.xlsx?{query}"))):
        found = as_mapping(table)
        assert found[("filter", "team_name")] == '\'=HYPERLINK("http://evil.example","x")'
        assert found[("advisor_open", "'@SUM(1+1)")] == "6"
        for row in table:
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_only_supervisors_download_the_figures(january, client, login_fast) -> None:  # noqa: ANN001
    login_fast(client, january["advisor"])
    for suffix in ("csv", "xlsx"):
        assert client.get(f"/triage/dashboard/figures.{suffix}?{JANUARY}").status_code == 403


def test_the_page_links_the_downloads_with_its_filters(january, client, login_fast,  # noqa: ANN001
                                                       clock) -> None:
    clock(2026, 1, 31, 12)
    login_fast(client, january["supervisor"])
    team = january["team"].id
    html = client.get(f"/triage/dashboard?{JANUARY}&team={team}&priority=urgent").text
    query = f"start=2026-01-01&amp;end=2026-01-31&amp;team={team}&amp;priority=urgent"
    for path in ("/triage/dashboard/figures.csv", "/triage/dashboard/figures.xlsx",
                 "/triage/exports/cases.csv", "/triage/exports/cases.xlsx"):
        assert f'href="{path}?{query}"' in html
    # The case list honours the same filters: the two urgent cases of January.
    cases = read_csv(download(client, f"/triage/exports/cases.csv?{query.replace('&amp;', '&')}"))
    assert len(cases) == 1 + 2 and {row[3] for row in cases[1:]} == {"urgent"}
    every = read_csv(download(client, "/triage/exports/cases.csv"))
    assert len(every) == 1 + 9  # without a period: December's case too
    january_only = read_csv(download(client, f"/triage/exports/cases.csv?{JANUARY}"))
    assert len(january_only) == 1 + 8


def references(*case_ids: int) -> list[str]:
    return [fresh(case_id).reference for case_id in case_ids]


def test_the_page_lists_the_breaches_of_the_period(january, client, login_fast,  # noqa: ANN001
                                                    clock) -> None:
    clock(2026, 1, 31, 12)
    ids = january["overdue"]
    b, d, e, h = references(ids["b"], ids["d"], ids["e"], ids["h"])
    # E and H missed their first response; B, D (urgent) and E their resolution: the five
    # breaches counted in the compliance table, all seen by the check of 31.1. at 12:00.
    expected = {(e, "First response"), (h, "First response"), (b, "Resolution"),
                (d, "Resolution"), (e, "Resolution")}
    login_fast(client, january["supervisor"])
    html = client.get(f"/triage/dashboard?{JANUARY}", headers={"accept-language": "en"}).text
    rows = cells(html, "table-breaches")[1:]
    assert {(ref, target) for ref, target, _, _ in rows} == expected
    assert {seen for _, _, _, seen in rows} == {"31/01/2026, 12:00"}  # Helsinki time
    for ref in (b, d, e, h):
        assert f'<a href="/triage/cases/{ref}">{ref}</a>' in html
    assert "5 of 5 breaches" in html
    # The same cases the supervisor's digest listed.
    with Session(get_engine()) as db:
        [digest] = db.exec(select(Notification).where(
            Notification.event == "staff_breach_digest"))
        assert set(digest.context["references"].split(",")) == {b, d, e, h}
        capped = breaches(db, Filters.read(dict(p.split("=") for p in JANUARY.split("&")),
                                           january["at"].date()), limit=2)
    assert capped.total == 5 and len(capped.shown) == 2
    urgent = cells(client.get(f"/triage/dashboard?{JANUARY}&priority=urgent").text,
                   "table-breaches")[1:]
    assert sorted(ref for ref, *_ in urgent) == sorted([b, d])
    # Every filter of the figures narrows the list too: no case of this set lives in Inari.
    elsewhere = client.get(f"/triage/dashboard?{JANUARY}&municipality=148").text
    assert 'id="no-breaches"' in elsewhere
    quiet = client.get("/triage/dashboard?start=2026-01-29&end=2026-01-31").text
    assert 'id="no-breaches"' in quiet and 'id="table-breaches"' not in quiet


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_the_dashboard_is_valid_html(january, client, login_fast, clock, tmp_path) -> None:  # noqa: ANN001
    from tests.test_valid_html import checker_command, nu_problems

    command = checker_command()
    clock(2026, 1, 31, 12)
    login_fast(client, january["supervisor"])
    pages = []
    for lang in ("en", "fi", "sv"):
        for query in (JANUARY, f"{JANUARY}&team={january['team'].id}&priority=urgent",
                      "start=2026-01-29&end=2026-01-31&channel=whatsapp"):
            response = client.get(f"/triage/dashboard?{query}", headers={"accept-language": lang})
            assert response.status_code == 200
            pages.append((f"dashboard {lang} ?{query}", lang, response.text))
    assert 'id="table-breaches"' in pages[0][2] and 'id="no-breaches"' in pages[2][2]
    problems = nu_problems(command, tmp_path, pages)
    assert not problems, "\n".join(problems)

"""The board and the case view through the real app: forms, versions, audit events."""

import re

import pytest
from sqlmodel import Session, select

from intake.models import Case, CaseMessage
from tests.triage.casework_factories import fresh, make_case
from triage.accounts.models import AuditEvent
from triage.casework.models import RoutingRule
from yhteys.db import get_engine


@pytest.fixture
def team(make_team):  # noqa: ANN001, ANN201
    team = make_team("Advice", email="queue@example.org")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    return team


@pytest.fixture
def advisor(make_staff, team, client, login_fast):  # noqa: ANN001, ANN201
    user = make_staff(display_name="Aino", teams=[team], languages=["fi", "ar"])
    login_fast(client, user)
    client.headers["accept-language"] = "en"  # the texts below are the English ones
    return user


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def audit_actions(case_id: int | None = None) -> list[str]:
    with Session(get_engine()) as db:
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if case_id is not None:
            query = query.where(AuditEvent.case_id == case_id)
        return list(db.scalars(query))


def test_board_shows_cases_in_columns(client, advisor):
    urgent = make_case(kind="social_services", details={"no_place_tonight": True}, name="Rahel")
    make_case(name="Omar")
    page = client.get("/triage/board")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "Rahel" in html and "Omar" in html
    assert html.index(urgent.reference) < html.index("Omar")  # urgent first
    assert 'id="col-new"' in html and 'id="col-waiting_client"' in html
    assert "board.view" in audit_actions()
    assert client.get("/triage/").status_code == 200


def test_board_filters(client, advisor):
    make_case(kind="tracing", name="Tracer", language="ar")
    make_case(kind="other", name="Other one")
    html = client.get("/triage/board?kind=tracing").text
    assert "Tracer" in html and "Other one" not in html
    html = client.get("/triage/board?language=ar").text
    assert "Tracer" in html and "Other one" not in html
    case = make_case(name="By reference")
    html = client.get("/triage/board", params={"reference": case.reference.lower()}).text
    assert "By reference" in html and "Tracer" not in html


def test_claim_from_the_board_without_javascript(client, advisor):
    case = make_case()
    html = client.get("/triage/board").text
    response = client.post(f"/triage/cases/{case.reference}/claim", data={
        "csrf_token": token(html), "version": version_in(html), "from": "board",
        "board_query": "kind=other&bogus=\u202e"})
    assert response.status_code == 303
    # Back on the board as it was filtered, on the card, with the news in the page.
    assert response.headers["location"] == (
        f"/triage/board?kind=other&done=claim&case={case.reference}#card-{case.reference}")
    after = fresh(case.id)
    assert after.assignee_id == advisor.id and after.state == "assigned"
    assert "case.claim" in audit_actions(case.id)
    page = client.get(response.headers["location"].split("#")[0]).text
    assert f"Case {case.reference} claimed by you." in page
    assert f'id="card-{case.reference}"' in page


def test_claim_with_htmx_returns_the_columns(client, advisor):
    case = make_case()
    html = client.get("/triage/board").text
    response = client.post(f"/triage/cases/{case.reference}/claim", headers={"HX-Request": "true"},
                           data={"csrf_token": token(html), "version": version_in(html),
                                 "from": "board"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="board"')
    assert "<html" not in response.text
    # what the live region says and the card the keyboard stays on
    assert f'data-news="Case {case.reference} claimed by you."' in response.text
    assert f'data-news-ref="{case.reference}"' in response.text
    # a second claim with the old version: the board comes back with a notice, nothing changes
    response = client.post(f"/triage/cases/{case.reference}/claim", headers={"HX-Request": "true"},
                           data={"csrf_token": token(html), "version": version_in(html),
                                 "from": "board"})
    assert "changed case" in response.text


def test_a_move_with_htmx_says_where_the_card_went(client, advisor):
    case = make_case()
    html = client.get("/triage/board").text
    client.post(f"/triage/cases/{case.reference}/claim", data={
        "csrf_token": token(html), "version": version_in(html), "from": "board"})
    response = client.post(f"/triage/cases/{case.reference}/state",
                           headers={"HX-Request": "true"},
                           data={"csrf_token": token(html), "version": str(case.version + 1),
                                 "state": "in_progress", "from": "board"})
    assert f'data-news="Case {case.reference} moved to In progress."' in response.text
    assert fresh(case.id).state == "in_progress"


def test_a_refused_claim_names_who_has_the_case(client, advisor, make_staff, team):
    from triage.casework import actions

    case = make_case()
    html = client.get("/triage/board").text
    basel = make_staff(display_name="Basel", teams=[team])
    with Session(get_engine()) as db:
        actions.claim(db, db.get(Case, case.id), case.version, basel, None)
        db.commit()
    form = {"csrf_token": token(html), "version": version_in(html), "from": "board"}
    with_js = client.post(f"/triage/cases/{case.reference}/claim",
                          headers={"HX-Request": "true"}, data=form)
    assert f"Basel has already taken case {case.reference}." in with_js.text
    without_js = client.post(f"/triage/cases/{case.reference}/claim", data=form)
    assert without_js.status_code == 303
    page = client.get(without_js.headers["location"].split("#")[0]).text
    assert f"Basel has already taken case {case.reference}." in page
    assert "what you typed" not in page
    # from the case page: the case as it is now, who has it, and no word of a typed text
    on_case = client.post(f"/triage/cases/{case.reference}/claim", data={
        "csrf_token": token(html), "version": str(case.version)})
    assert on_case.status_code == 409
    assert "Basel has already taken this case." in on_case.text
    assert "what you typed" not in on_case.text
    assert fresh(case.id).assignee_id == basel.id


def test_the_board_tells_nothing_of_a_case_the_user_cannot_read(client, advisor, make_team):
    hidden = make_case()
    with Session(get_engine()) as db:
        row = db.get(Case, hidden.id)
        row.team_id = make_team("Elsewhere").id
        db.add(row)
        db.commit()
    page = client.get(f"/triage/board?done=claim&case={hidden.reference}").text
    assert hidden.reference not in page
    assert "claimed by you" not in page


def test_due_times_are_words_with_the_exact_time(client, advisor):
    from datetime import timedelta

    from yhteys.clock import now

    late = make_case(name="Late")
    soon = make_case(name="Soon")
    with Session(get_engine()) as db:
        for case_id, due in ((late.id, now() - timedelta(hours=3, minutes=5)),
                             (soon.id, now() + timedelta(days=2, hours=1))):
            row = db.get(Case, case_id)
            row.due_at = due
            db.add(row)
        db.commit()
    html = client.get("/triage/board").text
    assert "overdue by 3 hours" in html and "due in 2 days" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="[^"]+">'
                     r'overdue by 3 hours', html)
    client.headers["accept-language"] = "fi"
    assert "myöhässä 3 tuntia" in client.get("/triage/board").text
    client.headers["accept-language"] = "sv"
    assert "försenat med 3 timmar" in client.get("/triage/board").text


def test_case_view_and_reply(client, advisor):
    case = make_case(kind="tracing", contact_channel="sms", contact_address="+358401234567",
                     details={"persons": [{"name": "Amina", "relationship": "sibling",
                                           "minor_when_separated": "yes"}]})
    page = client.get(f"/triage/cases/{case.reference}")
    assert page.status_code == 200
    assert "Amina" in page.text and "Was the person under 18 when you were separated?" in page.text
    assert "case.view" in audit_actions(case.id)
    response = client.post(f"/triage/cases/{case.reference}/reply", data={
        "csrf_token": token(page.text), "version": version_in(page.text),
        "reply": "We have started the search.", "do": "send"})
    assert response.status_code == 303
    after = fresh(case.id)
    assert after.first_response_at is not None and after.state == "in_progress"
    with Session(get_engine()) as db:
        message = db.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)).one()
        from notify.models import Notification

        sent = db.scalars(select(Notification).where(Notification.event == "advisor_replied")).one()
    assert message.author == "staff" and message.staff_user_id == advisor.id
    assert sent.channel == "sms" and sent.subject_key == f"message:{message.id}"
    # The link rests sealed: a single-use link to her case (tests/intake/test_reopen.py).
    assert sent.context == {"reference": case.reference}
    from notify.outbox import message_context
    from yhteys.settings import get_settings

    context = message_context(sent)
    if "status_url" in context:
        assert context["status_url"].startswith("http://testserver/fi/open/")
    else:  # the app's own worker sent it first and blanked the seal: the SMS carried the link
        sms = get_settings().mail_dir / f"{sent.id:08d}-advisor_replied-sms.txt"
        assert "http://testserver/fi/open/" in sms.read_text()
    assert "case.reply" in audit_actions(case.id)


def test_no_notification_when_the_client_chose_none(client, advisor):
    case = make_case(contact_channel="none", contact_address="")
    page = client.get(f"/triage/cases/{case.reference}")
    response = client.post(f"/triage/cases/{case.reference}/reply", data={
        "csrf_token": token(page.text), "version": version_in(page.text), "reply": "Hello",
        "do": "send"})
    assert response.status_code == 303  # the reply itself was taken
    from notify.models import Notification

    with Session(get_engine()) as db:
        message = db.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)).one()
        assert (message.author, message.body) == ("staff", "Hello")
        assert db.scalars(select(Notification).where(
            Notification.event == "advisor_replied")).first() is None


def test_a_stale_form_shows_the_current_case_and_keeps_the_text(client, advisor, make_staff,
                                                                 team):
    case = make_case()
    page = client.get(f"/triage/cases/{case.reference}")
    with Session(get_engine()) as db:  # someone else changes the case meanwhile
        row = db.get(Case, case.id)
        row.version += 1
        db.add(row)
        db.commit()
    response = client.post(f"/triage/cases/{case.reference}/note", data={
        "csrf_token": token(page.text), "version": version_in(page.text),
        "note": "Called twice, no answer."})
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert "Called twice, no answer." in response.text
    assert f'name="version" value="{case.version + 1}"' in response.text
    assert "case.conflict" in audit_actions(case.id)


def test_saved_reply_insertion_without_javascript(client, advisor):
    from triage.casework.models import SavedReply

    with Session(get_engine()) as db:
        db.add(SavedReply(language="ar", title="Global Clinic", body="عيادة غلوبال كلينك"))
        db.commit()
    case = make_case(language="ar")
    page = client.get(f"/triage/cases/{case.reference}")
    reply_id = re.search(r'<option value="(\d+)"[^>]*>العربية – Global Clinic', page.text).group(1)
    response = client.post(f"/triage/cases/{case.reference}/reply", data={
        "csrf_token": token(page.text), "version": version_in(page.text),
        "reply": "Hello,", "saved_reply": reply_id, "do": "insert"})
    assert response.status_code == 200
    assert "Hello,\n\nعيادة غلوبال كلينك</textarea>" in response.text
    with Session(get_engine()) as db:
        assert db.scalars(select(CaseMessage)).first() is None  # inserting sends nothing


def test_another_teams_advisor_cannot_tell_the_case_exists(client, make_team, make_staff,
                                                           login_fast, team):
    other = make_team("Tracing")
    outsider = make_staff(teams=[other])
    login_fast(client, outsider)
    client.headers["accept-language"] = "en"
    case = make_case(name="Secret Name", message="Very private")
    page = client.get(f"/triage/cases/{case.reference}")
    assert page.status_code == 404 and "There is no case you can open" in page.text
    assert "Advice" not in page.text  # not even the kind or the team
    assert "Secret Name" not in page.text and "Very private" not in page.text
    response = client.post(f"/triage/cases/{case.reference}/transfer-request",
                           data={"csrf_token": token(page.text)})
    assert response.status_code == 303
    assert audit_actions(case.id)[-2:] == ["case.view_limited", "case.request_transfer"]
    refused = client.post(f"/triage/cases/{case.reference}/claim",
                          data={"csrf_token": token(page.text), "version": "1"})
    assert refused.status_code == 404 and fresh(case.id).assignee_id is None
    assert "Secret Name" not in client.get("/triage/board").text


def test_csrf_is_checked(client, advisor):
    case = make_case()
    client.get(f"/triage/cases/{case.reference}")
    response = client.post(f"/triage/cases/{case.reference}/claim",
                           data={"csrf_token": "1.bad", "version": "1"})
    assert response.status_code == 400
    assert fresh(case.id).assignee_id is None


def test_unknown_case_is_404(client, advisor):
    assert client.get("/triage/cases/XXX-XXX-XXX").status_code == 404


def test_staff_pages_speak_the_browsers_language(client, advisor):
    case = make_case()
    client.headers["accept-language"] = "fi"
    assert "<h1>Tapaukset</h1>" in client.get("/triage/board").text
    assert f"Asia {case.reference}" in client.get(f"/triage/cases/{case.reference}").text
    client.headers["accept-language"] = "sv"
    assert "<h1>Ärenden</h1>" in client.get("/triage/board").text


def test_an_advisor_in_two_teams_sees_both_in_one_order(client, make_team, make_staff,
                                                         login_fast, team):
    from triage.casework.models import RoutingRule as Rule

    second = make_team("Tracing")
    with Session(get_engine()) as db:
        db.add(Rule(team_id=second.id, kind="tracing"))
        db.commit()
    both = make_staff(teams=[team, second])
    login_fast(client, both)
    client.headers["accept-language"] = "en"
    normal = make_case(name="Normal other")
    urgent = make_case(kind="tracing", name="Urgent tracing",
                       details={"persons": [{"name": "X", "minor_when_separated": "yes"}]})
    high = make_case(kind="social_services", name="High social",
                     details={"children_with_you": "yes"})
    make_case(team_id=None, announce=False, name="Nobody's")
    html = client.get("/triage/board").text
    positions = [html.index(c.reference) for c in (urgent, high, normal)]
    assert positions == sorted(positions)
    assert "Nobody's" not in html


def test_columns_page_through_their_cases(client, advisor):
    cases = [make_case(name=f"Client number {i:02d}") for i in range(30)]
    first = client.get("/triage/board").text
    assert "page_new=2" in first
    assert sum(c.reference in first for c in cases) == 25
    second = client.get("/triage/board?page_new=2").text
    assert sum(c.reference in second for c in cases) == 5
    assert "page_new=1" not in second and "Previous" in second
    assert client.get("/triage/board?page_new=999").status_code == 200  # beyond the cap: page 1


def test_filtered_columns_say_how_many_without_counting_everything(client, advisor):
    for i in range(27):
        make_case(kind="tracing", name=f"Tracing {i}")
    make_case(kind="other", name="Other")
    html = client.get("/triage/board?kind=tracing").text
    assert '<span class="count">(25+)</span>' in html  # 27 new tracing cases: a page and more
    html = client.get("/triage/board?kind=other").text
    assert '<span class="count">(1)</span>' in html
    html = client.get("/triage/board").text
    assert '<span class="count">(28)</span>' in html


def test_back_to_new_means_nobody_has_it(client, advisor):
    case = make_case()
    page = client.get(f"/triage/cases/{case.reference}").text
    client.post(f"/triage/cases/{case.reference}/claim",
                data={"csrf_token": token(page), "version": version_in(page)})
    page = client.get(f"/triage/cases/{case.reference}").text
    client.post(f"/triage/cases/{case.reference}/state",
                data={"csrf_token": token(page), "version": version_in(page), "state": "new"})
    after = fresh(case.id)
    assert after.state == "new" and after.assignee_id is None
    html = client.get("/triage/board?assignee=none").text
    assert case.reference in html


def test_a_team_rename_and_a_role_change_show_on_the_very_next_board(client, advisor, team):
    from triage.accounts.models import StaffUser, Team, TeamMembership

    make_case(name="Omar")
    assert '>Advice</option>' in client.get("/triage/board").text
    with Session(get_engine()) as db:  # as the admin pages would
        row = db.get(Team, team.id)
        row.name = "Advice and tracing"
        db.add(row)
        db.commit()
    assert '>Advice and tracing</option>' in client.get("/triage/board").text

    with Session(get_engine()) as db:  # out of the team: its cases are gone at once
        db.delete(db.exec(select(TeamMembership).where(
            TeamMembership.user_id == advisor.id)).one())
        db.commit()
    assert "Omar" not in client.get("/triage/board").text

    with Session(get_engine()) as db:  # the role taken away: refused at once
        user = db.get(StaffUser, advisor.id)
        user.roles = "admin"
        db.add(user)
        db.commit()
    assert client.get("/triage/board").status_code == 403


def test_the_assignee_filter_offers_the_active_members_of_ones_teams(client, advisor, team,
                                                                      make_staff, make_team):
    make_staff(display_name="Bertta", teams=[team])
    gone = make_staff(display_name="Cecilia", teams=[team], is_active=False)
    make_staff(display_name="Dan", teams=[make_team("Elsewhere")])
    case = make_case(name="Omar")
    with Session(get_engine()) as db:  # a case still held by someone whose account was closed
        row = db.get(Case, case.id)
        row.state, row.assignee_id = "assigned", gone.id
        db.add(row)
        db.commit()
    html = client.get("/triage/board").text
    offered = re.search(r'<select id="f-assignee".*?</select>', html, re.S).group(0)
    names = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', offered)
    assert names == ["Aino", "Bertta"]
    assert "<bdi>Cecilia</bdi>" in html  # the card still names its holder

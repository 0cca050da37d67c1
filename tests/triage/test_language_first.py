"""Language first: the client's language inside the team, speakers of other teams offered when the
team has none (the reason in the history), the interpreter filter, saved replies in her language,
staff emails in the staff member's language, and a refused claim that names who has the case."""

import re

import pytest
from sqlmodel import Session, select

from notify.messages import render
from notify.models import Notification
from tests.triage.casework_factories import fresh, make_case
from triage.casework import describe, history
from triage.casework.models import LanguageGap, RoutingRule, SavedReply
from yhteys.db import get_engine
from yhteys.i18n import use_locale


def rule(team, **match) -> None:  # noqa: ANN001
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id, **match))
        db.commit()


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def events(case_id: int, action: str) -> list[dict]:
    with Session(get_engine()) as db:
        return [e.data for e in history.for_case(db, case_id) if e.action == action]


def gap(case_id: int) -> LanguageGap | None:
    with Session(get_engine()) as db:
        return db.get(LanguageGap, case_id)


@pytest.fixture
def teams(make_team, make_staff):  # noqa: ANN001, ANN201
    """Tracing speaks Finnish, Russian and Arabic; Family has Hodan, who speaks Somali."""
    tracing = make_team("Tracing", auto_assign=True)
    family = make_team("Family", auto_assign=True)
    rule(tracing)
    rule(family, kind="family_reunification")
    timo = make_staff(display_name="Timo", teams=[tracing], languages=["fi", "ru"])
    rana = make_staff(display_name="Rana", teams=[tracing], languages=["ar", "en"])
    hodan = make_staff(display_name="Hodan", teams=[family], languages=["so", "en"])
    return {"tracing": tracing, "family": family, "timo": timo, "rana": rana, "hodan": hodan}


def test_the_clients_language_is_preferred_inside_the_team(teams):
    make_case(kind="tracing", language="ar")  # Rana has one open case now
    case = make_case(kind="tracing", language="ar")  # still Rana: she speaks it, Timo does not
    assert case.assignee_id == teams["rana"].id
    assert gap(case.id) is None
    data = events(case.id, "routed")[-1]
    assert data["speaks"] is True and data["no_speaker"] is False


def test_no_speaker_in_team_is_marked_and_the_reason_recorded(teams):
    case = make_case(kind="tracing", language="so")
    assert case.team_id == teams["tracing"].id  # the case stays in its team...
    marked = gap(case.id)
    assert marked is not None and marked.language == "so"  # ...marked "no speaker in team"
    data = events(case.id, "routed")[-1]
    assert data["no_speaker"] is True
    with use_locale("en"):
        assert "nobody in the team speaks Soomaali" in describe.routing_text(data)


def test_a_finnish_client_never_needs_a_speaker(teams):
    case = make_case(kind="tracing", language="fi")
    assert gap(case.id) is None


def test_the_interpreter_language_counts(teams):
    case = make_case(kind="tracing", language="en", interpreter_needed=True,
                     interpreter_language="so")
    assert gap(case.id) is not None


@pytest.fixture
def as_timo(teams, client, login_fast):  # noqa: ANN001, ANN201
    login_fast(client, teams["timo"])
    client.headers["accept-language"] = "en"
    return teams["timo"]


def test_the_cross_team_speaker_is_offered_and_given_the_case_in_one_click(client, teams, as_timo):
    case = make_case(kind="tracing", language="so", name="Hodan's client")
    html = client.get(f"/triage/cases/{case.reference}").text
    assert "No speaker in team" in html
    assert "Give to Hodan (Family)" in html
    response = client.post(f"/triage/cases/{case.reference}/speaker", data={
        "csrf_token": token(html), "version": version_in(html),
        "speaker": teams["hodan"].id, "team": teams["family"].id})
    assert response.status_code == 303
    after = fresh(case.id)
    assert after.assignee_id == teams["hodan"].id and after.team_id == teams["family"].id
    assert gap(case.id) is None
    recorded = events(case.id, "speaker_assigned")[-1]
    assert recorded["reason"] == "no_speaker_in_team" and recorded["language"] == "so"
    assert recorded["from_team_name"] == "Tracing"
    with Session(get_engine()) as db:
        mails = db.scalars(select(Notification).where(
            Notification.event == "staff_case_assigned")).all()
    assert teams["hodan"].email in [m.recipient for m in mails]


def test_someone_who_does_not_speak_it_cannot_be_given_the_case(client, teams, as_timo):
    case = make_case(kind="tracing", language="so")
    html = client.get(f"/triage/cases/{case.reference}").text
    response = client.post(f"/triage/cases/{case.reference}/speaker", data={
        "csrf_token": token(html), "version": version_in(html),
        "speaker": teams["rana"].id, "team": teams["tracing"].id})
    assert response.status_code == 400
    assert fresh(case.id).team_id == teams["tracing"].id


def test_board_filter_needs_an_interpreter(client, teams, as_timo):
    make_case(kind="tracing", language="so", name="Somali client")
    make_case(kind="tracing", language="ru", name="Russian client")
    html = client.get("/triage/board?interpreter=1").text
    assert "Somali client" in html and "Russian client" not in html
    assert 'id="f-interpreter"' in html
    html = client.get("/triage/board").text
    assert "Somali client" in html and "Russian client" in html


def saved(**fields) -> None:  # noqa: ANN003
    with Session(get_engine()) as db:
        db.add(SavedReply(**fields))
        db.commit()


def test_saved_replies_open_in_the_clients_language(client, teams, as_timo):
    saved(language="ar", topic="bring", title="Arabic: what to bring", body="...")
    saved(language="so", topic="bring", title="Somali: what to bring", body="...")
    saved(language="en", topic="clinic", title="English: clinic", body="...")
    case = make_case(kind="tracing", language="so")
    html = client.get(f"/triage/cases/{case.reference}").text
    first = re.search(r'<select id="saved_reply"[^>]*>\s*<option value="\d+" selected>([^<]*)<',
                      html)
    assert first and "Somali: what to bring" in first.group(1)
    assert "(in: العربية, Soomaali)" in first.group(1)  # which languages this reply has
    assert "There is no saved reply in" not in html

    other = make_case(kind="tracing", language="ti")
    html = client.get(f"/triage/cases/{other.reference}").text
    assert "There is no saved reply in ትግርኛ yet" in html


def test_staff_notice_in_the_recipients_language(client, teams, as_timo, make_staff):
    swede = make_staff(display_name="Siri", teams=[teams["tracing"]], languages=["fi", "sv"])
    with Session(get_engine()) as db:
        user = db.merge(swede)
        user.ui_language = "sv"
        db.commit()
    case = make_case(kind="tracing", language="ru")
    html = client.get(f"/triage/cases/{case.reference}").text
    client.post(f"/triage/cases/{case.reference}/assign", data={
        "csrf_token": token(html), "version": version_in(html), "assignee": swede.id})
    with Session(get_engine()) as db:
        mail = db.scalars(select(Notification).where(
            Notification.event == "staff_case_assigned",
            Notification.recipient == swede.email)).one()
    assert mail.locale == "sv"
    message = render(mail.event, mail.locale, mail.context)
    assert f"Ärendet {case.reference} har tilldelats dig." in message.text
    # someone without a choice gets the service's default, Finnish
    with Session(get_engine()) as db:
        to_timo = db.scalars(select(Notification).where(
            Notification.recipient == teams["timo"].email)).all()
    assert all(m.locale == "fi" for m in to_timo)


def test_a_refused_claim_names_who_has_the_case(client, teams, as_timo, make_staff):
    case = make_case(kind="tracing", language="ru")  # Timo has it
    rana = teams["rana"]
    html = client.get(f"/triage/cases/{case.reference}").text
    # Rana claims with the version she saw before Timo was given it: stale
    with Session(get_engine()) as db:
        from intake.models import Case
        row = db.get(Case, case.id)
        row.assignee_id = rana.id
        row.version += 1
        db.commit()
    response = client.post(f"/triage/cases/{case.reference}/claim", data={
        "csrf_token": token(html), "version": version_in(html)})
    assert response.status_code == 409
    assert "Rana has already taken this case." in response.text
    assert "what you typed" not in response.text
    # with the current version the claim is refused the same way
    html = response.text
    response = client.post(f"/triage/cases/{case.reference}/claim", data={
        "csrf_token": token(html), "version": version_in(html)})
    assert response.status_code == 400
    assert "Rana has already taken this case." in response.text


def test_a_stale_change_with_nothing_typed_does_not_speak_of_the_form(client, teams, as_timo):
    case = make_case(kind="tracing", language="ru")
    html = client.get(f"/triage/cases/{case.reference}").text
    stale = str(int(version_in(html)) - 1)
    response = client.post(f"/triage/cases/{case.reference}/seen", data={
        "csrf_token": token(html), "version": stale})
    assert response.status_code == 409
    assert "what you typed" not in response.text and "check it and try again" in response.text
    response = client.post(f"/triage/cases/{case.reference}/note", data={
        "csrf_token": token(html), "version": stale, "note": "A note"})
    assert "what you typed is still in the form below" in response.text


def test_a_supervisor_groups_a_reply_in_several_languages_and_the_case_page_shows_them(
        client, teams, make_staff, login_fast):
    """Through the supervisors' page, not the database: the same answer in Somali and Arabic
    shares a topic, so the case page says which languages the reply has."""
    boss = make_staff(display_name="Saara", roles=("supervisor",))
    login_fast(client, boss)
    client.headers["accept-language"] = "en"
    for language, title in (("ar", "Arabic: what to bring"), ("so", "Somali: what to bring")):
        html = client.get("/triage/saved-replies").text
        assert 'id="topic"' in html
        response = client.post("/triage/saved-replies", data={
            "csrf_token": token(html), "language": language, "title": title, "body": "...",
            "topic": "What to bring"})
        assert response.status_code == 303
    listing = client.get("/triage/saved-replies").text
    assert "What to bring" in listing and "in: العربية, Soomaali" in listing
    edit = client.get("/triage/saved-replies?edit=1").text
    assert 'value="What to bring"' in edit  # the topic stays when the reply is edited

    case = make_case(kind="tracing", language="so")
    html = client.get(f"/triage/cases/{case.reference}").text
    first = re.search(
        r'<select id="saved_reply"[^>]*>\s*<option value="\d+" selected>([^<]*)<', html)
    assert first and "Somali: what to bring" in first.group(1)
    assert "(in: العربية, Soomaali)" in first.group(1)


def test_saved_replies_follow_the_interpreter_language(client, teams, as_timo):
    """She wrote in English and asked for a Tigrinya interpreter: the answer is in Tigrinya."""
    saved(language="en", topic="bring", title="English: what to bring", body="...")
    case = make_case(kind="tracing", language="en", interpreter_needed=True,
                     interpreter_language="ti")
    html = client.get(f"/triage/cases/{case.reference}").text
    assert "There is no saved reply in ትግርኛ yet" in html
    assert "Write in ትግርኛ if you can" in html
    assert 'lang="ti">' in html.split('id="reply"')[1].split(">")[0] + ">"

"""The supervisors' language pool: named for a language no team speaks (Tigrinya here), offered
first on the case page when the team has no speaker, the reason in the history and the audit,
supervisors only, disabled accounts left out, and hostile names escaped."""

import re

import pytest
from sqlmodel import Session, select

from tests.triage.casework_factories import fresh, make_case
from triage.accounts.models import AuditEvent, StaffUser
from triage.casework import history
from triage.casework.models import LanguageGap, LanguagePoolMember, RoutingRule
from yhteys.db import get_engine

HOSTILE = '<script>alert("x")</script>'


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def add(row):  # noqa: ANN001, ANN201
    with Session(get_engine(), expire_on_commit=False) as db:
        db.add(row)
        db.commit()
        return row


def pool(language: str) -> list[LanguagePoolMember]:
    with Session(get_engine()) as db:
        return list(db.scalars(select(LanguagePoolMember).where(
            LanguagePoolMember.language == language).order_by(LanguagePoolMember.id)))


def audit_rows(action: str) -> list[AuditEvent]:
    with Session(get_engine()) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def gap(case_id: int) -> LanguageGap | None:
    with Session(get_engine()) as db:
        return db.get(LanguageGap, case_id)


@pytest.fixture
def world(make_team, make_staff):  # noqa: ANN001, ANN201
    """Nobody in Tracing speaks Tigrinya. Abeba of Family is named for it in the pool (her
    profile does not list it); Kidane of Social lists it; Senait is named but disabled."""
    tracing = make_team("Tracing", auto_assign=True)
    family = make_team("Family")
    social = make_team("Social")
    add(RoutingRule(team_id=tracing.id))
    timo = make_staff(display_name="Timo", teams=[tracing], languages=["fi", "ru"])
    abeba = make_staff(display_name="Abeba", teams=[family], languages=["fi", "en"])
    kidane = make_staff(display_name="Kidane", teams=[social], languages=["ti", "en"])
    senait = make_staff(display_name="Senait", teams=[social], languages=["fi"],
                        is_active=False)
    boss = make_staff(display_name="Saara", roles=("supervisor",))
    for person in (abeba, senait):
        add(LanguagePoolMember(language="ti", user_id=person.id))
    add(LanguagePoolMember(language="ti", interpreter_name="Tesfay (on call)",
                           interpreter_contact="+358 40 123 4567"))
    return {"tracing": tracing, "family": family, "social": social, "timo": timo,
            "abeba": abeba, "kidane": kidane, "senait": senait, "boss": boss}


@pytest.fixture
def as_(client, login_fast):  # noqa: ANN001, ANN201
    def login(user):  # noqa: ANN001, ANN202
        client.cookies.clear()
        login_fast(client, user)
        client.headers["accept-language"] = "en"
        return client

    return login


def offer_order(html: str) -> list[str]:
    return re.findall(r'<button type="submit" class="secondary"[^>]*>Give to ([^<]*)</button>',
                      html)


def test_pool_members_are_offered_first_with_team_and_open_load(world, as_):
    make_case(kind="tracing", language="ru", assignee_id=None)  # Timo's, not Abeba's
    case = make_case(kind="tracing", language="ti")
    assert fresh(case.id).team_id == world["tracing"].id and gap(case.id) is not None
    client = as_(world["timo"])
    html = client.get(f"/triage/cases/{case.reference}").text
    assert "Language pool: Tigrinya" in html
    assert offer_order(html) == ["Abeba (Family)", "Kidane (Social)"]  # the pool first
    abeba_load = html.split("Give to Abeba (Family)")[1].split("</form>")[0]
    assert "0 open cases" in abeba_load
    assert "Tesfay (on call)" in html and "+358 40 123 4567" in html  # the interpreter listed
    assert "Senait" not in html  # disabled: not offered


def test_the_open_load_is_counted_and_the_least_loaded_comes_first(world, as_, make_staff):
    make_case(announce=False, kind="family_reunification", language="fi",
              assignee_id=world["abeba"].id, team_id=world["family"].id, state="assigned")
    lemlem = make_staff(display_name="Lemlem", teams=[world["social"]], languages=["fi"])
    add(LanguagePoolMember(language="ti", user_id=lemlem.id))  # named after Abeba
    case = make_case(kind="tracing", language="ti")
    html = as_(world["timo"]).get(f"/triage/cases/{case.reference}").text
    assert "1 open case<" in html.split("Give to Abeba (Family)")[1]
    assert offer_order(html) == ["Lemlem (Social)", "Abeba (Family)", "Kidane (Social)"]


def test_giving_the_case_to_a_pool_member_records_the_reason(world, as_):
    case = make_case(kind="tracing", language="ti", name="Tigrinya client")
    client = as_(world["timo"])
    board = client.get("/triage/board?interpreter=1").text
    assert "Tigrinya client" in board  # needs an interpreter, until someone of the pool has it
    html = client.get(f"/triage/cases/{case.reference}").text
    response = client.post(f"/triage/cases/{case.reference}/speaker", data={
        "csrf_token": token(html), "version": version_in(html),
        "speaker": world["abeba"].id, "team": world["family"].id})
    assert response.status_code == 303
    after = fresh(case.id)
    assert after.assignee_id == world["abeba"].id and after.team_id == world["family"].id
    assert gap(case.id) is None
    with Session(get_engine()) as db:
        given = [e.data for e in history.for_case(db, case.id) if e.action == "speaker_assigned"]
    assert given[-1]["reason"] == "language_pool" and given[-1]["language"] == "ti"
    [audited] = audit_rows("case.assign_speaker")
    assert audited.detail["reason"] == "language_pool" and audited.detail["language"] == "ti"
    assert audited.case_id == case.id and audited.actor_id == world["timo"].id
    # the history says why, in words; the case left the "needs an interpreter" list
    page = as_(world["boss"]).get(f"/triage/cases/{case.reference}").text
    assert "Given to Abeba of Family; reason: language pool: Tigrinya." in page
    assert "Tigrinya client" not in as_(world["boss"]).get("/triage/board?interpreter=1").text


def test_a_speaker_of_another_team_keeps_the_old_reason(world, as_):
    case = make_case(kind="tracing", language="ti")
    client = as_(world["timo"])
    html = client.get(f"/triage/cases/{case.reference}").text
    client.post(f"/triage/cases/{case.reference}/speaker", data={
        "csrf_token": token(html), "version": version_in(html),
        "speaker": world["kidane"].id, "team": world["social"].id})
    [audited] = audit_rows("case.assign_speaker")
    assert audited.detail["reason"] == "no_speaker_in_team"


def test_a_disabled_account_drops_out_and_cannot_be_given_the_case(world, as_):
    case = make_case(kind="tracing", language="ti")
    with Session(get_engine()) as db:
        db.get(StaffUser, world["abeba"].id).is_active = False
        db.commit()
    client = as_(world["timo"])
    html = client.get(f"/triage/cases/{case.reference}").text
    assert offer_order(html) == ["Kidane (Social)"]
    response = client.post(f"/triage/cases/{case.reference}/speaker", data={
        "csrf_token": token(html), "version": version_in(html),
        "speaker": world["abeba"].id, "team": world["family"].id})
    assert response.status_code == 400
    assert fresh(case.id).assignee_id == world["timo"].id and gap(case.id) is not None
    # the supervisors' page still lists her, saying why she is not offered
    page = as_(world["boss"]).get("/triage/language-pool").text
    assert "Abeba" in page and "account disabled: not offered" in page


def test_a_pool_member_in_the_routed_team_is_its_speaker(world, make_staff):
    mebrat = make_staff(display_name="Mebrat", teams=[world["tracing"]], languages=["fi"])
    add(LanguagePoolMember(language="ti", user_id=mebrat.id))
    case = make_case(kind="tracing", language="ti")
    assert fresh(case.id).assignee_id == mebrat.id  # routing prefers her
    assert gap(case.id) is None  # and the case is not marked "no speaker in team"


def test_a_non_supervisor_cannot_see_or_edit_the_pool(world, as_):
    client = as_(world["timo"])
    before = pool("ti")
    html = client.get("/triage/board").text
    assert client.get("/triage/language-pool").status_code == 403
    response = client.post("/triage/language-pool", data={
        "csrf_token": token(html), "what": "staff", "language": "ti",
        "user": world["timo"].id})
    assert response.status_code == 403
    response = client.post(f"/triage/language-pool/{before[0].id}/remove",
                           data={"csrf_token": token(html)})
    assert response.status_code == 403
    assert [m.id for m in pool("ti")] == [m.id for m in before]
    assert not audit_rows("language_pool.add") and not audit_rows("language_pool.remove")


def test_a_supervisor_adds_and_removes_members(world, as_):
    client = as_(world["boss"])
    html = client.get("/triage/language-pool").text
    assert "Tigrinya" in html and "Tesfay (on call)" in html
    assert "1 open case waits" not in html
    response = client.post("/triage/language-pool", data={
        "csrf_token": token(html), "what": "staff", "language": "am",
        "user": world["kidane"].id})
    assert response.status_code == 303
    response = client.post("/triage/language-pool", data={
        "csrf_token": token(html), "what": "interpreter", "language": "am",
        "name": "  Hanna   A. ", "contact": "Interpreting service, code 42"})
    assert response.status_code == 303
    amharic = pool("am")
    assert [(m.user_id, m.interpreter_name) for m in amharic] == [
        (world["kidane"].id, ""), (None, "Hanna A.")]
    added = audit_rows("language_pool.add")
    assert {a.detail["member_id"] for a in added} == {m.id for m in amharic}
    assert all("Hanna" not in str(a.detail) for a in added)  # no names in the trail
    html = client.get("/triage/language-pool").text
    assert "Amharic" in html and "Hanna A." in html
    response = client.post(f"/triage/language-pool/{amharic[1].id}/remove",
                           data={"csrf_token": token(html)})
    assert response.status_code == 303
    assert [m.id for m in pool("am")] == [amharic[0].id]
    [removed] = audit_rows("language_pool.remove")
    assert removed.detail == {"member_id": amharic[1].id, "language": "am", "user_id": None}


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"what": "interpreter", "language": "ti", "name": "", "contact": "040"},
     "interpreter-name", "Write the interpreter"),
    ({"what": "interpreter", "language": "ti", "name": "Someone", "contact": ""},
     "interpreter-contact", "Write how to book the interpreter"),
    ({"what": "interpreter", "language": "ti", "name": "tesfay (ON CALL)", "contact": "040"},
     "interpreter-name", "Already in the pool for this language."),
    ({"what": "interpreter", "language": "fi", "name": "Someone", "contact": "040"},
     "interpreter-language", "Choose a language."),
    ({"what": "staff", "language": "ti", "user": "abeba"},
     "staff-user", "Already in the pool for this language."),
    ({"what": "staff", "language": "ti", "user": "senait"},
     "staff-user", "This account cannot be given cases"),
    ({"what": "staff", "language": "so", "user": "boss"},
     "staff-user", "This account cannot be given cases"),  # in no team
    ({"what": "staff", "language": "so", "user": "99999"},
     "staff-user", "Choose a staff member."),
])
def test_errors_stand_beside_their_fields(world, as_, form, field, message):
    client = as_(world["boss"])
    html = client.get("/triage/language-pool").text
    before = len(pool(form["language"]))
    if form.get("user") in world:
        form = dict(form, user=world[form["user"]].id)
    response = client.post("/triage/language-pool", data={"csrf_token": token(html), **form})
    assert response.status_code == 400
    error = re.search(rf'<span class="error-message" id="{field}-error">([^<]*)</span>',
                      response.text)
    assert error and message in error.group(1)
    control = re.search(rf'id="{field}"[^>]*>', response.text).group(0)
    assert 'aria-invalid="true"' in control and f"{field}-error" in control
    assert len(pool(form["language"])) == before
    assert not audit_rows("language_pool.add")


def test_adding_without_a_csrf_token_changes_nothing(world, as_):
    client = as_(world["boss"])
    response = client.post("/triage/language-pool", data={
        "what": "staff", "language": "am", "user": world["kidane"].id})
    assert response.status_code == 400 and "The pool was not changed" in response.text
    assert pool("am") == []


def test_hostile_names_stay_escaped(world, as_, make_staff):
    hostile = make_staff(display_name=HOSTILE, teams=[world["family"]], languages=["fi"])
    add(LanguagePoolMember(language="ti", user_id=hostile.id))
    add(LanguagePoolMember(language="ti", interpreter_name=HOSTILE, interpreter_contact=HOSTILE))
    case = make_case(kind="tracing", language="ti")
    pages = [as_(world["timo"]).get(f"/triage/cases/{case.reference}").text,
             as_(world["boss"]).get("/triage/language-pool").text]
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_giving_the_case_inside_the_team_to_someone_named_later_clears_the_mark(
        world, as_, make_staff):
    case = make_case(kind="tracing", language="ti", name="Tigrinya client")
    assert gap(case.id) is not None
    mebrat = make_staff(display_name="Mebrat", teams=[world["tracing"]], languages=["fi"])
    add(LanguagePoolMember(language="ti", user_id=mebrat.id))  # named after the case came
    client = as_(world["timo"])
    html = client.get(f"/triage/cases/{case.reference}").text
    assert offer_order(html)[0] == "Mebrat (Tracing)"
    response = client.post(f"/triage/cases/{case.reference}/assign", data={
        "csrf_token": token(html), "version": version_in(html), "assignee": mebrat.id})
    assert response.status_code == 303
    assert gap(case.id) is None
    assert "Tigrinya client" not in client.get("/triage/board?interpreter=1").text


def test_the_offer_in_finnish(world, as_):
    case = make_case(kind="tracing", language="ti")
    client = as_(world["timo"])
    client.headers["accept-language"] = "fi"
    html = client.get(f"/triage/cases/{case.reference}").text
    assert "Kielipooli: tigrinja" in html and "Päivystävät tulkit" in html
    assert "0 avointa tapausta" in html

"""An advisor attaches files to a reply; the client downloads them from her status page."""

from __future__ import annotations

import hashlib
import re
import secrets

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from intake.models import Attachment, CaseMessage
from intake.references import secret_hash
from notify.messages import render
from notify.models import Notification
from tests.intake.test_form_uploads import EXECUTABLE, PDF, png, stored_files
from tests.triage.casework_factories import make_case
from triage.accounts.models import AuditEvent
from triage.casework.case_views import REPLY_MAX_BODY
from triage.casework.models import RoutingRule
from yhteys.bodylimit import BodyLimitMiddleware
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
    user = make_staff(display_name="Aino", teams=[team])
    login_fast(client, user)
    client.headers["accept-language"] = "en"
    return user


@pytest.fixture
def person(app):  # noqa: ANN001, ANN201
    """Her own browser: no staff cookie."""
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def _case_with_link(**fields: object) -> tuple[object, str]:
    secret = secrets.token_urlsafe(32)
    case = make_case(status_secret_hash=secret_hash(secret), contact_channel="sms",
                     contact_address="+358401234567", **fields)
    return case, f"/en/status/{secret}"


def _form(html: str) -> dict[str, str]:
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "version": re.search(r'name="version" value="(\d+)"', html).group(1),
    }


def _reply(client, case, text: str = "Here is the form to fill in.", files=None, **extra):  # noqa: ANN001, ANN201
    page = client.get(f"/triage/cases/{case.reference}").text
    data = {**_form(page), "reply": text, "do": "send", **extra}
    return client.post(f"/triage/cases/{case.reference}/reply", data=data, files=files)


def _rows(case_id: int) -> list[Attachment]:
    with Session(get_engine()) as db:
        return list(db.exec(select(Attachment).where(Attachment.case_id == case_id)))


def _notices(case_id: int) -> list[Notification]:
    with Session(get_engine()) as db:
        return list(db.exec(select(Notification).where(Notification.event == "advisor_replied")))


def _as_sent(notice: Notification) -> dict[str, str]:
    # The single-use link rests sealed and is blanked once sent (the app's own worker may be
    # first): the words around it are what these tests read.
    return {**notice.context, "status_url": "https://yhteys.example/en/open/x"}


def test_an_advisor_attaches_a_file_and_she_downloads_it(client, advisor, person):
    case, status = _case_with_link()
    response = _reply(client, case, files=[("files", ("form 7.pdf", PDF, "application/pdf"))])
    assert response.status_code == 303, response.text[:500]
    with Session(get_engine()) as db:
        message = db.exec(select(CaseMessage).where(CaseMessage.case_id == case.id)).one()
        audit = db.exec(select(AuditEvent).where(AuditEvent.action == "case.reply")).one()
    [row] = _rows(case.id)
    assert message.author == "staff" and row.message_id == message.id
    assert audit.detail["files"] == 1

    [notice] = _notices(case.id)
    assert notice.context["attached"] == "one"
    text = render("advisor_replied", "en", _as_sent(notice))
    assert "The message has a file attached." in text.text
    assert "The message has a file attached." in text.short
    assert "form 7" not in text.text + text.short + text.html

    page = person.get(status).text
    files = page.split('id="files"', 1)[1].split("Write to the advisor", 1)[0]
    assert "Files from the advisor" in files and "Files you sent" not in files
    link = re.search(r'href="(/en/status/[^"]+/files/[0-9a-f]+)" download', files).group(1)
    download = person.get(link)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == row.sha256
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"

    # Another case's link opens nothing of hers.
    _other, other_status = _case_with_link()
    assert person.get(other_status + "/files/" + link.rsplit("/", 1)[1]).status_code == 404


def test_two_files_are_said_as_files(client, advisor):
    case, _status = _case_with_link()
    files = [("files", ("a.pdf", PDF, "application/pdf")), ("files", ("b.png", png(), "image/png"))]
    assert _reply(client, case, files=files).status_code == 303
    [notice] = _notices(case.id)
    assert notice.context["attached"] == "several"
    text = render("advisor_replied", "en", _as_sent(notice)).text
    assert "The message has files attached." in text


def test_a_reply_without_files_says_nothing_of_files(client, advisor):
    case, _status = _case_with_link()
    assert _reply(client, case).status_code == 303
    [notice] = _notices(case.id)
    assert "attached" not in notice.context
    assert "attached" not in render("advisor_replied", "en", _as_sent(notice)).text


def test_staff_see_whose_file_is_whose(client, advisor, person):
    from intake.attachments import inspect
    from intake.service import add_client_message

    case, _status = _case_with_link()
    add_client_message(case.id, "My permit.", files=[inspect("permit.pdf", PDF)])
    sent = _reply(client, case, files=[("files", ("form.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303
    page = client.get(f"/triage/cases/{case.reference}").text
    line = r'<li class="message (from-staff|from-client)">(.*?)</li>\s*(?=<li class="message|</ol>)'
    lines = re.findall(line, page, re.S)
    owners = {name: kind for kind, body in lines for name in re.findall(r">([\w.]+\.pdf)<", body)}
    assert owners == {"permit.pdf": "from-client", "form.pdf": "from-staff"}


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ([("files", ("x.pdf", EXECUTABLE, "application/pdf"))], "“x.pdf” cannot be sent"),
        ([("files", (f"p{n}.pdf", PDF, "application/pdf")) for n in range(6)], "at most 5 files"),
    ],
    ids=["wrong-content", "too-many"],
)
def test_a_bad_file_is_refused_and_the_draft_kept(client, advisor, settings, files, words):
    case, _status = _case_with_link()
    response = _reply(client, case, "My careful answer.", files=files)
    assert response.status_code == 422
    error = re.search(r'id="reply-files-error">(.*?)</span>', response.text, re.S)
    assert error and words in error.group(1)
    assert 'aria-describedby="reply-files-hint reply-files-error"' in response.text
    assert "My careful answer.</textarea>" in response.text
    assert "Attach the files again." in response.text
    with Session(get_engine()) as db:
        assert db.exec(select(CaseMessage)).all() == []
    assert _rows(case.id) == [] and _notices(case.id) == []
    assert stored_files(settings) == []


def test_only_caseworkers_of_the_team_may_attach(client, make_staff, make_team, login_fast,
                                                 team, settings):
    case, _status = _case_with_link()
    files = [("files", ("form.pdf", PDF, "application/pdf"))]
    admin = make_staff(roles=("admin",), teams=[team])
    login_fast(client, admin)
    page = client.get("/triage/account").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(f"/triage/cases/{case.reference}/reply", files=files,
                          data={"csrf_token": token, "version": "1", "reply": "Hi", "do": "send"})
    assert refused.status_code == 403

    elsewhere = make_staff(teams=[make_team("Elsewhere")])
    login_fast(client, elsewhere)
    page = client.get("/triage/board").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    hidden = client.post(f"/triage/cases/{case.reference}/reply", files=files,
                         data={"csrf_token": token, "version": "1", "reply": "Hi", "do": "send"})
    assert hidden.status_code == 404
    assert _rows(case.id) == [] and stored_files(settings) == []


def test_csrf_comes_before_the_files(client, advisor, settings):
    case, _status = _case_with_link()
    page = client.get(f"/triage/cases/{case.reference}").text
    data = {**_form(page), "csrf_token": "forged", "reply": "Hi", "do": "send"}
    response = client.post(f"/triage/cases/{case.reference}/reply", data=data,
                           files=[("files", ("form.pdf", PDF, "application/pdf"))])
    assert response.status_code == 400
    assert _rows(case.id) == [] and stored_files(settings) == []


def test_the_reply_route_takes_a_body_with_files_and_no_more(client, advisor):
    limits = BodyLimitMiddleware(lambda *a: None)  # type: ignore[arg-type]
    assert limits.rule_for("/triage/cases/ABC-DEF-GHJ/reply").limit == REPLY_MAX_BODY
    assert limits.rule_for("/triage/cases/ABC-DEF-GHJ/note").limit < REPLY_MAX_BODY
    case, _status = _case_with_link()
    too_big = client.post(f"/triage/cases/{case.reference}/reply",
                          content=b"x" * 10, headers={
                              "content-type": "multipart/form-data; boundary=b",
                              "content-length": str(REPLY_MAX_BODY + 1)})
    assert too_big.status_code == 413
    assert _rows(case.id) == []

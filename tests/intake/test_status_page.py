"""The private status page: the case in plain words, the conversation, the client's replies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from intake import events
from intake.models import Case, CaseMessage
from tests.intake.conftest import NOW, SLUGS, all_cases, form_data, hidden, status_link
from yhteys.db import engine_for

ATTACKS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]

# Every field a person types text into, per kind (the municipality is a choice).
TEXT_FIELDS = {
    "other": ["name", "message"],
    "family_reunification": ["name", "message", "details.members.0.country"],
    "tracing": [
        "name",
        "message",
        "details.persons.0.name",
        "details.persons.0.name_original",
        "details.persons.0.other_spellings",
        "details.persons.0.nationality",
        "details.persons.0.last_place",
        "details.other_organisation_name",
    ],
    "social_services": ["name", "message"],
}


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _new_case(browser, kind="other", **changes):  # noqa: ANN001, ANN003, ANN202
    response = browser.send(kind, form_data(kind, **changes))
    assert response.status_code == 200, response.text[:500]
    return status_link(response.text).replace("http://testserver", "")


def test_status_page_shows_the_case_and_the_conversation(browser, client, settings):
    path = _new_case(browser)
    case = all_cases(settings)[0]
    with Session(engine_for(settings.database_url)) as db:
        db.add(CaseMessage(case_id=case.id, author="staff", body="Hello Amal, we can help."))
        db.commit()
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert case.reference in text
    assert "We have received your request" in text
    assert "I need advice, please.\nThank you." in text
    assert "Hello Amal, we can help." in text and "Advisor" in text
    assert "+358 ••• ••• •67" in text and "+358401234567" not in text  # masked
    assert 'name="robots" content="noindex' in text


@pytest.mark.parametrize("state", ["assigned", "waiting_client", "closed"])
def test_the_state_is_said_in_plain_words(browser, client, settings, state):
    path = _new_case(browser)
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case)).one()
        case.state = state
        if state == "closed":
            case.closed_at = NOW
        db.add(case)
        db.commit()
    text = client.get(path).text
    expected = {
        "assigned": "An advisor is handling your request.",
        "waiting_client": "The advisor is waiting for your answer.",
        "closed": "Your request is closed.",
    }[state]
    assert expected in text


def test_a_wrong_secret_is_the_same_404_as_any_unknown_page(browser, client):
    path = _new_case(browser)
    secret = path.rsplit("/", 1)[1]
    wrong = path[: -len(secret)] + ("A" if secret[0] != "A" else "B") + secret[1:]
    unknown = client.get("/en/no-such-page")
    for bad in (wrong, "/en/status/short", "/en/status/" + "x" * 43, "/en/status/" + "x" * 44):
        response = client.get(bad)
        assert response.status_code == 404
        assert _main(response.text) == _main(unknown.text)
        assert response.headers["cache-control"] == "no-store"
    assert client.post(wrong, data={"body": "hi"}).status_code == 404


def test_an_anonymised_or_long_closed_case_has_no_status_page(browser, client, settings):
    first = _new_case(browser, message="one")
    second = _new_case(browser, message="two")
    third = _new_case(browser, message="three")
    assert client.get(first).status_code == client.get(second).status_code == 200
    with Session(engine_for(settings.database_url)) as db:
        one, two, three = db.exec(select(Case).order_by(Case.id)).all()
        one.anonymised_at = NOW
        two.state = three.state = "closed"
        two.closed_at = NOW - timedelta(days=settings.retention_days + 1)
        three.closed_at = NOW - timedelta(days=settings.retention_days - 1)
        db.add_all([one, two, three])
        db.commit()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 404
    assert client.get(third).status_code == 200  # closed, but kept: the page still opens


def test_a_client_message_is_saved_and_announced(browser, client, settings):
    path = _new_case(browser)
    seen: list[tuple[int, str]] = []

    def handler(session, case, message):  # noqa: ANN001, ANN202
        # Inside the same transaction: the message is there, not yet committed.
        assert session.get(CaseMessage, message.id) is not None
        seen.append((case.id, message.body))

    events.on_client_message(handler)
    try:
        page = client.get(path).text
        response = client.post(
            path,
            data={
                "csrf_token": hidden(page, "csrf_token"),
                "body": "Thank you, I am free on Friday.",
            },
        )
    finally:
        events._client_message.remove(handler)
    assert response.status_code == 303
    assert response.headers["location"].startswith(path)
    case = all_cases(settings)[0]
    assert case.client_replied is True
    assert seen == [(case.id, "Thank you, I am free on Friday.")]
    with Session(engine_for(settings.database_url)) as db:
        messages = db.exec(select(CaseMessage)).all()
    assert [(m.author, m.body) for m in messages] == [("client", "Thank you, I am free on Friday.")]
    shown = client.get(response.headers["location"])
    assert "Your message was sent." in shown.text
    assert "Thank you, I am free on Friday." in shown.text


def test_a_double_sent_message_is_saved_once(browser, client, settings):
    path = _new_case(browser)
    page = client.get(path).text
    data = {"csrf_token": hidden(page, "csrf_token"), "body": "Hello"}
    assert client.post(path, data=data).status_code == 303
    assert client.post(path, data=data).status_code == 303
    with Session(engine_for(settings.database_url)) as db:
        assert len(db.exec(select(CaseMessage)).all()) == 1


def test_an_empty_message_is_refused_beside_the_field(browser, client, settings):
    path = _new_case(browser)
    page = client.get(path).text
    response = client.post(path, data={"csrf_token": hidden(page, "csrf_token"), "body": "  "})
    assert response.status_code == 422
    assert 'id="f-body-error"' in response.text
    assert 'href="#f-body"' in response.text


def test_a_message_without_csrf_token_is_kept_and_asked_again(browser, client, settings):
    path = _new_case(browser)
    response = client.post(path, data={"body": "Are you there?"})
    assert response.status_code == 403
    assert "Please send the form again" in response.text
    assert "Are you there?</textarea>" in response.text
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(CaseMessage)).all() == []


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("kind", list(TEXT_FIELDS))
def test_stored_markup_comes_back_escaped(browser, client, settings, kind, attack):
    changes = {field.replace(".", "__"): f"{attack} {field}" for field in TEXT_FIELDS[kind]}
    path = _new_case(browser, kind, **changes)
    page = client.get(path).text
    for field in TEXT_FIELDS[kind]:
        assert f"{attack} {field}" not in page or attack == "javascript:alert(1)"
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript' not in page and "onerror=alert(1)>" not in page
    escaped = attack.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;")
    for field in TEXT_FIELDS[kind]:
        assert f"{escaped} {field}" in page, field
    # The same in a client message.
    token = hidden(page, "csrf_token")
    client.post(path, data={"csrf_token": token, "body": attack})
    page = client.get(path).text
    assert "<script>alert" not in page and "<img src=x" not in page
    # Below the header (whose one image is the society's logo) there is no element of theirs.
    assert re.search(r"<(script|img)\b", page.split("</header>", 1)[1]) is None


def test_the_status_page_is_in_the_language_asked(browser, client):
    path = _new_case(browser)
    page = client.get(path.replace("/en/", "/sv/"))
    assert page.status_code == 200
    assert '<html lang="sv"' in page.text


def test_language_switcher_of_a_form_keeps_the_form(client):
    page = client.get(f"/en/request/{SLUGS['tracing']}").text
    assert 'href="/fi/request/tracing"' in page

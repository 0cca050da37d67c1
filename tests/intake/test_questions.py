"""Questions as data: every output of a question comes from its one definition.

The form, the status page's "What you told us", the staff case page's answers, the API's JSON
Schema and the export columns all show a question under the label it is defined with, in every
language; a question added to the definitions appears in all of them without a template edit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from intake import questions
from intake.fields import (
    Boolean,
    Choice,
    Date,
    Integer,
    MigriNumber,
    MultiChoice,
    PartialDate,
    Text,
    Time,
)
from intake.models import Case
from intake.openapi import document
from intake.questions import Group, Question, Section
from intake.summary import case_summary
from intake.validation import validate
from tests.intake.conftest import SLUGS, all_cases, form_data, status_link
from triage.casework import answers
from yhteys.i18n import use_locale

KINDS = list(SLUGS)
LOCALES = ["en", "fi"]


def _sample(question: Question) -> Any:
    """A valid, non-empty answer to any question."""
    parser = question.parser
    if isinstance(parser, MultiChoice):
        return [next(iter(question.choices))]
    if isinstance(parser, Choice):
        return next(iter(question.choices))
    if isinstance(parser, Boolean):
        return True
    if isinstance(parser, Integer):
        return parser.minimum + 1
    if isinstance(parser, Date):
        return "2020-01-02"
    if isinstance(parser, PartialDate):
        return "2019-03"
    if isinstance(parser, Time):
        return "10:00"
    if isinstance(parser, MigriNumber):
        return "1234567"
    assert isinstance(parser, Text)
    return "Something"


def _full_details(kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for item in questions.details_items(kind):
        if isinstance(item, Group):
            details[item.name] = [{q.name: _sample(q) for q in item.questions}] * 2
        else:
            details[item.name] = _sample(item)
    return details


def _full_case(kind: str) -> Case:
    return Case(
        reference="ABC-DEF-GHJ", kind=kind, language="ar", ui_locale="en", name="Amal",
        contact_channel="phone", contact_address="+358401234567", backup_channel="email",
        backup_address="amal@example.org", area="Vantaa", interpreter_needed=True,
        interpreter_language="so", message="Hello", details=_full_details(kind),
        status_secret_hash="0" * 64,
    )


def _staff_labels(items: list[answers.Answer]) -> list[str]:
    found: list[str] = []
    for answer in items:
        found.append(answer.label)
        for group in answer.groups:
            found.extend(_staff_labels(group))
    return found


def _titles(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            yield node["title"]
        for value in node.values():
            yield from _titles(value)
    elif isinstance(node, list):
        for value in node:
            yield from _titles(value)


def _form_texts(page: str) -> str:
    return html.unescape(page)


# --- (c) the sought person's name ----------------------------------------------------------------


def test_the_status_page_labels_the_sought_persons_name_as_their_name(browser, client):
    """It said "Your name or a nickname" beside the sought person's name: labels were keyed by
    the last part of the field name, and both are `name`."""
    response = browser.send("tracing", form_data("tracing"))
    assert response.status_code == 200, response.text[:300]
    page = client.get(status_link(response.text).replace("http://testserver", "")).text
    told = page.split('<details class="told">', 1)[1].split("</details>", 1)[0]
    pairs = dict(
        (html.unescape(answer), html.unescape(label))
        for label, answer in re.findall(r"<dt>([^<]*)</dt><dd[^>]*>([^<]*)</dd>", told)
    )
    assert pairs["Amal"] == "Your name or a nickname"
    assert pairs["Karim Haddad"] == "Name"


# --- (a) one label everywhere --------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_question_has_its_one_label_in_every_output(client, kind, locale):
    page = _form_texts(client.get(f"/{locale}/request/{SLUGS[kind]}").text)
    with use_locale(locale):
        told = [label for label, _answer in case_summary(_full_case(kind))]
        staff = _staff_labels(answers.details(kind, _full_details(kind)))
    with use_locale("en"):
        titles = set(_titles(document()))
    columns = questions.export_columns(kind)
    checked = 0
    for item in questions.items(kind):
        group = item if isinstance(item, Group) else None
        for question in item.questions if group else (item,):
            if kind not in question.kinds:
                continue
            with use_locale(locale):
                label = str(question.label)
            with use_locale("en"):
                english = str(question.label)
            if question.input == "address":
                # Typed into a phone input or an email input; the label names the answer.
                with use_locale(locale):
                    assert str(questions.PHONE_LABEL) in page and str(questions.EMAIL_LABEL) in page
            else:
                assert label in page, (kind, locale, question.key)
            if question.status_page and (group is None or group.status_page):
                assert label in told, (kind, locale, question.key)
            if question.key.startswith("details.") and question.case_page:
                assert label in staff, (kind, locale, question.key)
            assert english in titles, question.key
            column = f"{group.export}_1_{question.name}" if group else question.column
            assert column in columns, question.key
            checked += 1
        if group is not None:
            with use_locale(locale):
                assert str(group.label) in page
                if group.row_title:
                    assert str(group.row_title) % {"n": 1} in page
                if group.status_page and group.row_title:
                    assert str(group.row_title) % {"n": 2} in told
                if group.case_page:
                    assert str(group.label) in staff
    assert checked == len(questions.questions(kind))


def test_labels_are_translated():
    """Every label and hint has a Finnish and a Swedish text (a public message needs them)."""
    for question in questions.questions():
        for text in (question.label, question.hint):
            if text is None:
                continue
            with use_locale("en"):
                english = str(text)
            for locale in ("fi", "sv"):
                with use_locale(locale):
                    assert str(text) != english or english in {"WhatsApp"}, (locale, english)


def test_export_columns_are_unique_and_can_leave_out_personal_data():
    for kind in KINDS:
        columns = questions.export_columns(kind)
        assert len(columns) == len(set(columns)), kind
        statistical = questions.export_columns(kind, frozenset({questions.STATISTICAL}))
        assert "name" not in statistical and "contact_address" not in statistical
        assert "language" in statistical
    assert "person_5_name" in questions.export_columns("tracing")
    assert "person_6_name" not in questions.export_columns("tracing")
    assert "person_1_name" not in questions.export_columns(
        "tracing", frozenset({questions.STATISTICAL})
    )


def test_the_urgency_signals_of_plain_answers_come_from_the_questions():
    codes = {kind: [u.code for _q, u in questions.urgency_signals(kind)] for kind in KINDS}
    urgent_now = ["no_place_tonight", "health_emergency", "in_danger", "child_without_care"]
    assert codes["social_services"] == [*urgent_now, "children_with_client"]
    assert codes["family_reunification"] == ["sponsor_minor", *urgent_now]
    assert codes["tracing"] == codes["other"] == urgent_now


# --- (b) a new question shows up everywhere ------------------------------------------------------

PETS = Question(
    "details.pets", "Do you have pets with you?", Choice({"yes": "Yes", "no": "No"}), "radios",
    kinds=frozenset({"social_services"}), doc="Pets travelling with the person.",
    privacy=questions.STATISTICAL,
)
PET_NAME = Question(
    "details.pets_name", "What are their names?", Text(40, required=True), "text",
    kinds=frozenset({"social_services"}), hint="So we can greet them.",
    shown_if=questions.Shown("details.pets", frozenset({"yes"})),
)


@pytest.fixture
def with_pets() -> Iterator[None]:
    """The definitions with two questions more in the social services' "Your situation"."""
    saved = list(questions.FORM)
    index = next(
        i for i, node in enumerate(questions.FORM)
        if isinstance(node, Section) and "details.topics" in [getattr(x, "key", "") for x in
                                                               node.items]
    )
    section = questions.FORM[index]
    questions.FORM[index] = Section(
        section.legend, (*section.items, PETS, PET_NAME), section.hint, section.hint_tag,
        section.optional, section.kinds,
    )
    questions.changed()
    try:
        yield
    finally:
        questions.FORM[:] = saved
        questions.changed()


def _api_request(**details: Any) -> dict[str, Any]:
    from intake.openapi import EXAMPLES

    example = EXAMPLES["social_services"]
    return {**example, "details": {**example["details"], **details}}


def test_a_question_added_to_the_definitions_is_everywhere(with_pets, client, browser, settings):
    page = client.get("/en/request/social-services").text
    assert 'id="f-details-pets"' in page and "Do you have pets with you?" in page
    assert 'id="f-details-pets_name"' in page and 'id="f-details-pets_name-hint"' in page
    assert "Do you have pets" not in client.get("/en/request/tracing").text

    refused = validate(_api_request(pets="cats", pets_name=""), strict=True)
    assert refused.errors.codes() == {"details.pets": ["invalid_choice"]}
    missing = validate(_api_request(pets="yes", pets_name=""), strict=True)
    assert missing.errors.codes() == {"details.pets_name": ["required"]}
    accepted = validate(_api_request(pets="yes", pets_name="Musti"), strict=True)
    assert accepted.ok, accepted.errors.codes()
    assert accepted.submission.details_json()["pets_name"] == "Musti"
    unasked = validate(_api_request(pets="no", pets_name="Musti"), strict=True)
    assert unasked.ok and unasked.submission.details_json()["pets_name"] == ""

    case = _full_case("social_services")
    case.details = {**case.details, "pets": "yes", "pets_name": "Musti"}
    assert ("Do you have pets with you?", "Yes") in case_summary(case)
    staff = answers.details("social_services", case.details)
    assert ("What are their names?", "Musti") in [(a.label, a.value) for a in staff]

    schema = document()["components"]["schemas"]["SocialServicesDetails"]["properties"]
    assert schema["pets"]["title"] == "Do you have pets with you?"
    assert schema["pets"]["enum"] == ["yes", "no", ""]
    assert schema["pets"]["description"] == "Pets travelling with the person."
    assert "pets_name" in questions.export_columns("social_services")

    sent = browser.send("social_services", form_data(
        "social_services", details__pets="yes", details__pets_name="Musti"
    ))
    assert sent.status_code == 200, sent.text[:300]
    assert all_cases(settings)[-1].details["pets_name"] == "Musti"
    again = browser.send("social_services", form_data("social_services", details__pets="yes"))
    assert again.status_code == 422
    assert 'id="f-details-pets_name-error"' in again.text
    assert 'href="#f-details-pets_name"' in again.text  # in the error summary


def test_the_fixture_puts_the_definitions_back(with_pets):
    assert "details.pets" in questions.by_key("social_services")


def test_after_the_fixture_the_question_is_gone(client):
    assert "details.pets" not in questions.by_key("social_services")
    assert "pets" not in document()["components"]["schemas"]["SocialServicesDetails"]["properties"]

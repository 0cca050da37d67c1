"""The family reunification form: the members she wants to bring (name and date of birth, rows
added without JavaScript), the Migri application number and the date of a negative decision."""

from __future__ import annotations

import html
import re

import pytest

from intake import questions
from intake.fields import Invalid, MigriNumber
from intake.openapi import document
from tests.intake.conftest import all_cases, form_data

KIND = "family_reunification"


def members(*rows: dict[str, str]) -> dict[str, str]:
    """The form with exactly these member rows (name, relationship, day, month, year)."""
    data = {k: v for k, v in form_data(KIND).items() if not k.startswith("details.members.")}
    for n, row in enumerate(rows):
        prefix = f"details.members.{n}"
        data.update({
            f"{prefix}.name": row.get("name", ""),
            f"{prefix}.relationship": row.get("relationship", ""),
            f"{prefix}.birth_date.day": row.get("day", ""),
            f"{prefix}.birth_date.month": row.get("month", ""),
            f"{prefix}.birth_date.year": row.get("year", ""),
            f"{prefix}.country": row.get("country", ""),
        })
    return data


HODAN = {"name": "Hodan Ali", "relationship": "spouse", "day": "10", "month": "2",
         "year": "1988", "country": "Kenya"}
SAHRA = {"name": "Sahra Ali", "relationship": "child", "day": "4", "month": "7", "year": "2017"}


def value_of(page: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def test_two_members_are_stored_with_their_names_and_birth_dates(browser, settings):
    response = browser.send(KIND, members(HODAN, SAHRA))
    assert response.status_code == 200, response.text[:300]
    (case,) = all_cases(settings)
    assert [(m["name"], m["relationship"], m["birth_date"]) for m in case.details["members"]] == [
        ("Hodan Ali", "spouse", "1988-02-10"), ("Sahra Ali", "child", "2017-07-04")]


def test_a_bad_date_in_row_two_is_marked_beside_it_and_everything_typed_stays(browser, settings):
    sahra = {**SAHRA, "day": "31", "month": "2"}
    response = browser.send(KIND, members(HODAN, sahra))
    assert response.status_code == 422
    assert all_cases(settings) == []
    page = response.text
    error = re.search(r'<span class="error-message" id="f-details-members-1-birth_date-error">'
                      r'(.*?)</span>\n', page, re.S)
    assert error and "does not exist" in html.unescape(error.group(1))
    assert "f-details-members-0-birth_date-error" not in page  # row 1 is fine
    day = re.search(r'<input [^>]*id="f-details-members-1-birth_date-day"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in day and 'value="31"' in day
    assert value_of(page, "details.members.1.name") == "Sahra Ali"
    assert value_of(page, "details.members.0.name") == "Hodan Ali"
    assert value_of(page, "details.members.0.birth_date.year") == "1988"
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#f-details-members-1-birth_date-day"' in summary


def test_a_member_row_needs_a_name(browser, settings):
    response = browser.send(KIND, members(HODAN, {**SAHRA, "name": ""}))
    assert response.status_code == 422
    assert 'id="f-details-members-1-name-error"' in response.text
    assert all_cases(settings) == []


def test_adding_a_row_without_javascript_keeps_what_was_typed(browser, settings):
    first = browser.open(KIND).text
    assert 'name="details.members.0.name"' in first
    assert 'name="details.members.1.name"' not in first  # one row to start with
    assert 'name="add_row" value="details.members"' in first
    data = members(HODAN)
    data["details.migri_number"] = "1234567"
    page = browser.send(KIND, data, page=first, add_row="details.members").text
    assert all_cases(settings) == []
    assert "Please check these answers" not in page
    assert value_of(page, "details.members.0.name") == "Hodan Ali"
    assert value_of(page, "details.members.0.birth_date.day") == "10"
    assert value_of(page, "details.members.0.country") == "Kenya"
    assert value_of(page, "details.migri_number") == "1234567"
    assert value_of(page, "details.members.1.name") == ""  # the new, empty row
    assert 'name="details.members.2.name"' not in page
    # She fills in the new row and sends the bigger form.
    sent = browser.send(KIND, members(HODAN, SAHRA), page=page)
    assert sent.status_code == 200, sent.text[:300]
    assert [m["name"] for m in all_cases(settings)[0].details["members"]] == [
        "Hodan Ali", "Sahra Ali"]


def test_rows_stop_at_the_cap(browser):
    cap = questions.by_key(KIND)["details.members"].max_rows
    assert cap == 15
    page = browser.send(KIND, members(*[HODAN] * cap), add_row="details.members").text
    assert f'name="details.members.{cap - 1}.name"' in page
    assert f'name="details.members.{cap}.name"' not in page
    assert 'name="add_row" value="details.members"' not in page


@pytest.mark.parametrize(("typed", "kept"), [
    ("1234567", "1234567"),
    (" 123 4567 ", "1234567"),
    ("Dnro 1234/532/2026", "1234/532/2026"),
    ("dnro: 1234 / 532 / 2026", "1234/532/2026"),
    ("mig – 2024 – 123456", "MIG-2024-123456"),
    ("MIGDno-2019-1234", "MIGDNO-2019-1234"),
    ("١٢٣٤٥٦٧", "1234567"),
])
def test_migri_numbers_as_people_copy_them_are_accepted_and_tidied(typed, kept):
    assert MigriNumber().parse(typed) == kept


@pytest.mark.parametrize("typed", [
    "abc", "12", "ask my lawyer", "name@example.org 1234", "https://migri.fi/12345",
    "1234567\n8", "1" * 41, "<script>1234</script>", "ABCDEFGH-1234", "1234;5678",
])
def test_obvious_junk_is_refused_as_a_migri_number(typed):
    with pytest.raises(Invalid) as refused:
        MigriNumber().parse(typed)
    assert refused.value.code in ("invalid_migri_number", "line_break")


def test_a_refused_migri_number_is_explained_and_kept_in_the_box(browser):
    page = browser.send(KIND, form_data(KIND, details__migri_number="see the letter")).text
    error = re.search(r'id="f-details-migri_number-error">(.*?)</span>\n', page, re.S)
    assert error and "letter from Migri" in html.unescape(error.group(1))
    assert value_of(page, "details.migri_number") == "see the letter"


def test_the_negative_decision_date_is_stored(browser, settings):
    data = form_data(KIND, details__negative_decision_date__day="21",
                     details__negative_decision_date__month="11",
                     details__negative_decision_date__year="2026")
    assert browser.send(KIND, data).status_code == 200
    assert all_cases(settings)[0].details["negative_decision_date"] == "2026-11-21"


def test_the_new_answers_are_sensitive_and_everywhere_they_are_derived():
    by_key = questions.by_key(KIND)
    for key in ("details.members.*.name", "details.members.*.birth_date",
                "details.migri_number", "details.negative_decision_date"):
        assert by_key[key].privacy == questions.SENSITIVE, key
    columns = questions.export_columns(KIND)
    assert {"member_1_name", "member_1_birth_date", "member_15_name", "migri_number",
            "negative_decision_date"} <= set(columns)
    assert "member_1_name" not in questions.export_columns(
        KIND, frozenset({questions.STATISTICAL}))
    schemas = document()["components"]["schemas"]
    member = schemas["FamilyMember"]
    assert {"name", "birth_date"} <= set(member["properties"])
    assert "name" in member.get("required", [])
    assert member["properties"]["birth_date"]["format"] == "date"
    text = str(schemas)
    assert "migri_number" in text and "negative_decision_date" in text


def test_the_status_page_repeats_the_members(browser, client):
    from tests.intake.conftest import status_link

    response = browser.send(KIND, members(HODAN, SAHRA))
    page = client.get(status_link(response.text).replace("http://testserver", "")).text
    told = html.unescape(page.split('<details class="told">', 1)[1].split("</details>", 1)[0])
    assert "Hodan Ali" in told and "Sahra Ali" in told

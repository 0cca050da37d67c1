"""Dates typed into three boxes, day, month and year: parsing, the form, its errors, the API.

Today is frozen at 1 December 2026 (tests/intake/conftest.py).
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from intake.fields import Date, DateParts, Invalid, PartialDate
from intake.openapi import document
from intake.validation import validate
from tests.intake.conftest import all_cases, form_data

pytestmark = pytest.mark.usefixtures("settings")


def refused(kind, day: str, month: str, year: str) -> tuple[str, tuple[str, ...]]:  # noqa: ANN001
    with pytest.raises(Invalid) as exc:
        kind.parse(DateParts(day, month, year))
    return exc.value.code, exc.value.params.get("parts", ())


# --- Parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month", "year", "parsed"),
    [
        ("27", "3", "2007", date(2007, 3, 27)),
        ("07", "03", "2007", date(2007, 3, 7)),
        (" 27 ", " 3", "2007 ", date(2007, 3, 27)),
        ("٢٧", "٣", "٢٠٠٧", date(2007, 3, 27)),  # Eastern Arabic-Indic: ar, ckb phones
        ("۲۷", "۳", "۲۰۰۷", date(2007, 3, 27)),  # Persian: fa phones
        ("29", "2", "2024", date(2024, 2, 29)),  # a leap year
        ("1", "12", "2026", date(2026, 12, 1)),  # today
        ("1", "1", "1900", date(1900, 1, 1)),
    ],
)
def test_a_whole_date_from_three_boxes(day, month, year, parsed):
    assert Date().parse(DateParts(day, month, year)) == parsed


@pytest.mark.parametrize(
    ("day", "month", "year", "code", "parts"),
    [
        ("", "3", "2007", "date_needs_day", ("day",)),
        ("27", "", "2007", "date_needs_month", ("month",)),
        ("27", "3", "", "date_needs_year", ("year",)),
        ("", "", "2007", "date_incomplete", ("day", "month")),
        ("29", "2", "2023", "date_not_real", ("day",)),  # not a leap year
        ("31", "2", "2020", "date_not_real", ("day",)),
        ("31", "4", "2020", "date_not_real", ("day",)),
        ("0", "4", "2020", "date_not_real", ("day",)),
        ("1", "13", "2020", "date_not_real", ("month",)),
        ("32", "13", "2020", "date_not_real", ("day", "month")),
        ("27", "III", "2007", "date_not_numbers", ("month",)),
        ("3a", "3", "20o7", "date_not_numbers", ("day", "year")),
        ("-1", "3", "2007", "date_not_numbers", ("day",)),
        ("27", "3", "07", "date_year_digits", ("year",)),
        ("27", "3", "20070", "date_year_digits", ("year",)),
        ("27", "3", "1899", "date_year_too_early", ("year",)),
        ("۲۷", "۳", "۱۳۸۶", "date_year_too_early", ("year",)),  # a Persian calendar year
        ("2", "12", "2026", "date_in_future", ("day", "month", "year")),
        ("1", "1", "9" * 100, "date_year_digits", ("year",)),  # no huge number is made
    ],
)
def test_a_wrong_whole_date_names_the_wrong_boxes(day, month, year, code, parts):
    assert refused(Date(), day, month, year) == (code, parts)


def test_the_year_limit_is_in_the_message_params():
    with pytest.raises(Invalid) as exc:
        Date().parse(DateParts("1", "1", "1850"))
    assert exc.value.params["min"] == 1900


def test_three_empty_boxes_are_no_answer():
    assert Date().parse(DateParts("", " ", "")) is None
    assert PartialDate().parse(DateParts()) == ""
    assert refused(Date(required=True), "", "", "") == ("required", ())


@pytest.mark.parametrize(
    ("day", "month", "year", "parsed"),
    [
        ("", "", "2019", "2019"),
        ("", "3", "2019", "2019-03"),
        ("", "03", "2019", "2019-03"),
        ("14", "3", "2019", "2019-03-14"),
        ("", "", "٢٠١٩", "2019"),
        ("", "۳", "۲۰۱۹", "2019-03"),
        ("29", "2", "2024", "2024-02-29"),
        ("", "12", "2026", "2026-12"),  # this month
        ("", "", "2026", "2026"),
    ],
)
def test_a_partial_date_keeps_its_precision(day, month, year, parsed):
    assert PartialDate().parse(DateParts(day, month, year)) == parsed


@pytest.mark.parametrize(
    ("day", "month", "year", "code", "parts"),
    [
        ("14", "", "2019", "date_day_without_month", ("month",)),
        ("", "3", "", "date_needs_year", ("year",)),
        ("14", "", "", "date_needs_year", ("year",)),
        ("", "13", "2019", "date_not_real", ("month",)),
        ("29", "2", "2023", "date_not_real", ("day",)),
        ("", "", "19", "date_year_digits", ("year",)),
        ("", "", "1899", "date_year_too_early", ("year",)),
        ("", "", "2027", "date_in_future", ("year",)),
        ("", "1", "2027", "date_in_future", ("month", "year")),
        ("", "x", "2019", "date_not_numbers", ("month",)),
    ],
)
def test_a_wrong_partial_date_names_the_wrong_boxes(day, month, year, code, parts):
    assert refused(PartialDate(), day, month, year) == (code, parts)


def test_text_is_read_as_before():
    """The JSON API (and a form page loaded before the boxes) send ISO or dotted text."""
    assert Date().parse("2024-02-29") == date(2024, 2, 29)
    assert Date().parse("14.3.2024") == date(2024, 3, 14)
    assert PartialDate().parse("2019-03") == "2019-03"
    assert PartialDate().parse("3.2019") == "2019-03"
    with pytest.raises(Invalid) as exc:
        Date().parse({"day": "27", "month": "3", "year": "2007"})
    assert exc.value.code == "invalid_type"


# --- The form ------------------------------------------------------------------------------------


def fieldset(page: str, fid: str) -> str:
    match = re.search(rf'<fieldset class="group date[^"]*" id="{fid}".*?</fieldset>', page, re.S)
    assert match, f"no date fieldset {fid}"
    return match.group(0)


def box(page: str, fid: str, part: str) -> str:
    match = re.search(rf'<input [^>]*id="{fid}-{part}"[^>]*>', page)
    assert match, f"no {part} box in {fid}"
    return match.group(0)


@pytest.mark.parametrize(
    ("kind", "name", "hint"),
    [
        ("family_reunification", "details.decision_date", "For example 27 3 2024."),
        ("family_reunification", "details.applied_on", "For example 27 3 2024."),
        ("tracing", "details.persons.0.birth_date", "For example 27 3 1990."),
        ("tracing", "details.persons.0.last_seen", "Year is enough if you do not know"),
        ("tracing", "details.persons.0.last_contact_date", "Year is enough if you do not know"),
    ],
)
def test_a_date_is_a_fieldset_of_three_labelled_boxes(browser, kind, name, hint):
    page = browser.open(kind).text
    fid = "f-" + name.replace(".", "-")
    group = fieldset(page, fid)
    assert re.search(r"<legend>[^<]+", group)
    assert f'aria-describedby="{fid}-hint"' in group.split(">", 1)[0]
    assert f'<span class="hint" id="{fid}-hint">' in group and hint in group
    labels = re.findall(r'<label for="([^"]+)">([^<]+)</label>', group)
    assert labels == [(f"{fid}-day", "Day"), (f"{fid}-month", "Month"), (f"{fid}-year", "Year")]
    for part in ("day", "month", "year"):
        tag = box(group, fid, part)
        assert 'type="text"' in tag and 'inputmode="numeric"' in tag
        assert f'name="{name}.{part}"' in tag
        # The only birth date asked is the sought person's: never fill in the writer's own.
        assert 'autocomplete="off"' in tag and "bday" not in tag
        assert "aria-invalid" not in tag and "pattern=" not in tag
    assert 'type="date"' not in page


def test_the_boxes_read_day_month_year_in_arabic_too(browser):
    page = browser.open("tracing", locale="ar").text
    assert '<html lang="ar" dir="rtl"' in page
    group = fieldset(page, "f-details-persons-0-birth_date")
    labels = [text for _for, text in re.findall(r'<label for="([^"]+)">([^<]+)</label>', group)]
    assert labels == ["اليوم", "الشهر", "السنة"]
    assert "مثلًا 27 3 1990." in group


def test_the_boxes_are_stored_as_iso_text(browser, settings):
    data = form_data(
        "tracing",
        details__persons__0__birth_date__day="٢٩",
        details__persons__0__birth_date__month="٢",
        details__persons__0__birth_date__year="٢٠٠٤",
        details__persons__0__last_seen__day="",
        details__persons__0__last_seen__month="۸",
        details__persons__0__last_seen__year="۲۰۱۵",
    )
    response = browser.send("tracing", data, locale="fa")
    assert response.status_code == 200
    person = all_cases(settings)[0].details["persons"][0]
    assert (person["birth_date"], person["last_seen"], person["last_contact_date"]) == (
        "2004-02-29", "2015-08", "2016",
    )


def test_a_form_page_from_before_the_boxes_still_sends(browser, settings):
    data = form_data(
        "family_reunification",
        details__decision_date__day=None,
        details__decision_date__month=None,
        details__decision_date__year=None,
        details__decision_date="2026-05-12",
    )
    assert browser.send("family_reunification", data).status_code == 200
    assert all_cases(settings)[0].details["decision_date"] == "2026-05-12"


def test_a_missing_year_is_shown_beside_the_boxes_in_arabic_with_what_was_typed(
    browser, settings
):
    data = form_data(
        "tracing",
        details__persons__0__birth_date__day="٢٧",
        details__persons__0__birth_date__month="3",
        details__persons__0__birth_date__year="",
    )
    response = browser.send("tracing", data, locale="ar")
    assert response.status_code == 422
    assert all_cases(settings) == []
    page = response.text
    fid = "f-details-persons-0-birth_date"
    group = fieldset(page, fid)
    opening = group.split(">", 1)[0]
    assert "has-error" in opening
    assert f'aria-describedby="{fid}-hint {fid}-error"' in opening
    error = re.search(rf'<span class="error-message" id="{fid}-error">(.*?)</span>\n', group, re.S)
    assert error and "اكتب السنة." in html.unescape(error.group(1))
    # Only the empty box is marked; what was typed stays, Arabic digits as typed.
    year = box(group, fid, "year")
    assert 'aria-invalid="true"' in year and f'aria-describedby="{fid}-error"' in year
    assert 'value=""' in year
    for part, typed in (("day", "٢٧"), ("month", "3")):
        tag = box(group, fid, part)
        assert "aria-invalid" not in tag and f'value="{typed}"' in tag
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#{fid}-year"' in summary and "اكتب السنة." in summary


def test_a_day_without_a_month_marks_the_month(browser, settings):
    data = form_data(
        "tracing",
        details__persons__0__last_contact_date__day="14",
        details__persons__0__last_contact_date__month="",
        details__persons__0__last_contact_date__year="2016",
    )
    response = browser.send("tracing", data, locale="fi")
    assert response.status_code == 422
    fid = "f-details-persons-0-last_contact_date"
    group = fieldset(response.text, fid)
    assert "Kirjoita myös kuukausi tai jätä päivä tyhjäksi." in group
    assert [p for p in ("day", "month", "year") if "aria-invalid" in box(group, fid, p)] == [
        "month"
    ]
    assert 'value="14"' in box(group, fid, "day") and 'value="2016"' in box(group, fid, "year")


def test_a_date_that_does_not_exist_keeps_the_other_answers(browser, settings):
    data = form_data(
        "family_reunification",
        details__decision_date__day="31",
        details__decision_date__month="2",
        details__decision_date__year="2020",
        details__applied_on__year="",
    )
    response = browser.send("family_reunification", data)
    assert response.status_code == 422
    page = response.text
    decision = fieldset(page, "f-details-decision_date")
    assert "This date does not exist. Check the day and the month." in decision
    assert "aria-invalid" in box(decision, "f-details-decision_date", "day")
    assert "aria-invalid" not in box(decision, "f-details-decision_date", "month")
    applied = fieldset(page, "f-details-applied_on")
    assert "Write the year." in applied
    assert 'value="09"' in box(applied, "f-details-applied_on", "month")


def test_an_old_style_text_error_marks_every_box(browser, settings):
    data = form_data(
        "family_reunification",
        details__decision_date__day=None,
        details__decision_date__month=None,
        details__decision_date__year=None,
        details__decision_date="31.2.2020",
    )
    response = browser.send("family_reunification", data)
    assert response.status_code == 422
    group = fieldset(response.text, "f-details-decision_date")
    for part in ("day", "month", "year"):
        assert 'aria-invalid="true"' in box(group, "f-details-decision_date", part)


# --- The API -------------------------------------------------------------------------------------


def test_the_api_schema_still_takes_iso_text():
    schemas = document()["components"]["schemas"]
    person = schemas["SoughtPerson"]["properties"]
    assert person["birth_date"]["format"] == "date"
    assert "string" in person["birth_date"]["type"]
    assert person["last_seen"]["type"] == "string"
    assert schemas["FamilyReunificationDetails"]["properties"]["decision_date"]["format"] == "date"


def test_the_api_refuses_boxes():
    """Only the form makes DateParts: a JSON object in a date's place is the wrong type."""
    from intake.openapi import EXAMPLES

    request = dict(EXAMPLES["tracing"])
    request["details"] = {
        **request["details"],
        "persons": [{**request["details"]["persons"][0],
                     "birth_date": {"day": "3", "month": "2", "year": "1991"}}],
    }
    result = validate(request, strict=True)
    assert result.errors.codes() == {"details.persons.0.birth_date": ["invalid_type"]}

"""The field parsers and the rules across fields, without the web."""

from __future__ import annotations

from datetime import date

import pytest

from intake.fields import (
    Boolean,
    Date,
    Integer,
    Invalid,
    MultiChoice,
    PartialDate,
    Text,
    Time,
)
from intake.openapi import EXAMPLES
from intake.validation import normalise_email, normalise_phone, validate


def code(kind, raw) -> str:  # noqa: ANN001
    with pytest.raises(Invalid) as exc:
        kind.parse(raw)
    return exc.value.code


@pytest.mark.usefixtures("settings")
class TestDates:
    @pytest.mark.parametrize(
        ("raw", "parsed"),
        [
            ("2024-03-14", date(2024, 3, 14)),
            ("14.3.2024", date(2024, 3, 14)),
            ("1/2/2020", date(2020, 2, 1)),
        ],
    )
    def test_whole_dates(self, raw, parsed):
        assert Date().parse(raw) == parsed

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2024-02-30", "invalid_date"),
            ("1899-01-01", "invalid_date"),
            ("2027-01-01", "date_in_future"),
            ("yesterday", "invalid_date"),
            (20240101, "invalid_type"),
        ],
    )
    def test_bad_dates(self, raw, expected):
        assert code(Date(), raw) == expected

    @pytest.mark.parametrize(
        ("raw", "parsed"),
        [
            ("2019", "2019"),
            ("3.2019", "2019-03"),
            ("2019-3", "2019-03"),
            ("14.3.2019", "2019-03-14"),
        ],
    )
    def test_partial_dates_keep_their_precision(self, raw, parsed):
        assert PartialDate().parse(raw) == parsed

    def test_partial_dates_refuse_the_future_and_nonsense(self):
        assert code(PartialDate(), "2031") == "date_in_future"
        assert code(PartialDate(), "13.2019") == "invalid_date"


@pytest.mark.parametrize(
    ("raw", "parsed"), [("9:30", "09:30"), ("9.30", "09:30"), ("23:59", "23:59")]
)
def test_times(raw, parsed):
    assert Time().parse(raw) == parsed


@pytest.mark.parametrize("raw", ["24:00", "12:60", "noon", "1230"])
def test_bad_times(raw):
    assert code(Time(), raw) == "invalid_time"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\nb", "line_break"),
        ("a\rb", "line_break"),
        ("a\u2028b", "line_break"),
        ("a\x00b", "invalid_characters"),
        ("a\x1bb", "invalid_characters"),
        ("\ud800", "invalid_characters"),
        (["x"], "invalid_type"),
        ("x" * 11, "too_long"),
    ],
)
def test_one_line_text_refusals(raw, expected):
    assert code(Text(10), raw) == expected


def test_text_is_normalised_and_trimmed():
    assert Text(50).parse("  Cafe\u0301\t ok ") == "Café  ok"
    assert Text(50, multiline=True).parse("a\r\nb\rc") == "a\nb\nc"


def test_booleans_numbers_and_lists():
    assert Boolean().parse("yes") is True and Boolean().parse(None) is False
    assert code(Boolean(), "maybe") == "invalid_type"
    assert Integer(0, 10).parse("7") == 7 and Integer(0, 10).parse(7) == 7
    assert code(Integer(0, 10), True) == "invalid_number"
    assert code(Integer(0, 10), "11") == "out_of_range"
    choice = MultiChoice(("a", "b", "c"), required=True)
    assert choice.parse(["c", "a", "c"]) == ["a", "c"]
    assert code(choice, []) == "required"
    assert code(choice, ["d"]) == "invalid_choice"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("040 123 4567", "+358401234567"),
        ("(09) 1234 567", "+35891234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0093 70 123 4567", "+93701234567"),
    ],
)
def test_phone_numbers_become_e164(typed, e164):
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize("typed", ["123", "040 CALL ME", "+999 1234", "0" * 40])
def test_bad_phone_numbers(typed):
    with pytest.raises(Invalid):
        normalise_phone(typed)


def test_emails_are_checked_without_dns():
    assert normalise_email("Nour@Example.ORG") == "Nour@example.org"
    for bad in ("nour", "nour@", "nour@localhost", "a b@example.org"):
        with pytest.raises(Invalid):
            normalise_email(bad)


@pytest.mark.usefixtures("settings")
def test_interpreter_defaults_to_the_preferred_language():
    request = {**EXAMPLES["other"], "language": "so", "interpreter_needed": True}
    result = validate(request, strict=True)
    assert result.submission.case.interpreter_language == "so"
    request["interpreter_needed"] = False
    request["interpreter_language"] = "ar"
    assert validate(request, strict=True).submission.case.interpreter_language == ""


@pytest.mark.usefixtures("settings")
def test_consents_beyond_processing_are_only_for_tracing():
    request = {**EXAMPLES["other"], "consents": {"process": True, "search": True}}
    assert validate(request).submission.consent_purposes() == ["process"]


@pytest.mark.usefixtures("settings")
def test_the_fingerprint_ignores_spelling_but_not_content():
    one = validate(
        {**EXAMPLES["other"], "contact_channel": "sms", "contact_address": "040 1234567"}
    )
    two = validate(
        {**EXAMPLES["other"], "contact_channel": "sms", "contact_address": "+358401234567"}
    )
    three = validate({**EXAMPLES["other"], "message": "Other words"})
    assert one.submission.fingerprint() == two.submission.fingerprint()
    assert one.submission.fingerprint() != three.submission.fingerprint()


def test_a_body_that_is_not_an_object():
    assert validate([1, 2]).errors.codes() == {"": ["invalid_object"]}

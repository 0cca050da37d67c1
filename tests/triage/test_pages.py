"""The staff page toolkit's form readers: what each keeps of what was typed."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData
from starlette.requests import Request

from triage.pages import clipped, done_notice, integer, many, raw, text

pytestmark = pytest.mark.sqlite_only


def test_text_keeps_one_character_too_many_so_a_check_can_say_too_long():
    form = FormData({"reason": "  " + "x" * 600 + "  "})
    assert len(text(form, "reason", 500)) == 501
    assert text(FormData({"reason": "  short "}), "reason") == "short"


def test_clipped_cuts_at_the_limit():
    form = FormData({"email": " " + "a" * 400 + " "})
    assert len(clipped(form, "email", 320)) == 320


def test_raw_keeps_spaces_and_one_character_too_many():
    assert raw(FormData({"password": " pass word "}), "password") == " pass word "
    assert len(raw(FormData({"password": "p" * 2000}), "password", 1024)) == 1025


def test_missing_fields_read_as_empty():
    form = FormData({})
    assert text(form, "a") == clipped(form, "a") == raw(form, "a") == ""
    assert many(form, "a") == [] and integer(form, "a") is None


def test_integer_takes_plain_digits_only():
    assert integer(FormData({"n": " 42 "}), "n") == 42
    assert integer({"n": "123456789"}, "n") == 123456789
    for bad in ("1234567890", "-1", "4.5", "12a", ""):
        assert integer(FormData({"n": bad}), "n") is None, bad


def test_many_reads_every_checked_box():
    form = FormData([("roles", "advisor"), ("roles", "admin"), ("other", "x")])
    assert many(form, "roles") == ["advisor", "admin"]


def test_done_notice_shows_only_a_known_message():
    messages = {"saved": lambda: "Saved."}

    def asked(query: str) -> Request:
        return Request({"type": "http", "query_string": query.encode(), "headers": []})

    assert done_notice(asked("done=saved"), messages) == "Saved."
    assert done_notice(asked("grant=saved"), messages, "grant") == "Saved."
    assert done_notice(asked("done=<script>"), messages) == ""
    assert done_notice(asked(""), messages) == ""

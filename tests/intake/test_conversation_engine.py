"""The conversation engine alone: a pure `step`, walked through every kind in every language."""

from __future__ import annotations

import re

import pytest

from intake import choices, questions
from intake import conversation_texts as t
from intake.conversation import (
    BODY_MAX,
    SUBMIT,
    Incoming,
    Reply,
    asked,
    begin,
    form_fields,
    step,
)
from intake.validation import validate
from yhteys import i18n

BRAND = re.compile(r"red\s+cross|punai\w*\s+rist|röda\s+kors|yhteys", re.IGNORECASE)
PREVIEW = 90  # what a lock screen shows of a message


def fits_the_cloud_api(reply: Reply) -> None:
    if not reply.options:
        assert 0 < len(reply.text) <= 4096
        return
    assert 0 < len(reply.text) <= BODY_MAX
    if reply.button:  # a list
        assert 0 < len(reply.button) <= 20 and len(reply.options) <= 10
        assert all(0 < len(o.title) <= 24 and len(o.description) <= 72 for o in reply.options)
    else:
        assert len(reply.options) <= 3 and all(0 < len(o.title) <= 20 for o in reply.options)
        assert len({o.title for o in reply.options}) == len(reply.options)
    assert len({o.id for o in reply.options}) == len(reply.options)


def walk(locale: str, kind: str) -> tuple[dict, list[Reply]]:
    """Through the whole conversation by taps, skipping what may be skipped."""
    state, seen = begin("hi")
    state, replies = step(state, Incoming(choice=f"lang:{locale}"))
    seen += replies
    state, replies = step(state, Incoming(choice=f"opt:{kind}"))
    seen += replies
    for _ in range(40):
        last = seen[-1]
        if state["at"] == SUBMIT:
            break
        if state["at"] == "confirm":
            incoming = Incoming(choice="send")
        elif last.options:
            incoming = Incoming(choice=last.options[0].id)
        elif state["at"].endswith("_date"):
            incoming = Incoming(text="27 3 2024")  # the form's own example of a date
        else:
            incoming = Incoming(text="Amal 1")
        state, replies = step(state, incoming)
        seen += replies
    return state, seen


@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
@pytest.mark.parametrize("kind", list(choices.KINDS))
def test_every_step_in_every_language_fits_and_ends_in_a_valid_request(locale, kind):
    state, seen = walk(locale, kind)
    assert state["at"] == SUBMIT
    for reply in seen:
        fits_the_cloud_api(reply)
        assert not BRAND.search(reply.text[:PREVIEW]), reply.text[:PREVIEW]
    from starlette.datastructures import FormData

    from intake.forms import payload_from_form

    payload = payload_from_form(kind, FormData(form_fields(state, "+358401234567")))
    payload["kind"] = kind
    result = validate(payload)
    assert result.ok, result.errors.codes()


def test_the_language_list_comes_in_pages_and_any_way_of_naming_one_works():
    state, (first,) = begin("hi")
    assert len(first.options) == 10 and first.options[-1].id == "more"
    _, (more,) = step(state, Incoming(choice="more"))
    assert {o.id for o in more.options} >= {"lang:uk", "lang:fr"}
    for typed, locale in [("Soomaali", "so"), ("٤", "ar"), ("11", "fr"), ("РУССКИЙ", "ru")]:
        after, _ = step(state, Incoming(text=typed))
        assert after["locale"] == locale, typed


def test_a_choice_may_be_typed_in_another_language_of_the_service():
    state, _ = begin("hi")
    state, _ = step(state, Incoming(text="7"))  # Soomaali
    state, _ = step(state, Incoming(text="Social services"))  # the kind, in English
    assert state["kind"] == "social_services"
    state, _ = step(state, Incoming(text="Hodan"))
    state, _ = step(state, Incoming(text="نعم"))  # yes, in Arabic
    assert state["answers"]["details.no_place_tonight"] == "yes"


@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
def test_command_words_are_known_in_every_language_and_never_an_answer(locale):
    answers = set()
    for other in i18n.LANGUAGES:
        for labels in (choices.YES_NO, choices.KINDS, t.COMMANDS):
            answers |= {t.fold(t.text(label, other)) for label in labels.values()
                        if labels is not t.COMMANDS}
        for kind in choices.KINDS:
            for question in asked(kind):
                answers |= {t.fold(t.text(label, other)) for label in question.choices.values()}
    for name in t.COMMANDS:
        for word in t.words(name, locale):
            assert t.command_of(word) == name, (locale, word)
            assert t.command_of(f" {word.upper()}! ") == name
            assert t.fold(word) not in answers, (locale, word)
    assert t.command_of("I want to go back to my country") == ""


def test_back_goes_to_the_question_before_and_keeps_the_answers():
    state, _ = begin("hi")
    for typed in ("3", "4", "Amal"):
        state, _ = step(state, Incoming(text=typed))
    assert state["at"] == "q:details.no_place_tonight"
    state, (again,) = step(state, Incoming(text="back"))
    assert state["at"] == "q:name" and state["answers"]["name"] == "Amal"
    label = t.text(questions.by_key("other")["name"].label, "en")
    assert again.text.startswith(label)


def test_start_again_keeps_what_the_caller_put_in_the_state():
    state, _ = begin("hi", emergency_number="112")
    state["key"] = "k" * 32
    for typed in ("3", "4", "Amal", "start again"):
        state, _ = step(state, Incoming(text=typed))
    assert (state["at"], state["locale"], state["answers"]) == ("language", "", {})
    assert state["key"] == "k" * 32 and state["emergency"] == "112"
    assert [line[1] for line in state["transcript"] if line[0] == "client"] == [
        "hi", "3", "4", "Amal", "start again"]


def _at_the_municipality(locale: str) -> tuple[dict, Reply]:
    state, _ = begin("hi")
    state, _ = step(state, Incoming(choice=f"lang:{locale}"))
    state, replies = step(state, Incoming(choice="opt:social_services"))
    for _ in range(20):
        if state["at"] == "q:details.municipality":
            return state, replies[-1]
        last = replies[-1]
        incoming = Incoming(choice=last.options[-1].id) if last.options else Incoming(text="Hodan")
        state, replies = step(state, incoming)
    raise AssertionError("the municipality was never asked")


def test_a_municipality_is_typed_and_a_near_miss_offers_the_closest_names():
    state, asking = _at_the_municipality("so")
    # Not 308 numbered names: the way out as a button, and her typing for the rest.
    assert [o.id for o in asking.options] == ["opt:not_said"]
    assert "Helsinki" not in asking.text and len(asking.text) < 600
    for typed, code in [("helsinki", "091"), ("Helsingfors", "091"), ("ÅBO", "853")]:
        after, _ = step(state, Incoming(text=typed))
        assert after["answers"]["details.municipality"] == code, typed
    missed, (error,) = step(state, Incoming(text="Helsingi"))
    assert missed["at"] == "q:details.municipality"  # asked again, with the form's error first
    with i18n.use_locale("so"):
        from intake.errors import message_for

        assert error.text.startswith(message_for("details.municipality", "invalid_choice", {}))
    assert [o.id for o in error.options][:2] == ["opt:not_said", "opt:091"]
    fits_the_cloud_api(error)
    tapped, _ = step(missed, Incoming(choice="opt:091"))
    assert tapped["answers"]["details.municipality"] == "091"
    assert tapped["suggest"] == []
    declined, _ = step(state, Incoming(choice="opt:not_said"))
    assert declined["answers"]["details.municipality"] == "not_said"


def test_a_file_is_kept_never_an_answer_and_survives_starting_again():
    state, _ = begin("hi")
    state, _ = step(state, Incoming("7"))  # Soomaali
    state, [asked_kind] = step(state, Incoming("3", file={"id": "X"}))  # a photo captioned "3"
    assert (state["at"], state["kind"]) == ("kind", "")  # not taken as the kind
    assert asked_kind.text.startswith(t.text(t.FILE_KEPT, "so") + "\n\n")
    state, _ = step(state, Incoming("3"))
    at = state["at"]
    state, [again] = step(state, Incoming("stop", file={"id": "Y", "kind": "image"}))
    assert state["at"] == at  # a caption is no command either
    assert again.text.startswith(t.text(t.FILE_KEPT, "so"))
    assert [f["id"] for f in state["files"]] == ["X", "Y"]
    assert [f["caption"] for f in state["files"]] == ["3", "stop"]
    state, _ = step(state, Incoming(t.words("again", "so")[0]))
    assert state["at"] == "language" and [f["id"] for f in state["files"]] == ["X", "Y"]
    assert t.closing("so", "ABC", "https://x/so/open/t").index("https://x") < t.closing(
        "so", "ABC", "https://x/so/open/t").index("ABC")

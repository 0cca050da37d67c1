"""A wrong answer is shown beside its field, in the page's language, with everything kept."""

from __future__ import annotations

import html
import re

import pytest

from tests.intake.conftest import all_cases, form_data

LONG = "x" * 201

# (kind, changes to the valid form, form field that gets the error, words of the message)
CASES = [
    ("other", {"name": ""}, "name", "Write your name or a nickname"),
    ("other", {"name": "Amal\r\nBcc: victim@example.org"}, "name", "without line breaks"),
    ("other", {"name": "Amal\nX"}, "name", "without line breaks"),
    ("other", {"name": LONG}, "name", "at most 200 characters"),
    ("other", {"name": "Am\x00al"}, "name", "characters that cannot be used"),
    ("other", {"language": ""}, "language", "Choose the language"),
    ("other", {"language": "xx"}, "language", "Choose one of the options"),
    ("other", {"message": "   "}, "message", "how we can help you"),
    ("other", {"message": "y" * 5001}, "message", "at most 5000 characters"),
    ("other", {"contact_channel": None}, "contact_channel", "Choose how we can contact you"),
    ("other", {"contact_address_phone": "12"}, "contact_address_phone", "phone number"),
    ("other", {"contact_address_phone": ""}, "contact_address_phone", "Write the phone number"),
    (
        "other",
        {"contact_channel": "whatsapp", "contact_address_phone": "call me"},
        "contact_address_phone",
        "phone number",
    ),
    (
        "other",
        {"contact_channel": "email", "contact_address_email": "amal(at)example"},
        "contact_address_email",
        "email address like",
    ),
    (
        "other",
        {
            "contact_channel": "email",
            "contact_address_email": "a@example.org\r\nBcc: b@example.org",
        },
        "contact_address_email",
        "without line breaks",
    ),
    ("other", {"contact_windows.0.start": "25:00"}, "contact_windows.0.start", "Write a time"),
    ("other", {"contact_windows.0.end": "09:00"}, "contact_windows.0.end", "later than the start"),
    ("other", {"contact_windows.1.start": "14:00"}, "contact_windows.1.day", "Choose a day"),
    ("other", {"backup_address_email": "nope"}, "backup_address_email", "email address like"),
    (
        "other",
        {"backup_channel": "", "backup_address_email": "b@example.org"},
        "backup_channel",
        "which way of contact",
    ),
    (
        "other",
        {"backup_channel": "sms", "backup_address_phone": "1"},
        "backup_address_phone",
        "phone",
    ),
    ("other", {"area": "Atlantis"}, "area", "Choose one of the options"),
    ("tracing", {"area": "999"}, "area", "Choose one of the options"),
    ("other", {"interpreter_language": "zz"}, "interpreter_language", "Choose one of the options"),
    ("other", {"consents.process": None}, "consents.process", "agree that we use"),
    (
        "family_reunification",
        {"details.sponsor_status": None},
        "details.sponsor_status",
        "residence status",
    ),
    (
        "family_reunification",
        {"details.decision_date.year": "2027"},
        "details.decision_date",
        "in the future",
    ),
    (
        "family_reunification",
        {
            "details.decision_date.day": "31",
            "details.decision_date.month": "2",
            "details.decision_date.year": "2020",
        },
        "details.decision_date",
        "does not exist",
    ),
    (
        "family_reunification",
        {"details.members.0.birth_date.day": "30", "details.members.0.birth_date.month": "2",
         "details.members.0.birth_date.year": "2015"},
        "details.members.0.birth_date",
        "does not exist",
    ),
    (
        "family_reunification",
        {"details.members.0.name": ""},
        "details.members.0.name",
        "person's name",
    ),
    (
        "family_reunification",
        {"details.migri_number": "ask my lawyer"},
        "details.migri_number",
        "letter from Migri",
    ),
    (
        "family_reunification",
        {"details.negative_decision_date.day": "1",
         "details.negative_decision_date.year": "2026"},
        "details.negative_decision_date",
        "Write the month",
    ),
    (
        "family_reunification",
        {"details.members.0.relationship": ""},
        "details.members.0.relationship",
        "related to you",
    ),
    (
        "family_reunification",
        {
            **{f"details.members.{row}.{name}": "" for row in (0, 2) for name in (
                "name", "relationship", "birth_date.day", "birth_date.month", "birth_date.year",
                "country")},
        },
        "details.members",
        "at least one family member",
    ),
    (
        "family_reunification",
        {"details.members.0.country": "Kenya\r\nX"},
        "details.members.0.country",
        "line breaks",
    ),
    ("family_reunification", {"details.stage": None}, "details.stage", "application is now"),
    (
        "family_reunification",
        {"details.applied_on.day": "soon"},
        "details.applied_on",
        "numbers only",
    ),
    (
        "family_reunification",
        {"details.help_wanted": ["money_transfer"]},
        "details.help_wanted",
        "Choose one of the options",
    ),
    ("tracing", {"details.persons.0.name": ""}, "details.persons.0.name", "person's name"),
    (
        "tracing",
        {"details.persons.0.relationship": ""},
        "details.persons.0.relationship",
        "related to you",
    ),
    (
        "tracing",
        {"details.persons.0.birth_date.year": "2030"},
        "details.persons.0.birth_date",
        "in the future",
    ),
    (
        "tracing",
        {"details.persons.0.last_seen.year": "2030"},
        "details.persons.0.last_seen",
        "future",
    ),
    (
        "tracing",
        {"details.persons.0.last_contact_date.month": "13"},
        "details.persons.0.last_contact_date",
        "does not exist",
    ),
    (
        "tracing",
        {"details.persons.0.approximate_age": "-1"},
        "details.persons.0.approximate_age",
        "number",
    ),
    ("tracing", {"details.persons.0.sex": "x"}, "details.persons.0.sex", "Choose one"),
    ("tracing", {"consents.search": None}, "consents.search", "agree to the search"),
    ("tracing", {"details.separation": "war"}, "details.separation", "Choose one"),
    ("social_services", {"details.topics": None}, "details.topics", "at least one topic"),
    (
        "social_services",
        {"details.children_count": "many"},
        "details.children_count",
        "number",
    ),
    (
        "social_services",
        {"details.municipality": "a" * 121},
        "details.municipality",
        "Choose one of the options",
    ),
]


def _tag_with_id(page: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+ [^>]*id="{re.escape(element_id)}"[^>]*>', page)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


@pytest.mark.parametrize(("kind", "changes", "field", "words"), CASES)
def test_an_invalid_field_gets_its_error_beside_it_with_input_kept(
    browser, settings, kind, changes, field, words
):
    data = form_data(kind, **{k.replace(".", "__"): v for k, v in changes.items()})
    response = browser.send(kind, data)
    assert response.status_code == 422
    page = response.text
    assert all_cases(settings) == []
    fid = field_id(field)

    # Beside the field: the message, tied to the input.
    error = re.search(rf'<span class="error-message" id="{fid}-error">(.*?)</span>\n', page, re.S)
    assert error, f"no error beside {field}"
    assert words in html.unescape(error.group(1))
    target = _tag_with_id(page, fid)
    group = 'type="radio"' in target or (
        'type="checkbox"' in target and 'value="yes"' not in target
    )
    if target.startswith(("<input", "<select", "<textarea")) and not group:
        assert f"{fid}-error" in target and 'aria-invalid="true"' in target
    else:  # a group of radios or checkboxes: the fieldset names the error
        assert re.search(rf'<fieldset[^>]*aria-describedby="[^"]*{fid}-error"', page) or (
            f'id="{fid}"' in page
        )
    # In the summary at the top, linking to the field.
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert re.search(rf'href="#{fid}(-day|-month|-year)?"', summary)  # a date: its wrong box
    assert page.index('class="error-summary"') < page.index("<form")
    assert "<title>Error:" in page

    # Everything typed is still there.
    assert "I need advice, please.\nThank you.</textarea>" in page or field == "message"
    typed = changes.get(field)
    typeable = target.startswith("<textarea") or re.match(
        r'<input type="(text|tel|email|date|time)"', target
    )
    if typeable and isinstance(typed, str) and typed.strip() and "\x00" not in typed:
        assert html.escape(typed, quote=True) in page


def test_errors_are_in_the_page_language(browser, settings):
    response = browser.send("other", form_data("other", name=""), locale="sv")
    assert response.status_code == 422
    assert "Skriv ditt namn eller ett smeknamn" in response.text


def test_a_chosen_file_must_be_attached_again_after_an_error(browser):
    files = {
        "files": ("passport.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf")
    }
    response = browser.send("other", form_data("other", name=""), files=files)
    assert response.status_code == 422
    assert "Please attach your files again" in response.text


def test_no_file_notice_without_files(browser):
    response = browser.send("other", form_data("other", name=""))
    assert "Please attach your files again" not in response.text


def test_every_input_has_a_label(browser):
    for kind in ("family_reunification", "tracing", "social_services", "other"):
        page = browser.open(kind).text
        for match in re.finditer(r"<(input|select|textarea) ([^>]*)>", page):
            attrs = match.group(2)
            if 'type="hidden"' in attrs or 'type="submit"' in attrs:
                continue
            element_id = re.search(r'id="([^"]+)"', attrs)
            assert element_id, f"{kind}: an input without id: {attrs}"
            assert f'<label for="{element_id.group(1)}"' in page, f"{kind}: no label for {attrs}"


def test_the_summary_lists_errors_in_the_order_of_the_form(browser):
    data = form_data("family_reunification", name="", message="", contact_address_phone="1")
    data.pop("details.stage")
    page = browser.send("family_reunification", data).text
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["f-name", "f-details-stage", "f-message", "f-contact_address_phone"]
    positions = [page.index(f'id="{link}"') for link in links]
    assert positions == sorted(positions)

"""Where she lives is a choice of municipalities on every form: a native select, named in the
page's language, stored by code, with "I'd rather not say"."""

from __future__ import annotations

import html
import re

import pytest

from intake import municipalities
from intake.municipalities import NOT_SAID, MunicipalityChoice, fold
from tests.intake.conftest import all_cases, form_data, status_link

# The field each kind asks it with.
FIELDS = {
    "family_reunification": "area",
    "tracing": "area",
    "other": "area",
    "social_services": "details.municipality",
}
RATHER_NOT_SAY = {"fi": "En halua kertoa", "sv": "Jag vill inte säga",
                  "ar": "أفضّل ألّا أقول", "so": "Waan doorbidayaa inaanan sheegin",
                  "en": "I'd rather not say"}
LABELS = {"fi": "Kunta, jossa asut tai oleskelet", "sv": "Kommun där du bor eller vistas",
          "ar": "البلدية التي تسكن أو تقيم فيها", "so": "Degmada aad ku nooshahay ama aad joogto"}


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def select_of(page: str, name: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The select's opening tag and its options as (attributes, value, text)."""
    match = re.search(rf'(<select [^>]*name="{re.escape(name)}"[^>]*>)(.*?)</select>', page, re.S)
    assert match, f"no select {name}"
    options = re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', match.group(2))
    return match.group(1), [(attrs, value, html.unescape(text)) for value, attrs, text in options]


@pytest.mark.parametrize("kind", list(FIELDS))
@pytest.mark.parametrize("locale", ["fi", "sv", "ar", "so"])
def test_every_form_offers_the_municipalities_in_the_page_language(browser, kind, locale):
    page = browser.open(kind, locale).text
    name = FIELDS[kind]
    tag, options = select_of(page, name)
    fid = field_id(name)
    # Labelled and described: the label, then the hint tied to the select.
    assert f'<label for="{fid}">{LABELS[locale]}' in page
    assert f'aria-describedby="{fid}-hint"' in tag and f'id="{fid}-hint"' in page
    assert 'autocomplete="address-level2"' in tag
    # "Choose" (nothing chosen), then "I'd rather not say", then every municipality once.
    assert [v for _, v, _ in options[:2]] == ["", NOT_SAID]
    assert options[1][2] == RATHER_NOT_SAY[locale]
    codes = [v for _, v, _ in options[2:]]
    assert sorted(codes) == sorted(m.code for m in municipalities.all_municipalities())
    assert len(codes) == 308
    names = {v: text for _, v, text in options}
    if locale == "sv":
        assert (names["853"], names["092"], names["091"]) == ("Åbo", "Vanda", "Helsingfors")
        assert names["179"] == "Jyväskylä"
    elif locale == "fi":
        assert (names["853"], names["092"]) == ("Turku", "Vantaa")
    else:
        assert (names["853"], names["092"]) == ("Turku (Åbo)", "Vantaa (Vanda)")
        assert names["179"] == "Jyväskylä"  # the same in both: said once
    # Alphabetical for the reader: Å Ä Ö after Z for Finnish and Swedish readers.
    texts = [text for _, _, text in options[2:]]
    if locale == "fi":
        assert texts[0] == "Akaa" and texts[-1] == "Äänekoski"
        assert texts.index("Ylöjärvi") < texts.index("Ähtäri")
    elif locale == "sv":
        assert texts[-1] == "Övertorneå"
        assert texts.index("Ylöjärvi") < texts.index("Åbo") < texts.index("Äänekoski")
    else:
        assert texts[0] == "Äänekoski"  # read as "Aanekoski", before "Ahtari" and "Akaa"
        assert [fold(t) for t in texts] == sorted(fold(t) for t in texts)
    # On a right-to-left page the html says so, and each place name reads left to right.
    if locale == "ar":
        assert '<html lang="ar" dir="rtl">' in page
        assert all('dir="ltr"' in attrs for attrs, _, _ in options[2:])
        assert 'dir="ltr"' not in options[1][0]
    else:
        assert not any('dir="ltr"' in attrs for attrs, _, _ in options)
    assert "<script" not in page


@pytest.mark.parametrize("kind", list(FIELDS))
def test_the_code_is_stored_and_the_status_page_names_it_in_her_language(
        browser, client, settings, kind):
    data = form_data(kind, **{FIELDS[kind].replace(".", "__"): "853"})
    response = browser.send(kind, data, locale="sv")
    assert response.status_code == 200, response.text[:2000]
    [case] = all_cases(settings)
    assert case.area == "853"  # social services: the municipality is the case's area too
    if kind == "social_services":
        assert case.details["municipality"] == "853"
    status = client.get(status_link(response.text)).text
    assert "Kommun där du bor eller vistas" in status and "Åbo" in status


def test_i_d_rather_not_say_stores_no_municipality(browser, client, settings):
    response = browser.send("other", form_data("other", area=NOT_SAID), locale="fi")
    assert response.status_code == 200
    [case] = all_cases(settings)
    assert case.area == NOT_SAID
    assert municipalities.by_code(case.area) is None
    status = client.get(status_link(response.text)).text
    assert "En halua kertoa" in status


def test_leaving_it_unchosen_is_allowed(browser, settings):
    response = browser.send("social_services", form_data(
        "social_services", details__municipality=""))
    assert response.status_code == 200
    [case] = all_cases(settings)
    assert case.area == "" and case.details["municipality"] == ""


@pytest.mark.parametrize(("locale", "words"), [
    ("fi", "Valitse yksi vaihtoehdoista."),
    ("sv", None),
    ("ar", None),
])
@pytest.mark.parametrize("kind", ["other", "social_services"])
def test_a_code_that_is_no_municipality_gets_its_error_beside_the_field_in_her_language(
        browser, settings, kind, locale, words):
    from intake.errors import GENERIC
    from yhteys.i18n import use_locale

    with use_locale(locale):
        expected = words or str(GENERIC["invalid_choice"])
    assert expected != "Choose one of the options."
    name = FIELDS[kind]
    data = form_data(kind, **{name.replace(".", "__"): "999", "name": "Selam Tesfaye"})
    response = browser.send(kind, data, locale=locale)
    assert response.status_code == 422
    assert all_cases(settings) == []
    page = response.text
    fid = field_id(name)
    error = re.search(rf'<span class="error-message" id="{fid}-error">(.*?)</span>\n', page, re.S)
    assert error and expected in html.unescape(error.group(1))
    tag, options = select_of(page, name)
    assert f"{fid}-error" in tag and 'aria-invalid="true"' in tag
    assert not any("selected" in attrs for attrs, _, _ in options)
    # Her other answers are kept.
    assert 'value="Selam Tesfaye"' in page
    assert "I need advice, please.\nThank you.</textarea>" in page


def test_a_chosen_municipality_stays_chosen_after_another_error(browser):
    response = browser.send("tracing", form_data("tracing", area="092", name=""), locale="sv")
    assert response.status_code == 422
    _, options = select_of(response.text, "area")
    assert [v for attrs, v, _ in options if "selected" in attrs] == ["092"]


def test_the_parser_takes_codes_names_and_the_not_said_marker():
    parse = MunicipalityChoice().parse
    assert parse("091") == "091"
    assert parse(" Vanda ") == parse("vantaa") == "092"
    assert parse(NOT_SAID) == NOT_SAID
    assert parse("") == ""
    # Pertunmaa joined Mäntyharju: its old code and name find Mäntyharju.
    assert parse("588") == parse("Pertunmaa") == "507"
    for wrong in ("999", "Kallio", "x" * 500, "09 1"):
        with pytest.raises(Exception) as raised:
            parse(wrong)
        assert getattr(raised.value, "code", "") == "invalid_choice"
    schema = MunicipalityChoice().json_schema()
    assert NOT_SAID in schema["enum"] and "091" in schema["enum"] and "" in schema["enum"]


def test_the_api_takes_a_name_as_its_code_and_refuses_what_is_no_municipality(settings):
    from intake.validation import validate

    base = {"kind": "other", "language": "fi", "name": "Amal", "contact_channel": "none",
            "message": "Hei", "consents": {"process": True}}
    result = validate({**base, "area": "Helsingfors"})
    assert result.ok and result.submission.case.area == "091"
    refused = validate({**base, "area": "Kallio"})
    assert not refused.ok and refused.errors.codes()["area"] == ["invalid_choice"]

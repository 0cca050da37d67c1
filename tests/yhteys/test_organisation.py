"""Who runs the service comes from the settings: name, logo, contact, emergency number and the
accessibility statement reach every page, the clients' emails and the statement itself."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date

from notify.messages import render
from yhteys import i18n
from yhteys.settings import PROJECT_ROOT, SettingsError, load

# A 1 x 1 PNG: enough for the app to serve as a society's own logo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d8cc8b0000000049454e44ae426082"
)


def footer(page: str) -> str:
    return page.split('<footer class="site">', 1)[1].split("</footer>", 1)[0]


def test_the_defaults_are_a_finnish_society_with_112():
    settings = load({})
    assert settings.org_name == "Finnish Red Cross"
    assert settings.emergency_number == "112"
    assert settings.org_logo is None and settings.accessibility_statement_url == ""
    assert "saavutettavuusvaatimukset.fi" in settings.accessibility_authority_url


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"ORG_LOGO": "logo.gif"}, "svg or .png"),
        ({"ORG_LOGO": "/nowhere/logo.svg"}, "no file"),
        ({"ACCESSIBILITY_STATEMENT_URL": "javascript:alert(1)"}, "https"),
        ({"ACCESSIBILITY_AUTHORITY_URL": "saavutettavuusvaatimukset.fi"}, "https"),
        ({"ACCESSIBILITY_STATEMENT_DATE": "6.12.2026"}, "a date"),
    ],
)
def test_a_logo_or_address_the_app_cannot_use_is_refused(environ, reason):
    with pytest.raises(SettingsError, match=reason):
        load(environ)


def test_no_template_writes_an_emergency_number_of_its_own():
    found = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "templates").rglob("*")
        if path.is_file() and re.search(r"\b112\b", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_default_header_and_footer(client):
    page = client.get("/fi/").text
    logo = re.search(r'<img class="logo" src="([^"]+)" alt="Finnish Red Cross"', page)
    assert logo and logo.group(1).startswith("/static/emblem.svg?v=")
    assert client.get(logo.group(1)).headers["content-type"].startswith("image/svg+xml")
    bottom = footer(page)
    assert 'Hätätilanteessa soita <bdi dir="ltr">112</bdi>.' in bottom
    assert "<strong>Finnish Red Cross</strong>" in bottom
    assert "mailto:" not in bottom and "tel:" not in bottom
    assert '<a href="/fi/privacy">Tietosuojaseloste</a>' in bottom
    assert '<a href="/fi/accessibility">Saavutettavuusseloste</a>' in bottom


def test_a_society_sets_its_own_name_logo_contact_and_number(client, use_settings, tmp_path):
    logo = tmp_path / "crescent.png"
    logo.write_bytes(PNG)
    use_settings(org_name="Punainen Puolikuu", org_logo=logo, org_email="apu@example.org",
                 org_phone="+358 40 123 4567", emergency_number="911")
    page = client.get("/ar/").text
    assert "112" not in page
    src = re.search(r'<img class="logo" src="([^"]+)" alt="Punainen Puolikuu"', page)
    assert src and src.group(1).startswith("/organisation-logo?v=")
    served = client.get(src.group(1))
    assert served.headers["content-type"] == "image/png" and served.content == PNG
    # Its own file, under the app's own policy: an SVG opened by itself runs no script.
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in served.headers["content-security-policy"]
    bottom = footer(page)
    assert "<strong>Punainen Puolikuu</strong>" in bottom
    assert '<a href="mailto:apu@example.org"><bdi dir="ltr">apu@example.org</bdi></a>' in bottom
    assert '<a href="tel:+358401234567"><bdi dir="ltr">+358 40 123 4567</bdi></a>' in bottom
    assert 'في حالة الطوارئ اتصل بالرقم <bdi dir="ltr">911</bdi>.' in bottom
    # The emergency notice on the page itself, and the one inside the social services form.
    assert page.count('<bdi dir="ltr">911</bdi>') == 2
    form = client.get("/fi/request/social-services").text
    assert 'soita heti <bdi dir="ltr">911</bdi>' in form


def test_the_page_for_choosing_a_language_shows_the_number_and_the_society(client, use_settings):
    use_settings(emergency_number="999", org_name="Croix-Rouge")
    page = client.get("/", headers={"accept-language": "de"}).text
    assert '<bdi dir="ltr">999</bdi>' in footer(page) and "Croix-Rouge" in footer(page)


@pytest.mark.parametrize("locale", list(i18n.LANGUAGES))
def test_the_accessibility_statement_in_every_language(client, locale):
    response = client.get(f"/{locale}/accessibility")
    assert response.status_code == 200
    page = response.text
    assert f'<html lang="{locale}" dir="{i18n.text_direction(locale)}">' in page
    with i18n.use_locale(locale):
        title = i18n.translate("intake", "Accessibility statement")
        form_link = i18n.translate("intake", "Write to us with the form")
    assert f"<h1>{title}</h1>" in page
    assert locale == "en" or title != "Accessibility statement"
    assert "WCAG 2.1" in page and "Finnish Red Cross" in page
    prepared = format_date(date(2026, 12, 6), "long", locale=i18n.format_locale(locale))
    assert prepared in page
    assert ('<a href="https://www.saavutettavuusvaatimukset.fi">'
            "Etelä-Suomen aluehallintovirasto</a>") in page
    # No contact address set: feedback goes through the contact form.
    assert f'<a href="/{locale}/request/other">{form_link}</a>' in page


def test_the_statement_gives_the_contact_address_for_feedback(client, use_settings):
    use_settings(org_email="saavutettavuus@example.org", accessibility_authority="Valvoja",
                 accessibility_authority_url="")
    page = client.get("/sv/accessibility").text
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="mailto:saavutettavuus@example.org"' in main
    assert "/sv/request/other" not in main
    assert "Valvoja</p>" in main and "saavutettavuusvaatimukset" not in main


def test_a_society_with_its_own_statement_is_sent_there(client, use_settings):
    own = "https://www.example.org/saavutettavuus"
    use_settings(accessibility_statement_url=own)
    response = client.get("/fi/accessibility")
    assert response.status_code == 303 and response.headers["location"] == own
    assert f'<a href="{own}">Saavutettavuusseloste</a>' in footer(client.get("/fi/").text)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("event", ["case_received", "advisor_replied"])
def test_client_emails_end_with_the_society_and_its_contact(settings, use_settings, event):
    context = {"reference": "K7M-4QX-P9T", "status_url": "http://testserver/fi/status/x"}
    default = render(event, "fi", context)
    assert default.text.rstrip().endswith("Finnish Red Cross")
    use_settings(org_name="Suomen Punainen Risti", org_email="apu@example.org",
                 org_phone="+358 20 701 2000")
    message = render(event, "ar", context)
    end = "Suomen Punainen Risti\napu@example.org\n+358 20 701 2000"
    assert message.text.rstrip().endswith(end)
    assert "Suomen Punainen Risti" in message.html
    assert '<bdi dir="ltr">+358 20 701 2000</bdi>' in message.html


def test_the_logo_route_serves_the_built_in_emblem_when_none_is_set(client):
    response = client.get("/organisation-logo")
    assert response.status_code == 200
    assert response.content == (PROJECT_ROOT / "static" / "emblem.svg").read_bytes()
    assert Path(PROJECT_ROOT / "static" / "emblem.svg").stat().st_size < 1024

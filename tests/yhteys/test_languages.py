"""Choosing a language: the browser's, else a page every reader can use; the choice lives in
the URL, never in a cookie."""

from __future__ import annotations

import pytest

from yhteys import i18n


@pytest.mark.parametrize("offered", sorted(i18n.LANGUAGES))
def test_the_bare_address_follows_the_browsers_language(client, offered):
    response = client.get("/", headers={"accept-language": f"de;q=0.9, {offered}-XX;q=0.8"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/{offered}/"
    assert "set-cookie" not in response.headers or "lang" not in response.headers["set-cookie"]


@pytest.mark.parametrize("accept", ["de-DE, de;q=0.9", "", "*"])
def test_a_language_we_do_not_speak_gets_the_page_that_lists_every_language(client, accept):
    response = client.get("/", headers={"accept-language": accept})
    assert response.status_code == 200
    page = response.text
    assert '<html lang="mul"' in page
    for code, name in i18n.LANGUAGES.items():
        direction = i18n.text_direction(code)
        assert f'<a href="/{code}/" lang="{code}" hreflang="{code}" dir="{direction}">' in page
        assert name in page
    assert "Valitse kielesi" in page and "Välj ditt språk" in page


def test_dari_and_kurdish_tags_find_their_language():
    offered = {"fa": "فارسی / دری", "ckb": "کوردی"}
    assert i18n.best_match("prs-AF", offered) == "fa"
    assert i18n.best_match("fa-AF", offered) == "fa"
    assert i18n.best_match("ku-IQ", offered) == "ckb"
    assert i18n.best_match("ckb", offered) == "ckb"
    assert i18n.best_match("de", offered) is None


def test_every_public_page_offers_every_language_in_its_own_script(client):
    page = client.get("/fi/").text
    switcher = page.split('<details class="langs">', 1)[1].split("</details>", 1)[0]
    for code, name in i18n.LANGUAGES.items():
        assert f'lang="{code}"' in switcher and name in switcher
    assert "Kieli" in switcher  # labelled in the page's language


@pytest.mark.parametrize("path", ["/fi/", "/fi/request/tracing", "/fi/hours", "/fi/privacy"])
def test_the_layout_speaks_the_page_language_on_every_page(client, path):
    # The layout's words are the root domain's even on a page of another part: once an intake
    # page looked them up in intake's catalog, found nothing, and showed English.
    page = client.get(path).text
    assert "Siirry sisältöön" in page and "Skip to content" not in page
    assert "Hätätilanteessa soita 112." in page or "112" in page

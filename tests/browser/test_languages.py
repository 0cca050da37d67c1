"""Every public page in every language, as real Chromium shows it: the right `lang` and `dir`, no
English source text left on a page in another language, and no axe-core (WCAG 2.1 A/AA) finding.

The states are the ones tests/public_pages.py names: the plain pages, each form empty and with
errors, the confirmation, the status page with an advisor's reply and with an error, the link
ended now and later, and an unknown address. One browser, one context per language. axe-core
runs on each state but the plain pages, which tests/browser/test_every_page.py checks in every
language.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from babel.messages.pofile import read_po

from intake.choices import KIND_SLUGS
from tests.browser.helpers import axe_violations, format_violations
from tests.browser.test_every_page import _is_html
from tests.intake.conftest import form_data
from tests.public_pages import (
    MISSING_PATH,
    add_conversation,
    case_by_reference,
    expected_dir,
    plain_paths,
)
from yhteys.i18n import LANGUAGES, LOCALES_DIR, domains, staff_domains

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only, pytest.mark.slow]

PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd%]|\{[^}]*\}|<[^>]+>|\n")
MIN_WORDS = 3


def _words(text: str) -> str:
    return " ".join(text.split())


def _fragments(msgid: str) -> list[str]:
    """The runs of a source message between its placeholders, of three words or more."""
    return [
        _words(part) for part in PLACEHOLDER.split(msgid) if len(part.split()) >= MIN_WORDS
    ]


@cache
def untranslated_english(lang: str) -> dict[str, str]:
    """English fragments that must not show on a page in `lang`: {fragment: its msgid}.

    A fragment of a public message whose translation differs from the source (or is missing);
    one the translation itself keeps (a name, say) is left out.
    """
    found: dict[str, str] = {}
    for domain in sorted(set(domains()) - staff_domains()):
        path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
            strings = message.string if isinstance(message.string, (list, tuple)) else (
                message.string,)
            # A missing or fuzzy translation shows the English source: that counts too.
            translated = "" if message.fuzzy else _words(" ".join(s for s in strings if s))
            for msgid in ids:
                if translated and _words(msgid) == translated:
                    continue
                for fragment in _fragments(msgid):
                    if fragment not in translated:
                        found.setdefault(fragment, msgid)
    return found


_FILL = """(data) => {
  const form = document.querySelector('main form[method=post]');
  for (const [name, value] of Object.entries(data)) {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    for (const el of form.elements) {
      if (el.name !== name) continue;
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = values.includes(el.value);
      else if (el.type !== 'file') el.value = values[0];
    }
  }
}"""


class LanguageCheck:
    """Visits pages of one language and collects what is wrong on each."""

    def __init__(self, page: Any, lang: str) -> None:
        self.page, self.lang = page, lang
        self.english = untranslated_english(lang) if lang != "en" else {}
        self.problems: list[str] = []
        self.checked: list[str] = []

    def goto(self, path: str, state: str, *, axe: bool = True) -> None:
        self.page.goto(path)
        self.check(state, axe=axe)

    def press(self, selector: str, state: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.check(state)

    def check(self, state: str, *, axe: bool = True) -> None:
        page, where = self.page, f"{self.lang} {state} ({self.page.url})"
        self.checked.append(state)
        html = page.locator("html")
        lang, direction = html.get_attribute("lang"), html.get_attribute("dir")
        if (lang, direction) != (self.lang, expected_dir(self.lang)):
            self.problems.append(f"{where}: <html lang={lang!r} dir={direction!r}>")
        text = _words(page.evaluate("() => document.body.innerText"))
        english = sorted({f for f in self.english if f in text})
        if english:
            self.problems.append(f"{where}: English left: {english[:8]}")
        violations = axe_violations(page) if axe else []
        if violations:
            self.problems.append(f"{where}: axe-core\n{format_violations(violations)}")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_public_page_speaks_its_language(lang, new_context, settings):
    # A context is a new browser: its few posts stay far below the per-browser limit.
    context = new_context()
    page = context.new_page()
    visit = LanguageCheck(page, lang)

    for path in plain_paths(lang):
        if _is_html(context, path):
            # axe-core has seen these pages in every language: test_every_page starts from them.
            visit.goto(path, f"page {path}", axe=False)
    visit.goto(f"/{lang}/{MISSING_PATH}", "not found")
    # The form's own send button: not "add a row", not the hidden one that catches Enter.
    send_request = "main form[method=post] button[type=submit]:not([name]):not([tabindex='-1'])"
    for kind, slug in KIND_SLUGS.items():
        visit.goto(f"/{lang}/request/{slug}", f"{kind} form")
        visit.press(send_request, f"{kind} form with errors")
        assert page.locator(".error-summary").count() == 1, f"{lang} {kind}: no errors shown"

    page.goto(f"/{lang}/request/{KIND_SLUGS['other']}")
    page.evaluate(_FILL, form_data("other"))
    visit.press(send_request, "confirmation")
    case = case_by_reference(settings.database_url, page.content())
    add_conversation(settings.database_url, case.id, lang)
    link = page.locator(".secret-link a").get_attribute("href")
    assert link
    visit.goto(link, "status with messages")
    visit.press("form:has(textarea[name=body]) button[type=submit]", "status message with errors")
    assert page.locator(".error-summary").count() == 1, f"{lang}: no error on the status page"
    visit.press("form[action$='/end'] button[type=submit]", "link ended now")
    visit.goto(link, "link ended")

    assert len(visit.checked) >= 15, visit.checked
    assert not visit.problems, f"{len(visit.problems)} problem(s) on {len(visit.checked)} " \
        f"{lang} pages:\n" + "\n".join(visit.problems)


def test_the_language_choice_is_readable_in_every_language(new_context):
    page = new_context(extra_http_headers={"Accept-Language": "xx"}).new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "mul"
    for code in LANGUAGES:
        link = page.locator(f"a[hreflang='{code}']")
        assert link.get_attribute("lang") == code
        assert link.get_attribute("dir") == expected_dir(code)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

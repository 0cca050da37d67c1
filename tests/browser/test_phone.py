"""The public side on a small phone (360 x 740): every control at least 44 x 44 CSS px,
nothing scrolls sideways at 320 px, and each form's first question is on the first screen."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

FORMS = ["family-reunification", "tracing", "social-services", "other"]
# A right-to-left form too: its date boxes flow the other way.
PAGES = ["/fi/", "/en/", *[f"/fi/request/{slug}" for slug in FORMS], "/ar/request/tracing",
         "/fi/hours", "/ar/accessibility"]

# Controls a finger must hit. Links inside running text are exempt (WCAG 2.5.8 "inline"); the
# honeypot and the hidden submit for the Enter key are not for people.
TARGETS = """
() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, nav a, .cards a, '
    + '.hours-contact, footer a')]
  .filter(e => !e.closest('.hp') && !e.classList.contains('visually-hidden'))
  .filter(e => { const s = getComputedStyle(e);
                 return s.display !== 'none' && s.visibility !== 'hidden'; })
  .filter(e => e.getClientRects().length > 0)
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 90), w: r.width, h: r.height}; })
  .filter(t => t.w < 44 - 0.5 || t.h < 44 - 0.5)
"""


@pytest.mark.parametrize("path", PAGES)
def test_every_control_is_big_enough_for_a_thumb(new_context, path):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(path)
    page.locator("details.langs summary").click()  # the open language list counts too
    small = page.evaluate(TARGETS)
    assert small == [], f"{path}: {len(small)} controls under 44 x 44: {small[:5]}"


@pytest.mark.parametrize("path", PAGES)
def test_nothing_scrolls_sideways_at_320_px(new_context, path):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow} px wider than the screen"


@pytest.mark.parametrize("slug", FORMS)
def test_the_first_question_is_on_the_first_screen(new_context, slug):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"/fi/request/{slug}")
    first = page.locator("form input:not([type=hidden]):not([tabindex='-1']), form select, "
                         "form textarea").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740, (slug, box)

"""A tracing request sent with the keyboard alone, in Arabic (right to left) and in Tigrinya.

No clicks and no filling by the test: Tab and Shift+Tab move, typing writes, Space ticks a box,
the arrow keys choose in a list or a group of radio buttons, Enter sends. After every key the
focus must be on a real control, inside the window, with its focus ring drawn.

The driver knows the answers by field name, not the form's layout: it tabs through whatever the
form has, answers the fields it knows and passes the others, so a field added, moved or split
(a date in three boxes, say) does not break it as long as the answers below fill the form.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session, select

from intake.models import Case
from tests.public_pages import expected_dir
from yhteys.db import engine_for

pytestmark = [pytest.mark.browser]

MAX_KEYS = 400

# What a person answers on the tracing form, by field name; the rest she leaves as it is.
ANSWERS = {
    "name": "Mariam",
    "details.persons.0.name": "Karim Haddad",
    "details.persons.0.relationship": "sibling",
    "details.persons.0.last_place": "Tripoli, Libya",
    "details.separation": "migration_route",
    "contact_channel": "email",
    "contact_address_email": "mariam@example.org",
    "area": "not_said",  # one key down from "Choose", before the 308 municipalities
    "consents.process": "yes",
    "consents.search": "yes",
    "consents.share_contact": "yes",
}
MESSAGES = {
    "ar": "أبحث عن أخي. فقدنا الاتصال في ليبيا عام 2015.",
    "ti": "ንሓወይ እደሊ ኣለኹ። ኣብ ሊብያ ኣብ 2015 ተፈላሊና።",
}

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const form = el.form || null;
  const group = el.type === 'radio' && form
    ? [...form.elements].filter((e) => e.name === el.name) : [];
  const label = (el.labels && el.labels[0]) ? el.labels[0].innerText
    : (el.getAttribute('aria-label') || el.innerText || '');
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', id: el.id,
    href: el.getAttribute('href') || '', value: el.value ?? '', checked: !!el.checked,
    label: label.trim().slice(0, 60),
    options: el.tagName === 'SELECT' ? [...el.options].map((o) => o.value) : [],
    selected: el.tagName === 'SELECT' ? el.selectedIndex : -1,
    group: group.map((e) => e.value), position: group.indexOf(el),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
      || style.boxShadow !== 'none',
    inView: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight
      && box.right > 0 && box.left < innerWidth,
    send: el.type === 'submit' && !el.name && !!el.closest('main form'),
  };
}"""


class KeyboardPerson:
    """Presses keys and checks, after each, that the focus is somewhere she can see."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.keys = 0
        self.path: list[str] = []

    def press(self, key: str) -> dict[str, Any]:
        self.keys += 1
        assert self.keys <= MAX_KEYS, f"no way to the send button in {MAX_KEYS} keys: {self.path}"
        self.page.keyboard.press(key)
        return self.focused(after=key)

    def focused(self, after: str) -> dict[str, Any]:
        here = self.page.evaluate(_FOCUSED)
        trail = " > ".join(self.path[-4:])
        assert here is not None, f"{after}: the focus is lost (on the page itself) after {trail}"
        where = f"{here['tag']}[name={here['name']!r} id={here['id']!r}] {here['label']!r}"
        assert here["inView"], f"{after}: the focused {where} is outside the window"
        assert here["ring"], f"{after}: the focused {where} shows no focus ring"
        if not self.path or self.path[-1] != where:
            self.path.append(where)
        return here

    def type(self, text: str) -> None:
        self.keys += len(text)
        self.page.keyboard.type(text)

    def answer(self, here: dict[str, Any], value: str) -> None:
        kind = here["type"]
        if kind == "radio":
            target = here["group"].index(value)
            if target == here["position"] and not here["checked"]:
                here = self.press("Space")
            while here["position"] != target:
                here = self.press("ArrowDown" if here["position"] < target else "ArrowUp")
            assert here["checked"] and here["value"] == value, here
        elif kind == "checkbox":
            if here["checked"] != (value == here["value"]):
                here = self.press("Space")
            assert here["checked"] == (value == here["value"]), here
        elif here["tag"] == "select":
            target = here["options"].index(value)
            while here["selected"] != target:
                here = self.press("ArrowDown" if here["selected"] < target else "ArrowUp")
        else:
            self.type(value)
            here = self.focused(after=f"typing into {here['name']}")
            assert here["value"] == value, here

    def fill_and_send(self, answers: dict[str, str]) -> None:
        left = dict(answers)
        here = self.press("Tab")
        assert here["href"] == "#main", f"the first Tab lands on {self.path}, not the skip link"
        first = True
        while True:
            name = here["name"]
            if name in left:
                self.answer(here, left.pop(name))
                if first:  # Shift+Tab goes back where Tab came from; Tab returns here
                    first = False
                    self.press("Shift+Tab")
                    assert self.press("Tab")["name"] == name, self.path[-3:]
            elif here["send"] and not left:
                with self.page.expect_navigation():
                    self.page.keyboard.press("Enter")
                return
            here = self.press("Tab")


@pytest.mark.parametrize("lang", ["ar", "ti"])
def test_a_tracing_request_with_the_keyboard_alone(lang, new_context, settings):
    page = new_context(locale=lang).new_page()
    page.goto(f"/{lang}/request/tracing")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, expected_dir(lang))

    person = KeyboardPerson(page)
    person.fill_and_send({**ANSWERS, "message": MESSAGES[lang]})

    summary = page.locator(".error-summary")
    assert summary.count() == 0, f"the form came back with errors: {summary.inner_text()}"
    reference = page.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", reference), reference
    assert page.locator("html").get_attribute("lang") == lang
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
    assert (case.kind, case.name, case.message) == ("tracing", "Mariam", MESSAGES[lang])
    assert case.details["separation"] == "migration_route"
    assert case.area == "not_said"
    assert case.details["persons"][0]["relationship"] == "sibling"
    print(f"{lang}: sent with {person.keys} keys through {len(person.path)} controls")

"""Whatever a client typed renders inert on every staff page: no markup, no handler, no link."""

from html.parser import HTMLParser

import pytest
from sqlmodel import Session

from intake.models import Attachment, CaseMessage
from tests.triage.casework_factories import make_case
from triage.casework.models import RoutingRule
from yhteys.db import get_engine

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
LINK = "javascript:alert(document.cookie)"
ALL = f"{SCRIPT} {IMG} {LINK}"
SHORT = "<script>"  # for the 8-character columns


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def assert_inert(html: str) -> None:
    # The header's one image is the society's logo; below it (or in a fragment), no image.
    assert SCRIPT not in html and IMG not in html and "<img" not in html.split("</header>", 1)[-1]
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action", "formaction", "hx-post", "hx-get"):
            assert not attrs.get(name, "").strip().lower().startswith("javascript:"), (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/js/"), attrs
        logo = attrs.get("class") == "logo" and attrs.get("src", "").startswith(
            ("/static/", "/organisation-logo"))
        assert tag != "img" or logo, attrs
    assert "&lt;script&gt;" in html  # it is there, as text


def hostile_details(kind: str) -> dict:
    person = {k: ALL for k in ("name", "name_original", "other_spellings", "nationality",
                               "last_place", "last_seen", "last_contact_date")}
    person.update(sex=IMG, relationship=LINK, last_contact_channel=SCRIPT,
                  minor_when_separated=IMG, birth_date=SCRIPT, approximate_age=LINK)
    return {
        "tracing": {"persons": [person, person], "separation": IMG,
                    "other_organisation": SCRIPT, "other_organisation_name": ALL, ALL: ALL},
        "family_reunification": {
            "sponsor_status": IMG, "decision_date": SCRIPT, "sponsor_minor": LINK,
            "family_before_finland": ALL, "stage": IMG, "applied_on": LINK,
            "help_wanted": [SCRIPT, IMG, LINK],
            "migri_number": ALL, "negative_decision_date": SCRIPT,
            "members": [{"name": ALL, "relationship": IMG, "birth_date": SCRIPT,
                         "age": SCRIPT, "country": ALL}]},
        "social_services": {"topics": [IMG, SCRIPT], "municipality": ALL,
                            "children_with_you": LINK, "children_count": IMG,
                            "no_place_tonight": SCRIPT, "health_emergency": True,
                            "in_danger": LINK},
        "other": {ALL: ALL, "nested": {"x": IMG}},
    }[kind]


@pytest.fixture
def staff_client(make_team, make_staff, client, login_fast):  # noqa: ANN001, ANN201
    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    login_fast(client, make_staff(teams=[team], roles=["advisor", "supervisor"]))
    return client, team


@pytest.mark.parametrize("kind", ["tracing", "family_reunification", "social_services", "other"])
def test_every_client_field_renders_inert(staff_client, kind):
    client, _team = staff_client
    case = make_case(
        kind=kind, name=ALL, language=SHORT, ui_locale=SHORT, contact_channel=IMG[:16],
        contact_address=ALL, backup_channel=SHORT, backup_address=ALL, area=ALL,
        interpreter_needed=True, interpreter_language=SHORT, message=ALL,
        contact_windows=[{"day": IMG, "start": SCRIPT, "end": LINK}, {"day": "mon", "start": ALL}],
        details=hostile_details(kind),
    )
    with Session(get_engine()) as db:
        message = CaseMessage(case_id=case.id, author="client", body=ALL)
        db.add(message)
        db.flush()
        db.add(Attachment(case_id=case.id, message_id=message.id, storage_key="a" * 32,
                          filename=ALL[:200], content_type=IMG, size=10, sha256="0" * 64))
        db.commit()
    for path in ("/triage/board", f"/triage/board?reference={case.reference}",
                 f"/triage/cases/{case.reference}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.text)
        assert "javascript:alert(document.cookie)" in response.text  # as text only


def test_the_htmx_fragment_and_the_limited_view_are_inert(staff_client, make_team, make_staff,
                                                          login_fast):
    import re

    client, _team = staff_client
    case = make_case(name=ALL)
    page = client.get("/triage/board").text
    fragment = client.post(f"/triage/cases/{case.reference}/claim",
                           headers={"HX-Request": "true"},
                           data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                         page).group(1),
                                 "version": str(case.version), "from": "board"})
    assert fragment.status_code == 200
    assert_inert(fragment.text)
    outsider = make_staff(teams=[make_team(ALL[:100])])
    login_fast(client, outsider)
    limited = client.get(f"/triage/cases/{case.reference}")
    assert limited.status_code == 404 and ALL not in limited.text
    parser = Elements()
    parser.feed(limited.text)
    assert not any(a.startswith("on") for _t, attrs in parser.tags for a in attrs)


# --- Bidirectional text: a name must not reorder the page around it -----------------------------

RLO, PDF, LRI, PDI, ZWSP, ZWJ, BOM, RLM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200b", \
    "\u200d", "\ufeff", "\u200f"
CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
                             0x200B, 0x200C, 0x200D, 0xFEFF)]
BIDI_NAME = f"Amal{RLO}exe.fdp{PDF} Haddad"
BIDI_TEXT = f"{LRI}Please call{PDI} {RLO}tomorrow{ZWSP}{ZWJ}{BOM}{RLM} عاجل"
BIDI_FILE = f"passport{RLO}gpj.exe"


class Isolation(HTMLParser):
    """Records, for each piece of text, whether an element around it isolates it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.texts: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag in ("br", "input", "meta", "link", "hr", "img"):
            return
        isolating = tag == "bdi" or dict(attrs).get("dir") == "auto"
        self.stack.append(isolating)

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("br", "input", "meta", "link", "hr", "img"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):  # noqa: ANN001
        self.texts.append((data, any(self.stack)))


def assert_isolated(html: str, *needles: str) -> None:
    for control in CONTROLS:
        assert control not in html, f"U+{ord(control):04X} reached the page unneutralised"
    parser = Isolation()
    parser.feed(html)
    for needle in needles:
        places = [isolated for text, isolated in parser.texts if needle in text]
        assert places, f"{needle!r} is not on the page"
        assert all(places), f"{needle!r} is shown outside <bdi> or dir=auto"


def test_bidi_controls_are_neutralised_and_client_text_isolated(staff_client, make_team):
    client, team = staff_client
    case = make_case(kind="other", name=BIDI_NAME, message=BIDI_TEXT,
                     contact_address=f"amal{RLO}@example.net",
                     details={"other": {"note": BIDI_TEXT}})
    with Session(get_engine()) as db:
        message = CaseMessage(case_id=case.id, author="client", body=BIDI_TEXT)
        db.add(message)
        db.flush()
        db.add(Attachment(case_id=case.id, message_id=message.id, storage_key="b" * 32,
                          filename=BIDI_FILE, content_type="image/jpeg", size=10,
                          sha256="0" * 64))
        db.commit()
    page = client.get(f"/triage/cases/{case.reference}")
    assert page.status_code == 200
    assert_isolated(page.text, "Amal", "Please call", "passport", "@example.net")
    assert "[U+202E]" in page.text  # made visible, not silently dropped
    board = client.get("/triage/board")
    assert_isolated(board.text, "Amal")
    audit = client.get(f"/triage/audit?case={case.reference}")
    assert audit.status_code == 200
    for control in CONTROLS:
        assert control not in audit.text


def test_a_hostile_staff_name_is_isolated_in_the_audit_trail(staff_client, make_staff,
                                                             login_fast):
    client, team = staff_client
    make_staff(teams=[team], display_name=BIDI_NAME)
    case = make_case(kind="other", name=BIDI_NAME)
    client.get(f"/triage/cases/{case.reference}")
    other = make_staff(teams=[team], roles=["supervisor"], display_name=f"Eve{RLO}nimda")
    login_fast(client, other)
    client.get(f"/triage/cases/{case.reference}")
    audit = client.get("/triage/audit")
    assert audit.status_code == 200
    assert_isolated(audit.text, "Eve")

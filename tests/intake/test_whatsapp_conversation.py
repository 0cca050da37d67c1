"""A request started on WhatsApp: whole conversations by signed webhook posts, answered through
the stand-in Cloud API, ending in the same case the web form makes."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from intake import conversation_texts
from intake.errors import message_for
from intake.models import (
    Case,
    CaseMessage,
    CaseTranscript,
    Consent,
    ConversationCount,
    WhatsAppConversation,
)
from tests.intake.cloud_api import cloud_api, cloud_settings  # noqa: F401
from tests.intake.conftest import NOW
from tests.notify.conftest import wait_for
from tests.triage.conftest import login_fast, make_staff, make_team  # noqa: F401
from yhteys import i18n
from yhteys.clock import now
from yhteys.db import engine_for

SECRET = "conversation-app-secret"
HER = "+358501112233"
OTHER = "+358402223344"
_ids = itertools.count(1)


@pytest.fixture
def hooks(use_settings, cloud_api):  # noqa: ANN001, ANN201, F811
    return use_settings(**cloud_settings(cloud_api, whatsapp_app_secret=SECRET))


class Phone:
    """One person's WhatsApp: sends signed webhooks, reads what the stand-in API received."""

    def __init__(self, client, api, number: str) -> None:  # noqa: ANN001
        self.client, self.api, self.number = client, api, number
        self.seen = 0
        self.transcript: list[str] = []

    def received(self) -> list[dict]:
        with self.api.lock:
            return [r["json"] for r in self.api.requests
                    if r["json"].get("to") == self.number.lstrip("+")]

    def post(self, message: dict, *, expect: int = 1) -> list[dict]:
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp",
                                            "messages": [message]}}]}]}
        raw = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        response = self.client.post("/hooks/whatsapp", content=raw, headers={
            "content-type": "application/json", "x-hub-signature-256": signature})
        assert response.status_code == 200
        if expect:
            wait_for(lambda: len(self.received()) >= self.seen + expect)
        new = self.received()[self.seen:]
        self.seen += len(new)
        self.transcript.extend(seen_as_text(body) for body in new)
        return new

    def _message(self, kind: str, part: dict, message_id: str = "") -> dict:
        return {"from": self.number.lstrip("+"), "id": message_id or f"wamid.in{next(_ids)}",
                "timestamp": str(int(now().timestamp())), "type": kind, kind: part}

    def say(self, text: str, expect: int = 1) -> dict:
        self.transcript.append(f"> {text}")
        new = self.post(self._message("text", {"body": text}), expect=expect)
        return new[-1] if new else {}

    def tap(self, title_start: str, expect: int = 1) -> dict:
        """Tap the button or list row of the last message whose title begins so."""
        last = self.last()["interactive"]
        action = last["action"]
        rows = ([b["reply"] for b in action["buttons"]] if last["type"] == "button"
                else [r for s in action["sections"] for r in s["rows"]])
        row = next(r for r in rows if r["title"].split(". ", 1)[-1].startswith(title_start)
                   or r["title"].startswith(title_start))
        self.transcript.append(f"> [{row['title']}]")
        kind = "button_reply" if last["type"] == "button" else "list_reply"
        return self.post(self._message("interactive", {"type": kind, kind: {
            "id": row["id"], "title": row["title"]}}), expect=expect)[-1]

    def last(self) -> dict:
        return self.received()[-1]


def seen_as_text(body: dict) -> str:
    """A message as the person sees it: its text, its buttons or list rows in brackets."""
    if body["type"] == "text":
        return body["text"]["body"]
    if body["type"] == "template":
        return "(template) " + " ".join(p["text"] for p in
                                        body["template"]["components"][0]["parameters"])
    part = body["interactive"]
    action = part["action"]
    if part["type"] == "button":
        titles = [b["reply"]["title"] for b in action["buttons"]]
    else:
        titles = [r["title"] for s in action["sections"] for r in s["rows"]]
    return part["body"]["text"] + "\n" + " ".join(f"[{t}]" for t in titles)


def body_of(message: dict) -> str:
    if message["type"] == "interactive":
        return message["interactive"]["body"]["text"]
    return message.get("text", {}).get("body", "")


def _case(settings, number: str) -> Case | None:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return db.exec(select(Case).where(Case.contact_address == number)).first()


def _cases(settings) -> list[Case]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Case).order_by(col(Case.id))))


def _consents(settings, case: Case) -> list[str]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        rows = db.exec(select(Consent).where(Consent.case_id == case.id))
        return sorted(r.purpose for r in rows)


def _counts(settings) -> dict[str, int]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return {r.outcome: r.count for r in db.exec(select(ConversationCount))}


def _conversations(settings) -> list[WhatsAppConversation]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(WhatsAppConversation)))


def tracing_in_arabic(phone: Phone, *, name: str = "أمل", person: str = "سمير",
                      place: str = "حلب", message: str = "أبحث عن أخي") -> None:
    phone.say("مرحبا")
    phone.tap("العربية")
    phone.tap("البحث عن قريب")  # the kind, from the list
    phone.say(name)
    phone.say(person)
    phone.tap("أخ")  # the relationship, from the list
    phone.say(place)
    phone.tap("نعم")  # no safe place tonight
    phone.tap("لا")
    phone.tap("لا")
    phone.tap("لا")
    phone.say(message)
    phone.tap(conversation_texts.text(conversation_texts.AGREE, "ar"))
    phone.tap("نعم")  # the advisor's answers may come on WhatsApp


def social_in_somali(phone: Phone, *, message: str = "Waxaan u baahanahay guri") -> None:
    phone.say("Salaan")
    phone.say("7")  # Soomaali
    phone.say("3")  # social services
    phone.say("Hodan")
    phone.say("maya")
    phone.say("maya")
    danger = phone.say("haa")  # in danger: the form's emergency notice comes with the next
    assert body_of(danger).startswith(conversation_texts.emergency("so", "112"))
    phone.say("maya")
    phone.say("1 3")  # housing, food
    phone.say("Helsinki")
    phone.say(message)
    phone.say("1")  # I agree
    phone.say("2")  # answers not on WhatsApp


def test_a_tracing_request_in_arabic_by_reply_buttons(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    tracing_in_arabic(phone)
    summary = body_of(phone.last())
    assert "سمير" in summary and "حلب" in summary
    assert phone.last()["interactive"]["type"] == "button"
    phone.tap(conversation_texts.text(conversation_texts.SEND, "ar"), expect=1)
    done = phone.received()[-1:]
    case = _case(hooks, HER)
    assert case is not None
    assert (case.kind, case.source, case.language, case.name) == ("tracing", "whatsapp", "ar",
                                                                  "أمل")
    assert case.contact_channel == "whatsapp" and case.whatsapp_proven_at is not None
    assert case.details["persons"][0]["name"] == "سمير"
    assert case.details["persons"][0]["relationship"] == "sibling"
    assert case.details["no_place_tonight"] is True
    assert case.priority == "urgent"  # the answer raised it as the case was made
    assert _consents(hooks, case) == ["process", "search", "whatsapp_answers"]
    assert any(case.reference in body_of(m) for m in done)
    assert _conversations(hooks) == []
    assert _counts(hooks) == {"started": 1, "finished": 1}
    with Session(engine_for(hooks.database_url)) as db:
        lines = db.get(CaseTranscript, case.id).lines
    assert lines[0] == ["client", "مرحبا"] and case.reference in lines[-1][1]
    # Her next message goes to the case the conversation made.
    phone.say("شكرا", expect=0)
    with Session(engine_for(hooks.database_url)) as db:
        bodies = [m.body for m in db.exec(select(CaseMessage).where(
            CaseMessage.case_id == case.id))]
    assert bodies == ["شكرا"]
    from intake.whatsapp_answers import text_allowed

    with Session(engine_for(hooks.database_url)) as db:  # her advisor's answers come here too
        assert text_allowed(db, db.get(Case, case.id))
    print("\n".join(phone.transcript))


def test_a_social_services_request_in_somali_by_typed_answers(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    social_in_somali(phone)
    assert "Helsinki" in body_of(phone.last())
    send = conversation_texts.text(conversation_texts.SEND, "so")
    phone.post(phone._message("text", {"body": send}), expect=1)
    phone.transcript.insert(-1, f"> {send}")
    case = _case(hooks, HER)
    assert case is not None and (case.kind, case.language) == ("social_services", "so")
    assert case.details["topics"] == ["housing", "food"] and case.details["in_danger"] is True
    assert case.area == "091" and case.priority == "urgent"  # Helsinki, by its code
    assert _consents(hooks, case) == ["process"]
    print("\n".join(phone.transcript))


def test_back_and_start_again(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    phone.say("hello")
    phone.say("7")
    phone.say("3")
    asked_name = body_of(phone.last())
    phone.say("Hodan")
    back = conversation_texts.words("back", "so")[0]
    assert body_of(phone.say(back)) == asked_name  # the name again
    phone.say("Hodan Ali")
    again = conversation_texts.words("again", "so")[0]
    assert "🌐" in body_of(phone.say(again))  # the language list again
    phone.say("3")  # English this time
    assert "What is your request about?" in body_of(phone.last())


def test_an_invalid_answer_gets_the_forms_own_error_in_her_language(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    phone.say("مرحبا")
    phone.tap("العربية")
    phone.tap("البحث عن قريب")
    phone.say("أمل")
    phone.say("سمير")
    answer = phone.say("99")  # no such relationship
    with i18n.use_locale("ar"):
        expected = message_for("details.persons.0.relationship", "invalid_choice", {})
    assert body_of(answer).startswith(expected)
    assert expected != message_for("details.persons.0.relationship", "invalid_choice", {})
    long_place = "س" * 201
    phone.tap("أخ")
    answer = phone.say(long_place)
    with i18n.use_locale("ar"):
        too_long = message_for("details.persons.0.last_place", "too_long",
                               {"max": 200, "length": 201})
    assert body_of(answer).startswith(too_long)


def test_the_form_shows_the_same_error_text(browser, hooks):
    from tests.intake.conftest import form_data

    page = browser.send("tracing", form_data("tracing", **{
        "details__persons__0__last_place": "س" * 201}), locale="ar").text
    with i18n.use_locale("ar"):
        too_long = message_for("details.persons.0.last_place", "too_long",
                               {"max": 200, "length": 201})
    assert too_long in page


def test_stop_ends_it_and_keeps_nothing(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    phone.say("hi")
    phone.say("7")
    phone.say("3")
    phone.say("Hodan")
    stop = conversation_texts.words("stop", "so")[0]
    answer = phone.say(stop)
    assert body_of(answer) == conversation_texts.text(conversation_texts.STOPPED, "so")
    assert _conversations(hooks) == [] and _cases(hooks) == []
    assert _counts(hooks) == {"started": 1, "stopped": 1}
    assert "🌐" in body_of(phone.say("hi again"))  # a new one starts


def test_a_conversation_left_for_a_day_expires(client, hooks, cloud_api, use_settings):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    phone.say("hi")
    phone.say("7")
    phone.say("3")
    phone.say("Marker Hodan 7f3a")
    with Session(engine_for(hooks.database_url)) as db:
        dump = str(db.connection().exec_driver_sql("SELECT * FROM whatsapp_conversation").all())
    assert "Marker Hodan" not in dump  # sealed
    assert HER not in dump and HER.lstrip("+") not in dump  # keyed by a hash
    use_settings(**cloud_settings(cloud_api, whatsapp_app_secret=SECRET),
                 frozen_now=NOW + timedelta(hours=25))
    from intake.jobs import forget_conversations

    assert forget_conversations() == 1
    assert _conversations(hooks) == [] and _counts(hooks)["expired"] == 1
    assert "🌐" in body_of(phone.say("3"))  # starts again, from the language


def test_two_numbers_at_once_make_two_cases(client, hooks, cloud_api):  # noqa: F811
    her, other = Phone(client, cloud_api, HER), Phone(client, cloud_api, OTHER)
    for first, second in [("hi", "hello"), ("7", "3"), ("3", "3"), ("Hodan", "Sara")]:
        her.say(first)
        other.say(second)
    assert "Hodan" not in json.dumps(other.received(), ensure_ascii=False)
    for phone in (her, other):
        for answer in ("2", "2", "2", "2", "1", "Tampere", "help please", "1", "2"):
            phone.say(answer)
        phone.post(phone._message("interactive", {"type": "button_reply", "button_reply": {
            "id": "send", "title": "Send"}}), expect=1)
    assert {(c.contact_address, c.name, c.language) for c in _cases(hooks)} == {
        (HER, "Hodan", "so"), (OTHER, "Sara", "en")}


def test_the_same_message_delivered_twice_is_one_answer_and_one_case(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    social_in_somali(phone)
    confirm = phone._message("interactive", {"type": "button_reply", "button_reply": {
        "id": "send", "title": "Dir"}}, message_id="wamid.twice")
    phone.post(confirm, expect=1)
    sent = len(phone.received())
    phone.post(confirm, expect=0)
    phone.post(confirm, expect=0)
    assert len(_cases(hooks)) == 1
    assert len(phone.received()) == sent


FIELDS_COMPARED = ("kind", "language", "name", "contact_channel", "contact_address",
                   "may_leave_message", "contact_windows", "backup_channel", "backup_address",
                   "area", "interpreter_needed", "interpreter_language", "message", "details",
                   "priority", "team_id", "state", "fingerprint")


def test_the_case_equals_the_one_the_web_form_makes(client, hooks, cloud_api, browser):  # noqa: F811
    from intake.conversation import form_fields
    from intake.whatsapp_intake import PURPOSE
    from yhteys import crypto

    phone = Phone(client, cloud_api, HER)
    tracing_in_arabic(phone)
    state = json.loads(crypto.open_text(_conversations(hooks)[0].state, PURPOSE))
    fields = form_fields(state, HER)
    phone.post(phone._message("interactive", {"type": "button_reply", "button_reply": {
        "id": "send", "title": "x"}}), expect=1)
    posted: dict[str, object] = {}
    for name, value in fields:
        posted[name] = [*posted[name], value] if name in posted and isinstance(
            posted[name], list) else ([posted[name], value] if name in posted else value)
    response = browser.send("tracing", posted, locale="ar")
    assert response.status_code == 200, response.text[:500]
    chat, form = _cases(hooks)
    assert (chat.source, form.source) == ("whatsapp", "web")
    for name in FIELDS_COMPARED:
        assert getattr(chat, name) == getattr(form, name), name
    assert _consents(hooks, chat) == _consents(hooks, form)


def test_hostile_text_in_every_answer_stays_inert_on_the_staff_case_page(
    client, hooks, cloud_api, make_team, make_staff, login_fast  # noqa: F811
):
    from tests.triage.test_casework_hostile import ALL, assert_inert
    from triage.casework.models import RoutingRule
    from yhteys.db import get_engine

    team = make_team("Advice")
    with Session(get_engine()) as db:
        db.add(RoutingRule(team_id=team.id))
        db.commit()
    phone = Phone(client, cloud_api, HER)
    tracing_in_arabic(phone, name=ALL[:200], person=ALL[:200], place=ALL[:200], message=ALL)
    phone.post(phone._message("interactive", {"type": "button_reply", "button_reply": {
        "id": "send", "title": "x"}}), expect=1)
    case = _case(hooks, HER)
    assert case is not None
    login_fast(client, make_staff(teams=[team], roles=["advisor", "supervisor"]))
    page = client.get(f"/triage/cases/{case.reference}").text
    assert 'id="h-transcript"' in page  # the guided part, as she saw it
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.split('id="h-transcript"')[1]
    assert_inert(page)


def test_a_case_someone_else_opened_with_her_number_changes_nothing(client, hooks, cloud_api):  # noqa: F811
    from intake import service
    from intake.openapi import EXAMPLES
    from intake.validation import validate

    payload = {**EXAMPLES["other"], "contact_channel": "whatsapp", "contact_address": HER}
    submission = validate(payload, strict=True).submission
    assert submission is not None
    relatives = service.submit(submission, idempotency_key="r" * 32, ui_locale="fi")
    phone = Phone(client, cloud_api, HER)
    # The relative's acknowledgement reaches her number first (a template: only a reference and
    # a link, as before); what follows is hers.
    wait_for(lambda: len(phone.received()) == 1)
    phone.seen = before = 1
    first = phone.say("I am hiding at my friend's place")
    assert body_of(first).startswith("🌐")  # the same as for a number no case names
    social_in_somali(phone, message="Marker for my own request")
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"), expect=1)
    with Session(engine_for(hooks.database_url)) as db:
        theirs = db.exec(select(Case).where(Case.reference == relatives.reference)).one()
        assert theirs.whatsapp_proven_at is None
        assert db.exec(select(CaseMessage).where(CaseMessage.case_id == theirs.id)).all() == []
        hers = db.exec(select(Case).where(Case.source == "whatsapp")).one()
    assert hers.whatsapp_proven_at is not None and hers.id != theirs.id
    assert relatives.reference not in json.dumps(phone.received()[before:], ensure_ascii=False)


def test_anonymising_the_case_empties_its_transcript(client, hooks, cloud_api):  # noqa: F811
    from intake.retention import anonymise_case

    phone = Phone(client, cloud_api, HER)
    social_in_somali(phone)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"), expect=1)
    with Session(engine_for(hooks.database_url)) as db:
        case = db.exec(select(Case)).one()
        assert db.get(CaseTranscript, case.id).lines
        anonymise_case(db, case)
        db.commit()
        assert db.get(CaseTranscript, case.id).lines == []


def test_with_a_proven_case_the_word_for_new_starts_another_request(client, hooks, cloud_api):  # noqa: F811
    phone = Phone(client, cloud_api, HER)
    social_in_somali(phone)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"), expect=1)
    phone.say("mahadsanid", expect=0)  # goes to her case, no answer
    first = _case(hooks, HER)
    assert first is not None
    new = conversation_texts.words("new", "so")[0]
    assert body_of(phone.say(new.upper())).startswith("🌐")
    for typed in ("7", "4", "Hodan", "2", "2", "2", "2", "Su'aal kale", "1", "2"):
        phone.say(typed)
    phone.tap(conversation_texts.text(conversation_texts.SEND, "so"), expect=1)
    phone.say("tan cusub", expect=0)
    with Session(engine_for(hooks.database_url)) as db:
        cases = list(db.exec(select(Case).order_by(col(Case.id))))
        assert [c.kind for c in cases] == ["social_services", "other"]
        bodies = {c.id: [m.body for m in db.exec(select(CaseMessage).where(
            CaseMessage.case_id == c.id))] for c in cases}
    assert bodies == {cases[0].id: ["mahadsanid"], cases[1].id: ["tan cusub"]}


def test_whatsapp_try_walks_the_same_conversation_in_a_terminal():
    import io

    from intake.commands import walk

    typed = ["hi", "#7", "#3", "Hodan", "#2", "#2", "#1", "#2", "1 3", "Helsinki", "Apua",
             "#1", "#2", "#1"]
    out = io.StringIO()
    assert walk(iter(typed), out) == 0
    text = out.getvalue()
    assert "Waxaan ku jiraa khatar" in text and "'housing', 'food'" in text
    assert "consents: ['process']" in text

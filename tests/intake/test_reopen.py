"""The way back to a case without the status link (intake/reopen.py): "Open my request" with the
reference and the contact address, or with a PIN; single-use links in every client notice."""

from __future__ import annotations

import email
import email.policy
import itertools
import logging
import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from intake import reopen, reopen_views
from intake.models import Case, CaseAccess, OpenLink, PinBackoff, StatusKey
from intake.reach import reach
from intake.references import ALPHABET
from notify.models import Notification
from notify.outbox import message_context
from tests.intake.conftest import NOW, form_data, hidden, reference_on, status_link
from yhteys.db import engine_for
from yhteys.migrate import alembic_config
from yhteys.settings import set_settings

OPEN_LINK = re.compile(r"http://testserver(/[a-z]+/open/[A-Za-z0-9_-]{43})")


@pytest.fixture(autouse=True)
def quick_answers(monkeypatch):  # noqa: ANN001, ANN201
    """The padding that hides whether a pair exists is measured in its own test."""
    monkeypatch.setattr(reopen_views, "ANSWER_AFTER_SECONDS", 0.0)


def _send(browser, **changes):  # noqa: ANN001, ANN003, ANN202
    response = browser.send("other", form_data("other", **changes))
    assert response.status_code == 200, response.text[:800]
    return response


def _rows(settings, event: str) -> list[Notification]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        query = select(Notification).where(Notification.event == event).order_by(Notification.id)
        return list(db.exec(query))


def _message(settings, event: str, *, count: int = 1) -> str:  # noqa: ANN001
    """The text of the `count`-th message of `event` the console sink wrote (SMS and WhatsApp
    as text, email as its plain part)."""
    folder = Path(settings.mail_dir)
    for _ in range(200):
        files = sorted(folder.glob(f"*-{event}-*")) if folder.exists() else []
        files = [f for f in files if not f.name.endswith(".tmp")]
        if len(files) >= count:
            raw = files[count - 1].read_bytes()
            if files[count - 1].suffix == ".eml":
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                return parsed.get_body(preferencelist=("plain",)).get_content()
            return raw.decode()
        time.sleep(0.05)
    raise AssertionError(f"no {event} message written")


def _link_in(text: str) -> str:
    match = OPEN_LINK.search(text)
    assert match, f"no single-use link in {text!r}"
    return match.group(1)


def _ask(client, reference: str, address: str, locale: str = "en"):  # noqa: ANN001, ANN202
    page = client.get(f"/{locale}/open")
    return client.post(f"/{locale}/open", data={
        "csrf_token": hidden(page.text, "csrf_token"), "way": "link",
        "reference": reference, "address": address})


def _pin(client, reference: str, pin: str):  # noqa: ANN001, ANN202
    page = client.get("/en/open")
    return client.post("/en/open", data={
        "csrf_token": hidden(page.text, "csrf_token"), "way": "pin",
        "pin_reference": reference, "pin": pin})


def _open(client, path: str):  # noqa: ANN001, ANN202
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    assert "This link works only once" in page.text
    return client.post(path, data={"csrf_token": hidden(page.text, "csrf_token")})


def _same_page(text: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", text)


# --- Open my request: reference + address ----------------------------------------------------


def test_the_start_page_and_every_notice_lead_to_open_my_request(client):
    start = client.get("/fi/").text
    assert 'href="/fi/open"' in start
    page = client.get("/en/open")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'name="reference"' in page.text and 'name="pin"' in page.text


def test_the_right_pair_gets_a_single_use_link_that_opens_the_case(browser, client, settings):
    reference = reference_on(_send(browser, message="marker-right-pair-61ad").text)
    # Typed another way than on the form: the number is normalised before it is compared.
    answer = _ask(client, reference.lower().replace("-", " "), "+358 40 123 45 67")
    assert answer.status_code == 200
    assert "we have sent a link there" in answer.text
    sms = _message(settings, "open_link")
    assert "To: +358401234567" in sms and reference in sms
    path = _link_in(sms)
    opened = _open(client, path)
    assert opened.status_code == 303 and opened.headers["location"] == "/en/my-request"
    assert path.rsplit("/", 1)[1] not in opened.headers["location"]
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    page = client.get("/en/my-request")
    assert page.status_code == 200 and "marker-right-pair-61ad" in page.text
    assert page.headers["cache-control"] == "no-store"
    # Used up: a second opening, by GET or POST, gets the clear page with the way to a new one.
    for again in (client.get(path), client.post(path, data={})):
        assert again.status_code in {403, 410}
    spent = client.get(path)
    assert spent.status_code == 410 and "already used" in spent.text
    assert 'href="/en/open"' in spent.text


def test_writing_from_the_page_opened_by_the_link_reaches_the_case(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _ask(client, reference, "040 123 4567")
    _open(client, _link_in(_message(settings, "open_link")))
    page = client.get("/en/my-request")
    sent = client.post("/en/my-request", data={
        "csrf_token": hidden(page.text, "csrf_token"), "body": "marker-via-key-77c2"})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/en/my-request")
    assert "marker-via-key-77c2" in client.get("/en/my-request").text


def test_files_may_be_sent_from_the_page_opened_by_the_link(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _ask(client, reference, "040 123 4567")
    _open(client, _link_in(_message(settings, "open_link")))
    page = client.get("/en/my-request")
    # Larger than a staff form may be: the status page's own limit applies (files up to 10 MB).
    big = client.post("/en/my-request", data={"csrf_token": hidden(page.text, "csrf_token"),
                                               "body": "x" * 400_000})
    assert big.status_code == 422


def test_a_page_opened_by_a_fresh_key_shows_no_wrong_whatsapp_code(browser, client, settings):
    response = _send(browser, contact_channel="whatsapp", backup_channel="email", pin="402913")
    code = re.search(r"YH-[A-Z0-9]{4}-[A-Z0-9]{4}", response.text).group(0)
    assert _pin(client, reference_on(response.text), "402913").status_code == 303
    page = client.get("/en/my-request").text
    # The code derives from the original link, which only its holder sees: no other code shows.
    assert code not in page and not re.search(r"YH-[A-Z0-9]{4}-[A-Z0-9]{4}", page)


def test_the_original_status_link_keeps_working(browser, client, settings):
    response = _send(browser)
    path = status_link(response.text).replace("http://testserver", "")
    _ask(client, reference_on(response.text), "040 123 4567")
    _open(client, _link_in(_message(settings, "open_link")))
    assert client.get("/en/my-request").status_code == 200
    assert client.get(path).status_code == 200


def test_a_backup_email_in_any_case_opens_it_by_email(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _ask(client, reference, "  Amal.Backup@EXAMPLE.org ")
    mail = _message(settings, "open_link")
    _open(client, _link_in(mail))
    assert client.get("/en/my-request").status_code == 200
    (row,) = _rows(settings, "open_link")
    assert (row.channel, row.recipient) == ("email", "amal.backup@example.org")


def test_a_wrong_pair_gets_the_same_answer_and_nothing_is_sent(browser, client, settings):
    reference = reference_on(_send(browser).text)
    pages = [
        _ask(client, reference, "040 765 4321"),  # another number
        _ask(client, "CDF-HJK-MNP", "040 123 4567"),  # a reference no case has
        _ask(client, reference, "someone@example.org"),  # an address the case does not have
        _ask(client, reference, "not an address"),
        _ask(client, reference, "040 123 4567"),  # the right pair
    ]
    assert {p.status_code for p in pages} == {200}
    assert len({_same_page(p.text) for p in pages}) == 1
    assert len(_rows(settings, "open_link")) == 1


def test_the_answer_takes_as_long_whether_or_not_the_pair_exists(browser, client, monkeypatch):
    monkeypatch.setattr(reopen_views, "ANSWER_AFTER_SECONDS", 0.4)
    reference = reference_on(_send(browser).text)
    timings = {}
    for name, ref in (("exists", reference), ("none", "CDF-HJK-MNP")):
        started = time.monotonic()
        assert _ask(client, ref, "040 123 4567").status_code == 200
        timings[name] = time.monotonic() - started
    assert min(timings.values()) >= 0.4
    assert abs(timings["exists"] - timings["none"]) < 0.25


def test_with_the_database_down_the_answer_says_nothing_was_done(client, monkeypatch):
    def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(reopen, "request_link", down)
    monkeypatch.setattr(reopen, "try_pin", down)
    for answer in (_ask(client, "CDF-HJK-MNP", "040 123 4567"),
                   _pin(client, "CDF-HJK-MNP", "402913")):
        assert answer.status_code == 503 and answer.headers["retry-after"]
        assert "Nothing was saved" in answer.text


def test_a_phone_without_leave_a_message_or_an_unproven_whatsapp_gets_nothing(browser, client,
                                                                                 settings):
    quiet = reference_on(_send(browser, may_leave_message=None, backup_channel="",
                               backup_address_email="").text)
    _ask(client, quiet, "040 123 4567")
    whatsapp = reference_on(_send(browser, contact_channel="whatsapp", backup_channel="",
                                  backup_address_email="").text)
    _ask(client, whatsapp, "040 123 4567")
    assert _rows(settings, "open_link") == []
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == whatsapp)).one()
        case.whatsapp_proven_at = NOW
        db.add(case)
        db.commit()
    _ask(client, whatsapp, "040 123 4567")
    (row,) = _rows(settings, "open_link")
    assert row.channel == "whatsapp"


def test_asking_is_limited_per_reference(browser, client, settings):
    reference = reference_on(_send(browser).text)
    answers = [_ask(client, reference, "040 123 4567") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "retry-after" in answers[-1].headers
    assert len(_rows(settings, "open_link")) == 5


def test_an_expired_link_says_so_and_shows_the_way_to_a_new_one(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _ask(client, reference, "040 123 4567")
    path = _link_in(_message(settings, "open_link"))
    set_settings(replace(settings, frozen_now=NOW + timedelta(minutes=31)))
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text and 'href="/en/open"' in page.text
    form = client.get("/en/open").text
    assert client.post(path, data={"csrf_token": hidden(form, "csrf_token")}).status_code == 410


def test_a_wrong_link_is_the_404_of_any_address(client):
    page = client.get("/en/open/" + "A" * 43)
    assert page.status_code == 404 and 'href="/en/open"' in page.text


def test_my_request_without_a_key_asks_to_open_it_again(client):
    response = client.get("/en/my-request")
    assert response.status_code == 303 and response.headers["location"] == "/en/open?over=1"
    assert "open it here once more" in client.get("/en/open?over=1").text


def test_ending_the_link_ends_the_key_and_a_new_opening_works_again(browser, client, settings):
    response = _send(browser, pin="402913")
    reference = reference_on(response.text)
    path = status_link(response.text).replace("http://testserver", "")
    assert _pin(client, reference, "402913").status_code == 303
    page = client.get("/en/my-request")
    ended = client.post("/en/my-request/end", data={"csrf_token": hidden(page.text,
                                                                          "csrf_token")})
    assert ended.status_code == 200 and "Your link has been ended" in ended.text
    assert client.get(path).status_code == 410
    assert client.get("/en/my-request").status_code == 303
    # "I lost my phone" ends the way in for whoever has it; she gets a new one with her PIN.
    assert _pin(client, reference, "402913").status_code == 303
    assert client.get("/en/my-request").status_code == 200
    assert client.get(path).status_code == 410  # the old link stays ended


# --- The PIN -----------------------------------------------------------------------------------


def test_the_pin_opens_the_case_and_is_kept_only_as_argon2(browser, client, settings):
    response = _send(browser, contact_channel="none", contact_address_phone="",
                     may_leave_message=None, backup_channel="", backup_address_email="",
                     pin="40 29 13",
                     message="marker-pin-case-0b7e")
    reference = reference_on(response.text)
    with Session(engine_for(settings.database_url)) as db:
        (access,) = db.exec(select(CaseAccess)).all()
    assert access.pin_hash.startswith("$argon2id$") and "402913" not in access.pin_hash
    opened = _pin(client, reference.replace("-", ""), "402913")
    assert opened.status_code == 303
    assert "marker-pin-case-0b7e" in client.get("/en/my-request").text


def test_a_pin_that_is_not_six_digits_is_shown_beside_the_field(browser):
    response = browser.send("other", form_data("other", pin="12ab"))
    assert response.status_code == 422
    assert 'id="f-pin-error"' in response.text and 'aria-invalid="true"' in response.text
    assert 'href="#f-pin"' in response.text  # in the error summary too
    assert "12ab" not in response.text


def test_wrong_pins_slow_guessing_but_lock_nobody_out_for_long(browser, client, settings):
    reference = reference_on(_send(browser, pin="402913").text)
    answers = [_pin(client, reference, f"00000{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [422] * 4
    assert "not right" in answers[0].text and "wait" not in answers[0].text
    assert "Please wait about 1 minute" in answers[3].text  # the fourth: 30 seconds
    # Even the right PIN waits now: a guesser gets no answer during the delay.
    waiting = _pin(client, reference, "402913")
    assert waiting.status_code == 429 and "not right" not in waiting.text
    set_settings(replace(settings, frozen_now=NOW + timedelta(seconds=31)))
    assert _pin(client, reference, "402913").status_code == 303
    # The delay doubles, and stops growing at 15 minutes.
    assert [reopen.pin_delay(n) for n in (3, 4, 5, 6)] == [0, 30, 60, 120]
    assert reopen.pin_delay(40) == reopen.PIN_MAX_DELAY == 900


def test_guesses_sent_at_once_cannot_slip_past_the_delay(browser, settings):
    from yhteys.db import session_scope

    reference = reference_on(_send(browser, pin="402913").text)
    start = threading.Barrier(8)
    states: list[str] = []
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        try:
            start.wait()
            for attempt in range(5):
                try:
                    with session_scope() as db:
                        states.append(reopen.try_pin(db, reference, f"10000{n}").state)
                    return
                except OperationalError:  # SQLite: busy; a person would press again
                    time.sleep(0.05 * (attempt + 1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The free tries and the one that starts the delay are checked; every other one waits.
    assert states.count("wrong") == reopen.PIN_FREE_TRIES + 1
    assert states.count("wait") == len(states) - states.count("wrong")


def test_guessing_a_reference_without_a_case_looks_the_same(browser, client, settings):
    reference = reference_on(_send(browser, pin="402913").text)
    seen = {}
    for ref in (reference, "CDF-HJK-MNP"):
        seen[ref] = [(a.status_code, _same_page(a.text).replace(ref, "REF"))
                     for a in (_pin(client, ref, f"00000{n}") for n in range(5))]
    assert seen[reference] == seen["CDF-HJK-MNP"]
    with Session(engine_for(settings.database_url)) as db:
        rows = db.exec(select(PinBackoff)).all()
    assert len(rows) == 2 and all(reference not in r.reference_key for r in rows)


def test_a_case_without_a_pin_is_not_opened_by_any_pin(browser, client):
    reference = reference_on(_send(browser).text)
    assert _pin(client, reference, "000000").status_code == 422


# --- Notices -------------------------------------------------------------------------------------


def test_the_acknowledgement_carries_a_working_single_use_link(browser, client, settings):
    response = _send(browser, message="marker-ack-link-5d1c")
    sms = _message(settings, "case_received")
    assert status_link(response.text) not in sms  # not the status link itself
    _open(client, _link_in(sms))
    assert "marker-ack-link-5d1c" in client.get("/en/my-request").text


def test_no_links_means_the_notice_names_the_reference_and_the_way(browser, settings):
    response = _send(browser, no_links="yes")
    reference = reference_on(response.text)
    sms = _message(settings, "case_received")
    assert reference in sms and "Open my request" in sms
    assert "http" not in sms
    (ack,) = _rows(settings, "case_received")
    assert ack.context["links"] == "none" and ack.sealed == ""
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(OpenLink)).all() == []


def test_the_no_links_choice_is_kept_when_the_form_comes_back(browser):
    response = browser.send("other", form_data("other", no_links="yes", name=""))
    assert response.status_code == 422
    assert re.search(r'name="no_links" value="yes" checked', response.text)


CHANNELS = ("email", "sms", "phone", "whatsapp", "none")
BACKUPS = ("", "email", "sms", "whatsapp")
ADDRESS = {"email": "amal@example.org", "sms": "+358401234567", "phone": "+358401234567",
           "whatsapp": "+358401234567", "none": "", "": ""}
BACKUP_ADDRESS = {"email": "b@example.org", "sms": "+358501234567",
                  "whatsapp": "+358501234567", "": ""}


def test_every_combination_of_channel_choices_gets_the_reply_notice(settings):
    from triage.casework.notices import advisor_replied

    engine = engine_for(settings.database_url)
    combos = itertools.product(CHANNELS, BACKUPS, (False, True), (False, True), (False, True))
    checked = 0
    with Session(engine) as db:
        for n, (contact, backup, leave, proven, no_links) in enumerate(combos):
            case = Case(
                reference=f"CDF-HJK-{ALPHABET[n // 20]}{ALPHABET[n % 20]}3",
                kind="other", language="sv", ui_locale="fi", message="x",
                contact_channel=contact, contact_address=ADDRESS[contact],
                may_leave_message=leave, backup_channel=backup,
                backup_address=BACKUP_ADDRESS[backup], status_secret_hash=f"{n:064d}",
                whatsapp_proven_at=datetime(2026, 12, 1, tzinfo=UTC) if proven else None,
            )
            db.add(case)
            db.flush()
            reopen.record_choice(db, case, reopen.AccessChoice(no_links=no_links))
            expected = reach(case, "advisor_replied")
            assert advisor_replied(db, case, message_id=n) is (expected is not None)
            row = db.exec(select(Notification).where(
                Notification.subject_key == f"message:{n}")).first()
            if expected is None:
                assert row is None
                continue
            assert row is not None and (row.channel, row.recipient) == (
                expected.channel, expected.address)
            values = message_context(row)
            if no_links:
                assert row.sealed == "" and values["links"] == "none"
            else:
                token = values["status_url"].rsplit("/open/", 1)[1]
                assert token not in row.sealed
                assert reopen.link_state(db, token)[1] == "open"
            checked += 1
        db.rollback()
    assert checked > 40


# --- The confirmation page -------------------------------------------------------------------


def test_the_confirmation_offers_to_copy_and_to_send_the_link(browser, client, settings):
    response = _send(browser)
    page = response.text
    assert 'src="/static/js/copy-link.js' in page or "copy-link.js" in page
    assert '<p class="copy-link" hidden>' in page  # without JavaScript: the link to select
    assert "<script>" not in page
    link = status_link(page)
    sent = client.post("/en/open/send", data={
        "csrf_token": hidden(page, "csrf_token"), "status": link.rsplit("/", 1)[1]})
    assert sent.status_code == 200 and "We have sent a link" in sent.text
    assert link in sent.text  # her status link stays in front of her
    rows = _rows(settings, "open_link")
    assert [(r.channel, r.recipient) for r in rows] == [("sms", "+358401234567")]


def test_send_now_with_a_wrong_secret_sends_nothing(client, settings):
    page = client.get("/en/open")
    answer = client.post("/en/open/send", data={
        "csrf_token": hidden(page.text, "csrf_token"), "status": "B" * 43})
    assert answer.status_code == 200 and "could not send" in answer.text
    assert _rows(settings, "open_link") == []


# --- Logs, storage, migration ----------------------------------------------------------------


def test_nothing_personal_or_secret_in_the_log(browser, client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    response = _send(browser, pin="402913", backup_address_email="amal.zq81@example.org")
    reference = reference_on(response.text)
    _ask(client, reference, "040 123 4567")
    _ask(client, reference, "amal.zq81@example.org")
    token = _link_in(_message(settings, "open_link")).rsplit("/", 1)[1]
    _open(client, f"/en/open/{token}")
    _pin(client, reference, "111111")
    _pin(client, reference, "402913")
    secret = status_link(response.text).rsplit("/", 1)[1]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx2")
    # (The reference is no personal data: the routing line names it, as it always has.)
    for private in ("401234567", "amal.zq81", "402913", "111111", token, secret):
        assert private not in logged


def test_only_hashes_of_links_and_keys_are_stored(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _ask(client, reference, "040 123 4567")
    token = _link_in(_message(settings, "open_link")).rsplit("/", 1)[1]
    opened = _open(client, f"/en/open/{token}")
    key = opened.cookies.get(reopen.COOKIE) or client.cookies.get(reopen.COOKIE)
    assert key
    with Session(engine_for(settings.database_url)) as db:
        dump = str(db.exec(select(OpenLink)).all()) + str(db.exec(select(StatusKey)).all())
        dump += str([n.model_dump() for n in db.exec(select(Notification))])
    assert token not in dump and key not in dump


def test_anonymising_forgets_the_pin_links_and_keys(browser, client, settings):
    from intake.retention import anonymise_case

    reference = reference_on(_send(browser, pin="402913").text)
    assert _pin(client, reference, "402913").status_code == 303
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case).where(Case.reference == reference)).one()
        anonymise_case(db, case)
        db.commit()
        for model in (CaseAccess, OpenLink, StatusKey):
            assert db.exec(select(model)).all() == []
    assert client.get("/en/my-request").status_code == 303


def test_the_upkeep_forgets_spent_links_and_idle_backoff(browser, client, settings):
    reference = reference_on(_send(browser).text)
    _pin(client, reference, "000000")
    set_settings(replace(settings, frozen_now=NOW + timedelta(days=40)))
    with Session(engine_for(settings.database_url)) as db:
        assert reopen.forget_spent(db) >= 2
        db.commit()
        assert db.exec(select(OpenLink)).all() == [] and db.exec(select(PinBackoff)).all() == []


@pytest.mark.sqlite_only
def test_the_migration_adds_and_removes_the_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "d8f357743662")  # this revision alone on its line, before any merge
    engine = create_engine(url)
    tables = {"case_access", "open_link", "status_key", "pin_backoff"}
    assert tables <= set(inspect(engine).get_table_names())
    command.downgrade(config, "38ac529eb729")
    assert not tables & set(inspect(engine).get_table_names())
    command.upgrade(config, "heads")
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_page_opened_by_the_pin_keeps_the_key_out_of_every_address(browser, client, settings):
    """Its forms and file links stay under /my-request: the fresh key lives in the cookie only."""
    from tests.intake.test_form_uploads import PDF

    sent_form = _send(browser, pin="402913")
    reference = reference_on(sent_form.text)
    assert "Keep this page's address to yourself" in client.get(status_link(sent_form.text)).text
    assert _pin(client, reference, "402913").status_code == 303
    page = client.get("/en/my-request").text
    assert "/status/" not in page
    assert "Keep this page's address to yourself" not in page  # its address holds no key
    assert 'action="/en/my-request/urgent#help-today"' in page
    sent = client.post("/en/my-request", data={"csrf_token": hidden(page, "csrf_token"),
                                                "body": ""},
                       files=[("files", ("decision.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303
    page = client.get("/en/my-request").text
    [link] = re.findall(r'<a href="(/en/my-request/files/[0-9a-f]+)" download', page)
    download = client.get(link)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")

    raised = client.post("/en/my-request/urgent", data={
        "csrf_token": hidden(page, "csrf_token"), "reason": "no_place_tonight",
        "urgent_body": "marker-tonight-5d1e"})
    assert raised.status_code == 303
    assert raised.headers["location"] == "/en/my-request?urgent=1#help-today"
    with Session(engine_for(settings.database_url)) as db:
        case = db.exec(select(Case)).one()
    assert case.priority == "urgent"

"""The submission service, the secrets and the acknowledgement, below the web layer."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlmodel import Session, select

from intake import references, service
from intake.models import Case
from intake.notifications import queue_acknowledgement
from intake.openapi import EXAMPLES
from intake.validation import validate
from notify.models import Notification
from notify.outbox import message_context
from tests.intake.conftest import all_cases
from yhteys.db import engine_for


def submission(kind: str = "tracing", **changes: object):  # noqa: ANN201
    result = validate({**EXAMPLES[kind], **changes}, strict=True)
    assert result.submission is not None, result.errors.codes()
    return result.submission


def test_reference_codes_use_the_unambiguous_alphabet():
    codes = {references.new_reference() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert references.is_reference(code)
        assert len(code) == 11


def test_status_secret_is_derived_from_the_key_and_the_server_secret(settings, use_settings):
    key = references.new_idempotency_key()
    secret = references.status_secret(key)
    assert references.STATUS_SECRET.match(secret)  # 256 bits, url-safe
    assert secret == references.status_secret(key)
    assert secret != references.status_secret(references.new_idempotency_key())
    use_settings(secret_key="another-secret-key-0123456789abcdef")
    assert references.status_secret(key) != secret


def test_only_hashes_of_the_key_and_secret_are_stored(settings):
    key = references.new_idempotency_key()
    outcome = service.submit(submission(), idempotency_key=key, ui_locale="en")
    case = all_cases(settings)[0]
    assert key not in (case.idempotency_key or "") and outcome.secret != case.status_secret_hash
    assert case.idempotency_key == references.idempotency_hash(key)
    assert case.status_secret_hash == references.secret_hash(outcome.secret)


def test_a_taken_reference_is_drawn_again(settings, monkeypatch):
    first = service.submit(submission(), idempotency_key="k" * 32, ui_locale="en")
    drawn = iter([first.reference, first.reference, "CDF-HJK-MNP"])
    monkeypatch.setattr(service, "new_reference", lambda: next(drawn))
    second = service.submit(submission("other"), idempotency_key="j" * 32, ui_locale="en")
    assert second.reference == "CDF-HJK-MNP"
    assert len(all_cases(settings)) == 2


def test_concurrent_sends_of_one_request_make_one_case(settings):
    key = references.new_idempotency_key()
    sub = submission("family_reunification")
    outcomes: list[service.Outcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def send() -> None:
        try:
            start.wait()
            outcomes.append(service.submit(sub, idempotency_key=key, ui_locale="fi"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(all_cases(settings)) == 1
    assert len({o.reference for o in outcomes}) == 1
    assert len({o.status_url for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1


def test_same_key_other_request_is_a_conflict(settings):
    key = references.new_idempotency_key()
    service.submit(submission(), idempotency_key=key, ui_locale="en")
    with pytest.raises(service.IdempotencyConflict):
        service.submit(submission(message="Different"), idempotency_key=key, ui_locale="en")


@pytest.fixture
def triage_wired() -> None:
    """Triage's handlers subscribed, as every entry point does: a new case is routed, clocked
    and written into history."""
    from triage.hooks import register

    register()


def _row_counts(settings) -> dict[str, int]:  # noqa: ANN001
    from sqlalchemy import func

    from triage.casework.models import CaseClock, CaseEvent

    with Session(engine_for(settings.database_url)) as db:
        return {model.__name__: db.exec(select(func.count()).select_from(model)).one()
                for model in (Case, CaseEvent, CaseClock, Notification)}


def test_a_resent_request_writes_nothing_and_is_not_counted_as_new(settings, triage_wired):
    key = references.new_idempotency_key()
    sub = submission("social_services")
    new_ones: list[str] = []
    first = service.submit(sub, idempotency_key=key, ui_locale="en",
                           when_new=lambda: new_ones.append("first"))
    stored = _row_counts(settings)
    again = service.submit(sub, idempotency_key=key, ui_locale="en",
                           when_new=lambda: new_ones.append("again"))
    assert again.replayed and again.reference == first.reference
    assert again.status_url == first.status_url
    assert new_ones == ["first"]  # the rate limit counts the new case only
    assert min(stored.values()) >= 1
    assert _row_counts(settings) == stored  # no second history, clock or acknowledgement


def test_a_refusal_when_new_leaves_no_case(settings, triage_wired):
    class Refused(Exception):
        pass

    def refuse() -> None:
        raise Refused

    with pytest.raises(Refused):
        service.submit(submission(), idempotency_key=references.new_idempotency_key(),
                       ui_locale="en", when_new=refuse)
    assert set(_row_counts(settings).values()) == {0}


def test_what_was_decided_for_a_resent_request_is_dropped(settings, triage_wired):
    from triage.casework.arrival import _DECIDED

    key = references.new_idempotency_key()
    sub = submission()
    service.submit(sub, idempotency_key=key, ui_locale="en")
    with Session(engine_for(settings.database_url)) as session:
        outcome = service.submit_in(session, sub, idempotency_key=key, ui_locale="en",
                                    source="web")
        assert outcome.replayed
        assert session.info.get(_DECIDED) == {}  # nothing of it waits for a later case
        session.rollback()


def test_case_created_runs_in_the_same_transaction(settings):
    from intake import events

    seen = []

    def handler(session, case):  # noqa: ANN001, ANN202
        seen.append(session.get(Case, case.id).reference)
        raise RuntimeError("routing failed")

    events.on_case_created(handler)
    try:
        with pytest.raises(RuntimeError):
            service.submit(submission(), idempotency_key="x" * 32, ui_locale="en")
    finally:
        events._case_created.remove(handler)
    assert len(seen) == 1
    assert all_cases(settings) == []  # rolled back with the handler's failure
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(Notification)).all() == []


def test_acknowledgement_carries_only_the_reference_and_link(settings):
    with Session(engine_for(settings.database_url)) as db:
        case = Case(
            reference="CDF-HJK-MNP",
            kind="other",
            language="sv",
            ui_locale="fi",
            name="Secret Name",
            contact_channel="phone",
            contact_address="+358401234567",
            may_leave_message=True,
            backup_channel="phone",
            backup_address="+358501234567",
            message="very private",
            status_secret_hash="0" * 64,
        )
        db.add(case)
        db.flush()
        row_id = queue_acknowledgement(db, case, locale="sv")
        assert row_id is not None
        row = db.get(Notification, row_id)
        assert row is not None
        assert (row.event, row.channel, row.recipient, row.locale) == (
            "case_received",
            "sms",
            "+358401234567",
            "sv",
        )
        assert row.context == {"reference": "CDF-HJK-MNP"}  # the link rests only sealed
        link = message_context(row)["status_url"]
        assert link.startswith("http://testserver/sv/open/")  # a single-use link to the case
        assert link.rsplit("/", 1)[1] not in row.sealed
        assert row.fallback == [["sms", "+358501234567"]]
        db.rollback()


def test_the_client_language_is_used_when_offered(settings):
    outcome = service.submit(
        submission("other", language="sv"), idempotency_key="s" * 32, ui_locale="en"
    )
    assert "/sv/status/" in outcome.status_url


def test_no_personal_data_in_the_log(browser, caplog):
    from tests.intake.conftest import form_data

    caplog.set_level(logging.DEBUG)
    data = form_data("tracing", name="Zainab Unique", message="My secret story")
    response = browser.send("tracing", data)
    assert response.status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for private in ("Zainab Unique", "My secret story", "401234567", "Karim", "/status/"):
        assert private not in logged

"""Small helpers shared by the notification tests."""

from __future__ import annotations

from sqlmodel import Session

from notify.models import Notification
from notify.outbox import queue_notification
from yhteys.db import get_engine

REFERENCE = "K7M-4QX-P9T"
STATUS_URL = "http://testserver/fi/status/K7M-4QX-P9T#s3cr3t-link-token"
STAFF_URL = f"http://testserver/triage/cases/{REFERENCE}"


def client_context(reference: str = REFERENCE) -> dict[str, str]:
    return {"reference": reference, "status_url": f"http://testserver/fi/status/{reference}#tok"}


def queue(session: Session, **overrides) -> Notification:  # noqa: ANN003
    values: dict = {
        "event": "case_received",
        "channel": "email",
        "recipient": "client@example.org",
        "locale": "fi",
        "subject_key": f"case:{overrides.get('reference', REFERENCE)}",
        "context": {"reference": REFERENCE},
        "sealed": {"status_url": STATUS_URL},
    }
    overrides.pop("reference", None)
    values.update(overrides)
    context = values["context"]
    if "/status/" in context.get("status_url", ""):  # a status link only travels sealed
        values["sealed"] = {"status_url": context.pop("status_url")}
    if values["event"] not in ("case_received", "advisor_replied"):
        values.pop("sealed", None)
    row = queue_notification(session, **values)
    assert row is not None
    session.commit()
    return row


def fresh(row_id: int) -> Notification:
    with Session(get_engine()) as session:
        row = session.get(Notification, row_id)
        assert row is not None
        session.expunge(row)
        return row

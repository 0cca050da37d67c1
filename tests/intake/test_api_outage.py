"""A database outage answers 503 with Retry-After, and leaves nothing lost or half-saved.

Real PostgreSQL, really unreachable: the app gets a database of its own, whose connections are
then terminated and new ones refused (ALLOW_CONNECTIONS false), and finally allowed again.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, select

from intake.models import Case
from notify.models import Notification
from tests.conftest import PG_ADMIN_URL, require_service
from tests.intake.partner_helpers import issue_key
from tests.intake.test_api import body
from yhteys.db import engine_for

pytestmark = pytest.mark.postgres


def _admin(sql: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


@pytest.fixture
def own_database() -> Iterator[tuple[str, str]]:
    """A migrated PostgreSQL database only this test uses: (url, name)."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgres":
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE=postgres)")
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from yhteys.migrate import upgrade

    name = f"yhteys_outage_{os.getpid()}_{secrets.token_hex(3)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url, name
    finally:
        engine_for(url).dispose()
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cut_off(name: str) -> None:
    _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
           f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")


def counts(url: str) -> tuple[int, int]:
    with Session(engine_for(url)) as db:
        cases = db.exec(select(func.count()).select_from(Case)).one()
        rows = db.exec(select(func.count()).select_from(Notification)).one()
    return int(cases), int(rows)


def test_a_database_outage_answers_503_and_the_retry_makes_the_case_once(
    client, use_settings, own_database
):
    url, name = own_database
    use_settings(database_url=url)
    token, _key = issue_key()
    headers = {"authorization": f"Bearer {token}"}
    first = client.post("/api/v1/cases", json=body("other", message="Before the outage"),
                        headers={**headers, "idempotency-key": str(uuid.uuid4())})
    assert first.status_code == 201, first.text

    cut_off(name)
    key = str(uuid.uuid4())
    request = body("tracing", message="During the outage")
    # Pooled connections were killed; then no new connection is accepted: both are 503.
    for _attempt in range(2):
        response = client.post("/api/v1/cases", json=request,
                               headers={**headers, "idempotency-key": key})
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
        problem = response.json()
        assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
        assert problem["retry_after"] == int(response.headers["retry-after"])

    _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert counts(url) == (1, 1)  # nothing of the refused request was saved

    retried = client.post("/api/v1/cases", json=request,
                          headers={**headers, "idempotency-key": key})
    assert retried.status_code == 201, retried.text
    assert counts(url) == (2, 2)  # the case and its acknowledgement, once
    again = client.post("/api/v1/cases", json=request, headers={**headers, "idempotency-key": key})
    assert again.json() == retried.json()
    assert counts(url) == (2, 2)

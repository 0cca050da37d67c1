"""A database out of reach never costs a person what they typed.

The form comes back with every answer kept, a notice that NOTHING was saved and to try again in a
few minutes, status 503 and Retry-After. The failures are real: a PostgreSQL database that stops
accepting connections (its open ones terminated), and an SQLite file that cannot be opened.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from intake.models import Case
from tests.intake.conftest import form_data, hidden, status_link
from yhteys.db import engine_for

TYPED = "I need advice, please.\nThank you."


def _assert_kept_and_not_saved(response, notice: str) -> None:  # noqa: ANN001
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "no-store" in response.headers["cache-control"]
    page = response.text
    assert notice in page
    assert 'value="Amal"' in page
    assert "I need advice, please.\nThank you.</textarea>" in page
    assert 'value="040 123 4567"' in page
    assert "amal.backup@example.org" in page
    assert "Please attach your files again" in page


def _cases(url: str) -> list[Case]:
    with Session(engine_for(url)) as db:
        return list(db.exec(select(Case)))


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def own_pg_database(settings, use_settings):  # noqa: ANN001, ANN201
    """A migrated PostgreSQL database of this test's own, which the test may take away."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL outage runs in the PostgreSQL pass (TEST_DATABASE=postgres)")
    from tests.conftest import PG_ADMIN_URL, _create_pg_database, _drop_pg_database
    from yhteys.migrate import upgrade

    url = _create_pg_database()
    upgrade(url)
    use_settings(database_url=url)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        yield url, admin
    finally:
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        _drop_pg_database(url)


def _take_away(admin, url: str) -> None:  # noqa: ANN001
    """No new connections, and the open ones (the app's pool) cut off, as in a database outage."""
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )


def _bring_back(admin, url: str) -> None:  # noqa: ANN001
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


@pytest.mark.postgres
def test_postgresql_out_of_reach_keeps_everything_typed(browser, own_pg_database):
    url, admin = own_pg_database
    page = browser.open("other").text
    assert _cases(url) == []  # the app's pool has live connections to this database now
    _take_away(admin, url)

    files = [("files", ("passi.png", _png(), "image/png"))]
    refused = browser.send("other", form_data("other"), page=page, files=files)
    _assert_kept_and_not_saved(refused, "Nothing was saved")
    assert "try again in a few minutes" in refused.text

    _bring_back(admin, url)
    assert _cases(url) == []  # NOTHING was saved
    # The page shown again is sent again, and this time it goes through, once.
    sent = browser.send("other", form_data("other"), page=refused.text)
    assert sent.status_code == 200
    assert len(_cases(url)) == 1


@pytest.mark.postgres
def test_a_status_message_is_kept_when_postgresql_goes_away(
    browser, client, own_pg_database, monkeypatch
):
    url, admin = own_pg_database
    confirmation = browser.send("other", form_data("other"))
    path = status_link(confirmation.text).replace("http://testserver", "")
    page = client.get(path).text
    from intake import service

    real = service.add_client_message

    def outage_then_write(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        _take_away(admin, url)  # the page was read; the database goes before the write
        return real(*args, **kwargs)

    # Only the timing is arranged: the outage itself is real.
    monkeypatch.setattr(service, "add_client_message", outage_then_write)
    refused = client.post(
        path, data={"csrf_token": hidden(page, "csrf_token"), "body": "My new address."}
    )
    assert refused.status_code == 503
    assert "My new address.</textarea>" in refused.text
    assert "Nothing was saved" in refused.text


# --- SQLite, and the words in every language -----------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "notice"),
    [
        ("en", "Nothing was saved"),
        ("fi", "Mitään ei tallennettu"),
        ("sv", "Ingenting sparades"),
    ],
)
def test_a_database_that_cannot_be_opened_keeps_everything_typed(
    browser, settings, use_settings, tmp_path, locale, notice
):
    page = browser.open("other", locale).text
    # A folder where the database file should be: every connection fails, for real.
    use_settings(database_url=f"sqlite:///{tmp_path}")
    refused = browser.send(
        "other", form_data("other"), page=page, locale=locale,
        files=[("files", ("passi.png", _png(), "image/png"))],
    )
    _assert_kept_and_not_saved_in(refused, notice, locale)
    use_settings(database_url=settings.database_url)
    assert _cases(settings.database_url) == []


def _png() -> bytes:
    from tests.intake.test_attachments import png_bytes

    return png_bytes()


def _assert_kept_and_not_saved_in(response, notice: str, locale: str) -> None:  # noqa: ANN001
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    page = response.text
    assert notice in page
    assert 'value="Amal"' in page
    assert "I need advice, please.\nThank you.</textarea>" in page
    assert hidden(page, "idempotency_key")  # the same request, when it is sent again


def test_a_status_page_asked_for_while_the_database_is_away_says_so(
    browser, client, settings, use_settings, tmp_path
):
    sent = browser.send("other", form_data("other"))
    path = status_link(sent.text).replace("http://testserver", "")
    use_settings(database_url=f"sqlite:///{tmp_path}")
    response = client.get(path)
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "Nothing you sent is lost" in response.text
    use_settings(database_url=settings.database_url)
    assert client.get(path).status_code == 200

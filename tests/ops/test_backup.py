"""A backup restores into a new database and upload folder with every case, message, file and
notification intact, and a status link made before the backup still opens its page."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlmodel import Session
from starlette.testclient import TestClient

from intake.attachments import AttachmentError, open_attachment
from intake.models import Attachment, Case, CaseMessage
from notify.models import Notification
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.intake.conftest import form_data, hidden, reference_on, status_link
from tests.intake.test_form_uploads import PDF, png
from yhteys import backup
from yhteys.cli import main
from yhteys.crypto import new_key
from yhteys.db import engine_for
from yhteys.settings import set_settings

TABLES = (Case, CaseMessage, Attachment, Notification)


def _rows(url: str) -> dict[str, list[dict]]:
    with Session(engine_for(url)) as db:
        return {
            model.__tablename__: [
                row._asdict() for row in db.execute(
                    select(*model.__table__.columns).order_by(model.__table__.c.id))  # type: ignore[attr-defined]
            ]
            for model in TABLES
        }


def _seed(browser, client) -> list[tuple[str, str]]:  # noqa: ANN001
    """Two cases with files, one with a client message and a file of its own."""
    links = []
    first = browser.send("other", form_data("other", message="marker-first-7d2a"),
                         files=[("files", ("photo.png", png(), "image/png"))])
    second = browser.send("tracing", form_data("tracing"),
                          files=[("files", ("permit.pdf", PDF, "application/pdf"))])
    for response in (first, second):
        assert response.status_code == 200, response.text[:500]
        links.append((status_link(response.text).replace("http://testserver", ""),
                      reference_on(response.text)))
    path = links[0][0]
    page = client.get(path).text
    sent = client.post(path, data={"csrf_token": hidden(page, "csrf_token"),
                                   "body": "marker-reply-51b0"},
                       files=[("files", ("decision.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303
    return links


@pytest.fixture
def fresh_database(settings, tmp_path: Path):  # noqa: ANN001, ANN201
    """An empty database of the same kind, never migrated."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path / 'restored' / 'yhteys.db'}"
        return
    url = _create_pg_database()
    try:
        yield url
    finally:
        engine_for(url).dispose()
        _drop_pg_database(url)


def test_a_restore_brings_back_every_case_message_file_and_notification(
        browser, quiet_client, settings, fresh_database, tmp_path):  # noqa: ANN001
    links = _seed(browser, quiet_client)
    before = _rows(settings.database_url)
    assert [len(before[t]) for t in ("case", "case_message", "attachment")] == [2, 1, 3]
    assert before["notification"], "the acknowledgements are in the outbox"
    files = {a["id"]: open_attachment(Attachment(**a)) for a in before["attachment"]}

    folder = tmp_path / "backup"
    manifest = backup.backup(folder)
    assert manifest["tables"]["case"] == 2 and manifest["upload_files"] == 3
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", "uploads.tar",
         "database.sqlite3" if settings.is_sqlite else "database.pgdump"])

    restored = replace(settings, database_url=fresh_database,
                       upload_dir=tmp_path / "restored-uploads")
    set_settings(restored)
    try:
        backup.restore(folder)
        assert _rows(fresh_database) == before
        for row in _rows(fresh_database)["attachment"]:
            assert open_attachment(Attachment(**row)) == files[row["id"]]

        from yhteys.app import create_app

        fresh = TestClient(create_app(restored), base_url="http://testserver",
                           follow_redirects=False)
        for path, reference in links:
            page = fresh.get(path)
            assert page.status_code == 200
            assert reference in page.text
        assert "marker-reply-51b0" in fresh.get(links[0][0]).text

        # The key is not in the backup: with another one the files stay shut.
        set_settings(replace(restored, data_keys=(new_key(),)))
        with pytest.raises(AttachmentError):
            open_attachment(Attachment(**before["attachment"][0]))
    finally:
        set_settings(settings)
        engine_for(fresh_database).dispose()


def test_restore_refuses_a_database_or_upload_folder_in_use(browser, quiet_client, settings,
                                                            fresh_database, tmp_path):  # noqa: ANN001
    _seed(browser, quiet_client)
    folder = tmp_path / "backup"
    backup.backup(folder)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(folder)  # the database the backup came from
    assert len(_rows(settings.database_url)["case"]) == 2
    set_settings(replace(settings, database_url=fresh_database))  # the old upload folder
    try:
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(folder)
        assert inspect(engine_for(fresh_database)).get_table_names() == []
    finally:
        set_settings(settings)


def test_the_command_writes_a_manifest_and_never_a_key(browser, quiet_client, settings, tmp_path,
                                                       capsys):  # noqa: ANN001
    _seed(browser, quiet_client)
    folder = tmp_path / "by-command"
    assert main(["backup", "--to", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "case: 2" in out and "DATA_KEYS" in out
    assert oct(os.stat(folder).st_mode)[-3:] == "700"
    secret = settings.secret_key.encode()
    for path in folder.iterdir():
        assert secret not in path.read_bytes(), path.name
    assert main(["backup", "--to", str(folder)]) == 1  # never over an existing backup
    assert (folder / "manifest.json").is_file()  # and the existing one is left alone
    assert main(["restore", "--from", str(folder)]) == 1  # never over a database in use
    assert "not empty" in capsys.readouterr().err
    # A changed file is caught before anything is restored.
    (folder / "uploads.tar").write_bytes(b"tampered")
    with pytest.raises(backup.BackupError, match="differs"):
        backup.read_manifest(folder)


def test_a_failed_backup_leaves_nothing_that_passes_for_one(settings, tmp_path):  # noqa: ANN001
    folder = tmp_path / "failed"
    set_settings(replace(settings, database_url=f"sqlite:///{tmp_path / 'missing.db'}"))
    try:
        with pytest.raises(backup.BackupError, match="no SQLite database"):
            backup.backup(folder)
    finally:
        set_settings(settings)
    assert list(folder.iterdir()) == []

"""Attachments are sealed on disk with DATA_KEYS; staff downloads open them; keys rotate.

The real upload folder, the real database (SQLite and PostgreSQL), the real staff download route.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlmodel import Session, select

from intake import attachments
from intake.attachments import open_attachment, reseal_all
from intake.models import Attachment
from intake.storage import LocalStorage, storage
from tests.intake.conftest import all_cases, form_data
from tests.triage.conftest import login_fast, make_staff  # noqa: F401 - fixtures
from yhteys import crypto
from yhteys.db import engine_for

KEY_1 = crypto.new_key()
KEY_2 = crypto.new_key()


def photo() -> bytes:
    """A photo with a pattern and a comment naming a place: neither may be readable on disk."""
    image = Image.new("RGB", (96, 64), (10, 120, 200))
    for x in range(0, 96, 8):
        image.paste((250, 250, 250), (x, 0, x + 3, 64))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _rows(settings) -> list[Attachment]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Attachment).order_by(Attachment.id)))


def _on_disk(row: Attachment) -> bytes:
    return storage().open(row.storage_key)


def _windows(data: bytes, size: int = 16) -> set[bytes]:
    return {data[i : i + size] for i in range(0, len(data) - size, 7)}


def test_the_bytes_on_disk_carry_no_trace_of_the_upload(browser, settings, use_settings):
    use_settings(data_keys=(KEY_1,))
    sent = photo()
    files = [("files", ("passport.png", sent, "image/png"))]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 200, response.text[:300]
    (row,) = _rows(settings)
    blob = _on_disk(row)
    assert blob.startswith(crypto.MAGIC)
    assert b"PNG" not in blob and b"IHDR" not in blob and b"IDAT" not in blob
    clean = open_attachment(row)
    assert hashlib.sha256(clean).hexdigest() == row.sha256
    # No 16-byte stretch of what was sent, or of the cleaned copy, appears on disk.
    assert not any(w in blob for w in _windows(sent) | _windows(clean))
    assert Image.open(io.BytesIO(clean)).size == (96, 64)


def test_a_staff_download_returns_the_original(
    browser, client, settings, use_settings, make_staff, login_fast  # noqa: F811
):
    use_settings(data_keys=(KEY_1,))
    files = [("files", ("passport.png", photo(), "image/png"))]
    browser.send("other", form_data("other"), files=files)
    (case,) = all_cases(settings)
    (row,) = _rows(settings)
    supervisor = make_staff(roles=("supervisor",))
    login_fast(client, supervisor)
    response = client.get(f"/triage/cases/{case.reference}/attachments/{row.id}")
    assert response.status_code == 200
    assert response.content == open_attachment(row)
    assert hashlib.sha256(response.content).hexdigest() == row.sha256
    assert response.content.startswith(b"\x89PNG")
    assert response.headers["content-disposition"].startswith("attachment;")


def _plain_row(session: Session, data: bytes) -> Attachment:
    """A file stored before encryption at rest: plain bytes in the folder."""
    from tests.intake.test_attachments import _case

    case = _case()
    session.add(case)
    session.flush()
    row = Attachment(
        case_id=case.id, storage_key=storage().save(data), filename="old.pdf",
        content_type="application/pdf", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(row)
    session.commit()
    return row


def test_legacy_plain_files_still_open_and_rotation_seals_them(session, use_settings):
    use_settings(data_keys=(KEY_1,))
    legacy = b"%PDF-1.4 stored before encryption\n%%EOF\n"
    row = _plain_row(session, legacy)
    assert open_attachment(row) == legacy
    counts = reseal_all(session)
    assert (counts.resealed, counts.current, counts.missing, counts.failed) == (1, 0, 0, 0)
    blob = _on_disk(row)
    assert crypto.is_sealed(blob) and b"stored before encryption" not in blob
    assert open_attachment(row) == legacy


def test_rotation_reseals_files_sealed_with_an_old_key(session, use_settings):
    from tests.intake.test_attachments import _case, _files

    use_settings(data_keys=(KEY_1,))
    case = _case()
    session.add(case)
    session.commit()
    rows = attachments.save(session, case.id, _files())
    session.commit()
    expected = [open_attachment(r) for r in rows]

    use_settings(data_keys=(KEY_2, KEY_1))  # a new key first; the old one still opens
    assert all(crypto.needs_reseal(_on_disk(r)) for r in rows)
    counts = reseal_all(session)
    assert (counts.resealed, counts.current) == (2, 0)
    assert not any(crypto.needs_reseal(_on_disk(r)) for r in rows)
    assert reseal_all(session).current == 2  # a second run has nothing to do

    use_settings(data_keys=(KEY_2,))  # the old key dropped: everything still opens
    assert [open_attachment(r) for r in rows] == expected


def test_a_file_sealed_with_a_dropped_key_is_refused_not_handed_out(session, use_settings):
    from tests.intake.test_attachments import _case, _files

    use_settings(data_keys=(KEY_1,))
    case = _case()
    session.add(case)
    session.commit()
    (row, _) = attachments.save(session, case.id, _files())
    session.commit()
    use_settings(data_keys=(KEY_2,))
    with pytest.raises(attachments.AttachmentError) as refused:
        open_attachment(row)
    assert refused.value.code == "unreadable"


def test_the_rotate_keys_command(session, use_settings, capsys):
    from yhteys.cli import main

    use_settings(data_keys=(KEY_1,))
    _plain_row(session, b"%PDF-1.4 legacy\n%%EOF\n")
    assert main(["rotate-keys"]) == 0
    out = capsys.readouterr().out
    assert "1 resealed" in out
    assert main(["rotate-keys"]) == 0
    assert "0 resealed" in capsys.readouterr().out


def test_sweep_and_retention_delete_sealed_files(session, use_settings):
    import os

    from tests.intake.test_attachments import _case, _files

    use_settings(data_keys=(KEY_1,))
    case = _case()
    session.add(case)
    session.commit()
    rows = attachments.save(session, case.id, _files())
    session.commit()
    orphan = storage().save(crypto.seal(b"left by a crash", attachments.PURPOSE))
    path = LocalStorage(storage().root).path(orphan)  # type: ignore[attr-defined]
    os.utime(path, (path.stat().st_mtime - 2 * 86400,) * 2)
    assert attachments.sweep_orphans(session) == 1
    attachments.delete(session, rows)
    session.commit()
    assert list(storage().keys()) == []

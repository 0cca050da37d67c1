"""Attachments a person sends with a case: read, check, clean, store.

The type is decided from the content (magic bytes and a real parse), never from the file name or
the browser's content type. Cheap checks come first (`check`: size, magic bytes, the shape of a
PDF, a picture's dimensions from its header); only a file that passed them is decoded, in a
sandboxed worker process (intake/sandbox.py, intake/cleaning.py): pictures are encoded again,
which drops location data and anything hidden after the image; PDFs are rewritten without
scripts, actions, embedded files and metadata. Files are sealed (yhteys/crypto.py) and written
before the database rows; if the transaction rolls back, the files are deleted again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from intake.models import Attachment
from intake.storage import Storage, storage
from yhteys import crypto
from yhteys.settings import get_settings

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
    "too_complex": "The file is too big to open.",
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
            "too_complex": _("The file is too big to open. Try a smaller photo or a shorter "
                             "file."),
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

    The cheap checks (`check`) run here; the decoding and cleaning in a sandboxed worker process.
    HEIC photos come back as JPEG (image/jpeg, ".jpg"): staff computers open JPEG everywhere,
    and the re-encoding drops the photo's metadata.
    """
    return clean(filename, check(data, filename), data)


def check(data: bytes, filename: str = "") -> str:
    """The cheap checks, without decoding anything: size, type from the magic bytes, the shape of
    a PDF, a picture's dimensions from its header. Returns the sniffed type."""
    try:
        if not data:
            raise AttachmentError("empty")
        if len(data) > MAX_BYTES:
            raise AttachmentError("too_large")
        kind = sniff(data)
        if kind is None:
            raise AttachmentError("type_not_allowed")
        if kind == "application/pdf":
            _check_pdf(data)
        elif header_pixels(kind, data) > MAX_PIXELS:
            raise AttachmentError("too_complex")
    except AttachmentError as exc:
        exc.filename = filename
        raise
    return kind


def clean(filename: str, kind: str, data: bytes, timeout: float | None = None) -> CleanFile:
    """The costly part, for a file that passed `check`: decoded and cleaned in the sandbox
    (killed after `timeout` seconds, or the sandbox's own TIMEOUT, whichever is shorter)."""
    from intake import sandbox

    try:
        content_type, cleaned = sandbox.clean(kind, data, timeout=timeout)
        # The worker decoded hostile bytes: its answer is checked like any input would be.
        if content_type != _CLEANED_TYPE[kind] or sniff(cleaned) != content_type:
            log.error("attachment worker answered with something else than a clean %s", kind)
            raise AttachmentError("too_complex")
    except AttachmentError as exc:
        exc.filename = filename
        raise
    if content_type == "application/pdf" and get_settings().keep_original_pdf:
        cleaned = data  # checked and opened like any other, but kept as sent (KEEP_ORIGINAL_PDF)
    return CleanFile(
        data=cleaned,
        content_type=content_type,
        filename=safe_filename(filename, EXTENSIONS[content_type]),
        sha256=hashlib.sha256(cleaned).hexdigest(),
        size=len(cleaned),
    )


# What the worker turns each sniffed type into (HEIC photos become JPEG).
_CLEANED_TYPE = {
    "application/pdf": "application/pdf",
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/heic": "image/jpeg",
}


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


# What other formats put where their readers look: HTML and SVG at the start (browsers sniff the
# first bytes), a ZIP's end record near the end (zip readers search back from the end).
# (Not "<?xml": an honest PDF may carry its XMP metadata, uncompressed, near the start.)
_MARKUP = re.compile(rb"<(?:!doctype|html|head|body|script|svg|iframe)", re.IGNORECASE)
_ZIP_END = b"PK\x05\x06"
_PDF_TRAILING = b"\x00\t\n\x0c\r "


def _check_pdf(data: bytes) -> None:
    """A whole PDF and nothing else: it ends with %%EOF (after whitespace at most), and no other
    format hides in the places its readers look. Content before %PDF- fails `sniff`."""
    end = data.rstrip(_PDF_TRAILING)
    if not end.endswith(b"%%EOF"):
        # Cut short, or something (a ZIP, a script, another file) appended after the end.
        raise AttachmentError("unreadable" if b"%%EOF" not in data else "type_not_allowed")
    if _MARKUP.search(data[:1024]) or _ZIP_END in data[-(65_536 + 22) :]:
        raise AttachmentError("type_not_allowed")


def header_pixels(kind: str, data: bytes) -> int:
    """Width × height as the file's header announces them, without decoding any pixel.

    Small readers of our own, bounded in the segments and boxes they walk (a header made of a
    million tiny segments costs nothing): PNG's first chunk, a JPEG's frame header, the 'ispe'
    properties of a HEIF's 'meta' box. AttachmentError "unreadable" when the header says nothing
    usable.
    """
    if kind == "image/png":
        return _png_pixels(data)
    if kind == "image/jpeg":
        return _jpeg_pixels(data)
    return _heif_pixels(data)


# Honest files have a few dozen segments or boxes before their size; more is a crafted header.
_MAX_SEGMENTS = 512


def _png_pixels(data: bytes) -> int:
    if len(data) < 24 or data[12:16] != b"IHDR":  # IHDR must come first
        raise AttachmentError("unreadable")
    return int.from_bytes(data[16:20], "big") * int.from_bytes(data[20:24], "big")


_FILL = re.compile(rb"\xff+")
# Start-of-frame markers (every coding process); C4, C8 and CC share the range but are not frames.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_pixels(data: bytes) -> int:
    at = 2  # after SOI
    for _ in range(_MAX_SEGMENTS):
        fill = _FILL.match(data, at)  # a marker is 0xFF (after any number of 0xFF fill bytes)
        if fill is None or fill.end() + 2 > len(data):
            break
        at = fill.end() - 1
        marker = data[at + 1]
        if marker in _SOF:
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            if at + 9 > len(data) or not height or not width:
                break
            return width * height
        if marker in {0xD9, 0xDA}:  # the end, or image data, before any frame header
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2:
            break
        at += 2 + length
    raise AttachmentError("unreadable")


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO-BMFF boxes between start and end: (type, body start, body end)."""
    at = start
    for _ in range(_MAX_SEGMENTS):
        if at + 8 > end:
            return
        size = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        body = at + 8
        if size == 1 and at + 16 <= end:
            size = int.from_bytes(data[at + 8 : at + 16], "big")
            body = at + 16
        elif size == 0:
            size = end - at
        if size < body - at or at + size > end:
            return
        yield kind, body, at + size
        at += size


def _heif_pixels(data: bytes) -> int:
    """The largest width × height among the 'ispe' properties of the 'meta' box."""
    for kind, body, end in _boxes(data, 0, len(data)):
        if kind == b"meta":
            largest = 0
            at = data.find(b"ispe", body + 4, end)  # meta is a full box: 4 bytes of version
            for _ in range(_MAX_SEGMENTS):
                if at == -1 or at + 16 > end:
                    break
                width = int.from_bytes(data[at + 8 : at + 12], "big")
                height = int.from_bytes(data[at + 12 : at + 16], "big")
                largest = max(largest, width * height)
                at = data.find(b"ispe", at + 4, end)
            if largest:
                return largest
            break
    raise AttachmentError("unreadable")


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

PURPOSE = "attachment"  # binds a sealed file to this use (yhteys/crypto.py)

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
        # Sealed: the upload folder (and its backups) hold ciphertext only; the key is DATA_KEYS.
        key = store.save(crypto.seal(file.data, PURPOSE))
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
    """The file's bytes, opened from their sealed copy (or a legacy plain file) and checked
    against the hash taken when they were accepted."""
    data = _unseal(storage().open(attachment.storage_key), attachment)
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        log.error("attachment %s does not match its hash", attachment.id)
        raise AttachmentError("unreadable", attachment.filename)
    return data


def _unseal(blob: bytes, attachment: Attachment) -> bytes:
    if not crypto.is_sealed(blob):
        return blob  # stored before encryption at rest; `yhteys rotate-keys` seals it
    try:
        return crypto.open_sealed(blob, PURPOSE)
    except crypto.CryptoError:
        log.error("attachment %s cannot be opened with DATA_KEYS", attachment.id)
        raise AttachmentError("unreadable", attachment.filename) from None


@dataclass
class ResealCount:
    resealed: int = 0
    current: int = 0
    missing: int = 0
    failed: int = 0


def reseal_all(session: Session) -> ResealCount:
    """Seal with the current key every stored file that is plain or sealed with an older key
    (after a new key is put first in DATA_KEYS). Safe to run again: current files are skipped."""
    from sqlmodel import col, select

    store = storage()
    count = ResealCount()
    for attachment in session.scalars(select(Attachment).order_by(col(Attachment.id))):
        try:
            blob = store.open(attachment.storage_key)
        except FileNotFoundError:
            count.missing += 1
            continue
        if crypto.is_sealed(blob) and not crypto.needs_reseal(blob):
            count.current += 1
            continue
        try:
            data = open_attachment(attachment)  # checked against its hash before resealing
        except AttachmentError:
            count.failed += 1
            continue
        try:
            store.replace(attachment.storage_key, crypto.seal(data, PURPOSE))
        except FileNotFoundError:
            count.missing += 1  # deleted (retention) while we were at it
            continue
        count.resealed += 1
    return count


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
    from sqlmodel import col, select

    store = storage()
    candidates = list(store.keys(older_than=older_than))
    if not candidates:
        return 0
    known = set(session.scalars(select(col(Attachment.storage_key))).all())
    orphans = [key for key in candidates if key not in known]
    for key in orphans:
        with contextlib.suppress(OSError):
            store.delete(key)
    if orphans:
        log.info("deleted %d attachment files without a row", len(orphans))
    return len(orphans)

"""Files clients send on WhatsApp: fetched from the provider later, checked like any upload.

The webhook only records what came (a `WhatsAppMedia` row beside the message, the provider's
media id sealed); the periodic job `fetch_due` fetches it (notify.channels.whatsapp_media:
bounded size, timeouts), checks it by its content in the sandbox (pictures and documents as
form uploads are, voice notes as Ogg Opus, intake/ogg.py), and stores it sealed as an
attachment of the message. A row is claimed in the database before the fetch, so several
processes share the work without doubles; a transient failure is tried again with backoff, up to
MAX_ATTEMPTS. Whatever happens leaves the row's state and reason, which the case page shows
("a voice note could not be fetched"), and the media id goes as soon as it is no longer needed.
Videos and stickers are not kept: the line asks the advisor to get them another way.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from intake import attachments
from intake.attachments import AttachmentError, CleanFile
from intake.models import Case, CaseMessage, WhatsAppMedia
from notify.inbound import InboundMedia
from yhteys import crypto
from yhteys.clock import now
from yhteys.db import plus, rowcount, session_scope
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

FETCHED = ("voice", "audio", "image", "document")
NOT_KEPT = ("video", "sticker")
MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=3)  # longer than a fetch (timeouts) and a sandboxed check together
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
SEALED_PURPOSE = "whatsapp-media"
AUDIO_TYPE = "audio/ogg"
NAMES = {"voice": "voice-note", "audio": "audio", "image": "photo", "document": "document"}


def record(session: Session, case: Case, message: CaseMessage, media: InboundMedia) -> None:
    """Note a file that came with a message (in the webhook's transaction); nothing is fetched."""
    row = WhatsAppMedia(case_id=case.id or 0, message_id=message.id or 0, kind=media.kind[:16])
    if media.kind in FETCHED:
        row.sealed = crypto.seal_text(json.dumps({
            "id": media.id, "mime": media.mime_type, "filename": media.filename,
        }), SEALED_PURPOSE)
    else:
        row.state, row.reason = "not_kept", "kind_not_kept"
    session.add(row)


def held_form(media: InboundMedia | None) -> dict[str, str] | None:
    """How a file waits with a held message (inside the held messages' own sealed JSON)."""
    if media is None:
        return None
    return {"kind": media.kind, "id": media.id, "mime": media.mime_type,
            "filename": media.filename}


def from_held(item: object) -> InboundMedia | None:
    if not isinstance(item, dict):
        return None
    return InboundMedia(kind=str(item.get("kind", "")), id=str(item.get("id", "")),
                        mime_type=str(item.get("mime", "")),
                        filename=str(item.get("filename", "")))


# --- The fetch job -------------------------------------------------------------------------------


def fetch_due(limit: int = 10) -> int:
    """Fetch up to `limit` due files; returns how many were settled (stored, refused, failed)."""
    with session_scope() as session:
        ids = [row_id for row_id in session.exec(
            select(col(WhatsAppMedia.id)).where(_due()).order_by(col(WhatsAppMedia.id))
            .limit(limit)) if row_id is not None]
    settled = [fetch_one(row_id) for row_id in ids]
    return sum(1 for state in settled if state in {"done", "refused", "failed"})


def _due():  # noqa: ANN202 - a SQL condition
    at = now()
    return or_(
        and_(col(WhatsAppMedia.state) == "pending", col(WhatsAppMedia.next_attempt_at) <= at),
        and_(col(WhatsAppMedia.state) == "fetching", col(WhatsAppMedia.lease_until) < at),
    )


def _claim(row_id: int) -> tuple[int, dict[str, str], str] | None:
    """Take the row (attempts + 1, a lease); None when another process has it or it is done."""
    with session_scope() as session:
        result = session.execute(
            update(WhatsAppMedia)
            .where(col(WhatsAppMedia.id) == row_id, _due())
            .values(state="fetching", attempts=plus(col(WhatsAppMedia.attempts)),
                    lease_until=now() + LEASE, updated_at=now())
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            return None
        row = session.get(WhatsAppMedia, row_id, populate_existing=True)
        assert row is not None
        try:
            ref = json.loads(crypto.open_text(row.sealed, SEALED_PURPOSE))
        except (crypto.CryptoError, ValueError):
            ref = {}
        return row.attempts, ref, row.kind


def fetch_one(row_id: int) -> str | None:
    """Fetch, check and store one file; the row's new state, or None if it was not ours."""
    from notify.channels.base import Permanent, Transient
    from notify.channels.whatsapp_media import TooLarge, fetch_media

    claimed = _claim(row_id)
    if claimed is None:
        return None
    attempts, ref, kind = claimed
    if not ref.get("id"):
        return _settle(row_id, attempts, "failed", "no_media_id")
    settings = get_settings()
    try:
        fetched = fetch_media(ref["id"], api_base=settings.whatsapp_api_base,
                              token=settings.whatsapp_token, max_bytes=attachments.MAX_BYTES)
        clean = check(kind, ref.get("filename", ""), fetched.data)
    except TooLarge:
        return _settle(row_id, attempts, "refused", "too_large")
    except AttachmentError as exc:
        return _settle(row_id, attempts, "refused", exc.code)
    except Permanent as exc:
        return _settle(row_id, attempts, "failed", exc.code)
    except Transient as exc:
        return _retry(row_id, attempts, exc.code, exc.retry_after)
    except Exception as exc:  # noqa: BLE001 - a bug must not lose the file: retry, then give up
        log.exception("WhatsApp file %d: unexpected error", row_id)
        return _retry(row_id, attempts, f"error_{type(exc).__name__}"[:32], None)
    return _store(row_id, attempts, clean)


def check(kind: str, filename: str, data: bytes) -> CleanFile:
    """The file's cleaned copy, by its content: a voice note or audio file must be Ogg Opus (what
    WhatsApp records); a picture or document what the form accepts (PDF, JPEG, PNG, HEIC)."""
    from intake import ogg

    name = filename or NAMES.get(kind, "file")
    if kind not in {"voice", "audio"}:
        return attachments.inspect(name, data)
    if not data:
        raise AttachmentError("empty", name)
    if len(data) > attachments.MAX_BYTES:
        raise AttachmentError("too_large", name)
    if not ogg.is_opus(data):
        raise AttachmentError("type_not_allowed", name)
    from intake import sandbox

    content_type, cleaned = sandbox.clean(AUDIO_TYPE, data)
    if content_type != AUDIO_TYPE or not ogg.is_opus(cleaned):
        log.error("attachment worker answered with something else than clean audio")
        raise AttachmentError("too_complex", name)
    import hashlib

    return CleanFile(data=cleaned, content_type=AUDIO_TYPE,
                     filename=attachments.safe_filename(name, "ogg"),
                     sha256=hashlib.sha256(cleaned).hexdigest(), size=len(cleaned))


def _ours(session: Session, row_id: int, attempts: int) -> WhatsAppMedia | None:
    row = session.get(WhatsAppMedia, row_id, populate_existing=True)
    if row is None or row.state != "fetching" or row.attempts != attempts:
        return None  # our lease ran out and another process took it over
    return row


def _store(row_id: int, attempts: int, clean: CleanFile) -> str | None:
    with session_scope() as session:
        row = _ours(session, row_id, attempts)
        if row is None:
            return None
        case = session.get(Case, row.case_id)
        if case is None or case.anonymised_at is not None:
            row.state, row.reason, row.sealed = "failed", "case_gone", ""
        else:
            [stored] = attachments.save(session, row.case_id, [clean], row.message_id)
            row.state, row.reason, row.sealed = "done", "", ""
            row.attachment_id = stored.id
        row.lease_until, row.updated_at = None, now()
        session.add(row)
        log.info("WhatsApp file %d %s", row_id, row.state)
        return row.state


def _settle(row_id: int, attempts: int, state: str, reason: str) -> str | None:
    with session_scope() as session:
        row = _ours(session, row_id, attempts)
        if row is None:
            return None
        row.state, row.reason, row.sealed = state, reason[:32], ""
        row.lease_until, row.updated_at = None, now()
        session.add(row)
    log.info("WhatsApp file %d %s (%s)", row_id, state, reason)
    return state


def _retry(row_id: int, attempts: int, reason: str, retry_after: float | None) -> str | None:
    if attempts >= MAX_ATTEMPTS:
        return _settle(row_id, attempts, "failed", reason)
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP))
    with session_scope() as session:
        row = _ours(session, row_id, attempts)
        if row is None:
            return None
        row.state, row.reason = "pending", reason[:32]
        row.next_attempt_at = now() + timedelta(seconds=delay)
        row.lease_until, row.updated_at = None, now()
        session.add(row)
    log.info("WhatsApp file %d will be fetched again (%s)", row_id, reason)
    return "pending"


def for_case(session: Session, case_id: int) -> list[WhatsAppMedia]:
    return list(session.exec(
        select(WhatsAppMedia).where(col(WhatsAppMedia.case_id) == case_id)
        .order_by(col(WhatsAppMedia.id))))


def reseal_pending(session: Session) -> dict[str, int]:
    """After a key rotation: the media ids still waiting, sealed again (or given up)."""
    counts = {"resealed": 0, "failed": 0}
    rows = session.exec(select(WhatsAppMedia).where(col(WhatsAppMedia.sealed) != ""))
    for row in rows:
        if not crypto.text_needs_reseal(row.sealed):
            continue
        try:
            row.sealed = crypto.seal_text(crypto.open_text(row.sealed, SEALED_PURPOSE),
                                          SEALED_PURPOSE)
            counts["resealed"] += 1
        except crypto.CryptoError:
            row.sealed, row.state, row.reason = "", "failed", "key_lost"
            counts["failed"] += 1
        session.add(row)
    return counts

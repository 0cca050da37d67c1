"""The files of one case as its status page shows them: hers and the advisor's, each with a token.

A file is offered for download only under the status link that opens its case, by a token that
names the file and nothing else: a keyed hash of the case and attachment ids, so the page's
addresses do not reveal how many files the service holds, and a token from one case opens nothing
under another case's link.

What she may add from the status page is limited per post like the form (intake/uploads.py) and
per case in all (MAX_CASE_FILES, MAX_CASE_BYTES), counted over every file she sent, whichever way.
The advisor's files do not count against her room.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from intake import attachments, errors
from intake.attachments import CleanFile
from intake.errors import Errors
from intake.models import Attachment, Case, CaseMessage
from intake.uploads import FIELD
from yhteys.db import session_scope
from yhteys.i18n import lazy_gettext
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

# Four full form posts of files, and twice the bytes one post may carry.
MAX_CASE_FILES = 4 * attachments.MAX_FILES
MAX_CASE_BYTES = 2 * attachments.MAX_FILES * attachments.MAX_BYTES
TOKEN_LENGTH = 32

errors.SPECIFIC.setdefault(
    (FIELD, "case_full"),
    lazy_gettext("You have already sent %(max)s files with this request. You cannot add more."),
)
errors.SPECIFIC.setdefault(
    (FIELD, "case_bytes"),
    lazy_gettext("The files of one request can be at most %(mb)s MB in all. Send smaller files."),
)


@dataclass(frozen=True)
class CaseFile:
    attachment_id: int
    token: str
    filename: str
    size: int
    created_at: datetime
    author: str  # client | staff

    def size_text(self) -> str:
        """The size in kB or MB, in the page's language."""
        from babel.numbers import format_decimal

        from yhteys.i18n import format_locale
        from yhteys.i18n import gettext as _

        if self.size < 1024 * 1024:
            kb = format_decimal(max(1, round(self.size / 1024)), locale=format_locale())
            return _("%(size)s kB", size=kb)
        mb = format_decimal(round(self.size / (1024 * 1024), 1), locale=format_locale())
        return _("%(size)s MB", size=mb)


class NoRoom(Exception):  # noqa: N818 - a condition, not a failure
    """The files would pass the case's total; `code` is "case_full" or "case_bytes"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def file_token(case_id: int, attachment_id: int) -> str:
    key = get_settings().secret_key.encode()
    mac = hmac.new(key, f"status-file|{case_id}|{attachment_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:TOKEN_LENGTH]


def _rows(session: Session, case_id: int) -> list[tuple[Attachment, str]]:
    """Each attachment of the case with who sent it: the request's own files and those of her
    messages are hers, those of an advisor's reply are the advisor's."""
    query = (
        select(Attachment, CaseMessage.author)
        .join(CaseMessage, col(Attachment.message_id) == col(CaseMessage.id), isouter=True)
        .where(col(Attachment.case_id) == case_id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return [(row, author or "client") for row, author in session.exec(query)]


def case_files(session: Session, case_id: int) -> list[CaseFile]:
    return [
        CaseFile(
            attachment_id=row.id or 0,
            token=file_token(case_id, row.id or 0),
            filename=row.filename,
            size=row.size,
            created_at=row.created_at,
            author=author,
        )
        for row, author in _rows(session, case_id)
    ]


def pick(files: Sequence[CaseFile], token: str) -> CaseFile | None:
    """The file the token names, among the case's files, or None."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    return next((f for f in files if hmac.compare_digest(f.token, token)), None)


def room_left(files: Sequence[CaseFile], sizes: Sequence[int]) -> str:
    """"" if files of these sizes fit the case, else the refusal's code."""
    hers = [f for f in files if f.author == "client"]
    if len(hers) + len(sizes) > MAX_CASE_FILES:
        return "case_full"
    if sum(f.size for f in hers) + sum(sizes) > MAX_CASE_BYTES:
        return "case_bytes"
    return ""


def add_room_error(errors: Errors, code: str) -> None:
    if code == "case_full":
        errors.add(FIELD, code, max=MAX_CASE_FILES)
    else:
        errors.add(FIELD, code, mb=MAX_CASE_BYTES // (1024 * 1024))


def add_message_with_files(case_id: int, body: str, files: Sequence[CleanFile]) -> CaseMessage:
    """Her message with files (the text may be empty), in one transaction; NoRoom when the files
    would pass the case's total. The case row is locked first, so two posts at once cannot both
    take the last room."""
    from intake.service import append_client_message

    with session_scope() as session:
        case = session.exec(select(Case).where(col(Case.id) == case_id).with_for_update()).first()
        if case is None:
            raise LookupError(case_id)
        code = room_left(case_files(session, case_id), [f.size for f in files])
        if code:
            raise NoRoom(code)
        message = append_client_message(session, case, body, files=files)
    log.info("client message %s with %d files added to case %s", message.id, len(files), case_id)
    return message

"""Her files on the status page: the download of one file, under the link that opens its case.

The address is the status page's own, with a file token after it (intake/case_files.py): the
secret travels nowhere it did not already travel, logs redact it (yhteys/logs.py), and the page
sends no Referer. An ended, idle or wrong link answers exactly as the status page would.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from intake import attachments, case_files
from intake.models import Attachment
from intake.views import NO_STORE, status_or_404
from yhteys.db import session_scope

log = logging.getLogger(__name__)


def _open(attachment_id: int) -> tuple[Attachment, bytes] | None:
    with session_scope() as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            return None
        try:
            return attachment, attachments.open_attachment(attachment)
        except (FileNotFoundError, attachments.AttachmentError):
            log.error("attachment %s could not be opened for its status page", attachment_id)
            return None


async def status_file(request: Request) -> Response:
    found = await status_or_404(request)
    if isinstance(found, Response):
        return found
    token = request.path_params["token"]
    chosen = case_files.pick(found["files"], token)
    opened = await run_in_threadpool(_open, chosen.attachment_id) if chosen else None
    if opened is None:
        raise HTTPException(404, headers=NO_STORE)
    attachment, data = opened
    headers = {**attachments.download_headers(attachment), "pragma": "no-cache"}
    return Response(data, media_type=attachment.content_type, headers=headers)

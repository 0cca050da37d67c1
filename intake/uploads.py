"""Files from a form post: every one read and inspected before anything is saved.

A refused file therefore leaves nothing on disk: the clean copies live in memory until the
transaction that stores the case or message writes them.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from intake import attachments
from intake.attachments import AttachmentError, CleanFile
from intake.errors import Errors

FIELD = "files"


def chosen_files(form: FormData) -> list[UploadFile]:
    """The files actually chosen (an empty file input still sends a nameless, empty part)."""
    return [
        item
        for item in form.getlist(FIELD)
        if isinstance(item, UploadFile) and not attachments.is_empty_field(item)
    ]


def _file_error(errors: Errors, exc: AttachmentError, filename: str) -> None:
    params: dict[str, Any] = {"filename": filename or "?"}
    if exc.code == "too_large":
        params["mb"] = attachments.MAX_BYTES // (1024 * 1024)
    if exc.code == "too_many":
        params = {"max": attachments.MAX_FILES}
    errors.add(FIELD, exc.code, **params)


async def read_files(uploads: list[UploadFile], errors: Errors) -> list[CleanFile]:
    """Clean copies of the uploads; refusals are added to `errors` under "files"."""
    if len(uploads) > attachments.MAX_FILES:
        _file_error(errors, AttachmentError("too_many"), "")
        return []
    cleaned: list[CleanFile] = []
    for upload in uploads:
        name = upload.filename or ""
        try:
            data = await attachments.read_upload(upload)
            # Decoding and re-encoding a photo takes CPU: off the event loop.
            cleaned.append(await run_in_threadpool(attachments.inspect, name, data))
        except AttachmentError as exc:
            _file_error(errors, exc, name)
    return cleaned

"""Files from a form post, in two steps: the cheap checks, then the costly cleaning.

`check_files` reads each file (at most MAX_BYTES of it) and looks at what costs nearly nothing:
how many, how big, the magic bytes, a picture's dimensions from its header. A form routes calls
`clean_files`, which decodes and re-encodes in the sandboxed worker, only for a post that passed
every check of its fields and files. A refused file therefore leaves nothing on disk: the clean
copies live in memory until the transaction that stores the case or message writes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from intake import attachments, errors
from intake.attachments import AttachmentError, CleanFile
from intake.errors import Errors
from yhteys.i18n import lazy_gettext

FIELD = "files"
# Seconds of decoding one post may cost in all (each worker also has its own, shorter limits).
BUDGET = 45.0

# The words for a file the worker could not open in its limits (killed, out of memory, too many
# pixels), beside the files field like the other file errors of intake/errors.py.
errors.SPECIFIC.setdefault(
    (FIELD, "too_complex"),
    lazy_gettext("“%(filename)s” is too big to open. Try a smaller photo or a shorter file."),
)


@dataclass(frozen=True)
class Checked:
    """A file that passed the cheap checks, not yet decoded."""

    filename: str
    kind: str
    data: bytes


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


async def check_files(uploads: list[UploadFile], errors: Errors) -> list[Checked]:
    """The files that pass the cheap checks; refusals are added to `errors` under "files"."""
    if len(uploads) > attachments.MAX_FILES:
        _file_error(errors, AttachmentError("too_many"), "")
        return []
    checked: list[Checked] = []
    for upload in uploads:
        name = upload.filename or ""
        try:
            data = await attachments.read_upload(upload)
            # Cheap, but a header can be made of a million tiny segments: off the event loop.
            kind = await run_in_threadpool(attachments.check, data, name)
            checked.append(Checked(name, kind, data))
        except AttachmentError as exc:
            _file_error(errors, exc, name)
    return checked


async def clean_files(checked: list[Checked], errors: Errors) -> list[CleanFile]:
    """Clean copies, made one file at a time in the sandboxed worker; refusals go to `errors`.

    All the files of one post share one time budget, so five slow files cost BUDGET seconds,
    not five times the worker's own limit.
    """
    cleaned: list[CleanFile] = []
    deadline = time.monotonic() + BUDGET
    for file in checked:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise AttachmentError("too_complex")
            cleaned.append(
                await run_in_threadpool(
                    attachments.clean, file.filename, file.kind, file.data, timeout=left
                )
            )
        except AttachmentError as exc:
            _file_error(errors, exc, file.filename)
    return cleaned

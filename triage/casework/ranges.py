"""Byte ranges of a file served to staff: a browser's audio player asks for the end of a voice
note to learn its length, and for any part of it to seek. One range per request, as players ask."""

from __future__ import annotations

import re

from starlette.responses import Response

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged(data: bytes, range_header: str | None, media_type: str,
           headers: dict[str, str]) -> Response:
    """The whole file (200), the part asked for (206), or 416 for a range outside it."""
    headers = {**headers, "accept-ranges": "bytes"}
    match = _RANGE.match((range_header or "").strip())
    if match is None or match.groups() == ("", ""):
        return Response(data, media_type=media_type, headers=headers)
    first, last = match.groups()
    size = len(data)
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return Response(b"", status_code=416,
                        headers={**headers, "content-range": f"bytes */{size}"})
    return Response(data[start:end + 1], status_code=206, media_type=media_type,
                    headers={**headers, "content-range": f"bytes {start}-{end}/{size}"})

"""Gzip for text responses, with BREACH kept out.

A page on a cheap phone's prepaid data costs what it weighs, so HTML, CSS, JS, JSON, SVG and
calendar feeds are gzipped for every client that asks. Compression leaks, through the length,
whether a guess matches a secret in the same body (BREACH). Two rules keep that out:

- the one secret-derived value on public pages, the CSRF token, is different in every response
  (`yhteys.csrf.issue_token` signs a fresh random nonce), so there is nothing to guess at;
- a response marked `Cache-Control: no-store` is never compressed: that is how the product marks
  everything that carries a secret or personal data (the status page and its secret link, the
  confirmation with the link, what a person typed shown again, every staff page, the API's cases).

The decision is made at `http.response.start` from the status, content type, cache-control and
the client's Accept-Encoding; the body is compressed when it arrives in one message. Streaming
and ranged responses and bodies already encoded go out as they are. Static files are immutable
(their URL carries a content hash): each is compressed once, at the best level, and kept.

No brotli: the standard library has none, and a C extension only for it is not worth its upkeep.
This middleware must be outside SecurityHeadersMiddleware, which marks staff pages no-store.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Callable, Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE = frozenset({
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/schema+json",
    "image/svg+xml",
    "text/calendar",
})
# Below this a gzip header and trailer cost more than they save.
MIN_SIZE = 512
DYNAMIC_LEVEL = 6
STATIC_LEVEL = 9
STATIC_PREFIX = "/static/"
# A static file bigger than this goes out as it is (none is near it).
STATIC_MAX = 2 * 1024 * 1024
# Compressed static files kept: (path, etag) -> gzip bytes. There are a handful of files; the
# bound only stops a crawler of made-up versions from growing it.
STATIC_CACHE_MAX = 256
_static_cache: dict[tuple[str, str], bytes] = {}


def wants_gzip(accept_encoding: str) -> bool:
    """Whether the client takes gzip (RFC 9110 q-values; `*` covers codings not named).

    No header, or only `identity`, means a plain body.
    """
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        weights[coding] = _quality(params)
    if "gzip" in weights:
        return weights["gzip"] > 0
    if "x-gzip" in weights:
        return weights["x-gzip"] > 0
    return weights.get("*", 0) > 0


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


# A view may mark a no-store response as free of secrets and of anything the person typed (the
# empty form: no-store only so a shared phone's Back button restores nothing); the middleware
# honours the mark and never sends it on.
SAFE_TO_COMPRESS = "x-yhteys-no-secret"


# A body message may carry, under this key, a function giving the same body already gzipped by a
# cheaper way (yhteys/pagecache.py: a page's fixed parts are deflated once, its holes per
# response). It is used exactly where the body would have been compressed; nothing else changes.
PRECOMPRESSED = "yhteys.gzip"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime, unknown OS
_DEFLATE_END = b"\x03\x00"  # an empty final block


def deflate_part(data: bytes, level: int = DYNAMIC_LEVEL) -> bytes:
    """One part of a body, raw-deflated on its own and ended on a full flush, so that parts
    deflated apart (and at different times) join into one valid stream, in their order."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def gzip_of_parts(deflated: Sequence[bytes], body: bytes) -> bytes:
    """The gzip file of `body`, from its parts as `deflate_part` gave them."""
    trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, *deflated, _DEFLATE_END, trailer))


def compressible(status: int, headers: Headers) -> bool:
    """Whether a response may be compressed at all, whatever the client takes."""
    if status < 200 or status in {204, 206, 304}:
        return False
    if "content-encoding" in headers or "content-range" in headers:
        return False
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in COMPRESSIBLE:
        return False
    cache_control = headers.get("cache-control", "").lower()
    # Secrets and personal data travel only in no-store responses: those stay uncompressed.
    return "no-store" not in cache_control or SAFE_TO_COMPRESS in headers


def _add_vary(headers: MutableHeaders) -> None:
    vary = headers.get("vary", "")
    if "accept-encoding" not in vary.lower():
        headers["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"


def _mark_encoded(headers: MutableHeaders, length: int) -> None:
    headers["content-encoding"] = "gzip"
    headers["content-length"] = str(length)
    # Ranges would count bytes of the plain file; a strong ETag names the plain bytes too.
    if "accept-ranges" in headers:
        del headers["accept-ranges"]
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        headers["etag"] = f"W/{etag}"


def _static_gzip(path: str, etag: str, body: bytes) -> bytes:
    key = (path, etag)
    cached = _static_cache.get(key) if etag else None
    if cached is None:
        cached = gzip.compress(body, compresslevel=STATIC_LEVEL, mtime=0)
        if etag:
            if len(_static_cache) >= STATIC_CACHE_MAX:
                _static_cache.clear()
            _static_cache[key] = cached
    return cached


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = MIN_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        accepts = wants_gzip(request_headers.get("accept-encoding", ""))
        ranged = "range" in request_headers
        await self.app(scope, receive, _Responder(self, scope, send, accepts and not ranged))


class _Responder:
    """One response: holds the start until the body shows whether it can be compressed."""

    def __init__(self, owner: CompressionMiddleware, scope: Scope, send: Send, accepts: bool):
        self.minimum_size = owner.minimum_size
        self.path: str = scope["path"]
        self.send = send
        self.accepts = accepts
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = True
        self.precompressed: Callable[[], bytes] | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._on_start(message)
        elif message["type"] == "http.response.body" and not self.passing:
            await self._on_body(message)
        else:
            await self.send(message)

    async def _on_start(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        allowed = compressible(message["status"], headers)
        if SAFE_TO_COMPRESS in headers:
            del headers[SAFE_TO_COMPRESS]
        if allowed:
            _add_vary(headers)
            if self.accepts:
                self.start = message
                self.passing = False
                return
        await self.send(message)

    async def _on_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        self.chunks.append(body)
        self.size += len(body)
        if more and (not self.path.startswith(STATIC_PREFIX) or self.size > STATIC_MAX):
            await self._give_up()  # a stream: its parts go out as they come
            return
        if more:
            return
        if len(self.chunks) == 1:
            self.precompressed = message.get(PRECOMPRESSED)
        await self._finish(b"".join(self.chunks))

    async def _give_up(self) -> None:
        assert self.start is not None
        self.passing = True
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": b"".join(self.chunks),
                         "more_body": True})
        self.chunks = []

    async def _finish(self, body: bytes) -> None:
        assert self.start is not None
        headers = MutableHeaders(scope=self.start)
        if len(body) >= self.minimum_size:
            if self.path.startswith(STATIC_PREFIX):
                body = _static_gzip(self.path, headers.get("etag", ""), body)
            elif self.precompressed is not None:
                body = self.precompressed()
            else:
                body = gzip.compress(body, compresslevel=DYNAMIC_LEVEL, mtime=0)
            _mark_encoded(headers, len(body))
        self.passing = True
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body, "more_body": False})

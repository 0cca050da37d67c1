"""Fetch a file a client sent on WhatsApp: GET {api_base}/{media-id} gives a short-lived URL,
GET that URL with the same bearer token gives the bytes.

Bounded: the declared size is checked before the download, and the download stops as soon as it
passes `max_bytes`; every request has a timeout. The token goes only to the API's own host or to
Meta's media hosts over HTTPS, never to whatever host an answer names. Errors are ours, short,
and free of personal data (`Transient`: try again later; `Permanent`: the file is gone or refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from notify.channels.base import Permanent, Transient, retry_after_seconds

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
CHUNK = 64 * 1024
# Where the Cloud API serves media from (lookaside.fbsbx.com today).
MEDIA_HOST_SUFFIXES = (".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net")


class TooLarge(Permanent):
    def __init__(self) -> None:
        super().__init__("wa_media_too_large", "The file is larger than we accept")


@dataclass(frozen=True)
class Fetched:
    data: bytes
    mime_type: str  # as WhatsApp declares it: a hint only, the content decides


def _allowed_url(url: str, api_base: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_base)
    if not parts.hostname:
        return False
    if parts.scheme == api.scheme and parts.netloc == api.netloc:
        return True  # the API's own host (and the stand-in server in tests)
    host = parts.hostname.lower()
    return parts.scheme == "https" and host.endswith(MEDIA_HOST_SUFFIXES)


def _error(response: httpx.Response, what: str) -> Exception:
    status = response.status_code
    if status == 429 or status >= 500:
        retry = retry_after_seconds(response.headers.get("retry-after"))
        return Transient(f"wa_media_{status}", f"WhatsApp could not give the {what}", retry)
    if status in {401, 403}:
        return Transient(f"wa_media_{status}", "WhatsApp refused our credentials", 300.0)
    return Permanent(f"wa_media_{status}", f"WhatsApp has no such {what}")


def fetch_media(
    media_id: str, *, api_base: str, token: str, max_bytes: int,
    client: httpx.Client | None = None,
) -> Fetched:
    """The bytes of one media id, or Transient / Permanent / TooLarge."""
    if not token:
        raise Transient("wa_media_token", "WHATSAPP_TOKEN is not set", 300.0)
    if not media_id or not media_id.replace("_", "").replace("-", "").isalnum():
        raise Permanent("wa_media_id", "Not a media id")
    headers = {"Authorization": f"Bearer {token}"}
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        try:
            meta = http.get(f"{api_base.rstrip('/')}/{media_id}", headers=headers)
        except httpx.TransportError as exc:
            raise Transient("wa_media_network", f"unreachable ({type(exc).__name__})") from None
        if not meta.is_success:
            raise _error(meta, "media")
        try:
            info = meta.json()
            url, declared = str(info["url"]), int(info.get("file_size") or 0)
            mime = str(info.get("mime_type") or "")[:100]
        except (ValueError, KeyError, TypeError):
            raise Permanent("wa_media_answer", "WhatsApp's answer had no URL") from None
        if declared > max_bytes:
            raise TooLarge()
        if not _allowed_url(url, api_base):
            raise Permanent("wa_media_host", "The media URL is not on a WhatsApp host")
        return Fetched(_download(http, url, headers, max_bytes), mime)
    finally:
        if own:
            http.close()


def _download(http: httpx.Client, url: str, headers: dict[str, str], max_bytes: int) -> bytes:
    try:
        with http.stream("GET", url, headers=headers) as response:
            if not response.is_success:
                response.read()
                raise _error(response, "file")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise TooLarge()
            chunks, total = [], 0
            for chunk in response.iter_bytes(CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise TooLarge()
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TransportError as exc:
        raise Transient("wa_media_network", f"download failed ({type(exc).__name__})") from None

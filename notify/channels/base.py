"""The one interface every channel implements, and the two ways a send can fail.

A channel's `send` returns a `Sent` (with the provider's message id when there is one) or raises
`Transient` (try again later: network, SMTP 4xx, HTTP 5xx, 429) or `Permanent` (stop now: invalid
address, rejected recipient, SMTP 5xx, HTTP 4xx). Codes and texts are ours, short and free of
personal data: a provider's own error text may quote the address, so it is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from notify.messages import Message


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one outbox row."""

    id: int
    token: str  # stable per row: Message-ID, idempotency key
    event: str
    channel: str
    recipient: str
    locale: str
    message: Message
    context: dict[str, str]
    window_open: bool = False  # WhatsApp: the client wrote to us within 24 hours
    mode: str = ""  # "template": send the approved WhatsApp template


@dataclass(frozen=True)
class Sent:
    provider_id: str = ""
    mode: str = ""  # the WhatsApp mode actually used ("text" or "template")


class SendError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code[:32]
        self.text = text[:200]


class Transient(SendError):
    def __init__(self, code: str, text: str, retry_after: float | None = None) -> None:
        super().__init__(code, text)
        self.retry_after = retry_after


class Permanent(SendError):
    def __init__(self, code: str, text: str, *, use_fallback: bool = False) -> None:
        super().__init__(code, text)
        self.use_fallback = use_fallback  # e.g. "not on WhatsApp": try the fallback channel


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> Sent: ...


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (delta form; an HTTP date counts as a minute)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return 60.0

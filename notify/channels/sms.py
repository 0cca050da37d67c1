"""SMS through one generic HTTP provider.

The shape (documented in the README, "Notifications"):

    POST {SMS_API_URL}
    Authorization: Bearer {SMS_API_TOKEN}
    Idempotency-Key: <stable per outbox row>
    {"from": SMS_SENDER, "to": "+358401234567", "text": "...", "reference": "<same key>"}

    2xx {"id": "<provider message id>"}       sent; the id is stored
    408, 429, 5xx (Retry-After honoured)       tried again later
    other 4xx                                  failed: the number or the message was refused

Most providers (or a ten-line adapter in front of one) speak this; the Idempotency-Key lets a
provider that supports it drop the duplicate of a send we could not confirm.
"""

from __future__ import annotations

import threading

import httpx

from notify.channels.base import Outgoing, Permanent, Sent, Transient, retry_after_seconds

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class SmsChannel:
    name = "sms"

    def __init__(self, url: str, token: str, sender: str) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(timeout=TIMEOUT)
        return client

    def send(self, outgoing: Outgoing) -> Sent:
        body = {
            "from": self.sender,
            "to": outgoing.recipient,
            "text": outgoing.message.short,
            "reference": outgoing.token,
        }
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": outgoing.token}
        try:
            response = self._client().post(self.url, json=body, headers=headers)
        except httpx.TransportError as exc:
            text = f"SMS provider unreachable ({type(exc).__name__})"
            raise Transient("sms_network", text) from None
        status = response.status_code
        if response.is_success:
            try:
                return Sent(provider_id=str(response.json().get("id", ""))[:128])
            except (ValueError, AttributeError):
                return Sent()
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status in {408, 429} or status >= 500:
            raise Transient(f"sms_http_{status}", f"SMS provider error ({status})", retry_after)
        raise Permanent(f"sms_http_{status}", f"The SMS provider refused the message ({status})")

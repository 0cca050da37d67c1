"""WhatsApp Business Cloud API: POST {api_base}/{phone_number_id}/messages with a bearer token.

Free text is allowed only within 24 hours of the client's last message to us (the customer-service
window); outside it only an approved template may be sent. We track the window from inbound
webhooks, and when the API still answers 131047 (window closed) we send the template instead.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from notify.channels.base import Outgoing, Permanent, Sent, Transient, retry_after_seconds
from notify.models import REPLY_EVENTS

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
WINDOW_CLOSED = 131047
NOT_ON_WHATSAPP = 131026
RATE_LIMITED = {4, 80007, 130429, 131048, 131056}  # app, account, throughput, spam, pair limits
TEMPORARY = {1, 2, 131000, 131016, 133004}  # unknown, service, "something went wrong", unavailable
AUTH = {0, 10, 190, 200}  # our token or permissions: a setting to fix, not the client's fault


class WhatsAppChannel:
    name = "whatsapp"

    def __init__(self, api_base: str, phone_number_id: str, token: str, template: str) -> None:
        self.url = f"{api_base.rstrip('/')}/{phone_number_id}/messages"
        self.token = token
        self.template = template
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(timeout=TIMEOUT)
        return client

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()
            self._local.client = None

    def send(self, outgoing: Outgoing) -> Sent:
        if outgoing.event in REPLY_EVENTS:
            # An answer to what the person just wrote: only ever inside the window, as text.
            if not outgoing.window_open:
                raise Permanent("wa_window", "The 24-hour window closed before the reply")
            try:
                return Sent(self._post(reply_body(outgoing)), mode="text")
            except _WindowClosed:
                raise Permanent("wa_131047", "The 24-hour window closed before the reply") from None
        if outgoing.mode != "template" and outgoing.window_open:
            try:
                return Sent(self._post(text_body(outgoing)), mode="text")
            except _WindowClosed:
                pass  # our record of the window was behind: the template is always allowed
        try:
            return Sent(self._post(template_body(outgoing, self.template)), mode="template")
        except _WindowClosed:
            raise Permanent("wa_131047", "WhatsApp refused the template message") from None

    def _post(self, body: dict[str, Any]) -> str:
        try:
            response = self._client().post(
                self.url, json=body, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.TransportError as exc:
            text = f"WhatsApp API unreachable ({type(exc).__name__})"
            raise Transient("wa_network", text) from None
        if response.is_success:
            try:
                return str(response.json()["messages"][0]["id"])
            except (ValueError, KeyError, IndexError, TypeError):
                # Sent, but we cannot tell its id: do not send again, status webhooks won't match.
                return ""
        raise _classify(response)


class _WindowClosed(Exception):
    pass


def _digits(number: str) -> str:
    return number.lstrip("+")


def text_body(outgoing: Outgoing) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": _digits(outgoing.recipient),
        "type": "text",
        "text": {"preview_url": False, "body": outgoing.message.short},
    }


def reply_body(outgoing: Outgoing) -> dict[str, Any]:
    """A text, or with references to choose from, an interactive list (a button each for up to
    three): the person taps one instead of typing a code."""
    if outgoing.context.get("options"):
        return options_body(outgoing)
    choices = [c for c in outgoing.context.get("choices", "").split(",") if c]
    if not choices:
        return text_body(outgoing)
    rows = [{"id": f"case:{ref}", "title": ref} for ref in choices[:10]]
    if len(rows) <= 3:
        action: dict[str, Any] = {
            "buttons": [{"type": "reply", "reply": row} for row in rows]
        }
        kind = "button"
    else:
        label = outgoing.message.subject[:20] or "…"
        action = {"button": label, "sections": [{"title": label[:24], "rows": rows}]}
        kind = "list"
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": _digits(outgoing.recipient),
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": outgoing.message.short}, "action": action},
    }


def options_body(outgoing: Outgoing) -> dict[str, Any]:
    """A step of the conversation: its buttons (three at most) or its list (ten rows at most),
    as intake.conversation made them."""
    offered = json.loads(outgoing.context["options"])
    rows = [{"id": str(i)[:200], "title": str(title)[:24],
             **({"description": str(d)[:72]} if d else {})}
            for i, title, d in offered["rows"][:10]]
    if offered.get("button"):
        label = str(offered["button"])[:20]
        action: dict[str, Any] = {"button": label, "sections": [{"title": label[:24],
                                                                  "rows": rows}]}
        kind = "list"
    else:
        action = {"buttons": [{"type": "reply", "reply": {"id": r["id"], "title": r["title"][:20]}}
                              for r in rows[:3]]}
        kind = "button"
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": _digits(outgoing.recipient),
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": outgoing.message.short[:1024]},
                        "action": action},
    }


def template_body(outgoing: Outgoing, template: str) -> dict[str, Any]:
    """The approved template takes two body parameters: the reference and the link."""
    link = outgoing.context.get("status_url") or outgoing.context.get("staff_url", "")
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": _digits(outgoing.recipient),
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": outgoing.locale},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": outgoing.context.get("reference", "")},
                        {"type": "text", "text": link},
                    ],
                }
            ],
        },
    }


def error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("error", {}).get("code")
    except (ValueError, AttributeError):
        return None
    return int(code) if isinstance(code, int | str) and str(code).isdigit() else None


def _classify(response: httpx.Response) -> Exception:
    status = response.status_code
    code = error_code(response)
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if code == WINDOW_CLOSED:
        return _WindowClosed()
    if code == NOT_ON_WHATSAPP:
        return Permanent(
            "wa_131026", "The number cannot receive WhatsApp messages", use_fallback=True
        )
    label = f"wa_{code}" if code is not None else f"wa_http_{status}"
    if status == 429 or code in RATE_LIMITED:
        return Transient(label, "WhatsApp asked to slow down", retry_after or 60.0)
    if status >= 500 or code in TEMPORARY:
        return Transient(label, f"WhatsApp API error ({status})", retry_after)
    if status in {401, 403} or code in AUTH:
        return Transient(label, "WhatsApp refused our credentials: check WHATSAPP_TOKEN", 300.0)
    return Permanent(label, f"WhatsApp refused the message ({status})")

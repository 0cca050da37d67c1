"""Delivery webhooks of the notification channels: the WhatsApp verification and events."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from notify.webhooks import handle_payload, valid_signature
from yhteys.db import session_scope
from yhteys.problems import problem
from yhteys.settings import get_settings

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


async def whatsapp_verify(request: Request) -> Response:
    """The subscription challenge: echo hub.challenge when the verify token matches."""
    params = request.query_params
    expected = get_settings().whatsapp_verify_token
    token = params.get("hub.verify_token", "")
    if (
        params.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        return PlainTextResponse(params.get("hub.challenge", ""))
    return problem(403, "Verification failed")


async def whatsapp_events(request: Request) -> Response:
    """Delivery statuses and inbound messages, accepted only with a valid signature."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            return problem(413)
    secret = get_settings().whatsapp_app_secret
    if not valid_signature(bytes(body), request.headers.get("x-hub-signature-256"), secret):
        log.warning("WhatsApp webhook refused: bad or missing signature")
        return problem(403, "Invalid signature")
    try:
        payload = json.loads(body)
    except ValueError:
        return problem(400, "Body is not JSON")
    if not isinstance(payload, dict):
        return problem(400, "Body is not a JSON object")
    await run_in_threadpool(_handle, payload)
    return PlainTextResponse("ok")


def _handle(payload: dict) -> None:
    with session_scope() as session:
        handle_payload(session, payload)

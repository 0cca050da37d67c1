"""The JSON API: POST /api/v1/cases takes the same request as the forms, by the same rules.

Partners authenticate with `Authorization: Bearer <key>` (`intake.partners`); anonymous use
is only for API_ANONYMOUS=true. Errors are RFC 9457 problem details; field errors come in an
`errors` member keyed like the form fields: {"contact_address": [{"code": "invalid_phone",
"message": "..."}]}. The API uses no cookies, so it needs no CSRF token; requiring a JSON body
keeps plain cross-site forms out. A database outage answers 503 with Retry-After: every write is
one transaction, so a refused request left nothing behind and may simply be sent again.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from intake import partners, service
from intake.errors import Errors
from intake.openapi import document
from intake.references import new_idempotency_key, valid_idempotency_key
from intake.validation import validate
from yhteys import ratelimit
from yhteys.client import client_key
from yhteys.db import database_down
from yhteys.i18n import get_locale
from yhteys.i18n import gettext as _
from yhteys.problems import problem
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

MAX_JSON = 256 * 1024  # the longest request is far smaller
NO_STORE = {"cache-control": "no-store"}
REALM = 'Bearer realm="yhteys"'
# The database is down or unreachable (not a bug in a query): worth a retry, not a 500.
OUTAGE_RETRY_AFTER = 30  # seconds


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _read_json(request: Request) -> object | Response:
    if not _is_json(request):
        return problem(415, "Send the request as JSON (Content-Type: application/json).")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_JSON:
        return problem(413, "The request body is too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON:
            return problem(413, "The request body is too large.")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "The request body is not valid JSON.")


def _invalid(errors: Errors) -> Response:
    return problem(
        422,
        _("Some fields are missing or not valid."),
        errors=errors.as_problem_errors(),
    )


def _refused(refusal: partners.Refusal) -> Response:
    if refusal.status == 429:
        return problem(429, _("Too many requests with this key. Please try again later."),
                       retry_after=refusal.retry_after)
    if refusal.status == 403:
        response = problem(403, _("This API key may not send new cases."))
        challenge = f'{REALM}, error="insufficient_scope", scope="{refusal.scope}"'
    else:
        response = problem(
            401,
            _("Send a valid partner API key: Authorization: Bearer <key>."),
            title="Unauthorized",
        )
        invalid = refusal.reason not in {"missing", "malformed"}
        challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    response.headers["www-authenticate"] = challenge
    return response


async def _authorise(request: Request) -> partners.Partner | None | Response:
    """The partner of the request's key; None for an anonymous request when they are allowed."""
    header = request.headers.get("authorization")
    if header is None and get_settings().api_anonymous:
        return None
    try:
        return await run_in_threadpool(partners.authenticate, header, partners.CREATE_CASES)
    except partners.Refusal as refusal:
        await run_in_threadpool(partners.record_refusal, refusal, request, client_key(request))
        return _refused(refusal)


def _outage(exc: Exception) -> Response:
    log.warning("API request refused: database unavailable (%s)", type(exc).__name__)
    return problem(
        503,
        _("The service is briefly unavailable. Nothing was saved; please send the request "
          "again in a moment."),
        title="Service Unavailable",
        retry_after=OUTAGE_RETRY_AFTER,
    )


async def create_case(request: Request) -> Response:
    try:
        return await _create_case(request)
    except SQLAlchemyError as exc:
        if not database_down(exc):
            raise
        return _outage(exc)


async def _create_case(request: Request) -> Response:
    partner = await _authorise(request)
    if isinstance(partner, Response):
        return partner
    payload = await _read_json(request)
    if isinstance(payload, Response):
        return payload
    header = request.headers.get("idempotency-key")
    if header is not None and not valid_idempotency_key(header):
        return problem(
            400, "Idempotency-Key must be 16 to 64 letters, digits, '-' or '_' (a UUID will do)."
        )
    key = header or new_idempotency_key()
    result = validate(payload, strict=True)
    if result.submission is None:
        return _invalid(result.errors)
    submission = result.submission
    locale = submission.notification_locale(get_locale())
    try:
        outcome = await run_in_threadpool(
            service.find_replay, key, submission.fingerprint(), locale
        )
        if outcome is None and partner is None:  # a key has its own limit, checked above
            settings = get_settings()
            decision = ratelimit.hit(
                "submit",
                client_key(request),
                settings.rate_limit_submissions,
                settings.rate_limit_window,
            )
            if not decision.allowed:
                return problem(
                    429,
                    _("Too many requests from here. Please try again later."),
                    retry_after=decision.retry_after,
                )
        if outcome is None:
            outcome = await run_in_threadpool(
                lambda: service.submit(
                    submission, idempotency_key=key, ui_locale=get_locale(), source="api",
                )
            )
    except service.IdempotencyConflict:
        return problem(422, "This Idempotency-Key was already used for a different request.")
    return JSONResponse(
        {"reference": outcome.reference, "status_url": outcome.status_url},
        status_code=201,
        headers=NO_STORE,
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(document(anonymous=get_settings().api_anonymous))

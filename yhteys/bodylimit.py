"""A cap on every request body, counted as it arrives, chunked or not.

Starlette reads and spools a body without a limit of its own, and a chunked request declares no
length a route could check first. This pure ASGI middleware counts the bytes the app receives and
stops at the limit of the route: the public forms' MAX_BODY, the staff reply with its files, the
API's MAX_JSON, the webhooks' MAX_BODY, and a small limit for everything else (other staff forms
are a few kilobytes). Over it, the
app's next read fails and the client gets 413 (the friendly "could not be read" page on public
forms); the server reads no further, and closes the connection after the answer.

Like app.py, this module composes the packages: it reads their limits, late.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Staff forms and everything without a limit of its own: the longest staff text is 5,000
# characters, a few tens of kilobytes once form-encoded.
DEFAULT_LIMIT = 256 * 1024


class BodyTooLarge(Exception):
    """Raised into the app by its read that passed the limit; never seen by a client."""


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    limit: int
    refuse: Callable[[Request], Response]


def _problem(request: Request) -> Response:
    from yhteys.problems import problem

    return problem(413, "The request body is too large.")


def _page(request: Request) -> Response:
    from yhteys.templating import render

    return render(request, "errors/error.html", {"status": 413}, status_code=413)


def _form_page(request: Request) -> Response:
    from intake.views import too_big_page

    return too_big_page(request)


def default_rules() -> list[Rule]:
    from intake.api import MAX_JSON
    from intake.views import MAX_BODY
    from notify.views import MAX_BODY as HOOK_BODY
    from triage.casework.case_views import REPLY_MAX_BODY
    from yhteys.i18n import LANGUAGES

    locales = "|".join(re.escape(code) for code in LANGUAGES)
    return [
        Rule(re.compile(rf"^/(?:{locales})/(?:(?:request|status)/[^/]+|my-request)$"), MAX_BODY,
             _form_page),
        Rule(re.compile(r"^/triage/cases/[^/]+/reply$"), REPLY_MAX_BODY, _page),
        Rule(re.compile(r"^/api/"), MAX_JSON, _problem),
        Rule(re.compile(r"^/hooks/"), HOOK_BODY, _problem),
    ]


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, rules: Sequence[Rule] | None = None, default: int = DEFAULT_LIMIT
    ) -> None:
        self.app = app
        self.rules = list(rules) if rules is not None else default_rules()
        self.default = Rule(re.compile(""), default, _page)

    def rule_for(self, path: str) -> Rule:
        return next((r for r in self.rules if r.pattern.match(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.rule_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > rule.limit:
            await _refuse(rule, scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                return  # an answer is under way; the server closes the unread connection
            await _refuse(rule, scope, receive, send)


async def _refuse(rule: Rule, scope: Scope, receive: Receive, send: Send) -> None:
    """The rule's 413, with Connection: close, so the server drops the rest of the body instead of
    keeping a half-read connection open."""
    response = rule.refuse(Request(scope))
    response.headers["connection"] = "close"
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None

"""Public pages rendered once per page and language, with holes for what differs per request.

A public page (the start page, each form, the hours page) is the same for everyone but for its
CSRF tokens, the idempotency key of a form and the opening-hours box. Rendering the form's
questions took most of a request's time, so the page is rendered once with a marker in each of
those places, split at the markers, and each request joins the parts with its own values:

- every `csrf_token()` call leaves a hole that is filled with a token issued afresh for this
  request (a new nonce each, as before; the cookie is set exactly when a token was issued);
- each of `holes` (the form's idempotency key) is filled by calling it, once per response;
- each opening-hours template (HOURS_TEMPLATES) is rendered on its own and kept for the clock's
  current minute per language, as long as the stored schedule is the same object: "open now" is
  as exact as before (openings begin and end on whole minutes), and an edit of the hours shows
  at once in the process that made it and within the hours cache's ten seconds in others.

Gzip (yhteys/compression.py) is done the same way: the fixed parts are deflated once per entry,
each hole per response, and the parts joined into one gzip stream; the bytes a browser unpacks
are the page as sent plain. The token is compressed apart from the page, so BREACH has even
less to work with than before.

An entry is kept until the question definitions change (`invalidate`, called by the questions'
change hook), the settings object or the organisation's details differ, or `ttl` passes (what
another process changed). The markers are random per process and cannot be typed into a page:
nothing a person sends is rendered into a public page.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from yhteys import i18n
from yhteys.compression import PRECOMPRESSED, deflate_part, gzip_of_parts

# The opening-hours box and its one-line form: included with `ignore missing`, computed apart.
HOURS_TEMPLATES = ("hours/_box.html", "hours/_box_line.html")
CSRF = "csrf"
MAX_ENTRIES = 512
HOLE_LEVEL = 1  # a token or a small box: nothing to gain from trying harder
_MARK = f"yhteyshole{secrets.token_hex(8)}"
_HOLE = re.compile(rf"{_MARK}:([a-z0-9_/.]+):")


def _marker(name: str) -> str:
    return f"{_MARK}:{name}:"


@dataclass
class _Entry:
    settings: object
    org: object
    until: float
    parts: list[str]  # text, hole name, text, hole name, ..., text
    made_from: object = None
    encoded: list[bytes] = field(default_factory=list)  # the parts as UTF-8
    deflated: list[bytes] | None = None  # the text parts, deflated once when first asked for

    def __post_init__(self) -> None:
        self.encoded = [part.encode() for part in self.parts]

    def deflated_texts(self) -> list[bytes]:
        if self.deflated is None:
            self.deflated = [deflate_part(part) for part in self.encoded[::2]]
        return self.deflated


class _PartsResponse(HTMLResponse):
    """A page joined from its parts, whose body message also offers the same body gzipped from
    the parts (yhteys.compression.PRECOMPRESSED): the fixed parts are deflated once per entry."""

    def __init__(self, entry: _Entry, holes: list[bytes], status_code: int,
                 headers: dict[str, str]) -> None:
        pieces = [part if i % 2 == 0 else holes[i // 2] for i, part in enumerate(entry.encoded)]
        self._entry, self._holes = entry, holes
        super().__init__(b"".join(pieces), status_code=status_code, headers=headers)

    def _gzip(self) -> bytes:
        texts = self._entry.deflated_texts()
        deflated = [texts[0]]
        for hole, text in zip(self._holes, texts[1:], strict=True):
            deflated += [deflate_part(hole, HOLE_LEVEL), text]
        return gzip_of_parts(deflated, bytes(self.body))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body, PRECOMPRESSED: self._gzip})


_lock = threading.Lock()
_entries: dict[tuple[Any, ...], _Entry] = {}
_boxes: dict[tuple[str, str], tuple[object, object, str]] = {}  # minute, schedule, html
_generation = 0


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()
        _boxes.clear()


def _holed_environment(env: Environment) -> Environment:
    """The same environment, but the hours templates are a marker each (a separate cache)."""
    holed = getattr(env, "_yhteys_holed", None)
    if holed is None:
        markers = {name: _marker(name) for name in HOURS_TEMPLATES}
        assert env.loader is not None
        holed = env.overlay(loader=ChoiceLoader([DictLoader(markers), env.loader]))
        env._yhteys_holed = holed  # type: ignore[attr-defined]
    return holed


def render_public(
    request: Request,
    name: str,
    context: Callable[[], Mapping[str, Any]],
    *,
    holes: Mapping[str, Callable[[], str]] | None = None,
    key: tuple[Any, ...] = (),
    made_from: object = None,
    ttl: float = 60.0,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """`templating.render` for a page that is the same for everyone but its holes.

    `context()` is called only when the page is rendered; `key` names what else the page
    depends on (beyond the template, its path and the language), and the page is rendered
    again when `made_from` is not the very object it was made from (a cache's value).
    """
    from yhteys.organisation import organisation
    from yhteys.settings import get_settings

    settings, org = get_settings(), organisation()
    cache_key = (name, request.scope["path"], i18n.get_locale(), *key)
    entry = _entries.get(cache_key)
    if entry is None or entry.settings is not settings or entry.org != org \
            or entry.made_from is not made_from or entry.until < time.monotonic():
        entry = _render_parts(request, name, context(), holes or {}, settings, org, ttl)
        entry.made_from = made_from
        with _lock:
            if len(_entries) >= MAX_ENTRIES:  # minutes of the hours page pile up: start afresh
                _entries.clear()
            if entry.until:
                _entries[cache_key] = entry
    # Each named hole once per response (a value may be shown twice); each token afresh.
    filled = {hole: make() for hole, make in (holes or {}).items()}
    values = [_fill(request, hole, filled).encode() for hole in entry.parts[1::2]]
    return _PartsResponse(entry, values, status_code, dict(headers or {}))


def _render_parts(
    request: Request, name: str, context: Mapping[str, Any], holes: Mapping[str, object],
    settings: object, org: object, ttl: float,
) -> _Entry:
    from yhteys import templating

    generation = _generation
    values = templating.base_values(request)
    values.update(context)
    values.update({hole: _marker(hole) for hole in holes})
    values["csrf_token"] = lambda: _marker(CSRF)
    html = _holed_environment(templating.environment()).get_template(name).render(**values)
    until = time.monotonic() + ttl if generation == _generation else 0.0  # overlapped a change
    return _Entry(settings, org, until, _HOLE.split(html))


def _fill(request: Request, hole: str, filled: Mapping[str, str]) -> str:
    if hole == CSRF:
        from yhteys import csrf

        return csrf.issue_token(request)
    if hole in filled:
        return filled[hole]
    return _hours_box(request, hole)


def _hours_box(request: Request, name: str) -> str:
    """An hours template, rendered for this language and minute of the clock."""
    from intake.hours import box, store
    from yhteys import clock, templating

    locale = i18n.get_locale()
    minute = clock.now().replace(second=0, microsecond=0)
    try:
        loaded: object = store.load_all()
    except Exception:  # noqa: BLE001 - the box says it is unavailable; that is never kept
        loaded = None
    cached = _boxes.get((name, locale))
    if cached is not None and loaded is not None and cached[0] == minute and cached[1] is loaded:
        return cached[2]
    hours_box = box.chat_hours_box()
    values = templating.base_values(request)
    values["chat_hours_box"] = lambda: hours_box
    html = templating.environment().get_template(name).render(**values)
    if hours_box.available and loaded is not None:
        with _lock:
            _boxes[(name, locale)] = (minute, loaded, html)
    return html

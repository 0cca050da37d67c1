"""Jinja2 environment shared by every package, and the one `render` helper routes use."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import NoMatchFound

from yhteys import i18n
from yhteys.clock import machine_time
from yhteys.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


@lru_cache(maxsize=256)
def _static_hash(path: str) -> str:
    file = STATIC_DIR / path
    if not file.is_file():
        return "0"
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """A cache-busting URL for a static file, so it can be cached for a year."""
    return f"/static/{path}?v={_static_hash(path)}"


def _format_datetime(value, format: str = "medium") -> str:  # noqa: A002, ANN001
    from yhteys.clock import HELSINKI, as_utc

    if value is None:
        return ""
    return format_datetime(as_utc(value), format, tzinfo=HELSINKI, locale=i18n.format_locale())


def _format_date(value, format: str = "medium") -> str:  # noqa: A002, ANN001
    if value is None:
        return ""
    return format_date(value, format, locale=i18n.format_locale())


def _format_time(value, format: str = "short") -> str:  # noqa: A002, ANN001
    from yhteys.clock import HELSINKI

    if value is None:
        return ""
    return format_time(value, format, tzinfo=HELSINKI, locale=i18n.format_locale())


# Bidirectional embeddings, overrides, isolates and marks (U+202A-202E, U+2066-2069, U+200E/F),
# zero-width characters (U+200B-200D) and the byte-order mark: in someone else's text they hide or
# reorder what is around them ("invoice\u202efdp.exe" reads "invoiceexe.pdf").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")


def visible_controls(value: object) -> str:
    """The text with every bidi and zero-width control shown as a visible code, [U+202E]."""
    text = "" if value is None else str(value)
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def bidi(value: object, isolate: bool = True) -> Markup | str:
    """`{{ name|bidi }}`: text someone else wrote, isolated in <bdi> with its controls visible.

    Use it on every staff page for what a client (or another person) typed. `isolate=False` gives
    the neutralised text alone, for attributes and form fields (put dir="auto" on the element).
    """
    if isinstance(value, Markup):  # already HTML (a macro's output): controls are text in it
        # Safe: it was Markup already, and the codes put in contain no markup characters.
        text = Markup(visible_controls(value))  # noqa: S704
    else:
        text = escape(visible_controls(value))
    if not isolate:
        return text
    # `text` is escaped already: joined as strings, not escaped again by Markup's own `+`.
    return Markup(f"<bdi>{text}</bdi>")  # noqa: S704


def _chat_hours_box():  # noqa: ANN202 - intake.hours.box.HoursBox, imported late (a leaf module)
    from intake.hours.box import chat_hours_box

    return chat_hours_box()


GETTEXT_NAMES = ("_", "gettext", "ngettext", "pgettext")


class DomainPerFile(Extension):
    """Every template looks its messages up in the domain of its own file, as extraction puts
    them there (yhteys.i18n.domain_of): `_` in base.html is the root domain's even when an intake
    page extends it, and a macro keeps its file's domain wherever it is called. The call names
    are rewritten at compile time, when the file's name is known: `_(...)` in an intake template
    becomes `_intake_gettext(...)`."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        domain = i18n.template_domain(stream.name or "")
        previous: Token | None = None
        for token in stream:
            if previous is not None:
                if (previous.type == "name" and previous.value in GETTEXT_NAMES
                        and token.type == "lparen"):
                    kind = "gettext" if previous.value == "_" else previous.value
                    previous = Token(previous.lineno, "name", f"_{domain}_{kind}")
                yield previous
            previous = token
        if previous is not None:
            yield previous


def _domain_callables(domain: str) -> dict[str, Any]:
    """Jinja's own newstyle wrappers (autoescape, %(name)s formatting) around one domain."""
    from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_pgettext

    def plural(singular: str, plural_: str, n: int) -> str:
        return i18n.translations(i18n.get_locale(), domain).ngettext(singular, plural_, n)

    return {
        f"_{domain}_gettext": _make_new_gettext(lambda message: i18n.translate(domain, message)),
        f"_{domain}_ngettext": _make_new_ngettext(plural),
        f"_{domain}_pgettext": _make_new_pgettext(
            lambda context, message: i18n.translate_in_context(domain, context, message)
        ),
    }


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n", DomainPerFile],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for domain in i18n.domains():
        env.globals.update(_domain_callables(domain))
    env.globals.update(
        static_url=static_url,
        languages=i18n.LANGUAGES,
        text_direction=i18n.text_direction,
        language_names=i18n.INTERPRETER_LANGUAGES,
        chat_hours_box=_chat_hours_box,
    )
    env.filters.update(
        datetime=_format_datetime,
        date=_format_date,
        time=_format_time,
        bidi=bidi,
        machine_time=machine_time,
    )
    return env


def render_string(name: str, context: Mapping[str, Any]) -> str:
    """Render a template outside a request (notification texts, exports)."""
    from yhteys.organisation import organisation

    return environment().get_template(name).render(**{"org": organisation(), **context})


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the request-wide context every layout needs."""
    values = base_values(request)
    values.update(context or {})
    html = environment().get_template(name).render(**values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def base_values(request: Request) -> dict[str, Any]:
    """The request-wide context every layout needs (also used by yhteys.pagecache)."""
    from yhteys import csrf
    from yhteys.organisation import organisation

    locale = i18n.get_locale()
    return {
        "request": request,
        "locale": locale,
        "dir": i18n.text_direction(locale),
        "csrf_token": lambda: csrf.issue_token(request),
        "url": lambda route, **params: _url(request, route, **params),
        "lang_url": lambda lang: _lang_url(request, lang),
        "org": organisation(),
    }


def _url(request: Request, route: str, **params: Any) -> str:
    """Path of a named route; the current locale is filled in when the route takes one."""
    try:
        return str(request.url_for(route, **params).path)
    except NoMatchFound:  # the locale is the one parameter filled in implicitly
        params.setdefault("locale", i18n.get_locale())
        return str(request.url_for(route, **params).path)


def _lang_url(request: Request, lang: str) -> str:
    """The same page in another language (public pages carry the locale as first segment)."""
    path = request.url.path
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[1] in i18n.LANGUAGES:
        rest = parts[2] if len(parts) > 2 else ""
        return f"/{lang}/{rest}"
    return f"/{lang}/"

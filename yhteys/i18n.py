"""Languages, catalogs and the current locale.

Catalogs are gettext `.po` files, one domain per part of the product
(`locales/<lang>/LC_MESSAGES/<domain>.po`), read and compiled in memory at start-up so a fresh
checkout needs no build step and a stale `.mo` can never be served. The current locale lives in a
context variable, set once per HTTP request, so `gettext` works the same in templates, forms and
plain functions.

A message is looked up in its own domain only: the domain of the file that says it. Each package
declares its domain's files once (`add_catalog` in its `includeme`); extraction
(`yhteys.catalogs`) reads that to fill each catalog, and lookups read it to find the catalog of
the calling module or template. So "To" can
be "Vastaanottaja" in the notices and "Päättyen" in the audit filter without either winning.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import cast

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations
from babel.util import pathmatch

from yhteys.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DEFAULT_LOCALE = "fi"


# Languages offered to the public, in the order of the language switcher, with their native names.
# A language is offered only once its catalogs are complete (a test checks this).
LANGUAGES: dict[str, str] = {
    "fi": "suomi",
    "sv": "svenska",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "ckb": "کوردیی سۆرانی",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "ru": "Русский",
    "uk": "Українська",
    "fr": "Français",
}
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "ps", "he", "ckb"})
# Staff pages and staff mail are in these only; the public side speaks every one of LANGUAGES.
STAFF_LANGUAGES: dict[str, str] = {"fi": "suomi", "sv": "svenska", "en": "English"}

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def _load_po(path: Path, locale: str) -> Translations:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


@cache
def translations(locale: str, domain: str) -> NullTranslations:
    """One domain of one language; a message it lacks is shown in English, the source."""
    path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    return _load_po(path, locale) if path.exists() else NullTranslations()


def sources() -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Where each domain's messages come from, as each package declared it: (folder, babel
    method map); one domain per part of the product, so people working on different parts never
    edit the same catalog."""
    from yhteys.registry import registry

    return registry().catalogs


def domains() -> tuple[str, ...]:
    return tuple(sources())


def staff_domains() -> frozenset[str]:
    from yhteys.registry import registry

    return frozenset(registry().staff_catalogs)


def languages_of(domain: str) -> tuple[str, ...]:
    """The languages a domain must be complete in."""
    return tuple(STAFF_LANGUAGES if domain in staff_domains() else LANGUAGES)


@cache
def domain_of(path: str) -> str:
    """The domain of a file (relative to the project root), as extraction assigns it."""
    for domain, folders in sources().items():
        for folder, method_map in folders:
            if not path.startswith(folder + "/"):
                continue
            relative = path[len(folder) + 1 :]
            for pattern, method in method_map:
                if pathmatch(pattern, relative):
                    if method != "ignore":
                        return domain
                    break
    return "yhteys"


@cache
def _module_domain(module: str) -> str:
    loaded = sys.modules.get(module)
    filename = getattr(loaded, "__file__", None) or ""
    try:
        relative = Path(filename).resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return "yhteys"
    return domain_of(relative)


def _caller_domain(depth: int = 2) -> str:
    return _module_domain(sys._getframe(depth).f_globals.get("__name__", ""))


def template_domain(name: str) -> str:
    return domain_of(f"templates/{name}")


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LANGUAGES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render something in another language (a notification in the client's language)."""
    token = _current.set(locale if locale in LANGUAGES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def translate(domain: str, message: str, **variables: object) -> str:
    text = translations(get_locale(), domain).gettext(message)
    return text % variables if variables else text


def translate_plural(domain: str, singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale(), domain).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def translate_in_context(domain: str, context: str, message: str, **variables: object) -> str:
    # babel annotates pgettext as `str | object`; what it returns is a catalog string.
    text = cast(str, translations(get_locale(), domain).pgettext(context, message))
    return text % variables if variables else text


def gettext(message: str, **variables: object) -> str:
    """The message in the current language, from the calling module's own domain."""
    return translate(_caller_domain(), message, **variables)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    return translate_plural(_caller_domain(), singular, plural, n, **variables)


def pgettext(context: str, message: str, **variables: object) -> str:
    """A message whose words depend on where it stands ("To" a date, "To" a person)."""
    return translate_in_context(_caller_domain(), context, message, **variables)


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """A message translated when shown, for labels defined at import time (in the domain of
    the module that defines it, looked up when shown: at import time the packages may not all
    have declared their domains yet)."""
    module = sys._getframe(1).f_globals.get("__name__", "")
    return LazyProxy(_translate_for, module, message, enable_cache=False, **variables)


def _translate_for(module: str, message: str, **variables: object) -> str:
    return translate(_module_domain(module), message, **variables)


_ = gettext


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"


# Dates, times and numbers follow Finland's conventions in each language; English is British
# (24-hour clock, day before month), never Babel's default US English.
FORMAT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


def format_locale(locale: str | None = None) -> str:
    """The Babel locale to format dates and times in for a page language."""
    locale = locale or get_locale()
    return FORMAT_LOCALES.get(locale, locale)


def native_name(locale: str) -> str:
    return LANGUAGES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale


def negotiate(accept_language: str | None, offered: Mapping[str, str] | None = None) -> str:
    """Pick the best offered language (the public ones unless said) from Accept-Language."""
    return best_match(accept_language, offered) or DEFAULT_LOCALE


# What browsers send for languages we offer under another code.
ALIASES = {"prs": "fa", "fa-af": "fa", "ku-arab": "ckb", "ku-iq": "ckb", "ku-ir": "ckb"}


def best_match(accept_language: str | None, offered: Mapping[str, str] | None = None) -> str | None:
    """The best offered language the browser asks for, or None when it asks for none of them."""
    offered = LANGUAGES if offered is None else offered
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, tag.strip().lower()))
    for neg_quality, _index, tag in sorted(weighted):
        if neg_quality >= 0:
            continue
        for code in (ALIASES.get(tag), ALIASES.get(tag.split("-")[0]), tag.split("-")[0]):
            if code in offered:
                return code
    return None


def all_language_names() -> dict[str, str]:
    """Native names of languages a person may prefer or need an interpreter for.

    Wider than LANGUAGES: an advisor can arrange an interpreter for a language the site itself is
    not translated into.
    """
    return dict(INTERPRETER_LANGUAGES)


INTERPRETER_LANGUAGES: dict[str, str] = {
    "fi": "suomi",
    "sv": "svenska",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "prs": "دری",
    "ps": "پښتو",
    "ku": "Kurdî",
    "ckb": "کوردی",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "am": "አማርኛ",
    "ru": "русский",
    "uk": "українська",
    "tr": "Türkçe",
    "fr": "français",
    "es": "español",
    "pt": "português",
    "sw": "Kiswahili",
    "ur": "اردو",
    "bn": "বাংলা",
    "vi": "Tiếng Việt",
    "zh": "中文",
    "th": "ไทย",
    "sq": "shqip",
    "et": "eesti",
}

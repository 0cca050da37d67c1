"""Message extraction and catalog upkeep: `python -m yhteys.catalogs update` (make messages).

One gettext domain per package; the sources of each domain are its Python package and its
template folder. `missing()` lists what a catalog lacks, for the completeness test.
"""

from __future__ import annotations

import fcntl
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from yhteys.i18n import LOCALES_DIR, domains, languages_of, sources, staff_domains
from yhteys.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "translate": (2,),
            "pgettext": ((1, "c"), 2)}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}


def _sources(domain: str) -> list[tuple[Path, list[tuple[str, str]]]]:
    return [(PROJECT_ROOT / folder, method_map) for folder, method_map in sources()[domain]]


def extract(domain: str) -> Catalog:
    catalog = Catalog(domain=domain, project="yhteys")
    for folder, method_map in _sources(domain):
        if not folder.exists():
            continue
        options = {pattern: JINJA_OPTIONS for pattern, method in method_map if method == "jinja2"}
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), method_map, options, keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            catalog.add(
                message,
                None,
                [(str(folder.relative_to(PROJECT_ROOT) / filename), lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def po_path(locale: str, domain: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def read(locale: str, domain: str) -> Catalog:
    path = po_path(locale, domain)
    if not path.exists():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


@contextmanager
def _locked() -> Iterator[None]:
    """Catalogs are rewritten whole: one writer at a time, or translations get lost."""
    LOCALES_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALES_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update(only: list[str] | None = None) -> None:
    """Merge freshly extracted messages into the catalogs, keeping existing translations."""
    with _locked():
        for domain in only or domains():
            _update_domain(domain)


def catalog_languages(domain: str) -> list[str]:
    """Where a domain has catalogs: its languages, and for a public domain every language a
    translator has started (a folder under locales/) before it is offered to the public."""
    required = list(languages_of(domain))
    if domain in staff_domains():
        return required
    started = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    return required + [lang for lang in started if lang not in required]


def _update_domain(domain: str) -> None:
    template = extract(domain)
    for locale in catalog_languages(domain):
        catalog = read(locale, domain)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(locale, domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, ignore_obsolete=True)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
REVIEW_LINE = re.compile(r"^#?\s*Native-speaker review:\s*(.+)$", re.MULTILINE | re.IGNORECASE)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def reviewed(catalog: Catalog) -> str:
    """What the catalog's header says of a native speaker's review ("no" when it says nothing)."""
    found = REVIEW_LINE.search(catalog.header_comment or "")
    return found.group(1).strip() if found else "no"


@dataclass(frozen=True)
class Progress:
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    bad_placeholders: int
    reviewed: str


def progress(locale: str, domain: str) -> Progress:
    """How far a catalog is: for `yhteys translations` and the completeness test."""
    catalog = read(locale, domain)
    total = translated = fuzzy = bad = 0
    for message in catalog:
        if not message.id:
            continue
        total += 1
        source = _key(message.id)
        string = _key(message.string or "")
        if message.fuzzy:
            fuzzy += 1
        elif string:
            translated += 1
            if placeholders(string) != placeholders(source):
                bad += 1
    return Progress(total, translated, fuzzy, total - translated - fuzzy, bad, reviewed(catalog))


def _key(message_id: str | Sequence[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def missing(locale: str, domain: str) -> Iterator[str]:
    """Messages the sources use that the catalog does not translate.

    English is the source language: its catalog must hold every message, translated or not.
    """
    catalog = read(locale, domain)
    for message in extract(domain):
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        untranslated = entry is not None and (entry.fuzzy or not _translated(entry.string))
        if entry is None or (locale != "en" and untranslated):
            yield _key(message.id)


def _translated(string: str | Sequence[str] | None) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def fill(locale: str, domain: str, translations: dict[str, str]) -> None:
    """Set translations from a {message: translation} mapping (from a translator's JSON file)."""
    with _locked():
        _fill(locale, domain, translations)


def _fill(locale: str, domain: str, translations: dict[str, str]) -> None:
    catalog = read(locale, domain)
    for key, string in translations.items():
        # "context\x04message" names a message with a context, as gettext's .mo files do.
        context, _, message_id = key.rpartition("\x04")
        entry = catalog.get(message_id, context=context or None)
        if entry is None:
            catalog.add(message_id, string, context=context or None)
        else:
            entry.string = string
            entry.flags.discard("fuzzy")
    with po_path(locale, domain).open("wb") as fh:
        write_po(fh, catalog, width=100, ignore_obsolete=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["fill"] and len(argv) == 3:
        import json

        fill(argv[1], argv[2], json.load(sys.stdin))
        return 0
    if argv[:1] == ["update"]:
        update(argv[1:] or None)
        return 0
    if argv[:1] == ["missing"]:
        count = 0
        for domain in domains():
            for locale in languages_of(domain):
                for message_id in missing(locale, domain):
                    count += 1
                    print(f"{locale}/{domain}: {message_id!r}")
        return 1 if count else 0
    print(
        "usage: python -m yhteys.catalogs update [DOMAIN ...] | missing"
        " | fill LOCALE DOMAIN < translations.json",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

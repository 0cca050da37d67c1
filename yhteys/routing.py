"""URL convertors shared by every package's routes."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from yhteys import i18n


class LocaleConvertor(Convertor[str]):
    regex = "|".join(sorted(i18n.LANGUAGES, key=len, reverse=True))

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        if value not in i18n.LANGUAGES:
            raise ValueError(f"not an offered language: {value!r}")
        return value


_registered = False


def register_convertors() -> None:
    global _registered
    if not _registered:
        register_url_convertor("locale", LocaleConvertor())
        _registered = True

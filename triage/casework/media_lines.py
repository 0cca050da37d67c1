"""The line a file sent on WhatsApp leaves on the case page, whatever became of it."""

from __future__ import annotations

from intake.models import WhatsAppMedia
from yhteys.i18n import gettext as _


def _what(kind: str) -> str:
    return {
        "voice": _("A voice note"),
        "audio": _("An audio file"),
        "image": _("A photo"),
        "document": _("A document"),
        "video": _("A video"),
        "sticker": _("A sticker"),
    }.get(kind, _("A file"))


def _reason(code: str) -> str:
    return {
        "too_large": _("it is larger than 10 MB"),
        "type_not_allowed": _("this kind of file is not accepted"),
        "unreadable": _("it is damaged or cannot be opened"),
        "too_complex": _("it is too big to open"),
        "empty": _("it is empty"),
    }.get(code, _("it could not be checked"))


def line(media: WhatsAppMedia) -> str:
    """"" when the file is stored (the file itself shows), else what staff need to know."""
    what = _what(media.kind)
    if media.state == "done":
        return ""
    if media.state in {"pending", "fetching"}:
        return _("%(what)s sent on WhatsApp is being fetched.", what=what)
    if media.state == "refused":
        return _("%(what)s sent on WhatsApp was refused: %(reason)s. Ask the client to send "
                 "it another way.", what=what, reason=_reason(media.reason))
    if media.state == "not_kept":
        return _("%(what)s was sent on WhatsApp. Videos and stickers are not kept: ask the "
                 "client for it another way if it matters.", what=what)
    return _("%(what)s sent on WhatsApp could not be fetched. Ask the client to send it "
             "again.", what=what)

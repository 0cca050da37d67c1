"""How to reach the client: the one policy every client notice follows.

From her own choices — the main way, a backup, whether a message may be left, or no contact at
all — and from what the service knows of her WhatsApp number, `reach` says which channel and
address a notice goes to first, which ones follow if that fails, and in which language.

- A phone call cannot be queued; a text message stands in only if she allowed messages to be
  left (someone else may read her phone).
- A WhatsApp number typed into a form proves nothing. Only the acknowledgement, which carries
  nothing but the reference and her own link, goes to a number she has not yet proven; every
  later notice needs the number proven (intake/inbound.py).
- "No contact" means nothing is sent, ever.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.models import Case
from yhteys.i18n import DEFAULT_LOCALE, LANGUAGES

NOTICES = ("case_received", "advisor_replied", "open_link")
# Notices that may go to a WhatsApp number its owner has not yet proven for this case.
UNPROVEN_WHATSAPP_ALLOWED = frozenset({"case_received"})


@dataclass(frozen=True)
class Reach:
    channel: str
    address: str
    fallback: tuple[tuple[str, str], ...]
    locale: str


def client_locale(case: Case, page_locale: str = "") -> str:
    """Her preferred language if the service speaks it, else the page she used, else Finnish."""
    for candidate in (case.language, page_locale, case.ui_locale):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LOCALE


def _channel(channel: str, may_leave_message: bool) -> str | None:
    if channel == "phone":
        return "sms" if may_leave_message else None
    return channel if channel in {"email", "sms", "whatsapp"} else None


def reach(case: Case, notice: str, *, page_locale: str = "") -> Reach | None:
    """Where `notice` goes for this case, or None when it must not be sent at all."""
    if notice not in NOTICES:
        raise ValueError(f"unknown client notice {notice!r}")
    proven = case.whatsapp_proven_at is not None
    ways: list[tuple[str, str]] = []
    for chosen, address in ((case.contact_channel, case.contact_address),
                            (case.backup_channel, case.backup_address)):
        channel = _channel(chosen, case.may_leave_message)
        if channel is None or not address:
            continue
        if channel == "whatsapp" and not proven and notice not in UNPROVEN_WHATSAPP_ALLOWED:
            continue
        if (channel, address) not in ways:
            ways.append((channel, address))
    if not ways:
        return None
    (channel, address), rest = ways[0], tuple(ways[1:])
    return Reach(channel, address, rest, client_locale(case, page_locale))


def reach_address(case: Case, notice: str, address: str) -> Reach | None:
    """Where `notice` goes when it must go to this one of her addresses (the one she typed to
    ask for a link), on that address's channel, by the same rules as `reach`; None if it may
    not go there."""
    if notice not in NOTICES:
        raise ValueError(f"unknown client notice {notice!r}")
    proven = case.whatsapp_proven_at is not None
    for chosen, stored in ((case.contact_channel, case.contact_address),
                           (case.backup_channel, case.backup_address)):
        channel = _channel(chosen, case.may_leave_message)
        if channel is None or not stored or stored != address:
            continue
        if channel == "whatsapp" and not proven and notice not in UNPROVEN_WHATSAPP_ALLOWED:
            continue
        return Reach(channel, stored, (), client_locale(case))
    return None

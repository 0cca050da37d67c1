"""Contact addresses shown masked: enough for the person to recognise her own, too little for
someone looking over her shoulder or holding her old phone to learn it."""

from __future__ import annotations

DOT = "•"


def mask_phone(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) < 6:
        return DOT * 4
    head = number.strip()[:4] if number.strip().startswith("+") else digits[:3]
    return f"{head} {DOT * 3} {DOT * 3} {DOT}{digits[-2:]}"


def mask_email(address: str) -> str:
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or "." not in domain:
        return DOT * 4
    name, _, tld = domain.rpartition(".")
    return f"{local[0]}{DOT * 3}@{name[:1]}{DOT * 3}.{tld}"


def mask_address(channel: str, address: str) -> str:
    if not address:
        return ""
    return mask_email(address) if channel == "email" else mask_phone(address)

"""Reference codes, status-link secrets and idempotency keys.

The reference (`K7M-4QX-P9T`) names a case out loud, on the phone: short, from an alphabet without
look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V) and without vowels, so it never spells a word.
It is not a secret. The status secret is: it opens the case's page. It is derived from the
submission's idempotency key, HMAC-SHA256(SECRET_KEY, "status|" + key), so a resent form can show
the same link again while the database keeps only SHA-256 hashes of both the key and the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import TypeGuard

from yhteys.settings import get_settings

ALPHABET = "34679CDFHJKMNPQRTWXY"
REFERENCE_LENGTH = 9  # 20**9 = 5 * 10**11 codes: collisions are rare and retried
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STATUS_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 256 bits, base64url without padding


def new_reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def is_reference(text: str) -> bool:
    return bool(re.fullmatch(rf"[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}", text))


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)  # 192 bits, 32 characters


def valid_idempotency_key(key: object) -> TypeGuard[str]:
    return isinstance(key, str) and bool(IDEMPOTENCY_KEY.match(key))


def idempotency_hash(key: str) -> str:
    """What the case stores: a leaked database does not reveal the keys (nor so the secrets)."""
    return hashlib.sha256(f"idempotency|{key}".encode()).hexdigest()


def status_secret(key: str) -> str:
    """The secret of the status link of the case made with this idempotency key."""
    mac = hmac.new(get_settings().secret_key.encode(), f"status|{key}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def status_url(secret: str, locale: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/{locale}/status/{secret}"


WHATSAPP_CODE = re.compile(
    rf"\bYH[\s-]?([{ALPHABET}]{{4}})[\s-]?([{ALPHABET}]{{4}})\b", re.IGNORECASE
)


def whatsapp_code(secret: str) -> str:
    """The code that connects WhatsApp to a case: shown only on the case's own pages (derived
    from the status secret, so only a link holder can see it) and sent back from the number."""
    mac = hmac.new(secret.encode(), b"whatsapp-link", hashlib.sha256).digest()
    letters = "".join(ALPHABET[b % len(ALPHABET)] for b in mac[:8])
    return f"YH-{letters[:4]}-{letters[4:]}"


def whatsapp_code_hash(code: str) -> str:
    return hashlib.sha256(f"whatsapp|{code.upper()}".encode()).hexdigest()


def split_whatsapp_code(text: str) -> tuple[str | None, str]:
    """The code in a message, however it was typed ("yh k7m4 qx9t", "YH-K7M4-QX9T"), and the
    rest of the message without it."""
    match = WHATSAPP_CODE.search(text or "")
    if match is None:
        return None, text
    code = f"YH-{match.group(1).upper()}-{match.group(2).upper()}"
    return code, (text[: match.start()] + text[match.end() :]).strip()

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


def valid_idempotency_key(key: object) -> bool:
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

"""Encryption at rest: secrets and files sealed with keys that live outside the database and the
storage folder.

A thief with a database dump or a copy of the upload folder gets ciphertext only; the keys come
from `DATA_KEYS` (the environment or a secrets manager). The first key seals, every listed key
opens, so rotation is: put a new key first, run `yhteys rotate-keys` (which reseals what the old
keys sealed), then drop the old key.

Format of a sealed blob: b"yk1" | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext.
The purpose ("attachment", "totp", ...) is bound as associated data, so a blob sealed for one
use cannot be replayed as another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yhteys.settings import Settings, get_settings

MAGIC = b"yk1"
KEY_ID_BYTES = 4
NONCE_BYTES = 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES


class CryptoError(ValueError):
    """A blob that is not ours, was changed, or was sealed with a key we no longer hold."""


@dataclass(frozen=True)
class Key:
    id: bytes
    aead: AESGCM


def new_key() -> str:
    """A fresh key in the form DATA_KEYS takes (urlsafe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("a DATA_KEYS entry is not base64") from exc
    if len(raw) != 32:
        raise CryptoError("a DATA_KEYS entry must be 32 bytes (make one: yhteys generate-key)")
    return raw


def _key(raw: bytes) -> Key:
    return Key(hashlib.sha256(b"yhteys-key-id|" + raw).digest()[:KEY_ID_BYTES], AESGCM(raw))


@lru_cache(maxsize=8)
def _keyring(data_keys: tuple[str, ...], secret_key: str) -> tuple[Key, ...]:
    if data_keys:
        return tuple(_key(parse_key(k)) for k in data_keys)
    # Development and tests only (production refuses an empty DATA_KEYS): a key derived from
    # SECRET_KEY, so a laptop needs no extra setting.
    return (_key(hashlib.sha256(b"yhteys-dev-data-key|" + secret_key.encode()).digest()),)


def keyring(settings: Settings | None = None) -> tuple[Key, ...]:
    settings = settings or get_settings()
    return _keyring(settings.data_keys, settings.secret_key)


def seal(data: bytes, purpose: str) -> bytes:
    current = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + current.id + nonce + current.aead.encrypt(nonce, data, purpose.encode())


def is_sealed(blob: bytes) -> bool:
    return blob[: len(MAGIC)] == MAGIC and len(blob) > HEADER_BYTES


def open_sealed(blob: bytes, purpose: str) -> bytes:
    if not is_sealed(blob):
        raise CryptoError("not a sealed blob")
    key_id = blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
    nonce = blob[len(MAGIC) + KEY_ID_BYTES : HEADER_BYTES]
    for key in keyring():
        if key.id == key_id:
            try:
                return key.aead.decrypt(nonce, blob[HEADER_BYTES:], purpose.encode())
            except InvalidTag as exc:
                raise CryptoError("the blob was changed or sealed for another purpose") from exc
    raise CryptoError("sealed with a key that is not in DATA_KEYS")


def needs_reseal(blob: bytes) -> bool:
    """True when the blob was sealed with a key other than the current one (after rotation)."""
    return is_sealed(blob) and blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES] != keyring()[0].id


def seal_text(text: str, purpose: str) -> str:
    """A sealed string for a text column (urlsafe base64, prefixed so it is recognisable)."""
    return "enc:" + base64.urlsafe_b64encode(seal(text.encode(), purpose)).decode("ascii")


def open_text(value: str, purpose: str) -> str:
    if not value.startswith("enc:"):
        raise CryptoError("not a sealed text")
    try:
        blob = base64.urlsafe_b64decode(value[4:])
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("not a sealed text") from exc
    return open_sealed(blob, purpose).decode()


def text_needs_reseal(value: str) -> bool:
    if not value.startswith("enc:"):
        return True
    try:
        return needs_reseal(base64.urlsafe_b64decode(value[4:]))
    except (binascii.Error, ValueError):
        return True

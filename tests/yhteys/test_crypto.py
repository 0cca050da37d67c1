"""Encryption at rest: what a thief with a dump or the upload folder gets is ciphertext."""

from dataclasses import replace

import pytest

from yhteys import crypto
from yhteys.settings import set_settings


def test_sealed_data_opens_only_for_its_purpose(settings):
    blob = crypto.seal(b"passport scan", "attachment")
    assert b"passport" not in blob
    assert crypto.open_sealed(blob, "attachment") == b"passport scan"
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(blob, "totp")


def test_a_changed_blob_is_refused(settings):
    blob = bytearray(crypto.seal(b"x" * 100, "attachment"))
    blob[-1] ^= 1
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(bytes(blob), "attachment")


def test_rotation_old_keys_open_new_key_seals(settings):
    old, new = crypto.new_key(), crypto.new_key()
    set_settings(replace(settings, data_keys=(old,)))
    blob = crypto.seal(b"seed", "totp")
    text = crypto.seal_text("seed", "totp")
    set_settings(replace(settings, data_keys=(new, old)))
    assert crypto.open_sealed(blob, "totp") == b"seed"
    assert crypto.open_text(text, "totp") == "seed"
    assert crypto.needs_reseal(blob) and crypto.text_needs_reseal(text)
    assert not crypto.needs_reseal(crypto.seal(b"seed", "totp"))
    set_settings(replace(settings, data_keys=(new,)))
    with pytest.raises(crypto.CryptoError, match="not in DATA_KEYS"):
        crypto.open_sealed(blob, "totp")


def test_a_malformed_key_is_refused_with_a_clear_reason():
    with pytest.raises(crypto.CryptoError, match="32 bytes"):
        crypto.parse_key("c2hvcnQ=")

"""The second factor: TOTP (RFC 6238) codes, the enrolment QR code, recovery codes.

A code is accepted in the time step it belongs to or one step either side (clock drift), and only
when that step is later than the last one accepted for the user, so a code works once.

Seeds rest sealed (`yhteys.crypto`, purpose "totp"): `seal_seed` before a seed is stored,
`open_seed` when a code is checked, `reseal_all` after a key rotation (`yhteys rotate-keys`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from sqlmodel import Session, col, select

from yhteys import crypto

PURPOSE = "totp"

ISSUER = "Yhteys"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def new_secret() -> str:
    return pyotp.random_base32(length=32)  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def seal_seed(secret: str) -> str:
    return crypto.seal_text(secret, PURPOSE)


def open_seed(stored: str) -> str:
    """The seed of a stored (sealed) value; CryptoError when it is not ours or was changed."""
    return crypto.open_text(stored, PURPOSE)


def reseal_all(session: Session) -> int:
    """Seal again every seed not sealed with the first key of DATA_KEYS (or left in clear).

    The caller commits. Returns how many seeds were resealed.
    """
    from triage.accounts.models import StaffUser

    count = 0
    rows = session.exec(select(StaffUser).where(col(StaffUser.totp_secret).is_not(None)))
    for user in rows:
        stored = user.totp_secret or ""
        if not crypto.text_needs_reseal(stored):
            continue
        seed = open_seed(stored) if stored.startswith("enc:") else stored
        user.totp_secret = seal_seed(seed)
        session.add(user)
        count += 1
    session.flush()
    return count


def code_at(secret: str, at: datetime) -> str:
    """The code an authenticator app shows at `at` (tests use this; a sealed seed is opened)."""
    if secret.startswith("enc:"):
        secret = open_seed(secret)
    return pyotp.TOTP(secret).generate_otp(time_step(at))


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def matching_step(secret: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and not used before; else None."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = time_step(at)
    found = None
    for step in (current - 1, current, current + 1):
        # Compare every candidate so the time taken says nothing about which one matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an inline SVG that needs no inline style (CSP style-src 'self')."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None)
    svg = re.sub(r'\sstyle="[^"]*"', "", svg)  # segno emits none today; never let one through
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def new_recovery_codes() -> list[str]:
    """Ten codes of 16 letters (80 bits each), grouped for reading: abcd-efgh-jkmn-pqrs."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """SHA-256 is enough here: the code itself carries 80 random bits."""
    return hashlib.sha256(normalise_code(code).lower().encode()).hexdigest()


def looks_like_recovery_code(raw: str) -> bool:
    return len(normalise_code(raw)) == 16

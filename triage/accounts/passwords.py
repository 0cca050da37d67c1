"""Password hashing (Argon2id) and the password rules staff must meet.

Common and leaked passwords are refused with zxcvbn (offline: its 30,000 most common leaked
passwords and word lists ship inside the package; nothing is sent anywhere). A password is refused
when it is on the list, or when zxcvbn finds it is built from listed passwords, words, keyboard
walks, dates and repeats so that fewer than 10^8 guesses find it (zxcvbn's score below 3).
"""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yhteys.i18n import gettext as _
from yhteys.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing a megabyte on every login attempt would be a cheap denial of service
UNUSABLE_PREFIX = "!"  # a password hash no password matches (set-password link pending)
MIN_SCORE = 3  # zxcvbn: 3 = at least 10^8 guesses, beyond online guessing through our limits
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer password is past the lists anyway
# Words an attacker of this service tries first, beside the person's own address.
SERVICE_WORDS = ("yhteys", "punainen", "risti", "red", "cross", "röda", "korset", "triage")


@lru_cache(maxsize=4)
def _hasher(env: str) -> PasswordHasher:
    if env == "test":
        # Test runs only: the same algorithm with cheap parameters, so a suite that creates
        # hundreds of accounts stays fast on a shared machine. Real environments never see it.
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


def hasher() -> PasswordHasher:
    return _hasher(get_settings().env)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    if password_hash.startswith(UNUSABLE_PREFIX):
        burn_time(password)  # as slow as a real check: an unset password is not told apart
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (rehash on login)."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(env: str) -> str:
    return _hasher(env).hash("dummy password for unknown accounts")


def burn_time(password: str) -> None:
    """Do the work of a real check, so an unknown email answers as slowly as a known one."""
    verify_password(_dummy_hash(get_settings().env), password[:MAX_LENGTH])


def password_problem(password: str, *, email: str, current: str | None = None) -> str | None:
    """Why a new password is refused, in the reader's language; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    folded = password.strip().casefold()
    if email and (folded == email.casefold() or folded == email.split("@")[0].casefold()):
        return _("Do not use your email address as your password.")
    if current is not None and password == current:
        return _("Choose a password different from the current one.")
    if len(set(password)) < 4:
        return _("This password is too easy to guess.")
    if is_common(password, email=email):
        return _("This password is too common: it is on lists of leaked passwords, or made from "
                 "one. Choose another, for example a few words that do not belong together.")
    return None


@lru_cache(maxsize=1)
def _leaked() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str, *, email: str = "") -> bool:
    """True when the password is on the offline list of leaked passwords or built from it."""
    from zxcvbn import zxcvbn

    folded = password.strip().casefold()
    if folded in _leaked():
        return True
    if len(password) > ZXCVBN_MAX:
        return False
    local = email.casefold().split("@")[0]
    inputs = [local, *(part for part in re.split(r"[@._+-]", email.casefold()) if len(part) > 2)]
    return zxcvbn(password, user_inputs=[*inputs, *SERVICE_WORDS])["score"] < MIN_SCORE

"""Password hashing (Argon2id) and the password rules staff must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yhteys.i18n import gettext as _
from yhteys.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing a megabyte on every login attempt would be a cheap denial of service


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
    return None

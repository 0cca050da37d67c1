"""The login steps as plain functions: password, then (when enrolled) the second factor.

Nothing here tells an unknown email, a wrong password, a disabled or a locked account apart in
its answer: they all come back as `FAILED`, and an unknown email costs the same hashing work.

Lockout: after MAX_FAILURES wrong passwords or codes in a row an account is locked for
LOCK_MINUTES, twice as long for each lock in a row, never more than LOCK_CAP_MINUTES. Attempts
during a lock are refused without counting; the first correct login after it works and clears
the count. Throttling per client is the caller's (yhteys.ratelimit), so neither limit is global.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select
from starlette.requests import Request

from triage.accounts import audit, totp
from triage.accounts.models import RecoveryCode, StaffUser
from triage.accounts.passwords import burn_time, hash_password, needs_rehash, verify_password
from triage.accounts.users import by_email, normalise_email
from yhteys.clock import as_utc, now

MAX_FAILURES = 5
LOCK_MINUTES = 15
LOCK_CAP_MINUTES = 60


class Result(enum.Enum):
    OK = "ok"  # logged in
    NEEDS_TOTP = "needs_totp"  # password right, second factor due
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    user: StaffUser | None = None
    factor: str = ""  # totp | recovery, for the second step


def is_locked(user: StaffUser) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > now()


def lock_minutes(lock_count: int) -> int:
    return min(LOCK_MINUTES * 2 ** max(0, lock_count - 1), LOCK_CAP_MINUTES)


def _register_failure(db: Session, user: StaffUser, request: Request | None) -> None:
    # One atomic increment: a burst of parallel guesses must not all read the same count.
    db.flush()
    failures = db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    ).scalar_one()
    set_committed_value(user, "failed_logins", failures)
    if failures >= MAX_FAILURES:
        user.lock_count += 1
        user.failed_logins = 0
        minutes = lock_minutes(user.lock_count)
        user.locked_until = now() + timedelta(minutes=minutes)
        db.add(user)
        audit.record(
            db, actor=user, action="login.locked", detail={"minutes": minutes}, request=request
        )


def _clear_failures(user: StaffUser) -> None:
    user.failed_logins = 0
    user.lock_count = 0
    user.locked_until = None


def _fail(db: Session, user: StaffUser | None, reason: str, request: Request | None,
          **detail: object) -> Outcome:
    audit.record(
        db,
        actor=user,
        action="login.failure",
        detail={"reason": reason, **detail},
        request=request,
    )
    return Outcome(Result.FAILED)


def check_password(
    db: Session, email: str, password: str, request: Request | None = None
) -> Outcome:
    """The first step. On success the failure count is cleared and an old hash upgraded."""
    email = normalise_email(email)
    user = by_email(db, email) if email else None
    if user is None:
        burn_time(password)
        # The trail keeps a keyed hash, never the typed address (it may be anyone's).
        return _fail(db, None, "unknown", request, email_hash=audit.pseudonym(email))
    right = verify_password(user.password_hash, password)
    if not user.is_active:
        return _fail(db, user, "disabled", request)
    if is_locked(user):
        return _fail(db, user, "locked", request)
    if not right:
        _register_failure(db, user, request)
        return _fail(db, user, "password", request)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.totp_enabled:
        db.add(user)
        return Outcome(Result.NEEDS_TOTP, user)
    succeed(db, user, request, factor="password")
    return Outcome(Result.OK, user)


def succeed(db: Session, user: StaffUser, request: Request | None, *, factor: str) -> None:
    _clear_failures(user)
    user.last_login_at = now()
    db.add(user)
    audit.record(db, actor=user, action="login.success", detail={"factor": factor},
                 request=request)


def check_second_factor(
    db: Session, user: StaffUser, code: str, request: Request | None = None
) -> Outcome:
    """The second step: a TOTP code (once) or an unused recovery code (once)."""
    if not user.is_active:
        return _fail(db, user, "disabled", request)
    if is_locked(user):
        return _fail(db, user, "locked", request)
    factor = ""
    if totp.looks_like_recovery_code(code):
        if use_recovery_code(db, user, code):
            factor = "recovery"
    elif user.totp_secret:
        seed = totp.open_seed(user.totp_secret)
        step = totp.matching_step(seed, code, now(), user.last_totp_step)
        if step is not None and claim_totp_step(db, user, step):
            factor = "totp"
    if not factor:
        _register_failure(db, user, request)
        return _fail(db, user, "second_factor", request)
    succeed(db, user, request, factor=factor)
    return Outcome(Result.OK, user, factor)


def claim_totp_step(db: Session, user: StaffUser, step: int) -> bool:
    """Record `step` as used, atomically: of two requests with one code, one wins."""
    result = db.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            or_(StaffUser.last_totp_step.is_(None), StaffUser.last_totp_step < step),  # type: ignore[union-attr, operator]
        )
        .values(last_totp_step=step)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "last_totp_step", step)
    return True


def use_recovery_code(db: Session, user: StaffUser, code: str) -> bool:
    """Mark an unused recovery code used, atomically; False when there is none."""
    result = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == totp.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def issue_recovery_codes(db: Session, user: StaffUser) -> list[str]:
    """New recovery codes for a user, replacing any old ones; the plain codes exist only here."""
    from sqlmodel import delete

    db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))  # type: ignore[call-overload]
    codes = totp.new_recovery_codes()
    for code in codes:
        db.add(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code)))  # type: ignore[arg-type]
    return codes


def unused_recovery_codes(db: Session, user_id: int) -> int:
    return len(
        db.exec(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
            )
        ).all()
    )

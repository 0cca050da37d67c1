"""The login steps as plain functions: password, then (when enrolled) the second factor.

Nothing here tells an unknown email, a wrong password, a disabled or a locked account apart in
its answer: they all come back as `FAILED`, and an unknown email costs the same hashing work.

Lockout follows OWASP's device-cookie design, so a stranger cannot lock a colleague out:

- a browser that completed a login to an account holds a signed device cookie for it
  (devices.py) and is *trusted* for that account; every other client is *untrusted*;
- a trusted browser's failures count for that device alone ("device:<nonce>"); MAX_FAILURES lock
  that device, nobody else;
- an untrusted client's failures count for it ("client:<key>", MAX_FAILURES lock that client out
  of that account) and for every untrusted client of the account together ("account",
  ACCOUNT_MAX_FAILURES lock the account for untrusted clients only, which slows guessing spread
  over many addresses);
- a trusted browser is never refused because of the "account" or a "client" lock.

A lock lasts LOCK_MINUTES, twice as long for each lock in a row, never more than
LOCK_CAP_MINUTES; attempts during a lock are refused without counting. Counts are forgotten after
FORGET_HOURS without a failure. Throttling per client over all accounts is the caller's
(yhteys.ratelimit), so no limit is global.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from starlette.requests import Request

from triage.accounts import audit, devices, totp
from triage.accounts.models import LoginLock, RecoveryCode, StaffUser
from triage.accounts.passwords import burn_time, hash_password, needs_rehash, verify_password
from triage.accounts.users import by_email, normalise_email
from yhteys.client import client_key
from yhteys.clock import as_utc, now
from yhteys.db import pk, plus, rowcount

MAX_FAILURES = 5  # per device, and per client of one account
ACCOUNT_MAX_FAILURES = 10  # per account, from all untrusted clients together
LOCK_MINUTES = 15
LOCK_CAP_MINUTES = 60
FORGET_HOURS = 24
ACCOUNT = "account"


class Result(enum.Enum):
    OK = "ok"  # logged in
    NEEDS_TOTP = "needs_totp"  # password right, second factor due
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    user: StaffUser | None = None
    factor: str = ""  # totp | recovery, for the second step


@dataclass(frozen=True)
class Origin:
    """Where an attempt on one account comes from."""

    device: str | None  # the nonce of a valid device cookie for the account: trusted
    client: str  # yhteys.client.client_key

    @property
    def trusted(self) -> bool:
        return self.device is not None

    @property
    def scope(self) -> str:
        return f"device:{self.device}" if self.device else f"client:{self.client}"

    @property
    def scopes(self) -> tuple[str, ...]:
        """The counters a failure moves, and whose locks refuse this origin."""
        return (self.scope,) if self.trusted else (self.scope, ACCOUNT)


def origin_of(request: Request | None, user: StaffUser) -> Origin:
    return Origin(devices.device_id(request, user.id),
                  client_key(request) if request is not None else "")


def lock_minutes(lock_count: int) -> int:
    return min(LOCK_MINUTES * 2 ** max(0, lock_count - 1), LOCK_CAP_MINUTES)


def _locks(db: Session, user: StaffUser, scopes: tuple[str, ...]) -> list[LoginLock]:
    return list(db.exec(select(LoginLock).where(
        col(LoginLock.user_id) == user.id, col(LoginLock.scope).in_(scopes))).all())


def is_locked(db: Session, user: StaffUser, origin: Origin) -> bool:
    at = now()
    return any(row.locked_until is not None and as_utc(row.locked_until) > at
               for row in _locks(db, user, origin.scopes))


_INSERT_IGNORING = {
    "postgresql": pg_insert(LoginLock).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(LoginLock).on_conflict_do_nothing(),
}


def _count_failure(db: Session, user: StaffUser, scope: str) -> LoginLock:
    """One more failure in `scope`, counted atomically: parallel guesses must not share a count."""
    at = now()
    statement = _INSERT_IGNORING[db.get_bind().dialect.name]
    db.execute(statement, [{"user_id": user.id, "scope": scope, "failures": 0, "lock_count": 0,
                            "updated_at": at}])
    stale = at - timedelta(hours=FORGET_HOURS)
    # Counts and lock streaks older than a day without failures are forgotten first.
    db.execute(update(LoginLock).where(
        col(LoginLock.user_id) == user.id, col(LoginLock.scope) == scope,
        col(LoginLock.updated_at) < stale,
        or_(col(LoginLock.locked_until).is_(None), col(LoginLock.locked_until) < at),
    ).values(failures=0, lock_count=0).execution_options(synchronize_session=False))
    row_id = db.execute(
        update(LoginLock)
        .where(col(LoginLock.user_id) == user.id, col(LoginLock.scope) == scope)
        .values(failures=plus(LoginLock.failures), updated_at=at)
        .returning(col(LoginLock.id))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    row = db.get(LoginLock, row_id)
    assert row is not None
    db.refresh(row)  # the count as the database has it after this increment
    return row


def _register_failure(db: Session, user: StaffUser, origin: Origin,
                      request: Request | None) -> None:
    db.flush()
    for scope in origin.scopes:
        row = _count_failure(db, user, scope)
        limit = ACCOUNT_MAX_FAILURES if scope == ACCOUNT else MAX_FAILURES
        if row.failures < limit:
            continue
        row.lock_count += 1
        row.failures = 0
        minutes = lock_minutes(row.lock_count)
        row.locked_until = now() + timedelta(minutes=minutes)
        db.add(row)
        audit.record(db, actor=user, action="login.locked", request=request,
                     detail={"minutes": minutes, "scope": scope.split(":")[0]})


def _clear_failures(db: Session, user: StaffUser, origin: Origin) -> None:
    """A success clears the counter of this device or client; the account's count runs out."""
    db.execute(delete(LoginLock).where(col(LoginLock.user_id) == user.id,
                                       col(LoginLock.scope) == origin.scope))


def clear_all_locks(db: Session, user_id: int) -> None:
    """Every count and lock of an account (a new password was set through a reset link)."""
    db.execute(delete(LoginLock).where(col(LoginLock.user_id) == user_id))


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
    origin = origin_of(request, user)
    if not user.is_active:
        return _fail(db, user, "disabled", request, trusted=origin.trusted)
    if is_locked(db, user, origin):
        return _fail(db, user, "locked", request, trusted=origin.trusted)
    if not right:
        _register_failure(db, user, origin, request)
        return _fail(db, user, "password", request, trusted=origin.trusted)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.totp_enabled:
        db.add(user)
        return Outcome(Result.NEEDS_TOTP, user)
    succeed(db, user, request, factor="password")
    return Outcome(Result.OK, user)


def succeed(db: Session, user: StaffUser, request: Request | None, *, factor: str) -> None:
    _clear_failures(db, user, origin_of(request, user))
    user.last_login_at = now()
    db.add(user)
    audit.record(db, actor=user, action="login.success", detail={"factor": factor},
                 request=request)


def check_second_factor(
    db: Session, user: StaffUser, code: str, request: Request | None = None
) -> Outcome:
    """The second step: a TOTP code (once) or an unused recovery code (once)."""
    origin = origin_of(request, user)
    if not user.is_active:
        return _fail(db, user, "disabled", request, trusted=origin.trusted)
    if is_locked(db, user, origin):
        return _fail(db, user, "locked", request, trusted=origin.trusted)
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
        _register_failure(db, user, origin, request)
        return _fail(db, user, "second_factor", request, trusted=origin.trusted)
    succeed(db, user, request, factor=factor)
    return Outcome(Result.OK, user, factor)


def claim_totp_step(db: Session, user: StaffUser, step: int) -> bool:
    """Record `step` as used, atomically: of two requests with one code, one wins."""
    result = db.execute(
        update(StaffUser)
        .where(
            col(StaffUser.id) == user.id,
            or_(col(StaffUser.last_totp_step).is_(None), col(StaffUser.last_totp_step) < step),
        )
        .values(last_totp_step=step)
    )
    if not rowcount(result):
        return False
    set_committed_value(user, "last_totp_step", step)
    return True


def use_recovery_code(db: Session, user: StaffUser, code: str) -> bool:
    """Mark an unused recovery code used, atomically; False when there is none."""
    result = db.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == totp.hash_recovery_code(code),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now())
    )
    return bool(rowcount(result))


def issue_recovery_codes(db: Session, user: StaffUser) -> list[str]:
    """New recovery codes for a user, replacing any old ones; the plain codes exist only here."""
    from sqlmodel import delete

    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        db.add(RecoveryCode(user_id=pk(user), code_hash=totp.hash_recovery_code(code)))
    return codes


def unused_recovery_codes(db: Session, user_id: int) -> int:
    return len(
        db.exec(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id,
                col(RecoveryCode.used_at).is_(None),
            )
        ).all()
    )

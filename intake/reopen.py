"""The way back to a case without the status link: single-use links, and a PIN.

The status link is 43 random characters; a person who lost it still has her reference code and
the address she gave. So:

- "Open my request" takes the reference and that address and sends a single-use link to it, on
  that address's own channel (and WhatsApp only to a number proven for the case, as every notice
  after the acknowledgement). The answer is the same whether or not the pair exists.
- Every notice to the client carries a fresh single-use link, unless she asked for no links in
  messages (someone may check her phone): then it names the reference and says how to open it.
- A person with no contact channel may set a PIN on the form; reference + PIN opens the case.
  Wrong PINs slow the next try per reference (recorded for any reference typed, so the delay
  says nothing about whether a case has it), never for longer than PIN_MAX_DELAY.

A single-use link, once opened, gives the browser a fresh status secret (a `StatusKey`) in a
session cookie: it opens the status page like the original link, which keeps working. Only
SHA-256 hashes of link tokens and status keys are stored, and the PIN only as Argon2id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from intake.models import Case, CaseAccess, OpenLink, PinBackoff, StatusKey
from intake.reach import Reach, client_locale, reach, reach_address
from intake.references import STATUS_SECRET, is_reference, secret_hash
from notify.outbox import queue_notification
from yhteys.clock import as_utc, now
from yhteys.db import pk, rowcount, table_of
from yhteys.plain_inserts import insert_rows
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

PIN = re.compile(r"^[0-9]{6}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
COOKIE = "yhteys_case"
STATUS_KEY_LASTS = timedelta(hours=12)  # the cookie goes with the browser session before that
PIN_FREE_TRIES = 3  # typos cost nothing
PIN_FIRST_DELAY = 30  # seconds after the first failure past the free ones; doubles each time
PIN_MAX_DELAY = 15 * 60  # the longest anyone can make her wait: no lock-out lasts
BACKOFF_FORGOTTEN = timedelta(days=1)


@dataclass(frozen=True)
class AccessChoice:
    """What she chose on the form: no links in messages, and a PIN (in clear only until hashed)."""

    no_links: bool = False
    pin: str = ""

    def __repr__(self) -> str:  # never show the PIN, not even in a traceback
        return f"AccessChoice(no_links={self.no_links}, pin={'set' if self.pin else 'none'})"


def clean_pin(text: str) -> str:
    """The PIN as typed, with spaces and the digits of other scripts made plain ("١٢٣ ٤٥٦")."""
    return "".join(
        str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c
        for c in text if not c.isspace()
    )


# --- Hashes --------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _hasher(env: str) -> PasswordHasher:
    if env == "test":  # cheap parameters in tests only, as for staff passwords
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()


def hasher() -> PasswordHasher:
    return _hasher(get_settings().env)


@lru_cache(maxsize=4)
def _dummy_hash(env: str) -> str:
    return _hasher(env).hash(secrets.token_hex(8))


def _verify(pin_hash: str, pin: str) -> bool:
    """Argon2 runs whether or not there is a hash, so the time taken tells nothing."""
    try:
        return hasher().verify(pin_hash or _dummy_hash(get_settings().env), pin) and bool(pin_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(f"open|{token}".encode("ascii")).hexdigest()


def reference_key(reference: str) -> str:
    """A keyed hash of a reference: what rate limits and the PIN backoff are counted under."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"reference|{reference}".encode(), hashlib.sha256).hexdigest()


def _new_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def clean_reference(text: str) -> str:
    """The reference however it was typed ("k7m 4qx p9t", "K7M4QXP9T") in its one spelling."""
    letters = "".join(c for c in text.upper() if c.isalnum())
    if len(letters) != 9:
        return ""
    value = f"{letters[0:3]}-{letters[3:6]}-{letters[6:9]}"
    return value if is_reference(value) else ""


# --- Her choices on the form ---------------------------------------------------------------------


def record_choice(session: Session, case: Case, choice: AccessChoice | None) -> None:
    """Store what she chose, in the transaction that makes the case."""
    if choice is None or not (choice.no_links or choice.pin):
        # Remembered for this transaction: the acknowledgement asks next, and a new case
        # has no row to look for.
        session.info.setdefault(_NO_ACCESS_ROW, set()).add(pk(case))
        return
    pin_hash = hasher().hash(choice.pin) if choice.pin else ""
    session.add(CaseAccess(case_id=pk(case), no_links=choice.no_links, pin_hash=pin_hash))
    session.flush()


_NO_ACCESS_ROW = "intake.reopen:no_access_row"


def access_of(session: Session, case: Case) -> CaseAccess | None:
    if pk(case) in session.info.get(_NO_ACCESS_ROW, ()):
        return None
    return session.get(CaseAccess, pk(case))


def wants_no_links(session: Session, case: Case) -> bool:
    access = access_of(session, case)
    return access is not None and access.no_links


# --- Single-use links ----------------------------------------------------------------------------


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def open_url(token: str, locale: str) -> str:
    return f"{_base()}/{locale}/open/{token}"


def open_page_url(locale: str) -> str:
    """The "Open my request" page: no secret in it."""
    return f"{_base()}/{locale}/open"


def issue_link(session: Session, case: Case, *, purpose: str, lasts: timedelta) -> str:
    """A new single-use link token for the case; only its hash is written."""
    token = _new_secret()
    # A plain row nothing reads back in this transaction: a Core insert, without the ORM's flush.
    at = now()
    insert_rows(session, _INSERT_LINK, {
        "case_id": pk(case), "token_hash": token_hash(token), "purpose": purpose,
        "created_at": at, "expires_at": at + lasts})
    return token


_INSERT_LINK = insert(table_of(OpenLink))


def notice_values(
    session: Session, case: Case, locale: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(plain context, sealed values) that lead a notice back to the case: a fresh single-use
    link, sealed; or, when she wants no links in messages, only the words on how to open it."""
    if wants_no_links(session, case):
        return {"status_url": open_page_url(locale), "links": "none"}, {}
    lasts = timedelta(days=get_settings().notice_link_days)
    token = issue_link(session, case, purpose="notice", lasts=lasts)
    return {}, {"status_url": open_url(token, locale)}


def link_state(session: Session, token: str) -> tuple[OpenLink | None, str]:
    """"open", "used", "expired", or "unknown" (a wrong token, or its case anonymised)."""
    if not TOKEN.match(token):
        return None, "unknown"
    link = session.exec(select(OpenLink).where(OpenLink.token_hash == token_hash(token))).first()
    if link is None:
        return None, "unknown"
    case = session.get(Case, link.case_id)
    if case is None or case.anonymised_at is not None:
        return None, "unknown"
    if link.used_at is not None:
        return link, "used"
    if now() >= as_utc(link.expires_at):
        return link, "expired"
    return link, "open"


def use_link(session: Session, token: str) -> tuple[str, str]:
    """Burn the link and give a fresh status secret: ("open", secret), or (state, "") when it
    cannot open (used, expired, unknown). Two browsers racing with one link: one wins."""
    link, state = link_state(session, token)
    if link is None or state != "open":
        return state, ""
    burned = session.execute(
        update(OpenLink)
        .where(col(OpenLink.id) == link.id, col(OpenLink.used_at).is_(None))
        .values(used_at=now())
    )
    if rowcount(burned) != 1:
        return "used", ""
    log.info("single-use link %s of case %s opened", link.id, link.case_id)
    return "open", issue_status_key(session, link.case_id)


# --- Fresh status secrets ------------------------------------------------------------------------


def issue_status_key(session: Session, case_id: int) -> str:
    secret = _new_secret()
    session.add(StatusKey(case_id=case_id, secret_hash=secret_hash(secret),
                          expires_at=now() + STATUS_KEY_LASTS))
    session.flush()
    return secret


def lookup_status_key(session: Session, secret: str) -> tuple[Case | None, str]:
    """The case a fresh status secret opens and its state, as `service.lookup_secret` says it.
    A key made before the case's links were ended is ended with them; an old one is "unknown"."""
    from intake.service import link_state as case_link_state

    if not STATUS_SECRET.match(secret):
        return None, "unknown"
    query = select(StatusKey).where(StatusKey.secret_hash == secret_hash(secret))
    key = session.exec(query).first()
    if key is None or now() >= as_utc(key.expires_at):
        return None, "unknown"
    case = session.get(Case, key.case_id)
    if case is None or case.anonymised_at is not None:
        return None, "unknown"
    ended = case.status_link_ended_at
    if ended is not None and as_utc(ended) > as_utc(key.created_at):
        return case, "ended"
    state = case_link_state(case)
    return case, "open" if state in {"ended", "idle"} else state


# --- Asking for a link ---------------------------------------------------------------------------


def _normalised(address: str) -> tuple[str, str]:
    """(kind, address) as the form stored it: ("email", ...) or ("phone", E.164); ("", "")."""
    from intake.fields import Invalid
    from intake.validation import normalise_email, normalise_phone

    text = address.strip()
    try:
        if "@" in text:
            return "email", normalise_email(text).lower()
        return "phone", normalise_phone(text)
    except Invalid:
        return "", ""


def _case_by_reference(session: Session, reference: str) -> Case | None:
    if not reference:
        return None
    case = session.exec(select(Case).where(Case.reference == reference)).first()
    if case is None or case.anonymised_at is not None:
        return None
    return case


def _matches(stored: str, kind: str, typed: str) -> bool:
    if not stored or not typed:
        return False
    if kind == "email":
        return hmac.compare_digest(stored.strip().lower().encode(), typed.encode())
    return hmac.compare_digest(stored.replace(" ", "").encode(), typed.encode())


def way_to(case: Case, kind: str, typed: str) -> Reach | None:
    """Where a link asked for with this address may go: the address she typed, if it is one of
    the case's, on its channel, when the notice rules let a message go there."""
    for address in (case.contact_address, case.backup_address):
        if _matches(address, kind, typed):
            way = reach_address(case, "open_link", address)
            if way is not None:
                return way
    return None


def _send(session: Session, case: Case, way: Reach, *, locale: str) -> None:
    lasts = timedelta(minutes=get_settings().open_link_minutes)
    token = issue_link(session, case, purpose="asked", lasts=lasts)
    link = session.exec(select(OpenLink).where(OpenLink.token_hash == token_hash(token))).one()
    queue_notification(
        session, event="open_link", channel=way.channel, recipient=way.address,
        locale=way.locale or locale, subject_key=f"open:{link.id}",
        context={"reference": case.reference}, sealed={"status_url": open_url(token, way.locale)},
        fallback=list(way.fallback) or None,
    )
    log.info("single-use link %s of case %s queued (%s)", link.id, case.id, way.channel)


def request_link(session: Session, reference: str, address: str, *, page_locale: str) -> bool:
    """Send a single-use link if the reference and the address belong together and a message
    may go there; True if one was queued. The caller answers the same either way."""
    kind, typed = _normalised(address)
    case = _case_by_reference(session, clean_reference(reference))
    if case is None or not kind:
        return False
    way = way_to(case, kind, typed)
    if way is None:
        return False
    _send(session, case, Reach(way.channel, way.address, way.fallback,
                               client_locale(case, page_locale)), locale=page_locale)
    return True


def send_now(session: Session, case: Case, *, page_locale: str) -> bool:
    """"Send me the link": asked on the confirmation page by the holder of the status link, so it
    may go wherever her acknowledgement may (a WhatsApp number not yet proven included)."""
    way = reach(case, "case_received", page_locale=page_locale)
    if way is None:
        return False
    _send(session, case, way, locale=page_locale)
    return True


# --- The PIN -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinResult:
    state: str  # open | wrong | wait
    secret: str = ""  # a fresh status secret when open
    wait: int = 0  # seconds before the next try counts


def pin_delay(failures: int) -> int:
    """Seconds to wait after `failures` wrong PINs in a row: nothing for the first few, then
    doubling, never above PIN_MAX_DELAY."""
    if failures <= PIN_FREE_TRIES:
        return 0
    return min(PIN_MAX_DELAY, PIN_FIRST_DELAY * 2 ** (failures - PIN_FREE_TRIES - 1))


def _backoff(session: Session, key: str) -> PinBackoff:
    """The reference's row, locked until the transaction ends (PostgreSQL; SQLite serialises
    writers): two guesses at once cannot both pass the delay. Made if missing, without failing
    when a concurrent guess made it first."""
    values = {"reference_key": key, "failures": 0, "next_try_at": now(), "updated_at": now()}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(PinBackoff).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(PinBackoff).values(**values).on_conflict_do_nothing())
    query = select(PinBackoff).where(PinBackoff.reference_key == key).with_for_update()
    row = session.exec(query).one()
    if now() - as_utc(row.updated_at) >= BACKOFF_FORGOTTEN:  # a day quiet: start afresh
        row.failures, row.next_try_at, row.updated_at = 0, now(), now()
    return row


def try_pin(session: Session, reference: str, pin: str) -> PinResult:
    """Reference + PIN: a fresh status secret, or how long to wait. Said and timed the same way
    for a reference that no case has, or a case without a PIN."""
    cleaned = clean_reference(reference)
    row = _backoff(session, reference_key(cleaned or reference.strip().upper()))
    wait = int((as_utc(row.next_try_at) - now()).total_seconds())
    if wait > 0:
        return PinResult("wait", wait=wait)
    case = _case_by_reference(session, cleaned)
    access = access_of(session, case) if case is not None else None
    pin_hash = access.pin_hash if access is not None else ""
    if _verify(pin_hash, pin) and case is not None:
        session.delete(row)
        log.info("case %s opened with its PIN", case.id)
        return PinResult("open", secret=issue_status_key(session, pk(case)))
    row.failures += 1
    delay = pin_delay(row.failures)
    row.next_try_at = now() + timedelta(seconds=delay)
    row.updated_at = now()
    session.add(row)
    log.info("wrong PIN for a reference (%d in a row)", row.failures)
    return PinResult("wrong", wait=delay)


# --- Upkeep --------------------------------------------------------------------------------------


LINK_REMEMBERED = timedelta(days=30)  # a spent link still says "used" or "expired" this long


def forget_spent(session: Session) -> int:
    """Long-expired links, old status keys and idle backoff rows go: nothing tells which
    references were tried. Returns how many rows were removed."""
    cutoff = now()
    removed = 0
    for statement in (
        delete(OpenLink).where(col(OpenLink.expires_at) < cutoff - LINK_REMEMBERED),
        delete(StatusKey).where(col(StatusKey.expires_at) < cutoff),
        delete(PinBackoff).where(col(PinBackoff.updated_at) < cutoff - BACKOFF_FORGOTTEN),
    ):
        removed += rowcount(session.execute(statement))
    return removed


def end_keys(session: Session, case: Case) -> None:
    """"I lost my phone": every fresh key of the case stops, and so does every single-use link
    not yet opened (they may be in the messages on that phone)."""
    session.execute(delete(StatusKey).where(col(StatusKey.case_id) == pk(case)))
    session.execute(
        update(OpenLink)
        .where(col(OpenLink.case_id) == pk(case), col(OpenLink.used_at).is_(None),
               col(OpenLink.expires_at) > now())
        .values(expires_at=now())
    )


def forget_case(session: Session, case: Case) -> None:
    """Anonymisation: her PIN, links and keys go with her data."""
    for model in (CaseAccess, OpenLink, StatusKey):
        session.execute(delete(model).where(col(model.case_id) == pk(case)))


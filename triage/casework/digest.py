"""The breach digest: each supervisor hears of missed targets at most once an hour, in one email.

One email per breach buried supervisors (a restart of the demo sent 888). Now `check_breaches`
only records breaches, and `queue_digests` sends each supervisor one `staff_breach_digest`
listing the references (and staff links) of the cases that missed a target since that
supervisor's previous digest, and only if that digest is an hour old. Who hears of a case is
unchanged: its team's supervisors, or every supervisor when the team has none. The digest's
`subject_key` holds the moment it covers up to, so the next one starts there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.models import Case
from notify.models import Notification
from notify.outbox import DIGEST_MAX, normalise_recipient, queue_notification
from triage.accounts.notices import staff_locale
from triage.casework.models import SlaBreach
from triage.casework.notices import supervisors_of
from yhteys.clock import as_utc
from yhteys.db import serialise
from yhteys.i18n import DEFAULT_LOCALE
from yhteys.settings import get_settings

EVENT = "staff_breach_digest"
KEY = "breach_digest:"
STAMP = "%Y-%m-%dT%H:%M:%S.%f"  # fixed width: the greatest key is the latest
EVERY = timedelta(hours=1)
LOOK_BACK = timedelta(days=7)  # a supervisor's first digest lists no older breaches
LOCK_KEY = 740_002  # two breach checks at once must not both find the last digest an hour old


def _last_digest(session: Session, address: str) -> datetime | None:
    """When the previous digest to `address` was made: its subject_key holds the moment (UTC),
    the same clock as the breaches' detected_at."""
    query = select(func.max(col(Notification.subject_key))).where(
        col(Notification.event) == EVENT,
        col(Notification.recipient) == normalise_recipient("email", address),
    )
    last = session.scalar(query)
    if not last:
        return None
    return datetime.strptime(last.removeprefix(KEY), STAMP).replace(tzinfo=UTC)


def _breaches_since(session: Session, since: datetime,
                    at: datetime) -> list[tuple[str, int | None]]:
    query = (
        select(col(Case.reference), col(Case.team_id))
        .join(SlaBreach, col(SlaBreach.case_id) == col(Case.id))
        .where(col(SlaBreach.detected_at) > since, col(SlaBreach.detected_at) <= at)
        .order_by(col(SlaBreach.detected_at), col(SlaBreach.id))
    )
    seen: dict[str, int | None] = {}
    for reference, team_id in session.execute(query):
        seen.setdefault(reference, team_id)
    return list(seen.items())


def queue_digests(session: Session, at: datetime) -> int:
    """Queue the digests that are due at `at`; returns how many. The caller commits."""
    at = as_utc(at)
    serialise(session, LOCK_KEY)
    pending = _breaches_since(session, at - LOOK_BACK, at)
    if not pending:
        return 0
    teams = {team for _, team in pending}
    supervisors = {team: supervisors_of(session, team) for team in teams}
    addresses = {u.email for people in supervisors.values() for u in people if u.email}
    # Each supervisor reads it in her own staff language.
    locales = {u.email: staff_locale(u) for people in supervisors.values() for u in people}
    base = get_settings().base_url.rstrip("/") + "/triage/cases"
    queued = 0
    for address in sorted(addresses):
        last = _last_digest(session, address)
        if last is not None and at - last < EVERY:
            continue
        references = [
            reference for reference, team in pending
            if any(u.email == address for u in supervisors[team])
            and (last is None or _detected_after(session, reference, last))
        ][:DIGEST_MAX]
        if not references:
            continue
        row = queue_notification(
            session, event=EVENT, channel="email", recipient=address,
            locale=locales.get(address, DEFAULT_LOCALE),
            subject_key=f"{KEY}{at:{STAMP}}",
            context={"references": ",".join(references), "staff_url": base},
        )
        queued += row is not None
    return queued


def _detected_after(session: Session, reference: str, last: datetime) -> bool:
    query = (
        select(func.max(col(SlaBreach.detected_at)))
        .join(Case, col(SlaBreach.case_id) == col(Case.id))
        .where(col(Case.reference) == reference)
    )
    latest = session.scalar(query)
    return latest is not None and as_utc(latest) > last

"""Sliding-window rate limits: shared in Redis when REDIS_URL is set, so every web process counts
together; in process memory for the embedded single-process default, and while Redis is down.

A window slides rather than resetting on the hour: the previous window's count is weighted by how
much of it still overlaps the last `window` seconds (the usual two-counter approximation). A
burst up to the limit passes at once; after that, room comes back gradually.

A hit can be checked against several limits at once (a browser's and its address's): it is
counted under all of them only when all allow it, so a refusal uses up nobody's allowance.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from starlette.requests import Request

from yhteys.client import browser_key, client_key
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

# After Redis fails, requests count in memory for this long before Redis is asked again, so an
# outage costs one connect timeout every few seconds, not one per request.
REDIS_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until one more hit would pass


@dataclass(frozen=True)
class Rule:
    key: str  # "<scope>:<who>"; never an address or anything else personal
    limit: int
    window: int  # seconds


class Limiter(Protocol):
    def hit(self, rules: Sequence[Rule], now: float) -> Decision: ...


# -- the arithmetic both counters share ------------------------------------------------------------
def _position(rule: Rule, now: float) -> tuple[int, float]:
    """Index of the window `now` falls in, and how far into it (0..1)."""
    index = int(now // rule.window)
    return index, (now - index * rule.window) / rule.window


def _over(rule: Rule, current: int, previous: int, fraction: float) -> bool:
    return previous * (1 - fraction) + current + 1 > rule.limit


def _wait(rule: Rule, current: int, previous: int, fraction: float) -> float:
    """Seconds until one more hit fits under `rule`, if nothing else is counted meanwhile."""
    window, room = rule.window, rule.limit - 1
    if room < 0:
        return window
    elapsed = fraction * window
    if current > room:  # only after this window ends and its weight has slid away enough
        return (window - elapsed) + window * (1 - room / current)
    return window * (1 - (room - current) / previous) - elapsed


def _decide(rules: Sequence[Rule], counts: Sequence[tuple[int, int]], now: float) -> Decision:
    """counts: (current, previous) per rule, before this hit."""
    waits = []
    for rule, (current, previous) in zip(rules, counts, strict=True):
        _, fraction = _position(rule, now)
        if _over(rule, current, previous, fraction):
            waits.append(_wait(rule, current, previous, fraction))
    if not waits:
        return Decision(True, 0)
    return Decision(False, max(1, math.ceil(max(waits) - 1e-9)))


# -- counters --------------------------------------------------------------------------------------
class MemoryLimiter:
    BOUND = 100_000  # entries before old ones are swept out

    def __init__(self) -> None:
        # key -> [window, window index, count in it, count in the one before]
        self._counts: dict[str, list[int]] = {}
        self._bound = self.BOUND
        self._lock = threading.Lock()

    def _entry(self, rule: Rule, now: float) -> list[int]:
        index = _position(rule, now)[0]
        entry = self._counts.get(rule.key)
        if entry is None or entry[0] != rule.window or entry[1] < index - 1:
            return [rule.window, index, 0, 0]
        if entry[1] == index - 1:
            return [rule.window, index, 0, entry[2]]
        return entry

    def hit(self, rules: Sequence[Rule], now: float) -> Decision:
        with self._lock:
            entries = [self._entry(rule, now) for rule in rules]
            decision = _decide(rules, [(e[2], e[3]) for e in entries], now)
            if decision.allowed:  # a refusal stores nothing, so a flood of refusals costs nothing
                for rule, entry in zip(rules, entries, strict=True):
                    entry[2] += 1
                    self._counts[rule.key] = entry
                if len(self._counts) > self._bound:
                    self._sweep(now)
        return decision

    def _sweep(self, now: float) -> None:
        # Two windows on, a count weighs nothing any more. If most entries are still live, the
        # next sweep waits until the table has doubled, so sweeping stays cheap under a flood.
        self._counts = {k: e for k, e in self._counts.items() if int(now // e[0]) - e[1] < 2}
        self._bound = max(self.BOUND, 2 * len(self._counts))


class RedisLimiter:
    # Read every counter, then count the hit under all of them only if all allow it: atomically,
    # so concurrent web processes cannot both take the last place.
    SCRIPT = """
local result = {1}
for i = 1, #KEYS / 2 do
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local limit = tonumber(ARGV[2 * i - 1])
  local weight = tonumber(ARGV[2 * i])
  if previous * weight + current + 1 > limit then result[1] = 0 end
  result[2 * i] = current
  result[2 * i + 1] = previous
end
if result[1] == 1 then
  for i = 1, #KEYS / 2 do
    redis.call('INCR', KEYS[2 * i - 1])
    redis.call('EXPIRE', KEYS[2 * i - 1], tonumber(ARGV[#KEYS + i]))
  end
end
return result
"""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(self.SCRIPT)

    def hit(self, rules: Sequence[Rule], now: float) -> Decision:
        """Raises redis.RedisError when Redis does not answer."""
        keys: list[str] = []
        limits: list[str] = []
        ttls: list[str] = []
        for rule in rules:
            index, fraction = _position(rule, now)
            keys += [f"yhteys:rl:{rule.key}:{index}", f"yhteys:rl:{rule.key}:{index - 1}"]
            limits += [str(rule.limit), repr(1 - fraction)]
            ttls.append(str(2 * rule.window))
        result = [int(v) for v in self._script(keys=keys, args=limits + ttls)]
        counts = [(result[2 * i + 1], result[2 * i + 2]) for i in range(len(rules))]
        if result[0] == 1:
            return Decision(True, 0)
        return Decision(False, max(1, _decide(rules, counts, now).retry_after))


class FallbackLimiter:
    """Redis while it answers; this process's own memory while it does not.

    Failing open would let a flood through exactly when something is already wrong; a per-process
    count keeps every limit (each web process allows up to the limit on its own) until Redis is
    back. Each switch is logged once, with nothing about who was counted.
    """

    def __init__(self, url: str) -> None:
        self._redis = RedisLimiter(url)
        self._memory = MemoryLimiter()
        self._retry_at: float | None = None  # monotonic time to ask Redis again; None: it is up
        self._lock = threading.Lock()

    def hit(self, rules: Sequence[Rule], now: float) -> Decision:
        import redis

        retry_at = self._retry_at
        if retry_at is None or time.monotonic() >= retry_at:
            try:
                decision = self._redis.hit(rules, now)
            except redis.RedisError:
                self._went_down()
            else:
                self._came_back()
                return decision
        return self._memory.hit(rules, now)

    def _went_down(self) -> None:
        with self._lock:
            if self._retry_at is None:
                log.warning("rate limits: Redis unreachable; counting in this process until it "
                            "answers")
            self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS

    def _came_back(self) -> None:
        if self._retry_at is None:
            return
        with self._lock:
            if self._retry_at is not None:
                self._retry_at = None
                log.warning("rate limits: Redis answers again; counting in Redis")


@lru_cache(maxsize=4)
def _limiter_for(redis_url: str) -> Limiter:
    return FallbackLimiter(redis_url) if redis_url else MemoryLimiter()


def limiter() -> Limiter:
    return _limiter_for(get_settings().redis_url)


def hit(scope: str, client: str, limit: int, window: int) -> Decision:
    """One limit for one client: `limit` hits in any `window` seconds."""
    return limiter().hit([Rule(f"{scope}:{client}", limit, window)], time.time())


def check_submission(request: Request, *, scope: str = "submit", factor: int = 1) -> Decision:
    """Whether this browser may send one more form (a new case, or `factor` times as many
    replies), counted per browser and, much higher, per address.

    A reception centre puts a hundred people behind one address: the per-browser limit
    (RATE_LIMIT_SUBMISSIONS, keyed by the CSRF cookie every form post carries) holds back one
    sender, and the per-address limit (RATE_LIMIT_SUBMISSIONS_PER_ADDRESS) holds back a bot that
    throws its cookies away, without shutting out the centre.
    """
    settings = get_settings()
    window = settings.rate_limit_window
    address = client_key(request)
    # No cookie cannot pass the CSRF check; should it happen, the address stands in for it.
    browser = browser_key(request) or f"a-{address}"
    rules = [
        Rule(f"{scope}:b:{browser}", settings.rate_limit_submissions * factor, window),
        Rule(f"{scope}:a:{address}", settings.rate_limit_submissions_per_address * factor, window),
    ]
    return limiter().hit(rules, time.time())

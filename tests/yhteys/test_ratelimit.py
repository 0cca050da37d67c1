"""Rate limits: a sliding window, shared in Redis, and still holding while Redis is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yhteys import ratelimit
from yhteys.ratelimit import Rule

WINDOW = 3600
T0 = 1_800_000_000.0  # a whole number of windows: the tests start at a window's beginning


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    ratelimit._limiter_for.cache_clear()
    yield
    ratelimit._limiter_for.cache_clear()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request):  # noqa: ANN001, ANN201
    if request.param == "memory":
        return ratelimit.MemoryLimiter()
    url = request.getfixturevalue("redis_url")
    return ratelimit.RedisLimiter(url)


def test_a_burst_up_to_the_limit_passes_then_the_next_is_refused(limiter):
    rule = Rule("t:burst", 5, WINDOW)
    assert all(limiter.hit([rule], T0 + n).allowed for n in range(5))
    refused = limiter.hit([rule], T0 + 5)
    assert not refused.allowed
    assert 0 < refused.retry_after <= 2 * WINDOW


def test_the_window_slides_instead_of_resetting_at_its_edge(limiter):
    rule = Rule("t:slide", 10, WINDOW)
    for n in range(10):
        assert limiter.hit([rule], T0 + WINDOW - 20 + n).allowed  # all at the end of a window
    # Half-way through the next window half of those still count: five more pass, not ten.
    later = T0 + WINDOW + WINDOW / 2
    passed = sum(limiter.hit([rule], later + n * 0.001).allowed for n in range(10))
    assert passed == 5
    # Two windows on, they are forgotten.
    assert limiter.hit([rule], T0 + 3 * WINDOW).allowed


def test_a_refused_hit_uses_up_none_of_the_other_limits(limiter):
    wide, narrow = Rule("t:wide", 5, WINDOW), Rule("t:narrow", 1, WINDOW)
    assert limiter.hit([wide, narrow], T0).allowed
    assert not limiter.hit([wide, narrow], T0 + 1).allowed  # narrow refuses; wide keeps 4
    assert [limiter.hit([wide], T0 + 2 + n).allowed for n in range(5)] == [True] * 4 + [False]


def test_the_retry_after_is_when_one_more_would_pass(limiter):
    rule = Rule("t:retry", 2, WINDOW)
    limiter.hit([rule], T0)
    limiter.hit([rule], T0)
    refused = limiter.hit([rule], T0 + 600)
    assert not refused.allowed
    # Two in this window: one more fits once the window ends and half of it has slid away.
    assert refused.retry_after == WINDOW - 600 + WINDOW // 2
    assert limiter.hit([rule], T0 + 600 + refused.retry_after).allowed


def test_memory_forgets_counts_that_no_longer_weigh(monkeypatch):
    monkeypatch.setattr(ratelimit.MemoryLimiter, "BOUND", 10)
    limiter = ratelimit.MemoryLimiter()
    for n in range(10):
        limiter.hit([Rule(f"t:old{n}", 1, WINDOW)], T0)
    assert not limiter.hit([Rule("t:old0", 1, WINDOW)], T0 + 1).allowed  # refusals store nothing
    for n in range(5):
        limiter.hit([Rule(f"t:new{n}", 1, WINDOW)], T0 + 2 * WINDOW)
    assert len(limiter._counts) == 5  # the old ones were swept when the table grew past 10
    assert limiter.hit([Rule("t:old0", 1, WINDOW)], T0 + 2 * WINDOW).allowed

"""Fixed-window rate limits: in Redis when REDIS_URL is set, so every web process shares them;
in process memory only for the embedded single-process default."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from yhteys.settings import get_settings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window resets


class Limiter(Protocol):
    def hit(self, key: str, limit: int, window: int) -> Decision: ...

    def reset(self, key: str) -> None: ...


class MemoryLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int) -> Decision:
        now = time.monotonic()
        with self._lock:
            count, started = self._counts.get(key, (0, now))
            if now - started >= window:
                count, started = 0, now
            count += 1
            self._counts[key] = (count, started)
            if len(self._counts) > 100_000:  # bound memory under a flood of distinct clients
                self._counts = {k: v for k, v in self._counts.items() if now - v[1] < window}
        retry = max(1, int(window - (now - started)))
        return Decision(count <= limit, retry)

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisLimiter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def hit(self, key: str, limit: int, window: int) -> Decision:
        import redis

        name = f"yhteys:rl:{key}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = pipe.execute()
        except redis.RedisError:
            # Redis down must never cost a person their request: fail open, stay counted later.
            return Decision(True, 0)
        return Decision(int(count) <= limit, max(1, int(ttl)))

    def reset(self, key: str) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):
            self._redis.delete(f"yhteys:rl:{key}")


@lru_cache(maxsize=4)
def _limiter_for(redis_url: str) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()


def limiter() -> Limiter:
    return _limiter_for(get_settings().redis_url)


def hit(scope: str, client: str, limit: int, window: int) -> Decision:
    return limiter().hit(f"{scope}:{client}", limit, window)

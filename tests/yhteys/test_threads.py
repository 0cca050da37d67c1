"""The submission pool runs at most SUBMISSION_THREADS calls at once; the rest wait their turn
and all finish, each in its caller's context (the page's language). Unset, it is 4 threads on
PostgreSQL and 40 on SQLite."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from yhteys import threads

LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="")


@pytest.fixture
def pool_of(use_settings):  # noqa: ANN001, ANN201
    def make(size: int) -> None:
        use_settings(submission_threads=size)
        threads._pool = None  # made again from the settings at the next call

    yield make
    if threads._pool is not None:
        threads._pool.shutdown(wait=True)
    threads._pool = None


def test_calls_beyond_the_pool_wait_their_turn_and_keep_their_context(pool_of):
    pool_of(2)
    lock = threading.Lock()
    running, most = [0], [0]

    def work(n: int) -> tuple[int, str]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return n, LANGUAGE.get()

    async def call(n: int, language: str) -> tuple[int, str]:
        LANGUAGE.set(language)
        return await threads.run_blocking(work, n)

    async def main() -> list[tuple[int, str]]:
        return await asyncio.gather(*(call(n, ["so", "ar", "fi"][n % 3]) for n in range(7)))

    results = asyncio.run(main())
    assert results == [(n, ["so", "ar", "fi"][n % 3]) for n in range(7)]
    assert most[0] == 2


def test_unset_the_pool_is_chosen_for_the_database(pool_of, settings):
    pool_of(0)

    async def main() -> list[int]:
        return await asyncio.gather(*(threads.run_blocking(lambda n=n: n * n) for n in range(3)))

    assert asyncio.run(main()) == [0, 1, 4]
    assert threads._pool is not None
    assert threads._pool._max_workers == (40 if settings.is_sqlite else 4)

"""Blocking work of the hot paths, run off the event loop on a plain thread pool.

Starlette's `run_in_threadpool` goes through anyio's worker threads, whose hand-over (a
`queue.Queue` and a condition per call) costs about twice the CPU of the standard library's
executor, and under load it is the event loop that pays it while other threads want the GIL.
The submission path hops once per request, so it uses this pool. The context (the request's
language) travels with the call, as it does with `run_in_threadpool`.

On PostgreSQL the pool is small (SUBMISSION_THREADS, 4 unless set). A submission holds the
interpreter lock for most of its time, so threads beyond a few do no more work at once; they
only fight over the lock, each database and Redis wait a hand-over, and take more pool
connections. With 2 web processes and 16 connections (bench/submission_cpu.py) 40 threads
stored 276-307 submissions a second, 8 threads 369, 4 threads 333-398 and 2 threads 391-415,
with less CPU each. More submissions than threads wait their turn in the pool's queue, on the
event loop, which keeps serving pages meanwhile.

On SQLite the threads mostly wait for the one writer's turn (yhteys/sqlite_writes.py), and a
thread waiting there is a thread less to read: 4 threads stored 119 a second at 16 connections
where 40 stored 176, so SQLite keeps 40.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        from yhteys.settings import get_settings

        settings = get_settings()
        threads = max(1, settings.submission_threads or (40 if settings.is_sqlite else 4))
        _pool = ThreadPoolExecutor(threads, thread_name_prefix="yhteys-blocking")
    return _pool


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` on a pool thread, in a copy of the caller's context."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)

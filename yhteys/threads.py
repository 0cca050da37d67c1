"""Blocking work of the hot paths, run off the event loop on a plain thread pool.

Starlette's `run_in_threadpool` goes through anyio's worker threads, whose hand-over (a
`queue.Queue` and a condition per call) costs about twice the CPU of the standard library's
executor, and under load it is the event loop that pays it while other threads want the GIL.
The submission path hops once per request, so it uses this pool. The context (the request's
language) travels with the call, as it does with `run_in_threadpool`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# As many threads as anyio's default limiter: a database pool of 20 + 40 serves them all.
THREADS = 40
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="yhteys-blocking")
    return _pool


async def run_blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` on a pool thread, in a copy of the caller's context."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)

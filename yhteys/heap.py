"""The memory of a serving process: what start-up built is set aside once, and what the C heap
frees goes back to the system.

A full collection walks every tracked object; in a started process those are mostly modules,
the schema, catalogs and lookup tables that live as long as the process. Walking them took
50 to 190 ms every few seconds under load, with every thread stopped: the slowest
submissions of a benchmark were the ones caught in it. After start-up they are frozen: the
collector no longer walks them (one that dies is still freed as usual; only a reference cycle
among them would stay, and start-up's cycles are collected just before), and the youngest
generation is collected after more allocations, so that the objects of requests in
flight are less often promoted to the old generation, whose collection is the long one.

That makes a reference cycle left by a request expensive: it waits for a collection that comes
seldom. The request paths leave none (tests/intake/test_no_reference_cycles.py; see
yhteys.db.plus for the one that was).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any

# CPython's default is 700: with a few dozen requests in flight, nearly every collection of the
# youngest generation promotes live request objects, which a full collection must then walk.
YOUNG_THRESHOLD = 50_000


def settle_after_startup() -> None:
    """Freeze what start-up allocated; once per process (a later app of the same process, as
    in tests, leaves it be)."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
    # The collector starts a full collection only once the objects promoted since the last one
    # are a quarter of those that last one kept. Counting the frozen start-up there, it waited
    # for hundreds of thousands of dead objects in reference cycles. A collection now, with
    # start-up set aside, counts what is left.
    gc.collect()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


# How often a serving process gives the C heap's free pages back (a housekeeping job).
RETURN_FREED_EVERY_SECONDS = 60


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - glibc only; musl and others have no such call
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def return_freed_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc's malloc_trim); False where the C
    library has no such call.

    Each request frees what it allocated, but glibc keeps freed memory inside its heap, where
    chunks still in use (a cached statement, a connection's buffer) pin the pages around them.
    Under a steady stream of submissions that free memory grew from 10 to 13 MiB in ten
    thousand of them, and the resident size with it. A trim costs 0.5 to 4 ms."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True

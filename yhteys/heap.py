"""The garbage collector of a serving process: what start-up built is set aside once.

A full collection walks every tracked object; in a started process those are mostly modules,
the schema, catalogs and lookup tables that live as long as the process. Walking them took
50 to 190 ms every few seconds under load, with every thread stopped: the slowest
submissions of a benchmark were the ones caught in it. After start-up they are frozen: the
collector no longer walks them (one that dies is still freed as usual; only a reference cycle
among them would stay, and start-up's cycles are collected just before), and the youngest
generation is collected after more allocations, so that the objects of requests in
flight are less often promoted to the old generation, whose collection is the long one.
"""

from __future__ import annotations

import gc

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
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

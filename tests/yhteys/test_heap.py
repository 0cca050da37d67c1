"""A serving process sets aside what start-up built, once, so full collections stay short."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from yhteys import heap

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_collector():  # noqa: ANN201
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    yield
    gc.set_threshold(*threshold)
    if frozen:
        gc.freeze()


def test_startup_objects_are_frozen_once_and_young_collections_come_later(fresh_collector):
    built_at_startup = [object() for _ in range(10)]  # noqa: F841 - alive through the freeze
    heap.settle_after_startup()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    later = [[] for _ in range(1000)]  # noqa: F841
    heap.settle_after_startup()  # a second app in the same process: these are not frozen
    assert gc.get_freeze_count() < frozen + 1000


# Run in a process of its own: the collector's counts are the process's. Start-up here is a
# million objects that live on; requests then leave cycles behind that were still in use at the
# collection that promoted them (a sliding window of live ones), as requests in flight do.
REQUESTS_AFTER_STARTUP = """
import gc, sys
from yhteys import heap

class Request:
    alive = 0
    def __init__(self):
        self.me = self
        self.parts = [{}, [], {}, []]  # what a request builds: five objects the collector tracks
        Request.alive += 1
    def __del__(self):
        Request.alive -= 1

started = [[n] for n in range(1_000_000)]
heap.settle_after_startup()
full_before = gc.get_stats()[2]["collections"]
window = []
for n in range(1_200_000):
    window.append(Request())
    if len(window) > 5_000:
        window.pop(0)
del window
print(gc.get_stats()[2]["collections"] - full_before, Request.alive)
"""


def test_garbage_left_by_requests_is_collected_after_a_large_startup() -> None:
    """Freezing start-up's objects must not leave the collector counting them: it starts a full
    collection only once the objects promoted since the last one are a quarter of those it saw
    then. Counted with the frozen million, no full collection came for hundreds of thousands of
    requests' objects, and a serving process grew by about a MiB per thousand submissions."""
    done = subprocess.run([sys.executable, "-c", REQUESTS_AFTER_STARTUP], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=120)
    full_collections, alive = map(int, done.stdout.split())
    assert full_collections >= 1
    assert alive < 100_000, f"{alive} dead requests still held"


# Chunks of 64 KiB come from the C heap (larger ones are mapped apart and go back by themselves);
# a small chunk kept after each pins the heap's top, so freeing the large ones returns nothing.
FREED_BUT_KEPT = """
import sys
from yhteys import heap

def anonymous_kib():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

large, pins = [], []
for _ in range(2_000):
    large.append(bytearray(64 * 1024))
    pins.append(bytearray(1024))
del large
before = anonymous_kib()
returned = heap.return_freed_memory()
print(int(returned), before - anonymous_kib())
"""


def test_freed_c_heap_memory_goes_back_to_the_system() -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the resident size from /proc")
    done = subprocess.run([sys.executable, "-c", FREED_BUT_KEPT], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=60)
    returned, dropped_kib = map(int, done.stdout.split())
    if not returned:
        pytest.skip("this C library cannot trim its heap")
    assert dropped_kib > 100 * 1024, f"only {dropped_kib} KiB returned of about 125 MiB freed"

"""A serving process sets aside what start-up built, once, so full collections stay short."""

from __future__ import annotations

import gc

import pytest

from yhteys import heap

pytestmark = pytest.mark.sqlite_only


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

"""`yhteys serve` does its first-time work before the first request, not inside it."""

from __future__ import annotations

import gc

import pytest
from starlette.testclient import TestClient

from yhteys.app import create_serving_app
from yhteys.templating import environment


@pytest.fixture
def collector_restored():  # noqa: ANN201 - the serving app freezes the heap of this process
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if not frozen:
        gc.unfreeze()


def test_the_serving_app_has_its_templates_compiled_before_the_first_request(
    settings, collector_restored
):
    environment.cache_clear()
    with TestClient(create_serving_app()) as client:
        cached = {name for _, name in environment().cache}  # (loader ref, name) keys
        assert {"base.html", "intake/confirmation.html"} <= cached
        assert client.get("/healthz").status_code == 200

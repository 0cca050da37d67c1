"""Operations tests: readiness, metrics, request ids, backups. They reuse the public side's
browser helpers to do real work (send a form) and watch what operations see of it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.intake.conftest import Browser, fresh_rate_limits  # noqa: F401 - fixtures


@pytest.fixture
def quiet_client(app) -> TestClient:  # noqa: ANN001
    """The app without its background runtime: nothing sends or sweeps behind the test's back."""
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


@pytest.fixture
def browser(quiet_client: TestClient) -> Browser:
    return Browser(quiet_client)

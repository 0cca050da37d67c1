"""Browser-test fixtures: the real app under uvicorn, Debian's Chromium through Playwright.

    @pytest.mark.browser
    @pytest.mark.sqlite_only
    def test_something(page, live_server):
        page.goto("/fi/")                      # relative to the live server
        assert_accessible(page)                # axe-core, WCAG 2.1 A and AA
        assert_no_third_party_requests(page)

`start_server(YHTEYS_NOW="2026-03-02T10:00:00+02:00")` gives a server with extra environment (one
per distinct environment, shared by the tests that ask for the same); `new_context(server,
java_script_enabled=False, locale="sv-FI")` a guarded browser context of your own. Every context
blocks and records requests to any host but its server. A failing test leaves a full-page
screenshot of each page it opened under its pytest tmp dir (the path is printed in the report).

Data: the server uses the run's database. Write what it should show with the `session` fixture
(the `settings` fixture empties the tables after each test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    guard_context,
    require_chromium,
    save_screenshot,
    start_live_server,
)

# Playwright must never fetch a browser of its own; it drives /usr/bin/chromium.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def start_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    """A factory: `start_server(**env)` returns a running server with that extra environment.

    Servers are kept while the browser tests run, one per distinct environment, and stopped
    when they are done: a live server's relay and worker would otherwise take the outbox rows
    of the tests that come after.
    """
    servers: dict[frozenset[tuple[str, str]], LiveServer] = {}

    def start(**env: Any) -> LiveServer:
        for name in env:
            if not name.isupper():
                raise ValueError(f"environment variable names are upper case: {name!r}")
        key = frozenset((name, str(value)) for name, value in env.items())
        server = servers.get(key)
        if server is None or server.process.poll() is not None:
            var_dir = tmp_path_factory.mktemp("live-var")
            server = start_live_server(database_url, var_dir, {k: str(v) for k, v in env.items()})
            servers[key] = server
        return server

    try:
        yield start
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="package")
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """The app with the default test environment."""
    return start_server()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, one per test module (a Playwright loop never outlives its module)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(
    browser: Any, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Any]]:
    """A factory of guarded browser contexts: `new_context(server=None, **playwright_options)`.

    base_url is the server's, so `page.goto("/fi/")` works; requests elsewhere are blocked.
    """
    contexts: list[Any] = []

    def make(server: LiveServer | None = None, **options: Any) -> Any:
        server = server or live_server
        options.setdefault("base_url", server.url)
        options.setdefault("viewport", {"width": 390, "height": 844})  # a phone first
        options.setdefault("service_workers", "block")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        guard_context(context, server.origin)
        contexts.append(context)
        return context

    yield make

    failed = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed:
            for index, page in enumerate(context.pages):
                try:
                    path = save_screenshot(page, tmp_path / "screenshots", f"c{number}-p{index}")
                    print(f"screenshot of {page.url}: {path}")
                except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure
                    print(f"no screenshot of {page.url}: {exc}")
        context.close()


@pytest.fixture
def context(new_context: Callable[..., Any]) -> Any:
    return new_context()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def page_without_js(new_context: Callable[..., Any]) -> Any:
    """A page in a context with JavaScript off: what a locked-down or very old phone sees."""
    return new_context(java_script_enabled=False).new_page()


@pytest.fixture
def live_settings(use_settings: Callable[..., Any], live_server: LiveServer) -> Any:
    """This process's settings pointed at the live server (links built here match its pages)."""
    return use_settings(base_url=live_server.url, upload_dir=live_server.upload_dir,
                        mail_dir=live_server.mail_dir)


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[..., Path]:
    """`screenshot(page, "name")` saves a full-page PNG under this test's tmp dir."""

    def take(page: Any, name: str = "page") -> Path:
        path = save_screenshot(page, tmp_path / "screenshots", name)
        print(f"screenshot of {page.url}: {path}")
        return path

    return take

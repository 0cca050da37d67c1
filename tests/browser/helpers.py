"""Helpers for browser tests: the live server, the third-party guard, axe-core, screenshots.

Import them in a test module with `from tests.browser.helpers import axe_violations, ...`; the
fixtures that use them are in tests/browser/conftest.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI, TEST_SECRET
from yhteys.settings import ENV_NAMES, PROJECT_ROOT

CHROMIUM = Path(os.environ.get("YHTEYS_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def require_chromium() -> None:
    """Skip (on a laptop) or fail (in CI) without Debian's Chromium; never download one."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(message + " (CI must install it: see .ci/run)")
    pytest.skip(message)


# --- The live server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """The real app under uvicorn in its own process, on the test run's database."""

    url: str
    port: int
    var_dir: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def origin(self) -> str:
        return self.url

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["MAIL_DIR"])

    @property
    def upload_dir(self) -> Path:
        return Path(self.env["UPLOAD_DIR"])

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # The server runs in a session of its own: this signals only its process group.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def _clean_environ() -> dict[str, str]:
    """The test process's environment without any Yhteys setting that could leak in."""
    ours = set(ENV_NAMES.values())
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ours and not key.startswith(("TEST_", "YHTEYS_", "PYTEST_"))
    }


def start_live_server(
    database_url: str, var_dir: Path, extra_env: dict[str, str], timeout: float = 60
) -> LiveServer:
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_environ()
    env.update(
        YHTEYS_ENV="test",
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET,
        BASE_URL=url,
        HOST="127.0.0.1",
        PORT=str(port),
        VAR_DIR=str(var_dir),
        UPLOAD_DIR=str(var_dir / "uploads"),
        MAIL_DIR=str(var_dir / "mail"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in extra_env.items()})
    log_path = var_dir / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "yhteys.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = LiveServer(url, port, var_dir, env, log_path, process)
    try:
        _wait_healthy(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_healthy(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the live server exited ({server.process.returncode}):\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"the live server did not answer /healthz in {timeout:.0f} s:\n{server.log()}")


# --- No requests to other hosts ------------------------------------------------------------------


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_LOCAL_SCHEMES = ("data:", "blob:", "about:")


class RequestGuard:
    """Lets requests to the live server through; blocks and records every other one."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.in_flight = 0

    def allowed(self, url: str) -> bool:
        return url.startswith(_LOCAL_SCHEMES) or origin_of(url) == self.origin

    def install(self, context: Any) -> None:
        context.route("**/*", self._route)
        context.route_web_socket(re.compile(r".*"), self._route_web_socket)
        context.on("request", self._request)
        context.on("requestfinished", self._settled)
        context.on("requestfailed", self._settled)
        context.on("page", self._watch_page)

    def settle(self, page: Any, timeout: float = 10.0) -> None:
        """Wait until every request the page has started has finished or failed.

        What Playwright's "networkidle" tells too, without its half second of silence on every
        page: a crawl of 150 pages spent more than a minute in it."""
        deadline = time.monotonic() + timeout
        while self.in_flight > 0:
            assert time.monotonic() < deadline, f"{self.in_flight} requests still open"
            page.wait_for_timeout(20)  # lets Playwright deliver the events that count them

    def _settled(self, _request: Any) -> None:
        self.in_flight -= 1

    def _route(self, route: Any) -> None:
        if self.allowed(route.request.url):
            route.continue_()
        else:
            self._block(route.request.url)
            route.abort("blockedbyclient")

    def _route_web_socket(self, ws: Any) -> None:
        http_url = re.sub(r"^ws", "http", ws.url)
        if self.allowed(http_url):
            ws.connect_to_server()
        else:
            self._block(ws.url)
            ws.close()

    def _request(self, request: Any) -> None:
        self.in_flight += 1
        # Belt and braces: anything that got past routing is still seen here.
        if not self.allowed(request.url):
            self._block(request.url)

    def _block(self, url: str) -> None:
        if url not in self.blocked:
            self.blocked.append(url)

    def _watch_page(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


_guards: dict[int, RequestGuard] = {}


def guard_context(context: Any, origin: str) -> RequestGuard:
    guard = RequestGuard(origin)
    guard.install(context)
    _guards[id(context)] = guard
    context.on("close", lambda _ctx: _guards.pop(id(context), None))
    return guard


def guard_of(page_or_context: Any) -> RequestGuard:
    context = getattr(page_or_context, "context", page_or_context)
    guard = _guards.get(id(context))
    if guard is None:
        raise AssertionError("this context has no request guard: make it with new_context()")
    return guard


def assert_no_third_party_requests(page_or_context: Any) -> None:
    """Fail if the page (or anything in its context) tried to reach another host."""
    blocked = guard_of(page_or_context).blocked
    assert not blocked, "requests to other hosts (blocked):\n  " + "\n  ".join(blocked)


def assert_no_console_errors(page_or_context: Any) -> None:
    """Fail on script errors and console errors, such as a Content-Security-Policy refusal."""
    errors = guard_of(page_or_context).console_errors
    assert not errors, "console errors:\n  " + "\n  ".join(errors)


# --- Accessibility (axe-core) --------------------------------------------------------------------


@cache
def axe_source() -> str:
    data = AXE_PATH.read_bytes()
    if hashlib.sha256(data).hexdigest() != AXE_SHA256:
        raise AssertionError(f"{AXE_PATH} is not the vendored axe-core (see vendor/README.md)")
    return data.decode("utf-8")


_AXE_RUN = """async (options) => {
  const results = await axe.run(document, options);
  return {
    passes: results.passes.length,
    violations: results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
      nodes: v.nodes.map((n) => ({
        target: n.target, html: n.html, failureSummary: n.failureSummary,
      })),
    })),
  };
}"""


def axe_violations(
    page: Any, tags: tuple[str, ...] = WCAG_TAGS, disable: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return its WCAG 2.1 A/AA violations.

    axe is put into the page with page.evaluate, not add_script_tag: the app's CSP
    (script-src 'self') refuses inline <script> elements, and an extra origin or bypass_csp
    would test a page other than the one people get. page.evaluate goes through the DevTools
    protocol, which CSP does not govern, so the page keeps its real policy during the audit.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = page.evaluate(_AXE_RUN, options)
    assert results["passes"] > 0, "axe-core ran no checks: is the page empty?"
    return results["violations"]


def format_violations(violations: list[dict[str, Any]]) -> str:
    """A readable list for an assertion message: rule, impact, help, and each element."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    - {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Any, disable: tuple[str, ...] = ()) -> None:
    violations = axe_violations(page, disable=disable)
    assert not violations, f"axe-core found WCAG violations on {page.url}:\n" + format_violations(
        violations
    )


# --- Screenshots ---------------------------------------------------------------------------------


def save_screenshot(page: Any, folder: Path, name: str = "page") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80] or "page"
    path = folder / f"{safe}.png"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{safe}-{counter}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

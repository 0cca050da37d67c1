"""Fixtures for the notification tests: real SMTP, Graph API stand-in, private Redis servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from tests.conftest import make_settings
from yhteys.db import engine_for
from yhteys.settings import Settings, set_settings


def _empty_existing_tables(url: str) -> None:
    # Like the shared fixture, but only tables the migrations created: other parts of the product
    # may have models whose migration is still being written.
    engine = engine_for(url)
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    value = make_settings(database_url, tmp_path / "var")
    set_settings(value)
    try:
        yield value
    finally:
        set_settings(None)
        _empty_existing_tables(database_url)


# -- helpers -------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):  # noqa: ANN001, ANN201
    """Poll until predicate() is truthy; fail with a clear message at the deadline."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


# -- a real SMTP server --------------------------------------------------------------------------
class RecordingHandler:
    """aiosmtpd handler: keeps accepted messages; answers from a script when told to."""

    def __init__(self) -> None:
        import threading

        self.messages: list = []  # accepted (250) messages, parsed
        self.attempts: list = []  # every DATA received, parsed, accepted or not
        self.rcpt_script: list[str] = []  # responses to RCPT TO, used up in order
        self.data_script: list[str] = []  # responses to DATA, used up in order
        self.stall = threading.Event()  # while set, DATA hangs (and is then refused)
        self.stalled = threading.Event()  # set when a DATA is hanging
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        with self.lock:
            answer = self.rcpt_script.pop(0) if self.rcpt_script else None
        if answer and not answer.startswith("250"):
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        import asyncio
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.attempts.append(message)
        if self.stall.is_set():
            self.stalled.set()
            while self.stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Interrupted"  # the client is gone; nothing was accepted
        with self.lock:
            answer = self.data_script.pop(0) if self.data_script else "250 OK"
            if answer.startswith("250"):
                self.messages.append(message)
        return answer


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp+insecure://127.0.0.1:{self.port}"  # a local test relay, in clear by choice

    @property
    def messages(self) -> list:
        return self.handler.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.handler.stall.clear()
        server.controller.stop()


# -- a real HTTP server standing in for the Graph API and the SMS provider ------------------------
PHONE_ID = "109876543210"
WA_TOKEN = "wa-test-token"
SMS_TOKEN = "sms-test-token"


class ScriptedApi:
    """Answers POSTs from a script of (status, json, headers) and checks them like the real API."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.script: list[tuple[int, dict, dict]] = []
        self.requests: list[dict] = []  # accepted requests: {"path", "headers", "json"}
        self.refused: list[str] = []  # why a request did not look like the real API's
        self.lock = threading.Lock()
        self._counter = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_POST(self) -> None:  # noqa: N802
                import json

                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                status, body, headers = api.answer(self.path, dict(self.headers), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict, dict]:
        import json

        headers = {k.lower(): v for k, v in headers.items()}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problem = self.check(path, headers, body)
        if problem:
            with self.lock:
                self.refused.append(problem)
            if "token" in problem:  # what the Graph API answers a bad bearer token
                return 401, {"error": {"message": problem, "type": "OAuthException",
                                       "code": 190}}, {}
            return 400, {"error": {"message": problem, "type": "OAuthException", "code": 100}}, {}
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "json": body})
            self._counter += 1
            if self.script:
                return self.script.pop(0)
            return 200, self.success(body, self._counter), {}

    def check(self, path: str, headers: dict, body) -> str:  # noqa: ANN001
        return ""

    def success(self, body, n: int) -> dict:  # noqa: ANN001
        return {"id": f"sms-{n}"}


class GraphApi(ScriptedApi):
    """Checks requests as the WhatsApp Cloud API does: token, phone number id, body shape."""

    def check(self, path: str, headers: dict, body) -> str:  # noqa: ANN001
        if path != f"/v21.0/{PHONE_ID}/messages":
            return f"unknown path {path}"
        if headers.get("authorization") != f"Bearer {WA_TOKEN}":
            return "invalid OAuth access token"
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return "messaging_product must be whatsapp"
        if not str(body.get("to", "")).isdigit():
            return "to must be a phone number"
        kind = body.get("type")
        if kind == "text":
            if not isinstance(body.get("text", {}).get("body"), str) or not body["text"]["body"]:
                return "text.body is required"
        elif kind == "template":
            template = body.get("template") or {}
            if not template.get("name") or not template.get("language", {}).get("code"):
                return "template name and language are required"
            params = template.get("components", [{}])[0].get("parameters", [])
            if not params or any(p.get("type") != "text" for p in params):
                return "template parameters must be text"
        elif kind == "interactive":
            return _interactive_problem(body.get("interactive") or {})
        else:
            return f"unsupported type {kind}"
        return ""

    def success(self, body, n: int) -> dict:  # noqa: ANN001
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": f"wamid.TEST{n:04d}"}],
        }


def _interactive_problem(part: dict) -> str:
    """The Cloud API's limits on reply buttons and lists."""
    text = (part.get("body") or {}).get("text", "")
    if not isinstance(text, str) or not text or len(text) > 1024:
        return "interactive body text must be 1-1024 characters"
    action = part.get("action") or {}
    if part.get("type") == "button":
        buttons = [b.get("reply", {}) for b in action.get("buttons", [])]
        titles = [b.get("title", "") for b in buttons]
        if not 1 <= len(buttons) <= 3 or any(not t or len(t) > 20 for t in titles):
            return "1-3 buttons, titles 1-20 characters"
        if len(set(titles)) < len(titles) or len({b.get("id") for b in buttons}) < len(buttons):
            return "button titles and ids must be unique"
        return ""
    if part.get("type") == "list":
        rows = [r for s in action.get("sections", []) for r in s.get("rows", [])]
        if not action.get("button") or len(action["button"]) > 20:
            return "list button label 1-20 characters"
        if not 1 <= len(rows) <= 10 or len({r.get("id") for r in rows}) < len(rows):
            return "1-10 rows with unique ids"
        if any(not r.get("title") or len(r["title"]) > 24 or len(r.get("description", "")) > 72
               for r in rows):
            return "row title 1-24, description at most 72 characters"
        return ""
    return "unsupported interactive type"


class SmsApi(ScriptedApi):
    def check(self, path: str, headers: dict, body) -> str:  # noqa: ANN001
        if headers.get("authorization") != f"Bearer {SMS_TOKEN}":
            return "bad token"
        if not headers.get("idempotency-key"):
            return "idempotency key missing"
        if not isinstance(body, dict) or not {"from", "to", "text"} <= set(body):
            return "from, to and text are required"
        return ""


def _serve(api: ScriptedApi) -> Iterator[ScriptedApi]:
    api.thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


@pytest.fixture
def graph_api() -> Iterator[GraphApi]:
    yield from _serve(GraphApi())  # type: ignore[misc]


@pytest.fixture
def sms_api() -> Iterator[SmsApi]:
    yield from _serve(SmsApi())  # type: ignore[misc]


# -- Dramatiq on real Redis, and a Redis server of our own ----------------------------------------
@pytest.fixture
def redis_worker(use_settings, redis_url):  # noqa: ANN001, ANN201
    """A Dramatiq worker in this process, on the real Redis. Yields a function to apply settings."""
    from dramatiq import Worker

    from notify import broker

    def setup(**overrides: object) -> Settings:
        value = use_settings(redis_url=redis_url, **overrides)
        broker.configure(value)
        return value

    setup()
    import notify.tasks  # noqa: F401

    worker = Worker(broker.current(), queues={broker.QUEUE}, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        yield setup
    finally:
        worker.stop(timeout=5000)


class RedisProcess:
    """`redis-server` on a free port, started and killed by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import shutil
        import subprocess

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    server = RedisProcess()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch):  # noqa: ANN001, ANN202
    """Retries in tests wait fractions of a second, not minutes."""
    from notify import delivery

    monkeypatch.setattr(delivery, "BACKOFF_BASE_SECONDS", 0.1)
    monkeypatch.setattr(delivery, "BACKOFF_CAP_SECONDS", 1.0)


@pytest.fixture(autouse=True)
def _embedded_broker_after_test():  # noqa: ANN202
    """Each test leaves the process on the in-memory broker, with no runtime running."""
    yield
    from notify import broker, runtime

    runtime.stop()
    embedded = broker.configure(make_settings("sqlite://", Path("/nonexistent")))
    # Row ids restart after the tables are emptied: no message may outlive its test.
    embedded.flush_all()  # type: ignore[attr-defined]
    broker.WAITING.clear()

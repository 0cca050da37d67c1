"""A newcomer's first command: `make run` in a fresh clone serves the start page.

The clone is of the committed HEAD, with its own virtualenv installed from the package registry,
exactly as on a fresh machine. Slow (a minute or two), so it runs once, in the SQLite pass.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from yhteys.settings import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode("utf-8")


def test_make_run_in_a_fresh_clone_serves_the_start_page(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "VIRTUAL_ENV", "TEST_", "YHTEYS_"))
    }
    env.update(PORT=str(port), HOST="127.0.0.1")
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 420
        page = ""
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
            try:
                status, page = _get(f"http://127.0.0.1:{port}/fi/")
                if status == 200:
                    break
            except OSError:
                time.sleep(1)
        else:
            output = (tmp_path / "make-run.log").read_text()[-3000:]
            pytest.fail("make run did not serve within 7 minutes:\n" + output)
        assert '<html lang="fi"' in page
        assert "112" in page
        assert (clone / "var" / "yhteys.db").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()

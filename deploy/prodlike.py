"""Yhteys in its production shape, on this machine, as the current user (`deploy/prod-like`).

nginx (Debian's package) terminates TLS with a certificate made at start and balances two
`yhteys serve` processes; two `yhteys worker` processes and one `yhteys relay` send through an
SMTP server of our own (aiosmtpd, in its own process, keeping every message it is given). A
fresh PostgreSQL database on 127.0.0.1:5432 and a free Redis database; YHTEYS_ENV=production
with keys made by `yhteys generate-key`. Everything lives in one temporary folder and on free
ports, and is removed at the end, even after a failure.

The nginx site is deploy/nginx/yhteys.conf itself, with the lines marked "prod-like" rewritten.
`tests/prod/test_prod_like.py` drives it; run by hand it waits for Ctrl-C:

    deploy/prod-like            # or: make prod-like
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "yhteys.conf"
PG_ADMIN = os.environ.get("PRODLIKE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("PRODLIKE_REDIS", "redis://127.0.0.1:6379")
PY = sys.executable
# The same key as the test suite's claim (tests/conftest.py REDIS_CLAIM_KEY).
CLAIM_KEY = "yhteys:claimed-by"
# Shorter than production (lease 120 s, grace 30 s) so that a killed worker's sends are taken
# up again within the test's time; the behaviour is the same.
WORKER_ARGS = ["--threads", "4", "--lease", "8"]
RELAY_ARGS = ["--poll", "0.5", "--grace", "4"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_nginx() -> str:
    """Debian's nginx, installed (as root) when missing."""
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    if os.geteuid() != 0:
        raise SystemExit("nginx is missing: sudo apt-get install -y nginx-light")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=False, env=env,
                   stdout=subprocess.DEVNULL)
    if not Path("/usr/sbin/nginx").exists():
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    return "/usr/sbin/nginx"


# -- the SMTP server (its own process: `prodlike.py smtp-sink PORT FOLDER`) -------------------
def smtp_sink(port: int, folder: Path, delay: float) -> None:
    """Keeps each message it accepts as one file; `delay` at RCPT makes each send take a while.
    While the file HOLD_FILE exists in `folder`, every conversation waits at RCPT, before the
    server has taken anything: a test can then kill a worker that certainly holds rows."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
            while (folder / HOLD_FILE).exists():
                await asyncio.sleep(0.02)
            await asyncio.sleep(delay)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            name = f"{time.time():.6f}-{uuid.uuid4().hex}"
            (folder / f"{name}.tmp").write_bytes(envelope.content)
            (folder / f"{name}.tmp").rename(folder / f"{name}.eml")
            return "250 OK"

    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


HOLD_FILE = "hold"


def received(folder: Path) -> list[dict[str, str]]:
    """Every message the SMTP server accepted: its To and Message-ID headers and Subject."""
    messages = []
    for path in sorted(folder.glob("*.eml")):
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        headers = {}
        for line in re.split(r"\r\n(?![ \t])", head):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        headers["received"] = path.name.split("-", 1)[0]  # when the server accepted it
        messages.append(headers)
    return messages


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- nginx ----------------------------------------------------------------------------------
def site_conf(template: str, *, web_ports: list[int], https_port: int, http_port: int,
              cert: Path, key: Path, cache: Path, monitor: str = "127.0.0.1",
              show_upstream: bool = True) -> str:
    """The recipe's site with its "prod-like" lines pointed at this machine's parts."""
    web = iter(web_ports)
    out = []
    for line in template.splitlines():
        marker = re.search(r"# prod-like: (.+)$", line)
        what = marker.group(1).strip() if marker else ""
        if what.startswith("web "):
            line = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{next(web)}", line)
        elif what == "plain HTTP":
            line = re.sub(r"listen \d+", f"listen 127.0.0.1:{http_port}", line)
        elif what == "HTTPS":
            line = re.sub(r"listen \d+", f"listen 127.0.0.1:{https_port}", line)
        elif what == "cert":
            line = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {cert};", line)
        elif what == "key":
            line = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", line)
        elif what == "cache":
            line = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {cache}", line)
        elif what == "monitoring host":
            line = re.sub(r"allow \S+;", f"allow {monitor};", line)
        out.append(line)
        if show_upstream and re.match(r"\s*proxy_pass ", line):
            # Only here: which `yhteys serve` answered, so the test can see both at work.
            out.append(line[: len(line) - len(line.lstrip())]
                       + "add_header X-Upstream $upstream_addr always;")
    text = "\n".join(out) + "\n"
    if next(web, None) is not None:
        raise ValueError("the template has fewer upstream lines than web processes")
    return text.replace("return 301 https://$host$request_uri;",
                        f"return 301 https://$host:{https_port}$request_uri;")


def main_conf(prefix: Path, site: Path) -> str:
    """nginx's own frame for running from `prefix` as any user: pid, logs and temp files."""
    # Started by root, nginx's workers would run as nobody, who cannot enter our private folder.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return f"""# Made by deploy/prodlike.py for one run.
{user}worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
"""


# -- the whole shape ------------------------------------------------------------------------
class Stack:
    """Start with `with Stack() as stack:`; everything is stopped and removed on the way out."""

    def __init__(self, *, smtp_delay: float = 0.05, log_level: str = "INFO") -> None:
        self.smtp_delay = smtp_delay
        self.log_level = log_level
        self.procs: dict[str, subprocess.Popen] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="yhteys-prodlike-"))
        self.database = f"yhteys_prodlike_{os.getpid()}_{secrets.token_hex(2)}"
        self.database_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.database}"
        self.redis_url = ""
        self.https_port = free_port()
        self.web_ports = [free_port(), free_port()]
        self.smtp_port = free_port()
        self.base_url = f"https://127.0.0.1:{self.https_port}"
        self.cert = self.tmp / "tls" / "cert.pem"
        self.mail = self.tmp / "smtp"
        self.env: dict[str, str] = {}
        self._db_created = False

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- start ------------------------------------------------------------------------------
    def start(self) -> None:
        nginx = ensure_nginx()
        self._create_database()
        self._claim_redis()
        self._make_certificate()
        self.env = self._production_env()
        self._spawn("smtp", [PY, __file__, "smtp-sink", str(self.smtp_port), str(self.mail),
                             str(self.smtp_delay)])
        subprocess.run([*self._yhteys(), "migrate"], env=self.env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=self._log("migrate"))
        for n, port in enumerate(self.web_ports, 1):
            self._spawn(f"web{n}", [*self._yhteys(), "serve", "--port", str(port)])
        for n in (1, 2):
            self.start_worker(n)
        self._spawn("relay", [*self._yhteys(), "relay", *RELAY_ARGS])
        self._start_nginx(nginx)
        self._wait_ready()

    def _yhteys(self) -> list[str]:
        return [PY, "-m", "yhteys.cli"]

    def _log(self, name: str) -> Any:
        (self.tmp / "logs").mkdir(exist_ok=True)
        return (self.tmp / "logs" / f"{name}.log").open("ab")

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = self._log(name)
        proc = subprocess.Popen(argv, env=self.env or None, cwd=ROOT, stdout=log, stderr=log,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_worker(self, n: int) -> subprocess.Popen:
        return self._spawn(f"worker{n}", [*self._yhteys(), "worker", *WORKER_ARGS])

    def hold_mail(self, holding: bool) -> None:
        """Make every SMTP conversation wait at RCPT (True) or go on (False)."""
        gate = self.mail / HOLD_FILE
        if holding:
            gate.touch()
        else:
            gate.unlink(missing_ok=True)

    def kill_worker(self, n: int) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no goodbye."""
        proc = self.procs[f"worker{n}"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def _create_database(self) -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            # Leftovers of a run killed outright (SIGKILL leaves no time to clean up).
            for (name,) in conn.execute(text(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'yhteys_prodlike_%'")):
                pid = re.match(r"yhteys_prodlike_(\d+)_", name)
                if pid and not _alive(int(pid.group(1))):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        self._db_created = True

    def _claim_redis(self) -> None:
        """An empty Redis database nobody else uses, counting down from the last one (a test
        run claims its own the same way, counting up from 1)."""
        import redis

        count = int(redis.Redis.from_url(REDIS).config_get("databases")["databases"])
        for n in range(count - 1, 0, -1):
            client = redis.Redis.from_url(f"{REDIS}/{n}")
            if client.dbsize() == 0 and client.set(CLAIM_KEY, str(os.getpid()), nx=True):
                self.redis_url = f"{REDIS}/{n}"
                return
        raise RuntimeError("no empty Redis database is free")

    def _make_certificate(self) -> None:
        self.cert.parent.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.cert.parent / "key.pem"), "-out", str(self.cert),
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def _generate_key(self) -> str:
        env = {k: v for k, v in os.environ.items() if k != "YHTEYS_ENV"}
        out = subprocess.run([*self._yhteys(), "generate-key"], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        return out.strip()

    def _production_env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if k in {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV"}}
        return {
            **keep,
            "YHTEYS_ENV": "production",
            "SECRET_KEY": self._generate_key(),
            "DATA_KEYS": self._generate_key(),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "BASE_URL": self.base_url,
            "HOST": "127.0.0.1",
            "TRUSTED_PROXIES": "127.0.0.1",
            "SMTP_URL": f"smtp+insecure://127.0.0.1:{self.smtp_port}",
            "VAR_DIR": str(self.tmp / "var"),
            "METRICS_DIR": str(self.tmp / "metrics"),
            "LOG_LEVEL": self.log_level,
        }

    def _start_nginx(self, nginx: str) -> None:
        prefix = self.tmp / "nginx"
        prefix.mkdir()
        site = prefix / "yhteys.conf"
        site.write_text(site_conf(
            SITE_TEMPLATE.read_text(), web_ports=self.web_ports, https_port=self.https_port,
            http_port=free_port(), cert=self.cert, key=self.cert.parent / "key.pem",
            cache=prefix / "cache"))
        conf = prefix / "nginx.conf"
        conf.write_text(main_conf(prefix, site))
        check = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", str(conf)],
                               capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx refused its configuration: {check.stderr}")
        self._spawn("nginx", [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])

    def _wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, verify=self.tls(), timeout=3) as client:
            while time.monotonic() < deadline:
                for name, proc in self.procs.items():
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.returncode}:\n"
                                           + self.log_tail(name))
                try:
                    # Both web processes ready, each reached directly (nginx balances).
                    if all(httpx.get(f"http://127.0.0.1:{p}/readyz", timeout=3).status_code
                           == 200 for p in self.web_ports) and \
                            client.get("/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
        raise RuntimeError("the stack did not become ready:\n" + self.log_tail("web1"))

    def tls(self) -> ssl.SSLContext:
        """Trusts the certificate made at start, and nothing else."""
        return ssl.create_default_context(cafile=str(self.cert))

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / "logs" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- stop -------------------------------------------------------------------------------
    def stop(self) -> None:
        # nginx first (no new requests), then the app, the SMTP server last.
        order = ["nginx", "web1", "web2", "relay", "worker1", "worker2", "smtp"]
        names = [n for n in order if n in self.procs] + [n for n in self.procs if n not in order]
        for name in names:
            proc = self.procs[name]
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for name in names:
            proc = self.procs[name]
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.procs.clear()
        if self.redis_url:
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()
            self.redis_url = ""
        if self._db_created:
            from sqlalchemy import create_engine, text

            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            admin.dispose()
            self._db_created = False
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sink = sub.add_parser("smtp-sink")
    sink.add_argument("port", type=int)
    sink.add_argument("folder", type=Path)
    sink.add_argument("delay", type=float)
    args = parser.parse_args(argv)
    if args.command == "smtp-sink":
        smtp_sink(args.port, args.folder, args.delay)
        return 0

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with Stack() as stack:
        print(f"Yhteys runs at {stack.base_url}/fi/ (certificate: {stack.cert})")
        print(f"  database {stack.database}, Redis {stack.redis_url}, SMTP 127.0.0.1:"
              f"{stack.smtp_port} (messages in {stack.mail}), logs in {stack.tmp / 'logs'}")
        print("  staff: YHTEYS_ENV=production and the same keys; see "
              f"{stack.tmp / 'env'} for the environment. Ctrl-C stops and removes everything.")
        (stack.tmp / "env").write_text("".join(f"{k}={v}\n" for k, v in stack.env.items()))
        while not stopping.wait(1):
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    print(stack.log_tail(name), file=sys.stderr)
                    return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

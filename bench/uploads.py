"""What a flood of hostile uploads costs the web process: CPU seconds and peak memory.

    .venv/bin/python bench/uploads.py [--posts 12] [--files 5] [--tree PATH] [--valid]

Starts `yhteys serve` (SQLite in a temporary folder) from this checkout, or from another one with
`--tree` (e.g. an export of the code before the fix, to compare), fetches the request form like a
browser (cookie, CSRF token) and sends, one after the other, `--posts` forms whose fields are
invalid (no name, no consent), each with `--files` JPEG photos of about 0.95 MB that announce 49
megapixels: the attack that found the problem. `--valid` sends complete forms instead (those are
decoded, in the sandbox worker, until the rate limit answers 429).

Prints the answers' status codes, the web process's CPU seconds (its own, and its waited-for
children's: the sandbox workers), its resident memory before, at its peak and after.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def photo(target: int = int(0.95 * 1000 * 1000)) -> bytes:
    """A 7000×7000 JPEG (49 MP) padded with noise to just under `target` bytes."""
    from PIL import Image

    side = 1500
    while True:
        image = Image.new("L", (7000, 7000), 128)
        image.paste(Image.effect_noise((side, side), 40), (0, 0))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=30)
        if len(out.getvalue()) <= target:
            return out.getvalue()
        side -= 40


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(own, waited-for children) CPU seconds of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


def memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            values[name] = int(rest.split()[0]) * 1024
    return values


def start_server(tree: Path, workdir: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "YHTEYS_ENV": "development",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "VAR_DIR": str(workdir),
        "UPLOAD_DIR": str(workdir / "uploads"),
        "MAIL_DIR": str(workdir / "mail"),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(tree),
    }
    code = "import sys; from yhteys.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "serve", "--migrate", "--port", str(port)]
    server = subprocess.Popen(command, cwd=tree, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def form_fields(valid: bool, token: str, key: str) -> dict[str, str]:
    fields = {
        "csrf_token": token,
        "idempotency_key": key,
        "name": "Amal" if valid else "",
        "language": "ar",
        "message": "I need advice, please.",
        "contact_channel": "none",
    }
    if valid:
        fields["consents.process"] = "yes"
    return fields


def run(args: argparse.Namespace) -> None:
    tree = Path(args.tree).resolve() if args.tree else ROOT
    print(f"making a {args.files}-photo attack post ...", flush=True)
    picture = photo()
    print(f"each photo: {len(picture) / 1e6:.2f} MB, 7000x7000 (49 MP)")
    with tempfile.TemporaryDirectory(prefix="yhteys-bench-uploads-") as folder:
        port = free_port()
        server = start_server(tree, Path(folder), port)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=300) as client:
                page = client.get("/en/request/other").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
                key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
                time.sleep(0.5)
                own0, kids0 = cpu_seconds(server.pid)
                before = memory(server.pid)
                statuses: Counter[int] = Counter()
                started = time.monotonic()
                for n in range(args.posts):
                    files = [("files", (f"p{i}.jpg", picture, "image/jpeg"))
                             for i in range(args.files)]
                    fields = form_fields(args.valid, token, key[:-4] + f"{n:04x}")
                    response = client.post("/en/request/other", data=fields, files=files)
                    statuses[response.status_code] += 1
                elapsed = time.monotonic() - started
                time.sleep(1.0)
                own1, kids1 = cpu_seconds(server.pid)
                after = memory(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    print(f"code: {tree}")
    print(f"{args.posts} posts in {elapsed:.1f} s; answers: {dict(sorted(statuses.items()))}")
    print(f"CPU, web process:            {own1 - own0:7.1f} s")
    print(f"CPU, its sandbox workers:    {kids1 - kids0:7.1f} s")
    print(f"RSS before:                  {before['VmRSS'] / MB:7.0f} MB")
    print(f"RSS peak (VmHWM):            {after['VmHWM'] / MB:7.0f} MB")
    print(f"RSS after:                   {after['VmRSS'] / MB:7.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=12)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--tree", help="another checkout to measure (default: this one)")
    parser.add_argument("--valid", action="store_true", help="complete forms instead")
    run(parser.parse_args())


if __name__ == "__main__":
    main()

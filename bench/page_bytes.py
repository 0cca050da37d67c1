"""Bytes a phone downloads for the start page and each form page, in Finnish and English.

    .venv/bin/python bench/page_bytes.py

Runs the real app (a fresh SQLite database in a temporary folder) with Starlette's test client,
asking for gzip as every phone browser does, and prints each page's body as sent, as rendered,
and what it would weigh gzipped (a no-store page is sent plain: see yhteys/compression.py). The
aim is under 20 KB sent per page; tests/yhteys/test_compression.py fails above 60 KB.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCALES = ("fi", "en")
AIM = 20 * 1024


def page_paths() -> list[str]:
    from intake.choices import KIND_SLUGS

    return [
        f"/{locale}/{rest}"
        for locale in LOCALES
        for rest in ["", *(f"request/{slug}" for slug in KIND_SLUGS.values())]
    ]


def transferred(client, path: str) -> tuple[int, bytes, str]:  # noqa: ANN001
    """(bytes sent, the page, content-encoding) of one GET asking for gzip."""
    with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as response:
        assert response.status_code == 200, (path, response.status_code)
        raw = b"".join(response.iter_raw())
        encoding = response.headers.get("content-encoding", "identity")
    plain = gzip.decompress(raw) if encoding == "gzip" else raw
    return len(raw), plain, encoding


def main() -> int:
    from starlette.testclient import TestClient

    from yhteys.app import create_app
    from yhteys.compression import DYNAMIC_LEVEL
    from yhteys.migrate import upgrade
    from yhteys.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        url = f"sqlite:///{var / 'bench.db'}"
        settings = Settings(env="test", database_url=url, var_dir=var, upload_dir=var / "uploads",
                            mail_dir=var / "mail", redis_url="", base_url="http://testserver")
        upgrade(url)
        with TestClient(create_app(settings), base_url="http://testserver") as client:
            # "gzipped" is what the page would weigh compressed; it differs from "sent" for a
            # page sent plain because it is no-store (see yhteys/compression.py).
            print(f"{'page':36} {'sent':>8} {'page':>8} {'gzipped':>8}  encoding")
            for path in page_paths():
                sent, page, encoding = transferred(client, path)
                could = len(gzip.compress(page, compresslevel=DYNAMIC_LEVEL))
                mark = "  over the 20 KB aim" if sent > AIM else ""
                print(f"{path:36} {sent:>8,} {len(page):>8,} {could:>8,}  {encoding}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Gzip for public text responses; no-store pages plain; masked CSRF tokens (BREACH)."""

from __future__ import annotations

import gzip
import re

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from bench.page_bytes import page_paths
from yhteys import csrf
from yhteys.compression import CompressionMiddleware, wants_gzip

GZIP = {"accept-encoding": "gzip, deflate"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def fetch(client, method: str, path: str, headers=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """(response, body as sent): the test client would otherwise decode it."""
    with client.stream(method, path, headers=headers or {}, **kwargs) as response:
        return response, b"".join(response.iter_raw())


def test_a_public_page_comes_gzipped_and_decodes_to_the_page(client):
    response, sent = fetch(client, "GET", "/fi/", GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(sent)
    assert "accept-encoding" in response.headers["vary"].lower()
    assert "accept-language" in response.headers["vary"].lower()  # kept, not replaced
    page = gzip.decompress(sent)
    _, plain = fetch(client, "GET", "/fi/", {"accept-encoding": "identity"})
    assert len(sent) < len(page) / 2
    assert TOKEN.sub("", page.decode()) == TOKEN.sub("", plain.decode())
    assert page.decode().rstrip().endswith("</html>")


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "br", "*;q=0", "deflate, gzip;q=0"])
def test_a_client_without_gzip_gets_plain(client, accept):  # noqa: ANN001
    response, sent = fetch(client, "GET", "/fi/", {"accept-encoding": accept})
    assert "content-encoding" not in response.headers
    assert sent.decode().rstrip().endswith("</html>")
    assert "accept-encoding" in response.headers["vary"].lower()


def test_accept_encoding_q_values():
    assert wants_gzip("gzip")
    assert wants_gzip("GZIP;q=0.5, identity")
    assert wants_gzip("*")
    assert wants_gzip("br;q=1, *;q=0.1")
    assert not wants_gzip("*;q=0.1, gzip;q=0")
    assert not wants_gzip("gzip;q=0.000")
    assert not wants_gzip("gzip;q=nonsense")
    assert not wants_gzip("identity")
    assert not wants_gzip("")


def test_every_response_carries_a_different_csrf_token(client, monkeypatch):
    # Frozen in one second: before the nonce, every page of that second had the same token.
    monkeypatch.setattr(csrf.time, "time", lambda: 1_800_000_000.0)
    tokens = []
    for path in ["/en/request/other", "/en/request/other", "/fi/request/tracing"]:
        tokens += TOKEN.findall(client.get(path, headers=GZIP).text)
    assert len(tokens) == 3
    signatures = [token.rsplit(".", 1)[1] for token in tokens]
    assert len(set(signatures)) == len(signatures)
    nonces = [token.split(".")[1] for token in tokens]
    assert len(set(nonces)) == len(nonces)


def test_the_staff_login_page_goes_uncompressed(client):  # noqa: ANN001
    response, sent = fetch(client, "GET", "/triage/login", GZIP)
    assert response.headers["cache-control"] == "no-store"
    assert "content-encoding" not in response.headers
    assert b"csrf_token" in sent


def test_static_files_come_gzipped_once_and_whole(client):  # noqa: ANN001
    from yhteys.templating import STATIC_DIR

    for name in ["css/app.css", "js/htmx.min.js"]:
        first, sent = fetch(client, "GET", f"/static/{name}", GZIP)
        assert first.headers["content-encoding"] == "gzip"
        assert gzip.decompress(sent) == (STATIC_DIR / name).read_bytes()
        assert "accept-ranges" not in first.headers
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        again, sent_again = fetch(client, "GET", f"/static/{name}", GZIP)
        assert sent_again == sent
        unchanged, _ = fetch(client, "GET", f"/static/{name}", {**GZIP, "if-none-match": etag})
        assert unchanged.status_code == 304


def test_a_range_request_gets_the_plain_bytes_it_asked_for(client):  # noqa: ANN001
    response, sent = fetch(client, "GET", "/static/css/app.css", {**GZIP, "range": "bytes=0-9"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert len(sent) == 10


def test_the_public_pages_stay_small_on_the_wire(client):  # noqa: ANN001
    # Aim: under 20 KB (bench/page_bytes.py prints them); this stops a page that grew far past it.
    for path in page_paths():
        response, sent = fetch(client, "GET", path, GZIP)
        assert response.status_code == 200, path
        assert len(sent) <= 60 * 1024, (path, len(sent))


# -- the middleware alone -------------------------------------------------------------------------
BIG = "x" * 5000


async def _stream(request):  # noqa: ANN001, ANN202
    async def parts():  # noqa: ANN202
        yield BIG
        yield BIG

    return StreamingResponse(parts(), media_type="text/html")


def _tiny_app() -> TestClient:
    routes = [
        Route("/stream", _stream),
        Route("/json", lambda r: JSONResponse({"text": BIG})),
        Route("/small", lambda r: PlainTextResponse("small")),
        Route("/png", lambda r: Response(BIG.encode(), media_type="image/png")),
        Route("/encoded", lambda r: Response(gzip.compress(BIG.encode()), media_type="text/html",
                                             headers={"content-encoding": "gzip"})),
        Route("/private", lambda r: Response(BIG, media_type="text/html",
                                             headers={"cache-control": "private, no-store"})),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(CompressionMiddleware)
    return TestClient(app)


def test_json_is_compressed_and_the_rest_is_left_alone():
    client = _tiny_app()
    response, sent = fetch(client, "GET", "/json", GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert BIG in gzip.decompress(sent).decode()
    for path in ["/stream", "/png", "/private"]:
        response, sent = fetch(client, "GET", path, GZIP)
        assert "content-encoding" not in response.headers, path
        assert sent.decode() == BIG * (2 if path == "/stream" else 1), path
    response, sent = fetch(client, "GET", "/encoded", GZIP)
    assert gzip.decompress(sent).decode() == BIG  # encoded once, not twice
    response, sent = fetch(client, "GET", "/small", GZIP)
    assert "content-encoding" not in response.headers and sent == b"small"
    head = client.head("/json", headers=GZIP)
    assert "content-encoding" not in head.headers

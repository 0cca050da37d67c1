"""A stand-in WhatsApp Cloud API on loopback: the messages endpoint (tests.notify.conftest's
GraphApi) and the media endpoints, GET /{media-id} (JSON with a URL) and GET that URL (the
bytes), both only with the bearer token, as the real API."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import struct
import zlib
from collections.abc import Iterator

import pytest

from tests.notify.conftest import PHONE_ID, WA_TOKEN, GraphApi, _serve


class CloudApi(GraphApi):
    def __init__(self) -> None:
        super().__init__()
        self.media: dict[str, tuple[bytes, str]] = {}  # id -> (bytes, mime type)
        self.declared: dict[str, int] = {}  # id -> a file_size that differs from the bytes
        self.failures: dict[str, list[int]] = {}  # id -> statuses to answer first
        self.gets: list[str] = []
        api, base_handler = self, self.server.RequestHandlerClass

        class Handler(base_handler):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:  # noqa: N802
                status, headers, body = api.get(self.path, self.headers.get("authorization"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server.RequestHandlerClass = Handler

    def get(self, path: str, authorization: str | None) -> tuple[int, dict, bytes]:
        with self.lock:
            self.gets.append(path)
        as_json = {"content-type": "application/json"}
        if authorization != f"Bearer {WA_TOKEN}":
            error = {"error": {"message": "invalid OAuth access token", "code": 190}}
            return 401, as_json, json.dumps(error).encode()
        media_id = path.rsplit("/", 1)[-1]
        if media_id not in self.media:
            error = {"error": {"message": "Unsupported get request", "code": 100}}
            return 404, as_json, json.dumps(error).encode()
        with self.lock:
            pending = self.failures.get(media_id) or []
            if pending:
                return pending.pop(0), as_json, b'{"error": {"code": 2}}'
        data, mime = self.media[media_id]
        if path.startswith("/v21.0/"):
            info = {"messaging_product": "whatsapp", "url": f"{self.base}/download/{media_id}",
                    "mime_type": mime, "sha256": "x",
                    "file_size": self.declared.get(media_id, len(data)), "id": media_id}
            return 200, as_json, json.dumps(info).encode()
        if path.startswith("/download/"):
            return 200, {"content-type": mime}, data
        return 404, as_json, b"{}"


@pytest.fixture
def cloud_api() -> Iterator[CloudApi]:
    for api in _serve(CloudApi()):
        assert isinstance(api, CloudApi)
        yield api


def cloud_settings(api: CloudApi, **more: object) -> dict[str, object]:
    """The settings that send to the stand-in (use_settings(**cloud_settings(api)))."""
    return {"whatsapp_token": WA_TOKEN, "whatsapp_phone_number_id": PHONE_ID,
            "whatsapp_api_base": f"{api.base}/v21.0", "whatsapp_template": "yhteys_update",
            **more}


# --- A voice note as WhatsApp records one: Opus in Ogg, 48 kHz mono, 20 ms frames ----------------


def _opus() -> ctypes.CDLL:
    name = ctypes.util.find_library("opus")
    if name is None:
        pytest.skip("libopus is not installed")
    lib = ctypes.CDLL(name)
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.restype = ctypes.c_void_p
    return lib


def opus_packets(seconds: float = 1.0) -> list[bytes]:
    lib = _opus()
    error = ctypes.c_int()
    encoder = lib.opus_encoder_create(48000, 1, 2048, ctypes.byref(error))  # VOIP
    assert error.value == 0
    packets, frame = [], 960
    for n in range(int(seconds * 50)):
        pcm = (ctypes.c_int16 * frame)(*(
            int(8000 * math.sin(2 * math.pi * 440 * (n * frame + i) / 48000))
            for i in range(frame)))
        out = (ctypes.c_ubyte * 4000)()
        size = lib.opus_encode(ctypes.c_void_p(encoder), pcm, frame, out, 4000)
        assert size > 0
        packets.append(bytes(out[:size]))
    lib.opus_encoder_destroy(ctypes.c_void_p(encoder))
    return packets


def decodable(packets: list[bytes]) -> bool:
    """Every packet decodes to 20 ms of sound with libopus."""
    lib = _opus()
    error = ctypes.c_int()
    decoder = lib.opus_decoder_create(48000, 1, ctypes.byref(error))
    try:
        for packet in packets:
            pcm = (ctypes.c_int16 * 5760)()
            buffer = (ctypes.c_ubyte * len(packet)).from_buffer_copy(packet)
            if lib.opus_decode(ctypes.c_void_p(decoder), buffer, len(packet), pcm, 5760, 0) != 960:
                return False
        return True
    finally:
        lib.opus_decoder_destroy(ctypes.c_void_p(decoder))


def _crc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
            value &= 0xFFFFFFFF
    return value


def _page(flags: int, granule: int, seq: int, packets: list[bytes], serial: int) -> bytes:
    lacing = b"".join(bytes([255] * (len(p) // 255) + [len(p) % 255]) for p in packets)
    head = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    raw = bytearray(head + lacing + b"".join(packets))
    raw[22:26] = struct.pack("<I", _crc(bytes(raw)))
    return bytes(raw)


def voice_note(comment: bytes = b"recorded at Kauppakatu 1", seconds: float = 1.0) -> bytes:
    """An Ogg Opus file whose OpusTags carry a comment that must not survive the cleaning."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = (b"OpusTags" + struct.pack("<I", 7) + b"WhatsUp" + struct.pack("<I", 1)
            + struct.pack("<I", len(comment)) + comment)
    serial = zlib.crc32(b"phone") & 0xFFFFFFFF
    pages = [_page(0x02, 0, 0, [head], serial), _page(0, 0, 1, [tags], serial)]
    packets = opus_packets(seconds)
    for index in range(0, len(packets), 10):
        chunk = packets[index:index + 10]
        last = index + 10 >= len(packets)
        granule = 312 + 960 * (index + len(chunk))
        pages.append(_page(0x04 if last else 0, granule, 2 + index // 10, chunk, serial))
    return b"".join(pages)


def ogg_packets(data: bytes) -> list[bytes]:
    """The packets of an Ogg stream (a reader of our own, for the checks)."""
    packets, current, at = [], b"", 0
    while at < len(data):
        segments = data[at + 26]
        lacing = data[at + 27:at + 27 + segments]
        body_at = at + 27 + segments
        for size in lacing:
            current += data[body_at:body_at + size]
            body_at += size
            if size < 255:
                packets.append(current)
                current = b""
        at = body_at
    return packets

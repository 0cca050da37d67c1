"""Ogg Opus (a WhatsApp voice note), read page by page and written again: run in the sandbox.

What a voice note may carry beyond its sound is the OpusTags packet (free-text comments,
pictures) and whatever hides between or after pages. The cleaned copy is the identification
header as it came, a fresh OpusTags with no comments, and the audio pages renumbered with new
checksums; anything else (a second stream, bytes outside pages, a broken checksum) refuses the
file. Pure Python, bounded in the pages it walks: nothing here decodes sound.
"""

from __future__ import annotations

import struct

from intake.cleaning import Refused

CAPTURE = b"OggS"
HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, segs
CONTINUED, FIRST, LAST = 0x01, 0x02, 0x04
MAX_PAGES = 200_000  # ~ 20 s of audio per 1000 pages: far beyond any voice note we accept
VENDOR = b"yhteys"


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        value = byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, start 0, no final xor."""
    value = 0
    table = _TABLE
    for byte in data:
        value = ((value << 8) & 0xFFFFFFFF) ^ table[((value >> 24) & 0xFF) ^ byte]
    return value


class Page:
    __slots__ = ("flags", "granule", "lacing", "body")

    def __init__(self, flags: int, granule: int, lacing: bytes, body: bytes) -> None:
        self.flags, self.granule, self.lacing, self.body = flags, granule, lacing, body


def pages(data: bytes) -> list[Page]:
    """Every page of one logical stream, each checked; Refused for anything else."""
    found: list[Page] = []
    at, serial = 0, None
    while at < len(data):
        if len(found) >= MAX_PAGES:
            raise Refused("too_complex")
        if at + HEADER.size > len(data):
            raise Refused("unreadable")
        capture, version, flags, granule, page_serial, seq, checksum, segments = (
            HEADER.unpack_from(data, at))
        if capture != CAPTURE or version != 0 or flags & ~0x07:
            raise Refused("unreadable")
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            raise Refused("type_not_allowed")  # a second stream (a video, a picture track)
        if seq != len(found):
            raise Refused("unreadable")
        table_end = at + HEADER.size + segments
        lacing = data[at + HEADER.size:table_end]
        end = table_end + sum(lacing)
        if len(lacing) != segments or end > len(data):
            raise Refused("unreadable")
        raw = bytearray(data[at:end])
        raw[22:26] = b"\0\0\0\0"
        if crc(bytes(raw)) != checksum:
            raise Refused("unreadable")
        found.append(Page(flags, granule, lacing, data[table_end:end]))
        at = end
    if not found or not found[0].flags & FIRST or any(p.flags & FIRST for p in found[1:]):
        raise Refused("unreadable")
    return found


def _packets_until(found: list[Page], count: int) -> tuple[list[bytes], int]:
    """The first `count` packets, and the index of the page after the one that ends the last."""
    packets: list[bytes] = []
    current = bytearray()
    for index, page in enumerate(found):
        if bool(page.flags & CONTINUED) != bool(current):
            raise Refused("unreadable")
        at = 0
        for size in page.lacing:
            current += page.body[at:at + size]
            at += size
            if size < 255:
                packets.append(bytes(current))
                current = bytearray()
                if len(packets) == count:
                    if at != len(page.body):
                        raise Refused("unreadable")  # Opus headers end their pages
                    return packets, index + 1
    raise Refused("unreadable")


def _page(flags: int, granule: int, serial: int, seq: int, lacing: bytes, body: bytes) -> bytes:
    head = HEADER.pack(CAPTURE, 0, flags, granule, serial, seq, 0, len(lacing)) + lacing
    raw = bytearray(head + body)
    raw[22:26] = struct.pack("<I", crc(bytes(raw)))
    return bytes(raw)


def _lacing(size: int) -> bytes:
    return bytes([255] * (size // 255) + [size % 255])


def _check_head(head: bytes) -> None:
    if len(head) < 19 or not head.startswith(b"OpusHead") or head[8] >> 4 != 0:
        raise Refused("type_not_allowed")
    channels, mapping = head[9], head[18]
    if channels == 0 or (mapping == 0 and channels > 2):
        raise Refused("unreadable")


def clean_opus(data: bytes) -> bytes:
    """The cleaned copy of an Ogg Opus file (see the module's text)."""
    found = pages(data)
    (head, tags), first_audio = _packets_until(found, 2)
    _check_head(head)
    if not tags.startswith(b"OpusTags"):
        raise Refused("unreadable")
    audio = found[first_audio:]
    if not audio or found[first_audio].flags & CONTINUED:
        raise Refused("unreadable")  # no sound at all, or a header running into the audio
    serial = 0x59485459  # "YHTY": a fixed serial says nothing about the phone that made it
    fresh_tags = b"OpusTags" + struct.pack("<I", len(VENDOR)) + VENDOR + struct.pack("<I", 0)
    out = [
        _page(FIRST, 0, serial, 0, _lacing(len(head)), head),
        _page(0, 0, serial, 1, _lacing(len(fresh_tags)), fresh_tags),
    ]
    for offset, page in enumerate(audio):
        flags = page.flags & (CONTINUED | LAST)
        out.append(_page(flags, page.granule, serial, 2 + offset, page.lacing, page.body))
    return b"".join(out)


def is_opus(data: bytes) -> bool:
    """The first page of an Ogg stream whose first packet is an Opus identification header."""
    if len(data) < HEADER.size + 1 or not data.startswith(CAPTURE):
        return False
    segments = data[26]
    start = HEADER.size + segments
    return data[start:start + 8] == b"OpusHead"

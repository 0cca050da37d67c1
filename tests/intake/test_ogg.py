"""Voice notes are read page by page: anything but one clean Opus stream is refused, and the
copy we keep has the same sound without the tags (run here in-process; in use, in the sandbox)."""

from __future__ import annotations

import struct

import pytest

from intake import media, ogg
from intake.attachments import AttachmentError
from intake.cleaning import Refused
from tests.intake.cloud_api import decodable, ogg_packets, voice_note


def test_the_clean_copy_keeps_the_sound_and_drops_the_tags():
    note = voice_note(comment=b"LOCATION=60.17,24.94")
    cleaned = ogg.clean_opus(note)
    assert b"60.17" not in cleaned
    assert ogg_packets(cleaned)[0] == ogg_packets(note)[0]  # the identification header
    assert ogg_packets(cleaned)[2:] == ogg_packets(note)[2:]
    assert decodable(ogg_packets(cleaned)[2:])
    assert ogg.clean_opus(cleaned) == cleaned  # cleaning twice changes nothing


@pytest.mark.parametrize("damage", ["checksum", "appended", "cut", "second stream", "no audio"])
def test_a_damaged_or_padded_voice_note_is_refused(damage):
    note = voice_note()
    first_audio = note.index(b"OggS", note.index(b"OpusTags"))
    if damage == "checksum":
        data = note[:-5] + bytes([note[-5] ^ 1]) + note[-4:]
    elif damage == "appended":
        data = note + b"PK\x05\x06" + b"\0" * 18  # a zip's end record after the last page
    elif damage == "cut":
        data = note[:-100]
    elif damage == "second stream":
        page = bytearray(note[first_audio:note.index(b"OggS", first_audio + 4)])
        page[14:18] = struct.pack("<I", 7)  # another serial
        data = note[:first_audio] + bytes(page) + note[first_audio + len(page):]
    else:
        data = note[:first_audio]
    with pytest.raises(Refused):
        ogg.clean_opus(data)


def test_audio_that_is_not_opus_in_ogg_is_not_accepted_as_a_voice_note():
    vorbis = voice_note().replace(b"OpusHead", b"\x01vorbis\x00", 1)
    for data in (vorbis, b"ID3\x04\x00" + b"\0" * 500, b"#!AMR\n" + b"\0" * 500):
        with pytest.raises(AttachmentError) as refused:
            media.check("voice", "", data)
        assert refused.value.code == "type_not_allowed"


def test_a_voice_note_goes_through_the_sandboxed_worker():
    clean = media.check("voice", "", voice_note())
    assert clean.content_type == "audio/ogg" and clean.filename == "voice-note.ogg"
    assert decodable(ogg_packets(clean.data)[2:])

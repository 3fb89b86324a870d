"""The audio payload hash: equal for re-tagged copies, different for other audio."""

from __future__ import annotations

import contextlib
import io
import itertools
import random
import struct
from pathlib import Path

import pytest

from mediashelf.dupes.audio_payload import audio_hash
from mediashelf.dupes.similar import _neighbours
from mediashelf.errors import MediaError
from tests.media import FORMATS, audio_template, tag_file, write_audio


def payload(path: Path) -> bytes:
    with open(path, "rb") as f:
        return audio_hash(f, path.stat().st_size)


@pytest.mark.parametrize("fmt", [*FORMATS, "wav", "aiff"])
def test_retagged_copies_hash_alike(tmp_path: Path, fmt: str) -> None:
    a = write_audio(tmp_path / f"a.{fmt}", fmt)
    b = write_audio(tmp_path / f"b.{fmt}", fmt)
    if fmt not in ("wav", "aiff"):
        tag_file(a, title="One", artist="Someone", album="Somewhere", genre="Rock")
        tag_file(b, title="A much longer title " * 20, track=3)
    assert a.read_bytes() != b.read_bytes() or fmt in ("wav", "aiff")
    assert payload(a) == payload(b)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a"])
def test_other_audio_hashes_differently(tmp_path: Path, fmt: str) -> None:
    a = write_audio(tmp_path / f"a.{fmt}", fmt, title="x")
    data = bytearray(a.read_bytes())
    if fmt == "flac":  # a different STREAMINFO MD5
        data[data.index(b"fLaC") + 8 + 18] ^= 0xFF
    elif fmt == "m4a":  # the tags (moov) come after the audio (mdat)
        data[data.index(b"mdat") + 100] ^= 0xFF
    else:
        data[-200] ^= 0xFF  # inside the audio payload (no trailing tags here)
    b = tmp_path / f"b.{fmt}"
    b.write_bytes(bytes(data))
    assert payload(a) != payload(b)


def _zero_md5(data: bytes) -> bytes:
    start = data.index(b"fLaC") + 8 + 18
    return data[:start] + bytes(16) + data[start + 16 :]


def test_flac_without_md5_hashes_the_frames(tmp_path: Path) -> None:
    template = _zero_md5(audio_template("flac"))
    a, b = tmp_path / "a.flac", tmp_path / "b.flac"
    a.write_bytes(template)
    b.write_bytes(template)
    tag_file(a, title="One")
    tag_file(b, title="Two", artist="Other" * 50)
    assert payload(a) == payload(b)
    assert not payload(a).startswith(b"flac-md5:")
    data = bytearray(b.read_bytes())
    data[-100] ^= 0xFF
    b.write_bytes(bytes(data))
    assert payload(a) != payload(b)


def test_mp3_tags_at_both_ends_are_skipped(tmp_path: Path) -> None:
    plain = tmp_path / "plain.mp3"
    plain.write_bytes(audio_template("mp3"))
    tagged = write_audio(tmp_path / "tagged.mp3", "mp3", title="t", artist="a")
    body = tagged.read_bytes()
    ape_items = struct.pack("<II", 3, 0) + b"Key\x00abc"
    ape_footer = b"APETAGEX" + struct.pack("<IIII", 2000, len(ape_items) + 32, 1, 0) + bytes(8)
    id3v1 = b"TAG" + b"Title".ljust(30, b"\x00") + bytes(94) + b"\x0c"
    tagged.write_bytes(body + ape_items + ape_footer + id3v1)
    assert payload(plain) == payload(tagged)


def test_broken_files_raise_media_errors_only() -> None:
    for fmt in ("mp3", "flac", "ogg", "m4a", "opus", "wav"):
        data = audio_template(fmt)
        for cut in range(0, len(data), max(1, len(data) // 40)):
            for blob in (data[:cut], data[:cut] + b"\xff" * 7):
                with contextlib.suppress(MediaError):
                    audio_hash(io.BytesIO(blob), len(blob))
        rng = random.Random(fmt)
        for _ in range(60):
            flipped = bytearray(data)
            flipped[rng.randrange(min(len(data), 4096))] ^= 1 << rng.randrange(8)
            with contextlib.suppress(MediaError):
                audio_hash(io.BytesIO(bytes(flipped)), len(flipped))


def test_multi_index_finds_every_close_pair() -> None:
    """Image grouping finds exactly the pairs a comparison of every pair finds."""
    from mediashelf.dupes.similar import _PARTS

    rng = random.Random(5)
    base = [rng.getrandbits(64) for _ in range(40)]
    hashes = []
    for h in base:
        hashes.append(h)
        for _ in range(3):
            flips = rng.sample(range(64), rng.randrange(0, 12))
            hashes.append(h ^ sum(1 << b for b in flips))
    for distance in (0, 3, 6, 10):
        masks = _neighbours(distance // _PARTS)
        found = set()
        for i, j in itertools.combinations(range(len(hashes)), 2):
            a, b = hashes[i], hashes[j]
            if any(
                ((a >> (p * 16)) & 0xFFFF) ^ ((b >> (p * 16)) & 0xFFFF) in masks
                for p in range(_PARTS)
            ):
                found.add((i, j))
        close = {
            (i, j)
            for i, j in itertools.combinations(range(len(hashes)), 2)
            if (hashes[i] ^ hashes[j]).bit_count() <= distance
        }
        assert close <= found  # the index never misses a pair within the distance

"""Damaged files of every format: which of the scan's structural checks and `shelf
verify`'s decoding flag each damage, the same through the first pass and mutagen,
and never an invented duration."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest

from mediashelf.errors import Unsupported
from mediashelf.extract.audio.read import read_audio
from mediashelf.extract.damage.decode import decode_file
from mediashelf.model import FileStat, extension
from mediashelf.scan.extract import extract_one
from tests.conftest import Shelf
from tests.damage import files as F

By = Literal["scan", "verify", "both", "neither"]
#: (format, name, damage, who must flag it, the scan's reason when it flags it with
#: damage rather than as a failure; None: the file is a failure)
Case = tuple[str, str, Callable[[bytes], bytes], By, str | None]

_PCM_FLIP = "PCM samples carry no checksum: a flipped bit is a different sample"
_IMAGE_FLIP = "image data is not decoded by verify (audio and video only)"

CASES: list[Case] = [
    # MP3: the Xing header's byte count; the ID3 tag's sizes; MPEG frames have no CRC
    # here, but a run of flipped bits breaks the bit reservoir
    ("mp3", "cut-half", F.cut(0.5), "both", "truncated"),
    ("mp3", "cut-90", F.cut(0.9), "both", "truncated"),
    ("mp3", "id3-oversized", lambda b: F.with_id3(b, 10_000_000), "scan", "tag-overflow"),
    (
        "mp3",
        "id3-frame-oversized",
        lambda b: F.put(F.after(b"TIT2", 4), bytes((0, 0, 1, 0)))(F.with_id3(b, 74)),
        "scan",
        "tag-overflow",
    ),
    ("mp3", "xing-bytes-oversized", F.xing_bytes_quadrupled, "scan", "truncated"),
    ("mp3", "flipped", F.flip(0.3, 64, 4000), "verify", None),
    ("mp3", "flipped-lightly", F.flip(0.6), "neither", None),
    # FLAC: block lengths, STREAMINFO's total samples, frame CRCs and the MD5
    ("flac", "cut-half", F.cut(0.5), "both", "truncated"),
    ("flac", "cut-90", F.cut(0.9), "both", "truncated"),
    ("flac", "samples-oversized", F.flac_samples_doubled, "both", "truncated"),
    ("flac", "block-oversized", F.put(F.after(b"fLaC", 43), b"\xff\xff\xff"), "scan", "bad-header"),
    ("flac", "streaminfo-corrupt", F.put(4, b"\x05"), "scan", None),
    ("flac", "flipped", F.flip(0.6), "verify", None),
    # MP4: box sizes (the moov at the end is lost with the cut: nothing to read)
    ("m4a", "cut-half", F.cut(0.5), "scan", None),
    ("m4a", "mdat-oversized", F.mdat_oversized, "scan", None),
    ("m4a", "flipped", F.flip(0.5), "verify", None),
    # Ogg: the tail's pages, the end-of-stream flag; page CRCs when decoding
    ("ogg", "cut-half", F.cut(0.5), "scan", "truncated"),
    ("ogg", "cut-90", F.cut(0.9), "scan", "truncated"),
    ("ogg", "last-page-oversized", F.ogg_last_page_oversized, "scan", "truncated"),
    ("ogg", "flipped", F.flip(0.5), "verify", None),
    ("opus", "cut-half", F.cut(0.5), "scan", "truncated"),
    ("opus", "last-page-oversized", F.ogg_last_page_oversized, "scan", "truncated"),
    ("opus", "flipped", F.flip(0.5), "verify", None),
    # RIFF and AIFF: chunk sizes, COMM's sample frames against SSND
    ("wav", "cut-half", F.cut(0.5), "both", "truncated"),
    ("wav", "data-oversized", F.wav_data_doubled, "scan", "truncated"),
    ("wav", "fmt-corrupt", F.put(F.after(b"fmt "), b"xxxx"), "scan", None),
    ("wav", "flipped", F.flip(0.5), "neither", None),
    ("aiff", "cut-half", F.cut(0.5), "both", "truncated"),
    ("aiff", "frames-oversized", F.aiff_frames_doubled, "both", "truncated"),
    ("aiff", "comm-corrupt", F.put(F.after(b"COMM"), b"xxxx"), "scan", None),
    ("aiff", "flipped", F.flip(0.5), "neither", None),
    # images: the end marker, chunk and box sizes
    ("jpeg", "cut-half", F.cut(0.5), "scan", "truncated"),
    ("jpeg", "cut-99", F.cut(0.99), "scan", "truncated"),
    ("jpeg", "flipped", F.flip(0.6), "neither", None),
    ("png", "cut-half", F.cut(0.5), "scan", "truncated"),
    ("png", "cut-99", F.cut(0.99), "scan", "truncated"),
    ("png", "ihdr-corrupt", F.put(12, b"IHDX"), "scan", None),
    ("png", "flipped", F.flip(0.6), "neither", None),
    ("heic", "cut-half", F.cut(0.5), "scan", "truncated"),
    ("heic", "flipped", F.flip(0.6), "neither", None),
]
WHY_NEITHER = {
    "mp3": "MPEG audio frames carry no checksum here: flips inside the audio data decode",
    "wav": _PCM_FLIP,
    "aiff": _PCM_FLIP,
    **dict.fromkeys(F.IMAGES, _IMAGE_FLIP),
}


def _write(tmp_path: Path, fmt: str, name: str, damage: Callable[[bytes], bytes]) -> Path:
    if fmt == "heic":
        pytest.importorskip("pillow_heif")
    try:
        data = damage(F.whole(fmt))
    except OSError as e:  # no HEVC encoder in this build
        pytest.skip(f"cannot write {fmt}: {e}")
    path = tmp_path / f"{name}.{F.EXTENSIONS[fmt]}"
    path.write_bytes(data)
    return path


def _verify(path: Path, fields: dict[str, object]) -> list[str]:
    """The damage decoding finds; none when FFmpeg cannot open the file (no verdict:
    `shelf verify` counts it as not verified, and the scan has judged it)."""
    declared = fields.get("duration")
    try:
        return decode_file(
            os.fsencode(path), declared if isinstance(declared, float) else None
        ).damage
    except Unsupported:
        return []


def _scan(path: Path) -> tuple[list[str], bool, dict[str, object]]:
    """(damage, failed, fields) as the scan's extract stage records the file."""
    raw = os.fsencode(path)
    st = os.stat(raw)
    ex = extract_one(FileStat(raw, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino), 30)
    return list(ex.fields.get("damage") or []), ex.error is not None, ex.fields


@pytest.mark.parametrize(
    ("fmt", "name", "damage", "by", "reason"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_who_flags_each_damage(
    tmp_path: Path,
    fmt: str,
    name: str,
    damage: Callable[[bytes], bytes],
    by: By,
    reason: str | None,
) -> None:
    path = _write(tmp_path, fmt, name, damage)
    found, failed, fields = _scan(path)
    scan_flags = bool(found) or failed
    assert scan_flags == (by in ("scan", "both")), (found, failed)
    if scan_flags:
        if reason is None:
            assert failed or found
        else:
            assert reason in found and not failed
    if fmt in F.SPECS:
        assert bool(_verify(path, fields)) == (by in ("verify", "both"))
    if by == "neither":
        assert fmt in WHY_NEITHER


@pytest.mark.parametrize("fmt", [*F.AUDIO, *F.IMAGES])
def test_whole_files_are_not_damaged(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt, "whole", lambda b: b)
    assert _scan(path)[:2] == ([], False)
    if fmt in F.SPECS:
        assert decode_file(os.fsencode(path)).damage == []


@pytest.mark.parametrize("fmt", F.AUDIO)
def test_first_pass_and_mutagen_find_the_same_damage(tmp_path: Path, fmt: str) -> None:
    for fmt_, name, damage, _, _ in CASES:
        if fmt_ != fmt:
            continue
        path = _write(tmp_path, fmt, name, damage)
        results = []
        for first_pass in (True, False):
            with open(path, "rb") as f:
                head = f.read(16 << 10)
                f.seek(0)
                try:
                    info = read_audio(
                        f, bytes(path), extension(bytes(path)), head, first_pass=first_pass
                    )
                except Exception as e:
                    results.append(type(e).__name__)
                    continue
                results.append((info.fields.get("damage"), info.fields.get("duration")))
        assert results[0] == results[1], name


def _damaged_audio() -> list[tuple[str, str, Callable[[bytes], bytes]]]:
    out = [(fmt, name, damage) for fmt, name, damage, _, _ in CASES if fmt in F.SPECS]
    for fmt in F.AUDIO:  # more cut points, and cuts in the last tenth
        out += [(fmt, f"cut-{share}", F.cut(share)) for share in (0.1, 0.3, 0.7, 0.95)]
    return out


def test_no_invented_durations(shelf: Shelf, tmp_path: Path) -> None:
    """Property: over every damaged audio file, once scanned and verified, the
    catalogued duration is null or within 1% of what decoding the whole file measures.
    (The scan alone cannot see damage inside the audio data: `verify` clears what it
    finds there.)"""
    lib = tmp_path / "lib"
    lib.mkdir()
    for fmt, name, damage in _damaged_audio():
        _write(lib, fmt, f"{fmt}-{name}", damage)
    shelf.scan(lib, expect=None)
    r = shelf.run("verify", "--json")
    assert r.returncode == 1, r.stderr
    checked = 0
    for item in shelf.find("kind:audio"):
        duration = item["duration"]
        if duration is None:
            continue
        try:
            decoded = decode_file(os.fsencode(item["path"])).seconds
        except Unsupported:
            # FFmpeg gives up on metadata blocks it cannot step over (a FLAC block length
            # past the end), so there is no decoded length to compare with; the scan kept
            # STREAMINFO's length because the frames in the file end where it says
            assert item["format"] == "flac" and "bad-header" in item["damage"], item
            continue
        assert decoded, item
        assert abs(duration - decoded) <= decoded * 0.01, (item["path"], duration, decoded)
        checked += 1
    # the property held where a duration was kept (PCM with flipped bits), not only by dropping it
    assert checked >= 2


def test_a_metadata_chunk_cut_after_whole_audio_keeps_the_lengths(tmp_path: Path) -> None:
    """A WAV whose sample data is whole but whose trailing LIST chunk was cut short is
    damaged (truncated), yet its duration comes from the whole data chunk: kept."""
    whole = F.whole("wav")
    listing = b"LIST" + F.u32le(200) + b"INFOINAM" + F.u32le(20) + b"a title"
    data = whole + listing  # declares 200 bytes, holds 19
    data = data[:4] + F.u32le(len(data) - 8) + data[8:]
    path = tmp_path / "tail.wav"
    path.write_bytes(data)
    found, failed, fields = _scan(path)
    assert found == ["truncated"] and not failed
    reference = tmp_path / "whole.wav"
    reference.write_bytes(whole)
    expected = _scan(reference)[2]["duration"]
    assert isinstance(expected, float)
    assert fields["duration"] == expected
    # cut inside the sample data instead: the duration is not kept
    cut_path = tmp_path / "cut.wav"
    cut_path.write_bytes(whole[: len(whole) // 2])
    assert _scan(cut_path)[2].get("duration") is None

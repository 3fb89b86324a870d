"""read_video on real files encoded in code: every container, with and without audio,
creation time, GPS, QuickTime keys; and the MP4 family through the scan's `_read`."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from mediashelf.errors import Corrupt, MediaError, Unsupported
from mediashelf.extract.audio.read import read_audio
from mediashelf.extract.video.meta import parse_iso6709, parse_taken
from mediashelf.extract.video.read import VideoInfo, read_video
from mediashelf.model import FileStat
from mediashelf.scan.extract import extract_one
from tests.extract.videos import (
    CODEC_NAMES,
    CONTAINERS,
    add_udta,
    loci_atom,
    udta_atom,
    video_bytes,
    write_video,
)
from tests.media import write_m4a

PLACE = {"creation_time": "2023-04-05T10:11:12.000000Z", "location": "+48.8584+002.2945+035.000/"}


def read(data: bytes, ext: str = "mp4") -> VideoInfo:
    return read_video(io.BytesIO(data), b"test." + ext.encode(), ext, data[:16384])


def stat(path: Path) -> FileStat:
    st = os.stat(path)
    return FileStat(os.fsencode(path), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_container_with_audio(container: str) -> None:
    info = read(video_bytes(container, width=96, height=64, rate=30, frames=15), container)
    _, vcodec, acodec, ext = CONTAINERS[container]
    assert info.kind == "video"
    assert info.format == ext
    f = info.fields
    assert (f["width"], f["height"]) == (96, 64)
    assert f["video_codec"] == CODEC_NAMES[vcodec]
    assert f["fps"] == 30.0
    assert f["duration"] == pytest.approx(0.5, abs=0.05)
    assert isinstance(f["bitrate"], int) and f["bitrate"] > 0
    assert f["codec"] == CODEC_NAMES[acodec]
    assert (f["samplerate"], f["channels"]) == (48000, 2)
    assert info.extra["streams"] == [
        f"video {CODEC_NAMES[vcodec]} 96x64",
        f"audio {CODEC_NAMES[acodec]} 48000 Hz 2 ch",
    ]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_container_without_audio(container: str) -> None:
    info = read(video_bytes(container, audio=False, frames=25), container)
    assert info.kind == "video"
    f = info.fields
    assert (f["width"], f["height"], f["fps"]) == (64, 48, 25.0)
    assert f["duration"] == pytest.approx(1.0, abs=0.05)
    assert not {"codec", "samplerate", "channels"} & set(f)
    assert "taken" not in f and "gps_lat" not in f


@pytest.mark.parametrize(
    ("vcodec", "container", "name"),
    [("libx265", "mkv", "hevc"), ("libvpx", "webm", "vp8"), ("mpeg4", "mp4", "mpeg4")],
)
def test_other_codecs(vcodec: str, container: str, name: str) -> None:
    assert read(video_bytes(container, vcodec=vcodec), container).fields["video_codec"] == name


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_creation_time_and_location(container: str) -> None:
    """MP4/M4V/3GP carry the place as a 3GPP loci atom, MOV as ©xyz, Matroska as a tag."""
    f = read(video_bytes(container, metadata=PLACE), container).fields
    assert f["taken"] == "2023-04-05T10:11:12+00:00"
    assert f["taken_source"] == "container"
    assert f["gps_lat"] == pytest.approx(48.8584, abs=1e-4)
    assert f["gps_lon"] == pytest.approx(2.2945, abs=1e-4)
    assert f["gps_alt"] == pytest.approx(35.0, abs=0.01)


def test_quicktime_keys() -> None:
    """iPhone-style mdta keys: make, model, software, local creation date, ISO 6709 place."""
    meta = {
        "com.apple.quicktime.make": "Apple",
        "com.apple.quicktime.model": "iPhone 12",
        "com.apple.quicktime.software": "16.1",
        "com.apple.quicktime.creationdate": "2023-04-05T12:11:12+0200",
        "com.apple.quicktime.location.ISO6709": "-33.8568+151.2153+012.500/",
        "creation_time": "2023-04-05T10:11:12.000000Z",
        "com.apple.quicktime.content.identifier": "ABC-123",
    }
    info = read(video_bytes("mov", metadata=meta, movflags="use_metadata_tags"), "mov")
    f = info.fields
    assert info.format == "mov"
    assert (f["make"], f["model"], f["software"]) == ("Apple", "iPhone 12", "16.1")
    assert f["taken"] == "2023-04-05T12:11:12+02:00"  # the local time wins over UTC
    assert (f["gps_lat"], f["gps_lon"], f["gps_alt"]) == (-33.8568, 151.2153, 12.5)
    assert info.extra["com.apple.quicktime.content.identifier"] == "ABC-123"


def test_tags_map_to_fields_and_extra() -> None:
    meta = {
        "title": "Birthday",
        "artist": "Ann",
        "album": "Summer",
        "comment": "first steps",
        "genre": "Home video",
        "date": "2021-07-04",
        "description": "In the garden",
        "copyright": "(c) Ann",
    }
    for container in ("mp4", "mkv"):
        info = read(video_bytes(container, metadata=meta), container)
        f = info.fields
        assert f["title"] == "Birthday" and f["artist"] == "Ann" and f["album"] == "Summer"
        assert f["comment"] == "first steps" and f["genre"] == "Home video"
        assert f["date"] == "2021-07-04" and f["year"] == 2021
        assert f["description"] == "In the garden"
        assert {k.lower(): v for k, v in info.extra.items()}["copyright"] == "(c) Ann"


def test_hand_built_udta_atoms() -> None:
    """A ©xyz atom, and make/model atoms, written without FFmpeg's muxer."""
    data = add_udta(
        video_bytes("mov", audio=False),
        udta_atom(b"\xa9xyz", "+40.6892-074.0445/"),
        udta_atom(b"\xa9mak", "Canon"),
        udta_atom(b"\xa9mod", "EOS R6"),
    )
    f = read(data, "mov").fields
    assert (f["gps_lat"], f["gps_lon"]) == (40.6892, -74.0445)
    assert "gps_alt" not in f
    assert (f["make"], f["model"]) == ("Canon", "EOS R6")


def test_hand_built_loci_atom() -> None:
    data = add_udta(video_bytes("mp4", audio=False), loci_atom(-12.5, 130.25, 42.0, "Darwin"))
    f = read(data, "mp4").fields
    assert (f["gps_lat"], f["gps_lon"]) == (-12.5, 130.25)
    assert f["gps_alt"] == pytest.approx(42.0)


@pytest.mark.parametrize("stamp", ["1904-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000000Z"])
def test_zero_epoch_creation_time_is_ignored(stamp: str) -> None:
    for container in ("mp4", "mkv"):
        f = read(video_bytes(container, metadata={"creation_time": stamp}), container).fields
        assert "taken" not in f and "taken_source" not in f


def test_audio_only_container_is_audio() -> None:
    info = read(_audio_only_webm(), "webm")
    assert info.kind == "audio"
    assert info.format == "webm"
    assert info.fields["codec"] == "opus"
    assert "width" not in info.fields
    assert info.extra["streams"] == ["audio opus 48000 Hz 2 ch"]


def _audio_only_webm() -> bytes:
    import av

    from tests.extract.samples import _encode_tone

    buf = io.BytesIO()
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.codec_context.layout = "stereo"
        _encode_tone(out, stream, 48000, "stereo")
    return buf.getvalue()


# -- parsers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+48.8584+002.2945+035.000/", (48.8584, 2.2945, 35.0)),
        ("+48.8584+002.2945/", (48.8584, 2.2945, None)),
        ("-33.8568+151.2153-001.5CRSWGS_84/", (-33.8568, 151.2153, -1.5)),
        ("+4851.504+00217.670/", (48.8584, 2.2945, None)),  # DDMM.MMM
        ("+485130.24+0021740.2/", (48.8584, 2.29450, None)),  # DDMMSS.SS
        ("+91.0000+002.0000/", None),
        ("+48.0000+181.0000/", None),
        ("+00.0000+000.0000/", None),
        ("48.85 2.29", None),
        ("", None),
    ],
)
def test_iso6709(text: str, expected: tuple[float, float, float | None] | None) -> None:
    got = parse_iso6709(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert got[0] == pytest.approx(expected[0], abs=1e-4)
        assert got[1] == pytest.approx(expected[1], abs=1e-4)
        assert got[2] == expected[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-05T10:11:12.000000Z", "2023-04-05T10:11:12+00:00"),
        ("2023-04-05T10:11:12.250000Z", "2023-04-05T10:11:12.250+00:00"),
        ("2023-04-05T12:11:12+0200", "2023-04-05T12:11:12+02:00"),
        ("2023-04-05T12:11:12-07:00", "2023-04-05T12:11:12-07:00"),
        ("2023-04-05 10:11:12", "2023-04-05T10:11:12"),
        ("1904-01-01T00:00:00Z", None),
        ("1970-01-01T00:00:00.000000Z", None),
        ("yesterday", None),
    ],
)
def test_parse_taken(text: str, expected: str | None) -> None:
    assert parse_taken(text) == expected


# -- bad input -----------------------------------------------------------------------------------


def _outcome(data: bytes, ext: str) -> VideoInfo | MediaError:
    try:
        return read(data, ext)
    except MediaError as e:
        return e


def test_empty_garbage_and_text() -> None:
    with pytest.raises(Corrupt):
        read(b"", "mkv")
    with pytest.raises(Unsupported):
        read(os.urandom(0) + bytes(range(256)) * 20, "mp4")
    with pytest.raises(Unsupported):
        read(b"not a video at all\n" * 100, "webm")


@pytest.mark.parametrize("container", ["mp4", "mov", "mkv", "webm"])
def test_truncated_at_every_offset(container: str) -> None:
    data = video_bytes(container, metadata=PLACE)
    outcomes = [_outcome(data[:cut], container) for cut in range(0, len(data), 5)]
    errors = [o for o in outcomes if isinstance(o, MediaError)]
    read_ok = [o for o in outcomes if isinstance(o, VideoInfo)]
    assert errors and all(isinstance(o, Corrupt | Unsupported) for o in errors)
    for info in read_ok:  # partial results still hold sane values
        assert info.fields.get("width", 64) == 64
        assert info.kind in ("video", "audio")


@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_bit_flips_never_raise_anything_else(container: str) -> None:
    import random

    data = bytearray(video_bytes(container))
    rng = random.Random(6)
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(4):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        _outcome(bytes(damaged), container)  # anything but a MediaError fails the test


def test_huge_declared_sizes() -> None:
    data = video_bytes("mp4")
    at = data.index(b"moov")
    huge_moov = data[: at - 4] + (2**32 - 1).to_bytes(4, "big") + data[at:]
    assert isinstance(_outcome(huge_moov, "mp4"), MediaError | VideoInfo)
    at = data.index(b"stsz")
    huge_table = data[: at + 12] + (2**30).to_bytes(4, "big") + data[at + 16 :]
    assert isinstance(_outcome(huge_table, "mp4"), MediaError)
    mkv = bytearray(video_bytes("mkv"))
    mkv[4:12] = b"\x01\xff\xff\xff\xff\xff\xff\xfe"  # EBML header of ~2^56 bytes
    assert isinstance(_outcome(bytes(mkv), "mkv"), MediaError | VideoInfo)


# -- through the scan's reader: the MP4 family -------------------------------------------------


@pytest.mark.parametrize("container", ["mp4", "mov", "m4v", "3gp"])
def test_mp4_family_with_video_is_video(tmp_path: Path, container: str) -> None:
    ext = CONTAINERS[container][3]
    path = write_video(tmp_path / f"clip.{ext}", container, metadata={**PLACE, "title": "Clip"})
    ex = extract_one(stat(path), 10)
    assert ex.error is None
    assert ex.kind == "video"
    assert ex.format == ext
    f = ex.fields
    assert (f["width"], f["height"], f["fps"]) == (64, 48, 25.0)
    assert f["video_codec"] == CODEC_NAMES[CONTAINERS[container][1]]
    assert (f["codec"], f["samplerate"], f["channels"]) == ("aac", 48000, 2)
    assert f["taken"] == "2023-04-05T10:11:12+00:00"
    assert f["gps_lat"] == pytest.approx(48.8584, abs=1e-4)
    assert f["duration"] == pytest.approx(0.4, abs=0.05)
    if container != "3gp":  # FFmpeg's 3GP muxer writes no title atom
        assert f["title"] == "Clip"


def test_mov_with_quicktime_keys_has_no_raw_key_indexes(tmp_path: Path) -> None:
    meta = {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 12"}
    path = tmp_path / "IMG_0001.MOV"
    path.write_bytes(video_bytes("mov", metadata=meta, movflags="use_metadata_tags"))
    ex = extract_one(stat(path), 10)
    assert ex.kind == "video"
    assert (ex.fields["make"], ex.fields["model"]) == ("Apple", "iPhone 12")
    assert ex.extra is not None and "\\u0000" not in ex.extra


def test_m4a_and_audio_only_mp4_stay_audio(tmp_path: Path) -> None:
    m4a = write_m4a(tmp_path / "song.m4a", title="Song", artist="Band")
    mp4 = tmp_path / "song.mp4"
    mp4.write_bytes(m4a.read_bytes())
    for path, ext in ((m4a, "m4a"), (mp4, "mp4")):
        ex = extract_one(stat(path), 10)
        with open(path, "rb") as f:
            expected = read_audio(f, os.fsencode(path), ext, f.read(16384))
        assert ex.error is None
        assert ex.kind == "audio"
        assert ex.fields == expected.fields
        assert ex.fields["title"] == "Song"
        assert "width" not in ex.fields


def test_mkv_and_webm_through_the_scan_reader(tmp_path: Path) -> None:
    for container in ("mkv", "webm"):
        path = write_video(tmp_path / f"clip.{container}", container, metadata=PLACE)
        ex = extract_one(stat(path), 10)
        assert ex.error is None
        assert (ex.kind, ex.format) == ("video", container)
        assert (ex.fields["width"], ex.fields["gps_lon"]) == (64, pytest.approx(2.2945, abs=1e-4))


def test_broken_video_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    cases: dict[str, Any] = {
        "zero.mkv": b"",
        "half.webm": video_bytes("webm")[:200],
        "garbage.mov": bytes(range(256)) * 10,
        "cut.mp4": video_bytes("mp4")[:300],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        ex = extract_one(stat(path), 10)
        assert ex.error is not None, name
        assert ex.error.kind in ("corrupt", "unsupported"), (name, ex.error)

"""read_audio on real files encoded and tagged by the test: formats, fields, errors."""

from __future__ import annotations

import base64
import errno
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mediashelf.errors import Corrupt, MediaError, TimedOut, Unreadable, Unsupported
from mediashelf.extract.audio.read import AUDIO_EXTENSIONS, AudioInfo, read_audio
from mediashelf.extract.audio.values import MAX_TEXT, parse_pair
from mediashelf.model import AUDIO_FIELDS
from tests.extract.samples import (
    ENCODINGS,
    JPEG,
    PNG,
    add_riff_chunk,
    encoded,
    encoded_video_mp4,
    flac_picture,
    riff_info,
)

FIELD_TYPES = dict(AUDIO_FIELDS)
PY_TYPES = {"text": str, "int": int, "real": float, "bool": bool, "list": list}

MB = {
    "recording": "8b882575-08a5-4452-a7a7-cbb8a1531f9e",
    "track": "c29f3a57-b439-46fd-a2e2-93776b1371e0",
    "album": "9e873859-8aa4-4790-b985-5a953e8ef628",
    "group": "0e0a8d9a-2b5c-4e8b-9a0e-2f1a6f3c1d11",
    "artist": "7cf0ea9d-86b9-4dad-ba9e-2355a64899ea",
    "albumartist": "4d8c3a8e-0b6b-4e43-b7b3-5f0c6a3a9d22",
}


def read(path: Path, ext: str | None = None) -> AudioInfo:
    """read_audio as the scanner calls it."""
    with path.open("rb") as f:
        head = f.read(16384)
        f.seek(0)
        ext = path.suffix[1:].lower() if ext is None else ext
        info = read_audio(f, bytes(path), ext, head)
    check_shape(info)
    return info


def read_bytes(data: bytes, ext: str) -> AudioInfo:
    info = read_audio(io.BytesIO(data), b"memory", ext, data[:16384])
    check_shape(info)
    return info


def check_shape(info: AudioInfo) -> None:
    """Field names and types from model.AUDIO_FIELDS; extra JSON-serializable."""
    for name, value in info.fields.items():
        kind = FIELD_TYPES[name]
        assert isinstance(value, PY_TYPES[kind]), (name, value)
        if kind == "int":
            assert not isinstance(value, bool), name
        if kind == "list":
            assert value and all(isinstance(v, str) and v for v in value), (name, value)
        if kind == "text":
            assert value and value == value.strip() and "\x00" not in value, (name, value)
    json.dumps(info.extra)


def sample(tmp_path: Path, fmt: str, name: str | None = None) -> Path:
    path = tmp_path / (name or f"sample.{ENCODINGS[fmt][4]}")
    path.write_bytes(encoded(fmt))
    return path


# -- formats and stream properties ---------------------------------------------------

STREAMS = {
    # fmt: (format, codec, samplerate, channels, bitdepth, lossless)
    "mp3": ("mp3", "mp3", 44100, 2, None, False),
    "mp2": ("mp2", "mp2", 48000, 2, None, False),
    "flac": ("flac", "flac", 44100, 2, 16, True),
    "m4a": ("mp4", "aac", 44100, 2, None, False),
    "alac": ("mp4", "alac", 44100, 2, 16, True),
    "ogg": ("ogg", "vorbis", 44100, 2, None, False),
    "opus": ("opus", "opus", 48000, 2, None, False),
    "wav": ("wav", "pcm", 22050, 1, 16, True),
    "aiff": ("aiff", "pcm", 22050, 1, 16, True),
    "wma": ("asf", "wmav2", 44100, 2, None, False),
    "wv": ("wavpack", "wavpack", 44100, 2, 16, True),
    "tta": ("tta", "tta", 44100, 2, 16, True),
    "ac3": ("ac3", "ac3", 48000, 2, None, False),
    "aac": ("aac", "aac", 44100, 2, None, False),
}


@pytest.mark.parametrize("fmt", sorted(STREAMS))
def test_stream_properties(tmp_path: Path, fmt: str) -> None:
    format_, codec, rate, channels, bits, lossless = STREAMS[fmt]
    info = read(sample(tmp_path, fmt))
    f = info.fields
    assert (info.kind, info.format) == ("audio", format_)
    assert (f["codec"], f["samplerate"], f["channels"], f["lossless"]) == (
        codec,
        rate,
        channels,
        lossless,
    )
    assert f.get("bitdepth") == bits
    assert f["duration"] == pytest.approx(0.21, abs=0.04)
    assert isinstance(f["bitrate"], int) and f["bitrate"] > 0


def test_compressed_wav_duration_comes_from_the_fact_chunk(tmp_path: Path) -> None:
    import mutagen

    path = sample(tmp_path, "adpcm")
    info = read(path)
    f = info.fields
    assert (f["codec"], f["lossless"], f["bitdepth"], f["samplerate"]) == ("adpcm", False, 4, 22050)
    assert 0.19 < f["duration"] < 0.3  # whole ADPCM blocks: a little more than encoded
    assert mutagen.File(path).info.length < 0.01  # mutagen counts blocks, not samples


def test_every_sample_extension_is_an_audio_extension() -> None:
    assert {e[4] for e in ENCODINGS.values()} <= AUDIO_EXTENSIONS
    assert all(e == e.lower() and "." not in e for e in AUDIO_EXTENSIONS)


def test_mp4_with_a_video_track_is_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(encoded_video_mp4())
    info = read(path)
    assert (info.kind, info.format, info.fields["codec"]) == ("video", "mp4", "aac")
    assert read(sample(tmp_path, "m4a")).kind == "audio"


# -- ID3 -----------------------------------------------------------------------------


def tag_id3(path: Path, *frames: Any, v2_version: int = 4) -> None:
    from mutagen.id3 import ID3

    tags = ID3()
    for frame in frames:
        tags.add(frame)
    tags.save(path, v2_version=v2_version)


def test_id3_fields(tmp_path: Path) -> None:
    from mutagen import id3

    path = sample(tmp_path, "mp3")
    tag_id3(
        path,
        id3.TIT2(encoding=3, text=" The Title \x00"),
        id3.TPE1(encoding=3, text=["First", "Second"]),
        id3.TPE2(encoding=3, text="Album Artist"),
        id3.TALB(encoding=3, text="The Album"),
        id3.TRCK(encoding=3, text="2/3"),
        id3.TPOS(encoding=3, text="4/5"),
        id3.TDRC(encoding=3, text="2001-05-03"),
        id3.TDOR(encoding=3, text="1999"),
        id3.TCON(encoding=3, text="(17)"),
        id3.TCOM(encoding=3, text="Composer"),
        id3.TCMP(encoding=3, text="1"),
        id3.COMM(encoding=3, lang="eng", desc="", text="A comment"),
        id3.COMM(encoding=3, lang="eng", desc="iTunNORM", text="00000 0000"),
        id3.TPUB(encoding=3, text="Label"),
        id3.TXXX(encoding=3, desc="CATALOGNUMBER", text="CAT-1"),
        id3.TSRC(encoding=3, text="USRC17607839"),
        id3.TBPM(encoding=3, text="120"),
        id3.UFID(owner="http://musicbrainz.org", data=MB["recording"].encode()),
        id3.TXXX(encoding=3, desc="MusicBrainz Release Track Id", text=MB["track"]),
        id3.TXXX(encoding=3, desc="MusicBrainz Album Id", text=MB["album"]),
        id3.TXXX(encoding=3, desc="MusicBrainz Release Group Id", text=MB["group"]),
        id3.TXXX(encoding=3, desc="MusicBrainz Artist Id", text=MB["artist"]),
        id3.TXXX(encoding=3, desc="MusicBrainz Album Artist Id", text=MB["albumartist"]),
        id3.TXXX(encoding=3, desc="ARTISTS", text=["First", "Second", "Third"]),
        id3.TXXX(encoding=3, desc="Custom Thing", text="kept"),
        id3.USLT(encoding=3, lang="eng", desc="", text="la la la"),
        id3.APIC(encoding=3, mime="image/png", type=4, desc="back", data=PNG),
        id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=JPEG),
        id3.PRIV(owner="WM/MediaClassPrimaryID", data=b"\x01\x02\x03"),
    )
    info = read(path)
    assert info.fields == info.fields | {
        "title": "The Title",
        "artist": "First",
        "artists": ["First", "Second", "Third"],
        "albumartist": "Album Artist",
        "album": "The Album",
        "track": 2,
        "tracktotal": 3,
        "disc": 4,
        "disctotal": 5,
        "date": "2001-05-03",
        "year": 2001,
        "originaldate": "1999",
        "genre": "Rock",
        "composer": "Composer",
        "compilation": True,
        "comment": "A comment",
        "label": "Label",
        "catalognumber": "CAT-1",
        "isrc": "USRC17607839",
        "bpm": 120,
        "mb_recordingid": MB["recording"],
        "mb_trackid": MB["track"],
        "mb_albumid": MB["album"],
        "mb_releasegroupid": MB["group"],
        "mb_artistid": MB["artist"],
        "mb_albumartistid": MB["albumartist"],
        "has_lyrics": True,
        "cover_count": 2,
        "cover_mime": "image/jpeg",
        "cover_bytes": len(JPEG),
        "codec": "mp3",
    }
    extra = info.extra
    assert extra["TXXX:Custom Thing"] == "kept"
    assert extra["COMM:iTunNORM:eng"] == "00000 0000"
    assert extra["USLT::eng"] == "la la la"
    assert extra["PRIV:WM/MediaClassPrimaryID"] == {"bytes": 3}
    assert {p["bytes"] for p in extra["APIC"]} == {len(PNG), len(JPEG)}
    assert "TIT2" not in extra and "TPE1" not in extra


def test_id3v23_year_and_date_frames(tmp_path: Path) -> None:
    from mutagen import id3

    path = sample(tmp_path, "mp3")
    tag_id3(
        path,
        id3.TYER(encoding=1, text="2001"),
        id3.TDAT(encoding=1, text="0305"),
        id3.TORY(encoding=1, text="1970"),
        id3.TIT2(encoding=1, text="Old"),
        v2_version=3,
    )
    info = read(path)
    assert info.fields["date"] == "2001-05-03"
    assert info.fields["year"] == 2001
    assert info.fields["originaldate"] == "1970"
    assert info.extra["TDAT"] == "0305"


def id3v1(
    title: str, artist: str, album: str, year: str, comment: str, track: int, genre: int
) -> bytes:
    def pad(text: str, size: int) -> bytes:
        return text.encode("latin-1").ljust(size, b"\x00")

    return (
        b"TAG" + pad(title, 30) + pad(artist, 30) + pad(album, 30) + pad(year, 4)
        + pad(comment, 28) + b"\x00" + bytes([track, genre])
    )  # fmt: skip


def test_id3v1_only(tmp_path: Path) -> None:
    path = tmp_path / "old.mp3"
    path.write_bytes(encoded("mp3")[2000:] + id3v1("T1", "A1", "Al1", "1987", "c1", 7, 17))
    info = read(path)
    f = info.fields
    assert (f["title"], f["artist"], f["album"], f["date"], f["year"]) == (
        "T1",
        "A1",
        "Al1",
        "1987",
        1987,
    )
    assert (f["track"], f["genre"], f["comment"], f["codec"]) == (7, "Rock", "c1", "mp3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", (2, None)),
        ("2/3", (2, 3)),
        (" 02 / 10 ", (2, 10)),
        ("3 of 12", (3, 12)),
        ("/7", (None, 7)),
        ("junk", (None, None)),
        ("", (None, None)),
        ("5abc", (5, None)),
    ],
)
def test_numbering_forms(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_pair(text) == expected


def test_unparseable_numbers_are_kept_in_extra(tmp_path: Path) -> None:
    from mutagen import id3

    path = sample(tmp_path, "mp3")
    tag_id3(path, id3.TRCK(encoding=3, text="side A"), id3.TBPM(encoding=3, text="fast"))
    info = read(path)
    assert "track" not in info.fields and "bpm" not in info.fields
    assert info.extra["TRCK"] == "side A" and info.extra["TBPM"] == "fast"


def test_trailing_apev2_fills_gaps_in_mp3(tmp_path: Path) -> None:
    from mutagen import id3
    from mutagen.apev2 import APEv2

    path = sample(tmp_path, "mp3")
    tag_id3(path, id3.TIT2(encoding=3, text="From ID3"))
    ape = APEv2()
    ape["Title"] = "From APE"
    ape["Album"] = "APE album"
    ape["Replaygain_Track_Gain"] = "-4.08 dB"
    ape.save(path)
    info = read(path)
    assert info.fields["title"] == "From ID3"
    assert info.fields["album"] == "APE album"
    assert info.extra["APE:Title"] == "From APE"
    assert info.extra["APE:Replaygain_Track_Gain"] == "-4.08 dB"


# -- Vorbis comments -----------------------------------------------------------------

VORBIS_TAGS = {
    "TITLE": ["Title"],
    "ARTIST": ["One", "Two"],
    "ALBUMARTIST": ["Various"],
    "ALBUM": ["Album"],
    "TRACKNUMBER": ["3/12"],
    "DISCNUMBER": ["1"],
    "DISCTOTAL": ["2"],
    "DATE": ["2010-01-02"],
    "ORIGINALDATE": ["1990"],
    "GENRE": ["Jazz", "Blues"],
    "COMPOSER": ["Bach"],
    "COMPILATION": ["1"],
    "COMMENT": ["Nice"],
    "LABEL": ["Blue Note"],
    "CATALOGNUMBER": ["BN-1"],
    "ISRC": ["GBAYE0000351"],
    "BPM": ["98.6"],
    "MUSICBRAINZ_TRACKID": [MB["recording"]],
    "MUSICBRAINZ_RELEASETRACKID": [MB["track"]],
    "MUSICBRAINZ_ALBUMID": [MB["album"]],
    "MUSICBRAINZ_RELEASEGROUPID": [MB["group"]],
    "MUSICBRAINZ_ARTISTID": [MB["artist"]],
    "MUSICBRAINZ_ALBUMARTISTID": [MB["albumartist"]],
    "UNSYNCEDLYRICS": ["words"],
    "REPLAYGAIN_TRACK_GAIN": ["-6.5 dB"],
    "EMPTY": ["   "],
}
VORBIS_FIELDS = {
    "title": "Title",
    "artist": "One",
    "artists": ["One", "Two"],
    "albumartist": "Various",
    "album": "Album",
    "track": 3,
    "tracktotal": 12,
    "disc": 1,
    "disctotal": 2,
    "date": "2010-01-02",
    "year": 2010,
    "originaldate": "1990",
    "genre": "Jazz",
    "composer": "Bach",
    "compilation": True,
    "comment": "Nice",
    "label": "Blue Note",
    "catalognumber": "BN-1",
    "isrc": "GBAYE0000351",
    "bpm": 98,
    "mb_recordingid": MB["recording"],
    "mb_trackid": MB["track"],
    "mb_albumid": MB["album"],
    "mb_releasegroupid": MB["group"],
    "mb_artistid": MB["artist"],
    "mb_albumartistid": MB["albumartist"],
    "has_lyrics": True,
}


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus"])
def test_vorbis_comment_fields(tmp_path: Path, fmt: str) -> None:
    import mutagen

    path = sample(tmp_path, fmt)
    f = mutagen.File(path)
    for key, values in VORBIS_TAGS.items():
        f[key] = values
    pictures = [flac_picture(3, "image/jpeg", JPEG, "front"), flac_picture(8, "image/png", PNG)]
    if fmt == "flac":
        for pic in pictures:
            f.add_picture(pic)
    else:
        f["METADATA_BLOCK_PICTURE"] = [base64.b64encode(p.write()).decode() for p in pictures]  # type: ignore[attr-defined]
    f.save()
    info = read(path)
    assert info.fields == info.fields | VORBIS_FIELDS
    assert (info.fields["cover_count"], info.fields["cover_mime"]) == (2, "image/jpeg")
    assert info.fields["cover_bytes"] == len(JPEG)
    assert info.extra["GENRE"] == ["Jazz", "Blues"]
    assert info.extra["REPLAYGAIN_TRACK_GAIN"] == "-6.5 dB"
    assert info.extra["UNSYNCEDLYRICS"] == "words"
    assert "EMPTY" not in info.extra and "TITLE" not in info.extra
    pics = info.extra["METADATA_BLOCK_PICTURE"]
    assert [(p["type"], p["mime"], p["bytes"], p["desc"]) for p in pics] == [
        (3, "image/jpeg", len(JPEG), "front"),
        (8, "image/png", len(PNG), ""),
    ]


def test_vorbis_numbering_without_total_and_total_tags(tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = sample(tmp_path, "flac")
    f = FLAC(path)
    f["TRACKNUMBER"] = "2"
    f["TOTALTRACKS"] = "9"
    f["DISCNUMBER"] = "1/2"
    f.save()
    fields = read(path).fields
    assert (fields["track"], fields["tracktotal"], fields["disc"], fields["disctotal"]) == (
        2,
        9,
        1,
        2,
    )


# -- MP4 -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["m4a", "alac"])
def test_mp4_fields(tmp_path: Path, fmt: str) -> None:
    from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

    path = sample(tmp_path, fmt)
    f = MP4(path)
    itunes = "----:com.apple.iTunes:"
    f.update(
        {
            "\xa9nam": ["Title"],
            "\xa9ART": ["A", "B"],
            "aART": ["AA"],
            "\xa9alb": ["Album"],
            "trkn": [(2, 3)],
            "disk": [(1, 0)],
            "\xa9day": ["2004"],
            "\xa9gen": ["Pop"],
            "\xa9wrt": ["Writer"],
            "cpil": True,
            "tmpo": [128],
            "\xa9cmt": ["Comment"],
            "\xa9lyr": ["Lyrics"],
            "covr": [MP4Cover(PNG, MP4Cover.FORMAT_PNG), MP4Cover(JPEG, MP4Cover.FORMAT_JPEG)],
            itunes + "MusicBrainz Track Id": [MP4FreeForm(MB["recording"].encode())],
            itunes + "MusicBrainz Release Track Id": [MP4FreeForm(MB["track"].encode())],
            itunes + "MusicBrainz Album Id": [MP4FreeForm(MB["album"].encode())],
            itunes + "LABEL": [MP4FreeForm(b"Label")],
            itunes + "ISRC": [MP4FreeForm(b"ISRC1")],
            itunes + "ARTISTS": [MP4FreeForm(b"A"), MP4FreeForm(b"B"), MP4FreeForm(b"C")],
            itunes + "Custom": [MP4FreeForm(b"\x00\x01", dataformat=0x15)],
            "----:org.example:thing": [MP4FreeForm(b"value")],
        }
    )
    f.save()
    info = read(path)
    assert info.fields == info.fields | {
        "title": "Title",
        "artist": "A",
        "artists": ["A", "B", "C"],
        "albumartist": "AA",
        "album": "Album",
        "track": 2,
        "tracktotal": 3,
        "disc": 1,
        "date": "2004",
        "year": 2004,
        "genre": "Pop",
        "composer": "Writer",
        "compilation": True,
        "bpm": 128,
        "comment": "Comment",
        "has_lyrics": True,
        "cover_count": 2,
        "cover_mime": "image/png",
        "cover_bytes": len(PNG),
        "mb_recordingid": MB["recording"],
        "mb_trackid": MB["track"],
        "mb_albumid": MB["album"],
        "label": "Label",
        "isrc": "ISRC1",
    }
    assert "disctotal" not in info.fields
    assert info.extra["----:com.apple.iTunes:Custom"] == "1"
    assert info.extra["----:org.example:thing"] == "value"
    assert info.extra["\xa9lyr"] == "Lyrics"


# -- ASF, APEv2, WAV, AIFF -----------------------------------------------------------


def asf_picture(ptype: int, mime: str, data: bytes) -> bytes:
    text = (mime + "\x00").encode("utf-16-le") + "\x00".encode("utf-16-le")
    return bytes([ptype]) + len(data).to_bytes(4, "little") + text + data


def test_asf_fields(tmp_path: Path) -> None:
    from mutagen.asf import ASF, ASFByteArrayAttribute

    path = sample(tmp_path, "wma")
    f = ASF(path)
    f["Title"] = ["Title"]
    f["Author"] = ["Artist"]
    f["WM/AlbumArtist"] = ["AA"]
    f["WM/AlbumTitle"] = ["Album"]
    f["WM/TrackNumber"] = ["4"]
    f["WM/PartOfSet"] = ["1/2"]
    f["WM/Year"] = ["1999"]
    f["WM/Genre"] = ["Ambient"]
    f["WM/IsCompilation"] = [True]
    f["WM/Publisher"] = ["Label"]
    f["MusicBrainz/Track Id"] = [MB["recording"]]
    f["MusicBrainz/Album Id"] = [MB["album"]]
    f["WM/Lyrics"] = ["words"]
    f["WM/Picture"] = [ASFByteArrayAttribute(asf_picture(3, "image/jpeg", JPEG))]
    f["WM/Mood"] = ["calm"]
    f.save()
    info = read(path)
    assert info.fields == info.fields | {
        "title": "Title",
        "artist": "Artist",
        "albumartist": "AA",
        "album": "Album",
        "track": 4,
        "disc": 1,
        "disctotal": 2,
        "date": "1999",
        "year": 1999,
        "genre": "Ambient",
        "compilation": True,
        "label": "Label",
        "mb_recordingid": MB["recording"],
        "mb_albumid": MB["album"],
        "has_lyrics": True,
        "cover_count": 1,
        "cover_mime": "image/jpeg",
        "cover_bytes": len(JPEG),
        "codec": "wmav2",
    }
    assert info.extra["WM/Mood"] == "calm"


def test_apev2_on_wavpack(tmp_path: Path) -> None:
    from mutagen.apev2 import BINARY, APEValue
    from mutagen.wavpack import WavPack

    path = sample(tmp_path, "wv")
    f = WavPack(path)
    if f.tags is None:
        f.add_tags()
    f["Title"] = "Title"
    f["Artist"] = ["A", "B"]
    f["Track"] = "5/6"
    f["Year"] = "1985"
    f["Cover Art (Front)"] = APEValue(b"cover.jpg\x00" + JPEG, BINARY)
    f["Custom"] = "x"
    f.save()
    info = read(path)
    f2 = info.fields
    assert (f2["title"], f2["artist"], f2["artists"], f2["track"], f2["tracktotal"]) == (
        "Title",
        "A",
        ["A", "B"],
        5,
        6,
    )
    assert (f2["date"], f2["year"], f2["cover_count"], f2["cover_mime"], f2["cover_bytes"]) == (
        "1985",
        1985,
        1,
        "image/jpeg",
        len(JPEG),
    )
    assert info.extra["Custom"] == "x"


def test_wav_id3_and_riff_info(tmp_path: Path) -> None:
    from mutagen import id3

    data = add_riff_chunk(
        encoded("wav"),
        b"LIST",
        riff_info({b"INAM": "Info title", b"IPRD": "Info album", b"ICOP": "(c)"}),
    )
    path = tmp_path / "tagged.wav"
    path.write_bytes(data)
    from mutagen.wave import WAVE

    f = WAVE(path)
    f.add_tags()
    f.tags.add(id3.TIT2(encoding=3, text="ID3 title"))  # type: ignore[union-attr]
    f.save()
    info = read(path)
    assert info.fields["title"] == "ID3 title"
    assert info.fields["album"] == "Info album"
    assert info.extra["INFO:INAM"] == "Info title"
    assert info.extra["INFO:ICOP"] == "(c)"


def test_aiff_text_chunks(tmp_path: Path) -> None:
    data = add_riff_chunk(encoded("aiff"), b"NAME", b"Chunk title", big_endian=True)
    data = add_riff_chunk(data, b"ANNO", b"first\x00second", big_endian=True)
    path = tmp_path / "t.aiff"
    path.write_bytes(data)
    info = read(path)
    assert info.fields["title"] == "Chunk title"
    assert info.fields["comment"] == "first"
    assert info.extra["AIFF:ANNO"] == ["first", "second"]


# -- text values ---------------------------------------------------------------------


def test_long_values_are_capped_and_empty_values_dropped(tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = sample(tmp_path, "flac")
    f = FLAC(path)
    f["TITLE"] = ["\x00  "]
    f["NOTES"] = ["x" * (MAX_TEXT + 100)]
    f.save()
    info = read(path)
    assert "title" not in info.fields and "TITLE" not in info.extra
    assert len(info.extra["NOTES"]) == MAX_TEXT


# -- detection and errors ------------------------------------------------------------


def test_magic_wins_over_a_wrong_extension(tmp_path: Path) -> None:
    info = read(sample(tmp_path, "flac", "really_flac.mp3"))
    assert (info.format, info.fields["codec"]) == ("flac", "flac")
    info = read(sample(tmp_path, "ogg", "vorbis.opus"))
    assert info.format == "ogg"


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "ogg", "wav", "wma", "aac"])
def test_no_extension(tmp_path: Path, fmt: str) -> None:
    info = read(sample(tmp_path, fmt, "noext"))
    assert info.fields["codec"] == STREAMS[fmt][1]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.mp3", b"", Corrupt),
        ("empty", b"", Unsupported),
        ("garbage.mp3", bytes(range(256)) * 40, Corrupt),
        ("garbage.flac", bytes(range(256)) * 40, Corrupt),
        ("garbage.m4a", bytes(range(256)) * 40, Corrupt),
        ("garbage", bytes(range(256)) * 40, Unsupported),
        ("picture.mp3", JPEG, Unsupported),
        ("text.ogg", b"just some text\n" * 10, Corrupt),
        ("tag_only.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00", Corrupt),
    ],
)
def test_bad_content_raises_the_right_error(
    tmp_path: Path, name: str, data: bytes, error: type[MediaError]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        read(path)
    assert caught.value.message


def test_error_messages_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "bad.mp3"
    path.write_bytes(bytes(5000))
    with pytest.raises(Corrupt, match="not an MP3 file: no MPEG frame sync found"):
        read(path)
    path = tmp_path / "cut.flac"
    path.write_bytes(encoded("flac")[:12])
    with pytest.raises(Corrupt, match="FLAC: truncated metadata block"):
        read(path)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "ogg", "opus", "wav", "wma"])
def test_truncated_file_raises_corrupt_or_reads_what_is_there(tmp_path: Path, fmt: str) -> None:
    data = encoded(fmt)
    for size in (4, 20, 60, len(data) // 2):
        path = tmp_path / f"cut{size}.{ENCODINGS[fmt][4]}"
        path.write_bytes(data[:size])
        try:
            info = read(path)
        except Corrupt:
            continue
        assert info.format == STREAMS[fmt][0]


def test_truncated_id3_tag_is_salvaged(tmp_path: Path) -> None:
    from mutagen import id3

    path = sample(tmp_path, "mp3")
    tag_id3(
        path,
        id3.TIT2(encoding=3, text="Kept"),
        id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=JPEG * 20),
    )
    path.write_bytes(path.read_bytes()[:2000])
    info = read(path)
    assert info.fields["title"] == "Kept"
    assert "duration" not in info.fields
    assert "truncated" in info.extra["_warnings"][0]


def test_damaged_flac_streaminfo_is_salvaged(tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = sample(tmp_path, "flac")
    f = FLAC(path)
    f["TITLE"] = "Still here"
    f.save()
    data = bytearray(path.read_bytes())
    assert data[4] & 0x7F == 0 and data[5:8] == b"\x00\x00\x22"  # STREAMINFO, 34 bytes
    data[5:8] = b"\x00\x00\x12"  # claims 18: the rest of it reads as a broken block
    path.write_bytes(bytes(data))
    info = read(path)
    assert (info.fields["samplerate"], info.fields["channels"], info.fields["bitdepth"]) == (
        44100,
        2,
        16,
    )
    assert info.extra["_warnings"][0].startswith("FLAC metadata is damaged")


def test_mp4_cut_inside_its_tags_is_salvaged(tmp_path: Path) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    path = sample(tmp_path, "m4a")
    f = MP4(path)
    f["\xa9nam"] = ["Title"]
    f["covr"] = [MP4Cover(JPEG * 4, MP4Cover.FORMAT_JPEG)]
    f.save()
    data = path.read_bytes()
    covr = data.index(b"covr")
    assert covr > data.index(b"\xa9nam")
    path.write_bytes(data[: covr + 200])
    info = read(path)
    assert info.fields["title"] == "Title"
    assert "cover_count" not in info.fields
    assert "truncated" in info.extra["_warnings"][0]


def test_extra_is_bounded(tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = sample(tmp_path, "flac")
    f = FLAC(path)
    for i in range(40):
        f[f"NOTE{i}"] = ["y" * MAX_TEXT]
    f.save()
    info = read(path)
    assert len(json.dumps(info.extra, ensure_ascii=False)) < 256 * 1024
    assert info.extra["NOTE39"] == {"omitted": True, "chars": MAX_TEXT}


class BrokenFile(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError(errno.EIO, "Input/output error")


def test_io_errors_are_unreadable() -> None:
    data = encoded("flac")
    # the first bytes hold too little for the first pass, which must read the file
    with pytest.raises(Unreadable, match="Input/output error"):
        read_audio(BrokenFile(data), b"/x.flac", "flac", data[:64])
    with pytest.raises(Unreadable, match="Input/output error"):
        read_audio(BrokenFile(data), b"/x.flac", "flac", data[:16384], first_pass=False)


def test_fast_utf16_decoding_matches_mutagen() -> None:
    import random

    from mediashelf.extract.audio import mutagen as audio_mutagen

    audio_mutagen.mutagen_module("id3")  # installs the decoder
    from mutagen._util import decode_terminated as original

    def outcome(fn: Any, data: bytes, encoding: str, strict: bool) -> object:
        try:
            return fn(data, encoding, strict)
        except ValueError as e:  # UnicodeDecodeError included
            return type(e)

    rng = random.Random(0)
    units = [b"\x00", b"\x00", b"a", b"\xd8", b"\xdc", b"\xff", b"\xfe", b"\x01", b"\x30"]
    for encoding in ("utf16", "utf_16_be", "utf-16-le", "latin1", "utf8"):
        for _ in range(1500):
            data = b"".join(rng.choice(units) for _ in range(rng.randrange(14)))
            for strict in (True, False):
                expected = outcome(original, data, encoding, strict)
                assert outcome(audio_mutagen._decode_terminated, data, encoding, strict) == expected


class SlowFile(io.BytesIO):
    """Raises the scan's time-limit error on its n-th read, as the alarm signal would."""

    def __init__(self, data: bytes, after: int) -> None:
        super().__init__(data)
        self.reads_left = after
        self.raised = False

    def read(self, size: int | None = -1) -> bytes:
        self.reads_left -= 1
        if self.reads_left < 0:
            self.raised = True
            raise TimedOut("reading took longer than the per-file time limit")
        return super().read(size)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "ogg", "wav", "wma", "wv"])
def test_time_limit_error_is_not_turned_into_another_error(fmt: str) -> None:
    data = encoded(fmt)
    for after in range(0, 40):
        slow = SlowFile(data, after)
        try:
            read_audio(slow, b"x", ENCODINGS[fmt][4], data[:16384])
        except TimedOut:
            continue
        assert not slow.raised, f"the time-limit error was swallowed after {after} reads"
        break  # read in fewer reads than `after`


def test_import_is_cheap() -> None:
    code = "import sys, mediashelf.extract.audio.read; print('mutagen' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- robustness: cut and bit-flipped files -------------------------------------------


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "ogg", "opus", "wav", "aiff", "wma", "wv"])
def test_cuts_and_bit_flips_only_raise_media_errors(fmt: str) -> None:
    """In the spirit of mutagen's own tests: damage a file at many offsets."""
    import random

    data = encoded(fmt)
    ext = ENCODINGS[fmt][4]
    rng = random.Random(fmt)
    cuts = sorted({*range(min(len(data), 600)), *rng.sample(range(len(data)), 100)})
    flips = sorted({*range(0, min(len(data), 400), 2), *rng.sample(range(len(data)), 200)})
    variants = [data[:n] for n in cuts]
    for n in flips:
        flipped = bytearray(data)
        flipped[n] ^= 1 << rng.randrange(8)
        variants.append(bytes(flipped))
    for variant in variants:
        try:
            read_bytes(variant, ext)
        except MediaError as e:
            assert e.message

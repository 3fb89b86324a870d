"""Write a `TrackTags` into audio bytes, the way common taggers lay the tags out.

Works in memory (mutagen on a BytesIO): the template's bytes go in, the tagged
file's bytes come out, and the disk is written once.  Existing tags are replaced.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

from mutagen import flac, mp3, mp4, oggopus, oggvorbis
from mutagen import id3 as _id3

from mediashelf.bench.library import COVER_SIZES, JPEG_COVERS
from mediashelf.bench.specs import TrackTags

# mutagen is only partly typed: its classes are used as Any at this boundary
id3: Any = _id3
FLAC: Any = flac.FLAC
Picture: Any = flac.Picture
MP3: Any = mp3.MP3
MP4: Any = mp4.MP4
MP4Cover: Any = mp4.MP4Cover
OggOpus: Any = oggopus.OggOpus
OggVorbis: Any = oggvorbis.OggVorbis

_MB_ID3 = (
    ("mb_trackid", "MusicBrainz Release Track Id"),
    ("mb_albumid", "MusicBrainz Album Id"),
    ("mb_releasegroupid", "MusicBrainz Release Group Id"),
    ("mb_artistid", "MusicBrainz Artist Id"),
    ("mb_albumartistid", "MusicBrainz Album Artist Id"),
)
_MB_VORBIS = (
    ("mb_recordingid", "MUSICBRAINZ_TRACKID"),
    ("mb_trackid", "MUSICBRAINZ_RELEASETRACKID"),
    ("mb_albumid", "MUSICBRAINZ_ALBUMID"),
    ("mb_releasegroupid", "MUSICBRAINZ_RELEASEGROUPID"),
    ("mb_artistid", "MUSICBRAINZ_ARTISTID"),
    ("mb_albumartistid", "MUSICBRAINZ_ALBUMARTISTID"),
)
_MB_MP4 = (
    ("mb_recordingid", "MusicBrainz Track Id"),
    ("mb_trackid", "MusicBrainz Release Track Id"),
    ("mb_albumid", "MusicBrainz Album Id"),
    ("mb_releasegroupid", "MusicBrainz Release Group Id"),
    ("mb_artistid", "MusicBrainz Artist Id"),
    ("mb_albumartistid", "MusicBrainz Album Artist Id"),
)


def cover_mime(index: int) -> str:
    return "image/jpeg" if index < JPEG_COVERS else "image/png"


def _numbered(n: int | None, total: int | None) -> str | None:
    if n is None:
        return None
    return f"{n}/{total}" if total else str(n)


def _tag_mp3(bio: io.BytesIO, t: TrackTags | None, covers: Sequence[bytes]) -> None:
    f: Any = MP3(bio)
    if t is None:
        if f.tags is not None:
            bio.seek(0)
            f.tags.delete(bio)
        return
    if f.tags is None:
        f.add_tags()
    tags: Any = f.tags
    tags.clear()

    def text(frame: Any, value: str | Sequence[str] | None) -> None:
        if value:
            tags.add(frame(encoding=3, text=[value] if isinstance(value, str) else list(value)))

    text(id3.TIT2, t.title)
    text(id3.TPE1, t.artist)
    text(id3.TPE2, t.albumartist)
    text(id3.TALB, t.album)
    text(id3.TRCK, _numbered(t.track, t.tracktotal))
    text(id3.TPOS, _numbered(t.disc, t.disctotal))
    text(id3.TDRC, t.date)
    text(id3.TDOR, t.originaldate)
    text(id3.TCON, t.genres)
    text(id3.TCOM, t.composer)
    text(id3.TPUB, t.label)
    text(id3.TSRC, t.isrc)
    text(id3.TBPM, str(t.bpm) if t.bpm else None)
    if t.compilation:
        text(id3.TCMP, "1")
    if len(t.artists) > 1:
        tags.add(id3.TXXX(encoding=3, desc="ARTISTS", text=list(t.artists)))
    if t.catalognumber:
        tags.add(id3.TXXX(encoding=3, desc="CATALOGNUMBER", text=[t.catalognumber]))
    if t.comment:
        tags.add(id3.COMM(encoding=3, lang="eng", desc="", text=[t.comment]))
    if t.lyrics:
        tags.add(id3.USLT(encoding=3, lang="eng", desc="", text=t.lyrics))
    if t.mb_recordingid:
        tags.add(id3.UFID(owner="http://musicbrainz.org", data=t.mb_recordingid.encode()))
    for attr, desc in _MB_ID3:
        value = getattr(t, attr)
        if value:
            tags.add(id3.TXXX(encoding=3, desc=desc, text=[value]))
    if t.cover is not None:
        tags.add(
            id3.APIC(encoding=3, mime=cover_mime(t.cover), type=3, desc="", data=covers[t.cover])
        )
    bio.seek(0)
    f.save(bio, v2_version=t.id3, v1=2 if t.id3v1 else 0)


def _vorbis_pairs(t: TrackTags) -> list[tuple[str, list[str]]]:
    pairs: list[tuple[str, list[str] | str | int | None]] = [
        ("TITLE", t.title),
        ("ARTIST", t.artist),
        ("ARTISTS", list(t.artists) if len(t.artists) > 1 else None),
        ("ALBUMARTIST", t.albumartist),
        ("ALBUM", t.album),
        ("TRACKNUMBER", t.track),
        ("TRACKTOTAL", t.tracktotal),
        ("DISCNUMBER", t.disc),
        ("DISCTOTAL", t.disctotal),
        ("DATE", t.date),
        ("ORIGINALDATE", t.originaldate),
        ("GENRE", list(t.genres)),
        ("COMPOSER", t.composer),
        ("COMPILATION", "1" if t.compilation else None),
        ("COMMENT", t.comment),
        ("LABEL", t.label),
        ("CATALOGNUMBER", t.catalognumber),
        ("ISRC", t.isrc),
        ("BPM", t.bpm),
        ("LYRICS", t.lyrics),
    ]
    pairs += [(key, getattr(t, attr)) for attr, key in _MB_VORBIS]
    out = []
    for key, value in pairs:
        if value is None or value == []:
            continue
        out.append((key, value if isinstance(value, list) else [str(value)]))
    return out


def _picture(index: int, covers: Sequence[bytes]) -> Any:
    pic: Any = Picture()
    pic.type = 3
    pic.mime = cover_mime(index)
    pic.width = pic.height = COVER_SIZES[index]
    pic.depth = 24
    pic.data = covers[index]
    return pic


def _tag_vorbis(bio: io.BytesIO, kind: str, t: TrackTags | None, covers: Sequence[bytes]) -> None:
    f: Any = {"flac": FLAC, "vorbis": OggVorbis, "opus": OggOpus}[kind](bio)
    if f.tags is None:
        f.add_tags()
    f.tags.clear()
    if kind == "flac":
        f.clear_pictures()
    if t is not None:
        for key, values in _vorbis_pairs(t):
            f.tags[key] = values
        if t.cover is not None:
            pic = _picture(t.cover, covers)
            if kind == "flac":
                f.add_picture(pic)
            else:
                f.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(pic.write()).decode("ascii")]
    bio.seek(0)
    f.save(bio)


def _tag_mp4(bio: io.BytesIO, t: TrackTags | None, covers: Sequence[bytes]) -> None:
    f: Any = MP4(bio)
    if f.tags is None:
        f.add_tags()
    f.tags.clear()
    if t is not None:
        items: dict[str, Any] = {
            "\xa9nam": t.title,
            "\xa9ART": t.artist,
            "aART": t.albumartist,
            "\xa9alb": t.album,
            "\xa9day": t.date,
            "\xa9gen": list(t.genres) or None,
            "\xa9wrt": t.composer,
            "\xa9cmt": t.comment,
            "\xa9lyr": t.lyrics,
        }
        if t.track is not None:
            items["trkn"] = [(t.track, t.tracktotal or 0)]
        if t.disc is not None:
            items["disk"] = [(t.disc, t.disctotal or 0)]
        if t.compilation:
            items["cpil"] = True
        if t.bpm:
            items["tmpo"] = [t.bpm]
        free = [
            ("ARTISTS", list(t.artists) if len(t.artists) > 1 else None),
            ("LABEL", t.label),
            ("CATALOGNUMBER", t.catalognumber),
            ("ISRC", t.isrc),
            ("originaldate", t.originaldate),
            *((name, getattr(t, attr)) for attr, name in _MB_MP4),
        ]
        for name, value in free:
            if value:
                values = value if isinstance(value, list) else [value]
                items[f"----:com.apple.iTunes:{name}"] = [v.encode() for v in values]
        if t.cover is not None:
            fmt = MP4Cover.FORMAT_JPEG if t.cover < JPEG_COVERS else MP4Cover.FORMAT_PNG
            items["covr"] = [MP4Cover(covers[t.cover], imageformat=fmt)]
        for key, value in items.items():
            if value is not None:
                f.tags[key] = value if isinstance(value, list | bool) else [value]
    bio.seek(0)
    f.save(bio)


def tagged(data: bytes, kind: str, tags: TrackTags | None, covers: Sequence[bytes]) -> bytes:
    """`data` (an audio file of codec `kind`) with its tags replaced by `tags`."""
    bio = io.BytesIO(data)
    if kind == "mp3":
        _tag_mp3(bio, tags, covers)
    elif kind in ("aac", "alac"):
        _tag_mp4(bio, tags, covers)
    else:
        _tag_vorbis(bio, kind, tags, covers)
    return bio.getvalue()

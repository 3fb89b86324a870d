"""What a synthetic library is made of: folders, their tracks with tags, and sidecars."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TrackTags:
    """Normalized tags of one track; each format writer maps them to its own frames."""

    title: str | None = None
    artist: str | None = None
    artists: tuple[str, ...] = ()
    albumartist: str | None = None
    album: str | None = None
    track: int | None = None
    tracktotal: int | None = None
    disc: int | None = None
    disctotal: int | None = None
    date: str | None = None
    originaldate: str | None = None
    genres: tuple[str, ...] = ()
    composer: str | None = None
    compilation: bool = False
    comment: str | None = None
    label: str | None = None
    catalognumber: str | None = None
    isrc: str | None = None
    bpm: int | None = None
    mb_trackid: str | None = None
    mb_recordingid: str | None = None
    mb_albumid: str | None = None
    mb_releasegroupid: str | None = None
    mb_artistid: str | None = None
    mb_albumartistid: str | None = None
    lyrics: str | None = None
    cover: int | None = None
    #: ID3 version for mp3 (3 or 4) and whether an ID3v1 tag is appended too.
    id3: int = 4
    id3v1: bool = False


@dataclass(frozen=True, slots=True)
class TrackSpec:
    relpath: str
    kind: str
    template: int
    tags: TrackTags | None  # None: a file without any tags


@dataclass(frozen=True, slots=True)
class Sidecar:
    relpath: str
    kind: str  # cover | cue | log | nfo | m3u | junk
    cover: int = 0


@dataclass(frozen=True, slots=True)
class FolderSpec:
    """One unit of work: a folder's tracks and sidecars (a big dump folder is split)."""

    relpath: str
    artist: str
    album: str
    year: int
    mtime: int
    tracks: tuple[TrackSpec, ...]
    sidecars: tuple[Sidecar, ...] = ()

"""The layout of a synthetic library: which folders, files and tags, decided by a seed.

`plan_library(tracks, seed)` is pure and cheap (no I/O): the same arguments always
give the same folders, paths and tags, so a library can be rebuilt or checked
against its plan.  Writing the files is `bench.generate`'s job.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Final

from mediashelf.bench import words as W
from mediashelf.bench.names import Names, component, new_uuid
from mediashelf.bench.specs import FolderSpec, Sidecar, TrackSpec, TrackTags

#: Codec kinds, their file extension and how many templates each has.
EXTENSIONS: Final[dict[str, str]] = {
    "mp3": ".mp3",
    "flac": ".flac",
    "aac": ".m4a",
    "alac": ".m4a",
    "vorbis": ".ogg",
    "opus": ".opus",
}
TEMPLATE_COUNTS: Final[dict[str, int]] = {
    "mp3": 8,
    "flac": 8,
    "aac": 8,
    "alac": 3,
    "vorbis": 8,
    "opus": 8,
}
#: Cover images made once per generation: indexes below JPEG_COVERS are JPEG, the rest PNG.
COVER_COUNT: Final = 8
JPEG_COVERS: Final = 6
COVER_SIZES: Final = (300, 250, 400, 200, 320, 500, 160, 240)

#: Share of tracks per container (m4a holds both AAC and, for some albums, ALAC).
SHARES: Final[dict[str, float]] = {
    "mp3": 0.45,
    "flac": 0.20,
    "m4a": 0.20,
    "ogg": 0.10,
    "opus": 0.05,
}
_CONTAINER_KIND: Final = {
    "mp3": "mp3",
    "flac": "flac",
    "m4a": "aac",
    "ogg": "vorbis",
    "opus": "opus",
}
CONTAINER: Final[dict[str, str]] = {
    "mp3": "mp3",
    "flac": "flac",
    "aac": "m4a",
    "alac": "m4a",
    "vorbis": "ogg",
    "opus": "opus",
}
_ALAC_SHARE: Final = 0.15
#: The first tracks of the unsorted dump cycle through every kind, so even a tiny
#: library holds each one.
_DUMP_CYCLE: Final = ("mp3", "flac", "aac", "alac", "vorbis", "opus")
DUMP_FOLDER: Final = "Unsorted"
_FOLDER_LABEL: Final = {
    "mp3": "MP3",
    "flac": "FLAC",
    "aac": "AAC",
    "alac": "ALAC",
    "vorbis": "OGG",
    "opus": "OPUS",
}
_DUMP_CHUNK: Final = 100
_EPOCH_2008: Final = 1199145600
_EPOCH_2024: Final = 1704067200


@dataclass
class _Quota:
    """Tracks still wanted per container; albums draw their format from it."""

    left: dict[str, float] = field(default_factory=dict)

    def pick(self, rng: random.Random, n: int) -> str:
        weights = [max(v, 0.0) for v in self.left.values()]
        if sum(weights) <= 0:
            weights = list(SHARES.values())
        container = rng.choices(list(self.left), weights=weights)[0]
        self.left[container] -= n
        kind = _CONTAINER_KIND[container]
        if kind == "aac" and rng.random() < _ALAC_SHARE:
            kind = "alac"
        return kind


class _Planner:
    def __init__(self, tracks: int, seed: int) -> None:
        self.rng = random.Random(f"mediashelf-bench:{seed}")
        self.names = Names(self.rng)
        self.quota = _Quota({k: v * tracks for k, v in SHARES.items()})
        self.used: set[str] = set()
        self.folders: list[FolderSpec] = []

    def unique(self, path: str, *, folder: bool = False) -> str:
        """`path`, or `path (2)`, `path (3)` ... (before the extension) if it is taken."""
        if path not in self.used:
            self.used.add(path)
            return path
        stem, dot, ext = path.rpartition(".")
        if folder or not dot or "/" in ext:
            stem, ext = path, ""
        n = 2
        while True:
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
            n += 1

    def date(self, year: int) -> str | None:
        rng = self.rng
        r = rng.random()
        if r < 0.50:
            return str(year)
        if r < 0.90:
            return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if r < 0.95:
            return f"{year}-{rng.randint(1, 12):02d}"
        return None

    def album_dir(self, artist: str, album: str, year: int, kind: str, compilation: bool) -> str:
        rng = self.rng
        a, b = component(artist), component(album)
        if compilation:
            top = "Compilations" if rng.random() < 0.3 else "Various Artists"
            return f"{top}/{b} ({year})"
        r = rng.random()
        if r < 0.85:
            return f"{a}/{b} ({year})"
        if r < 0.89:
            return component(f"{artist} - {album} [{_FOLDER_LABEL[kind]}]")
        if r < 0.92:
            return f"{a}/{year} - {b}"
        if r < 0.94:  # names written by a system that stores decomposed Unicode
            return unicodedata.normalize("NFD", f"{a}/{b} ({year})")
        if r < 0.96:
            return f"New Folder ({rng.randint(2, 9)})/{b}"
        if r < 0.98:
            return f"Downloads/{year}/rips/{a}/{b}"
        return f"Music (copy)/{a}/{b}  ({year}) "

    def album(self, size: int, artists: list[str]) -> None:
        rng, names = self.rng, self.names
        # the first two albums are a compilation and a multi-disc set with embedded
        # covers, so that even a tiny library has each case
        first, second = not self.folders, len(self.folders) == 1
        compilation = first or (size >= 6 and rng.random() < 0.08)
        artist = "Various Artists" if compilation else rng.choice(artists)
        album = names.album()
        year = rng.randint(1962, 2024)
        kind = self.quota.pick(rng, size)
        multi = size >= 4 and (second or (size >= 10 and rng.random() < 0.08))
        discs = rng.randint(2, 3) if multi else 1
        folder = self.unique(self.album_dir(artist, album, year, kind, compilation), folder=True)
        mb = second or rng.random() < 0.6
        embed = first or second or rng.random() < 0.3
        base = TrackTags(
            albumartist=artist,
            album=album,
            date=self.date(year),
            originaldate=f"{year - rng.randint(1, 30)}" if rng.random() < 0.1 else None,
            genres=tuple(rng.sample(W.GENRES, rng.choice((1, 1, 1, 1, 2)))),
            compilation=compilation,
            label=rng.choice(W.LABELS) if rng.random() < 0.4 else None,
            catalognumber=f"CAT-{rng.randint(100, 9999)}" if rng.random() < 0.2 else None,
            mb_albumid=new_uuid(rng) if mb else None,
            mb_releasegroupid=new_uuid(rng) if mb else None,
            mb_albumartistid=new_uuid(rng) if mb else None,
            cover=rng.randrange(COVER_COUNT) if embed else None,
            id3=3 if rng.random() < 0.3 else 4,
            id3v1=rng.random() < 0.1,
        )
        with_totals = rng.random() < 0.9
        with_disc = discs > 1 or rng.random() < 0.5
        composer = names.artist() if rng.random() < 0.2 else None
        per_disc = [size // discs + (1 if d < size % discs else 0) for d in range(discs)]
        disc_dirs = discs > 1 and rng.random() < 0.5
        upper_ext = rng.random() < 0.02
        template = rng.randrange(TEMPLATE_COUNTS[kind])
        tracks = []
        for d, count in enumerate(per_disc, start=1):
            for n in range(1, count + 1):
                title, tartist, tags = self.track(
                    base, artists, artist, compilation, year, mb, n, d, count, discs,
                    totals=with_totals, disc=with_disc, composer=composer,
                )  # fmt: skip
                if rng.random() < 0.3:
                    template = rng.randrange(TEMPLATE_COUNTS[kind])
                ext = EXTENSIONS[kind].upper() if upper_ext else EXTENSIONS[kind]
                stem = f"{n:02d} {title}"
                if compilation:
                    stem = f"{n:02d} {tartist} - {title}"
                elif rng.random() < 0.03:
                    stem = f"{n:02d} - {title}"
                name = component(stem) + ext
                if discs > 1:
                    name = f"Disc {d}/{name}" if disc_dirs else f"{d}-{name}"
                tracks.append(TrackSpec(self.unique(f"{folder}/{name}"), kind, template, tags))
        sidecars = self.sidecars(folder, album, kind, base.cover)
        mtime = rng.randint(_EPOCH_2008, _EPOCH_2024)
        self.folders.append(
            FolderSpec(folder, artist, album, year, mtime, tuple(tracks), tuple(sidecars))
        )

    def track(
        self,
        base: TrackTags,
        artists: list[str],
        artist: str,
        compilation: bool,
        year: int,
        mb: bool,
        n: int,
        d: int,
        count: int,
        discs: int,
        *,
        totals: bool,
        disc: bool,
        composer: str | None,
    ) -> tuple[str, str, TrackTags]:
        """Track `n` of disc `d`: its title, its artist, and its tags."""
        rng, names = self.rng, self.names
        title = names.title()
        tartist = rng.choice(artists) if compilation else artist
        tartists: tuple[str, ...] = (tartist,)
        r = rng.random()
        if r < 0.10:
            other = rng.choice(artists)
            tartists, tartist = (tartist, other), f"{tartist} feat. {other}"
        elif r < 0.13:
            other = rng.choice(artists)
            tartists, tartist = (tartist, other), f"{tartist} & {other}"
        tags = replace(
            base,
            title=title,
            artist=tartist,
            artists=tartists,
            track=n,
            tracktotal=count if totals else None,
            disc=d if disc else None,
            disctotal=discs if discs > 1 else None,
            composer=composer,
            comment="Ripped with care" if rng.random() < 0.05 else None,
            isrc=f"US{rng.choice('ABCDEFGH')}{rng.randint(10, 99)}{year % 100:02d}{rng.randint(0, 99999):05d}"
            if rng.random() < 0.3
            else None,
            bpm=rng.randint(60, 180) if rng.random() < 0.15 else None,
            mb_trackid=new_uuid(rng) if mb else None,
            mb_recordingid=new_uuid(rng) if mb else None,
            mb_artistid=new_uuid(rng) if mb else None,
            lyrics="\n".join(rng.sample(W.LYRICS_LINES, 4)) if rng.random() < 0.1 else None,
        )
        return title, tartist, tags

    def sidecars(self, folder: str, album: str, kind: str, cover: int | None) -> list[Sidecar]:
        rng = self.rng
        out = []
        img = cover if cover is not None else rng.randrange(JPEG_COVERS)
        if rng.random() < 0.6:
            out.append(Sidecar(f"{folder}/cover.jpg", "cover", img % JPEG_COVERS))
        elif rng.random() < 0.25:
            out.append(Sidecar(f"{folder}/folder.jpg", "cover", img % JPEG_COVERS))
        if kind == "flac" and rng.random() < 0.5:
            out.append(Sidecar(f"{folder}/{component(album)}.cue", "cue"))
            out.append(Sidecar(f"{folder}/{component(album)}.log", "log"))
        if rng.random() < 0.15:
            out.append(Sidecar(f"{folder}/{component(album)}.nfo", "nfo"))
        if rng.random() < 0.1:
            out.append(Sidecar(f"{folder}/playlist.m3u8", "m3u"))
        if rng.random() < 0.03:
            out.append(Sidecar(f"{folder}/Scans/back.jpg", "cover", rng.randrange(JPEG_COVERS)))
        if rng.random() < 0.02:
            out.append(Sidecar(f"{folder}/Thumbs.db", "junk"))
        for s in out:
            self.used.add(s.relpath)
        return out

    def dump(self, count: int, artists: list[str]) -> None:
        """A flat folder of loose downloads: mixed formats, sparse or missing tags."""
        rng, names = self.rng, self.names
        tracks: list[TrackSpec] = []
        for i in range(count):
            kind = _DUMP_CYCLE[i] if i < len(_DUMP_CYCLE) else self.quota.pick(rng, 1)
            if i < len(_DUMP_CYCLE):
                self.quota.left[CONTAINER[kind]] -= 1
            artist, title = rng.choice(artists), names.title()
            r = rng.random()
            tags: TrackTags | None
            if r < 0.25:
                tags = None
            elif r < 0.75:
                tags = TrackTags(title=title, artist=artist, artists=(artist,))
            else:
                tags = TrackTags(
                    title=title,
                    artist=artist,
                    artists=(artist,),
                    album=names.album(),
                    track=rng.randint(1, 15),
                    date=str(rng.randint(1962, 2024)),
                    genres=(rng.choice(W.GENRES),),
                )
            r = rng.random()
            if r < 0.6:
                stem = f"{artist} - {title}"
            elif r < 0.7:
                stem = f"track{i + 1:02d}"
            elif r < 0.9:
                stem = title
            else:
                stem = f"{artist} - {title} (1)"
            ext = EXTENSIONS[kind]
            if rng.random() < 0.03:
                ext = ext.upper()
            relpath = self.unique(f"{DUMP_FOLDER}/{component(stem)}{ext}")
            tracks.append(TrackSpec(relpath, kind, rng.randrange(TEMPLATE_COUNTS[kind]), tags))
        for start in range(0, len(tracks), _DUMP_CHUNK):
            chunk = tuple(tracks[start : start + _DUMP_CHUNK])
            mtime = rng.randint(_EPOCH_2008, _EPOCH_2024)
            self.folders.append(FolderSpec(DUMP_FOLDER, "", "", 0, mtime, chunk))


def plan_library(tracks: int, seed: int) -> list[FolderSpec]:
    """The folders of a `tracks`-track library; the same arguments give the same plan."""
    if tracks < 0:
        raise ValueError("tracks must be >= 0")
    p = _Planner(tracks, seed)
    dump = min(tracks, max(len(_DUMP_CYCLE) + 2, round(tracks * 0.03)))
    in_albums = tracks - dump
    names = Names(p.rng)
    artists = [names.artist() for _ in range(max(4, in_albums // 30))]
    left = in_albums
    while left > 0:
        size = round(p.rng.triangular(6, 20, 11))
        if left - size < 6:
            size = left - 6 if left - 6 >= 6 else left
        p.album(size, artists)
        left -= size
    p.dump(dump, artists)
    return p.folders

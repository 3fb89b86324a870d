"""A small catalog with known items, written the way the scanner writes them.

Paths are real folders under the test's tmp_path (bare path terms check that the
path exists); the files themselves are not needed by queries.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.writer import Writer
from mediashelf.model import Extracted, FileStat
from tests.conftest import upsert

MB = 1 << 20


def _ns(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp()) * 1_000_000_000


def _beatles(title: str, track: int, **more: Any) -> dict[str, Any]:
    return dict(
        title=title, artist="The Beatles", albumartist="The Beatles", album="Help!",
        year=1965, date="1965-08-06", track=track, disc=1, disctotal=1, genre="Rock",
        codec="mp3", samplerate=44100, lossless=False, **more,
    )  # fmt: skip


#: name → (relative path, kind, format, size, mtime, added, fields)
ITEMS: dict[str, tuple[str, str, str | None, int, str, str, dict[str, Any]]] = {
    "a": (
        "music/Beatles/13 Yesterday.mp3",
        "audio",
        "mp3",
        5 * MB,
        "2024-01-10",
        "2025-06-01",
        _beatles(
            "Yesterday",
            13,
            bitrate=320,
            duration=125.0,
            cover_count=1,
            mb_trackid="abc-1",
            artists=["The Beatles"],
        ),
    ),
    "b": (
        "music/Beatles/01 Help!.mp3",
        "audio",
        "mp3",
        3 * MB,
        "2024-01-10",
        "2025-06-01",
        _beatles("Help!", 1, bitrate=192, duration=139.0, cover_count=0),
    ),
    "c": (
        "music/Beyoncé/Crazy in Love.flac",
        "audio",
        "flac",
        30 * MB,
        "2024-07-01",
        "2026-01-15",
        dict(
            title="Crazy in Love",
            artist="Beyoncé",
            albumartist="Beyoncé",
            album="Dangerously in Love",
            year=2003,
            codec="flac",
            lossless=True,
            bitrate=900,
            duration=236.0,
            samplerate=96000,
            bitdepth=24,
            genre="R&B",
        ),
    ),
    "d": (
        "music/Beyonce/Deja Vu.mp3",
        "audio",
        "mp3",
        4 * MB,
        "2024-06-30",
        "2026-02-01",
        dict(
            title="Déjà Vu",
            artist="Beyonce",
            album="B'Day",
            year=2006,
            codec="mp3",
            bitrate=128,
            duration=240.0,
            lossless=False,
        ),
    ),
    "e": (
        "music/misc/pure.ogg",
        "audio",
        "ogg",
        2 * MB + MB // 2,
        "2023-03-03",
        "2026-03-01",
        dict(
            title="100% Pure",
            artist="Under_Score",
            album="Percent",
            year=1999,
            codec="vorbis",
            bitrate=160,
            duration=180.0,
            genre="",
            lossless=False,
        ),
    ),
    "n": (
        "music/misc/percent.ogg",
        "audio",
        "ogg",
        2 * MB,
        "2023-03-03",
        "2026-03-01",
        dict(
            title="1000 Pure",
            artist="UnderXScore",
            album="Percent",
            year=1999,
            codec="vorbis",
            bitrate=160,
            duration=181.0,
            lossless=False,
        ),
    ),
    "f": (
        "music/Queen/Bohemian Rhapsody.flac",
        "audio",
        "flac",
        40 * MB,
        "2022-02-02",
        "2026-01-20",
        dict(
            title="Bohemian Rhapsody",
            artist="Queen",
            albumartist="Queen",
            album="A Night at the Opera",
            year=1975,
            disc=1,
            disctotal=2,
            track=11,
            codec="flac",
            lossless=True,
            duration=354.0,
            bitrate=1000,
        ),
    ),
    "g": (
        "music/Hits/01 Song.mp3",
        "audio",
        "mp3",
        3 * MB,
        "2022-02-02",
        "2026-01-20",
        dict(
            title="Song",
            artist="X",
            album="Hits",
            compilation=True,
            year=1990,
            codec="mp3",
            bitrate=256,
            duration=200.0,
            track=1,
        ),
    ),
    "h": (
        "music/Hits/02 Other.mp3",
        "audio",
        "mp3",
        3 * MB,
        "2022-02-02",
        "2026-01-20",
        dict(
            title="Other",
            artist="Y",
            album="Hits",
            compilation=True,
            year=1991,
            codec="mp3",
            bitrate=256,
            duration=210.0,
            track=2,
        ),
    ),
    "i": (
        "photos/IMG_1.jpg",
        "image",
        "jpeg",
        3 * MB,
        "2023-04-05",
        "2026-04-01",
        dict(
            width=4000,
            height=3000,
            taken="2023-04-05T10:11:12+02:00",
            taken_source="exif",
            make="Canon",
            model="EOS R5",
            gps_lat=48.8,
            gps_lon=2.35,
        ),
    ),
    "j": (
        "ai/castle.png",
        "image",
        "png",
        MB,
        "2026-04-01",
        "2026-04-02",
        dict(
            width=1024,
            height=1024,
            ai_tool="comfyui",
            ai_model="sdxl.safetensors",
            prompt="a castle on a hill",
            loras=["detail", "style"],
            seed=123,
            steps=30,
            cfg_scale=7.5,
        ),
    ),
    "k": (
        "music/Beatles/gone.mp3",
        "audio",
        "mp3",
        MB,
        "2024-01-10",
        "2025-06-01",
        dict(title="Gone", artist="The Beatles"),
    ),
    "l": ("music/broken.mp3", "audio", None, 100, "2024-01-10", "2025-06-01", {}),
    "m": ("notes.txt", "other", "txt", 10, "2024-01-10", "2025-06-01", {}),
}
MISSING = {"k"}
FAILED = {"l"}


def writer(db: Path) -> tuple[Catalog, Writer]:
    """A catalog at `db` with a finished scan, and a writer of items for that scan."""
    cat = open_catalog(db, create=True)
    scan_id = int(
        cat.db.execute(
            "INSERT INTO scans (started_ns, finished_ns, roots, status) "
            "VALUES (?, ?, '[]', 'done') RETURNING id",
            (time.time_ns(), time.time_ns()),
        ).fetchone()[0]
    )
    return cat, Writer(cat, scan_id, 1000)


def build(root: Path, db: Path) -> dict[bytes, str]:
    """Write ITEMS into a catalog at `db`; return path → name."""
    from mediashelf.model import Failure

    cat, w = writer(db)
    names: dict[bytes, str] = {}
    added: dict[bytes, int] = {}
    for i, (name, (rel, kind, fmt, size, mtime, add, fields)) in enumerate(ITEMS.items()):
        path = os.fsencode(root / rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fs = FileStat(path, size, _ns(mtime), 1, i + 1)
        error = Failure(path, "extract", "corrupt", "no frames") if name in FAILED else None
        ex = Extracted(fs, kind, fmt, fields, None, None, error)
        upsert(w, [(ex, w.folder_id(os.path.dirname(path)))])
        names[path] = name
        added[path] = _ns(add)
    w.commit()
    with cat.atomic() as con:
        for path, ns in added.items():
            con.execute("UPDATE items SET added_ns = ? WHERE path = ?", (ns, path))
        for path, name in names.items():
            if name in MISSING:
                con.execute("UPDATE items SET missing = 1 WHERE path = ?", (path,))
    cat.close()
    return names

"""Time `compute_stats` and a whole `stats` command on a 100k-item catalog.

    python benchmarks/stats_speed.py                    # 100,000 items, 5 runs
    python benchmarks/stats_speed.py --items 20000 --runs 9 --json out.json

The catalog is built directly (no media files): rows made by the scanner's own
`item_row` from synthetic `Extracted` values with realistic distributions (formats,
bit rates, sample rates, Zipf-distributed artists, albums of 6-20 tracks, years, genres,
covers, MusicBrainz ids, gaps in the tags, cover images and sidecars, dates added spread
over years), written with `UPSERT_SQL` through `open_catalog`.  It is cached as
`~/.cache/mediashelf-bench/stats-<items>-seed<seed>-v<version>.db` and reused.

Timed, with a warm page cache, median (min-max) of `--runs`:
- `compute_stats` in this process, on an open catalog;
- end to end in a fresh interpreter (process start included): open the catalog,
  `compute_stats`, `render_text`, print; what `shelf stats` does.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from mediashelf.catalog import open_catalog
from mediashelf.catalog.rows import UPSERT_SQL, item_row
from mediashelf.model import Extracted, FileStat

#: bump when the generated catalog changes, so cached ones are rebuilt
VERSION = 1
CACHE = Path.home() / ".cache" / "mediashelf-bench"

GENRES = (
    "Rock", "Pop", "Jazz", "Electronic", "Hip-Hop", "Classical", "Folk", "Metal", "Soul",
    "Blues", "Ambient", "Reggae", "Country", "Punk", "Indie", "Techno", "House", "Funk",
    "Soundtrack", "World", "Latin", "R&B", "Chanson", "K-Pop", "J-Pop", "Drum & Bass",
)  # fmt: skip
SYLLABLES = (
    "ka", "lo", "mi", "ra", "ten", "vo", "shi", "an", "del", "ma", "ro", "su", "né", "zé",
    "bjö", "ør", "ça", "ñu", "光", "の", "음", "악", "ми", "ры", "λα",
)  # fmt: skip


def _name(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
        parts.append(word.capitalize())
    return " ".join(parts)


def _audio_stream(rng: random.Random, fmt: str, duration: float) -> dict[str, object]:
    """codec, bitrate (kbit/s), sample rate, bit depth, lossless of one track."""
    if fmt == "mp3":
        bitrate = rng.choices((96, 128, 160, 192, 224, 256, 320, -1), (2, 14, 4, 18, 4, 12, 38, 8))[
            0
        ]
        if bitrate < 0:  # VBR
            bitrate = rng.randint(150, 260)
        return {"codec": "mp3", "bitrate": bitrate, "samplerate": 44100, "lossless": False}
    if fmt == "flac":
        rate = rng.choices((44100, 48000, 88200, 96000, 192000), (70, 10, 4, 12, 4))[0]
        depth = 16 if rate == 44100 and rng.random() < 0.9 else 24
        bitrate = int(rate * depth * 2 * rng.uniform(0.45, 0.7) / 1000)
        return {
            "codec": "flac",
            "bitrate": bitrate,
            "samplerate": rate,
            "bitdepth": depth,
            "lossless": True,
        }
    if fmt == "m4a":
        if rng.random() < 0.15:
            return {
                "codec": "alac",
                "bitrate": rng.randint(700, 1000),
                "samplerate": 44100,
                "bitdepth": 16,
                "lossless": True,
            }
        bitrate = rng.choices((128, 256, 320), (20, 70, 10))[0]
        return {"codec": "aac", "bitrate": bitrate, "samplerate": 44100, "lossless": False}
    if fmt == "ogg":
        return {
            "codec": "vorbis",
            "bitrate": rng.randint(110, 330),
            "samplerate": 44100,
            "lossless": False,
        }
    return {"codec": "opus", "bitrate": rng.choice((96, 128, 160)), "samplerate": 48000}


def _rows(n_items: int, seed: int, now_ns: int) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """Catalog rows (ITEM_COLUMNS order) and the folder paths they reference."""
    rng = random.Random(seed)
    n_artists = max(10, n_items // 30)
    artists = [_name(rng, rng.randint(1, 3)) for _ in range(n_artists)]
    weights = [1 / (i + 1) ** 0.9 for i in range(n_artists)]  # Zipf-like popularity
    formats = ("mp3", "flac", "m4a", "ogg", "opus")
    ext_of = {"mp3": "mp3", "flac": "flac", "m4a": "m4a", "ogg": "ogg", "opus": "opus"}
    span_ns = 6 * 365 * 86400 * 10**9  # dates added over six years, the library growing
    folders: list[bytes] = []
    seen: set[bytes] = set()
    rows: list[tuple[Any, ...]] = []
    ino = 1000
    while len(rows) < n_items:
        artist = rng.choices(artists, weights)[0]
        album = _name(rng, rng.randint(1, 4))
        year = min(2025, max(1955, int(rng.gauss(2000, 14))))
        fmt = rng.choices(formats, (45, 20, 20, 10, 5))[0]
        genre = rng.choice(GENRES) if rng.random() < 0.92 else None
        tagged = rng.random() > 0.03  # a few untagged dumps
        mb_album = str(uuid.UUID(int=rng.getrandbits(128))) if rng.random() < 0.6 else None
        cover = rng.random() < 0.3
        compilation = rng.random() < 0.05
        added = now_ns - int(span_ns * (1 - math.sqrt(rng.random())))
        folder = f"/music/{artist}/{album} ({year})".encode()
        if folder in seen:
            folder += f" [{len(folders)}]".encode()
        seen.add(folder)
        folders.append(folder)
        folder_id = len(folders)
        tracks = rng.randint(6, 20)
        for t in range(1, tracks + 1):
            ino += 1
            title = _name(rng, rng.randint(1, 5))
            duration = round(rng.uniform(90, 420), 3)
            size_per_s = 40_000 if fmt != "flac" else 120_000
            stat = FileStat(
                folder + f"/{t:02d} {title}.{ext_of[fmt]}".encode(),
                int(duration * size_per_s * rng.uniform(0.8, 1.2)),
                added - rng.randint(0, 10**15),
                2049,
                ino,
            )
            fields: dict[str, object] = {"duration": duration, "channels": 2}
            fields.update(_audio_stream(rng, fmt, duration))
            if tagged:
                track_artist = (
                    rng.choices(artists, weights)[0] if compilation else artist
                )  # compilations: one artist per track
                fields.update(
                    title=title,
                    artist=track_artist,
                    artists=[track_artist],
                    albumartist="Various Artists" if compilation else artist,
                    album=album,
                    track=t,
                    tracktotal=tracks,
                    disc=1,
                    date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    year=year,
                    genre=genre,
                    compilation=compilation,
                )
                if mb_album:
                    fields["mb_albumid"] = mb_album
                    fields["mb_recordingid"] = str(uuid.UUID(int=rng.getrandbits(128)))
                    fields["mb_trackid"] = str(uuid.UUID(int=rng.getrandbits(128)))
                    fields["mb_artistid"] = str(uuid.UUID(int=rng.getrandbits(128)))
                if cover:
                    fields.update(cover_count=1, cover_mime="image/jpeg", cover_bytes=48_213)
            extra = json.dumps({"encoder": "LAME 3.100", "replaygain_track_gain": "-7.2 dB"})
            ex = Extracted(stat, "audio", fmt, fields, extra, rng.randbytes(16))
            rows.append(item_row(ex, folder_id, 1, added))
        for name, kind, fmt_, size in (
            ("cover.jpg", "image", "jpeg", 180_000),
            ("album.nfo", "other", None, 2_000),
        ):
            if rng.random() < (0.6 if kind == "image" else 0.15):
                ino += 1
                stat = FileStat(folder + b"/" + name.encode(), size, added, 2049, ino)
                image: dict[str, object] = (
                    {"width": 1000, "height": 1000} if kind == "image" else {}
                )
                ex = Extracted(stat, kind, fmt_, image, None, rng.randbytes(16))
                rows.append(item_row(ex, folder_id, 1, added))
    return rows[:n_items], folders


def build_catalog(n_items: int, seed: int) -> Path:
    """The cached benchmark catalog (built on first use)."""
    path = CACHE / f"stats-{n_items}-seed{seed}-v{VERSION}.db"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    t0 = time.perf_counter()
    now = time.time_ns()
    rows, folders = _rows(n_items, seed, now)
    catalog = open_catalog(tmp)
    try:
        with catalog.atomic() as db:
            db.executemany(
                "INSERT INTO folders (id, path) VALUES (?, ?)",
                list(enumerate(folders, start=1)),
            )
            db.executemany(UPSERT_SQL, rows)
            db.execute(
                "INSERT INTO scans (id, started_ns, finished_ns, roots, status, added, files,"
                " bytes, failed, total_s) VALUES (1, ?, ?, '[\"/music\"]', 'done', ?, ?, ?, ?, ?)",
                (now - 60 * 10**9, now, len(rows), len(rows), sum(r[5] for r in rows), 40, 58.2),
            )
            # a few items whose metadata could not be read, with their failures
            failed = db.execute("SELECT id, path FROM items ORDER BY random() LIMIT 40").fetchall()
            for item_id, item_path in failed:
                db.execute("UPDATE items SET error = 'corrupt: bad frame' WHERE id = ?", (item_id,))
                db.execute(
                    "INSERT INTO failures (scan_id, path, stage, kind, message, time_ns)"
                    " VALUES (1, ?, 'extract', 'corrupt', 'bad frame', ?)",
                    (item_path, now),
                )
        catalog.db.execute("ANALYZE")
        catalog.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        catalog.close()
    os.replace(tmp, path)
    for leftover in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    print(
        f"built {path} ({n_items:,} items) in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return path


END_TO_END = """
import sys
from pathlib import Path
from mediashelf.catalog import open_catalog
from mediashelf.stats import compute_stats
from mediashelf.stats.text import render_text
catalog = open_catalog(Path(sys.argv[1]), create=False)
sys.stdout.write(render_text(compute_stats(catalog)))
catalog.close()
"""


def _summary(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="write every timing as JSON")
    parser.add_argument("--print", action="store_true", help="print the text report once")
    args = parser.parse_args()

    from mediashelf.stats import compute_stats
    from mediashelf.stats.text import render_text

    path = build_catalog(args.items, args.seed)
    with open(path, "rb") as f:  # warm page cache
        while f.read(1 << 20):
            pass

    catalog = open_catalog(path, create=False)
    try:
        stats = compute_stats(catalog)  # untimed: warms SQLite's page cache
        in_process = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            compute_stats(catalog)
            in_process.append(time.perf_counter() - t0)
    finally:
        catalog.close()
    if args.print:
        print(render_text(stats))

    end_to_end = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", END_TO_END, str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        end_to_end.append(time.perf_counter() - t0)

    result = {
        "items": stats["items"],
        "runs": args.runs,
        "compute_stats_s": _summary(in_process),
        "end_to_end_s": _summary(end_to_end),
        "python": sys.version.split()[0],
    }
    for label, key in (
        ("compute_stats (in process)", "compute_stats_s"),
        ("end to end", "end_to_end_s"),
    ):
        s = result[key]
        assert isinstance(s, dict)
        print(
            f"{label:28} {s['median'] * 1000:7.0f} ms  "
            f"({s['min'] * 1000:.0f}-{s['max'] * 1000:.0f})  on {stats['items']:,} items"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""`compute_stats` figures on catalogs with known items, and the text report."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediashelf import query
from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.writer import Writer
from mediashelf.console import total_duration
from mediashelf.model import Extracted, Failure, FileStat
from mediashelf.stats import BAND_NAMES, TAG_FIELDS, compute_stats
from mediashelf.stats.text import render_text
from tests.conftest import scan_in_process, upsert
from tests.media import flac, make_tree, mp3, ogg


def ns(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp() * 1e9)


JAN, MAR, END_MAR = (
    ns("2024-01-15T12:00:00+00:00"),
    ns("2024-03-02T00:00:00+00:00"),
    ns("2024-03-31T23:59:00+00:00"),
)
MB = {"mb_recordingid": "6f3c1e1c-0000-4000-8000-000000000001", "mb_albumid": "a-1"}
ALPHA = {"artist": "Alpha", "albumartist": "Alpha", "year": 2001, "genre": "Rock"}
BETA = {"artist": "Beta", "albumartist": "Beta", "album": "Z", "year": 1999, "genre": "Jazz"}
HITS = {"albumartist": "Various Artists", "album": "Hits", "year": 2010, "genre": "Pop"}

#: (path, kind, format, size, added_ns, fields)
ITEMS: list[tuple[bytes, str, str | None, int, int, dict[str, Any]]] = [
    (b"/m/A/X1/01.flac", "audio", "flac", 1000, JAN, {
        "title": "a1", **ALPHA, "album": "X1", "duration": 100.0, "bitrate": 900,
        "samplerate": 44100, "codec": "flac", "lossless": True, "cover_count": 1, **MB}),
    (b"/m/A/X1/02.flac", "audio", "flac", 2000, JAN, {
        "title": "a2", **ALPHA, "album": "X1", "duration": 200.0, "bitrate": 1100,
        "samplerate": 44100, "codec": "flac", "lossless": True, **MB}),
    (b"/m/A/Y/01.mp3", "audio", "mp3", 500, JAN, {
        "title": "a3", **ALPHA, "album": "Y", "duration": 150.0, "bitrate": 320,
        "samplerate": 44100, "codec": "mp3", "lossless": False}),
    (b"/m/B/Z/01.mp3", "audio", "mp3", 300, MAR, {
        "title": "b1", **BETA, "duration": 60.0, "bitrate": 128, "samplerate": 44100,
        "codec": "mp3", "lossless": False}),
    (b"/m/B/Z/02.mp3", "audio", "mp3", 200, MAR, {
        "title": "b2", **BETA, "duration": 50.0, "bitrate": 96, "samplerate": 44100,
        "codec": "mp3", "lossless": False}),
    (b"/m/C/Hits/01.m4a", "audio", "m4a", 400, END_MAR, {
        "title": "c1", "artist": "Gamma", **HITS, "duration": 120.0, "bitrate": 256,
        "samplerate": 48000, "codec": "aac", "lossless": False}),
    (b"/m/C/Hits/02.m4a", "audio", "m4a", 400, END_MAR, {
        "title": "c2", "artist": "Beta", **HITS, "duration": 130.0, "bitrate": 192,
        "samplerate": 48000, "codec": "aac", "lossless": False}),
    (b"/m/U/noise.ogg", "audio", "ogg", 100, END_MAR, {"codec": "vorbis", "lossless": False}),
    (b"/m/U/x.opus", "audio", "opus", 150, END_MAR, {
        "albumartist": "Delta", "duration": 30.0, "bitrate": 160, "samplerate": 48000,
        "codec": "opus"}),
    (b"/m/A/X1/cover.jpg", "image", "jpeg", 5000, ns("2024-01-20T00:00:00+00:00"),
     {"width": 600, "height": 600}),
    (b"/m/A/X1/notes.nfo", "other", None, 10, END_MAR, {}),
    (b"/m/gone.mp3", "audio", "mp3", 999, ns("2023-06-01T00:00:00+00:00"), {
        "title": "gone", "artist": "Zeta", "codec": "mp3", "bitrate": 64, "year": 1950}),
]  # fmt: skip

SCAN_STARTED = ns("2024-04-01T10:00:00+00:00")


def build(
    cat: Catalog, items: list[tuple[bytes, str, str | None, int, int, dict[str, Any]]]
) -> None:
    first = cat.db.execute(
        "INSERT INTO scans (started_ns, finished_ns, roots, status, files, added, total_s)"
        " VALUES (1, 2, '[]', 'done', 1, 1, 0.1)"
    ).lastrowid
    assert first is not None
    w = Writer(cat, first, 1000)
    w.record_failures([Failure(b"/m/old/lost.mp3", "walk", "vanished", "gone")])
    for i, (path, kind, fmt, size, _, fields) in enumerate(items):
        fs = FileStat(path, size, 1, 1, i + 1)
        ex = Extracted(fs, kind, fmt, fields, None, None)
        upsert(w, [(ex, w.folder_id(path.rsplit(b"/", 1)[0]))])
    w.commit()
    for path, *_, added, _ in items:
        cat.db.execute("UPDATE items SET added_ns = ? WHERE path = ?", (added, path))
    cat.db.execute("UPDATE items SET missing = 1 WHERE path = ?", (b"/m/gone.mp3",))
    second = cat.db.execute(
        "INSERT INTO scans (started_ns, finished_ns, roots, status, files, added, changed,"
        " unchanged, missing, moved, failed, total_s)"
        " VALUES (?, ?, '[\"/m\"]', 'done', 12, 11, 0, 0, 1, 0, 1, 1.5)",
        (SCAN_STARTED, SCAN_STARTED + 1_500_000_000),
    ).lastrowid
    assert second is not None
    w = Writer(cat, second, 1000)
    w.record_failures([Failure(b"/m/B/Z/02.mp3", "extract", "corrupt", "bad frame")])
    w.commit()
    cat.db.execute(
        "UPDATE items SET error = 'corrupt: bad frame' WHERE path = ?", (b"/m/B/Z/02.mp3",)
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = open_catalog(tmp_path / "cat.db")
    build(cat, ITEMS)
    yield cat
    cat.close()


def sums(items: int, size: int, duration: float) -> dict[str, Any]:
    return {"items": items, "size": size, "duration": duration}


def test_totals_kinds_formats_codecs(catalog: Catalog) -> None:
    s = compute_stats(catalog)
    assert (s["items"], s["size"], s["duration"]) == (11, 10060, 840.0)
    assert s["kinds"] == [
        {"name": "audio", **sums(9, 5050, 840.0)},
        {"name": "image", **sums(1, 5000, 0.0)},
        {"name": "other", **sums(1, 10, 0.0)},
    ]
    assert s["formats"] == [
        {"name": "mp3", "kind": "audio", **sums(3, 1000, 260.0)},
        {"name": "flac", "kind": "audio", **sums(2, 3000, 300.0)},
        {"name": "m4a", "kind": "audio", **sums(2, 800, 250.0)},
        {"name": "jpeg", "kind": "image", **sums(1, 5000, 0.0)},
        {"name": "nfo", "kind": "other", **sums(1, 10, 0.0)},  # no format: the extension
        {"name": "ogg", "kind": "audio", **sums(1, 100, 0.0)},
        {"name": "opus", "kind": "audio", **sums(1, 150, 30.0)},
    ]
    assert s["codecs"] == [
        {"name": "mp3", **sums(3, 1000, 260.0)},
        {"name": "aac", **sums(2, 800, 250.0)},
        {"name": "flac", **sums(2, 3000, 300.0)},
        {"name": "opus", **sums(1, 150, 30.0)},
        {"name": "vorbis", **sums(1, 100, 0.0)},
    ]
    assert json.loads(json.dumps(s)) == s


def test_bitrates_samplerates_lossless(catalog: Catalog) -> None:
    s = compute_stats(catalog)
    assert [b["band"] for b in s["bitrates"]] == list(BAND_NAMES)
    assert {b["band"]: (b["items"], b["size"], b["duration"]) for b in s["bitrates"]} == {
        "<128": (1, 200, 50.0),
        "128-191": (2, 450, 90.0),  # 128 and 160 kbit/s
        "192-255": (1, 400, 130.0),
        "256-319": (1, 400, 120.0),
        ">=320": (1, 500, 150.0),
        "lossless": (2, 3000, 300.0),  # whatever their bit rate
        "unknown": (1, 100, 0.0),
    }
    assert s["samplerates"] == [
        {"hz": 44100, "items": 5},
        {"hz": 48000, "items": 3},
        {"hz": None, "items": 1},
    ]
    assert s["lossless"] == {**sums(2, 3000, 300.0), "share": round(2 / 9, 4)}


def test_tag_completeness_over_audio_items(catalog: Catalog) -> None:
    tags = compute_stats(catalog)["tags"]
    assert tags["audio_items"] == 9
    present = {
        "title": 7,
        "artist": 7,
        "albumartist": 8,
        "album": 7,
        "year": 7,
        "genre": 7,
        "cover": 1,
        "mb_recordingid": 2,
        "mb_albumid": 2,
    }
    assert [f["name"] for f in tags["fields"]] == [name for name, _ in TAG_FIELDS]
    for f in tags["fields"]:
        assert f["present"] == present[f["name"]], f
        assert f["missing"] == 9 - present[f["name"]], f
        assert f["missing_share"] == round((9 - present[f["name"]]) / 9, 4), f


def test_artists_albums_genres_years(catalog: Catalog) -> None:
    s = compute_stats(catalog)
    # track artist first (Beta's track on the compilation is Beta's), else the album artist
    assert s["artists"] == {
        "distinct": 4,
        "top": [
            {"name": "Alpha", "items": 3, "albums": 2, "duration": 450.0},
            {"name": "Beta", "items": 3, "albums": 2, "duration": 240.0},
            {"name": "Delta", "items": 1, "albums": 0, "duration": 30.0},
            {"name": "Gamma", "items": 1, "albums": 1, "duration": 120.0},
        ],
    }
    # (Alpha, X1), (Alpha, Y), (Beta, Z), (Various Artists, Hits)
    assert s["albums"] == {"distinct": 4, "album_artists": 4}
    assert s["genres"] == {
        "distinct": 3,
        "top": [
            {"name": "Rock", "items": 3, "duration": 450.0},
            {"name": "Jazz", "items": 2, "duration": 110.0},
            {"name": "Pop", "items": 2, "duration": 250.0},
        ],
    }
    assert s["years"] == {
        "distinct": 3,
        "unknown": 2,
        "top": [
            {"year": 2001, "items": 3},
            {"year": 1999, "items": 2},
            {"year": 2010, "items": 2},
        ],
        "all": [
            {"year": 1999, "items": 2},
            {"year": 2001, "items": 3},
            {"year": 2010, "items": 2},
        ],
    }


def test_growth_failures_and_last_scan(catalog: Catalog) -> None:
    s = compute_stats(catalog)
    assert s["growth"] == [
        {"month": "2024-01", "items": 4, "size": 8500, "total_items": 4, "total_size": 8500},
        {"month": "2024-02", "items": 0, "size": 0, "total_items": 4, "total_size": 8500},
        {"month": "2024-03", "items": 7, "size": 1560, "total_items": 11, "total_size": 10060},
    ]
    # the failure of a vanished file from an older scan is history; the corrupt item stands
    assert s["failures"] == 1
    assert s["missing_items"] == 1
    assert s["last_scan"] == {
        "id": 2,
        "status": "done",
        "started": "2024-04-01T10:00:00+00:00",
        "finished": "2024-04-01T10:00:01+00:00",
        "seconds": 1.5,
        "files": 12,
        "added": 11,
        "changed": 0,
        "unchanged": 0,
        "missing": 1,
        "moved": 0,
        "failed": 1,
    }


def test_where_filter_with_params(catalog: Catalog) -> None:
    s = compute_stats(catalog, query.build(["genre:=Jazz"], missing=None))
    assert (s["items"], s["size"], s["duration"]) == (2, 500, 110.0)
    assert s["formats"] == [{"name": "mp3", "kind": "audio", **sums(2, 500, 110.0)}]
    assert s["artists"]["top"] == [{"name": "Beta", "items": 2, "albums": 1, "duration": 110.0}]
    assert s["years"]["all"] == [{"year": 1999, "items": 2}]
    assert s["lossless"] == {**sums(0, 0, 0.0), "share": 0.0}
    assert s["growth"] == [
        {"month": "2024-03", "items": 2, "size": 500, "total_items": 2, "total_size": 500}
    ]
    assert s["failures"] == 1  # failures and the last scan are about the whole catalog
    assert s["last_scan"]["id"] == 2

    images = compute_stats(catalog, query.build(["kind:image"], missing=None))
    assert images["items"] == 1 and images["tags"]["audio_items"] == 0
    assert images["lossless"]["share"] is None
    assert all(f["missing_share"] is None for f in images["tags"]["fields"])
    assert all(b["items"] == 0 for b in images["bitrates"])
    # the missing item never counts, even when the filter names it
    assert compute_stats(catalog, query.build(["path:=/m/gone.mp3"], missing=None))["items"] == 0


def test_empty_catalog(tmp_path: Path) -> None:
    cat = open_catalog(tmp_path / "empty.db")
    try:
        s = compute_stats(cat)
    finally:
        cat.close()
    assert (s["items"], s["size"], s["duration"]) == (0, 0, 0.0)
    assert s["kinds"] == s["formats"] == s["codecs"] == s["samplerates"] == s["growth"] == []
    assert [b["items"] for b in s["bitrates"]] == [0] * len(BAND_NAMES)
    assert s["lossless"] == {**sums(0, 0, 0.0), "share": None}
    assert s["tags"]["audio_items"] == 0
    assert s["artists"] == {"distinct": 0, "top": []}
    assert s["albums"] == {"distinct": 0, "album_artists": 0}
    assert s["genres"] == {"distinct": 0, "top": []}
    assert s["years"] == {"distinct": 0, "unknown": 0, "top": [], "all": []}
    assert (s["failures"], s["missing_items"], s["last_scan"]) == (0, 0, None)
    text = render_text(s)
    assert "  items      0  (0 B, 0 s)" in text
    assert "  last scan  never" in text
    assert "Formats" not in text


def test_text_report(catalog: Catalog) -> None:
    catalog.db.execute(
        "UPDATE items SET artist = ? WHERE path = ?", ("Evil\x1b[2J", b"/m/U/x.opus")
    )
    text = render_text(compute_stats(catalog))
    lines = text.splitlines()
    assert lines[:7] == [
        "Library",
        "  items      11  (10.1 KB, 14 min 0 s)",
        "  lossless   2 audio items (22.2%), 3.0 KB",
        "  names      4 artists, 4 album artists, 4 albums, 3 genres, 3 years",
        "  failures   1 failing, 1 missing",
        "  damage     0 damaged files; verified 0, damaged 0",
        "  last scan  #2 done 2024-04-01 10:00:01 UTC: 12 files in 1.5 s; added 11, changed 0,"
        " moved 0, missing 1, failed 1",
    ]
    formats = lines[lines.index("Formats") + 1 : lines.index("Formats") + 4]
    assert formats == [
        "  format  kind   items      %    size    duration",
        "  mp3     audio      3  27.3%  1.0 KB  4 min 20 s",
        "  flac    audio      2  18.2%  3.0 KB   5 min 0 s",
    ]
    assert "  jpeg    image      1   9.1%  5.0 KB           -" in lines
    bands = lines[lines.index("Bit rates (audio, kbit/s)") + 1 :][:8]
    assert bands[0].split() == ["band", "items", "%", "size"]
    assert [b.split()[0] for b in bands[1:]] == [
        "<128", "128\u2013191", "192\u2013255", "256\u2013319", "\u2265320", "lossless", "unknown",
    ]  # fmt: skip
    assert "  cover                 1        8      88.9%" in lines
    assert "  1  Alpha            3       2  7 min 30 s" in lines
    # control characters from tags never reach the terminal
    assert "\x1b" not in text and "Evil\\x1b[2J" in text


def test_total_duration() -> None:
    assert [total_duration(s) for s in (0, 59.6, 61, 3600, 3 * 86400 + 7200 + 5)] == [
        "0 s",
        "1 min 0 s",
        "1 min 1 s",
        "1 h 0 min",
        "3 d 2 h",
    ]


def test_figures_of_a_scanned_library(tmp_path: Path) -> None:
    """Through the real scanner: formats, codecs and tags as the reader stores them."""
    make_tree(
        tmp_path / "lib",
        {
            "A/L/01.flac": flac(title="One", artist="A", album="L", date="2001", genre="Rock"),
            "A/L/02.mp3": mp3(title="Two", artist="A", album="L", date="2001"),
            "U/loose.ogg": ogg(),
            "A/L/notes.nfo": "text",
        },
    )
    db = tmp_path / "cat.db"
    scan_in_process(db, [tmp_path / "lib"])
    cat = open_catalog(db)
    try:
        s = compute_stats(cat)
    finally:
        cat.close()
    assert s["items"] == 4
    assert {k["name"]: k["items"] for k in s["kinds"]} == {"audio": 3, "other": 1}
    assert {f["name"] for f in s["formats"]} == {"flac", "mp3", "ogg", "nfo"}
    assert {c["name"]: c["items"] for c in s["codecs"]} == {"flac": 1, "mp3": 1, "vorbis": 1}
    assert s["lossless"]["items"] == 1 and s["lossless"]["share"] == round(1 / 3, 4)
    assert next(b for b in s["bitrates"] if b["band"] == "lossless")["items"] == 1
    assert sum(b["items"] for b in s["bitrates"]) == 3
    present = {f["name"]: f["present"] for f in s["tags"]["fields"]}
    assert present == {
        "title": 2, "artist": 2, "albumartist": 0, "album": 2, "year": 2, "genre": 1,
        "cover": 0, "mb_recordingid": 0, "mb_albumid": 0,
    }  # fmt: skip
    assert s["artists"]["top"][0]["name"] == "A" and s["artists"]["top"][0]["albums"] == 1
    assert s["years"]["all"] == [{"year": 2001, "items": 2}]
    assert s["last_scan"] is not None and s["last_scan"]["status"] == "done"
    assert s["last_scan"]["added"] == 4
    assert time.time() - dt.datetime.fromisoformat(s["last_scan"]["started"]).timestamp() < 600
    assert s["growth"][-1]["total_items"] == 4

"""The statements of released migrations (catalog/schema.py), frozen: a released
migration never changes, whatever the model becomes."""

from __future__ import annotations

from typing import Final

#: the first schema, as released
M0001_SQL: Final = """
CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    signature BLOB,          -- digest of the folder's entries at the last complete scan
    scan_id INTEGER
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL,      -- raw bytes of the absolute path (lossless)
    folder_id INTEGER NOT NULL REFERENCES folders(id),
    kind TEXT NOT NULL,      -- audio | image | video | other
    format TEXT,
    ext TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    quick_hash BLOB,         -- xxh3-128 of size + first and last 16 KiB
    added_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL,
    scan_id INTEGER,
    missing INTEGER NOT NULL DEFAULT 0,   -- 1: not found by the last scan of its folder
    error TEXT,              -- why metadata could not be read (see failures)
    title TEXT,
    artist TEXT,
    artists TEXT,
    albumartist TEXT,
    album TEXT,
    track INTEGER,
    tracktotal INTEGER,
    disc INTEGER,
    disctotal INTEGER,
    date TEXT,
    year INTEGER,
    originaldate TEXT,
    genre TEXT,
    composer TEXT,
    compilation INTEGER,
    comment TEXT,
    label TEXT,
    catalognumber TEXT,
    isrc TEXT,
    bpm INTEGER,
    mb_trackid TEXT,
    mb_recordingid TEXT,
    mb_albumid TEXT,
    mb_releasegroupid TEXT,
    mb_artistid TEXT,
    mb_albumartistid TEXT,
    has_lyrics INTEGER,
    cover_count INTEGER,
    cover_mime TEXT,
    cover_bytes INTEGER,
    duration REAL,
    bitrate INTEGER,
    samplerate INTEGER,
    channels INTEGER,
    bitdepth INTEGER,
    codec TEXT,
    lossless INTEGER,
    extra TEXT               -- JSON object: every tag read that has no column
);
CREATE UNIQUE INDEX items_path ON items(path);
CREATE INDEX items_folder ON items(folder_id);
CREATE INDEX items_inode ON items(dev, ino);
CREATE INDEX items_size ON items(size);
CREATE INDEX items_kind ON items(kind, format);
CREATE INDEX items_artist ON items(artist);
CREATE INDEX items_albumartist_album ON items(albumartist, album);
CREATE INDEX items_album ON items(album);
CREATE INDEX items_title ON items(title);
CREATE INDEX items_year ON items(year);
CREATE INDEX items_genre ON items(genre);
CREATE INDEX items_missing ON items(missing) WHERE missing = 1;

CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    started_ns INTEGER NOT NULL,
    finished_ns INTEGER,
    roots TEXT NOT NULL,     -- JSON list of display paths
    options TEXT,            -- JSON
    status TEXT NOT NULL,    -- running | done | interrupted | crashed
    added INTEGER DEFAULT 0, changed INTEGER DEFAULT 0, unchanged INTEGER DEFAULT 0,
    missing INTEGER DEFAULT 0, moved INTEGER DEFAULT 0, failed INTEGER DEFAULT 0,
    files INTEGER DEFAULT 0, bytes INTEGER DEFAULT 0,
    walk_s REAL, diff_s REAL, extract_s REAL, write_s REAL, total_s REAL,
    peak_rss_mb REAL, workers_peak_rss_mb REAL
);

CREATE TABLE failures (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER,
    path BLOB NOT NULL,
    stage TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    time_ns INTEGER NOT NULL
);
CREATE INDEX failures_path ON failures(path);
CREATE INDEX failures_scan ON failures(scan_id);
"""


#: the columns migration 0003 added, as released (the model may grow; this may not)
M0003_COLUMNS: Final = (
    ("width", "INTEGER"),
    ("height", "INTEGER"),
    ("orientation", "INTEGER"),
    ("taken", "TEXT"),
    ("taken_source", "TEXT"),
    ("make", "TEXT"),
    ("model", "TEXT"),
    ("lens", "TEXT"),
    ("iso", "INTEGER"),
    ("exposure", "REAL"),
    ("fnumber", "REAL"),
    ("focal_length", "REAL"),
    ("gps_lat", "REAL"),
    ("gps_lon", "REAL"),
    ("gps_alt", "REAL"),
    ("software", "TEXT"),
    ("description", "TEXT"),
    ("ai_tool", "TEXT"),
    ("ai_model", "TEXT"),
    ("ai_model_hash", "TEXT"),
    ("prompt", "TEXT"),
    ("negative_prompt", "TEXT"),
    ("seed", "INTEGER"),
    ("steps", "INTEGER"),
    ("sampler", "TEXT"),
    ("cfg_scale", "REAL"),
    ("loras", "TEXT"),
    ("video_codec", "TEXT"),
    ("fps", "REAL"),
    ("phash", "TEXT"),
)
#: the text columns whose folded copies 0003 computed for existing rows
M0003_FOLDED: Final = (
    "title",
    "artist",
    "albumartist",
    "album",
    "date",
    "originaldate",
    "genre",
    "composer",
    "comment",
    "label",
    "catalognumber",
    "isrc",
    "mb_trackid",
    "mb_recordingid",
    "mb_albumid",
    "mb_releasegroupid",
    "mb_artistid",
    "mb_albumartistid",
    "cover_mime",
    "codec",
    "taken",
    "taken_source",
    "make",
    "model",
    "lens",
    "software",
    "description",
    "ai_tool",
    "ai_model",
    "ai_model_hash",
    "prompt",
    "negative_prompt",
    "sampler",
    "video_codec",
    "phash",
)

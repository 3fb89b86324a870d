"""Named schema migrations, applied in order and recorded in the `migrations` table.

A migration is never edited once released: later changes are new migrations.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from mediashelf.model import AUDIO_FIELDS, VISUAL_FIELDS, FieldType

_SQL_TYPES: dict[FieldType, str] = {
    "text": "TEXT",
    "int": "INTEGER",
    "real": "REAL",
    "bool": "INTEGER",
    "list": "TEXT",  # JSON array
}


def _audio_columns() -> str:
    return ",\n    ".join(f"{name} {_SQL_TYPES[ftype]}" for name, ftype in AUDIO_FIELDS)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated DDL inside the caller's transaction (executescript would commit)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def _m0001_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        f"""
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
    {_audio_columns()},
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
""",
    )


def _m0002_failed_items_index(db: sqlite3.Connection) -> None:
    # every scan counts the catalogued files whose metadata could not be read
    db.execute("CREATE INDEX items_failed ON items(missing) WHERE error IS NOT NULL")


def _m0003_visual_fields(db: sqlite3.Connection) -> None:
    """Image and video columns, and folded text for accent-insensitive queries."""
    from mediashelf.catalog.folding import TEXT_FIELDS, folded_json

    for name, ftype in VISUAL_FIELDS:
        db.execute(f"ALTER TABLE items ADD COLUMN {name} {_SQL_TYPES[ftype]}")
    db.execute("ALTER TABLE items ADD COLUMN folded TEXT")
    db.execute("CREATE INDEX items_taken ON items(taken)")
    db.execute("CREATE INDEX items_ai_tool ON items(ai_tool)")
    # a covering index: the accent-insensitive branch of a text query scans only this
    db.execute("CREATE INDEX items_folded ON items(folded) WHERE folded IS NOT NULL")
    columns = ", ".join(TEXT_FIELDS)
    updates = []
    for row in db.execute(f"SELECT id, {columns} FROM items"):
        folded = folded_json(dict(zip(TEXT_FIELDS, row[1:], strict=True)))
        if folded is not None:
            updates.append((folded, row[0]))
    db.executemany("UPDATE items SET folded = ? WHERE id = ?", updates)


def _m0004_journal(db: sqlite3.Connection) -> None:
    """The organize journal: one row per run, one per file operation."""
    _run_script(
        db,
        """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_ns INTEGER NOT NULL,
    finished_ns INTEGER,
    command TEXT NOT NULL,   -- what the user ran, for `shelf history`
    mode TEXT NOT NULL,      -- move | copy | hardlink | symlink | reflink | undo
    dest BLOB,
    status TEXT NOT NULL,    -- running | done | interrupted | recovered | failed
    undo_of INTEGER REFERENCES runs(id),
    undone_by INTEGER REFERENCES runs(id),
    counts TEXT              -- JSON
);

CREATE TABLE ops (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,    -- order of execution within the run
    action TEXT NOT NULL,    -- move | copy | hardlink | symlink | reflink | mkdir | rmdir | aside
    item_id INTEGER,         -- the catalog item it concerns, if any
    src BLOB,
    dst BLOB NOT NULL,
    size INTEGER,
    mtime_ns INTEGER,
    state TEXT NOT NULL,     -- intended | done | skipped | failed | undone
    after TEXT,              -- JSON: what the destination looked like when done
    error TEXT
);
CREATE INDEX ops_run ON ops(run_id, seq);
CREATE INDEX ops_open ON ops(run_id) WHERE state = 'intended';
""",
    )


def _m0005_hashes(db: sqlite3.Connection) -> None:
    """Content hashes for `shelf dupes`, each with the fingerprint of the file it was taken of.

    A hash whose (size, mtime_ns, dev, ino) no longer equals its item's is stale: it is
    ignored, and replaced when the file is hashed again.  Plus an index covering what
    the first stages of duplicate finding read from `items`.
    """
    _run_script(
        db,
        """
CREATE TABLE hashes (
    item_id INTEGER NOT NULL,
    kind TEXT NOT NULL,      -- full (every byte) | audio (the audio payload, tags left out)
    value BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    PRIMARY KEY (item_id, kind)
) WITHOUT ROWID;
-- covers the first stage of `shelf dupes` (sizes, quick hashes, fingerprints): a
-- scan of this index instead of the whole items table
CREATE INDEX items_dupes ON items(size, quick_hash, dev, ino, mtime_ns);
-- it leads with size, so it serves every query the size index served
DROP INDEX items_size;
""",
    )


#: (name, function) in application order.  Append only.
MIGRATIONS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("0001_initial", _m0001_initial),
    ("0002_failed_items_index", _m0002_failed_items_index),
    ("0003_visual_fields", _m0003_visual_fields),
    ("0004_journal", _m0004_journal),
    ("0005_hashes", _m0005_hashes),
)


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_ns INTEGER NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for name, func in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # re-check inside the write lock: another process may have just migrated
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                db.execute("ROLLBACK")
                continue
            func(db)
            db.execute(
                "INSERT INTO migrations (name, applied_ns) VALUES (?, ?)", (name, time.time_ns())
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied

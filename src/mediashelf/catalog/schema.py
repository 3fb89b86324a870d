"""Named schema migrations, applied in order and recorded in the `migrations` table.

A migration is never edited once released: later changes are new migrations.  So a
migration names its columns itself and never reads the live model (`model.py`), which
grows with every release; what it writes is what it wrote when it was released.

One list of migrations serves both engines.  They are written in SQLite's SQL and run
through a `Migration`, which hands each DDL statement to the engine's dialect to
render (PostgreSQL: identity columns, BIGINT, BYTEA …, see pgdialect.py); where an
engine needs more (PostgreSQL's JSONB columns and SQL functions), the migration asks
`m.engine`.
"""

from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, Final, Protocol

from mediashelf.catalog.released import M0001_SQL, M0003_COLUMNS, M0003_FOLDED


class Connection(Protocol):
    """The catalog's connection (connect.Connection; named here so that this module
    imports nothing of mediashelf, see below)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Any: ...


class Dialect(Protocol):
    """What migrating needs of an engine's dialect (dialect.Dialect)."""

    @property
    def name(self) -> str: ...
    @property
    def begin(self) -> str: ...
    def ddl(self, statement: str) -> str: ...


_DDL_VERBS: Final = ("CREATE", "ALTER", "DROP")


class Migration:
    """The connection a migration runs on: DDL is rendered for the engine."""

    def __init__(self, db: Connection, dialect: Dialect) -> None:
        self.db = db
        self.dialect = dialect
        self.engine = dialect.name

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Any:
        if sql.lstrip().upper().startswith(_DDL_VERBS):
            sql = self.dialect.ddl(sql)
        return self.db.execute(sql, tuple(parameters))

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        self.db.executemany(sql, rows)


def _run_script(db: Migration, script: str) -> None:
    """Run `;`-separated DDL inside the caller's transaction (executescript would commit)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def _m0001_initial(db: Migration) -> None:
    _run_script(db, M0001_SQL)


def _m0002_failed_items_index(db: Migration) -> None:
    # every scan counts the catalogued files whose metadata could not be read
    db.execute("CREATE INDEX items_failed ON items(missing) WHERE error IS NOT NULL")


def _m0003_fold(text: str) -> str:
    """Folding as 0003 released it: NFKD, combining marks dropped, case-folded."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _m0003_visual_fields(db: Migration) -> None:
    """Image and video columns, and folded text for accent-insensitive queries."""
    for name, sql_type in M0003_COLUMNS:
        db.execute(f"ALTER TABLE items ADD COLUMN {name} {sql_type}")
    db.execute("ALTER TABLE items ADD COLUMN folded TEXT")
    db.execute("CREATE INDEX items_taken ON items(taken)")
    db.execute("CREATE INDEX items_ai_tool ON items(ai_tool)")
    # a covering index: the accent-insensitive branch of a text query scans only this
    db.execute("CREATE INDEX items_folded ON items(folded) WHERE folded IS NOT NULL")
    columns = ", ".join(M0003_FOLDED)
    updates = []
    for row in db.execute(f"SELECT id, {columns} FROM items"):
        folded = {
            name: _m0003_fold(value)
            for name, value in zip(M0003_FOLDED, row[1:], strict=True)
            if isinstance(value, str) and not value.isascii()
        }
        if folded:
            updates.append((json.dumps(folded, ensure_ascii=False), row[0]))
    db.executemany("UPDATE items SET folded = ? WHERE id = ?", updates)


def _m0004_journal(db: Migration) -> None:
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


def _m0005_hashes(db: Migration) -> None:
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


#: the PostgreSQL functions and aggregates queries use (see pgdialect.py)
_PG_FUNCTIONS: Final = (
    # the text of a path's bytes: UTF-8, or, for a name that is not, escaped bytes
    """CREATE OR REPLACE FUNCTION shelf_text(p bytea) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    BEGIN
        RETURN convert_from(p, 'UTF8');
    EXCEPTION WHEN others THEN
        RETURN encode(p, 'escape');
    END $$""",
    # the last component of a path, as text
    """CREATE OR REPLACE FUNCTION shelf_filename(p bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT regexp_replace(shelf_text(p), '^.*/', '')
    $$""",
    """CREATE OR REPLACE FUNCTION shelf_bytea_smaller(a bytea, b bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT CASE WHEN a <= b THEN a ELSE b END $$""",
    """CREATE OR REPLACE FUNCTION shelf_bytea_larger(a bytea, b bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT CASE WHEN a >= b THEN a ELSE b END $$""",
    "CREATE AGGREGATE min(bytea) (SFUNC = shelf_bytea_smaller, STYPE = bytea, SORTOP = <)",
    "CREATE AGGREGATE max(bytea) (SFUNC = shelf_bytea_larger, STYPE = bytea, SORTOP = >)",
)


#: indexes over free text that PostgreSQL does without (see _m0006_postgresql)
_PG_DROPPED_INDEXES: Final = (
    "items_artist", "items_albumartist_album", "items_album", "items_title", "items_genre",
    "items_ai_tool", "items_folded",
)  # fmt: skip


def _m0006_postgresql(db: Migration) -> None:
    """PostgreSQL only: JSONB for the extra tags (with a GIN index) and the folded copies,
    and the functions queries call.  On SQLite the columns stay JSON text."""
    if db.engine != "postgresql":
        return
    # B-tree entries are limited to ~2.7 kB, and a tag may hold 64 kB: the text indexes
    # SQLite uses for its LIKE plans go (PostgreSQL answers substrings with ILIKE over
    # the table, and a query by path or inode keeps its index).
    for index in _PG_DROPPED_INDEXES:
        db.db.execute(f"DROP INDEX IF EXISTS {index}")
    db.db.execute("ALTER TABLE items ALTER COLUMN extra TYPE jsonb USING extra::jsonb")
    db.db.execute("ALTER TABLE items ALTER COLUMN folded TYPE jsonb USING folded::jsonb")
    db.db.execute("CREATE INDEX items_extra ON items USING gin (extra jsonb_path_ops)")
    # a failure's path may be longer than a B-tree entry (a scan records a path too long
    # to catalogue as a failure): found by equality, a hash index has no such limit
    db.db.execute("DROP INDEX IF EXISTS failures_path")
    db.db.execute("CREATE INDEX failures_path ON failures USING hash (path)")
    for statement in _PG_FUNCTIONS:
        db.db.execute(statement)


def _m0007_roots(db: Migration) -> None:
    """Roots that belong to hosts, and the host of each scan and journal run.

    A root is a folder a scan started from, as one host mounts it: the host, its path
    there, and the identity of the volume (an anchor file mediashelf writes in the
    root, else the filesystem's UUID and the folder's place in it).  Hosts that mount
    one volume at different paths have a row each, with the same `volume` and the
    same `canon`: the path prefix under which the volume's items are catalogued.
    """
    _run_script(
        db,
        """
CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    path BLOB NOT NULL,      -- where this host mounts it
    volume TEXT NOT NULL,    -- anchor:UUID | fs:UUID:HEXPATH | path:HOST:HEXPATH
    canon BLOB NOT NULL,     -- the prefix of its items' paths in the catalog
    added_ns INTEGER NOT NULL,
    seen_ns INTEGER          -- the last scan that found it mounted
);
CREATE UNIQUE INDEX roots_host_path ON roots(host, path);
CREATE INDEX roots_volume ON roots(volume);
ALTER TABLE scans ADD COLUMN host TEXT;
ALTER TABLE scans ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;
""",
    )


#: the columns bare words search (and `artist:` …), with trigram indexes on PostgreSQL
_M0008_SEARCHED: Final = ("artist", "albumartist", "album", "title")


def _m0008_trigrams(db: Migration) -> None:
    """PostgreSQL only: trigram indexes for substring search (`ILIKE '%x%'`) over the
    columns bare words search and their folded copies, so `find artist:X` reads a few
    index pages instead of the whole table.  Without the pg_trgm extension (it is in
    PostgreSQL's contrib, and a database owner may create it) the queries scan instead.
    """
    if db.engine != "postgresql":
        return
    db.db.execute("SAVEPOINT trgm")
    try:
        db.db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # not installed, or not allowed: substring queries scan the table
        db.db.execute("ROLLBACK TO SAVEPOINT trgm")
        return
    db.db.execute("RELEASE SAVEPOINT trgm")
    # the extension is the database's, in the schema it was first created in, which
    # need not be on this catalog's search path: its operator class is named in full
    where = db.db.execute(
        "SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension "
        "WHERE extname = 'pg_trgm'"
    ).fetchone()[0]
    for column in _M0008_SEARCHED:
        db.db.execute(
            f"CREATE INDEX items_{column}_trgm ON items USING gin ({column} {where}.gin_trgm_ops)"
        )
        db.db.execute(
            f"CREATE INDEX items_{column}_folded_trgm ON items "
            f"USING gin ((folded->>'{column}') {where}.gin_trgm_ops)"
        )


def _m0009_damage(db: Migration) -> None:
    """What is wrong with a file (`damage`, a JSON array of reasons), and what `shelf
    verify` found when it decoded a file, with the fingerprint of the file it decoded.

    A verification whose (size, mtime_ns, dev, ino) no longer equals its item's is
    stale: the file is verified again.
    """
    _run_script(
        db,
        """
ALTER TABLE items ADD COLUMN damage TEXT;
CREATE INDEX items_damage ON items(damage) WHERE damage IS NOT NULL;
CREATE TABLE verifications (
    item_id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    verified_ns INTEGER NOT NULL,
    damage TEXT,             -- JSON array of reasons; NULL when the file decoded cleanly
    message TEXT             -- what the decoder said, for `shelf info`
);
""",
    )


#: (name, function) in application order.  Append only.
MIGRATIONS: tuple[tuple[str, Callable[[Migration], None]], ...] = (
    ("0001_initial", _m0001_initial),
    ("0002_failed_items_index", _m0002_failed_items_index),
    ("0003_visual_fields", _m0003_visual_fields),
    ("0004_journal", _m0004_journal),
    ("0005_hashes", _m0005_hashes),
    ("0006_postgresql", _m0006_postgresql),
    ("0007_roots", _m0007_roots),
    ("0008_trigrams", _m0008_trigrams),
    ("0009_damage", _m0009_damage),
)
#: the advisory lock under which a PostgreSQL catalog is migrated
_PG_MIGRATION_LOCK: Final = 0x5E1F_0000


class NewerCatalog(Exception):
    """The catalog has migrations this program does not know (a newer mediashelf wrote it)."""


def _applied(db: Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM migrations")}


def migrate(db: Connection, dialect: Dialect) -> list[str]:
    """Apply every migration not yet recorded, rendered by the engine's `dialect`;
    return the names applied.

    Raises NewerCatalog when the catalog records a migration this program lacks.
    """
    m = Migration(db, dialect)
    pg = dialect.name == "postgresql"
    if pg:
        found = db.execute("SELECT to_regclass('migrations') IS NOT NULL").fetchone()[0]
        if not found:
            db.execute("BEGIN")
            db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_MIGRATION_LOCK,))
            m.execute(
                "CREATE TABLE IF NOT EXISTS migrations "
                "(name TEXT PRIMARY KEY, applied_ns INTEGER NOT NULL)"
            )
            db.execute("COMMIT")
    else:
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_ns INTEGER NOT NULL)"
        )
    done = _applied(db)
    unknown = done - {name for name, _ in MIGRATIONS}
    if unknown:
        raise NewerCatalog(
            f"the catalog was written by a newer mediashelf (schema {max(unknown)}); "
            "upgrade mediashelf to use it"
        )
    applied: list[str] = []
    for name, func in MIGRATIONS:
        if name in done:
            continue
        db.execute(dialect.begin)
        try:
            if pg:  # one process migrates; the others wait, then find it done
                db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_MIGRATION_LOCK,))
            # re-check inside the write lock: another process may have just migrated
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                db.execute("ROLLBACK")
                continue
            func(m)
            db.execute(
                "INSERT INTO migrations (name, applied_ns) VALUES (?, ?)", (name, time.time_ns())
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied

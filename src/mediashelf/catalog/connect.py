"""Opening the catalog: location, pragmas, migrations, transactions and the writer lease.

`Catalog` is one API over both engines: SQLite (this class) and PostgreSQL
(`postgres.PostgresCatalog`, a subclass).  The catalog modules run their statements
on `catalog.db` with `?` placeholders, one copy of each statement where the SQL is
the same, and ask `catalog.dialect` for the parts that differ; bulk writes go through
`bulk_upsert` and `bulk_update`, which each engine does its fastest way.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from mediashelf.catalog.dialect import REGEX_BUDGET, Compiled, Dialect, Rendered, SQLiteDialect
from mediashelf.catalog.schema import NewerCatalog, migrate
from mediashelf.errors import CatalogBusy, CatalogError


class Cursor(Protocol):
    """What the catalog modules use of a cursor (sqlite3's and psycopg's alike)."""

    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection that runs statements written with `?` placeholders."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Any: ...
    def close(self) -> None: ...


#: descriptors of writer leases this process holds (see `drop_inherited_locks`)
_HELD_LOCKS: set[int] = set()


def drop_inherited_locks() -> None:
    """In a forked child: close the parent's lock files.

    An `flock` belongs to the open file, which a forked child shares; a child that
    kept it open would keep the catalog locked after its parent had died.
    """
    for fd in _HELD_LOCKS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


class Catalog:
    """One connection to the catalog.  Autocommit mode; `atomic()` opens transactions.

    `atomic()` nests: the outermost call is a transaction (`BEGIN IMMEDIATE` on
    SQLite), inner calls are savepoints, as in sqlite-utils.
    """

    def __init__(self, path: Path | None, db: Connection, dialect: Dialect | None = None) -> None:
        self.path = path  # the SQLite file (None on a server)
        self.db: Connection = db
        self._depth = 0
        self._lock_fd: int | None = None
        self.dialect: Dialect = SQLiteDialect() if dialect is None else dialect
        self._id_floor: dict[str, int] = {}  # the last id handed out by new_ids

    @property
    def name(self) -> str:
        """The catalog as messages show it (never with a password)."""
        return str(self.path)

    @property
    def server(self) -> bool:
        """True on a database server (several machines may use the catalog at once)."""
        return False

    @property
    def path_limit(self) -> int | None:
        """The longest path (bytes) the catalog can index, or None for no limit."""
        return None

    def begin(self) -> None:
        """Start a transaction (the single writer's: see writer.py)."""
        self.db.execute(self.dialect.begin)

    def bulk_upsert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        conflict: str,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """Insert rows, updating the row that has the same `conflict` key instead (but
        its `keep` columns); inside the caller's transaction."""
        if rows:
            self.db.executemany(_upsert_sql(table, columns, conflict, keep), rows)

    def bulk_update(
        self, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """`UPDATE table SET columns WHERE key = …` for rows of (*columns, key)."""
        if rows:
            sets = ", ".join(f"{c} = ?" for c in columns)
            self.db.executemany(f"UPDATE {table} SET {sets} WHERE {key} = ?", rows)

    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows (inside the caller's transaction)."""
        if rows:
            marks = ", ".join("?" * len(columns))
            self.db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def new_ids(self, table: str, n: int) -> list[int]:
        """`n` ids for new rows of `table` that no other row takes (the caller holds
        the writer lease, and inserts them before it commits)."""
        top = self.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        start = max(int(top), self._id_floor.get(table, 0)) + 1
        self._id_floor[table] = start + n - 1
        return list(range(start, start + n))

    def ids_in(self, column: str, ids: Iterable[int]) -> tuple[str, Any]:
        """`column` is one of `ids`: (SQL with one placeholder, its parameter)."""
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(ids))

    def pairs_in(self, a: str, b: str, pairs: Sequence[tuple[Any, Any]]) -> tuple[str, list[Any]]:
        """(`a`, `b`) is one of `pairs`: (SQL, its parameters), one statement for all."""
        marks = ", ".join(["(?, ?)"] * len(pairs))
        return f"({a}, {b}) IN (VALUES {marks})", [v for pair in pairs for v in pair]

    @contextlib.contextmanager
    def querying(
        self, compiled: Compiled, *, regex_budget: float = REGEX_BUDGET
    ) -> Iterator[Rendered]:
        """A compiled query rendered for this catalog, for the statements run inside.

        The functions it calls are in place meanwhile, and their own errors (a regular
        expression over its time budget) come out as QueryError.
        """
        compiled = self.catalog_paths(compiled)
        with self.dialect.querying(self.db, regex_budget=regex_budget):
            yield self.dialect.render(compiled)

    def catalog_paths(self, compiled: Compiled) -> Compiled:
        """The query with the paths it names as the catalog stores them (a host that
        mounts a volume elsewhere than the catalog's path for it: see roots.Mounts)."""
        from mediashelf.catalog.roots import mounts
        from mediashelf.catalog.tree import map_paths

        here = mounts(self)
        return compiled if here.identity else map_paths(compiled, here.canon)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Connection]:
        depth = self._depth
        name = f"sp{depth}"
        self.db.execute(self.dialect.begin if depth == 0 else f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.db
        except BaseException:
            self._depth -= 1
            if depth == 0:
                self.db.execute("ROLLBACK")
            else:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
            raise
        self._depth -= 1
        self.db.execute("COMMIT" if depth == 0 else f"RELEASE {name}")

    def acquire_lease(
        self, wait: float = 0.0, command: str = "shelf", keys: Sequence[int] = ()
    ) -> None:
        """Take the catalog's writer lease: one command at a time changes the catalog.

        `keys` name the roots a scan changes; a server catalog lets scans of different
        roots run at once (see postgres.py), a SQLite file has one writer at a time.

        Scan, organize, undo, recover, dupes --apply and prune hold it; readers never
        need it.  It is an `flock` on `<db>.lock`, which the kernel drops when the
        process dies, even by SIGKILL, so a crashed command never leaves a stale lease.
        The file names the holder (pid and command) for the message of the next one.
        """
        assert self.path is not None, "a server catalog has its own lease"
        lock_path = str(self.path) + ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise CatalogError(f"cannot lock catalog {self.path}: {e.strerror}") from e
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 512, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    pid, _, what = holder.partition(" ")
                    raise CatalogBusy(
                        f"another shelf command (pid {pid}{': ' + what if what else ''}) "
                        f"is changing the catalog {self.path}; "
                        "wait for it to finish or pass --wait SECONDS"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command[:400]}".encode(errors="replace"), 0)
        self._lock_fd = fd
        _HELD_LOCKS.add(fd)

    def release_lease(self) -> None:
        if self._lock_fd is not None:
            _HELD_LOCKS.discard(self._lock_fd)
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    def limit_cache(self, megabytes: int) -> None:
        """Keep at most `megabytes` of pages cached by this connection (a server keeps
        several open; the operating system's page cache is shared by all of them)."""
        self.db.execute(f"PRAGMA cache_size=-{int(megabytes) * 1000}")

    def set_durable(self) -> None:
        """Every commit reaches the disk before it returns (for the journal)."""
        self.db.execute("PRAGMA synchronous=FULL")

    def tune_for_scan(self, wal_pages: int) -> None:
        """A scan is about to write: checkpoint the WAL every `wal_pages` pages (see
        `writer.SCAN_AUTOCHECKPOINT`)."""
        self.db.execute(f"PRAGMA wal_autocheckpoint={int(wal_pages)}")

    def close(self) -> None:
        self.release_lease()
        self.db.close()


def _upsert_sql(table: str, columns: Sequence[str], conflict: str, keep: frozenset[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keep and c != conflict)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT({conflict}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")
    )


def open_sqlite(path: Path, *, create: bool = True) -> Catalog:
    """Open (and create and migrate, if needed) the SQLite catalog at `path`; see
    `catalog.open_catalog`."""
    if not path.exists():
        if not create:
            raise CatalogError(f"no catalog at {path}: run `shelf scan PATH` first (or pass --db)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CatalogError(f"cannot create catalog folder {path.parent}: {e.strerror}") from e
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute("PRAGMA cache_size=-16000")  # 16 MB page cache keeps peak RSS low
        db.execute("PRAGMA busy_timeout=30000")
        migrate(db, SQLiteDialect())
    except sqlite3.DatabaseError as e:
        raise CatalogError(f"cannot open catalog {path}: {e}") from e
    except NewerCatalog as e:
        db.close()
        raise CatalogError(f"cannot open catalog {path}: {e}") from None
    return Catalog(path, db)

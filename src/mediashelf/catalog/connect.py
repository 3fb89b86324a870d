"""Opening the catalog: location, pragmas, migrations, transactions and the writer lease."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from mediashelf.catalog.dialect import REGEX_BUDGET, Compiled, Rendered, SQLiteDialect
from mediashelf.catalog.schema import migrate
from mediashelf.errors import CatalogBusy, CatalogError

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

    `atomic()` nests: the outermost call is a `BEGIN IMMEDIATE` transaction, inner
    calls are savepoints, as in sqlite-utils.
    """

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self.db = db
        self._depth = 0
        self._lock_fd: int | None = None
        self.dialect = SQLiteDialect()

    @contextlib.contextmanager
    def querying(
        self, compiled: Compiled, *, regex_budget: float = REGEX_BUDGET
    ) -> Iterator[Rendered]:
        """A compiled query rendered for this catalog, for the statements run inside.

        The functions it calls are in place meanwhile, and their own errors (a regular
        expression over its time budget) come out as QueryError.
        """
        with self.dialect.querying(self.db, regex_budget=regex_budget):
            yield self.dialect.render(compiled)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        depth = self._depth
        name = f"sp{depth}"
        self.db.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
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

    def acquire_lease(self, wait: float = 0.0, command: str = "shelf") -> None:
        """Take the catalog's writer lease: one command at a time changes the catalog.

        Scan, organize, undo, recover, dupes --apply and prune hold it; readers never
        need it.  It is an `flock` on `<db>.lock`, which the kernel drops when the
        process dies, even by SIGKILL, so a crashed command never leaves a stale lease.
        The file names the holder (pid and command) for the message of the next one.
        """
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

    def close(self) -> None:
        self.release_lease()
        self.db.close()


def open_catalog(path: Path, *, create: bool = True) -> Catalog:
    """Open (and create and migrate, if needed) the catalog at `path`.

    With `create=False` a missing catalog is an error rather than a new empty file
    (read-only commands should not litter).
    """
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
        migrate(db)
    except sqlite3.DatabaseError as e:
        raise CatalogError(f"cannot open catalog {path}: {e}") from e
    return Catalog(path, db)

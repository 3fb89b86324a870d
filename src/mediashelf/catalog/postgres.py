"""A catalog on a PostgreSQL server, through psycopg 3.

`open_postgres(url)` connects with libpq (which reads PGPASSWORD, PGPASSFILE,
service files and `sslmode` itself), migrates the schema, and returns a
`PostgresCatalog`: the `Catalog` API of connect.py over a `PgConnection`, which runs
the catalog modules' statements as they are written (`?` placeholders become
psycopg's `%s`).  Bulk writes stream rows with `COPY` into a temporary staging table
and merge them with one statement per batch.

The writer lease is a session-level advisory lock held on a connection of its own:
the server drops it when the process or its connection dies, like the `flock` of a
SQLite catalog.  Scans take it shared for the whole catalog and exclusive for each
of their roots, so agents on several machines scan different roots at once; the
commands that move files take it exclusive for the whole catalog.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import psycopg
from psycopg.adapt import Loader

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import REGEX_BUDGET, Compiled, Rendered
from mediashelf.catalog.pgdialect import PostgresDialect
from mediashelf.catalog.schema import NewerCatalog, migrate
from mediashelf.dburl import masked, scrub
from mediashelf.errors import CatalogBusy, CatalogError

#: advisory lock keys: the whole catalog; a root's key is derived from its identity
CATALOG_LOCK: Final = 0x5E1F_0001
#: `--db VALUE` in a command line (left out of the lease's name: the catalog is known)
_DB_OPTION: Final = re.compile(r" --db(?:=| )\S+")
#: the types of the columns looked up in pairs (see PostgresCatalog.pairs_in)
_PAIR_TYPES: Final = {"dev": "bigint", "ino": "bigint", "size": "bigint", "quick_hash": "bytea"}
#: the longest path a server catalog takes (see PostgresCatalog.path_limit)
PATH_LIMIT: Final = 2600
#: how long one connection attempt may take
CONNECT_TIMEOUT: Final = 10


@functools.lru_cache(maxsize=512)
def pg_sql(sql: str, has_params: bool) -> str:
    """A statement written with `?` placeholders in psycopg's style (`%s`, `%%`).

    `?` inside quotes is left alone; `%` is doubled only when parameters are passed
    (psycopg reads `%` as a placeholder only then).
    """
    if not has_params:
        return sql
    out = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


class _NumericLoader(Loader):
    """`numeric` (what `sum()` of bigints returns) as int, or float with a fraction."""

    def load(self, data: Any) -> int | float:
        text = bytes(data)
        if b"." in text or b"e" in text.lower() or b"N" in text:
            return float(text)
        return int(text)


class _JsonTextLoader(Loader):
    """JSON and JSONB as their text, which the catalog modules parse as they do SQLite's."""

    def load(self, data: Any) -> str:
        return bytes(data).decode("utf-8")


#: a JSON escape of U+0000 (after an even number of backslashes: not an escaped `\u`)
_JSON_NUL: Final = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _strip_nul(value: Any) -> Any:
    """PostgreSQL text (and JSONB) cannot hold U+0000: it is dropped, as the readers drop
    it from tag values; JSON text of tags (a frame's description may hold it) loses its
    escaped U+0000 the same way."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        if "\\u0000" in value:
            value = _JSON_NUL.sub(r"\1", value)
    return value


class PgConnection:
    """A psycopg connection that runs statements written for the catalog (`?` style)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = ()) -> psycopg.Cursor[Any]:
        params = [_strip_nul(p) for p in parameters] if parameters else None
        return self.conn.execute(pg_sql(sql, params is not None), params)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> None:
        rows = [[_strip_nul(p) for p in row] for row in seq_of_parameters]
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql, True), rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with (
            self.conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([_strip_nul(v) for v in row])

    def close(self) -> None:
        self.conn.close()


def _connect(url: str, application_name: str = "shelf") -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=application_name[:63],
        )
    except psycopg.Error as e:
        raise CatalogError(
            f"cannot connect to the catalog {masked(url)}: {_reason(e, url)}"
        ) from None
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.adapters.register_loader("jsonb", _JsonTextLoader)
    conn.adapters.register_loader("json", _JsonTextLoader)
    return conn


def _reason(e: BaseException, url: str) -> str:
    """A driver's message on one line, without a password."""
    text = " ".join(str(e).split())
    return scrub(text, url) or type(e).__name__


def _holder() -> str:
    """This process as the lease's session names it (the server shows it to the next)."""
    from mediashelf.catalog.roots import this_host

    return f"pid {os.getpid()} on {this_host()}"


class PostgresCatalog(Catalog):
    """The catalog API on PostgreSQL (see connect.Catalog)."""

    def __init__(self, url: str, db: PgConnection) -> None:
        super().__init__(None, db, PostgresDialect())
        self.url = url
        self.pg = db
        self._lease: psycopg.Connection[Any] | None = None
        self._staged: set[str] = set()

    @property
    def name(self) -> str:
        return masked(self.url)

    @property
    def server(self) -> bool:
        return True

    @property
    def path_limit(self) -> int | None:
        # a B-tree entry holds ~2,700 bytes (a third of a page); an uncompressible path
        # longer than that cannot be in the unique index of paths
        return PATH_LIMIT

    # -- queries ----------------------------------------------------------------------

    @contextlib.contextmanager
    def querying(
        self, compiled: Compiled, *, regex_budget: float = REGEX_BUDGET
    ) -> Iterator[Rendered]:
        """A compiled query rendered; one with regular expressions runs under a time limit."""
        rendered = self.dialect.render(self.catalog_paths(compiled))
        if not compiled.uses_regex:
            yield rendered
            return
        with self.dialect.querying(self.db, regex_budget=regex_budget):
            yield rendered

    def ids_in(self, column: str, ids: Iterable[int]) -> tuple[str, Any]:
        return f"{column} = ANY(?)", list(ids)

    def pairs_in(self, a: str, b: str, pairs: Sequence[tuple[Any, Any]]) -> tuple[str, list[Any]]:
        """Two arrays, unnested: the planner looks each pair up in the index of (a, b),
        where a `VALUES` list of a few hundred pairs makes it hash them and scan the
        whole table (EXPLAIN on 50,000 rows; the scans timed at 100k barely changed)."""
        ta, tb = _PAIR_TYPES.get(a), _PAIR_TYPES.get(b)
        if ta is None or tb is None:
            return super().pairs_in(a, b, pairs)
        sql = f"({a}, {b}) IN (SELECT * FROM unnest(CAST(? AS {ta}[]), CAST(? AS {tb}[])))"
        return sql, [[x for x, _ in pairs], [y for _, y in pairs]]

    def new_ids(self, table: str, n: int) -> list[int]:
        """From the table's identity sequence: other agents' rows never take them."""
        rows = self.db.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)",
            (n,),
        )
        return [int(r[0]) for r in rows]

    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """COPY straight into the table."""
        if rows:
            self.pg.copy_rows(table, columns, rows)

    # -- bulk writes ------------------------------------------------------------------

    def _stage(self, table: str, columns: Sequence[str]) -> str:
        """A temporary table with `columns` of `table` (made once per connection)."""
        name = f"stage_{table}_{len(columns)}"
        if name not in self._staged:
            self.db.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {name} AS "
                f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            self._staged.add(name)
        return name

    def bulk_upsert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        conflict: str,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """COPY into a staging table, then one `INSERT … SELECT … ON CONFLICT DO UPDATE`."""
        if not rows:
            return
        stage = self._stage(table, columns)
        self.pg.copy_rows(stage, columns, rows)
        cols = ", ".join(columns)
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in columns if c not in keep and c != conflict
        )
        action = f"UPDATE SET {updates}" if updates else "NOTHING"
        # a key twice in one batch: the last row wins (ON CONFLICT may touch a row once)
        self.db.execute(
            f"INSERT INTO {table} ({cols}) SELECT DISTINCT ON ({conflict}) {cols} FROM "
            f"(SELECT *, row_number() OVER () AS n FROM {stage}) s ORDER BY {conflict}, n DESC "
            f"ON CONFLICT ({conflict}) DO {action}"
        )
        self.db.execute(f"DELETE FROM {stage}")  # (TRUNCATE makes a new file each time)

    def bulk_update(
        self, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """COPY the new values into a staging table, then one `UPDATE … FROM`."""
        if not rows:
            return
        stage = self._stage(table, [*columns, key])
        self.pg.copy_rows(stage, [*columns, key], rows)
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        self.db.execute(f"UPDATE {table} t SET {sets} FROM {stage} s WHERE t.{key} = s.{key}")
        self.db.execute(f"DELETE FROM {stage}")

    # -- the writer lease ---------------------------------------------------------------

    def acquire_lease(
        self, wait: float = 0.0, command: str = "shelf", keys: Sequence[int] = ()
    ) -> None:
        """Take the writer lease: the whole catalog (no `keys`), or, for a scan, the
        catalog shared and each root's key exclusive.  Waits up to `wait` seconds."""
        if self._lease is None:
            # the server shows this to the next command (63 bytes): the catalog is known
            short = _DB_OPTION.sub("", command)
            self._lease = _connect(self.url, f"shelf lease: {_holder()}: {short}")
        lease = self._lease
        deadline = time.monotonic() + wait
        wanted = [(CATALOG_LOCK, not keys)] + [(k, True) for k in keys]
        taken: list[tuple[int, bool]] = []
        try:
            for key, exclusive in wanted:
                fn = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
                while not lease.execute(f"SELECT {fn}(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
                    if time.monotonic() >= deadline:
                        raise CatalogBusy(
                            f"another shelf command ({self._holders(key)}) is changing "
                            f"{'this root of ' if key != CATALOG_LOCK else ''}the catalog "
                            f"{self.name}; wait for it to finish or pass --wait SECONDS"
                        )
                    time.sleep(0.1)
                taken.append((key, exclusive))
        except BaseException:
            self.release_lease()
            raise

    def _holders(self, key: int) -> str:
        """Who holds the advisory lock `key`, from the server's view of its sessions."""
        assert self._lease is not None
        rows = self._lease.execute(
            "SELECT a.application_name, a.client_addr::text FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND (l.classid::bigint << 32 | l.objid::bigint) = %s "
            "AND a.pid != pg_backend_pid()",
            (key,),
        ).fetchall()
        names = sorted({(r[0] or "?").removeprefix("shelf lease: ") for r in rows})
        return "; ".join(n[:200] for n in names) or "?"

    def release_lease(self) -> None:
        if self._lease is not None:
            with contextlib.suppress(psycopg.Error):
                self._lease.close()  # the session's advisory locks go with it
            self._lease = None

    def set_durable(self) -> None:
        """Every commit waits for the server's disk (the journal's promise)."""
        self.db.execute("SET synchronous_commit = on")

    def limit_cache(self, megabytes: int) -> None:
        """The server's page cache is shared by every connection: nothing to limit here."""

    def tune_for_scan(self, wal_pages: int) -> None:
        """The server checkpoints on its own schedule: nothing to tune per session."""

    def close(self) -> None:
        self.release_lease()
        with contextlib.suppress(psycopg.Error):
            self.db.close()


def open_postgres(url: str, *, create: bool = True) -> PostgresCatalog:
    """Connect to the catalog at `url` and bring its schema up to date.

    With `create=False`, a database without a catalog is an error (read-only commands
    do not create one).
    """
    conn = _connect(url)
    db = PgConnection(conn)
    try:
        if not create:
            found = conn.execute("SELECT to_regclass('migrations') IS NOT NULL").fetchone()
            if not found or not found[0]:
                raise CatalogError(
                    f"no catalog in {masked(url)}: run `shelf scan PATH` first (or pass --db)"
                )
        migrate(db, PostgresDialect())
    except psycopg.Error as e:
        conn.close()
        raise CatalogError(f"cannot open catalog {masked(url)}: {_reason(e, url)}") from None
    except NewerCatalog as e:
        conn.close()
        raise CatalogError(f"cannot open catalog {masked(url)}: {e}") from None
    except BaseException:
        conn.close()
        raise
    return PostgresCatalog(url, db)

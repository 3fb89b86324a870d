"""Moving a whole catalog between engines: `shelf catalog copy SRC DST`.

Every table is copied with its ids (items, dates added, failures, hashes, scans, roots
and the journal), then verified: the destination must have the same number of rows
and the same checksum per table as the source had.  The source is read from one
snapshot, so a scan running meanwhile does not tear the copy; the destination is
written under its writer lease, in one transaction, so a failed copy leaves it as it
was.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog import transfer as t
from mediashelf.errors import CatalogError, ConfigError
from mediashelf.events import Sink


class TableCopy(NamedTuple):
    table: str
    rows: int
    checksum: str


class CopyResult(NamedTuple):
    source: str
    destination: str
    tables: list[TableCopy]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def copy_catalog(
    source: Path | str, destination: Path | str, *, force: bool, sink: Sink, command: str
) -> CopyResult:
    """Copy the catalog at `source` into the one at `destination` (created if need be).

    Refuses (ConfigError) a destination that holds rows, unless `force`: then they
    are replaced.  Raises CatalogError if the copy does not verify (then the
    destination is left as it was).
    """
    src = open_catalog(source, create=False)
    try:
        dst = open_catalog(destination, create=True)
        try:
            if src.name == dst.name:
                raise ConfigError("the source and the destination are the same catalog")
            dst.acquire_lease(command=command)
            return _copy(src, dst, force, sink)
        finally:
            dst.close()
    finally:
        src.close()


def _copy(src: Catalog, dst: Catalog, force: bool, sink: Sink) -> CopyResult:
    if not t.is_empty(dst) and not force:
        raise ConfigError(
            f"the destination {dst.name} already holds a catalog; "
            "pass --force to replace everything in it"
        )
    done: list[TableCopy] = []
    with t.snapshot(src):
        plan = [(table, key, t.columns(src, table), t.count(src, table)) for table, key in t.TABLES]
        sink.found(sum(n for *_, n in plan), 0)
        with dst.atomic():  # verified before it commits: a bad copy leaves nothing
            t.clear(dst)
            for table, key, cols, _ in plan:
                for rows in t.batches(src, table, key, cols):
                    dst.bulk_insert(table, cols, rows)
                    sink.done(len(rows))
                t.after_copy(dst, table)
            for table, key, cols, n in plan:
                expected = t.checksum(src, table, key, cols)
                copied, digest = t.count(dst, table), t.checksum(dst, table, key, cols)
                if copied != n or digest != expected:
                    raise CatalogError(
                        f"the copy of table {table} does not match its source ({copied:,} rows "
                        f"against {n:,}, checksum {digest[:12]} against {expected[:12]}); "
                        "nothing was copied"
                    )
                done.append(TableCopy(table, n, expected))
    sink.close()
    return CopyResult(src.name, dst.name, done)

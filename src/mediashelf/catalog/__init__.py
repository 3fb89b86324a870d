"""The catalog: the only package that speaks SQL.  Connection, schema, typed queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mediashelf.catalog.connect import Catalog, open_sqlite

__all__ = ["Catalog", "driver_error", "open_catalog"]


def driver_error(exc: BaseException, url: str | None = None) -> str | None:
    """The message of a database driver's own exception that escaped the catalog, else
    None; on one line, without the password of the catalog's `url`."""
    if isinstance(exc, sqlite3.Error):
        return str(exc)
    if type(exc).__module__.startswith("psycopg"):  # (not imported to ask: start-up time)
        from mediashelf.dburl import scrub

        text = " ".join(str(exc).split()) or type(exc).__name__
        return scrub(text, url) if url else text
    return None


def open_catalog(target: Path | str, *, create: bool = True) -> Catalog:
    """Open (and create and migrate, if needed) the catalog at `target`: a SQLite
    file, or a PostgreSQL server's `postgresql://` URI (see dburl.py).

    With `create=False` a missing catalog is an error rather than a new empty file
    (read-only commands should not litter).
    """
    if isinstance(target, str):
        from mediashelf.dburl import is_server

        if is_server(target):
            from mediashelf.catalog.postgres import open_postgres

            return open_postgres(target, create=create)
        target = Path(target)
    return open_sqlite(target, create=create)

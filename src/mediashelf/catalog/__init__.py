"""The catalog: the only package that speaks SQL.  Connection, schema, typed queries."""

from __future__ import annotations

import sqlite3

from mediashelf.catalog.connect import Catalog, default_db_path, open_catalog

__all__ = ["Catalog", "default_db_path", "driver_error", "open_catalog"]


def driver_error(exc: BaseException, url: str | None = None) -> str | None:
    """The message of a database driver's own exception that escaped the catalog, else
    None; on one line, without the password of the catalog's `url`."""
    if isinstance(exc, sqlite3.Error):
        return str(exc)
    if type(exc).__module__.startswith("psycopg"):  # (not imported to ask: start-up time)
        from mediashelf.catalog.location import scrub

        text = " ".join(str(exc).split()) or type(exc).__name__
        return scrub(text, url) if url else text
    return None

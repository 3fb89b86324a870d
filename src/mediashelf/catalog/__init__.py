"""The catalog: the only package that speaks SQL.  Connection, schema, typed queries."""

from __future__ import annotations

import sqlite3

from mediashelf.catalog.connect import Catalog, open_catalog

__all__ = ["Catalog", "driver_error", "open_catalog"]


def driver_error(exc: BaseException) -> str | None:
    """The message of a database driver's own exception that escaped the catalog, else None."""
    if isinstance(exc, sqlite3.Error):
        return str(exc)
    return None

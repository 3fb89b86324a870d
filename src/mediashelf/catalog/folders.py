"""Folder rows: every catalogued file points at the row of the folder it is in."""

from __future__ import annotations

import sqlite3


def folder_row(db: sqlite3.Connection, path: bytes) -> int:
    """The id of a folder's row, added if the catalog has none (inside a transaction)."""
    row = db.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()
    if row is not None:
        return int(row[0])
    return int(db.execute("INSERT INTO folders (path) VALUES (?)", (path,)).lastrowid or 0)

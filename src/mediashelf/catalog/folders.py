"""Folder rows: every catalogued file points at the row of the folder it is in.

A folder's row also keeps the signature of its listing as last scanned (a digest of
its files' names, sizes, mtimes and inodes), so a rescan skips an unchanged folder
without loading its items.
"""

from __future__ import annotations

from mediashelf.catalog.connect import Catalog, Connection

#: a catalogued folder: (row id, signature of its last complete listing, or None)
FolderEntry = tuple[int, bytes | None]


def folder_row(db: Connection, path: bytes) -> int:
    """The id of a folder's row, added if the catalog has none (inside a transaction)."""
    row = db.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()
    if row is not None:
        return int(row[0])
    return int(
        db.execute("INSERT INTO folders (path) VALUES (?) RETURNING id", (path,)).fetchone()[0]
    )


def folders_under(catalog: Catalog, roots: list[bytes]) -> dict[bytes, FolderEntry]:
    """Every catalogued folder at or below one of `roots`, by path."""
    out: dict[bytes, FolderEntry] = {}
    for root in roots:
        base = root.rstrip(b"/")
        cur = catalog.db.execute(
            "SELECT path, id, signature FROM folders WHERE path = ? OR (path >= ? AND path < ?)",
            (base or b"/", base + b"/", base + b"0"),
        )
        for path, fid, sig in cur:
            out[path] = (fid, sig)
    return out

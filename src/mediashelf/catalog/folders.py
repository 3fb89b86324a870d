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


def subfolder_counts(catalog: Catalog, parent: bytes) -> dict[bytes, int]:
    """The folders below `parent` that hold present files, each with its number of
    present files (not those of its own subfolders)."""
    base = parent.rstrip(b"/")
    cur = catalog.db.execute(
        "SELECT f.path, count(*) FROM folders f JOIN items i ON i.folder_id = f.id "
        "WHERE i.missing = 0 AND f.path >= ? AND f.path < ? GROUP BY f.id",
        (base + b"/", base + b"0"),
    )
    return {bytes(path): int(n) for path, n in cur}


def folder_items(
    catalog: Catalog, folder: bytes, *, limit: int, offset: int = 0
) -> tuple[list[dict[str, object]], int]:
    """The present files right in `folder` (not in its subfolders) as whole rows, by
    path, one page of them; and how many there are."""
    row = catalog.db.execute("SELECT id FROM folders WHERE path = ?", (folder,)).fetchone()
    if row is None:
        return [], 0
    total = catalog.db.execute(
        "SELECT count(*) FROM items WHERE folder_id = ? AND missing = 0", (row[0],)
    ).fetchone()[0]
    cur = catalog.db.execute(
        "SELECT * FROM items WHERE folder_id = ? AND missing = 0 ORDER BY path LIMIT ? OFFSET ?",
        (row[0], max(0, int(limit)), max(0, int(offset))),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, values, strict=True)) for values in cur], int(total)


def folder_images(catalog: Catalog, folder_id: int) -> list[tuple[int, bytes, int, int]]:
    """(id, path, size, mtime_ns) of the present images right in folder `folder_id`."""
    cur = catalog.db.execute(
        "SELECT id, path, size, mtime_ns FROM items "
        "WHERE folder_id = ? AND kind = 'image' AND missing = 0 ORDER BY path",
        (folder_id,),
    )
    return [(int(i), bytes(p), int(s), int(m)) for i, p, s, m in cur]

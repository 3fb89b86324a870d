"""Move detection: a new file that is an old row at a new path.

Two ways to know a file moved: its inode (a rename keeps it, and its size and
mtime with it), or its content (a copy then a delete, or a move across file
systems: the same size and quick hash).  Either way the old row keeps its identity
(id, date added) only if its old path no longer holds that file; otherwise the new
file is a copy, and a new row.
"""

from __future__ import annotations

import os
from typing import Any

from mediashelf.catalog.rows import PATH, QUICK_HASH, SIZE
from mediashelf.catalog.writer import ItemRow, Writer
from mediashelf.model import FileStat


def same_content_fingerprint(row: ItemRow, fs: FileStat) -> bool:
    return row.size == fs.size and row.mtime_ns == fs.mtime_ns


def path_gone(row: ItemRow) -> bool:
    """True when a catalogued path no longer holds that row's file (so the row may move)."""
    if row.missing:
        return True
    try:
        st = os.lstat(row.path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return (st.st_dev, st.st_ino) != (row.dev, row.ino)


def moved_by_inode(writer: Writer, fs: FileStat) -> ItemRow | None:
    """The row a listed file was renamed from: same inode, size and mtime, old path gone."""
    for row in writer.by_inode(fs):
        if same_content_fingerprint(row, fs) and path_gone(row):
            return row
    return None


def moved_by_content(writer: Writer, row: tuple[Any, ...]) -> ItemRow | None:
    """The row a newly read file was moved from: same size and quick hash, old path gone."""
    for candidate in writer.by_content(row[SIZE], row[QUICK_HASH], row[PATH]):
        if path_gone(candidate):
            return candidate
    return None

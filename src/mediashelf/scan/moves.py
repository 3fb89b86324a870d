"""Move detection: a new file that is an old row at a new path.

Two ways to know a file moved: its inode (a rename keeps it, and its size and
mtime with it), or its content (a copy then a delete, or a move across file
systems: the same size and quick hash).  Either way the old row keeps its identity
(id, date added) only if its old path no longer holds that file; otherwise the new
file is a copy, and a new row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from mediashelf.catalog.rows import PATH
from mediashelf.catalog.writer import ItemRow
from mediashelf.model import FileStat


def same_content_fingerprint(row: ItemRow, fs: FileStat) -> bool:
    return row.size == fs.size and row.mtime_ns == fs.mtime_ns


def _same(path: bytes) -> bytes:
    return path


def path_gone(row: ItemRow, local: Callable[[bytes], bytes] = _same) -> bool:
    """True when a catalogued path (`local`: as this host sees it) no longer holds
    that row's file (so the row may move)."""
    if row.missing:
        return True
    try:
        st = os.lstat(local(row.path))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return (st.st_dev, st.st_ino) != (row.dev, row.ino)


def moved_by_inode(
    candidates: Iterable[ItemRow],
    fs: FileStat,
    claimed: set[int],
    local: Callable[[bytes], bytes] = _same,
) -> ItemRow | None:
    """The row a listed file was renamed from, among the rows with its inode
    (`Writer.by_inodes`): same size and mtime, old path gone, not taken by another
    file of this scan (`claimed`, which it joins)."""
    for row in candidates:
        if (
            row.path != fs.path
            and row.id not in claimed
            and same_content_fingerprint(row, fs)
            and path_gone(row, local)
        ):
            claimed.add(row.id)
            return row
    return None


def moved_by_content(
    candidates: Iterable[ItemRow],
    row: tuple[Any, ...],
    claimed: set[int],
    local: Callable[[bytes], bytes] = _same,
) -> ItemRow | None:
    """The row a newly read file was moved from, among the rows with its size and quick
    hash (`Writer.by_contents`): old path gone, not taken by another file of this scan."""
    for candidate in candidates:
        if (
            candidate.path != row[PATH]
            and candidate.id not in claimed
            and path_gone(candidate, local)
        ):
            claimed.add(candidate.id)
            return candidate
    return None

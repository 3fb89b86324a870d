"""Move detection: a file found at a new path that is an old row.

Two ways to know a file moved: its inode (a rename keeps it), or its content (a
copy then delete, or a move across file systems: same size and quick hash).  Either
way the old row keeps its identity (id, date added) only if its old path no longer
holds that file.
"""

from __future__ import annotations

import os

from mediashelf.catalog.writer import ItemRow


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

"""Browsing the catalog by folder: the scanned roots, and what each folder holds.

Only the catalog is read: a folder is known by the files a scan catalogued in it, and
nothing outside the roots scans started from is ever listed.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import Row
from mediashelf.catalog.folders import folder_items, subfolder_counts
from mediashelf.catalog.organize import scan_roots


class Folder(NamedTuple):
    path: bytes
    root: bytes  # the scanned root it is in
    parent: bytes | None  # None at a root: above it is outside the catalog
    subfolders: list[tuple[bytes, int]]  # (path, present files at or below it), by name
    items: list[Row]  # one page of the present files right in it, by path
    total: int  # how many files are right in it


def roots(catalog: Catalog) -> list[bytes]:
    """The folders scans started from (a root inside another one is left out), sorted."""
    kept: list[bytes] = []
    for root in sorted(scan_roots(catalog), key=len):
        if not any(_inside(root, other) for other in kept):
            kept.append(root)
    return sorted(kept)


def _inside(path: bytes, folder: bytes) -> bool:
    base = folder.rstrip(b"/")
    return path == folder or path.startswith(base + b"/")


def trail(folder: Folder) -> list[bytes]:
    """The folders from its root down to `folder`, both included."""
    out = [folder.path]
    while out[0] != folder.root:
        out.insert(0, os.path.dirname(out[0]))
    return out


def root_of(catalog: Catalog, path: bytes) -> bytes | None:
    """The scanned root `path` lies in (or is), else None."""
    path = os.path.normpath(path)
    return next((r for r in roots(catalog) if _inside(path, r)), None)


def folder(catalog: Catalog, path: bytes, *, limit: int = 100, offset: int = 0) -> Folder | None:
    """What the catalog holds in the folder at `path`: its subfolders with their number
    of files, and a page of its own files.  None when it is not inside a scanned root."""
    path = os.path.normpath(path)
    root = root_of(catalog, path)
    if root is None:
        return None
    base = path.rstrip(b"/") + b"/"
    below: dict[bytes, int] = {}
    for sub, n in subfolder_counts(catalog, path).items():
        child = base + sub[len(base) :].split(b"/", 1)[0]
        below[child] = below.get(child, 0) + n
    items, total = folder_items(catalog, path, limit=limit, offset=offset)
    parent = None if path == root else os.path.dirname(path)
    subfolders = sorted(below.items(), key=lambda kv: (kv[0].lower(), kv[0]))
    return Folder(path, root, parent, subfolders, items, total)

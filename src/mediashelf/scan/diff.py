"""The diff stage: one folder's listing against the catalog's rows for that folder.

Pure: takes values, returns values.  The catalog reads and writes around it are
wired in `mediashelf.scan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediashelf.catalog.writer import ItemRow
from mediashelf.model import FileStat, Listing

__all__ = ["ItemRow", "ListingDiff", "diff_listing", "same_content_fingerprint"]


@dataclass(slots=True)
class ListingDiff:
    unchanged: int = 0
    #: (row id, new stat): content may have changed, re-extract
    changed: list[tuple[int, FileStat]] = field(default_factory=list)
    #: not in the catalog at this path (may still turn out to be a move)
    added: list[FileStat] = field(default_factory=list)
    #: catalogued at this path but flagged missing by an earlier scan, and back now
    restored: list[tuple[int, FileStat]] = field(default_factory=list)
    #: rows of this folder whose file is gone
    missing: list[int] = field(default_factory=list)
    #: rows whose fingerprint is unchanged but whose inode/device moved (restored from backup)
    refingerprint: list[tuple[int, FileStat]] = field(default_factory=list)


def same_content_fingerprint(row: ItemRow, fs: FileStat) -> bool:
    return row.size == fs.size and row.mtime_ns == fs.mtime_ns


def diff_listing(
    listing: Listing, rows: dict[bytes, ItemRow], *, full: bool = False
) -> ListingDiff:
    """Classify every file of `listing` against `rows` (the folder's catalogued items by path).

    For a partial listing (a single file given as a root) rows absent from the
    listing are not reported missing.
    """
    out = ListingDiff()
    seen: set[bytes] = set()
    for fs in listing.files:
        row = rows.get(fs.path)
        seen.add(fs.path)
        if row is None:
            out.added.append(fs)
        elif row.missing:
            out.restored.append((row.id, fs))
        elif full or not same_content_fingerprint(row, fs):
            out.changed.append((row.id, fs))
        elif row.ino != fs.ino or row.dev != fs.dev:
            out.unchanged += 1
            out.refingerprint.append((row.id, fs))
        else:
            out.unchanged += 1
    if listing.complete:
        out.missing = [row.id for path, row in rows.items() if path not in seen and not row.missing]
    return out

"""The diff stage: one folder's listing against the catalog's rows for that folder.

`diff_listing` is pure: it takes values and returns values.  `DiffPhase` is the
scan's diff stage around it: it settles an unchanged folder by its signature, loads
the rows of one that changed, writes what needs no reading (rows gone missing,
renames found by inode, new inode numbers) and returns the files to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from mediashelf.catalog.folders import FolderEntry
from mediashelf.catalog.writer import ItemRow, Writer
from mediashelf.model import FileStat, Listing
from mediashelf.scan.extract import Task
from mediashelf.scan.moves import moved_by_inode, same_content_fingerprint

__all__ = [
    "DiffPhase",
    "FolderChanges",
    "ItemRow",
    "ListingDiff",
    "diff_listing",
    "same_content_fingerprint",
]


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


class FolderChanges:
    """What the diff stage did with one folder, and what is left for the readers.

    (Slots, not a dataclass: every scan imports this, and a dataclass costs most of
    a millisecond to create.)
    """

    __slots__ = ("dropped", "folder_id", "missing", "moved", "signature", "tasks", "unchanged")

    def __init__(self, folder_id: int, unchanged: int, missing: list[int]) -> None:
        self.folder_id = folder_id
        self.unchanged = unchanged
        #: rows this folder no longer has (the driver marks them missing)
        self.missing = missing
        #: rows found again at a new path, by inode: (row id, old path, new path)
        self.moved: list[tuple[int, bytes, bytes]] = []
        #: rows dropped because another file's row moved onto their path
        self.dropped: list[int] = []
        #: files to read
        self.tasks: list[Task] = []
        #: the folder's signature, to record once its `tasks` are written (None: partial)
        self.signature: bytes | None = None


class DiffPhase:
    name: ClassVar[str] = "diff"

    def __init__(
        self,
        writer: Writer,
        known: dict[bytes, FolderEntry],
        *,
        full: bool,
        has_items: bool,
        local: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.writer = writer
        self.known = known
        self.full = full
        self.has_items = has_items  # an empty catalog has no rows to load or move
        self.claimed: set[int] = set()  # rows a file of this scan was found to be
        #: a catalogued path as this host sees it (another host's mount: see roots.Mounts)
        self.local = local or (lambda path: path)

    def folder(self, listing: Listing) -> FolderChanges | None:
        """What changed in one folder; None when its signature says nothing did."""
        entry = self.known.get(listing.dir)
        if (
            entry is not None
            and not self.full
            and listing.complete
            and entry[1] == listing.signature
        ):
            return None
        writer = self.writer
        fid = writer.folder_id(listing.dir)
        rows = writer.folder_rows(fid) if entry is not None or self.has_items else {}
        d = diff_listing(listing, rows, full=self.full)
        out = FolderChanges(fid, d.unchanged, d.missing)  # marked by the driver, at the end
        for row_id, fs in d.refingerprint:
            writer.refingerprint(row_id, fs)
        out.tasks = [(fs, fid, "changed") for _, fs in d.changed]
        # the rows with the inodes of this folder's new files, in one look-up
        news = [fs for _, fs in d.restored] + (d.added if self.has_items else [])
        inodes = writer.by_inodes(news) if news else {}
        for row_id, fs in d.restored:
            old = moved_by_inode(inodes.get((fs.dev, fs.ino), ()), fs, self.claimed, self.local)
            if old is not None:
                # another catalogued file was moved onto this path: it keeps its identity,
                # and the row of the file deleted from here earlier is dropped
                writer.delete(row_id)
                out.dropped.append(row_id)
                self._move(out, old, fs)
            else:
                # back at its old path: its own row again, never another file's move
                out.tasks.append((fs, fid, "restored"))
        for fs in d.added:
            old = moved_by_inode(inodes.get((fs.dev, fs.ino), ()), fs, self.claimed, self.local)
            if old is not None:
                self._move(out, old, fs)
            else:
                out.tasks.append((fs, fid, "added"))
        if listing.complete:
            if out.tasks:
                out.signature = listing.signature
            else:
                writer.set_signature(fid, listing.signature)
        return out

    def _move(self, out: FolderChanges, old: ItemRow, fs: FileStat) -> None:
        self.writer.move_path(old.id, fs, out.folder_id)
        out.moved.append((old.id, old.path, fs.path))

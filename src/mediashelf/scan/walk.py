"""The walk stage: one streaming pass of `os.scandir` over the scan roots.

Yields one `Listing` per directory (its regular files with their fingerprints and a
signature digest of them) or a `Failure` for what cannot be listed.  Nothing is
counted or sorted ahead of time; memory holds only the directory stack.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import pickle
import re
import select
import signal
import stat
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

import xxhash

from mediashelf.model import Failure, Listing, Row
from mediashelf.scan import children


def compile_excludes(
    patterns: tuple[str, ...],
) -> tuple[re.Pattern[bytes] | None, re.Pattern[bytes] | None]:
    """Glob patterns → (regex on names, regex on root-relative paths).

    A pattern without `/` matches a file or folder name anywhere (`*.tmp`, `.*`);
    one with `/` matches the path relative to the scan root (`Podcasts/*`).
    """
    names = [os.fsencode(fnmatch.translate(p)) for p in patterns if "/" not in p]
    paths = [os.fsencode(fnmatch.translate(p.strip("/"))) for p in patterns if "/" in p]
    return (
        re.compile(b"|".join(names)) if names else None,
        re.compile(b"|".join(paths)) if paths else None,
    )


def signature(rows: list[Row]) -> bytes:
    """Digest of a folder's (name, size, mtime_ns, dev, inode) rows in listing order.

    Equal digests mean every file of the folder is unchanged, so a no-op rescan never
    has to load per-file rows from the catalog.  Listing order is stable while a
    folder is unchanged; if it ever differs, the folder is simply diffed file by file.
    """
    return xxhash.xxh3_128_digest(pickle.dumps(rows, protocol=5))


#: the file that identifies a root's volume (scan.guard): never catalogued
ANCHOR = b".mediashelf-root"
_S_IFMT = 0o170000
_S_IFREG = stat.S_IFREG
_VANISHED = "disappeared while the folder was being listed"


@dataclass
class WalkStats:
    dirs: int = 0
    skipped: int = 0  # symlink loops, other filesystems, special files
    unreadable_dirs: list[bytes] = field(default_factory=list)
    incomplete: bool = False  # a parallel walker died: unseen folders are not missing

    def add(self, other: WalkStats) -> None:
        """Count in what a parallel walker saw."""
        self.dirs += other.dirs
        self.skipped += other.skipped
        self.unreadable_dirs.extend(other.unreadable_dirs)


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Folders a parallel walker found identical to the catalog (by signature)."""

    folders: list[bytes]
    files: int
    bytes: int


def renamed(
    item: Listing | Failure | Unchanged, rename: Callable[[bytes], bytes]
) -> Listing | Failure | Unchanged:
    """A walk's result with its paths renamed (as the catalog has them, where this host
    mounts a volume elsewhere: catalog.roots.Mounts)."""
    if isinstance(item, Listing):
        return dataclasses.replace(item, dir=rename(item.dir))
    if isinstance(item, Unchanged):
        return Unchanged([rename(f) for f in item.folders], item.files, item.bytes)
    return dataclasses.replace(item, path=rename(item.path))


def within_limit(listing: Listing, limit: int) -> tuple[Listing | None, list[Failure]]:
    """The listing without the files whose path is longer than `limit` bytes (what the
    catalog can index), and a failure for each of them; None for the listing when the
    folder's own path is too long."""
    base = listing.dir.rstrip(b"/") + b"/"
    keep = [r for r in listing.rows if len(base) + len(r[0]) <= limit]
    if len(keep) == len(listing.rows) and len(listing.dir) <= limit:
        return listing, []
    why = f"its path is longer than the {limit:,} bytes the catalog can index"
    failures = [
        Failure(base + r[0], "walk", "path too long", why)
        for r in listing.rows
        if len(base) + len(r[0]) > limit
    ]
    if len(listing.dir) > limit:
        return None, failures
    return dataclasses.replace(listing, rows=keep), failures


class _Lister:
    """Lists one directory at a time; shared by the sequential and the parallel walk."""

    def __init__(
        self,
        exclude: tuple[str, ...],
        follow_symlinks: bool,
        one_file_system: bool,
        stats: WalkStats,
    ) -> None:
        self.name_rx, self.path_rx = compile_excludes(exclude)
        self.follow = follow_symlinks
        self.one_fs = one_file_system
        self.stats = stats
        self.seen_dirs: set[tuple[int, int]] = set()

    def list_dir(
        self, top: bytes, prefix_len: int, root_dev: int
    ) -> tuple[Listing | None, list[Failure], list[bytes]]:
        """(listing or None if unreadable, per-entry failures, sub-folders to visit)."""
        name_rx, path_rx, follow, stats = self.name_rx, self.path_rx, self.follow, self.stats
        rows: list[Row] = []
        subdirs: list[bytes] = []
        failures: list[Failure] = []
        try:
            with os.scandir(top) as it:
                # The hot loop of a no-op rescan: one lstat per file, nothing else.
                append = rows.append
                for entry in it:
                    name = entry.name
                    if (name_rx is not None and name_rx.match(name)) or name == ANCHOR:
                        continue
                    if path_rx is not None and path_rx.match(entry.path[prefix_len:]):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=follow):
                            if follow or self.one_fs:
                                dst = entry.stat(follow_symlinks=follow)
                                if self.one_fs and dst.st_dev != root_dev:
                                    stats.skipped += 1
                                    continue
                                key = (dst.st_dev, dst.st_ino)
                                if key in self.seen_dirs:  # a symlink loop or a second way in
                                    stats.skipped += 1
                                    continue
                                self.seen_dirs.add(key)
                            subdirs.append(entry.path)
                            continue
                        s = entry.stat(follow_symlinks=follow)
                    except FileNotFoundError:
                        if entry.is_symlink():  # a dangling link, when following links
                            stats.skipped += 1
                            continue
                        failures.append(Failure(entry.path, "walk", "vanished", _VANISHED))
                        continue
                    except OSError as e:
                        failures.append(
                            Failure(entry.path, "walk", "unreadable", e.strerror or str(e))
                        )
                        continue
                    if s.st_mode & _S_IFMT != _S_IFREG:
                        stats.skipped += 1  # symlink not followed, FIFO, socket, device
                        continue
                    append((name, s.st_size, s.st_mtime_ns, s.st_dev, s.st_ino))
        except FileNotFoundError:
            stats.unreadable_dirs.append(top)
            return (
                None,
                [Failure(top, "walk", "vanished", "folder disappeared during the scan")],
                [],
            )
        except OSError as e:
            stats.unreadable_dirs.append(top)
            msg = f"cannot list folder: {e.strerror or e}"
            return None, [Failure(top, "walk", "unreadable", msg)], []
        stats.dirs += 1
        # reversed so that a depth-first walk visits sub-folders in listing order
        subdirs.reverse()
        return Listing(top, rows, signature(rows)), failures, subdirs

    def start(
        self, root: bytes, base: bytes | None = None
    ) -> tuple[Listing | Failure | None, int, int]:
        """Stat a root: (a partial listing for a file root, or a failure, or None; prefix; dev).

        Excludes with a `/` match paths relative to `base` (default: the root itself),
        so a sub-folder rescanned alone is excluded as in a scan of its whole tree."""
        try:
            st = os.stat(root)
        except OSError as e:
            kind = "vanished" if isinstance(e, FileNotFoundError) else "unreadable"
            return Failure(root, "walk", kind, e.strerror or str(e)), 0, 0
        if stat.S_ISREG(st.st_mode):
            row = (os.path.basename(root), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
            return Listing(os.path.dirname(root), [row], b"", complete=False), 0, 0
        self.seen_dirs.add((st.st_dev, st.st_ino))
        return None, len((base or root).rstrip(b"/")) + 1, st.st_dev

    def depth_first(
        self, stack: list[tuple[bytes, int, int]], shallow: bool = False
    ) -> Iterator[Listing | Failure]:
        while stack:
            top, prefix_len, dev = stack.pop()
            listing, failures, subdirs = self.list_dir(top, prefix_len, dev)
            yield from failures
            if listing is not None:
                yield listing
            if not shallow:
                stack.extend((d, prefix_len, dev) for d in subdirs)


def walk(
    roots: list[bytes],
    *,
    exclude: tuple[str, ...] = (),
    follow_symlinks: bool = False,
    one_file_system: bool = False,
    stats: WalkStats | None = None,
    shallow: Collection[bytes] = (),
    base: Callable[[bytes], bytes | None] = lambda root: None,
) -> Iterator[Listing | Failure]:
    """Walk every root depth-first, yielding listings as directories are read.

    A root in `shallow` is listed alone, without its sub-folders; `base(root)` is the
    folder that excludes with a `/` are relative to (None: the root itself)."""
    lister = _Lister(exclude, follow_symlinks, one_file_system, stats or WalkStats())
    for root in roots:
        first, prefix_len, dev = lister.start(root, base(root))
        if first is not None:
            yield first
            continue
        yield from lister.depth_first([(root, prefix_len, dev)], shallow=root in shallow)


def parallel_walk(
    roots: list[bytes],
    known: dict[bytes, tuple[int, bytes | None]],
    workers: int,
    *,
    exclude: tuple[str, ...] = (),
    one_file_system: bool = False,
    stats: WalkStats | None = None,
    base: Callable[[bytes], bytes | None] = lambda root: None,
) -> Iterator[Listing | Failure | Unchanged]:
    """The walk of a rescan, split over `workers` forked processes.

    A no-op rescan is bound by one `lstat` per file, and Python spends more time per
    file than the kernel does; two processes walking disjoint sub-trees halve it.
    This process lists the top levels until there are enough sub-trees to share,
    then each walker compares folder signatures against `known` (inherited by fork)
    and sends back only the folders that differ, plus the names of those that do not.
    Symbolic links are not followed here (loop detection needs one process).
    """
    parent = os.getpid()
    stats = stats if stats is not None else WalkStats()
    lister = _Lister(exclude, False, one_file_system, stats)
    level: list[tuple[bytes, int, int]] = []
    for root in roots:
        first, prefix_len, dev = lister.start(root, base(root))
        if first is not None:
            yield first
        else:
            level.append((root, prefix_len, dev))
    for _ in range(3):  # breadth-first until there are a few sub-trees per walker
        if len(level) >= 4 * workers:
            break
        deeper: list[tuple[bytes, int, int]] = []
        for top, prefix_len, dev in level:
            listing, failures, subdirs = lister.list_dir(top, prefix_len, dev)
            yield from failures
            if listing is not None:
                yield listing
            deeper.extend((d, prefix_len, dev) for d in reversed(subdirs))
        level = deeper
    if not level:
        return
    pids: list[int] = []
    buffers: dict[int, bytearray] = {}
    for i in range(min(workers, len(level))):
        r, w = os.pipe()
        share = level[i::workers]

        def child(r: int = r, w: int = w, share: list[tuple[bytes, int, int]] = share) -> None:
            os.close(r)
            _walker_main(w, share, known, exclude, one_file_system, parent)

        pids.append(children.fork(child))
        os.close(w)
        buffers[r] = bytearray()
    try:
        while buffers:
            ready, _, _ = select.select(list(buffers), [], [])
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # EOF before the final stats: the walker died
                    stats.incomplete = True
                    os.close(fd)
                    del buffers[fd]
                    continue
                buf = buffers[fd]
                buf += chunk
                for msg in children.unpack(buf):
                    if isinstance(msg, WalkStats):
                        stats.add(msg)
                        os.close(fd)
                        del buffers[fd]
                        break
                    yield msg
    finally:
        for fd in buffers:
            os.close(fd)
        for pid in pids:
            children.reap(pid, kill=True)  # a walker that has finished is only reaped


def _walker_main(
    fd: int,
    tasks: list[tuple[bytes, int, int]],
    known: dict[bytes, tuple[int, bytes | None]],
    exclude: tuple[str, ...],
    one_file_system: bool,
    parent_pid: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    children.die_with_parent(parent_pid)
    stats = WalkStats()
    lister = _Lister(exclude, False, one_file_system, stats)
    same: list[bytes] = []
    files = size = 0
    last = time.monotonic()
    for item in lister.depth_first(list(reversed(tasks))):
        if isinstance(item, Listing):
            entry = known.get(item.dir)
            if entry is not None and entry[1] == item.signature:
                same.append(item.dir)
                files += len(item.rows)
                size += item.size
                now = time.monotonic()
                if now - last > 0.1 or len(same) >= 5000:
                    children.send(fd, Unchanged(same, files, size))
                    same, files, size, last = [], 0, 0, now
                continue
        children.send(fd, item)
    if same:
        children.send(fd, Unchanged(same, files, size))
    children.send(fd, stats)
    os.close(fd)

"""Dirty folders, and when each is settled enough to rescan.

A folder is dirty from its first hint (an event, a poll that saw its mtime move) on.
It is ready once

- it has been quiet (no hint) for the settle time,
- no file in it is open for writing (inotify's close-write has not come yet), unless
  it has been quiet for `open_limit` seconds (a program that keeps a file open for
  good must not hold the folder forever),
- and two stat passes over it, the first half way through the settle time and the
  second at its end, agree: same names, sizes and mtimes.  A pass that disagrees
  counts as activity.  This catches writers that send no events (another machine
  writing to a share, a polled folder).

Memory is one entry per dirty folder and one per file open for writing, never one per
event: a bulk copy of a million files into one folder is one entry.
"""

from __future__ import annotations

import os
import threading
from typing import NamedTuple

import xxhash

#: a hint for the files of one folder
SHALLOW = 0
#: a hint for a folder and everything below it (a folder created, moved or deleted)
DEEP = 1
#: a whole tree to rescan as it is, without stat passes (an overflow, reconciliation,
#: a root back after a pause)
SWEEP = 2


class Target(NamedTuple):
    """A settled folder to rescan: with its sub-folders (`deep`) or alone."""

    folder: bytes
    deep: bool
    #: when its first hint came (monotonic), for the batch's latency
    since: float


class _Dirty:
    __slots__ = ("first", "kind", "last", "pass_at", "pass_digest")

    def __init__(self, kind: int, now: float, first: float) -> None:
        self.kind = kind
        self.first = first
        self.last = now
        self.pass_at = 0.0
        self.pass_digest: bytes | None = None


def stat_pass(folder: bytes, deep: bool) -> bytes:
    """A digest of the names, sizes and mtimes under a folder (one `lstat` per entry)."""
    h = xxhash.xxh3_128()
    stack = [folder]
    while stack:
        top = stack.pop()
        try:
            with os.scandir(top) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            h.update(f"!{e.errno}".encode())
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            h.update(b"%s\0%d\0%d\0%d\n" % (entry.path, st.st_mode, st.st_size, st.st_mtime_ns))
            if deep and entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return h.digest()


def _under(path: bytes, folder: bytes) -> bool:
    return path == folder or path.startswith(folder.rstrip(b"/") + b"/")


class Settler:
    """The dirty folders and the files open for writing; thread-safe (hints come from
    the watcher's threads, `ready` is asked by the loop)."""

    def __init__(self, settle: float, open_limit: float = 300.0) -> None:
        self.settle = settle
        self.open_limit = max(open_limit, settle)
        self._lock = threading.Lock()
        self._dirty: dict[bytes, _Dirty] = {}
        self._open: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._dirty)

    def hint(self, folder: bytes, kind: int, now: float, first: float | None = None) -> None:
        with self._lock:
            d = self._dirty.get(folder)
            if d is None:
                self._dirty[folder] = _Dirty(kind, now, now if first is None else first)
            else:
                d.kind = max(d.kind, kind)
                d.last = max(d.last, now)
                if first is not None:
                    d.first = min(d.first, first)

    def opened(self, path: bytes) -> None:
        """A file is being written (created or modified, not yet closed)."""
        with self._lock:
            if len(self._open) < 100_000:
                self._open.add(path)

    def closed(self, path: bytes) -> None:
        with self._lock:
            self._open.discard(path)

    def renamed(self, src: bytes, dst: bytes) -> None:
        with self._lock:
            if src in self._open:
                self._open.discard(src)
                self._open.add(dst)

    def forget_open(self) -> None:
        """Events were lost: who has what open is not known any more."""
        with self._lock:
            self._open.clear()

    def discard_under(self, root: bytes) -> None:
        with self._lock:
            for folder in [f for f in self._dirty if _under(f, root)]:
                del self._dirty[folder]

    def ready(self, now: float) -> list[Target]:
        """The folders settled now (removed from the dirty set)."""
        half = self.settle / 2
        with self._lock:
            candidates = [(f, d) for f, d in self._dirty.items() if now - d.last >= half]
            writing = list(self._open)
        out: list[Target] = []
        for folder, d in candidates:
            quiet = now - d.last
            deep = d.kind != SHALLOW
            if quiet < self.open_limit and any(
                _under(p, folder) if deep else os.path.dirname(p) == folder for p in writing
            ):
                continue
            if d.kind == SWEEP:
                if quiet >= self.settle:
                    out.append(Target(folder, True, d.first))
                continue
            digest = stat_pass(folder, deep)
            with self._lock:
                if self._dirty.get(folder) is not d or d.last > now:
                    continue  # hinted again meanwhile
                if digest != d.pass_digest:
                    if d.pass_digest is not None:
                        d.last = now  # it changed between two passes: not settled
                    d.pass_digest, d.pass_at = digest, now
                    continue
                if quiet >= self.settle and now - d.pass_at >= min(half, 1.0):
                    del self._dirty[folder]
                    out.append(Target(folder, deep, d.first))
        return out

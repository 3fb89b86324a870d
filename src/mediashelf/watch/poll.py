"""Polling the folders that get no inotify watch: by their mtimes, not their files.

A folder's mtime changes when a name in it is added, removed or renamed, so a stat
per folder finds new, deleted and renamed files without a stat of every file.  A
folder whose mtime moved is hinted to the settler (whose stat passes and the scan
then look at its files), and its sub-folders are listed again (names and types from
`readdir`, no stat) to follow new and removed ones.  Files rewritten in place do not
touch their folder's mtime: the reconciliation scan finds those.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from mediashelf.watch.settle import DEEP, SHALLOW, Settler


def _mtime(folder: bytes) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


class Poller:
    """The polled folders and their mtimes as last seen."""

    def __init__(self, settler: Settler, interval: float) -> None:
        self.settler = settler
        self.interval = interval
        self.folders: dict[bytes, int | None] = {}
        #: folders polled with all their sub-folders (network mounts, new folders
        #: below a polled one), as opposed to single folders left over by the budget
        self.trees: set[bytes] = set()
        self.next_at = 0.0

    def __len__(self) -> int:
        return len(self.folders)

    def add(self, folders: Iterable[bytes], tree: bool = False) -> None:
        for f in folders:
            self.folders.setdefault(f, _mtime(f))
            if tree:
                self.trees.add(f)

    def remove_under(self, root: bytes) -> None:
        prefix = root.rstrip(b"/") + b"/"
        for f in [f for f in self.folders if f == root or f.startswith(prefix)]:
            del self.folders[f]
            self.trees.discard(f)

    def due(self, now: float) -> bool:
        return bool(self.folders) and now >= self.next_at

    def poll(self, now: float, watched: Iterable[bytes] = ()) -> int:
        """Stat every polled folder once; hint those that changed.  Returns how many."""
        self.next_at = now + self.interval
        covered = tuple(t.rstrip(b"/") + b"/" for t in watched)
        changed = 0
        for folder, before in list(self.folders.items()):
            after = _mtime(folder)
            if after == before:
                continue
            changed += 1
            self.folders[folder] = after
            if after is None:  # gone: everything below it is looked at again
                self.settler.hint(folder, DEEP, time.monotonic())
                self.remove_under(folder)
                continue
            self.settler.hint(folder, SHALLOW, time.monotonic())
            self._follow(folder, covered)
        return changed

    def _follow(self, folder: bytes, covered: tuple[bytes, ...]) -> None:
        """Sub-folders created below a polled folder are polled (and rescanned whole)."""
        try:
            with os.scandir(folder) as it:
                subs = [e.path for e in it if e.is_dir(follow_symlinks=False)]
        except OSError:
            return
        for sub in subs:
            if sub in self.folders or (sub + b"/").startswith(covered):
                continue
            self.settler.hint(sub, DEEP, time.monotonic())
            tree = [sub]
            stack = [sub]
            while stack:  # a folder moved in may bring its own sub-folders
                try:
                    with os.scandir(stack.pop()) as it:
                        found = [e.path for e in it if e.is_dir(follow_symlinks=False)]
                except OSError:
                    continue
                tree += found
                stack += found
            self.add(tree, tree=True)

"""The mount guard: a scan never takes an unmounted drive for a deleted library.

A dropped network share, an unplugged disk or a mount point with nothing mounted on
it looks, to a walk, exactly like a folder whose files were all deleted.  Before a
scan walks a root, `Guard.check` looks at it; a root that is

- gone (it does not exist) or cannot be read (a permission error, a stale share),
- empty while the catalog holds files under it,
- on another filesystem than every catalogued file under it, none of which is still
  in place (a mount point showing the folder underneath), or
- another volume than the one the catalog recorded for it (its anchor file names
  another volume or is gone, or another filesystem is mounted there: scan.volume),

is not walked at all: nothing under it is marked missing, its rows stay as they
were, and the scan reports it as held (`--accept-volume`: the user vouches for what
is mounted there now; its identity is recorded afresh).  After the walk,
`Guard.judge` looks at the files the scan found gone: if more than a share of a
root's files vanished at once (`hold_missing_share`, and at least
`hold_missing_min` files), the marks are held and reported, not applied, unless the
user said they really are gone (`--accept-missing`).

The guard also records the roots it meets for the first time in the `roots` table
(`record`) and knows where this host mounts the catalog's volumes (`mounts`): the
catalog's paths are those of the host that first scanned a volume.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.presence import Sample, any_present_under, present_under, sample_under
from mediashelf.catalog.roots import Mounts, add_root, all_roots, by_volume, this_host
from mediashelf.model import display_path
from mediashelf.scan.volume import fs_identity, identify, known_root, read_anchor
from mediashelf.scan.walk import ANCHOR

#: what a root-level hold tells the user to do when the files really are gone
_ACCEPT = "(if it is the right volume and its files really are gone, scan it with --accept-volume)"


class Held(NamedTuple):
    """A root whose catalogued files were left as they were, and why."""

    root: bytes
    reason: str
    #: files under the root that this scan did not mark missing
    files: int
    #: "root": the root looks unmounted and was not walked; "share": it was walked,
    #: but too many of its files vanished at once
    kind: str = "root"

    def message(self) -> str:
        return f"{display_path(self.root)}: {self.reason}"


def under(path: bytes, root: bytes) -> bool:
    base = root.rstrip(b"/")
    return path == root or path.startswith(base + b"/")


def under_any(path: bytes, roots: list[bytes]) -> bool:
    return any(under(path, r) for r in roots)


def outermost(roots: list[bytes]) -> list[bytes]:
    """Drop repeated roots and roots inside another one, so nothing is walked twice."""
    kept: list[bytes] = []
    for root in sorted(set(roots), key=len):
        if not under_any(root, kept):
            kept.append(root)
    return kept


class Guard:
    """The guard of one scan over `roots` (the folders the user named, as this host
    sees them)."""

    def __init__(
        self,
        catalog: Catalog,
        roots: Sequence[bytes],
        *,
        share: float,
        minimum: int,
        accept: bool = False,
        accept_volume: bool = False,
        host: str | None = None,
    ) -> None:
        self.catalog = catalog
        # the deepest root first, so a path is judged by the root nearest to it
        self.roots = sorted(set(roots), key=len, reverse=True)
        self.share = share
        self.minimum = minimum
        self.accept = accept or accept_volume
        self.accept_volume = accept_volume
        self.host = host or this_host()
        self.known = all_roots(catalog)
        self.mounts = Mounts(self.host, self.known)

    def root_of(self, path: bytes) -> bytes | None:
        """The root (as this host sees it) that holds `path` (a path here)."""
        return next((r for r in self.roots if under(path, r)), None)

    # -- before the walk -----------------------------------------------------------------

    def check(self) -> list[Held]:
        """The roots that must not be walked, each with the reason."""
        if self.accept_volume:
            return []
        held = []
        for root in self.roots:
            reason = self.problem(root)
            if reason is not None:
                held.append(
                    Held(root, reason, present_under(self.catalog, self.mounts.canon(root)))
                )
        return held

    def problem(self, root: bytes) -> str | None:
        """Why the catalogued files under `root` cannot be judged now (None: they can)."""
        canon = self.mounts.canon(root)
        known = known_root(self.known, self.host, root)
        if known is not None and known.volume.startswith("anchor:"):
            now = read_anchor(known.path)
            if now is not None and now != known.volume:
                return (
                    f"another volume is mounted there (its {ANCHOR.decode()} names {now}, the "
                    f"catalog {known.volume}); nothing was marked missing"
                )
        if not any_present_under(self.catalog, canon):
            return None  # nothing catalogued under it: nothing to lose
        try:
            st = os.stat(root)
        except FileNotFoundError:
            return "is gone (an unmounted drive or share?); nothing under it was marked missing"
        except OSError as e:
            return f"cannot be read ({e.strerror}); nothing under it was marked missing"
        if not stat.S_ISDIR(st.st_mode):
            return None
        try:
            with os.scandir(root) as it:
                empty = all(entry.name == ANCHOR for entry in it)
        except OSError as e:
            return f"cannot be read ({e.strerror}); nothing under it was marked missing"
        if empty:
            return (
                "is empty, but the catalog holds files under it (an unmounted drive?); "
                f"nothing was marked missing {_ACCEPT}"
            )
        samples = sample_under(self.catalog, canon)
        if st.st_dev not in {s.dev for s in samples} and not any(map(self._in_place, samples)):
            return (
                "is on another filesystem than its catalogued files, and none of them is "
                f"there (an unmounted drive?); nothing was marked missing {_ACCEPT}"
            )
        return None if known is None else self._volume_problem(known.path, known.volume)

    @staticmethod
    def _volume_problem(path: bytes, volume: str) -> str | None:
        """Why the volume at `path` is not the one recorded for it (`volume`), or None.
        (The caller knows the catalog holds files under it.)"""
        if volume.startswith("anchor:") and read_anchor(path) is None:
            return (
                f"has lost its {ANCHOR.decode()} file: its volume is not mounted there, or was "
                f"replaced; nothing was marked missing {_ACCEPT}"
            )
        if volume.startswith("fs:"):
            with contextlib.suppress(OSError):
                now = fs_identity(path, os.stat(path))
                if now is not None and now != volume:
                    return "another filesystem is mounted there; nothing was marked missing"
        return None

    def _in_place(self, sample: Sample) -> bool:
        """A catalogued file is still where it was, with its size."""
        try:
            return os.lstat(self.mounts.local(sample.path)).st_size == sample.size
        except OSError:
            return False

    def record(self, roots: Sequence[bytes]) -> Mounts:
        """Record the roots this host scans for the first time (and, with
        `accept_volume`, the new identity of a root named exactly); their volume
        identity is written as an anchor on a server catalog.  Where this host mounts
        the catalog's volumes now."""
        for root in roots:
            try:
                if not stat.S_ISDIR(os.stat(root).st_mode):
                    continue  # a single file: its folder's root guards it, if any
            except OSError:
                continue
            known = known_root(self.known, self.host, root)
            if known is not None and not (self.accept_volume and known.path == root):
                continue
            if known is not None:  # an anchor that cannot be read: a new one (one that
                with contextlib.suppress(OSError):  # names a volume is that volume)
                    if read_anchor(root) is None:
                        os.unlink(os.path.join(root, ANCHOR))
            volume = identify(root, self.host, write=self.catalog.server)
            same = [
                r for r in by_volume(self.catalog, volume) if r.path != root or r.host != self.host
            ]
            canon = same[0].canon if same else self.mounts.canon(root)
            self.known = [r for r in self.known if not (r.host == self.host and r.path == root)]
            self.known.append(add_root(self.catalog, self.host, root, volume, canon))
            self.mounts = Mounts(self.host, self.known)
        return self.mounts

    # -- after the walk ------------------------------------------------------------------

    def judge(self, missing: Mapping[int, bytes]) -> tuple[list[int], list[tuple[Held, list[int]]]]:
        """Split the rows a scan found gone (row id → its folder, as the catalog has
        it) into those to mark missing and, per root, those held because too much
        vanished at once."""
        canon_roots = {self.mounts.canon(r): r for r in self.roots}
        by_root: dict[bytes | None, list[int]] = {}
        for row_id, folder in missing.items():
            root = next((r for r in canon_roots if under(folder, r)), None)
            by_root.setdefault(root, []).append(row_id)
        apply: list[int] = []
        held: list[tuple[Held, list[int]]] = []
        for root, ids in by_root.items():
            if root is None or self.accept or len(ids) < self.minimum:
                apply += ids
                continue
            present = present_under(self.catalog, root)
            if len(ids) <= self.share * present:
                apply += ids
                continue
            local = canon_roots[root]
            reason = (
                f"{len(ids):,} of its {present:,} files vanished at once (more than "
                f"{self.share:.0%}): they were not marked missing; if they really are gone, "
                f"run `shelf scan {shlex.quote(display_path(local))} --accept-missing`"
            )
            held.append((Held(local, reason, len(ids), "share"), ids))
        return apply, held

"""The mount guard: a scan never takes an unmounted drive for a deleted library.

A dropped network share, an unplugged disk or a mount point with nothing mounted on
it looks, to a walk, exactly like a folder whose files were all deleted.  Before a
scan walks a root, `Guard.check` looks at it; a root that is

- gone (it does not exist) or cannot be read (a permission error, a stale share),
- empty while the catalog holds files under it, or
- on another filesystem than every catalogued file under it, none of which is still
  in place (a mount point showing the folder underneath),

is not walked at all: nothing under it is marked missing, its rows stay as they
were, and the scan reports it as held.  After the walk, `Guard.judge` looks at the
files the scan found gone: if more than a share of a root's files vanished at once
(`hold_missing_share`, and at least `hold_missing_min` files), the marks are held
and reported, not applied, unless the user said they really are gone
(`--accept-missing`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.presence import any_present_under, present_under, sample_under
from mediashelf.model import display_path


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


class Guard:
    """The guard of one scan over `roots` (the folders the user named)."""

    def __init__(
        self,
        catalog: Catalog,
        roots: Sequence[bytes],
        *,
        share: float,
        minimum: int,
        accept: bool = False,
    ) -> None:
        self.catalog = catalog
        # the deepest root first, so a path is judged by the root nearest to it
        self.roots = sorted(set(roots), key=len, reverse=True)
        self.share = share
        self.minimum = minimum
        self.accept = accept

    def root_of(self, path: bytes) -> bytes | None:
        return next((r for r in self.roots if under(path, r)), None)

    # -- before the walk -----------------------------------------------------------------

    def check(self) -> list[Held]:
        """The roots that must not be walked, each with the reason."""
        held = []
        for root in self.roots:
            reason = self.problem(root)
            if reason is not None:
                held.append(Held(root, reason, present_under(self.catalog, root)))
        return held

    def problem(self, root: bytes) -> str | None:
        """Why the catalogued files under `root` cannot be judged now (None: they can)."""
        if not any_present_under(self.catalog, root):
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
                empty = next(it, None) is None
        except OSError as e:
            return f"cannot be read ({e.strerror}); nothing under it was marked missing"
        if empty:
            return (
                "is empty, but the catalog holds files under it (an unmounted drive?); "
                "nothing was marked missing"
            )
        samples = sample_under(self.catalog, root)
        if st.st_dev not in {s.dev for s in samples} and not any(map(_in_place, samples)):
            return (
                "is on another filesystem than its catalogued files, and none of them is "
                "there (an unmounted drive?); nothing was marked missing"
            )
        return None

    # -- after the walk ------------------------------------------------------------------

    def judge(self, missing: Mapping[int, bytes]) -> tuple[list[int], list[tuple[Held, list[int]]]]:
        """Split the rows a scan found gone (row id → its folder) into those to mark
        missing and, per root, those held because too much vanished at once."""
        by_root: dict[bytes | None, list[int]] = {}
        for row_id, folder in missing.items():
            by_root.setdefault(self.root_of(folder), []).append(row_id)
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
            reason = (
                f"{len(ids):,} of its {present:,} files vanished at once (more than "
                f"{self.share:.0%}): they were not marked missing; if they really are gone, "
                f"run `shelf scan {_quoted(root)} --accept-missing`"
            )
            held.append((Held(root, reason, len(ids), "share"), ids))
        return apply, held


def _in_place(sample: tuple[bytes, int, int]) -> bool:
    """A catalogued file is still where it was, with its size."""
    path, size, _ = sample
    try:
        return os.lstat(path).st_size == size
    except OSError:
        return False


def _quoted(path: bytes) -> str:
    import shlex

    return shlex.quote(display_path(path))

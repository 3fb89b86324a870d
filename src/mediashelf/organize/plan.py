"""Catalog items + templates → a Plan: every file operation, decided before any is done.

`make_plan` has no side effects: it reads the catalog and looks at the disk (does a
destination exist? is it the same file?), and returns the full list of operations
with the conflicts it found and how they are resolved.  `--dry-run` prints it;
`plan_steps` turns it into the journal's steps, which the journal executes exactly.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any, Final

from mediashelf.catalog import tree
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.journal import Step
from mediashelf.catalog.organize import plan_rows
from mediashelf.catalog.roots import placement
from mediashelf.config import OrganizeSettings
from mediashelf.errors import ConfigError, PlanError
from mediashelf.journal import mkdir_steps
from mediashelf.journal.fileops import same_bytes
from mediashelf.organize.destination import Destinations
from mediashelf.organize.model import MODES, STRATEGIES, Conflict, Mode, Op, Plan, Request
from mediashelf.organize.order import order
from mediashelf.organize.presets import PRESETS
from mediashelf.organize.sidecars import add_album_sidecars, add_photo_sidecars
from mediashelf.query import compile_query, parse
from mediashelf.template.unique import Uniques

__all__ = ["Conflict", "Op", "Plan", "Request", "make_plan", "plan_steps"]

#: the folder, inside DEST, where files replaced by `--on-conflict replace` are kept
REPLACED_DIR: Final = b".mediashelf-replaced"


def _numbered(path: bytes, taken: set[bytes], n: int = 1) -> bytes:
    """`name (n).ext` for the first n free on disk and in the plan."""
    base, ext = os.path.splitext(path)
    while True:
        candidate = base + f" ({n})".encode() + ext
        if candidate not in taken and not os.path.lexists(candidate):
            return candidate
        n += 1


def _key(path: bytes) -> bytes:
    """A destination as compared with the others (case-folded)."""
    return os.fsencode(os.fsdecode(path).casefold())


class _Planner:
    def __init__(self, catalog: Catalog, req: Request, settings: OrganizeSettings) -> None:
        self.catalog = catalog
        self.req = req
        self.dest = os.path.normpath(os.path.abspath(req.dest))
        self.dests = Destinations(
            self.dest,
            settings,
            Uniques(catalog),
            template=req.template,
            preset=req.preset,
        )
        self.plan = Plan(self.dest, req.mode)
        self.taken: dict[bytes, bytes] = {}  # destination (case-folded) → source
        self.sources: set[bytes] = set()
        self.waiting: set[bytes] = set()  # destinations occupied by files that move away

    def add(
        self, src: bytes, dst: bytes, size: int, mtime_ns: int, item_id: int | None, *,
        sidecar: bool = False,
    ) -> bool:  # fmt: skip
        """Add one operation, resolving conflicts; False when it was not added."""
        if src == dst:
            self.plan.in_place += 1
            return False
        key = _key(dst)
        if key in self.taken:  # another file of this plan goes there
            if self.req.on_conflict not in ("rename", "keep-both"):
                reason = f"another file of this run goes there: {os.fsdecode(self.taken[key])}"
                self.plan.conflicts.append(Conflict(src, dst, reason))
                return False
            dst = _numbered(dst, set(self.taken))
            key = _key(dst)
        try:
            # a file in a folder that does not exist yet cannot exist either
            missing = os.path.dirname(dst) in self.dests.missing_dirs
            st = None if missing else os.lstat(dst)
        except FileNotFoundError:
            st = None
        except OSError as e:
            reason = f"cannot check the destination: {e.strerror}"
            self.plan.conflicts.append(Conflict(src, dst, reason))
            return False
        aside = None
        waits = st is not None and self.req.mode == "move" and dst in self.sources
        if st is not None and not waits:  # (one that waits is checked in `order`)
            resolved = self._occupied(src, dst, st)
            if resolved is None:
                return False
            if resolved[0] != dst:
                dst, key = resolved[0], _key(resolved[0])
            aside = resolved[1]
        self.taken[key] = src
        if aside is not None:
            self.taken[_key(aside)] = dst
        action: Mode = self.req.mode
        self.plan.ops.append(Op(action, src, dst, size, mtime_ns, item_id, sidecar, aside))
        if waits:
            self.waiting.add(dst)
        return True

    def _occupied(
        self, src: bytes, dst: bytes, st: os.stat_result
    ) -> tuple[bytes, bytes | None] | None:
        """A file is at `dst`: the destination and where that file is put aside, as the
        conflict strategy says; None when `src` is to stay (counted or a conflict)."""
        req = self.req
        try:
            src_st = os.lstat(src)
        except OSError:
            src_st = None
        if src_st is not None and self._already_there(src, src_st, dst, st):
            self.plan.in_place += 1
            return None
        if req.skip_identical and same_bytes(src, dst):
            self.plan.identical += 1
            return None
        if req.on_conflict == "skip":
            self.plan.conflicts.append(Conflict(src, dst, "a file already exists there"))
            return None
        if req.on_conflict == "keep-both":
            return _numbered(dst, set(self.taken)), None
        if req.on_conflict == "rename":
            return dst, _numbered(dst, set(self.taken))
        # replace: the old file is kept under DEST/.mediashelf-replaced/
        aside = os.path.join(self.dest, REPLACED_DIR, os.path.relpath(dst, self.dest))
        if os.path.lexists(aside):
            aside = _numbered(aside, set(self.taken))
        return dst, aside

    def _already_there(
        self, src: bytes, src_st: os.stat_result, dst: bytes, st: os.stat_result
    ) -> bool:
        """The destination already is this file: the same inode, the symlink this mode
        makes, or (copying modes) a copy with the same size and modification time."""
        if (src_st.st_dev, src_st.st_ino) == (st.st_dev, st.st_ino):
            return True
        mode = self.req.mode
        if mode == "symlink":
            return os.path.islink(dst) and os.readlink(dst) == src
        if mode in ("copy", "reflink"):
            return (st.st_size, st.st_mtime_ns) == (src_st.st_size, src_st.st_mtime_ns)
        return False

    def _rows(self) -> list[tuple[dict[str, Any], int]]:
        """Matching items with the template each one takes; those with none are counted."""
        user = compile_query(parse(list(self.req.query)), missing=False)
        scope: list[tree.Node] = []
        if self.req.within:
            scope.append(tree.Or(tuple(tree.Under(p) for p in self.req.within)))
        if self.req.skip_failed:
            scope.append(tree.Truth(tree.IsSet("error"), False))
        if scope:
            user = tree.Compiled(
                tree.And((user.filter, *scope)),
                user.sort,
                user.missing,
                user.uses_regex,
                user.fields,
            )
        rows = plan_rows(self.catalog, user, self.dests.queries(), self.dests.columns)
        self.plan.unmatched = sum(1 for index, _ in rows if index is None)
        where = placement(self.catalog)
        if where.trivial:
            return [(row, index) for index, row in rows if index is not None]
        out = []
        for index, row in rows:
            if index is None:
                continue
            row["path"], host, _ = where.place(row["path"])
            if host is not None and host != where.host:  # another machine's disk
                reason = f"on {host}, not mounted on this machine: organize it there"
                self.plan.conflicts.append(Conflict(row["path"], b"", reason))
                continue
            out.append((row, index))
        return out

    def build(self) -> Plan:
        pending = self._rows()
        media_folders: dict[bytes, set[bytes]] = defaultdict(set)  # src folder → dst folders
        for row, _ in pending:
            if row["kind"] == "audio":
                media_folders[os.path.dirname(row["path"])].add(b"")
        self.sources = {row["path"] for row, _ in pending}
        planned: set[bytes] = set()
        photos: list[tuple[bytes, bytes]] = []
        for row, index in pending:
            folder = os.path.dirname(row["path"])
            if row["kind"] != "audio" and folder in media_folders:
                continue  # an image in an album's folder goes with the album
            try:
                dst = self.dests.of(row, index)
            except PlanError as e:  # a destination outside DEST or beyond the path limit
                self.plan.conflicts.append(Conflict(row["path"], b"", str(e)))
                continue
            if self.add(row["path"], dst, row["size"], row["mtime_ns"], row["id"]):
                planned.add(row["path"])
                if row["kind"] == "audio":
                    media_folders[folder].add(os.path.dirname(self.plan.ops[-1].dst))
                elif self.req.sidecars:
                    photos.append((row["path"], self.plan.ops[-1].dst))
        if self.req.sidecars:
            add_album_sidecars(self.catalog, media_folders, planned, self.add)
            add_photo_sidecars(self.catalog, photos, planned, self.add)
        self.plan.ops, conflicts = order(self.plan.ops, self.waiting)
        self.plan.conflicts += conflicts
        self.plan.dirs = sorted(
            {os.path.dirname(op.dst) for op in self.plan.ops}
            | {os.path.dirname(op.aside) for op in self.plan.ops if op.aside}
        )
        return self.plan


def make_plan(catalog: Catalog, req: Request, settings: OrganizeSettings) -> Plan:
    if req.mode not in MODES:
        raise ConfigError(f"--mode must be one of {', '.join(MODES)}")
    if req.preset is not None and req.preset not in PRESETS:
        raise ConfigError(f"--preset must be one of {', '.join(PRESETS)}")
    if req.on_conflict not in STRATEGIES:
        raise ConfigError(f"--on-conflict must be one of {', '.join(STRATEGIES)}")
    if not os.path.isabs(req.dest):
        raise PlanError("the destination must be an absolute path")
    return _Planner(catalog, req, settings).build()


def plan_steps(plan: Plan) -> list[Step]:
    """The journal steps of a plan: folders first, then each file (its `aside` first)."""
    steps = mkdir_steps(plan.dirs)
    for op in plan.ops:
        if op.aside is not None:
            steps.append(Step("aside", op.dst, op.aside, None, None, None))
        steps.append(Step(op.action, op.src, op.dst, op.size, op.mtime_ns, op.item_id))
    return steps

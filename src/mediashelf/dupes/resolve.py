"""Resolving groups of byte-identical duplicates: keep one file of each, act on the others.

    groups (find_dupes) + keep rule + action → Resolution (steps, printed by a dry run)
                                             → organize journal (apply.execute) → undo

Planning reads the catalog and the disk and changes nothing.  Every step goes through
the organize journal, so a crash is recovered and `shelf undo` reverses a run (but a
deletion).  Just before each file is acted on, it and the file kept in its place are
checked again: the fingerprint the catalog holds (size, mtime_ns, dev, ino) and the full
xxh3-128 hash of the group; a file that fails is skipped and reported, never touched.

Safety by construction: exactly one file of every group is kept and never touched, nor
are its hard links; other paths to a duplicate's inode (its hard links) are left alone.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, TextIO

from mediashelf.catalog.connect import Catalog
from mediashelf.console import Progress, dumps, file_size, printable_path
from mediashelf.dupes import Group, Member
from mediashelf.dupes.hashing import CHANGED_MESSAGE, Fingerprint, HashKind, hash_file
from mediashelf.errors import ConfigError, MediaError
from mediashelf.organize import apply, journal
from mediashelf.organize.journal import Step

KEEP_RULES: Final = ("best", "first", "newest", "oldest", "path:PREFIX")
ACTIONS: Final = ("trash", "move-to", "hardlink", "delete")
#: the journal action each resolution action is performed as
_JOURNAL_ACTION: Final = {
    "trash": "trash",
    "move-to": "move",
    "hardlink": "link-over",
    "delete": "delete",
}
_ID_BATCH: Final = 900


@dataclass(frozen=True, slots=True)
class Op:
    """One duplicate to act on: `path` (what is done is `action`; `dst` where it goes)."""

    action: str
    path: bytes
    dst: bytes | None
    keep: bytes
    size: int


@dataclass(frozen=True, slots=True)
class Target:
    """What must still hold just before a duplicate is acted on."""

    fingerprint: Fingerprint
    keep: bytes
    keep_fingerprint: Fingerprint
    group_hash: bytes | None  # the full hash the catalog holds for the group, if any
    #: what must still be equal just before acting: "full" (the bytes), "audio" (the
    #: audio payload), "" (nothing beyond the fingerprints: similar recordings differ)
    compare: str = "full"


@dataclass
class Resolution:
    action: str
    keep: str
    dest: bytes | None
    ops: list[Op] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    skipped: list[tuple[bytes, str]] = field(default_factory=list)
    targets: dict[bytes, Target] = field(default_factory=dict)
    groups: int = 0

    @property
    def bytes(self) -> int:
        return sum(op.size for op in self.ops)


def check_keep(rule: str) -> str:
    if rule in KEEP_RULES[:4] or (rule.startswith("path:") and len(rule) > 5):
        return rule
    raise ConfigError(f"--keep {rule!r}: one of best, first, newest, oldest, path:PREFIX")


# -- planning ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    path: bytes
    fingerprint: Fingerprint
    full_hash: bytes | None


def _rows(db: sqlite3.Connection, ids: Iterable[int]) -> dict[int, _Row]:
    wanted = list(ids)
    out: dict[int, _Row] = {}
    for i in range(0, len(wanted), _ID_BATCH):
        batch = wanted[i : i + _ID_BATCH]
        marks = ",".join("?" * len(batch))
        sql = (
            "SELECT i.id, i.path, i.size, i.mtime_ns, i.dev, i.ino, h.value FROM items i "
            "LEFT JOIN hashes h ON h.item_id = i.id AND h.kind = 'full' AND h.size = i.size "
            "AND h.mtime_ns = i.mtime_ns AND h.dev = i.dev AND h.ino = i.ino "
            f"WHERE i.id IN ({marks})"
        )
        for rid, path, size, mtime_ns, dev, ino, value in db.execute(sql, batch):
            fp = (size, mtime_ns, dev, ino)
            out[rid] = _Row(bytes(path), fp, bytes(value) if value is not None else None)
    return out


def _keeper(members: Sequence[Member], rows: dict[int, _Row], rule: str) -> Member:
    """The member to keep; `members` come best first."""
    if rule == "first":
        return min(members, key=lambda m: m.path)
    if rule in ("newest", "oldest"):
        sign = -1 if rule == "newest" else 1
        order = {m.id: i for i, m in enumerate(members)}
        return min(members, key=lambda m: (sign * rows[m.id].fingerprint[1], order[m.id]))
    if rule.startswith("path:"):
        prefix = os.path.abspath(os.fsencode(os.path.expanduser(rule[5:]))).rstrip(b"/") + b"/"
        for m in members:
            if m.path.startswith(prefix):
                return m
    return members[0]


def _unique(candidate: bytes, taken: set[bytes]) -> bytes:
    """`candidate`, or `name (1).ext`, `name (2).ext` … when taken or on disk."""
    folder, name = os.path.split(candidate)
    stem, ext = os.path.splitext(name)
    out, n = candidate, 0
    while out in taken or os.path.lexists(out):
        n += 1
        out = os.path.join(folder, b"%s (%d)%s" % (stem, n, ext))
    taken.add(out)
    return out


# -- the freedesktop.org trash -------------------------------------------------------------------


def home_trash() -> bytes:
    """$XDG_DATA_HOME/Trash ($XDG_DATA_HOME: ~/.local/share when unset or relative)."""
    data = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data):
        data = os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(os.fsencode(data), b"Trash")


def _device(path: bytes) -> int:
    """The device of `path`, or of its nearest existing folder."""
    while True:
        try:
            return os.stat(path).st_dev
        except FileNotFoundError:
            parent = os.path.dirname(path)
            if parent == path:
                raise
            path = parent


def _topdir(folder: bytes, dev: int) -> bytes:
    """The mount point of the filesystem `folder` is on."""
    while True:
        parent = os.path.dirname(folder)
        if parent == folder or os.stat(parent).st_dev != dev:
            return folder
        folder = parent


def trash_dir(path: bytes) -> bytes:
    """The trash a file goes to: the home trash when on its device, else the trash of
    the file's filesystem: `$topdir/.Trash/$uid` when an administrator made `$topdir/.Trash`
    (a folder with the sticky bit, not a symlink), else `$topdir/.Trash-$uid`."""
    dev = os.lstat(path).st_dev
    home = home_trash()
    if _device(home) == dev:
        return home
    top = _topdir(os.path.dirname(path), dev)
    uid = os.getuid()
    shared = os.path.join(top, b".Trash")
    try:
        st = os.lstat(shared)
    except OSError:
        pass
    else:
        import stat

        if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX:
            return os.path.join(shared, b"%d" % uid)
    return os.path.join(top, b".Trash-%d" % uid)


def _trash_name(trash: bytes, name: bytes, taken: set[bytes]) -> bytes:
    """TRASH/files/NAME with a NAME neither there nor in info/ (`name.2.ext`, …)."""
    stem, ext = os.path.splitext(name)
    n = 1
    while True:
        candidate = name if n == 1 else b"%s.%d%s" % (stem, n, ext)
        dst = os.path.join(trash, b"files", candidate)
        info = os.path.join(trash, b"info", candidate + b".trashinfo")
        if dst not in taken and not os.path.lexists(dst) and not os.path.lexists(info):
            taken.add(dst)
            return dst
        n += 1


# -- the plan ----------------------------------------------------------------------------------


def plan(
    db: sqlite3.Connection,
    groups: Sequence[Group],
    keep: str,
    action: str,
    to: bytes | None = None,
) -> Resolution:
    """The steps that resolve `groups`.  Changes nothing.

    Byte-identical groups can take any action; groups of the same audio or of similar
    recordings or images can be trashed, moved or deleted, never hard-linked.
    """
    if action not in ACTIONS:
        raise ConfigError(f"--action {action!r}: one of {', '.join(ACTIONS)}")
    if (action == "move-to") != (to is not None):
        raise ConfigError("--action move-to needs --to DIR (and --to goes with move-to only)")
    check_keep(keep)
    res = Resolution(action, keep, to)
    rows = _rows(db, (m.id for g in groups for m in g.members))
    chosen: list[tuple[Member, Member]] = []  # (duplicate, kept)
    for group in groups:
        if group.kind != "exact" and action == "hardlink":
            raise ConfigError(
                "--action hardlink needs byte-identical files (--exact): a link would "
                "change what the other files hold"
            )
        compare = {"exact": "full", "audio": "audio"}.get(group.kind, "")
        members = [m for m in group.members if m.id in rows]
        if len(members) < 2:
            continue
        kept = _keeper(members, rows, keep)
        acted = 0
        for m in members:
            if m is kept:
                continue
            if action == "hardlink" and rows[m.id].fingerprint[2] != rows[kept.id].fingerprint[2]:
                res.skipped.append((m.path, "on another filesystem than the copy kept"))
                continue
            chosen.append((m, kept))
            group_hash = (
                (rows[kept.id].full_hash or rows[m.id].full_hash) if compare == "full" else None
            )
            res.targets[m.path] = Target(
                rows[m.id].fingerprint, kept.path, rows[kept.id].fingerprint, group_hash, compare
            )
            acted += 1
        res.groups += 1 if acted else 0
    taken: set[bytes] = set()
    root = b""
    if action == "move-to" and chosen:
        root = os.path.commonpath([os.path.dirname(m.path) for m, _ in chosen])
    trashes: dict[bytes, bytes] = {}
    for m, kept in chosen:
        dst: bytes | None = None
        if action == "trash":
            folder = os.path.dirname(m.path)
            if folder not in trashes:
                trashes[folder] = trash_dir(m.path)
            dst = _trash_name(trashes[folder], os.path.basename(m.path), taken)
            step = Step("trash", m.path, dst, m.size, None, m.id)
        elif action == "move-to":
            assert to is not None
            dst = _unique(os.path.join(to, os.path.relpath(m.path, root)), taken)
            step = Step("move", m.path, dst, m.size, None, m.id)
        elif action == "hardlink":
            mtime_ns = rows[m.id].fingerprint[1]
            step = Step("link-over", kept.path, m.path, m.size, mtime_ns, m.id)
        else:
            step = Step("delete", None, m.path, m.size, None, m.id)
        res.ops.append(Op(action, m.path, dst, kept.path, m.size))
        res.steps.append(step)
    if action == "move-to":
        dirs = {os.path.dirname(s.dst) for s in res.steps}
        res.steps[:0] = [Step("mkdir", None, d) for d in apply.missing_dirs(sorted(dirs))]
    return res


# -- checking just before each step ----------------------------------------------------------------


class Verifier:
    """`check(step)` for `apply.execute`: None when the duplicate and the file kept in its
    place are still what the catalog says and have the same bytes, else why not."""

    def __init__(self, targets: dict[bytes, Target]) -> None:
        self.targets = targets
        self._kept: dict[bytes, bytes] = {}  # kept path → its full hash, read once

    def __call__(self, step: Step) -> str | None:
        path = step.src if step.action in ("trash", "move") else step.dst
        target = self.targets.get(path) if path is not None else None
        if target is None:
            return None  # a folder
        try:
            value = self._kept.get(target.keep)
            fp = os.stat(target.keep)
            if (fp.st_size, fp.st_mtime_ns, fp.st_dev, fp.st_ino) != target.keep_fingerprint:
                return f"the copy kept ({os.fsdecode(target.keep)}) {CHANGED_MESSAGE}"
            if not target.compare:  # similar, not equal: both must be as catalogued
                mine_fp = os.stat(path)  # type: ignore[arg-type]
                now = (mine_fp.st_size, mine_fp.st_mtime_ns, mine_fp.st_dev, mine_fp.st_ino)
                return None if now == target.fingerprint else CHANGED_MESSAGE
            kind: HashKind = "audio" if target.compare == "audio" else "full"
            if value is None:
                read, value = hash_file(target.keep, kind)
                if read != target.keep_fingerprint or (
                    target.group_hash is not None and value != target.group_hash
                ):
                    return f"the copy kept ({os.fsdecode(target.keep)}) {CHANGED_MESSAGE}"
                self._kept[target.keep] = value
            read, mine = hash_file(path, kind)  # type: ignore[arg-type]
        except (OSError, MediaError) as e:
            return f"cannot be checked: {e}"
        if read != target.fingerprint or mine != value:
            return CHANGED_MESSAGE
        return None


def execute(
    catalog: Catalog,
    res: Resolution,
    command: str,
    *,
    progress: Progress | None = None,
    fail_after: int | None = None,
) -> apply.Outcome:
    """Apply a resolution through the organize journal, as one run `shelf undo` reverses."""
    run_id = journal.start_run(catalog, command, f"dupes {res.action}", res.dest)
    outcome = apply.execute(
        catalog,
        run_id,
        res.steps,
        progress=progress,
        fail_after=fail_after,
        dest=res.dest,
        check=Verifier(res.targets),
    )
    journal.finish_run(catalog, run_id, outcome.status, outcome.counts)
    return outcome


# -- printing the plan -------------------------------------------------------------------------------


def print_plan(res: Resolution, out: TextIO, *, json_mode: bool) -> None:
    counts = {
        "files": len(res.ops),
        "groups": res.groups,
        "bytes": res.bytes,
        "skipped": len(res.skipped),
    }
    if json_mode:
        for op in res.ops:
            obj: dict[str, object] = {"action": op.action, "path": printable_path(op.path)}
            if op.dst is not None:
                obj["dst"] = printable_path(op.dst)
            obj |= {"keep": printable_path(op.keep), "size": op.size}
            out.write(dumps(obj) + "\n")
        for path, reason in res.skipped:
            out.write(dumps({"skipped": reason, "path": printable_path(path)}) + "\n")
        out.write(dumps({"plan": counts, "action": res.action, "keep": res.keep}) + "\n")
        return
    for op in res.ops:
        out.write(f"{op.action:<8} {printable_path(op.path)}\n")
        if op.dst is not None:
            out.write(f"      -> {printable_path(op.dst)}\n")
        elif op.action == "hardlink":
            out.write(f"      -> a hard link to {printable_path(op.keep)}\n")
        if op.action != "hardlink":
            out.write(f"         (kept: {printable_path(op.keep)})\n")
    for path, reason in res.skipped:
        out.write(f"skip     {printable_path(path)}: {reason}\n")
    verb = {"move-to": "move", "hardlink": "hard-link"}.get(res.action, res.action)
    out.write(
        f"Would {verb} {len(res.ops):,} duplicate files of {res.groups:,} groups; "
        f"{file_size(res.bytes)} (keep: {res.keep})\n"
    )


__all__ = ["ACTIONS", "KEEP_RULES", "Resolution", "Verifier", "check_keep", "execute", "plan"]

"""Resolving groups of duplicates: keep one file of each, act on the others.

    groups (find_dupes) + keep rule + action → Resolution (steps, printed by a dry run)
                                             → the journal (journal.run) → undo

Planning reads the catalog and the disk and changes nothing.  Every step goes through
the journal, as organize's do, so a crash is recovered and `shelf undo` reverses a run
(but a deletion).  Just before each file is acted on, it and the file kept in its place are
checked again: the fingerprint the catalog holds (size, mtime_ns, dev, ino) and the full
xxh3-128 hash of the group; a file that fails is skipped and reported, never touched.

Safety by construction: exactly one file of every group is kept and never touched, nor
are its hard links; other paths to a duplicate's inode (its hard links) are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from mediashelf import journal
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dupes import fingerprints
from mediashelf.catalog.journal import Step
from mediashelf.dupes import Group, Member
from mediashelf.dupes.hashing import CHANGED_MESSAGE, Fingerprint, HashKind, hash_file
from mediashelf.errors import ConfigError, MediaError
from mediashelf.events import Sink
from mediashelf.journal.results import Outcome
from mediashelf.journal.trash import trash_dir, trash_name

KEEP_RULES: Final = ("best", "first", "newest", "oldest", "path:PREFIX")
ACTIONS: Final = ("trash", "move-to", "hardlink", "delete")


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


def _rows(catalog: Catalog, ids: Iterable[int]) -> dict[int, _Row]:
    out: dict[int, _Row] = {}
    for rid, path, size, mtime_ns, dev, ino, value in fingerprints(catalog, ids):
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


# -- the plan ----------------------------------------------------------------------------------


def plan(
    catalog: Catalog,
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
    if action == "hardlink" and any(g.kind != "exact" for g in groups):
        raise ConfigError(
            "--action hardlink needs byte-identical files (--exact): a link would "
            "change what the other files hold"
        )
    res = Resolution(action, keep, to)
    rows = _rows(catalog, (m.id for g in groups for m in g.members))
    chosen = [pair for group in groups for pair in _choose(group, rows, res)]
    _add_steps(res, chosen, rows)
    return res


def _choose(group: Group, rows: dict[int, _Row], res: Resolution) -> list[tuple[Member, Member]]:
    """(duplicate, kept) for each file of `group` to act on; their targets in `res`."""
    compare = {"exact": "full", "audio": "audio"}.get(group.kind, "")
    members = [m for m in group.members if m.id in rows]
    if len(members) < 2:
        return []
    kept = _keeper(members, rows, res.keep)
    chosen = []
    for m in members:
        if m is kept:
            continue
        if res.action == "hardlink" and rows[m.id].fingerprint[2] != rows[kept.id].fingerprint[2]:
            res.skipped.append((m.path, "on another filesystem than the copy kept"))
            continue
        chosen.append((m, kept))
        group_hash = (
            (rows[kept.id].full_hash or rows[m.id].full_hash) if compare == "full" else None
        )
        res.targets[m.path] = Target(
            rows[m.id].fingerprint, kept.path, rows[kept.id].fingerprint, group_hash, compare
        )
    res.groups += 1 if chosen else 0
    return chosen


def _add_steps(res: Resolution, chosen: list[tuple[Member, Member]], rows: dict[int, _Row]) -> None:
    """The journal step (and the printed operation) of each duplicate acted on."""
    taken: set[bytes] = set()
    root = b""
    if res.action == "move-to" and chosen:
        root = os.path.commonpath([os.path.dirname(m.path) for m, _ in chosen])
    trashes: dict[bytes, bytes] = {}
    for m, kept in chosen:
        dst: bytes | None = None
        if res.action == "trash":
            folder = os.path.dirname(m.path)
            if folder not in trashes:
                trashes[folder] = trash_dir(m.path)
            dst = trash_name(trashes[folder], os.path.basename(m.path), taken)
            step = Step("trash", m.path, dst, m.size, None, m.id)
        elif res.action == "move-to":
            assert res.dest is not None
            dst = _unique(os.path.join(res.dest, os.path.relpath(m.path, root)), taken)
            step = Step("move", m.path, dst, m.size, None, m.id)
        elif res.action == "hardlink":
            mtime_ns = rows[m.id].fingerprint[1]
            step = Step("link-over", kept.path, m.path, m.size, mtime_ns, m.id)
        else:
            step = Step("delete", None, m.path, m.size, None, m.id)
        res.ops.append(Op(res.action, m.path, dst, kept.path, m.size))
        res.steps.append(step)
    if res.action == "move-to":
        res.steps[:0] = journal.mkdir_steps({os.path.dirname(s.dst) for s in res.steps})


# -- checking just before each step ----------------------------------------------------------------


class Verifier:
    """`check(step)` for `journal.execute`: None when the duplicate and the file kept in its
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
    sink: Sink | None = None,
    fail_after: int | None = None,
) -> Outcome:
    """Apply a resolution through the journal, as one run `shelf undo` reverses."""
    return journal.run(
        catalog, command, f"dupes {res.action}", res.dest, res.steps,
        sink=sink, fail_after=fail_after, dest=res.dest, check=Verifier(res.targets),
    )  # fmt: skip


__all__ = ["ACTIONS", "KEEP_RULES", "Resolution", "Verifier", "check_keep", "execute", "plan"]

"""Plan → disk, through the journal.  The only code of organize that changes files.

For each batch of operations: record them as intended and commit; perform them one
by one (each all-or-nothing, see fileops.py); then, in one transaction, mark them
done and change the catalog to match.  `fail_after=n` stops the run with an
injected crash after n steps (a step: a commit or a file operation), which is how
the tests prove that every point of a run can be recovered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folder_row
from mediashelf.console import NullProgress, Progress
from mediashelf.errors import InjectedCrash, PlanError
from mediashelf.organize import fileops, journal
from mediashelf.organize.journal import Step
from mediashelf.organize.plan import Plan
from mediashelf.template.destination import ensure_inside

BATCH: Final = 256


class _Steps:
    def __init__(self, fail_after: int | None) -> None:
        self.left = fail_after
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        if self.left is not None:
            self.left -= 1
            if self.left < 0:
                raise InjectedCrash(f"injected failure after {self.count - 1} steps")


@dataclass(slots=True)
class Outcome:
    run_id: int
    status: str = "done"
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[bytes, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@contextlib.contextmanager
def _interruptible() -> Iterator[list[bool]]:
    """SIGINT/SIGTERM set a flag checked between operations (the batch then finishes)."""
    flag = [False]

    def handler(signum: int, frame: Any) -> None:
        flag[0] = True

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# -- the catalog side of a finished operation -------------------------------------------------


def catalog_done(
    db: sqlite3.Connection, done: Sequence[tuple[Step, dict[str, Any] | None]]
) -> None:
    """Change the catalog to match operations that are done on disk (one batch)."""
    now = time.time_ns()
    touched: set[bytes] = set()
    for step, _ in done:
        touched.add(os.path.dirname(step.dst))
        if step.src is not None:
            touched.add(os.path.dirname(step.src))
    made = [(s, a) for s, a in done if s.action in ("move", "aside", "copy", "reflink", "hardlink")]
    folder_ids = {d: folder_row(db, d) for d in {os.path.dirname(s.dst) for s, _ in made}}
    # a row left at a destination describes a file that is no longer there
    db.executemany("DELETE FROM items WHERE path = ?", [(s.dst,) for s, _ in made])
    moves = [(s, a) for s, a in made if s.action in ("move", "aside") and s.src is not None]
    db.executemany(
        "UPDATE items SET path = ?, folder_id = ?, updated_ns = ?, missing = 0 WHERE path = ?",
        [(s.dst, folder_ids[os.path.dirname(s.dst)], now, s.src) for s, _ in moves],
    )
    # A rename keeps the inode and the mtime: only a move across filesystems (a copy)
    # changes them.  Setting them only where they differ spares the indexes on them
    # a rewrite for every moved row.
    db.executemany(
        "UPDATE items SET dev = ?, ino = ?, mtime_ns = ? WHERE path = ? "
        "AND (dev != ? OR ino != ? OR mtime_ns != ?)",
        [
            (a["dev"], a["ino"], a["mtime_ns"], s.dst, a["dev"], a["ino"], a["mtime_ns"])
            for s, a in moves
            if a is not None
        ],
    )
    copies = [(s, a) for s, a in made if s.action in ("copy", "reflink", "hardlink")]
    if copies:
        from mediashelf.catalog.rows import ITEM_COLUMNS  # here: only copies need it

        cols = list(ITEM_COLUMNS)
        new = {
            "path": "?", "folder_id": "?", "dev": "?", "ino": "?", "mtime_ns": "?",
            "added_ns": "?", "updated_ns": "?", "missing": "0",
        }  # fmt: skip
        select = ", ".join(new.get(c, c) for c in cols)
        db.executemany(
            f"INSERT INTO items ({', '.join(cols)}) SELECT {select} FROM items WHERE path = ?",
            [
                (
                    s.dst,
                    folder_ids[os.path.dirname(s.dst)],
                    a["dev"] if a else 0,
                    a["ino"] if a else 0,
                    a["mtime_ns"] if a else 0,
                    now,
                    now,
                    s.src,
                )
                for s, a in copies
            ],
        )
    db.executemany(
        "DELETE FROM items WHERE path = ?",
        [(s.dst,) for s, _ in done if s.action in ("remove", "delete")],
    )
    # resolving duplicates: a trashed file's row stays, missing, until it is put back
    db.executemany(
        "UPDATE items SET missing = 1, updated_ns = ? WHERE path = ?",
        [(now, s.src) for s, _ in done if s.action == "trash"],
    )
    db.executemany(
        "UPDATE items SET missing = 0, updated_ns = ? WHERE path = ?",
        [(now, s.dst) for s, _ in done if s.action == "untrash"],
    )
    db.executemany(
        "UPDATE items SET dev = ?, ino = ?, mtime_ns = ?, updated_ns = ? WHERE path = ?",
        [
            (a["dev"], a["ino"], a["mtime_ns"], now, s.dst)
            for s, a in done
            if s.action in ("link-over", "unshare") and a is not None
        ],
    )
    db.executemany("UPDATE folders SET signature = NULL WHERE path = ?", [(f,) for f in touched])


# -- performing one operation ------------------------------------------------------------------


def perform(step: Step, outcome: Outcome) -> None:
    """Do one operation on disk.  Raises OSError when it could not be done."""
    a, src, dst = step.action, step.src, step.dst
    if a in ("move", "aside"):
        assert src is not None
        if fileops.move(src, dst):
            outcome.add("copied_across_filesystems")
    elif a == "copy":
        assert src is not None
        fileops.copy_verified(src, dst)
    elif a == "reflink":
        assert src is not None
        try:
            fileops.copy_verified(src, dst, reflink=True)
        except fileops.ReflinkUnsupported:
            fileops.copy_verified(src, dst)
            if "reflink_fallback" not in outcome.counts:
                outcome.notes.append(
                    "this filesystem cannot share blocks between files (reflink): copied instead"
                )
            outcome.add("reflink_fallback")
    elif a == "hardlink":
        assert src is not None
        fileops.link(src, dst)
    elif a == "symlink":
        assert src is not None
        fileops.symlink(src, dst)
    elif a in ("remove", "delete"):
        os.unlink(dst)
    elif a == "trash":
        assert src is not None
        fileops.trash(src, dst)
    elif a == "untrash":
        assert src is not None
        fileops.untrash(src, dst)
    elif a == "link-over":
        assert src is not None
        fileops.link_over(src, dst)
    elif a == "unshare":
        fileops.unshare(dst, step.mtime_ns)
    elif a == "mkdir":
        os.mkdir(dst)
    elif a == "rmdir":
        os.rmdir(dst)
    else:  # pragma: no cover - every action is handled above
        raise ValueError(a)


# -- a run ----------------------------------------------------------------------------------------


def execute(
    catalog: Catalog,
    run_id: int,
    steps: Sequence[Step],
    *,
    progress: Progress | None = None,
    fail_after: int | None = None,
    prune_from: Callable[[], Sequence[bytes]] | None = None,
    stop_at: frozenset[bytes] = frozenset(),
    dest: bytes | None = None,
    check: Callable[[Step], str | None] | None = None,
) -> Outcome:
    """Perform `steps` in order through the journal; then prune emptied folders.

    With `dest`, every path created is checked again, just before, to be inside it
    (the disk may have changed since the plan: a folder replaced by a symlink).
    With `check`, each step is offered to it just before it is performed: a reason
    returned skips the step (reported as a failure, the file left alone).
    """
    progress = progress or NullProgress()
    tick = _Steps(fail_after)
    outcome = Outcome(run_id)
    seq = 0
    safe: set[bytes] = set()  # folders inside DEST checked (or made) during this run
    with _interruptible() as stop:
        for start in range(0, len(steps), BATCH):
            if stop[0]:
                outcome.status = "interrupted"
                break
            batch = list(steps[start : start + BATCH])
            tick()
            with catalog.atomic() as db:
                ids = journal.intend(db, run_id, seq, batch)
            seq += len(batch)
            results: list[tuple[int, Step, str, dict[str, Any] | None, str | None]] = []
            try:
                for op_id, step in zip(ids, batch, strict=True):
                    if stop[0]:
                        results.append((op_id, step, "skipped", None, "interrupted"))
                        continue
                    tick()
                    why = check(step) if check is not None else None
                    if why is not None:
                        results.append((op_id, step, "skipped", None, why))
                        outcome.failures.append((step.src or step.dst, why))
                        outcome.add("changed")
                        progress.done(1)
                        continue
                    try:
                        if dest is not None and _creates_inside(step, dest):
                            # the name itself is one sanitised component: its folder decides
                            folder = os.path.dirname(step.dst)
                            if folder not in safe:
                                ensure_inside(dest, step.dst, check_final=False, checked=safe)
                        perform(step, outcome)
                    except PlanError as e:
                        results.append((op_id, step, "failed", None, str(e)))
                        outcome.failures.append((step.src or step.dst, str(e)))
                        outcome.add("failed")
                    except OSError as e:
                        reason = e.strerror or str(e)
                        if isinstance(e, FileExistsError):
                            reason = "a file already exists at the destination"
                        results.append((op_id, step, "failed", None, reason))
                        outcome.failures.append((step.src or step.dst, reason))
                        outcome.add("failed")
                    else:
                        results.append((op_id, step, "done", journal.stat_after(step.dst), None))
                        outcome.add(step.action)
                    progress.done(1)
            except InjectedCrash:
                raise  # as if killed: nothing more is written
            except BaseException:
                _commit(catalog, results, tick)  # keep the record of what was done
                raise
            _commit(catalog, results, tick)
        if prune_from is not None and outcome.status == "done":
            _prune(catalog, run_id, seq, prune_from(), stop_at, tick, outcome)
    return outcome


def _creates_inside(step: Step, dest: bytes) -> bool:
    """Whether `step` creates something that must be inside DEST (not DEST's own folders)."""
    if step.action in ("remove", "rmdir", "delete", "trash", "link-over", "unshare"):
        return False
    return not (step.dst == dest or dest.startswith(step.dst.rstrip(b"/") + b"/"))


def _commit(
    catalog: Catalog,
    results: list[tuple[int, Step, str, dict[str, Any] | None, str | None]],
    tick: Callable[[], None],
) -> None:
    tick()
    with catalog.atomic() as db:
        journal.mark_many(
            db, [(op_id, state, after, error) for op_id, _, state, after, error in results]
        )
        catalog_done(db, [(step, after) for _, step, state, after, _ in results if state == "done"])


def _prune(
    catalog: Catalog,
    run_id: int,
    seq: int,
    folders: Sequence[bytes],
    stop_at: frozenset[bytes],
    tick: Callable[[], None],
    outcome: Outcome,
) -> None:
    """Remove source folders a move emptied, upwards, never past a scan root or DEST."""
    removed: list[bytes] = []
    seen: set[bytes] = set()
    for folder in sorted(set(folders), key=len, reverse=True):
        current = folder
        while current not in seen and current not in stop_at and current != b"/":
            seen.add(current)
            try:
                if os.listdir(current):
                    break
                tick()
                os.rmdir(current)
            except OSError:
                break
            removed.append(current)
            current = os.path.dirname(current)
    if removed:
        tick()
        with catalog.atomic() as db:
            ids = journal.intend(db, run_id, seq, [Step("rmdir", None, d) for d in removed])
            for op_id in ids:
                journal.mark(db, op_id, "done")
            db.executemany(
                "DELETE FROM folders WHERE path = ? AND id NOT IN (SELECT folder_id FROM items)",
                [(d,) for d in removed],
            )
        outcome.add("folders_removed", len(removed))


def plan_steps(plan: Plan) -> list[Step]:
    """The journal steps of a plan: folders first, then each file (its `aside` first)."""
    steps = [Step("mkdir", None, d) for d in missing_dirs(plan.dirs)]
    for op in plan.ops:
        if op.aside is not None:
            steps.append(Step("aside", op.dst, op.aside, None, None, None))
        steps.append(Step(op.action, op.src, op.dst, op.size, op.mtime_ns, op.item_id))
    return steps


def missing_dirs(dirs: Sequence[bytes]) -> list[bytes]:
    """Every folder to create, parents before children."""
    out: list[bytes] = []
    seen: set[bytes] = set()
    for d in sorted(dirs):
        chain = []
        current = d
        while current not in seen and not os.path.isdir(current):
            chain.append(current)
            seen.add(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        out.extend(reversed(chain))
    return sorted(set(out), key=lambda p: (p.count(b"/"), p))

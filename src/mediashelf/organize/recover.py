"""Finishing interrupted runs, and undoing finished ones.

`recover` looks at each operation a dead run left `intended` and asks the disk what
happened: a move whose destination exists and whose source is gone was done; one
whose source is still there was not (a half-written copy under its temporary name
is deleted).  Done operations are kept and the catalog is brought to match; the
rest are marked not done.  Nothing is guessed: where the disk holds something
unexpected, the operation is reported and both files are left alone.

`undo` reverses a run from its journal, refusing files that changed since.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
from dataclasses import dataclass, field

from mediashelf.catalog.connect import Catalog
from mediashelf.console import Progress
from mediashelf.errors import ConfigError, ShelfError
from mediashelf.organize import fileops, journal
from mediashelf.organize.apply import Outcome, catalog_done, execute
from mediashelf.organize.journal import OpRow, Step


class UndoRefused(ShelfError):
    """Files changed since the run; nothing was undone (exit 1)."""

    exit_code = 1


@dataclass(slots=True)
class Recovered:
    run_id: int
    command: str
    kept: int = 0
    not_done: int = 0
    partial_removed: int = 0
    odd: list[str] = field(default_factory=list)

    def message(self) -> str:
        text = (
            f"run {self.run_id} (`{self.command}`) was interrupted; recovered: "
            f"{self.kept:,} operation(s) had completed and are kept, "
            f"{self.not_done:,} had not been done"
        )
        if self.partial_removed:
            text += f", {self.partial_removed:,} half-written copie(s) removed"
        text += f". Run the command again to finish, or `shelf undo {self.run_id}` to reverse it."
        return text


def _one_file(a: bytes, b: bytes) -> bool | None:
    """Whether two paths name the same file; None when either cannot be looked at."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return None


def _settle(op: OpRow, rec: Recovered) -> str:
    """'done' or 'skipped' (not done) for one intended operation, from the disk."""
    if op.action in ("move", "aside", "copy", "reflink", "link-over", "unshare"):
        tmp = fileops.tmp_name(op.dst)
        if os.path.lexists(tmp):
            with contextlib.suppress(OSError):
                os.unlink(tmp)
                rec.partial_removed += 1
    src, dst = op.src, op.dst
    has_dst = os.path.lexists(dst)
    has_src = src is not None and os.path.lexists(src)
    if op.action in ("trash", "untrash"):
        # the disk decides, as for a move; then a .trashinfo without its file goes
        state = _settle(dataclasses.replace(op, action="move"), rec)
        trashed = op.dst if op.action == "trash" else op.src
        assert trashed is not None
        info = fileops.trash_info(trashed)
        if not os.path.lexists(trashed):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(info)
        return state
    if op.action in ("link-over", "hardlink"):  # done: the two paths are one file
        assert src is not None
        return "done" if _one_file(src, dst) else "skipped"
    if op.action == "unshare":  # done: they are two files again
        assert src is not None
        return "skipped" if _one_file(src, dst) in (True, None) else "done"
    if op.action in ("move", "aside"):
        assert src is not None
        if has_dst and not has_src:
            return "done"
        if has_dst and has_src:
            # a move across filesystems stopped between placing the copy and removing
            # the original: the copy is complete (it is renamed into place only once
            # verified), so finishing means removing the original
            if fileops.same_bytes(src, dst):
                os.unlink(src)
                return "done"
            rec.odd.append(f"{os.fsdecode(dst)}: another file is there; both left alone")
        elif not has_src:
            rec.odd.append(f"{os.fsdecode(src)}: found neither at its source nor its destination")
        return "skipped"
    if op.action in ("copy", "reflink"):
        assert src is not None
        return "done" if has_dst and fileops.same_bytes(src, dst) else "skipped"
    if op.action == "symlink":
        return "done" if os.path.islink(dst) and os.readlink(dst) == src else "skipped"
    if op.action in ("remove", "rmdir", "delete"):
        return "done" if not has_dst else "skipped"
    if op.action == "mkdir":
        return "done" if os.path.isdir(dst) else "skipped"
    return "skipped"


def recover(catalog: Catalog) -> list[Recovered]:
    """Settle every run a crash left unfinished.  The caller holds the catalog lock."""
    out = []
    for run in journal.unfinished(catalog.db):
        rec = Recovered(run.id, run.command)
        with catalog.atomic() as db:
            for op in journal.ops_of(db, run.id, "intended"):
                state = _settle(op, rec)
                step = Step(op.action, op.src, op.dst, op.size, op.mtime_ns, op.item_id)
                after = journal.stat_after(op.dst) if state == "done" else None
                journal.mark(db, op.id, state, after, None if state == "done" else "interrupted")
                if state == "done":
                    catalog_done(db, [(step, after)])
                    rec.kept += 1
                else:
                    rec.not_done += 1
        done = len(journal.ops_of(catalog.db, run.id, "done"))
        journal.finish_run(
            catalog, run.id, "recovered",
            {"done": done, "not_done": rec.not_done, "partial_removed": rec.partial_removed},
        )  # fmt: skip
        out.append(rec)
    return out


# -- undo -----------------------------------------------------------------------------------------


def _changed(op: OpRow) -> str | None:
    """Why the result of `op` can no longer be undone safely, or None."""
    now = journal.stat_after(op.dst)
    if now is None:
        return "no longer there"
    before = op.after or {}
    if op.action == "symlink":
        return None if os.path.islink(op.dst) and os.readlink(op.dst) == op.src else "changed"
    if any(now.get(k) != before.get(k) for k in ("size", "mtime_ns", "ino")):
        return "changed since (size, time or identity)"
    return None


def undo_steps(
    ops: list[OpRow], force: bool, already: frozenset[bytes] = frozenset()
) -> tuple[list[Step], list[str]]:
    """The steps that reverse `ops` (done operations of a run), and what blocks them.

    `already`: destinations an earlier, interrupted undo of the same run reversed.
    """
    reverse: list[Step] = []
    created: list[bytes] = []
    problems: list[str] = []
    vacated: set[bytes] = set()  # places an earlier reverse step frees
    for op in reversed(ops):
        if op.dst in already:
            continue
        label = os.fsdecode(op.dst)
        if op.action in ("move", "aside", "trash"):
            assert op.src is not None
            where = " (in the trash)" if op.action == "trash" else ""
            why = _changed(op)
            if why == "no longer there" or (why and not force):
                problems.append(f"{label}: {why}{where}")
                continue
            if os.path.lexists(op.src) and op.src not in vacated:
                problems.append(f"{os.fsdecode(op.src)}: a file is now at the original place")
                continue
            back = "untrash" if op.action == "trash" else "move"
            reverse.append(Step(back, op.dst, op.src, op.size, op.mtime_ns, op.item_id))
            vacated.add(op.dst)
        elif op.action == "link-over":
            why = _changed(op)
            if why and not force:
                problems.append(f"{label}: {why}")
                continue
            if why != "no longer there":
                reverse.append(Step("unshare", op.src, op.dst, op.size, op.mtime_ns, op.item_id))
        elif op.action in ("copy", "reflink", "hardlink", "symlink"):
            why = _changed(op)
            if why == "no longer there":
                continue  # already gone: nothing to remove
            if why and not force:
                problems.append(f"{label}: {why}")
                continue
            reverse.append(Step("remove", None, op.dst, op.size, op.mtime_ns, op.item_id))
            vacated.add(op.dst)
        elif op.action == "mkdir":
            created.append(op.dst)
    parents: list[bytes] = []
    for step in reverse:
        if step.action not in ("move", "untrash"):
            continue
        parent = os.path.dirname(step.dst)
        chain = []
        while parent and not os.path.isdir(parent) and parent not in parents:
            chain.append(parent)
            parent = os.path.dirname(parent)
        parents.extend(reversed(chain))
    steps = [Step("mkdir", None, d) for d in parents] + reverse
    steps += [
        Step("rmdir", None, d) for d in sorted(created, key=len, reverse=True) if os.path.isdir(d)
    ]
    return steps, problems


def undo(
    catalog: Catalog, run_id: int | None, *, force: bool, command: str,
    progress: Progress | None = None, fail_after: int | None = None,
) -> Outcome:  # fmt: skip
    db = catalog.db
    if run_id is None:
        candidates = [
            r
            for r in journal.runs(db)
            if r.undone_by is None and r.status != "running" and r.mode != "undo"
        ]
        if not candidates:
            raise ConfigError("nothing to undo: `shelf history` lists the runs")
        run = candidates[0]
    else:
        found = journal.get_run(db, run_id)
        if found is None:
            raise ConfigError(f"no run {run_id}: `shelf history` lists the runs")
        run = found
    if run.mode == "undo":
        raise ConfigError(
            f"run {run.id} is itself an undo (of run {run.undo_of}); "
            "to do that again, run the original command again"
        )
    if run.undone_by is not None:
        raise ConfigError(f"run {run.id} was already undone by run {run.undone_by}")
    already: set[bytes] = set()  # what an interrupted undo of this run already reversed
    for earlier in journal.runs(db):
        if earlier.undo_of == run.id:
            for op in journal.ops_of(db, earlier.id, "done"):
                if op.action in ("move", "untrash") and op.src is not None:
                    already.add(op.src)
                elif op.action in ("remove", "unshare"):
                    already.add(op.dst)
    done = journal.ops_of(db, run.id, "done")
    steps, problems = undo_steps(done, force, frozenset(already))
    if problems and not force:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise UndoRefused(
            f"cannot undo run {run.id}: {len(problems)} file(s) changed since: {shown} "
            "(nothing was changed; --force undoes the rest and leaves those)"
        )
    new_id = journal.start_run(catalog, command, "undo", run.dest, undo_of=run.id)
    outcome = execute(catalog, new_id, steps, progress=progress, fail_after=fail_after)
    outcome.failures = [
        f for f in outcome.failures if not f[1].startswith(os.strerror(errno.ENOTEMPTY))
    ]
    outcome.notes.extend(problems)
    for op in done:
        if op.action == "delete":  # the rest is undone; these are gone for good
            outcome.failures.append((op.dst, f"deleted by run {run.id}: cannot be undone"))
            outcome.add("not_undoable")
    journal.finish_run(catalog, new_id, outcome.status, outcome.counts)
    return outcome

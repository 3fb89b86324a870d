"""Undoing a run: its done operations reversed from the journal, last first.

Each action says how it is reversed (actions.py); files changed since the run are
refused (unless forced), so an undo never destroys work done after it.  An undo is
a run of its own, journaled like any other, so a crash during it is recovered and
the next undo of the same run finishes it.
"""

from __future__ import annotations

import errno
import os

from mediashelf.catalog import journal as tables
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.journal import Run, Step
from mediashelf.errors import EXIT_FAILURES, ConfigError, ShelfError
from mediashelf.events import Sink
from mediashelf.journal.actions import ACTIONS, Reversal
from mediashelf.journal.execute import run as run_steps
from mediashelf.journal.results import Outcome


class UndoRefused(ShelfError):
    """Files changed since the run; nothing was undone (exit 1)."""

    exit_code = EXIT_FAILURES


def undo_steps(
    ops: list[Step], force: bool, already: frozenset[bytes] = frozenset()
) -> tuple[list[Step], list[str]]:
    """The steps that reverse `ops` (done operations of a run), and what blocks them.

    `already`: destinations an earlier, interrupted undo of the same run reversed.
    """
    rev = Reversal(force)
    for op in reversed(ops):
        action = ACTIONS.get(op.action)
        if action is not None and op.dst not in already:
            action.plan_undo(op, rev)
    parents: list[bytes] = []  # folders to make again for the files that go back
    for path in rev.returning:
        parent = os.path.dirname(path)
        chain = []
        while parent and not os.path.isdir(parent) and parent not in parents:
            chain.append(parent)
            parent = os.path.dirname(parent)
        parents.extend(reversed(chain))
    steps = [Step("mkdir", None, d) for d in parents] + rev.steps
    steps += [
        Step("rmdir", None, d)
        for d in sorted(rev.created, key=len, reverse=True)
        if os.path.isdir(d)
    ]
    return steps, rev.problems


def _chosen(catalog: Catalog, run_id: int | None) -> Run:
    """The run to undo: `run_id`, or the last one of this host not undone yet."""
    from mediashelf.catalog.roots import this_host

    host = this_host()
    if run_id is None:
        candidates = [
            r
            for r in tables.runs(catalog)
            if r.undone_by is None and r.status != "running" and r.mode != "undo" and r.mine(host)
        ]
        if not candidates:
            raise ConfigError("nothing to undo: `shelf history` lists the runs")
        run = candidates[0]
    else:
        found = tables.get_run(catalog, run_id)
        if found is None:
            raise ConfigError(f"no run {run_id}: `shelf history` lists the runs")
        run = found
    if not run.mine(host):
        raise ConfigError(
            f"run {run.id} was made on {run.host}: undo it there (its paths are that machine's)"
        )
    if run.mode == "undo":
        raise ConfigError(
            f"run {run.id} is itself an undo (of run {run.undo_of}); "
            "to do that again, run the original command again"
        )
    if run.undone_by is not None:
        raise ConfigError(f"run {run.id} was already undone by run {run.undone_by}")
    return run


def _reversed_before(catalog: Catalog, run: Run) -> frozenset[bytes]:
    """What an interrupted undo of `run` already reversed."""
    already: set[bytes] = set()
    for earlier in tables.runs(catalog):
        if earlier.undo_of == run.id:
            for op in tables.ops_of(catalog, earlier.id, "done"):
                action = ACTIONS.get(op.action)
                path = action.undid(op) if action is not None else None
                if path is not None:
                    already.add(path)
    return frozenset(already)


def undo(
    catalog: Catalog, run_id: int | None, *, force: bool, command: str,
    sink: Sink | None = None, fail_after: int | None = None,
) -> Outcome:  # fmt: skip
    """Reverse run `run_id` (None: the last one not undone) as a new run.

    Raises UndoRefused, changing nothing, when files changed since (unless `force`:
    then the rest is undone and those are left, as notes).
    """
    run = _chosen(catalog, run_id)
    done = tables.ops_of(catalog, run.id, "done")
    steps, problems = undo_steps(done, force, _reversed_before(catalog, run))
    if problems and not force:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise UndoRefused(
            f"cannot undo run {run.id}: {len(problems)} file(s) changed since: {shown} "
            "(nothing was changed; --force undoes the rest and leaves those)"
        )

    def settle(outcome: Outcome) -> None:
        outcome.failures = [
            f for f in outcome.failures if not f[1].startswith(os.strerror(errno.ENOTEMPTY))
        ]
        outcome.notes.extend(problems)
        for op in done:
            if getattr(
                ACTIONS.get(op.action), "final", False
            ):  # the rest is undone; these are gone for good
                outcome.failures.append((op.dst, f"deleted by run {run.id}: cannot be undone"))
                outcome.add("not_undoable")

    return run_steps(
        catalog, command, "undo", run.dest, steps, undo_of=run.id, settle=settle,
        sink=sink, fail_after=fail_after,
    )  # fmt: skip

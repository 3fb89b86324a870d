"""Steps → disk, through the journal.  The only code that changes files.

For each batch of operations: record them as intended and commit; perform them one
by one (each all-or-nothing, see fileops.py); then, in one transaction, mark them
done and change the catalog to match.  `fail_after=n` stops the run with an
injected crash after n steps (a step: a commit or a file operation), which is how
the tests prove that every point of a run can be recovered.

`run` is the whole life of a run, shared by organize, dupes resolution and undo:
start it in the journal, execute its steps, record how it ended.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog import journal as tables
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.journal import Step
from mediashelf.errors import InjectedCrash, PlanError
from mediashelf.events import FileEvent, NullSink, Sink
from mediashelf.journal.actions import ACTIONS, EFFECTS
from mediashelf.journal.fileops import stat_after
from mediashelf.journal.results import Outcome
from mediashelf.template.destination import ensure_inside

BATCH: Final = 256

#: a step offered just before it is performed: a reason returned skips it
Check = Callable[[Step], str | None]


class _Ticks:
    """Counts the steps of a run; raises InjectedCrash after `fail_after` of them."""

    def __init__(self, fail_after: int | None) -> None:
        self.left = fail_after
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        if self.left is not None:
            self.left -= 1
            if self.left < 0:
                raise InjectedCrash(f"injected failure after {self.count - 1} steps")


@contextlib.contextmanager
def _interruptible() -> Iterator[list[bool]]:
    """SIGINT/SIGTERM set a flag checked between operations (the batch then finishes).

    Only a process's main thread can hear signals: a run in another thread (a web
    server's request) is not interrupted by them; a signal stops the server instead,
    which waits for the run to end.
    """
    flag = [False]

    def handler(signum: int, frame: Any) -> None:
        flag[0] = True

    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class _Execution:
    def __init__(
        self,
        catalog: Catalog,
        run_id: int,
        sink: Sink,
        fail_after: int | None,
        dest: bytes | None,
        check: Check | None,
    ) -> None:
        self.catalog = catalog
        self.run_id = run_id
        self.sink = sink
        self.tick = _Ticks(fail_after)
        self.dest = dest
        self.check = check
        self.outcome = Outcome(run_id)
        self.seq = 0
        self.safe: set[bytes] = set()  # folders inside DEST checked (or made) during this run

    def batch(self, batch: list[Step], stop: list[bool]) -> None:
        self.tick()
        tables.intend(self.catalog, self.run_id, self.seq, batch)
        self.seq += len(batch)
        finished = 0
        try:
            for step in batch:
                if stop[0]:
                    step.state, step.error = "skipped", "interrupted"
                    finished += 1
                    continue
                self.tick()
                self.one(step)
                finished += 1
                self.sink.done(1)
        except InjectedCrash:
            raise  # as if killed: nothing more is written
        except BaseException:
            self.commit(batch[:finished])  # keep the record of what was done
            raise
        self.commit(batch)

    def one(self, step: Step) -> None:
        why = self.check(step) if self.check is not None else None
        if why is not None:
            step.state = "skipped"
            self._failed(step, why, "changed")
            return
        action = ACTIONS[step.action]
        try:
            if self.dest is not None and action.inside_dest:
                self._guard(step.dst, self.dest)
            action.perform(step, self.outcome)
        except PlanError as e:
            step.state = "failed"
            self._failed(step, str(e), "failed")
        except OSError as e:
            reason = e.strerror or str(e)
            if isinstance(e, FileExistsError):
                reason = "a file already exists at the destination"
            step.state = "failed"
            self._failed(step, reason, "failed")
        else:
            step.state, step.after = "done", stat_after(step.dst)
            self.outcome.add(step.action)
            self.sink.file(FileEvent(step.action, step.src or step.dst, os.fsdecode(step.dst)))

    def _guard(self, path: bytes, dest: bytes) -> None:
        """PathEscape unless `path` is inside DEST (or is one of DEST's own folders)."""
        if path == dest or dest.startswith(path.rstrip(b"/") + b"/"):
            return  # DEST or a folder above it, made before DEST exists
        # the name itself is one sanitised component: its folder decides
        if os.path.dirname(path) not in self.safe:
            ensure_inside(dest, path, check_final=False, checked=self.safe)

    def _failed(self, step: Step, reason: str, count: str) -> None:
        step.error = reason
        self.outcome.failures.append((step.src or step.dst, reason))
        self.outcome.add(count)
        self.sink.file(FileEvent(step.state, step.src or step.dst, reason))

    def commit(self, steps: Sequence[Step]) -> None:
        self.tick()
        tables.commit_steps(self.catalog, steps, EFFECTS)

    def prune(self, folders: Sequence[bytes], stop_at: frozenset[bytes]) -> None:
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
                    self.tick()
                    os.rmdir(current)
                except OSError:
                    break
                removed.append(current)
                current = os.path.dirname(current)
        if removed:
            self.tick()
            steps = [Step("rmdir", None, d) for d in removed]
            tables.record_pruned(self.catalog, self.run_id, self.seq, steps)
            self.outcome.add("folders_removed", len(removed))


def execute(
    catalog: Catalog,
    run_id: int,
    steps: Sequence[Step],
    *,
    sink: Sink | None = None,
    fail_after: int | None = None,
    prune_from: Callable[[], Sequence[bytes]] | None = None,
    stop_at: frozenset[bytes] = frozenset(),
    dest: bytes | None = None,
    check: Check | None = None,
) -> Outcome:
    """Perform `steps` in order through the journal; then prune emptied folders.

    With `dest`, every path created is checked again, just before, to be inside it
    (the disk may have changed since the plan: a folder replaced by a symlink).
    With `check`, each step is offered to it just before it is performed: a reason
    returned skips the step (reported as a failure, the file left alone).  The sink
    hears of each file done (the event's kind is the action) or not (failed, skipped).
    """
    run = _Execution(catalog, run_id, sink or NullSink(), fail_after, dest, check)
    with _interruptible() as stop:
        for start in range(0, len(steps), BATCH):
            if stop[0]:
                run.outcome.status = "interrupted"
                break
            run.batch(list(steps[start : start + BATCH]), stop)
        if prune_from is not None and run.outcome.status == "done":
            run.prune(prune_from(), stop_at)
    return run.outcome


def run(
    catalog: Catalog,
    command: str,
    mode: str,
    target: bytes | None,
    steps: Sequence[Step],
    *,
    undo_of: int | None = None,
    settle: Callable[[Outcome], None] | None = None,
    **options: Any,
) -> Outcome:
    """A whole run: started in the journal, `steps` executed (`options` as `execute`
    takes them), and its end recorded, after `settle` has had a last word on the outcome.

    `command` and `mode` are what the history shows, `target` the folder the run puts
    files in (if any); `undo_of`: the run this one undoes.  A run stopped by a crash
    stays `running` in the journal: recovery settles it.
    """
    run_id = tables.start_run(catalog, command, mode, target, undo_of=undo_of)
    outcome = execute(catalog, run_id, steps, **options)
    if settle is not None:
        settle(outcome)
    tables.finish_run(catalog, run_id, outcome.status, outcome.counts)
    return outcome

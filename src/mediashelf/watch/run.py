"""The watcher's loop: hints in, settled folders out, one batch at a time.

    start    an ordinary incremental scan of the roots; then the watches are planned
             (inotify where the budget allows, polling for the rest and for network
             filesystems) and started
    loop     every tick: the roots' health, the poll if due, reconciliation if due,
             then the folders that settled become one batch
    batch    the writer lease is taken for the batch only (so `shelf organize`,
             `prune` … run between batches; a busy catalog is waited for politely),
             the folders are rescanned through the scan service and, for an inbox,
             organized through the organize service as one journaled run
    stop     SIGINT/SIGTERM: the batch in flight finishes (the scan and the journal
             stop cleanly at their next safe point), then the watches are dropped

A root the mount guard holds (gone, unreadable, empty, another filesystem) is paused:
its watches and polls are dropped and nothing under it is rescanned until it looks
right again, when it is rescanned whole and watched again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mediashelf.app.inbox import Filed, file_settled
from mediashelf.app.scan import lease_keys, rescan, root_problem
from mediashelf.app.session import writing
from mediashelf.catalog import Catalog
from mediashelf.config import Settings
from mediashelf.errors import CatalogBusy
from mediashelf.events import NullSink
from mediashelf.model import display_path
from mediashelf.organize.plan import Request
from mediashelf.scan import ScanSummary
from mediashelf.scan.walk import compile_excludes
from mediashelf.signals import StopRequest
from mediashelf.watch.limits import Budget
from mediashelf.watch.listen import Listener
from mediashelf.watch.poll import Poller
from mediashelf.watch.report import Batch
from mediashelf.watch.settle import SWEEP, Settler, Target

#: seconds between two tries of a catalog another command is changing
BUSY_RETRY = 2.0
#: seconds between two looks at a paused root
PAUSED_RETRY = 1.0


@dataclass(frozen=True)
class WatchRequest:
    roots: tuple[bytes, ...]
    #: organize settled files with these options (`--into`); None: only catalogue them
    inbox: Request | None = None
    command: str = "shelf watch"


def _identity(root: bytes) -> tuple[int, int] | None:
    """The root's (device, inode) if it can be listed, else None."""
    try:
        st = os.stat(root)
        with os.scandir(root) as it:
            next(it, None)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Watcher:
    def __init__(
        self,
        settings: Settings,
        request: WatchRequest,
        *,
        report: Callable[[Batch], None],
        note: Callable[[str], None],
    ) -> None:
        # names still being written are not scanned (nor organized) until renamed
        self.settings = settings = replace(
            settings, exclude=settings.exclude + settings.watch.partial
        )
        self.request = request
        self.roots = list(request.roots)
        self.report = report
        self.note = note
        w = settings.watch
        self.tick = max(0.02, min(0.5, w.settle / 4))
        self.settler = Settler(w.settle)
        name_rx, _ = compile_excludes(settings.exclude)
        self.listener = Listener(self.settler, name_rx, self._overflowed)
        self.poller = Poller(self.settler, w.poll)
        self.budget = Budget(settings, note)
        self.identity: dict[bytes, tuple[int, int] | None] = {}
        self.paused: dict[bytes, str] = {}
        self.paused_checked = 0.0
        self.reasons: set[str] = set()
        self.overflow = threading.Event()
        self.busy_until = 0.0
        self.retry: list[Target] = []  # a batch the busy catalog turned away
        self.busy_noted = False
        self.batches = 0
        self.stop = StopRequest(abort_on_second=False)
        self.next_reconcile = float("inf")

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> int:
        """Watch until SIGINT/SIGTERM; the exit code."""
        with self.stop:
            start = time.monotonic()
            summary = self._scan([Target(r, True, start) for r in self.roots], "start")
            if summary is not None and summary.interrupted:
                return 130
            for root in self.roots:
                if root not in self.paused:
                    self._watch(root)
            self.listener.start()
            self.note(
                f"watching {len(self.listener.watches):,} tree(s) with inotify, polling "
                f"{len(self.poller):,} folder(s); settle {self.settings.watch.settle:g} s"
            )
            reconcile = self.settings.watch.reconcile
            self.next_reconcile = time.monotonic() + reconcile if reconcile else float("inf")
            try:
                while not self.stop.event.is_set():
                    self._tick(time.monotonic())
                    self.stop.event.wait(self.tick)
            finally:
                self.listener.stop()
        return 0

    def _tick(self, now: float) -> None:
        self._check_roots(now)
        if self.poller.due(now):
            self.poller.poll(now, self.listener.watches)
        if now >= self.next_reconcile:
            self.next_reconcile = now + self.settings.watch.reconcile
            self._sweep(self._active(), "reconcile")
        if self.overflow.is_set():
            self.overflow.clear()
            self.note("the kernel's event queue overflowed: rescanning the watched folders")
            self._sweep(list(self.listener.watches), "overflow")
        if now < self.busy_until:
            return
        targets = self.retry + self.settler.ready(now)
        self.retry = []
        if targets:
            reason = ",".join(sorted(self.reasons)) or "changes"
            self.reasons.clear()
            self._scan(targets, reason)

    def _active(self) -> list[bytes]:
        return [r for r in self.roots if r not in self.paused]

    def _sweep(self, trees: Sequence[bytes], reason: str) -> None:
        now = time.monotonic()
        for tree in trees:
            self.settler.hint(tree, SWEEP, now, first=now)
        if trees:
            self.reasons.add(reason)

    def _overflowed(self) -> None:  # (a watchdog thread)
        self.overflow.set()

    # -- watching and pausing roots ------------------------------------------------------

    def _watch(self, root: bytes) -> None:
        self.identity[root] = _identity(root)
        plan = self.budget.plan(root)
        for tree in plan.watched:
            try:
                self.listener.watch(tree)
            except OSError as e:  # the kernel refused after all: poll that tree
                self.note(f"cannot watch {display_path(tree)} ({e}); polling it instead")
                self.poller.add(self.budget.folders(tree), tree=True)
        self.poller.add(plan.polled)

    def _unwatch(self, root: bytes) -> None:
        self.listener.unwatch_under(root)
        self.poller.remove_under(root)
        self.settler.discard_under(root)
        self.budget.release(root)

    def _pause(self, root: bytes, reason: str) -> None:
        if root in self.paused:
            return
        self.paused[root] = reason
        self._unwatch(root)
        self.note(f"paused {display_path(root)}: {reason}; watching resumes when it is back")

    def _check_roots(self, now: float) -> None:
        for root in self._active():
            if _identity(root) != self.identity.get(root):
                problem = self._problem(root)
                if problem is not None:
                    self._pause(root, problem)
                else:  # another folder in its place, or it came back: start afresh
                    self._unwatch(root)
                    self._watch(root)
                    self._sweep([root], "resumed")
        if self.paused and now - self.paused_checked >= PAUSED_RETRY:
            self.paused_checked = now
            for root in list(self.paused):
                if self._problem(root) is None:
                    del self.paused[root]
                    self.note(f"resumed {display_path(root)}")
                    self._watch(root)
                    self._sweep([root], "resumed")

    def _problem(self, root: bytes) -> str | None:
        """Why a root cannot be watched now: not listable, or the mount guard's reason."""
        if _identity(root) is None:
            try:
                os.scandir(root).close()
            except OSError as e:
                return f"cannot be listed ({e.strerror})"
        return root_problem(self.settings, root)

    # -- batches -------------------------------------------------------------------------

    def _scan(self, targets: list[Target], reason: str) -> ScanSummary | None:
        targets = [t for t in targets if not any(_under(t.folder, p) for p in self.paused)]
        if not targets:
            return None
        t0 = time.monotonic()
        deep = [t.folder for t in targets if t.deep]
        shallow = {t.folder for t in targets if not t.deep}
        folders = deep + sorted(shallow)
        inbox = self.request.inbox
        try:
            with writing(
                self.settings,
                command=f"{self.request.command} (batch {self.batches + 1})",
                create=True,
                durable=inbox is not None,
                settled=lambda rec: self.note(rec.message()),
                # on a server, a batch that only scans locks its roots' volumes, so other
                # machines' scans go on; one that moves files locks the whole catalog
                scope=None if inbox is not None else self._lease_keys,
            ) as catalog:
                summary = rescan(
                    self.settings, catalog, folders, within=self.roots, shallow=shallow,
                    sink=NullSink(),
                )  # fmt: skip
                filed: Filed | None = None
                if inbox is not None and not (summary.interrupted or self.stop.event.is_set()):
                    filed = file_settled(
                        self.settings, catalog, inbox, folders,
                        command=f"{self.request.command} (batch {self.batches + 1})",
                        sink=NullSink(),
                    )  # fmt: skip
        except CatalogBusy as e:
            self._busy(targets, str(e))
            return None
        self.busy_noted = False
        self.batches += 1
        end = time.monotonic()
        batch = Batch(
            self.batches,
            reason,
            len(folders),
            summary,
            end - t0,
            end - min(t.since for t in targets),
            filed,
        )
        if batch.news:
            self.report(batch)
        for h in summary.held:
            if h.kind == "root":
                self._pause(h.root, h.reason)
        if summary.interrupted or (filed is not None and filed.status == "interrupted"):
            self.stop.event.set()
        return summary

    def _lease_keys(self, catalog: Catalog) -> list[int]:
        return lease_keys(catalog, [r for r in self.roots if os.path.isdir(r)])

    def _busy(self, targets: list[Target], message: str) -> None:
        """Another command holds the catalog: keep the folders dirty and try again later."""
        self.retry = targets
        self.busy_until = time.monotonic() + BUSY_RETRY
        if not self.busy_noted:
            self.busy_noted = True
            self.note(f"waiting: {message.split(';')[0]}")


def _under(path: bytes, root: bytes) -> bool:
    return path == root or path.startswith(root.rstrip(b"/") + b"/")

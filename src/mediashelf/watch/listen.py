"""watchdog's inotify events, reduced to hints for the settler.

Only what says "something here changed" is asked of the kernel (no opens, no reads:
the scan's own reading of files would otherwise wake the watcher).  Each event names
the folder to rescan: the file's folder (shallow), or the folder itself and all below
it when a folder was created, moved or deleted (its files may have arrived before its
watch did).  Writes and closes keep the set of files open for writing (a write opens, a
close-after-write closes).  Names still
being written (`*.part` …) and excluded names do not count as activity, but a rename
to a final name does.

When the kernel's event queue overflows, watchdog rebuilds its watches and logs a
warning; `Listener` hears that warning and asks for a full rescan of the roots whose
events may have been lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from mediashelf.watch.settle import DEEP, SHALLOW, Settler

#: the events asked for (watchdog turns this list into the inotify mask)
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
_OVERFLOW_LOGGER = "watchdog.observers.inotify_c"


def _path(p: bytes | str) -> bytes:
    return p if isinstance(p, bytes) else os.fsencode(p)


class _Handler(FileSystemEventHandler):
    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.listener.event(event)


class _Overflow(logging.Handler):
    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__(logging.WARNING)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.callback()


class Listener:
    """An inotify observer over some sub-trees, feeding a `Settler`."""

    def __init__(
        self,
        settler: Settler,
        ignore: re.Pattern[bytes] | None,
        on_overflow: Callable[[], None],
    ) -> None:
        self.settler = settler
        self.ignore = ignore  # names that are not activity (partial, excluded)
        self.observer: BaseObserver = Observer()
        self.watches: dict[bytes, ObservedWatch] = {}
        self.events = 0  # events heard in all (a counter, for the report)
        self.overflows = 0
        self._lock = threading.Lock()
        self._on_overflow = on_overflow
        self._log_handler = _Overflow(self._overflowed)
        logging.getLogger(_OVERFLOW_LOGGER).addHandler(self._log_handler)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        logging.getLogger(_OVERFLOW_LOGGER).removeHandler(self._log_handler)
        self.observer.stop()
        self.observer.join(timeout=10)

    def watch(self, tree: bytes) -> None:
        """Watch a folder and everything below it (OSError if the kernel refuses)."""
        with self._lock:
            if tree not in self.watches:
                self.watches[tree] = self.observer.schedule(
                    _Handler(self), os.fsdecode(tree), recursive=True, event_filter=EVENTS
                )

    def unwatch_under(self, root: bytes) -> None:
        prefix = root.rstrip(b"/") + b"/"
        with self._lock:
            for tree in [t for t in self.watches if t == root or t.startswith(prefix)]:
                with contextlib.suppress(KeyError, OSError):
                    self.observer.unschedule(self.watches.pop(tree))

    def _overflowed(self) -> None:
        self.overflows += 1
        self.settler.forget_open()
        self._on_overflow()

    def _ignored(self, path: bytes) -> bool:
        return self.ignore is not None and bool(self.ignore.match(os.path.basename(path)))

    def event(self, event: FileSystemEvent) -> None:
        self.events += 1
        now = time.monotonic()
        src = _path(event.src_path)
        settler = self.settler
        if event.is_directory:
            if isinstance(event, DirMovedEvent):
                settler.hint(src, DEEP, now)
                settler.hint(_path(event.dest_path), DEEP, now)
            elif not self._ignored(src):
                settler.hint(src, DEEP, now)
            return
        if isinstance(event, FileMovedEvent):
            dst = _path(event.dest_path)
            settler.renamed(src, dst)
            if not self._ignored(src):
                settler.hint(os.path.dirname(src), SHALLOW, now)
            if not self._ignored(dst):
                settler.hint(os.path.dirname(dst), SHALLOW, now)
            return
        if isinstance(event, FileClosedEvent | FileDeletedEvent):
            settler.closed(src)
        elif isinstance(event, FileModifiedEvent):
            # (not on creation: a file renamed in from outside is "created" and never
            # closed; one created to be written is modified before it is closed)
            settler.opened(src)
        if not self._ignored(src):
            settler.hint(os.path.dirname(src), SHALLOW, now)

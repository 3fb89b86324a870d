"""What long work tells its caller while it runs: progress and per-file events.

The services (`mediashelf.app`) and the flows below them report through a `Sink`;
each front end brings its own: a progress bar on a terminal (`console`), nothing for
`--json` and tests, a server-sent event stream for the web page, a log line per batch
for the watcher.  A sink never changes what the work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FileEvent:
    """Something that happened to one file: `kind` is e.g. failed, moved, organized."""

    kind: str
    path: bytes
    detail: str = ""


class Progress(Protocol):
    """Counts of the work: files (and bytes) found, files done."""

    def found(self, files: int, size: int) -> None: ...
    def done(self, files: int) -> None: ...
    def close(self) -> None: ...


class Sink(Progress, Protocol):
    """Progress plus the per-file events a front end may want to show."""

    def file(self, event: FileEvent) -> None: ...


class NullSink:
    """Hears everything, shows nothing: piped runs, `--json`, tests."""

    def found(self, files: int, size: int) -> None:
        pass

    def done(self, files: int) -> None:
        pass

    def file(self, event: FileEvent) -> None:
        pass

    def close(self) -> None:
        pass

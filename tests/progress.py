"""A progress sink for tests: it keeps the totals it was told."""

from __future__ import annotations


class RecordingProgress:
    def __init__(self) -> None:
        self.files = self.bytes = self.completed = 0
        self.closed = False
        self.events: list[object] = []

    def found(self, files: int, size: int) -> None:
        self.files += files
        self.bytes += size

    def done(self, files: int) -> None:
        self.completed += files

    def close(self) -> None:
        self.closed = True

    def file(self, event: object) -> None:
        self.events.append(event)

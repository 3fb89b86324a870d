"""Reading one corpus file with a reader under a time limit, for the oracle tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

from mediashelf.errors import MediaError

T = TypeVar("T")


class Hang(BaseException):
    """Raised by the interval timer: a BaseException so no reader code can swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise Hang


def read_bounded(
    path: Path, limit: float, read: Callable[[BinaryIO, bytes, str, bytes], T]
) -> T | MediaError:
    """`read(file, path, ext, head)` within `limit` seconds; a MediaError is returned."""
    ext = path.suffix[1:].lower()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with path.open("rb") as f:
            head = f.read(16384)
            f.seek(0)
            try:
                return read(f, os.fsencode(path), ext, head)
            except MediaError as e:
                return e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class CorpusReads(Generic[T]):
    """Each corpus file read once (cached) with a time limit, and the shared robustness check."""

    def __init__(
        self, root: Path, limit: float, read: Callable[[Path], T | MediaError], info: type[T]
    ) -> None:
        self.root = root
        self.limit = limit
        self.read = read
        self.info = info
        self._cache: dict[str, T | MediaError] = {}

    def outcome(self, rel: str) -> T | MediaError:
        if rel not in self._cache:
            self._cache[rel] = self.read(self.root / rel)
        return self._cache[rel]

    def robustness(self, paths: Iterable[Path]) -> tuple[list[str], list[T]]:
        """Problems (a hang, a foreign exception, a MediaError without a message) and
        what was read: every file must give metadata or a clean MediaError."""
        problems: list[str] = []
        infos: list[T] = []
        for path in paths:
            rel = str(path.relative_to(self.root))
            try:
                outcome = self.outcome(rel)
            except Hang:
                problems.append(f"{rel}: still running after {self.limit} s")
                continue
            except Exception as e:  # the reader must never let these out
                problems.append(f"{rel}: {type(e).__name__}: {e}")
                continue
            if isinstance(outcome, self.info):
                infos.append(outcome)
            elif isinstance(outcome, MediaError) and not outcome.message:
                problems.append(f"{rel}: {type(outcome).__name__} without a message")
        return problems, infos

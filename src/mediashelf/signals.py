"""Ctrl-C and SIGTERM as a request to stop cleanly, for long work that checks for it."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class StopRequest:
    """While entered, SIGINT and SIGTERM ask for a clean stop (`requested`, `event`).

    With `abort_on_second`, a second signal raises KeyboardInterrupt at once, for the
    user who does not want to wait for the clean stop.
    """

    def __init__(self, *, abort_on_second: bool = True) -> None:
        self.event = threading.Event()
        self._abort_on_second = abort_on_second
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self._abort_on_second and self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def __enter__(self) -> StopRequest:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

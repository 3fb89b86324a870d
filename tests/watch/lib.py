"""A real `shelf watch` process, its batches (JSON lines) and notes (stderr) read as
they come."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Shelf, read_items, wait_until

#: settle time for tests: short, but long enough for two stat passes
SETTLE = "0.3"


class Watching:
    def __init__(
        self,
        shelf: Shelf,
        *args: str | os.PathLike[str],
        preexec_fn: Callable[[], None] | None = None,
        ready: bool = True,
    ) -> None:
        argv = shelf.argv("watch", *args, "--json", "--jobs", "1")
        if "--settle" not in args:
            argv += ["--settle", SETTLE]
        self.proc = subprocess.Popen(
            argv,
            env=shelf.env,
            cwd=shelf.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        self.db = shelf.db
        self.batches: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._threads = [
            threading.Thread(target=self._read_out, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for t in self._threads:
            t.start()
        if ready:
            self.wait_note("watching", 60)

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.batches.append(json.loads(line))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.notes.append(line.decode(errors="replace"))

    def wait_note(self, text: str, timeout: float = 30) -> str:
        def found() -> bool:
            if self.proc.poll() is not None and not any(text in n for n in self.notes):
                time.sleep(0.2)
                raise AssertionError(f"shelf watch exited {self.proc.returncode}: {self.notes}")
            return any(text in n for n in self.notes)

        wait_until(found, timeout, 0.02, f"a note with {text!r}; notes: {self.notes}")
        return next(n for n in self.notes if text in n)

    def totals(self, key: str) -> int:
        return sum(b["counts"][key] for b in self.batches)

    def wait_rows(
        self, check: Callable[[dict[bytes, dict[str, Any]]], bool], timeout: float = 30
    ) -> dict[bytes, dict[str, Any]]:
        """Wait until the catalog's rows pass `check`; the rows."""
        out: dict[bytes, dict[str, Any]] = {}

        def ok() -> bool:
            nonlocal out
            if self.proc.poll() is not None:
                raise AssertionError(f"shelf watch exited {self.proc.returncode}: {self.notes}")
            out = read_items(self.db)
            return check(out)

        wait_until(ok, timeout, 0.05, f"the catalog; batches {self.batches} notes {self.notes}")
        return out

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        code = self.proc.wait(timeout)
        for t in self._threads:
            t.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def present(rows: dict[bytes, dict[str, Any]]) -> set[bytes]:
    return {p for p, r in rows.items() if not r["missing"]}


def bpath(p: Path) -> bytes:
    return os.fsencode(p)

"""What the program shows people: progress bars, sizes, durations, paths and JSON lines.

One home for output helpers, so every command formats a size or a duration the same
way for the same purpose.  rich is imported only when a terminal is there to draw on,
so piped and `--json` runs start fast.  Nothing here knows about the catalog.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from mediashelf.events import FileEvent, NullSink, Sink
from mediashelf.model import display_path

#: the progress interface, as the flows and services know it
Progress = Sink


class NullProgress(NullSink):
    """No output: piped runs, `--json`, tests."""


class BarProgress:
    """A live bar: files found, files done, bytes, files/s and ETA.

    The walk streams ahead of extraction, so "found" grows quickly to the real
    total and the ETA is computed from the remaining files and the recent rate.
    """

    def __init__(self, console_file: TextIO | None = None, label: str = "scanning") -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._console = Console(file=console_file or sys.stderr)
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[size]} · {task.fields[rate]} files/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            transient=True,
            refresh_per_second=8,
        )
        self._task = self._progress.add_task("scan", total=0, size="0 B", rate="-")
        self._found = self._done = self._bytes = 0
        self._t0 = time.monotonic()
        self._last = 0.0
        self._progress.start()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self._t0, 1e-6)
        self._progress.update(
            self._task,
            total=self._found,
            completed=self._done,
            size=summary_size(self._bytes),
            rate=f"{self._done / elapsed:,.0f}",
        )

    def found(self, files: int, size: int) -> None:
        self._found += files
        self._bytes += size
        self._refresh()

    def done(self, files: int) -> None:
        self._done += files
        self._refresh()

    def file(self, event: FileEvent) -> None:
        pass  # the bar shows counts; failures are listed in the summary

    def close(self) -> None:
        self._refresh(force=True)
        self._progress.stop()


def make_progress(json_mode: bool, quiet: bool = False, label: str = "scanning") -> Progress:
    """A bar on a terminal; nothing when piped, quiet or printing JSON."""
    if json_mode or quiet or not sys.stderr.isatty():
        return NullProgress()
    return BarProgress(label=label)


# -- sizes -------------------------------------------------------------------------------


def summary_size(n: float) -> str:
    """A total for summaries and statistics, in decimal units: "410.6 MB" (as `du --si`)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def file_size(n: float | None) -> str:
    """One file's size in a listing or template, in binary units: "4.2 MiB" (as `ls -h`)."""
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"  # pragma: no cover - the loop returns


# -- durations ---------------------------------------------------------------------------


def track_length(seconds: float | None) -> str:
    """A track's length as players show it: "3:07", "1:02:03"."""
    if seconds is None:
        return ""
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def total_duration(seconds: float) -> str:
    """A library's playing time for people: "2 d 3 h", "3 h 12 min", "4 min 5 s", "12 s"."""
    s = round(seconds)
    days, s = divmod(s, 86_400)
    hours, s = divmod(s, 3_600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days:,} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {s} s"
    return f"{s} s"


# -- untrusted text ----------------------------------------------------------------------


def printable_path(path: bytes) -> str:
    """A path for a terminal: undecodable bytes shown as \\xNN escapes."""
    return display_path(path).encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: object, limit: int = 40) -> str:
    """Untrusted text for a terminal: control characters escaped, long values cut."""
    s = "" if text is None else str(text)
    if not s.isprintable():
        s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)
    return s if len(s) <= limit else s[: limit - 1] + "…"


# -- JSON --------------------------------------------------------------------------------


def dumps(obj: dict[str, Any]) -> str:
    """JSON text; undecodable file names (lone surrogates) are kept as \\udcXX escapes."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj)
    return text

"""Progress while working and summaries at the end: rich on a terminal, JSON when asked.

rich is imported only when a terminal is there to draw on, so piped and `--json`
runs start fast.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from mediashelf.scan import ScanSummary


class Progress(Protocol):
    def found(self, files: int, size: int) -> None: ...
    def done(self, files: int) -> None: ...
    def close(self) -> None: ...


class NullProgress:
    """No output: piped runs, `--json`, tests."""

    def found(self, files: int, size: int) -> None:
        pass

    def done(self, files: int) -> None:
        pass

    def close(self) -> None:
        pass


class RecordingProgress:
    """Keeps the totals it was told, for tests."""

    def __init__(self) -> None:
        self.files = self.bytes = self.completed = 0
        self.closed = False

    def found(self, files: int, size: int) -> None:
        self.files += files
        self.bytes += size

    def done(self, files: int) -> None:
        self.completed += files

    def close(self) -> None:
        self.closed = True


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
            size=human_bytes(self._bytes),
            rate=f"{self._done / elapsed:,.0f}",
        )

    def found(self, files: int, size: int) -> None:
        self._found += files
        self._bytes += size
        self._refresh()

    def done(self, files: int) -> None:
        self._done += files
        self._refresh()

    def close(self) -> None:
        self._refresh(force=True)
        self._progress.stop()


def make_progress(json_mode: bool, quiet: bool = False, label: str = "scanning") -> Progress:
    if json_mode or quiet or not sys.stderr.isatty():
        return NullProgress()
    return BarProgress(label=label)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def print_scan_summary(summary: ScanSummary, out: TextIO, json_mode: bool) -> None:
    if json_mode:
        # ASCII: paths that are not UTF-8 stay valid JSON, as \udcXX escapes
        out.write(json.dumps(summary.as_json()) + "\n")
        return
    c = summary.counts
    s = summary.seconds
    lines = [
        f"{'Interrupted' if summary.interrupted else 'Scanned'} {summary.files:,} files "
        f"({human_bytes(summary.bytes)}) in {s.get('total', 0):.2f} s "
        f"({summary.files_per_second:,.0f} files/s)",
        "  "
        + "  ".join(
            f"{k} {c.get(k, 0):,}" for k in ("added", "changed", "unchanged", "moved", "missing")
        ),
        f"  failed {summary.failure_count:,}"
        + (
            f"  (plus {summary.known_failures:,} known from earlier scans)"
            if summary.known_failures
            else ""
        )
        + (f"  non-media {c.get('other', 0):,}" if c.get("other") else "")
        + (f"  skipped {summary.skipped:,}" if summary.skipped else ""),
        "  time: "
        + "  ".join(f"{k} {s.get(k, 0):.2f}s" for k in ("walk", "diff", "extract", "write"))
        + "  (extract is summed over workers)",
        f"  peak memory: main {summary.peak_rss_mb.get('main', 0):.0f} MB, "
        f"workers {summary.peak_rss_mb.get('workers', 0):.0f} MB",
    ]
    for f in summary.failures[:10]:
        lines.append(f"  ! {f.kind}: {printable_path(f.path)}: {f.message}")
    if summary.failure_count > 10:
        lines.append(f"  … {summary.failure_count - 10} more: see `shelf failures`")
    out.write("\n".join(lines) + "\n")


def printable_path(path: bytes) -> str:
    """A path for a terminal: undecodable bytes shown as \\xNN escapes."""
    from mediashelf.model import display_path

    return display_path(path).encode("utf-8", "backslashreplace").decode("utf-8")

"""The extract stage: read metadata for added and changed files.

`extract_batch` runs in a worker process (`scan.pool`), or in this process with
--jobs 1, and never raises: every per-file problem becomes a `Failure`.  Each file
goes to the reader the registry (`extract.registry`) chooses for it.
"""

from __future__ import annotations

import json
import resource
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog.rows import item_row
from mediashelf.errors import Corrupt, MediaError, TimedOut, TooLarge, Unreadable, Vanished
from mediashelf.extract.registry import choose, kind_for
from mediashelf.model import Extracted, Failure, FileStat, extension
from mediashelf.quickhash import quick_hash, read_ends

#: cap on the JSON of the extra tags of one file
MAX_EXTRA_JSON = 256 * 1024


def peak_rss_kb() -> int:
    """This process's peak resident set size (VmHWM), in KiB.

    Not `getrusage().ru_maxrss`: Linux carries that over `execve`, so a scan started
    by a large process would report its parent's peak as its own.
    """
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


TIME_LIMIT_MESSAGE = "reading took longer than the per-file time limit"


def on_alarm(signum: int, frame: Any) -> None:
    """SIGALRM handler of the process that reads: the per-file time limit is up."""
    raise TimedOut(TIME_LIMIT_MESSAGE)


def _read(fs: FileStat) -> Extracted:
    """Open the file, hash its ends and hand it to the reader the registry chooses."""
    ext = extension(fs.path)
    try:
        f = open(fs.path, "rb")  # noqa: SIM115 - closed below, after the reader is done
    except FileNotFoundError as e:
        raise Vanished("file disappeared before it could be read") from e
    except OSError as e:
        raise Unreadable(f"cannot open: {e.strerror or e}") from e
    with f:
        try:
            head, tail = read_ends(f, fs.size)
        except OSError as e:
            raise Unreadable(f"read error: {e.strerror or e}") from e
        qh = quick_hash(fs.size, head, tail)
        choice = choose(ext, head)
        if choice is None:
            return Extracted(fs, "other", ext or None, {}, None, qh)
        try:
            media = choice.reader.load()(f, fs, ext, head)
        except MediaError:
            if choice.sniffed:  # only looked like media: catalogue it as a plain file
                return Extracted(fs, "other", None, {}, None, qh)
            raise
        return Extracted(fs, media.kind, media.format, media.fields, _extra_json(media.extra), qh)


def _extra_json(extra: dict[str, object]) -> str | None:
    """The extra tags of one file as JSON, capped at MAX_EXTRA_JSON."""
    if not extra:
        return None
    text = json.dumps(extra, ensure_ascii=False, default=str)
    if len(text) > MAX_EXTRA_JSON:
        text = json.dumps({"_truncated": True, "_keys": sorted(extra)[:1000]})
    return text


def extract_one(fs: FileStat, timeout: float) -> Extracted:
    """Read one file.  Never raises: a problem is returned as `Extracted.error`."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _read(fs)
    except MediaError as e:
        return _failed(fs, e.kind, e.message)
    except MemoryError:
        return _failed(fs, TooLarge.kind, "reading needed more memory than the worker's ceiling")
    except RecursionError:
        return _failed(fs, Corrupt.kind, "structure nested too deeply")
    except Exception as e:  # a bug in a reader must not stop the scan
        return _failed(fs, "error", f"unexpected {type(e).__name__}: {e}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _failed(fs: FileStat, kind: str, message: str) -> Extracted:
    return Extracted(
        fs,
        kind_for(extension(fs.path)),
        None,
        {},
        None,
        None,
        Failure(fs.path, "extract", kind, message),
    )


#: one file to read: its stat, its folder's id in the catalog, and what the diff
#: found it to be (added | changed | restored; the worker does not look at it)
Task = tuple[FileStat, int, str]
#: one file read: its catalog row (`catalog.rows.ITEM_COLUMNS` order) and its failure,
#: if any.  Rows are built here, in the worker, so the parent's only per-file work is
#: the insert.
Done = tuple[tuple[Any, ...], Failure | None]


#: a shared counter (a memoryview of one unsigned 64-bit integer)
Counter = memoryview
_UNWATCHED = memoryview(bytearray(8)).cast("Q")


@dataclass(frozen=True, slots=True)
class BatchResult:
    results: list[Done]
    seconds: float
    peak_rss_kb: int


def extract_batch(
    batch: Sequence[Task], timeout: float, scan_id: int, started: Counter = _UNWATCHED
) -> BatchResult:
    """Read every file of `batch`, counting the files begun in `started[0]` (shared
    with the pool, which tells from it which file a stuck worker is reading)."""
    t0 = time.perf_counter()
    now = time.time_ns()
    results: list[Done] = []
    for fs, fid, _ in batch:
        started[0] += 1
        ex = extract_one(fs, timeout)
        results.append((item_row(ex, fid, scan_id, now), ex.error))
    return BatchResult(results, time.perf_counter() - t0, peak_rss_kb())


def failed_row(task: Task, kind: str, message: str, scan_id: int) -> Done:
    """The row of a file its worker could not read to the end (crashed, timed out)."""
    fs, fid, _ = task
    ex = _failed(fs, kind, message)
    return item_row(ex, fid, scan_id, time.time_ns()), ex.error

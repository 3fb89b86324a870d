"""The cold scenario: a first index of a library whose files are not in the page cache.

Before every timed run (mediashelf's and the mutagen loop's alike, alternating which
goes first) each file of the library is evicted from the page cache with
`posix_fadvise(POSIX_FADV_DONTNEED)`, so both read every byte from the disk, as a
first index of a freshly copied or mounted library does.  Only this library's file
data is evicted, not the whole machine's cache (`/proc/sys/vm/drop_caches` would
slow every other program on the machine, and needs root): directory entries and
inodes may stay cached, so the walk itself is warm.  There is no target for this
figure; it is reported beside its baseline.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from mediashelf.bench.measure import Stat, cpu_note
from mediashelf.bench.table import Result

if TYPE_CHECKING:
    from mediashelf.bench.run import Bench, _Size


def evict(root: Path) -> int:
    """Drop the cached pages of every file under `root`; returns how many were evicted
    (0 where the system has no posix_fadvise)."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return 0
    count = 0
    for top, _, names in os.walk(root):
        for name in names:
            try:
                fd = os.open(os.path.join(top, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            except OSError:
                pass
            finally:
                os.close(fd)
    return count


def cold_result(bench: Bench, s: _Size) -> Result:
    rates, base_rates, records = [], [], []
    evicted: list[int] = []
    for i in range(bench.runs):
        run_dir = Path(tempfile.mkdtemp(prefix="cold-", dir=bench.tmp))
        try:
            rate, base_rate, record = bench.first_index(
                s, i, run_dir / "catalog.db", "cold", lambda: evicted.append(evict(s.root))
            )
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        rates.append(rate)
        base_rates.append(base_rate)
        records.append(record)
    value, baseline = Stat.of(rates), Stat.of(base_rates)
    note = f"{max(evicted):,} files evicted from the page cache before each run"
    if not max(evicted):
        note = "posix_fadvise unavailable: the files were NOT evicted, this is a warm figure"
    note += "; " + cpu_note(records)
    return Result(
        "cold", s.size, "files/s", value, files=int(records[-1]["summary"].get("files", 0)),
        baseline=baseline, baseline_label="mutagen loop, cold", ratio=value.median / baseline.median,
        note=note, runs=records,
    )  # fmt: skip

"""Stopping cleanly, restarting, and a real inotify queue overflow."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Shelf, assert_catalog_matches_disk, query, read_items, wait_until
from tests.media import make_tree, mp3, write_mp3
from tests.watch.lib import Watching, bpath, present


@pytest.mark.slow_on_postgresql
def test_sigterm_during_a_batch_then_a_restart(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    lib, src = tmp_path / "lib", tmp_path / "src"
    make_tree(lib, {"A/01.mp3": mp3(title="one")})
    make_tree(tmp_path, {"t.mp3": mp3(title="t")})
    data = (tmp_path / "t.mp3").read_bytes()
    for i in range(1500):
        d = src / f"F{i % 30:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:04d}.mp3").write_bytes(data + i.to_bytes(4, "big"))
    w = watch(lib)
    shutil.copytree(src, lib / "Bulk")
    # a batch is running once the scans table has a second scan not yet finished
    wait_until(
        lambda: query(shelf.db, "SELECT count(*) FROM scans WHERE status = 'running'")[0][0] > 0,
        30,
        0.005,
        "a batch in flight",
    )
    code = w.stop(signal.SIGTERM)
    assert code in (0, 130), w.notes
    statuses = {s for (s,) in query(shelf.db, "SELECT status FROM scans")}
    assert "running" not in statuses  # finished or recorded as interrupted
    rows = read_items(shelf.db)
    for path, row in rows.items():  # whatever is catalogued is whole and real
        assert os.path.getsize(path) == row["size"]
    w = watch(lib)  # the restart's first scan finishes the job
    w.wait_rows(lambda rows: len(present(rows)) == 1501, timeout=120)
    assert w.stop() == 0
    assert_catalog_matches_disk(shelf.db, lib)


def test_a_queue_overflow_rescans_the_watched_folders(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    """The watcher is stopped (SIGSTOP) while more events than the kernel queues
    (fs.inotify.max_queued_events) happen; a file created after them has no event
    left: only the overflow's rescan can find it."""
    lib = tmp_path / "lib"
    make_tree(lib, {"A/01.mp3": mp3(title="one")})
    noise = lib / "noise"
    noise.mkdir()
    names = [noise / f"n{i}" for i in range(500)]
    for p in names:
        p.write_bytes(b"")
    with open("/proc/sys/fs/inotify/max_queued_events") as f:
        queued = int(f.read())
    w = watch(lib)
    os.kill(w.proc.pid, signal.SIGSTOP)
    try:
        for round_ in range(2 * queued // len(names)):
            for p in names:
                os.utime(p, ns=(round_, round_))
        late = write_mp3(lib / "A" / "late.mp3", title="late")
    finally:
        os.kill(w.proc.pid, signal.SIGCONT)
    w.wait_note("overflowed", 30)
    w.wait_rows(lambda rows: bpath(late) in present(rows), timeout=60)
    assert w.stop() == 0

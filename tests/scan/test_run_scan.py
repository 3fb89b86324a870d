"""`run_scan` in this process: the stages wired together, on real files and a real catalog."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mediashelf.scan.driver as scan_module
import mediashelf.scan.extract as extract_module
from mediashelf.catalog import open_catalog
from mediashelf.catalog.queries import current_failures
from mediashelf.config import load_settings
from mediashelf.model import Listing
from mediashelf.scan import run_scan
from tests.conftest import assert_catalog_matches_disk, read_items, scan_in_process
from tests.media import flac, jpeg, m4a, make_tree, mp3, ogg, opus
from tests.progress import RecordingProgress


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    make_tree(
        root,
        {
            "Band/First/01.mp3": mp3(title="One", artist="Band", album="First", track=1),
            "Band/First/02.flac": flac(title="Two", artist="Band", album="First", track=2),
            "Band/First/cover.jpg": jpeg(),
            "Band/Second/01.ogg": ogg(title="Three", artist="Band", album="Second", track=1),
            "Band/Second/02.m4a": m4a(title="Four", artist="Band", album="Second", track=2),
            "Band/Second/03.opus": opus(title="Five", artist="Band", album="Second", track=3),
            "Band/Second/info.nfo": "ripped by me\n",
            "loose.mp3": mp3(title="Loose"),
        },
    )
    return root


def b(p: Path) -> bytes:
    return os.fsencode(p)


def test_first_scan_catalogues_everything(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib])
    assert s.exit_code == 0 and not s.interrupted
    assert s.files == 8
    assert s.counts["added"] == 8
    assert s.failure_count == 0
    rows = assert_catalog_matches_disk(db, lib)
    titles = {os.path.basename(p): r["title"] for p, r in rows.items()}
    assert titles == {
        b"01.mp3": "One",
        b"02.flac": "Two",
        b"cover.jpg": None,
        b"01.ogg": "Three",
        b"02.m4a": "Four",
        b"03.opus": "Five",
        b"info.nfo": None,
        b"loose.mp3": "Loose",
    }
    kinds = {os.path.basename(p): r["kind"] for p, r in rows.items()}
    assert kinds[b"cover.jpg"] == "image" and kinds[b"info.nfo"] == "other"
    assert all(kinds[n] == "audio" for n in titles if titles[n])
    assert rows[b(lib / "Band/First/02.flac")]["track"] == 2
    assert all(r["error"] is None for r in rows.values())


def test_progress_is_told_every_file(tmp_path: Path, lib: Path) -> None:
    settings = load_settings(db=str(tmp_path / "cat.db"), jobs=1, env={})
    for expected_class in ("added", "unchanged"):
        progress = RecordingProgress()
        cat = open_catalog(settings.db)
        try:
            s = run_scan(cat, settings, [b(lib)], progress=progress)
        finally:
            cat.close()
        assert s.counts[expected_class] == 8
        assert (progress.files, progress.completed, progress.closed) == (8, 8, True)
        assert progress.bytes == sum(os.path.getsize(p) for p in read_items(settings.db))


def test_sequential_and_parallel_scans_agree(tmp_path: Path, lib: Path) -> None:
    one = scan_in_process(tmp_path / "one.db", [lib], jobs=1)
    two = scan_in_process(tmp_path / "two.db", [lib], jobs=2)
    assert one.counts == two.counts

    def comparable(db: Path) -> dict[bytes, dict[str, Any]]:
        skip = {"id", "folder_id", "added_ns", "updated_ns", "scan_id"}
        return {p: {k: v for k, v in r.items() if k not in skip} for p, r in read_items(db).items()}

    assert comparable(tmp_path / "one.db") == comparable(tmp_path / "two.db")


def test_unchanged_rescan_rewrites_nothing(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan_in_process(db, [lib])
    before = read_items(db)
    s = scan_in_process(db, [lib], jobs=2)
    assert s.counts["unchanged"] == 8
    assert sum(s.counts[c] for c in ("added", "changed", "moved", "missing", "failed")) == 0
    assert read_items(db) == before  # not even updated_ns or scan_id moved


def test_a_file_given_as_root_leaves_its_siblings_alone(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan_in_process(db, [lib])
    one = lib / "Band/First/01.mp3"
    os.unlink(lib / "Band/First/02.flac")  # a sibling goes away meanwhile
    from tests.media import tag_file

    tag_file(one, title="One (edit)")
    s = scan_in_process(db, [one])
    assert s.files == 1
    assert s.counts["changed"] == 1
    assert s.counts["missing"] == 0
    rows = read_items(db)
    assert rows[b(one)]["title"] == "One (edit)"
    assert rows[b(lib / "Band/First/02.flac")]["missing"] == 0  # not this scan's business
    s = scan_in_process(db, [lib])  # the folder scan does notice it
    assert s.counts["missing"] == 1
    assert read_items(db)[b(lib / "Band/First/02.flac")]["missing"] == 1


def test_a_file_given_as_root_into_an_empty_catalog(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib / "loose.mp3"])
    assert s.counts["added"] == 1
    assert list(read_items(db)) == [b(lib / "loose.mp3")]
    s = scan_in_process(db, [lib])
    assert s.counts["added"] == 7 and s.counts["unchanged"] == 1


def test_hidden_files_are_not_catalogued_by_default(tmp_path: Path, lib: Path) -> None:
    make_tree(lib, {".secret.mp3": mp3(title="hidden"), ".cache/x.mp3": mp3(), "a~": b"x"})
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib])
    assert s.files == 8
    assert not any(b"/." in p or p.endswith(b"~") for p in read_items(db))


def test_excluded_names_and_paths_are_not_catalogued(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib], exclude=("*.nfo", "Band/Second/0*"))
    assert s.files == 4
    names = {os.path.basename(p) for p in read_items(db)}
    assert names == {b"01.mp3", b"02.flac", b"cover.jpg", b"loose.mp3"}


def test_a_deleted_folder_marks_its_items_missing(tmp_path: Path, lib: Path) -> None:
    import shutil

    db = tmp_path / "cat.db"
    scan_in_process(db, [lib])
    shutil.rmtree(lib / "Band/Second")
    s = scan_in_process(db, [lib])
    assert s.counts["missing"] == 4
    rows = read_items(db)
    gone = {p for p, r in rows.items() if r["missing"]}
    assert gone == {p for p in rows if p.startswith(b(lib / "Band/Second") + b"/")}


def test_a_reader_that_hangs_is_a_timeout_failure(
    tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that never returns (a stalled network share, say) costs one file, not the scan.

    The stall is real: opening a FIFO that nobody writes to blocks in the kernel until the
    per-file time limit (from a `[profiles.x]` table) interrupts it.
    """
    stalled = tmp_path / "stalled-share"
    os.mkfifo(stalled)
    real_read = extract_module._read

    def read(fs: Any) -> Any:
        if fs.path.endswith(b"/02.flac"):
            with open(stalled, "rb"):
                pass
        return real_read(fs)

    monkeypatch.setattr(extract_module, "_read", read)
    config = tmp_path / "settings.toml"
    config.write_text('profile = "impatient"\n[profiles.impatient]\ntimeout = 0.5\n')
    db = tmp_path / "cat.db"
    for jobs in (1, 2):
        t0 = time.monotonic()
        s = scan_in_process(db, [lib], jobs=jobs, config=config, full=True)
        assert time.monotonic() - t0 < 20
        assert s.exit_code == 1
        assert s.failure_count == 1
        (failure,) = s.failures
        assert failure.path == b(lib / "Band/First/02.flac")
        assert (failure.stage, failure.kind) == ("extract", "timeout")
        assert "time limit" in failure.message
        rows = read_items(db)
        assert len(rows) == 8
        assert rows[failure.path]["error"].startswith("timeout")
        assert rows[b(lib / "Band/First/01.mp3")]["title"] == "One"
        cat = open_catalog(db)
        try:
            current = current_failures(cat)
        finally:
            cat.close()
        assert [(f.path, f.kind) for f in current] == [(failure.path, "timeout")]


def test_a_file_that_vanishes_between_walk_and_read(
    tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = b(lib / "Band/Second/02.m4a")
    real_walk = scan_module.walk

    def walk_then_delete(*args: Any, **kwargs: Any) -> Any:
        for item in real_walk(*args, **kwargs):
            if isinstance(item, Listing) and victim in {fs.path for fs in item.files}:
                os.unlink(victim)  # listed, then gone before it is read
            yield item

    monkeypatch.setattr(scan_module, "walk", walk_then_delete)
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib])
    assert s.exit_code == 1
    assert [(f.path, f.stage, f.kind) for f in s.failures] == [(victim, "extract", "vanished")]
    rows = read_items(db)
    assert victim not in rows
    assert len(rows) == 7
    cat = open_catalog(db)
    try:
        assert [f.path for f in current_failures(cat)] == [victim]
    finally:
        cat.close()
    monkeypatch.setattr(scan_module, "walk", real_walk)
    s = scan_in_process(db, [lib])  # the next clean scan clears it
    assert s.exit_code == 0
    cat = open_catalog(db)
    try:
        assert current_failures(cat) == []
    finally:
        cat.close()


def test_parallel_rescan_sees_changes_in_every_sub_tree(tmp_path: Path) -> None:
    """A rescan with several jobs splits the walk over processes; nothing may slip through."""
    import shutil

    from tests.media import tag_file

    lib = tmp_path / "lib"
    spec: dict[str | bytes, Any] = {"top.mp3": mp3(title="top")}
    for a in range(12):
        for b_ in range(2):
            for t in range(3):
                spec[f"Artist {a:02d}/Album {b_}/{t}.mp3"] = mp3(title=f"{a}-{b_}-{t}")
    make_tree(lib, spec)
    db = tmp_path / "cat.db"
    first = scan_in_process(db, [lib], jobs=2)
    assert first.counts["added"] == len(spec)
    before = read_items(db)
    assert scan_in_process(db, [lib], jobs=2).counts["unchanged"] == len(spec)

    tag_file(lib / "Artist 11/Album 1/2.mp3", title="edited")  # deep, last sub-tree
    shutil.rmtree(lib / "Artist 03/Album 0")  # 3 files gone
    make_tree(lib, {"Artist 07/Album 9/new.mp3": mp3(title="new")})  # a new folder
    os.rename(lib / "Artist 00/Album 0/0.mp3", lib / "Artist 10/Album 1/moved.mp3")
    s = scan_in_process(db, [lib], jobs=2)
    assert (s.counts["changed"], s.counts["missing"], s.counts["added"], s.counts["moved"]) == (
        1,
        3,
        1,
        1,
    )
    assert s.counts["unchanged"] == len(spec) - 1 - 3 - 1
    rows = assert_catalog_matches_disk(db, lib)
    assert rows[b(lib / "Artist 11/Album 1/2.mp3")]["title"] == "edited"
    moved = rows[b(lib / "Artist 10/Album 1/moved.mp3")]
    assert moved["id"] == before[b(lib / "Artist 00/Album 0/0.mp3")]["id"]
    gone = read_items(db, missing=True)
    assert set(gone) == {b(lib / f"Artist 03/Album 0/{t}.mp3") for t in range(3)}


def test_a_worker_that_dies_costs_only_the_file_that_killed_it(
    tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that takes its whole process down (as a crash in native code would).

    The pool is rebuilt, the batch the dead worker held is read again one file at a
    time, and only the file that kills its reader is recorded, as "crashed".
    """
    real_read = extract_module._read

    def deadly(fs: Any) -> Any:
        if fs.path.endswith(b"02.flac"):
            os._exit(70)
        return real_read(fs)

    monkeypatch.setattr(extract_module, "_read", deadly)  # inherited by forked workers
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib], jobs=2)
    assert not s.interrupted
    assert s.failure_count == 1 and s.exit_code == 1
    assert [(f.kind, os.path.basename(f.path)) for f in s.failures] == [("crashed", b"02.flac")]
    rows = assert_catalog_matches_disk(db, lib)
    assert rows[b(lib / "Band/First/02.flac")]["error"].startswith("crashed:")
    assert rows[b(lib / "Band/Second/01.ogg")]["title"] == "Three"
    assert sum(1 for r in rows.values() if r["error"] is None) == 7


def test_overlapping_roots_are_walked_once(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    s = scan_in_process(db, [lib / "Band", lib, lib, lib / "Band/First/01.mp3"])
    assert s.roots == [os.fsdecode(os.path.abspath(lib))]
    assert s.files == 8 and s.counts["added"] == 8 and s.failure_count == 0
    assert_catalog_matches_disk(db, lib)


class _Hung(Exception):
    pass


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """Fail the test, instead of hanging it, if the body takes longer than `seconds`."""

    def expire(signum: int, frame: Any) -> None:
        raise _Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_reader_stuck_in_native_code_costs_one_timeout(
    tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader blocked in C with signals masked (as FFmpeg or libheif stuck on a bad file,
    or a read in uninterruptible sleep): no signal inside the worker can end it.

    The scan itself keeps a deadline on every worker's batch, kills the worker, records
    the one file as a timeout and reads the rest of the batch again.
    """
    real_read = extract_module._read

    def read(fs: Any) -> Any:
        if fs.path.endswith(b"/02.flac"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
            ctypes.CDLL(None).sleep(3600)
        return real_read(fs)

    monkeypatch.setattr(extract_module, "_read", read)  # inherited by forked workers
    config = tmp_path / "settings.toml"
    config.write_text('profile = "impatient"\n[profiles.impatient]\ntimeout = 0.5\n')
    db = tmp_path / "cat.db"
    with _watchdog(30):
        s = scan_in_process(db, [lib], jobs=2, config=config)
    assert not s.interrupted and s.exit_code == 1
    assert [(f.kind, f.path) for f in s.failures] == [("timeout", b(lib / "Band/First/02.flac"))]
    assert "time limit" in s.failures[0].message
    rows = assert_catalog_matches_disk(db, lib)
    assert rows[b(lib / "Band/First/02.flac")]["error"].startswith("timeout")
    assert sum(1 for r in rows.values() if r["error"] is None) == 7
    assert rows[b(lib / "Band/Second/01.ogg")]["title"] == "Three"


def test_a_stuck_reader_among_files_read_again_one_by_one(
    tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker dies, so its batch is read again file by file in single-use workers; one
    of those files blocks in native code: the deadline holds there too."""
    real_read = extract_module._read

    def read(fs: Any) -> Any:
        if fs.path.endswith(b"/01.ogg"):
            os._exit(70)
        if fs.path.endswith(b"/02.flac"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
            ctypes.CDLL(None).sleep(3600)
        return real_read(fs)

    monkeypatch.setattr(extract_module, "_read", read)
    config = tmp_path / "settings.toml"
    config.write_text('profile = "impatient"\n[profiles.impatient]\ntimeout = 0.5\n')
    db = tmp_path / "cat.db"
    with _watchdog(30):
        s = scan_in_process(db, [lib], jobs=2, config=config)
    assert sorted((f.kind, os.path.basename(f.path)) for f in s.failures) == [
        ("crashed", b"01.ogg"),
        ("timeout", b"02.flac"),
    ]
    rows = assert_catalog_matches_disk(db, lib)
    assert sum(1 for r in rows.values() if r["error"] is None) == 6

"""Settling: files still being written never reach the catalog half-written; names of
partial downloads wait for their rename; a bulk copy loses nothing."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Shelf, assert_catalog_matches_disk, read_items
from tests.media import make_tree, mp3
from tests.watch.lib import Watching, bpath, present


def slow_write(path: Path, data: bytes, seconds: float, pause: float) -> None:
    """Write `data` in pieces over `seconds`, keeping the file open, as a download does."""
    pieces = max(1, int(seconds / pause))
    step = -(-len(data) // pieces)
    with open(path, "wb") as f:
        for i in range(0, len(data), step):
            f.write(data[i : i + step])
            f.flush()
            time.sleep(pause)


def check_slow_writer(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf, seconds: float, pause: float
) -> None:
    lib = tmp_path / "lib"
    make_tree(lib, {"A/01.mp3": mp3(title="one")})
    make_tree(tmp_path / "src", {"big.mp3": mp3(title="big", album="B")})
    data = (tmp_path / "src" / "big.mp3").read_bytes() + b"\0" * 200_000
    w = watch(lib)
    target = lib / "A" / "slow.mp3"
    writer = threading.Thread(target=slow_write, args=(target, data, seconds, pause))
    writer.start()
    seen_partial = []
    while writer.is_alive():  # the catalog never holds the file at any other size
        row = read_items(shelf.db).get(bpath(target))
        if row is not None and row["size"] != len(data):
            seen_partial.append(row["size"])
        time.sleep(0.05)
    writer.join()
    rows = w.wait_rows(lambda rows: bpath(target) in present(rows))
    assert rows[bpath(target)]["size"] == len(data)
    assert rows[bpath(target)]["title"] == "big"
    assert not seen_partial, f"catalogued half-written at sizes {seen_partial}"
    assert w.totals("changed") == 0  # added once, whole
    w.stop()


@pytest.mark.slow_on_postgresql
def test_a_slow_writer_is_never_catalogued_half_written(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf
) -> None:
    """The writer pauses longer than the settle time between writes: the folder is
    quiet, but the file is still open for writing (no close-write yet), so it waits."""
    check_slow_writer(tmp_path, watch, shelf, seconds=3, pause=0.6)


@pytest.mark.slow
def test_a_writer_appending_for_15_seconds(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf
) -> None:
    check_slow_writer(tmp_path, watch, shelf, seconds=15, pause=1.0)


@pytest.mark.slow_on_postgresql
def test_partial_names_wait_for_their_rename(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf
) -> None:
    lib = tmp_path / "lib"
    make_tree(lib, {"A/01.mp3": mp3(title="one")})
    make_tree(tmp_path / "src", {"x.mp3": mp3(title="x")})
    w = watch(lib)
    names = [
        "song.mp3.part",
        "song2.mp3.crdownload",
        "clip.mp3.!qB",
        "~$notes.mp3",
        ".song.mp3.a1B2c3",
    ]
    for name in names:
        shutil.copy(tmp_path / "src" / "x.mp3", lib / "A" / name)
    time.sleep(1.5)  # five settle times
    rows = read_items(shelf.db)
    assert not [p for p in rows if os.path.basename(p).decode() in names]
    assert not shelf.failures()
    os.rename(lib / "A" / "song.mp3.part", lib / "A" / "song.mp3")
    rows = w.wait_rows(lambda rows: bpath(lib / "A" / "song.mp3") in present(rows))
    assert rows[bpath(lib / "A" / "song.mp3")]["title"] == "x"
    assert not [p for p in rows if os.path.basename(p).decode() in names]
    w.stop()


def check_bulk_copy(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf, files: int, folders: int
) -> None:
    lib, src = tmp_path / "lib", tmp_path / "src"
    make_tree(lib, {"A/01.mp3": mp3(title="one")})
    one = tmp_path / "one.mp3"
    make_tree(tmp_path, {"one.mp3": mp3(title="t")})
    data = one.read_bytes()
    for i in range(files):  # distinct files: one tag byte differs
        d = src / f"Folder {i % folders:03d}" / f"Sub {i % 3}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:05d}.mp3").write_bytes(data + i.to_bytes(4, "big"))
    w = watch(lib)
    shutil.copytree(src, lib / "Bulk")
    end = time.monotonic()
    w.wait_rows(lambda rows: len(present(rows)) == files + 1, timeout=120)
    took = time.monotonic() - end
    rows = assert_catalog_matches_disk(shelf.db, lib)
    assert len(rows) == files + 1
    w.stop()
    print(f"{files} files present {took:.1f} s after the copy ended")


@pytest.mark.slow_on_postgresql
def test_a_bulk_copy_misses_nothing(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf
) -> None:
    check_bulk_copy(tmp_path, watch, shelf, files=600, folders=20)


@pytest.mark.slow
def test_a_bulk_copy_of_5000_files_misses_nothing(
    tmp_path: Path, watch: Callable[..., Watching], shelf: Shelf
) -> None:
    check_bulk_copy(tmp_path, watch, shelf, files=5000, folders=100)

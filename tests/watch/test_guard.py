"""The mount guard, in `shelf scan` and under `shelf watch`: a root that looks unmounted
marks nothing missing; too much vanishing at once is held, not applied."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Shelf, permissions_preexec, read_items
from tests.media import make_tree, mp3, write_mp3
from tests.watch.lib import Watching, bpath, present


def library(root: Path, n: int = 30) -> None:
    make_tree(root, {f"Album {i // 10}/{i:02d}.mp3": mp3(title=f"t{i}") for i in range(n)})


def test_scan_of_an_emptied_root_marks_nothing_missing(tmp_path: Path, shelf: Shelf) -> None:
    lib = tmp_path / "mnt"
    library(lib)
    shelf.scan(lib)
    moved = tmp_path / "elsewhere"
    os.rename(lib, moved)
    lib.mkdir()  # the mount point, with nothing mounted on it
    s = shelf.scan(lib, expect=1)
    assert s["counts"]["missing"] == 0 and s["held"][0]["files"] == 30
    assert "is empty" in s["held"][0]["reason"]
    assert not read_items(shelf.db, missing=True)
    os.rmdir(lib)
    os.rename(moved, lib)  # mounted again: all there, nothing to do
    s = shelf.scan(lib)
    assert s["counts"]["unchanged"] == 30 and not s["held"]


def test_scan_of_a_root_on_another_filesystem_marks_nothing_missing(
    tmp_path: Path, shelf: Shelf
) -> None:
    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        import pytest

        pytest.skip("needs /dev/shm on another filesystem than the temporary folder")
    lib = tmp_path / "mnt"
    library(lib)
    shelf.scan(lib)
    other = Path("/dev/shm") / f"shelf-test-{os.getpid()}"
    other.mkdir()
    try:
        (other / "unrelated.txt").write_text("x")
        os.rename(lib, tmp_path / "away")
        os.symlink(other, lib)  # another filesystem shows through the root's path
        s = shelf.scan(lib, expect=1)
        assert "another filesystem" in s["held"][0]["reason"]
        assert not read_items(shelf.db, missing=True)
    finally:
        shutil.rmtree(other)


def test_too_much_vanishing_at_once_is_held(tmp_path: Path, shelf: Shelf) -> None:
    lib = tmp_path / "lib"
    library(lib, 40)
    shelf.scan(lib)
    for album in ("Album 0", "Album 1", "Album 2"):  # 30 of 40
        shutil.rmtree(lib / album)
    s = shelf.scan(lib, expect=1)
    assert s["counts"]["missing"] == 0 and s["held"][0]["files"] == 30
    assert "--accept-missing" in s["held"][0]["reason"]
    assert not read_items(shelf.db, missing=True)
    again = shelf.scan(lib, expect=1)  # held again, not forgotten
    assert again["held"][0]["files"] == 30
    s = shelf.scan(lib, "--accept-missing")
    assert s["counts"]["missing"] == 30 and not s["held"]
    assert len(read_items(shelf.db, missing=True)) == 30


def test_a_few_files_deleted_are_marked_missing(tmp_path: Path, shelf: Shelf) -> None:
    lib = tmp_path / "lib"
    library(lib, 40)
    shelf.scan(lib)
    shutil.rmtree(lib / "Album 0")  # 10 of 40: fewer than hold_missing_min
    s = shelf.scan(lib)
    assert s["counts"]["missing"] == 10 and not s["held"]


def test_watching_pauses_while_a_root_is_away_and_resumes(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    lib = tmp_path / "lib"
    library(lib, 12)
    w = watch(lib)
    away = tmp_path / "away"
    os.rename(lib, away)  # renamed away (an unmounted share looks the same)
    w.wait_note("paused")
    os.unlink(away / "Album 0" / "00.mp3")  # changes while it is away are not events here
    time.sleep(1)
    assert not read_items(shelf.db, missing=True)
    os.rename(away, lib)
    w.wait_note("resumed")
    rows = w.wait_rows(lambda rows: rows[bpath(lib / "Album 0" / "00.mp3")]["missing"] == 1)
    assert len(present(rows)) == 11
    new = write_mp3(lib / "Album 1" / "new.mp3", title="new")  # watched again
    w.wait_rows(lambda rows: bpath(new) in present(rows))
    assert w.stop() == 0


def test_watching_pauses_while_a_root_cannot_be_read(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    preexec = permissions_preexec()
    lib = tmp_path / "lib"
    library(lib, 12)
    w = watch(lib, preexec_fn=preexec)
    os.chmod(lib, 0)
    try:
        w.wait_note("paused")
        time.sleep(1)
        assert not read_items(shelf.db, missing=True)
    finally:
        os.chmod(lib, 0o755)
    w.wait_note("resumed")
    new = write_mp3(lib / "Album 0" / "new.mp3", title="new")
    rows = w.wait_rows(lambda rows: bpath(new) in present(rows))
    assert len(present(rows)) == 13 and not read_items(shelf.db, missing=True)
    assert w.stop() == 0

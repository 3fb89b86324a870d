"""A library's life through the real command line: scan, edit, delete, move, rename, rescan."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Shelf, assert_catalog_matches_disk, read_items
from tests.media import flac, jpeg, m4a, make_tree, mp3, ogg, tag_file

SPEC = {
    "Band/First/01 Opening.mp3": mp3(title="Opening", artist="Band", album="First", track=1),
    "Band/First/02 Middle.flac": flac(title="Middle", artist="Band", album="First", track=2),
    "Band/First/03 Closing.ogg": ogg(title="Closing", artist="Band", album="First", track=3),
    "Band/First/cover.jpg": jpeg(),
    "Band/Second/01 Return.m4a": m4a(title="Return", artist="Band", album="Second", track=1),
    "Band/Second/02 Again.mp3": mp3(title="Again", artist="Band", album="Second", track=2),
    "Band/Second/notes.cue": 'FILE "x.flac" WAVE\n',
    "Band 2/Other/01 Elsewhere.mp3": mp3(title="Elsewhere", artist="Band 2", track=1),
    "Band-Live/Show/01 Live.flac": flac(title="Live", artist="Band", track=1),
}
N = len(SPEC)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_tree(root, SPEC)
    return root


@pytest.fixture
def scanned(shelf: Shelf, lib: Path) -> dict[bytes, dict[str, Any]]:
    """The library after a first scan: `shelf find --json` by path."""
    summary = shelf.scan(lib)
    assert summary["counts"]["added"] == N
    assert summary["files"] == N
    items = shelf.find_by_path()
    assert len(items) == N
    return items


def p(lib: Path, rel: str) -> bytes:
    return os.fsencode(lib / rel)


def counts(summary: dict[str, Any], **expected: int) -> None:
    got = {k: v for k, v in summary["counts"].items() if k != "other"}
    want = {k: 0 for k in got} | expected
    assert got == want


def test_first_scan_reads_tags(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    item = scanned[p(lib, "Band/First/02 Middle.flac")]
    assert (item["title"], item["artist"], item["album"], item["track"]) == (
        "Middle",
        "Band",
        "First",
        2,
    )
    assert item["kind"] == "audio"
    assert scanned[p(lib, "Band/First/cover.jpg")]["kind"] == "image"
    assert scanned[p(lib, "Band/Second/notes.cue")]["kind"] == "other"
    assert shelf.failures() == []
    assert_catalog_matches_disk(shelf.db, lib)


def test_unchanged_rescan_reads_nothing(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    before = read_items(shelf.db)
    summary = shelf.scan(lib)
    counts(summary, unchanged=N)
    assert summary["failures"] == []
    assert read_items(shelf.db) == before  # no row rewritten: nothing was re-extracted
    assert shelf.find_by_path() == scanned


def test_edited_tags_are_changed_and_visible(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    path = lib / "Band/Second/02 Again.mp3"
    tag_file(path, title="Again (Remastered)", date="2024")
    summary = shelf.scan(lib)
    counts(summary, changed=1, unchanged=N - 1)
    item = shelf.find_by_path()[os.fsencode(path)]
    assert item["title"] == "Again (Remastered)"
    assert item["id"] == scanned[os.fsencode(path)]["id"]
    assert item["added"] == scanned[os.fsencode(path)]["added"]
    assert_catalog_matches_disk(shelf.db, lib)


def test_deleted_file_is_missing_hidden_listed_then_pruned(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    gone = p(lib, "Band/First/03 Closing.ogg")
    os.unlink(gone)
    summary = shelf.scan(lib)
    counts(summary, missing=1, unchanged=N - 1)
    assert gone not in shelf.find_by_path()
    missing = shelf.find("--missing")
    assert [os.fsencode(i["path"]) for i in missing] == [gone]
    assert missing[0]["id"] == scanned[gone]["id"]
    r = shelf.run("prune")
    assert r.returncode == 0, r.stderr
    assert b"removed 1 missing item" in r.stdout
    assert shelf.find("--missing") == []
    assert gone not in read_items(shelf.db)
    assert len(shelf.find()) == N - 1
    counts(shelf.scan(lib), unchanged=N - 1)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("Band/First/01 Opening.mp3", "Band/Second/00 Opening.mp3"),  # to a sibling folder
        ("Band/Second/02 Again.mp3", "Band/First/02 Again.mp3"),  # the other way round
        ("Band/First/01 Opening.mp3", "Band/First/01 - Opening.mp3"),  # renamed in place
        ("Band/First/01 Opening.mp3", "Band/New/Deeper/01 Opening.mp3"),  # into a new folder
        ("Band-Live/Show/01 Live.flac", "01 Live.flac"),  # up to the root
    ],
)
def test_moved_file_keeps_id_and_date_added(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]], src: str, dst: str
) -> None:
    old, new = p(lib, src), p(lib, dst)
    os.makedirs(os.path.dirname(new), exist_ok=True)
    os.rename(old, new)
    summary = shelf.scan(lib)
    counts(summary, moved=1, unchanged=N - 1)
    items = shelf.find_by_path()
    assert old not in items and new in items
    assert items[new]["id"] == scanned[old]["id"]
    assert items[new]["added"] == scanned[old]["added"]
    assert items[new]["title"] == scanned[old]["title"]
    assert shelf.find("--missing") == []
    assert_catalog_matches_disk(shelf.db, lib)


@pytest.mark.parametrize(
    ("src", "dst", "moved"),
    [
        ("Band/First", "Band/First (Deluxe)", 4),
        ("Band", "The Band", 7),  # a folder with sub-folders
        ("Band/Second", "Archive/2020/Second", 3),  # to a new place
    ],
)
def test_renamed_folder_moves_all_its_files(
    shelf: Shelf,
    lib: Path,
    scanned: dict[bytes, dict[str, Any]],
    src: str,
    dst: str,
    moved: int,
) -> None:
    (lib / dst).parent.mkdir(parents=True, exist_ok=True)
    os.rename(lib / src, lib / dst)
    summary = shelf.scan(lib)
    counts(summary, moved=moved, unchanged=N - moved)
    items = shelf.find_by_path()
    assert len(items) == N
    old_prefix, new_prefix = p(lib, src) + b"/", p(lib, dst) + b"/"
    for old, item in scanned.items():
        new = new_prefix + old[len(old_prefix) :] if old.startswith(old_prefix) else old
        assert items[new]["id"] == item["id"], new
        assert items[new]["added"] == item["added"], new
    assert shelf.find("--missing") == []
    assert_catalog_matches_disk(shelf.db, lib)


def test_copy_then_delete_is_a_move_found_by_content(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    src, dst = p(lib, "Band/First/02 Middle.flac"), p(lib, "Band 2/Other/02 Middle.flac")
    old_ino = os.stat(src).st_ino
    shutil.copyfile(src, dst)  # new inode, new mtime, same bytes
    os.unlink(src)
    assert os.stat(dst).st_ino != old_ino
    summary = shelf.scan(lib)
    counts(summary, moved=1, unchanged=N - 1)
    items = shelf.find_by_path()
    assert src not in items
    assert items[dst]["id"] == scanned[src]["id"]
    assert items[dst]["added"] == scanned[src]["added"]
    assert items[dst]["title"] == "Middle"
    assert shelf.find("--missing") == []
    assert_catalog_matches_disk(shelf.db, lib)


def test_new_files_are_added(shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]) -> None:
    make_tree(
        lib,
        {
            "Band/First/04 Encore.mp3": mp3(title="Encore", track=4),
            "New Artist/Debut/01 Hello.flac": flac(title="Hello", artist="New Artist"),
        },
    )
    summary = shelf.scan(lib)
    counts(summary, added=2, unchanged=N)
    items = shelf.find_by_path()
    assert items[p(lib, "Band/First/04 Encore.mp3")]["title"] == "Encore"
    assert items[p(lib, "New Artist/Debut/01 Hello.flac")]["artist"] == "New Artist"
    assert {i["id"] for i in items.values()} >= {i["id"] for i in scanned.values()}
    assert_catalog_matches_disk(shelf.db, lib)


def test_a_file_that_disappears_and_comes_back(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    path = p(lib, "Band/Second/01 Return.m4a")
    saved = Path(os.fsdecode(path)).read_bytes()
    os.unlink(path)
    counts(shelf.scan(lib), missing=1, unchanged=N - 1)
    assert path not in shelf.find_by_path()
    Path(os.fsdecode(path)).write_bytes(saved)
    summary = shelf.scan(lib)
    assert summary["counts"]["missing"] == 0
    assert summary["counts"]["unchanged"] == N - 1
    assert summary["counts"]["added"] + summary["counts"]["changed"] == 1
    items = shelf.find_by_path()
    assert items[path]["id"] == scanned[path]["id"]
    assert items[path]["added"] == scanned[path]["added"]
    assert items[path]["title"] == "Return"
    assert shelf.find("--missing") == []
    assert_catalog_matches_disk(shelf.db, lib)


def test_full_rescan_rereads_everything(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    before = read_items(shelf.db)
    summary = shelf.scan(lib, "--full")
    counts(summary, changed=N)
    after = read_items(shelf.db)
    assert set(after) == set(before)
    for path, row in after.items():
        assert row["scan_id"] == summary["scan_id"]
        assert row["updated_ns"] > before[path]["updated_ns"]
        assert (row["id"], row["added_ns"]) == (before[path]["id"], before[path]["added_ns"])
    assert shelf.find_by_path() == scanned
    counts(shelf.scan(lib), unchanged=N)


def test_scanning_a_sub_folder_leaves_the_rest_alone(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    os.unlink(lib / "Band 2/Other/01 Elsewhere.mp3")  # outside the sub-folder: not noticed yet
    tag_file(lib / "Band/Second/01 Return.m4a", title="Return!")
    summary = shelf.scan(lib / "Band")
    counts(summary, changed=1, unchanged=6)
    assert summary["files"] == 7
    assert shelf.find("--missing") == []
    items = shelf.find_by_path()
    assert len(items) == N
    assert items[p(lib, "Band/Second/01 Return.m4a")]["title"] == "Return!"
    # "Band 2" and "Band-Live" sort right next to "Band/": still not part of it
    assert p(lib, "Band 2/Other/01 Elsewhere.mp3") in items
    assert p(lib, "Band-Live/Show/01 Live.flac") in items
    summary = shelf.scan(lib)
    counts(summary, missing=1, unchanged=N - 1)


def test_find_under_a_prefix_stays_inside_it(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    under_band = {os.fsencode(i["path"]) for i in shelf.find(lib / "Band")}
    assert under_band == {x for x in scanned if x.startswith(p(lib, "Band") + b"/")}
    assert len(under_band) == 7
    r = shelf.run("find", lib / "Band", "--count")
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1] == b"7"


def test_file_moved_onto_the_path_of_a_missing_file(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    """Delete a track, rescan, then rename another file to the deleted one's name."""
    gone, other = p(lib, "Band/Second/02 Again.mp3"), p(lib, "Band/Second/01 Return.m4a")
    os.unlink(gone)
    counts(shelf.scan(lib), missing=1, unchanged=N - 1)
    os.rename(other, gone)
    summary = shelf.scan(lib)
    assert summary["counts"]["unchanged"] == N - 2
    items = shelf.find_by_path()
    assert other not in items
    assert items[gone]["title"] == "Return"  # the file now at that path
    # the moved file keeps its identity; the deleted file's row is gone
    assert summary["counts"]["moved"] == 1
    assert items[gone]["id"] == scanned[other]["id"]
    assert items[gone]["added"] == scanned[other]["added"]
    assert shelf.find("--missing") == []
    assert_catalog_matches_disk(shelf.db, lib)
    counts(shelf.scan(lib), unchanged=N - 1)


def test_restoring_one_of_two_missing_duplicates(
    shelf: Shelf, lib: Path, scanned: dict[bytes, dict[str, Any]]
) -> None:
    """Two byte-identical files, both deleted (and found missing), then one restored."""
    first, copy = p(lib, "Band/First/01 Opening.mp3"), p(lib, "Band 2/Other/Opening (copy).mp3")
    data = Path(os.fsdecode(first)).read_bytes()
    Path(os.fsdecode(copy)).write_bytes(data)
    counts(shelf.scan(lib), added=1, unchanged=N)
    ids = {k: i["id"] for k, i in shelf.find_by_path().items()}
    os.unlink(first)
    os.unlink(copy)
    counts(shelf.scan(lib), missing=2, unchanged=N - 1)
    Path(os.fsdecode(first)).write_bytes(data)  # restored from a backup
    summary = shelf.scan(lib)
    assert summary["counts"]["missing"] == 0
    items = shelf.find_by_path()
    assert items[first]["title"] == "Opening"
    assert items[first]["id"] in (ids[first], ids[copy])
    assert len(shelf.find("--missing")) == 1  # the copy that is still gone
    assert_catalog_matches_disk(shelf.db, lib)

"""The walk stage: streaming listings, ignore rules, symlinks, special files, unreadable folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediashelf.config import load_settings
from mediashelf.model import Failure, Listing
from mediashelf.scan.walk import WalkStats, walk
from tests.conftest import permissions_preexec
from tests.media import make_tree


def b(path: Path | str) -> bytes:
    return os.fsencode(os.path.abspath(path))


def listings(root: Path, **kw: object) -> tuple[list[Listing], list[Failure], WalkStats]:
    stats = WalkStats()
    got: list[Listing] = []
    failures: list[Failure] = []
    for item in walk([b(root)], stats=stats, **kw):  # type: ignore[arg-type]
        (got if isinstance(item, Listing) else failures).append(item)
    return got, failures, stats


def all_files(got: list[Listing], root: Path) -> set[str]:
    base = b(root) + b"/"
    return {os.fsdecode(fs.path[len(base) :]) for lst in got for fs in lst.files}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    make_tree(
        root,
        {
            "top.txt": "t",
            "A/one.mp3": b"1",
            "A/two.tmp": b"22",
            "A/sub/three.flac": b"333",
            "B/four.ogg": b"4444",
            "B/skip/five.mp3": b"5",
            "A/skip/six.mp3": b"6",
            "Podcasts/ep1.mp3": b"7",
            "Podcasts/deep/ep2.mp3": b"8",
        },
    )
    return root


def test_one_listing_per_folder_with_fingerprints(tree: Path) -> None:
    got, failures, stats = listings(tree)
    assert failures == []
    dirs = [os.fsdecode(lst.dir) for lst in got]
    assert sorted(dirs) == sorted(
        str(tree / d)
        for d in ("", "A", "A/sub", "A/skip", "B", "B/skip", "Podcasts", "Podcasts/deep")
    )
    assert len(dirs) == len(set(dirs)) == stats.dirs
    for lst in got:
        assert lst.complete
        for fs in lst.files:
            st = os.stat(fs.path)
            assert os.path.dirname(fs.path) == lst.dir
            assert (fs.size, fs.mtime_ns, fs.dev, fs.ino) == (
                st.st_size,
                st.st_mtime_ns,
                st.st_dev,
                st.st_ino,
            )
    assert all_files(got, tree) == {
        "top.txt",
        "A/one.mp3",
        "A/two.tmp",
        "A/sub/three.flac",
        "B/four.ogg",
        "B/skip/five.mp3",
        "A/skip/six.mp3",
        "Podcasts/ep1.mp3",
        "Podcasts/deep/ep2.mp3",
    }


def test_listings_stream_folder_by_folder(tree: Path) -> None:
    """The walk reads a folder only when it gets there: nothing is collected up front."""
    it = walk([b(tree)])
    first = next(it)
    assert isinstance(first, Listing) and first.dir == b(tree)
    # A folder not listed yet: a file created now must show up in its listing.
    (tree / "B" / "late.mp3").write_bytes(b"late")
    rest = [x for x in it if isinstance(x, Listing)]
    b_listing = next(lst for lst in rest if lst.dir == b(tree / "B"))
    assert b(tree / "B" / "late.mp3") in {fs.path for fs in b_listing.files}


def test_signature_is_stable_and_tracks_changes(tree: Path) -> None:
    def sigs() -> dict[bytes, bytes]:
        return {lst.dir: lst.signature for lst in listings(tree)[0]}

    before = sigs()
    assert sigs() == before
    (tree / "B" / "four.ogg").write_bytes(b"changed size")
    after = sigs()
    assert after[b(tree / "B")] != before[b(tree / "B")]
    assert {k: v for k, v in after.items() if k != b(tree / "B")} == {
        k: v for k, v in before.items() if k != b(tree / "B")
    }


def test_exclude_by_name_matches_files_and_folders_anywhere(tree: Path) -> None:
    got, _, _ = listings(tree, exclude=("*.tmp", "skip"))
    files = all_files(got, tree)
    assert "A/two.tmp" not in files
    assert not any("/skip/" in f for f in files)
    assert b(tree / "A" / "skip") not in {lst.dir for lst in got}  # not even entered
    assert "A/one.mp3" in files and "B/four.ogg" in files


def test_exclude_by_root_relative_path(tree: Path) -> None:
    got, _, _ = listings(tree, exclude=("A/skip", "Podcasts/*"))
    files = all_files(got, tree)
    assert "A/skip/six.mp3" not in files
    assert "B/skip/five.mp3" in files  # same name elsewhere: kept
    assert "Podcasts/ep1.mp3" not in files and "Podcasts/deep/ep2.mp3" not in files
    assert "A/sub/three.flac" in files


def test_exclude_by_path_is_relative_to_each_root(tmp_path: Path) -> None:
    make_tree(tmp_path, {"r1/Live/a.mp3": b"a", "r2/Live/b.mp3": b"b", "r2/x/Live/c.mp3": b"c"})
    found = {
        os.path.basename(fs.path)
        for item in walk([b(tmp_path / "r1"), b(tmp_path / "r2")], exclude=("Live/*",))
        if isinstance(item, Listing)
        for fs in item.files
    }
    assert found == {b"c.mp3"}


def test_hidden_files_and_folders_are_skipped_by_default(tmp_path: Path) -> None:
    make_tree(
        tmp_path / "lib",
        {
            "a.mp3": b"a",
            ".hidden.mp3": b"h",
            ".git/objects/x": b"x",
            "Album/.DS_Store": b"d",
            "Album/b.mp3": b"b",
            "Album/b.mp3~": b"backup",
        },
    )
    settings = load_settings(env={})
    got, _, _ = listings(tmp_path / "lib", exclude=settings.exclude)
    assert all_files(got, tmp_path / "lib") == {"a.mp3", "Album/b.mp3"}
    # the walk itself hides nothing: the defaults come from the settings
    got, _, _ = listings(tmp_path / "lib")
    assert ".hidden.mp3" in all_files(got, tmp_path / "lib")


def test_symlinks_are_not_followed_by_default(tmp_path: Path) -> None:
    make_tree(tmp_path, {"lib/a.mp3": b"a", "outside/o.mp3": b"o", "outside/d/p.mp3": b"p"})
    os.symlink(tmp_path / "outside" / "o.mp3", tmp_path / "lib" / "link.mp3")
    os.symlink(tmp_path / "outside" / "d", tmp_path / "lib" / "linkdir")
    got, failures, stats = listings(tmp_path / "lib")
    assert failures == []
    assert all_files(got, tmp_path / "lib") == {"a.mp3"}
    assert stats.skipped == 2


def test_symlinks_followed_when_asked_with_loops_detected(tmp_path: Path) -> None:
    make_tree(tmp_path, {"lib/a.mp3": b"a", "lib/sub/s.mp3": b"s", "outside/d/p.mp3": b"pp"})
    os.symlink(tmp_path / "outside" / "d", tmp_path / "lib" / "linkdir")
    os.symlink(tmp_path / "lib", tmp_path / "lib" / "sub" / "loop")  # back to the root
    os.symlink(tmp_path / "lib" / "sub", tmp_path / "lib" / "again")  # a second way into sub
    os.symlink(tmp_path / "outside" / "d" / "p.mp3", tmp_path / "lib" / "p-link.mp3")
    os.symlink(tmp_path / "nowhere", tmp_path / "lib" / "dangling.mp3")
    got, failures, stats = listings(tmp_path / "lib", follow_symlinks=True)
    assert failures == []
    files = all_files(got, tmp_path / "lib")
    assert "linkdir/p.mp3" in files and "p-link.mp3" in files and "a.mp3" in files
    # the looping and duplicate ways in are each walked at most once
    s_copies = [f for f in files if f.endswith("s.mp3")]
    assert len(s_copies) == 1, s_copies
    assert not any("loop" in f for f in files)
    dirs = [lst.dir for lst in got]
    assert len(dirs) == len(set(dirs)) == 3  # lib, one way into sub, linkdir
    assert stats.skipped >= 2
    link = next(fs for lst in got for fs in lst.files if fs.path.endswith(b"p-link.mp3"))
    assert link.size == 2  # the target's fingerprint, not the link's


def test_fifo_and_other_special_files_are_skipped(tmp_path: Path) -> None:
    make_tree(tmp_path / "lib", {"a.mp3": b"a"})
    os.mkfifo(tmp_path / "lib" / "pipe.mp3")
    got, failures, stats = listings(tmp_path / "lib")
    assert failures == []
    assert all_files(got, tmp_path / "lib") == {"a.mp3"}
    assert stats.skipped == 1
    # the signature covers regular files only
    os.unlink(tmp_path / "lib" / "pipe.mp3")
    assert listings(tmp_path / "lib")[0][0].signature == got[0].signature


def test_a_file_given_as_root_is_a_partial_listing(tmp_path: Path) -> None:
    make_tree(tmp_path / "lib", {"a.mp3": b"aa", "b.mp3": b"b"})
    got, failures, _ = listings(tmp_path / "lib" / "a.mp3")
    assert failures == []
    assert len(got) == 1
    (lst,) = got
    assert lst.dir == b(tmp_path / "lib")
    assert not lst.complete
    assert [fs.path for fs in lst.files] == [b(tmp_path / "lib" / "a.mp3")]
    assert lst.files[0].size == 2


def test_a_missing_root_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    items = list(walk([b(tmp_path / "nope")]))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert items[0].kind == "vanished" and items[0].stage == "walk"


_WALK_SCRIPT = """
import json, sys
from mediashelf.model import Listing
from mediashelf.scan.walk import WalkStats, walk
stats = WalkStats()
out = []
for item in walk([sys.argv[1].encode()], stats=stats):
    if isinstance(item, Listing):
        out.append({"dir": item.dir.decode(), "files": [f.path.decode() for f in item.files]})
    else:
        out.append({"failure": item.path.decode(), "kind": item.kind, "stage": item.stage,
                    "message": item.message})
print(json.dumps({"items": out, "unreadable": [d.decode() for d in stats.unreadable_dirs]}))
"""


def test_unreadable_folder_is_a_failure_and_the_walk_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    make_tree(
        root, {"A/a.mp3": b"a", "Locked/x.mp3": b"x", "Locked/in/y.mp3": b"y", "Z/z.mp3": b"z"}
    )
    preexec = permissions_preexec()
    (root / "Locked").chmod(0)
    try:
        r = subprocess.run(
            [sys.executable, "-c", _WALK_SCRIPT, str(root)],
            capture_output=True,
            text=True,
            preexec_fn=preexec,
            check=True,
        )
    finally:
        (root / "Locked").chmod(0o755)
    result = json.loads(r.stdout)
    failures = [i for i in result["items"] if "failure" in i]
    assert failures == [
        {
            "failure": str(root / "Locked"),
            "kind": "unreadable",
            "stage": "walk",
            "message": failures[0]["message"],
        }
    ]
    assert "ermission" in failures[0]["message"]
    assert result["unreadable"] == [str(root / "Locked")]
    files = {f for i in result["items"] for f in i.get("files", [])}
    assert files == {str(root / "A" / "a.mp3"), str(root / "Z" / "z.mp3")}

"""Inbox mode: settled files are organized into DEST, one undoable run per batch."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Shelf, read_items, wait_until
from tests.media import jpeg, make_tree, mp3
from tests.watch.lib import Watching, bpath, present


def test_files_arrive_are_organized_and_each_batch_undoes(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    inbox, dest, src = tmp_path / "inbox", tmp_path / "Music", tmp_path / "src"
    inbox.mkdir()
    make_tree(
        src,
        {
            **{
                f"Album A/{i}.mp3": mp3(title=f"a{i}", album="A", artist="X", track=i)
                for i in (1, 2)
            },
            "Album A/cover.jpg": jpeg(),
            "broken.mp3": b"not an mp3 at all" * 10,
            "single.mp3": mp3(title="Solo", artist="Y"),
        },
    )
    w = watch(inbox, "--into", dest)
    shutil.copytree(src / "Album A", inbox / "Album A")  # an album, as a whole
    wait_until(lambda: (dest / "X" / "A" / "01 a1.mp3").exists(), 30, what=f"{w.batches}{w.notes}")
    wait_until(lambda: not (inbox / "Album A").exists(), 30, what="the emptied folder pruned")
    assert (dest / "X" / "A" / "cover.jpg").exists()  # the sidecar went with it
    wait_until(lambda: any(b.get("organized", {}).get("run") for b in w.batches), 10)
    first = next(b for b in w.batches if b.get("organized", {}).get("run"))
    shutil.copy(src / "broken.mp3", inbox / "broken.mp3")
    shutil.copy(src / "single.mp3", inbox / "single.mp3")
    wait_until(lambda: (dest / "Non-Album" / "Y" / "Solo.mp3").exists(), 30, what=f"{w.batches}")
    wait_until(lambda: len([b for b in w.batches if b.get("organized", {}).get("run")]) == 2, 10)
    second = [b for b in w.batches if b.get("organized", {}).get("run")][-1]
    assert second["organized"]["run"] != first["organized"]["run"]
    assert (inbox / "broken.mp3").exists()  # a failure stays, and is listed
    assert any(f["path"].endswith("broken.mp3") for b in w.batches for f in b["failures"])
    assert w.stop() == 0
    # undo, batch by batch (the last first)
    r = shelf.run("undo", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert (inbox / "single.mp3").exists() and not (dest / "Non-Album" / "Y" / "Solo.mp3").exists()
    r = shelf.run("undo", str(first["organized"]["run"]), "--yes")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(inbox / "Album A")) == ["1.mp3", "2.mp3", "cover.jpg"]
    history = shelf.run("history", "--json")
    runs = [json.loads(line) for line in history.stdout.splitlines()]
    assert sum(1 for r in runs if "watch" in r["command"]) == 2


def test_a_conflict_follows_on_conflict(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    inbox, dest = tmp_path / "inbox", tmp_path / "Music"
    inbox.mkdir()
    make_tree(dest, {"Non-Album/Y/Solo.mp3": b"already here"})
    make_tree(tmp_path / "src", {"single.mp3": mp3(title="Solo", artist="Y")})
    w = watch(inbox, "--into", dest)  # --on-conflict skip: it stays, listed
    shutil.copy(tmp_path / "src" / "single.mp3", inbox / "single.mp3")
    wait_until(
        lambda: any(b.get("organized", {}).get("left") for b in w.batches), 30, what=f"{w.batches}"
    )
    left = next(b["organized"]["left"] for b in w.batches if b.get("organized", {}).get("left"))
    assert left[0]["path"].endswith("single.mp3") and "exists" in left[0]["reason"]
    assert (inbox / "single.mp3").exists()
    w.stop()
    w = watch(inbox, "--into", dest, "--on-conflict", "keep-both")  # picked up at start
    wait_until(
        lambda: (dest / "Non-Album" / "Y" / "Solo (1).mp3").exists(),
        30,
        what=f"{w.batches}{w.notes}",
    )
    assert (dest / "Non-Album" / "Y" / "Solo.mp3").read_bytes() == b"already here"
    assert not (inbox / "single.mp3").exists()
    rows = read_items(shelf.db)
    assert bpath(dest / "Non-Album" / "Y" / "Solo (1).mp3") in present(rows)
    assert w.stop() == 0

"""Each kind of change, made for real under a running `shelf watch`, reaches the
catalog with the class a scan gives it."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Shelf, assert_catalog_matches_disk, read_items
from tests.media import make_tree, mp3, write_mp3
from tests.watch.lib import Watching, bpath, present


def album(n: int, name: str) -> dict[str | bytes, object]:
    return {
        f"{name}/{i:02d}.mp3": mp3(title=f"{name} {i}", album=name, artist="A", track=i)
        for i in range(1, n + 1)
    }


def test_every_kind_of_change_reaches_the_catalog(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    one, two = tmp_path / "lib" / "one", tmp_path / "lib" / "two"
    make_tree(one, {**album(3, "X"), **album(2, "Y"), **album(2, "Z")})  # type: ignore[arg-type]
    make_tree(two, album(1, "W"))  # type: ignore[arg-type]
    w = watch(one, two)
    start = w.batches[0]
    assert start["reason"] == "start" and start["counts"]["added"] == 8
    ids = {p: r["id"] for p, r in read_items(shelf.db).items()}

    # add
    new = write_mp3(one / "X" / "04.mp3", title="new", album="X", artist="A")
    w.wait_rows(lambda rows: bpath(new) in present(rows))
    # modify (new tags, new size)
    write_mp3(one / "X" / "01.mp3", title="retitled", album="X", artist="A", composer="x" * 300)
    rows = w.wait_rows(lambda rows: rows[bpath(one / "X" / "01.mp3")]["title"] == "retitled")
    assert rows[bpath(one / "X" / "01.mp3")]["id"] == ids[bpath(one / "X" / "01.mp3")]
    # delete
    os.unlink(one / "X" / "02.mp3")
    w.wait_rows(lambda rows: rows[bpath(one / "X" / "02.mp3")]["missing"] == 1)
    # move within a root: the row keeps its identity
    os.rename(one / "X" / "03.mp3", one / "Y" / "03.mp3")
    rows = w.wait_rows(lambda rows: bpath(one / "Y" / "03.mp3") in present(rows))
    assert rows[bpath(one / "Y" / "03.mp3")]["id"] == ids[bpath(one / "X" / "03.mp3")]
    # rename a folder
    os.rename(one / "Y", one / "Y2")
    rows = w.wait_rows(lambda rows: bpath(one / "Y2" / "01.mp3") in present(rows))
    assert rows[bpath(one / "Y2" / "01.mp3")]["id"] == ids[bpath(one / "Y" / "01.mp3")]
    assert bpath(one / "Y" / "01.mp3") not in rows
    # move between two watched roots
    os.rename(one / "Y2" / "02.mp3", two / "W" / "02.mp3")
    rows = w.wait_rows(lambda rows: bpath(two / "W" / "02.mp3") in present(rows))
    assert rows[bpath(two / "W" / "02.mp3")]["id"] == ids[bpath(one / "Y" / "02.mp3")]
    # delete a folder
    shutil.rmtree(one / "Z")
    w.wait_rows(lambda rows: bpath(one / "Z" / "01.mp3") not in present(rows))
    assert w.stop() == 0
    totals = {k: w.totals(k) for k in ("added", "changed", "moved", "missing")}
    # 8 at the start + 1 added; 1 changed; 1 + 3 (the renamed folder's) + 1 moved;
    # 1 deleted + 2 with their folder
    assert totals == {"added": 9, "changed": 1, "moved": 5, "missing": 3}, w.batches
    assert_catalog_matches_disk(shelf.db, tmp_path / "lib")


def test_a_new_folder_with_files_already_in_it_is_scanned_whole(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    """A folder moved in (or created and filled before its watch exists) brings files
    no event named: the folder is rescanned with everything below it."""
    lib, outside = tmp_path / "lib", tmp_path / "outside"
    make_tree(lib, album(1, "A"))  # type: ignore[arg-type]
    make_tree(
        outside, {f"Deep/{i}/{j}.mp3": mp3(title=f"{i}{j}") for i in range(3) for j in range(3)}
    )
    w = watch(lib)
    os.rename(outside / "Deep", lib / "Deep")  # one event for 9 files in 4 folders
    rows = w.wait_rows(lambda rows: len(present(rows)) == 10)
    assert {r["scan_id"] for p, r in rows.items() if b"/Deep/" in p}
    assert w.stop(signal.SIGINT) == 0
    assert_catalog_matches_disk(shelf.db, lib)

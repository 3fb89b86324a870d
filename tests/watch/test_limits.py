"""Watch budgets: counted against max_user_watches, the rest polled by folder mtimes;
network mounts polled."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from mediashelf.watch.limits import mounts, network_mounts, plan_watches
from tests.conftest import Shelf
from tests.media import make_tree, mp3, write_mp3
from tests.watch.lib import Watching, bpath, present


def tree(root: Path) -> None:
    make_tree(
        root,
        {f"Artist {a}/Album {b}/01.mp3": mp3(title=f"{a}{b}") for a in range(3) for b in range(3)},
    )


def test_the_budget_watches_whole_subtrees_and_polls_the_rest(tmp_path: Path) -> None:
    lib = bpath(tmp_path / "lib")
    tree(tmp_path / "lib")  # 1 + 3 + 9 = 13 folders
    plan = plan_watches([lib], budget=None, table={})
    assert plan.watched == [lib] and plan.polled == [] and plan.needed == 13
    plan = plan_watches([lib], budget=9, table={})
    assert plan.needed == 13 and plan.short == 4
    # the root does not fit: it is polled alone; whole artists fit while the budget
    # lasts, and the artist that does not is polled with its albums watched
    assert plan.polled[0] == lib
    used = 0
    covered = set(plan.polled)
    for w in plan.watched:
        below = [top for top, _, _ in os.walk(w)]
        used += len(below)
        covered.update(below)
    assert used <= 9 and not set(plan.polled) & set(plan.watched)
    assert len(covered) == 13  # every folder is watched or polled


def test_network_mounts_are_polled(tmp_path: Path) -> None:
    lib = bpath(tmp_path / "lib")
    tree(tmp_path / "lib")
    nas = os.path.join(lib, b"Artist 1")
    table = {b"/": "ext4", nas: "nfs4"}
    assert network_mounts([lib], table) == {nas: "nfs4"}
    plan = plan_watches([lib], budget=None, table=table)
    assert nas in plan.polled and not any(w == nas for w in plan.watched)
    assert plan.needed == 9  # the NFS sub-tree needs no watches
    assert network_mounts([nas], {b"/": "ext4", lib: "cifs"}) == {nas: "cifs"}


def test_mountinfo_is_parsed_with_escapes(tmp_path: Path) -> None:
    info = tmp_path / "mountinfo"
    info.write_text(
        "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
        "40 22 0:50 / /mnt/my\\040nas rw - nfs4 server:/x rw\n"
    )
    assert mounts(str(info)) == {b"/": "ext4", b"/mnt/my nas": "nfs4"}


def test_a_small_watch_limit_falls_back_to_polling(
    tmp_path: Path, shelf: Shelf, watch: Callable[..., Watching]
) -> None:
    """`--max-watches 3` stands in for a kernel limit (the sysctl is global, so a test
    cannot lower it for one process): 13 folders, 3 watches."""
    lib = tmp_path / "lib"
    tree(lib)
    w = watch(lib, "--max-watches", "3", "--poll", "0.2")
    short = w.wait_note("sysctl fs.inotify.max_user_watches=")
    assert "13 folders but only 3" in short
    # one change in a folder of each kind: polled, watched, and new below a polled one
    a = write_mp3(lib / "Artist 0" / "Album 0" / "02.mp3", title="a")
    b = write_mp3(lib / "Artist 2" / "Album 2" / "02.mp3", title="b")
    c = write_mp3(lib / "New" / "Deep" / "01.mp3", title="c")
    rows = w.wait_rows(lambda rows: {bpath(a), bpath(b), bpath(c)} <= present(rows))
    os.unlink(lib / "Artist 1" / "Album 1" / "01.mp3")
    w.wait_rows(lambda rows: rows[bpath(lib / "Artist 1" / "Album 1" / "01.mp3")]["missing"] == 1)
    assert len(present(rows)) == 12
    assert w.stop() == 0

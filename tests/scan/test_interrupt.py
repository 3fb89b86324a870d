"""Interrupting, killing and racing real `shelf scan` processes on a library of 6,000 files.

Every scan runs with `--jobs 2` as its own process group, so a test can signal the scanner alone
(as `kill PID` or the kernel's OOM killer do) or its whole process group (as Ctrl-C on a
terminal does); whatever is left is killed when the test ends.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import (
    Shelf,
    Target,
    assert_catalog_matches_disk,
    assert_rows_exist_on_disk,
    exists,
    integrity_ok,
    query,
    read_items,
    wait_until,
)
from tests.media import files_under


def committed_items(db: Target) -> int:
    """Items another process has committed so far (0 before the catalog exists)."""
    if isinstance(db, str):
        try:
            return int(query(db, "SELECT count(*) FROM items")[0][0])
        except Exception:  # not created yet
            return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM items").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def lock_holder(db: Target) -> str:
    """The pid of the process that holds the catalog's writer lease ("" if none)."""
    if isinstance(db, str):  # the server's view: the lease's own session names its pid
        rows = query(
            db,
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'shelf lease%'",
        )
        for (name,) in rows:
            return str(name).split("pid ", 1)[1].split(" ", 1)[0] if "pid " in name else "?"
        return ""
    try:
        # "PID COMMAND LINE"
        return Path(str(db) + ".lock").read_text().strip().partition(" ")[0]
    except FileNotFoundError:
        return ""


def start_scan(
    shelf: Shelf, procs: list[subprocess.Popen[bytes]], root: Path, *extra: str
) -> subprocess.Popen[bytes]:
    p = shelf.popen("scan", root, "--json", "--jobs", "2", *extra)
    procs.append(p)
    return p


def wait_for_progress(shelf: Shelf, p: subprocess.Popen[bytes], items: int) -> None:
    wait_until(
        lambda: committed_items(shelf.db) >= items or p.poll() is not None,
        timeout=60,
        what=f"{items} committed items",
    )
    assert p.poll() is None, (
        "the scan finished before the test could interrupt it; the library is too small "
        f"for this machine (exit {p.returncode}, {committed_items(shelf.db)} items)"
    )


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group `pgid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        state, pg = fields[0], int(fields[2])
        if pg == pgid and state != b"Z":
            out.append(int(entry))
    return out


def last_scan_status(db: Path) -> str:
    return str(query(db, "SELECT status FROM scans ORDER BY id DESC LIMIT 1")[0][0])


@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM to the scanner"])
def test_interrupt_stops_cleanly_and_a_rescan_continues(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]], how: str
) -> None:
    total = len(files_under(big_library))
    p = start_scan(shelf, procs, big_library)
    wait_for_progress(shelf, p, 1)
    if how.startswith("SIGINT"):
        os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    else:
        os.kill(p.pid, signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    lines = err.decode().splitlines()
    assert len(lines) == 1, err
    assert "interrupted" in lines[0] and "again" in lines[0]
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["exit_code"] == 130

    rows = assert_rows_exist_on_disk(shelf.db)
    done = len(rows)
    assert 0 < done < total, (done, total)
    assert summary["counts"]["added"] == done
    assert last_scan_status(shelf.db) == "interrupted"

    rescan = shelf.scan(big_library, "--jobs", "2")
    c = rescan["counts"]
    assert (c["added"], c["unchanged"]) == (total - done, done)
    assert c["changed"] == c["moved"] == c["missing"] == c["failed"] == 0
    after = assert_catalog_matches_disk(shelf.db, big_library)
    for path, row in rows.items():  # written once, not re-read
        assert after[path]["updated_ns"] == row["updated_ns"], path
        assert after[path]["id"] == row["id"], path


@pytest.mark.slow_on_postgresql
def test_second_interrupt_aborts_at_once_and_stays_consistent(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    p = start_scan(shelf, procs, big_library)
    wait_for_progress(shelf, p, 1)
    os.kill(p.pid, signal.SIGINT)
    os.kill(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert len(err.decode().splitlines()) == 1, err
    assert_rows_exist_on_disk(shelf.db)
    shelf.scan(big_library, "--jobs", "2")
    assert_catalog_matches_disk(shelf.db, big_library)


@pytest.mark.slow_on_postgresql
@pytest.mark.parametrize("when", ["catalog-created", "first-commit", "halfway"])
def test_crash_mid_scan_then_rescan_matches_disk(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]], when: str
) -> None:
    """SIGKILL to the scanner and its workers at once (a crash or power cut), then rescan."""
    total = len(files_under(big_library))
    p = start_scan(shelf, procs, big_library)
    if when == "catalog-created":
        wait_until(lambda: exists(shelf.db) or p.poll() is not None, timeout=60, what="catalog")
        assert p.poll() is None
    else:
        wait_for_progress(shelf, p, 1 if when == "first-commit" else total // 2)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    wait_until(lambda: not group_members(p.pid), timeout=10, what="the killed group to die")
    if exists(shelf.db):
        assert_rows_exist_on_disk(shelf.db) if committed_items(shelf.db) else integrity_ok(shelf.db)
    rescan = shelf.scan(big_library, "--jobs", "2")
    assert rescan["counts"]["added"] + rescan["counts"]["unchanged"] == total
    assert rescan["counts"]["failed"] == 0
    assert_catalog_matches_disk(shelf.db, big_library)
    statuses = [s for (s,) in query(shelf.db, "SELECT status FROM scans ORDER BY id")]
    assert statuses[-1] == "done"
    assert "running" not in statuses  # the killed scan's row is closed as crashed
    # and one more scan finds nothing to do
    again = shelf.scan(big_library, "--jobs", "2")
    assert again["counts"]["unchanged"] == total


@pytest.mark.slow_on_postgresql
def test_killed_scanner_leaves_no_workers_behind(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    """SIGKILL to the scanner process alone (the OOM killer, `kill -9 PID`)."""
    p = start_scan(shelf, procs, big_library)
    wait_for_progress(shelf, p, 1)
    assert len(group_members(p.pid)) >= 2  # the scanner and its workers
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    deadline = time.monotonic() + 5
    while group_members(p.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_members(p.pid) == [], (
        "extraction workers outlived the killed scanner: "
        + ", ".join(
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            for pid in group_members(p.pid)
            if Path(f"/proc/{pid}").exists()
        )
    )


@pytest.mark.slow_on_postgresql
def test_rescan_after_the_scanner_alone_was_killed(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    """The kernel drops a dead scanner's lock: the next scan must not call it still running."""
    total = len(files_under(big_library))
    p = start_scan(shelf, procs, big_library)
    wait_for_progress(shelf, p, 1)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    r = shelf.run("scan", big_library, "--json", "--jobs", "2", "--wait", "5")
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    summary = json.loads(r.stdout)
    assert summary["counts"]["added"] + summary["counts"]["unchanged"] == total
    assert_catalog_matches_disk(shelf.db, big_library)


def test_second_scan_is_refused_while_one_runs(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    total = len(files_under(big_library))
    first = start_scan(shelf, procs, big_library)
    wait_until(lambda: lock_holder(shelf.db) == str(first.pid), timeout=60, what="the lock")
    second = shelf.run("scan", big_library, "--json")
    prune = shelf.run("prune")
    reading = shelf.run("find", "--paths")  # reading commands work meanwhile
    assert first.poll() is None, "the first scan ended too soon for this test to mean anything"
    assert reading.returncode == 0, reading.stderr
    counted = shelf.run("find", "--count")
    assert counted.returncode == 0, counted.stderr
    assert int(counted.stdout) >= len(reading.stdout.splitlines())
    for r in (second, prune):
        assert r.returncode == 3, r.stderr
        assert r.stdout == b""
        err = r.stderr.decode()
        assert len(err.splitlines()) == 1, err
        assert err.startswith(f"shelf: another shelf command (pid {first.pid}")
        assert "shelf scan " in err or "shelf --db " in err
        assert " scan " in err
        assert "is changing" in err and f"the catalog {shelf.db}" in err
        assert "--wait" in err
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert json.loads(out)["counts"]["added"] == total
    assert_catalog_matches_disk(shelf.db, big_library)
    assert query(shelf.db, "SELECT count(*), min(status) FROM scans") == [(1, "done")]
    assert lock_holder(shelf.db) == ""


@pytest.mark.slow_on_postgresql
def test_second_scan_waits_its_turn_with_wait(
    shelf: Shelf, big_library: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    total = len(files_under(big_library))
    first = start_scan(shelf, procs, big_library)
    wait_until(lambda: lock_holder(shelf.db) == str(first.pid), timeout=60, what="the lock")
    summary = shelf.scan(big_library, "--jobs", "2", "--wait", "120")
    assert first.poll() == 0  # the second started only after the first had finished
    assert summary["counts"]["unchanged"] == total
    assert_catalog_matches_disk(shelf.db, big_library)
    assert [s for (s,) in query(shelf.db, "SELECT status FROM scans")] == ["done", "done"]
    assert len(read_items(shelf.db)) == total

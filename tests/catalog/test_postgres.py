"""A catalog on a real PostgreSQL server: credentials, bad connections, agents, copies.

The rest of the suite runs on both engines through the parametrized `shelf` fixture;
these tests are about what only a server has: connection strings and passwords,
a server that cannot be reached, a connection killed mid-scan, several processes
scanning into one catalog at once, a share seen at two mount points, and moving a
catalog between the engines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    Shelf,
    assert_catalog_matches_disk,
    pg_schema_url,
    query,
    read_items,
    wait_until,
)
from tests.media import files_under, make_tree, mp3
from tests.pgserver import PASSWORD, PASSWORD_USER


def run(shelf: Shelf, *args: str | os.PathLike[str], env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "mediashelf", *map(os.fspath, args)],
        env=env or shelf.env,
        cwd=shelf.cwd,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def pg(pg_server: Any, isolated_env: dict[str, str], tmp_path: Path) -> Shelf:
    """The `shelf` command on a fresh PostgreSQL catalog (these tests mean the server)."""
    from tests.conftest import SHELF_VARS

    env = {k: v for k, v in os.environ.items() if k not in SHELF_VARS}
    env.update(isolated_env)
    return Shelf(pg_schema_url(pg_server), env, tmp_path)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_tree(
        root,
        {
            f"Artist {a}/Album {a}/{t:02d}.mp3": mp3(title=f"T{a}{t}", artist=f"Artist {a}")
            for a in range(3)
            for t in range(4)
        },
    )
    return root


def _with_password(url: str, password: str | None) -> str:
    user = f"{PASSWORD_USER}:{password}" if password else PASSWORD_USER
    return url.replace("postgresql://shelf@", f"postgresql://{user}@", 1)


def test_a_password_never_shows(pg_server: Any, pg: Shelf, lib: Path) -> None:
    shelf = pg
    base = pg_schema_url(pg_server)
    url = _with_password(base, PASSWORD)
    outputs = []
    for args in (("scan", lib, "--json"), ("find", "--json"), ("stats", "--json"), ("failures",)):
        r = run(shelf, "--db", url, *args)
        assert r.returncode == 0, r.stderr
        outputs += [r.stdout, r.stderr]
    options = query(url, "SELECT options, roots FROM scans")
    assert all(PASSWORD.encode() not in out for out in outputs)
    assert PASSWORD not in json.dumps(options)
    # a wrong password: one line, exit 3, neither password shown
    r = run(shelf, "--db", _with_password(base, "wrong-" + PASSWORD), "find")
    err = r.stderr.decode()
    assert r.returncode == 3 and len(err.splitlines()) == 1, err
    assert "password authentication failed" in err and PASSWORD not in err
    assert f"{PASSWORD_USER}:***@" in err


def test_libpq_finds_the_password_in_pgpassword_and_pgpassfile(
    pg_server: Any, pg: Shelf, lib: Path, tmp_path: Path
) -> None:
    shelf = pg
    url = _with_password(str(shelf.db), None)
    r = run(shelf, "--db", url, "find")
    assert r.returncode == 3 and b"password" in r.stderr  # none given: refused
    env = dict(shelf.env, PGPASSWORD=PASSWORD)
    r = run(shelf, "--db", url, "scan", lib, "--json", env=env)
    assert r.returncode == 0, r.stderr
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{pg_server.host}:{pg_server.port}:*:{PASSWORD_USER}:{PASSWORD}\n")
    passfile.chmod(0o600)
    env = dict(shelf.env, PGPASSFILE=str(passfile))
    r = run(shelf, "--db", url, "find", "--count", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == b"12"
    # SHELF_DB and the settings file take a URL too
    r = run(shelf, "find", "--count", env=dict(env, SHELF_DB=url))
    assert r.returncode == 0 and r.stdout.split()[-1] == b"12", r.stderr


def test_a_server_that_cannot_be_reached_is_one_line_and_exit_3(pg: Shelf) -> None:
    shelf = pg
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://someone:hunter2@127.0.0.1:{port}/nowhere?connect_timeout=3"
    for args in (("find",), ("scan", shelf.cwd)):
        r = run(shelf, "--db", url, *args)
        err = r.stderr.decode()
        assert r.returncode == 3, err
        assert len(err.splitlines()) == 1 and "cannot connect" in err, err
        assert "hunter2" not in err and "someone:***@" in err


def test_a_catalog_of_a_newer_schema_is_refused(shelf: Shelf, lib: Path, engine: str) -> None:
    shelf.scan(lib)
    query(shelf.db, "INSERT INTO migrations (name, applied_ns) VALUES ('9999_future', 0)")
    r = shelf.run("find")
    err = r.stderr.decode()
    assert r.returncode == 3 and len(err.splitlines()) == 1, err
    assert "newer mediashelf" in err


def test_a_connection_killed_mid_scan_loses_only_the_open_batch(
    pg_server: Any, pg: Shelf, big_library: Path, procs: list[Any]
) -> None:
    shelf = pg
    url = str(shelf.db)
    p = shelf.popen("scan", big_library, "--json", "--jobs", "2", "--profile", "low-memory")
    procs.append(p)

    def committed() -> int:
        try:
            return int(query(url, "SELECT count(*) FROM items")[0][0])
        except Exception:
            return 0

    wait_until(lambda: committed() > 0 or p.poll() is not None, timeout=120, what="a commit")
    assert p.poll() is None, "the scan finished before its connection could be killed"
    killed = query(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'shelf' AND pid != pg_backend_pid()",
    )
    assert killed and all(k[0] for k in killed)
    _out, err = p.communicate(timeout=120)
    assert p.returncode == 3, err
    text = err.decode()
    assert len(text.strip().splitlines()) == 1, text
    assert "shelf: " in text and "catalog" in text
    kept = committed()
    assert kept > 0
    summary = shelf.scan(big_library)
    assert summary["counts"]["added"] == len(files_under(big_library)) - kept
    assert_catalog_matches_disk(url, big_library)


def test_two_agents_scan_two_roots_into_one_catalog_at_once(
    pg_server: Any, pg: Shelf, tmp_path: Path, procs: list[Any]
) -> None:
    shelf = pg
    url = str(shelf.db)
    roots = []
    for n, albums in enumerate((40, 20)):  # the first agent's scan lasts the longer
        root = tmp_path / f"disk{n}"
        make_tree(
            root,
            {
                f"A{a}/{t:03d}.mp3": mp3(title=f"{n}-{a}-{t}")
                for a in range(albums)
                for t in range(30)
            },
        )
        roots.append(root)
    started = []
    for n, root in enumerate(roots):
        env = dict(shelf.env, SHELF_HOST=f"agent{n}")
        p = subprocess.Popen(
            [sys.executable, "-m", "mediashelf", "--db", url, "scan", str(root), "--json",
             "--jobs", "1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs.append(p)
        started.append(p)
    # both scan at once (a scan's row is written once it holds its lease), and readers
    # are never blocked by the writers
    wait_until(
        lambda: (
            bool(query(url, "SELECT to_regclass('scans') IS NOT NULL")[0][0])
            and len(query(url, "SELECT 1 FROM scans WHERE status = 'running'")) == 2
        ),
        timeout=120,
        what="two running scans",
    )
    t0 = time.monotonic()
    r = run(shelf, "--db", url, "find", "--count")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 30
    results = [p.communicate(timeout=300) for p in started]
    for p, (_out, err) in zip(started, results, strict=True):
        assert p.returncode == 0, err
    rows = query(url, "SELECT path FROM items")
    paths = [bytes(r[0]) for r in rows]
    assert len(paths) == len(set(paths)) == 1800
    assert set(paths) == files_under(roots[0]) | files_under(roots[1])
    spans = query(url, "SELECT host, started_ns, finished_ns FROM scans ORDER BY id")
    assert {h for h, _, _ in spans} == {"agent0", "agent1"}


def test_a_second_scan_of_the_same_volume_waits_even_at_another_mount_point(
    pg_server: Any, pg: Shelf, big_library: Path, tmp_path: Path, procs: list[Any]
) -> None:
    shelf = pg
    url = str(shelf.db)
    shelf.scan(big_library.parent / "library" / "Artist 00")  # writes the root's anchor
    other = tmp_path / "mnt"
    other.symlink_to(big_library)
    p = shelf.popen("scan", big_library, "--json", "--jobs", "2", "--full")
    procs.append(p)
    wait_until(
        lambda: bool(query(url, "SELECT 1 FROM scans WHERE status = 'running'")),
        timeout=60,
        what="the first scan",
    )
    env = dict(shelf.env, SHELF_HOST="laptop")
    r = run(shelf, "--db", url, "scan", other / "Artist 01", "--json", env=env)
    assert r.returncode == 3, r.stderr
    assert b"another shelf command" in r.stderr and b"pid" in r.stderr
    p.communicate(timeout=300)


def test_the_same_share_at_two_mount_points_shares_its_rows(
    pg_server: Any, pg: Shelf, lib: Path, tmp_path: Path
) -> None:
    shelf = pg
    url = str(shelf.db)
    nas = dict(shelf.env, SHELF_HOST="nas")
    laptop = dict(shelf.env, SHELF_HOST="laptop")
    r = run(shelf, "--db", url, "scan", lib, "--json", env=nas)
    assert r.returncode == 0, r.stderr
    mount = tmp_path / "mnt" / "music"
    mount.parent.mkdir()
    mount.symlink_to(lib)  # the laptop sees the share at another path
    (lib / "Artist 0" / "Album 0" / "00.mp3").unlink()
    r = run(shelf, "--db", url, "scan", mount, "--json", env=laptop)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["counts"]["added"] == 0 and summary["counts"]["missing"] == 1
    assert summary["counts"]["unchanged"] == 11
    assert len(query(url, "SELECT id FROM items")) == 12  # one row per file, shared
    hosts = query(url, "SELECT host, path, volume, canon FROM roots ORDER BY id")
    assert [h[0] for h in hosts] == ["nas", "laptop"]
    assert hosts[0][2] == hosts[1][2] and bytes(hosts[0][3]) == bytes(hosts[1][3])
    # each host sees the paths as it mounts them
    r = run(shelf, "--db", url, "find", "--json", env=laptop)
    items = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(items) == 11
    assert all(i["path"].startswith(str(mount) + "/") for i in items)
    assert {(i["host"], i["root"]) for i in items} == {("laptop", str(mount))}
    r = run(shelf, "--db", url, "find", "--json", env=nas)
    items = [json.loads(line) for line in r.stdout.splitlines()]
    assert all(i["path"].startswith(str(lib) + "/") for i in items)
    assert {(i["host"], i["root"]) for i in items} == {("nas", str(lib))}
    r = run(shelf, "--db", url, "info", mount / "Artist 1" / "Album 1" / "02.mp3", env=laptop)
    assert r.returncode == 0 and b"T12" in r.stdout, r.stderr


def test_sqlite_to_postgresql_and_back_is_the_same_catalog(
    pg_server: Any, pg: Shelf, lib: Path, tmp_path: Path
) -> None:
    shelf = pg
    first = tmp_path / "first.db"
    shelf.db = first
    make_tree(
        lib,
        {
            "broken.mp3": b"ID3\x04garbage",
            "Artist 2/Album 2/copy.mp3": (lib / "Artist 2/Album 2/00.mp3").read_bytes(),
        },
    )
    shelf.scan(lib, expect=1)
    assert shelf.run("dupes", "--json").returncode == 0  # hashes
    dest = tmp_path / "tidy"
    r = shelf.run("organize", "Artist 1", "--into", dest, "--yes", "--template", "$title")
    assert r.returncode == 0, r.stderr
    url = pg_schema_url(pg_server)
    second = tmp_path / "second.db"
    for src, dst in ((str(first), url), (url, str(second))):
        r = run(shelf, "catalog", "copy", src, dst, "--json")
        assert r.returncode == 0, r.stderr
        result = json.loads(r.stdout)
        assert result["tables"]["items"]["rows"] == 14
    checksums = []
    for db in (first, url, second):
        shelf.db = db
        r = shelf.run("find", "--json")
        checksums.append(
            (
                r.stdout,
                shelf.run("history", "--json").stdout,
                shelf.run("failures", "--json").stdout,
            )
        )
    assert checksums[0] == checksums[1] == checksums[2]
    for table in ("items", "ops", "runs", "hashes", "failures", "scans", "folders"):
        cols = "*" if table != "items" else "id, path, added_ns, quick_hash, extra"
        a, c = (
            query(first, f"SELECT {cols} FROM {table} ORDER BY 1"),
            query(second, f"SELECT {cols} FROM {table} ORDER BY 1"),
        )
        assert a == c, table
    # new rows continue after the copied ids on the server
    shelf.db = url
    make_tree(lib, {"new.mp3": mp3(title="new")})
    assert shelf.scan(lib)["counts"]["added"] == 1
    assert query(url, "SELECT max(id) FROM items")[0][0] == 15
    # a destination with a catalog is refused without --force
    r = run(shelf, "catalog", "copy", str(first), url)
    assert r.returncode == 2 and b"--force" in r.stderr
    r = run(shelf, "catalog", "copy", str(first), url, "--force", "--json")
    assert r.returncode == 0, r.stderr
    assert len(read_items(url)) == 14


def test_stopping_a_root_keeps_its_rows_on_both_engines(
    shelf: Shelf, lib: Path, tmp_path: Path
) -> None:
    shelf.scan(lib)
    aside = tmp_path / "unplugged"
    lib.rename(aside)
    lib.mkdir()  # the mount point, with the volume gone
    r = shelf.run("scan", lib, "--json")
    assert r.returncode == 1, r.stderr
    summary = json.loads(r.stdout)
    assert summary["held"] and "is empty" in summary["held"][0]["reason"]
    assert summary["held"][0]["files"] == 12
    assert b"scan held" in r.stderr and b"--accept-volume" in r.stderr
    assert len(read_items(shelf.db, missing=False)) == 12
    shutil.rmtree(lib)
    aside.rename(lib)
    summary = shelf.scan(lib)
    assert summary["counts"]["unchanged"] == 12 and summary["counts"]["missing"] == 0
    # the user says the files really are gone
    shutil.rmtree(lib)
    lib.mkdir()
    summary = shelf.scan(lib, "--accept-volume")
    assert summary["counts"]["missing"] == 12


def test_another_volume_at_the_mount_point_is_stopped(
    pg_server: Any, pg: Shelf, lib: Path, tmp_path: Path
) -> None:
    shelf = pg
    shelf.scan(lib)
    assert (lib / ".mediashelf-root").exists()
    lib.rename(tmp_path / "away")
    make_tree(lib, {"Other/x.mp3": mp3(title="x")})  # another disk, without the anchor
    r = shelf.run("scan", lib, "--json")
    assert r.returncode == 1
    assert b"lost its .mediashelf-root" in r.stderr
    assert len(read_items(shelf.db, missing=False)) == 12
    time.sleep(0)  # (the rows are untouched: nothing marked missing)


def test_hostile_values_through_both_engines(shelf: Shelf, tmp_path: Path) -> None:
    """Quotes, LIKE wildcards, backslashes, NUL and a JSON-looking tag, as tags and names."""
    root = tmp_path / "library"
    hostile = 'O\'Brien "quoted" 100%_\\x; DROP TABLE items;--'
    make_tree(
        root,
        {
            "a'b\"c%_\\.mp3": mp3(title=hostile, artist="Nul\x00Byte", album='{"a": [1]}'),
            b"bad-\xff\xfe.mp3": mp3(title="undecodable name"),
        },
    )
    summary = shelf.scan(root)
    assert summary["counts"]["added"] == 2
    found = shelf.find("title:O'Brien")
    assert [item["title"] for item in found] == [hostile]
    # NUL separates the values of an ID3 frame; no text keeps it (PostgreSQL cannot)
    assert found[0]["artist"] == "Nul" and "\x00" not in json.dumps(found[0])
    assert found[0]["album"] == '{"a": [1]}'
    assert [i["title"] for i in shelf.find("100%_")] == [hostile]  # wildcards are literal
    assert shelf.find("title:100%x") == []
    assert len(shelf.find('title::^O\'Brien "quoted"')) == 1  # a regular expression
    paths = shelf.run("find", "--paths").stdout.splitlines()
    assert sorted(paths) == sorted(os.fsencode(p) for p in files_under(root))
    assert len(read_items(shelf.db)) == 2


def test_a_nul_in_a_frames_description_is_catalogued_on_both_engines(
    shelf: Shelf, tmp_path: Path
) -> None:
    """A lyrics frame whose language is three NULs names an extra tag with NULs in it:
    the scan catalogues the file (the server's JSON cannot hold U+0000, so it is dropped
    there), never failing the batch."""
    from mutagen.id3 import ID3, USLT

    root = tmp_path / "library"
    make_tree(root, {"lyrics.mp3": mp3(title="with lyrics"), "plain.mp3": mp3(title="plain")})
    tags = ID3(root / "lyrics.mp3")
    tags.add(USLT(encoding=3, lang="\x00\x00\x00", desc="", text="the lyrics"))
    tags.save()
    summary = shelf.scan(root)
    assert summary["counts"]["added"] == 2
    (item,) = shelf.find("title:with lyrics")
    assert "\x00" not in json.dumps(item) or not isinstance(shelf.db, str)
    assert len(read_items(shelf.db)) == 2


def test_every_command_runs_on_postgresql(pg: Shelf, tmp_path: Path) -> None:
    """Each command once against a server catalog, end to end (the suite runs most of
    them on both engines in depth; this one says none is left out)."""
    shelf = pg
    root = tmp_path / "library"
    make_tree(
        root,
        {
            "Artist/Album/01.mp3": mp3(title="One", artist="Artist", album="Album"),
            "Artist/Album/02.mp3": mp3(title="Two", artist="Artist", album="Album"),
            "broken.mp3": b"ID3\x04 not really",
        },
    )
    shutil.copy(root / "Artist/Album/01.mp3", root / "copy of 01.mp3")

    def ok(*args: str | Path, code: int = 0) -> bytes:
        r = shelf.run(*args)
        assert r.returncode == code, (args, r.stderr.decode(errors="replace"))
        assert b"Traceback" not in r.stderr
        return r.stdout

    assert shelf.scan(root, expect=1)["counts"]["failed"] == 1
    for mode in ("--json", "--csv", "--paths", "-0", "--m3u", "--count", "--albums"):
        assert ok("find", "artist:Artist", mode), mode
    assert b"One" in ok("find", "-f", "$title %aunique{}", "artist:Artist")
    assert b"One" in ok("info", root / "Artist/Album/01.mp3")
    assert json.loads(ok("stats", "--json"))
    ok("report", "--html", tmp_path / "report.html")
    assert (tmp_path / "report.html").stat().st_size > 1000
    assert b"artist" in ok("fields")
    assert json.loads(ok("failures", "--json").splitlines()[0])["path"].endswith("broken.mp3")
    groups = [json.loads(line) for line in ok("dupes", "--json").splitlines()]
    assert len(groups) == 1
    ok("dupes", "--audio", "--json")
    ok("dupes", "--similar", "--json")
    ok("dupes", "--resolve", "--action", "trash", "--apply", "--yes", "--json")
    assert not (root / "copy of 01.mp3").exists() or not (root / "Artist/Album/01.mp3").exists()
    dest = tmp_path / "tidy"
    ok("organize", "artist:Artist", "--into", dest, "--dry-run", "--json")
    ok("organize", "artist:Artist", "--into", dest, "--yes", "--json")
    assert len(files_under(dest)) == 2
    history = [json.loads(line) for line in ok("history", "--json").splitlines()]
    assert len(history) == 2 and all(run["host"] for run in history)
    ok("undo", "--yes", "--json")
    assert len(files_under(dest)) == 0
    ok("recover")
    (root / "Artist/Album/02.mp3").unlink()
    shelf.scan(root, expect=None)
    assert read_items(shelf.db, missing=True)
    ok("prune")
    assert not read_items(shelf.db, missing=True)
    copy = tmp_path / "copy.db"
    ok("catalog", "copy", shelf.db, copy, "--json")
    assert sorted(read_items(copy)) == sorted(read_items(shelf.db))


def test_a_path_too_long_for_the_servers_index_is_a_failure(
    shelf: Shelf, tmp_path: Path, engine: str
) -> None:
    """A B-tree entry of PostgreSQL holds ~2.7 kB: a deeper path is one recorded failure
    there (the scan goes on, exit 1); SQLite catalogues it."""
    import random
    import string

    rng = random.Random(1)  # letters that do not compress: the index cannot shrink them
    deep = tmp_path / "library"
    for _ in range(12):
        deep /= "".join(rng.choice(string.ascii_letters) for _ in range(240))
    make_tree(tmp_path / "library", {"short.mp3": mp3(title="short")})
    make_tree(deep, {"deep.mp3": mp3(title="deep")})
    assert len(os.fsencode(deep / "deep.mp3")) > 2900
    if engine == "sqlite":
        assert shelf.scan(tmp_path / "library")["counts"]["added"] == 2
        return
    summary = shelf.scan(tmp_path / "library", expect=1)
    assert summary["counts"]["added"] == 1 and summary["counts"]["failed"] == 1
    (failure,) = shelf.failures()
    assert failure["kind"] == "path too long" and failure["path"].endswith("deep.mp3")
    assert shelf.scan(tmp_path / "library", expect=None)["counts"]["added"] == 0


def test_commands_that_touch_files_act_on_this_hosts_roots_and_runs(
    pg: Shelf, lib: Path, tmp_path: Path
) -> None:
    """The laptop does not mount the NAS's disk: organize and dupes --resolve skip its
    items and say why; a run made on the NAS is undone there, not here."""
    url = str(pg.db)
    nas = dict(pg.env, SHELF_HOST="nas")
    laptop = dict(pg.env, SHELF_HOST="laptop")
    shutil.copy(lib / "Artist 0/Album 0/00.mp3", lib / "Artist 0/copy.mp3")
    assert run(pg, "--db", url, "scan", lib, env=nas).returncode == 0
    dest = tmp_path / "tidy"
    r = run(pg, "--db", url, "organize", "--into", dest, "--dry-run", env=laptop)
    assert r.returncode == 0, r.stderr
    assert b"on nas, not mounted on this machine" in r.stdout
    r = run(pg, "--db", url, "organize", "--into", dest, "--yes", "--json", env=laptop)
    assert json.loads(r.stdout)["plan"]["conflicts"] == 13 and not dest.exists()
    r = run(pg, "--db", url, "dupes", "--resolve", "--action", "trash", "--json", env=laptop)
    assert b"not mounted on this machine" in r.stdout + r.stderr, r.stdout
    assert (lib / "Artist 0/copy.mp3").exists()
    r = run(pg, "--db", url, "organize", "--into", dest, "--yes", "--json", env=nas)
    assert r.returncode == 0, r.stderr
    assert len(files_under(dest)) == 12  # (the copy's tags name the same place: left)
    r = run(pg, "--db", url, "undo", "--yes", env=laptop)  # the laptop's last run: none
    assert r.returncode == 2 and b"nothing to undo" in r.stderr, r.stderr
    runs = run(pg, "--db", url, "history", "--json", env=laptop).stdout.splitlines()
    moved = [json.loads(line) for line in runs if json.loads(line)["host"] == "nas"]
    r = run(pg, "--db", url, "undo", str(moved[-1]["id"]), "--yes", env=laptop)
    assert r.returncode != 0 and b"undo it there" in r.stderr, r.stderr
    assert len(files_under(dest)) == 12
    r = run(pg, "--db", url, "undo", "--yes", env=nas)
    assert r.returncode == 0, r.stderr
    assert not files_under(dest) and (lib / "Artist 2/Album 2/03.mp3").exists()

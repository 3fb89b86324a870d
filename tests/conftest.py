"""Shared fixtures: an isolated environment, a `shelf` command runner, catalog checks.

Every test runs with `XDG_CONFIG_HOME` and `XDG_DATA_HOME` pointing into its own
temporary folder and without `SHELF_*` variables, so a user's real settings and
catalog never leak into a test (nor a test into them).

The catalog of the `shelf` runner (and of `catalog_target`) is parametrized over both
engines: a SQLite file, and a PostgreSQL catalog in a throwaway cluster started once
per session (tests/pgserver.py), each test in a schema of its own.  The helpers that
read a catalog directly (`read_items`, `query` …) take either.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from mediashelf.catalog.rows import item_row
from mediashelf.catalog.writer import Writer
from mediashelf.model import Extracted
from tests.media import files_under, flac, jpeg, m4a, make_tree, mp3, ogg

SHELF_VARS = ("SHELF_PROFILE", "SHELF_DB", "SHELF_CONFIG")
#: a catalog: a SQLite file, or a PostgreSQL URL
Target = Path | str
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the XDG folders into tmp_path and drop SHELF_* for this test (in-process too)."""
    config_home = tmp_path / "xdg-config"
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    for name in SHELF_VARS:
        monkeypatch.delenv(name, raising=False)
    return {"XDG_CONFIG_HOME": str(config_home), "XDG_DATA_HOME": str(data_home)}


# -- dropping root's power to ignore file permissions ------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def _drop_dac_capabilities() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` under which chmod 000 really makes a file unreadable.

    Not root: permissions already apply, nothing to do.  Root: drop the capabilities
    that bypass file permissions from the child's bounding set, so the program it
    executes runs as root without them.  Skips the test where that is not allowed.
    """
    if os.geteuid() != 0:
        return None
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        locked = os.path.join(d, "locked")
        with open(locked, "wb"):
            pass
        os.chmod(locked, 0)
        try:
            probe = subprocess.run(
                [sys.executable, "-c", "import sys; open(sys.argv[1], 'rb')", locked],
                preexec_fn=_drop_dac_capabilities,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as e:
            pytest.skip(
                f"running as root and cannot drop CAP_DAC_OVERRIDE ({e}): chmod 000 is moot"
            )
    if probe.returncode == 0:
        pytest.skip("running as root and chmod 000 does not stop this process: cannot test it")
    return _drop_dac_capabilities


# -- the command line --------------------------------------------------------------------


class Shelf:
    """Runs `python -m mediashelf --db DB …` as a real subprocess in an isolated environment."""

    def __init__(self, db: Target, env: dict[str, str], cwd: Path) -> None:
        self.db = db
        self.env = env
        self.cwd = cwd

    def argv(self, *args: str | bytes | os.PathLike[str]) -> list[str | bytes]:
        out: list[str | bytes] = [sys.executable, "-m", "mediashelf", "--db", str(self.db)]
        out += [a if isinstance(a, bytes) else os.fspath(a) for a in args]
        return out

    def run(
        self,
        *args: str | bytes | os.PathLike[str],
        timeout: float = 120,
        preexec_fn: Callable[[], None] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.argv(*args),
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            timeout=timeout,
            preexec_fn=preexec_fn,
        )

    def popen(self, *args: str | bytes | os.PathLike[str]) -> subprocess.Popen[bytes]:
        """Start a command as a process group leader (so a test can signal it and its workers)."""
        return subprocess.Popen(
            self.argv(*args),
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def scan(
        self,
        *args: str | bytes | os.PathLike[str],
        expect: int | None = 0,
        preexec_fn: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """`shelf scan ARGS --json`; checks the exit code and returns the summary."""
        r = self.run("scan", *args, "--json", preexec_fn=preexec_fn)
        if expect is not None:
            assert r.returncode == expect, (
                f"scan exited {r.returncode}, expected {expect}\n"
                f"stdout: {r.stdout.decode(errors='replace')}\n"
                f"stderr: {r.stderr.decode(errors='replace')}"
            )
        try:
            text = r.stdout.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(
                f"scan --json printed bytes that are not UTF-8 ({e}): "
                f"{r.stdout[max(0, e.start - 60) : e.end + 20]!r}"
            ) from None
        summary: dict[str, Any] = json.loads(text)
        assert summary["exit_code"] == r.returncode
        return summary

    def find(self, *args: str | bytes | os.PathLike[str]) -> list[dict[str, Any]]:
        """`shelf find ARGS --json` → one dict per item."""
        r = self.run("find", *args, "--json")
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return [json.loads(line) for line in r.stdout.splitlines()]

    def find_by_path(self, *args: str | bytes | os.PathLike[str]) -> dict[bytes, dict[str, Any]]:
        return {os.fsencode(item["path"]): item for item in self.find(*args)}

    def failures(self) -> list[dict[str, Any]]:
        r = self.run("failures", "--json")
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.fixture
def shelf(catalog_target: Target, isolated_env: dict[str, str], tmp_path: Path) -> Shelf:
    """The `shelf` command on a fresh catalog of each engine."""
    env = {k: v for k, v in os.environ.items() if k not in SHELF_VARS}
    env.update(isolated_env)
    return Shelf(catalog_target, env, tmp_path)


# -- the catalog engines -----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A PostgreSQL cluster for the session (tests/pgserver.py)."""
    from tests.pgserver import PgServer

    try:
        server = PgServer()
    except RuntimeError as e:
        pytest.fail(f"cannot start the test PostgreSQL server: {e}")
    try:
        server.dbname = server.new_database()
        yield server
    finally:
        server.stop()


def pg_schema_url(server: Any, *, user: str = "shelf") -> str:
    """A URL of a fresh, empty schema of the session's database: a catalog of its own."""
    import uuid

    schema = "s_" + uuid.uuid4().hex[:12]
    server.admin(f"CREATE SCHEMA {schema} AUTHORIZATION shelf", dbname=server.dbname)
    server.admin(f"GRANT ALL ON SCHEMA {schema} TO shelfpw", dbname=server.dbname)
    return f"{server.url(server.dbname, user)}?options=-csearch_path%3D{schema}"


@pytest.hookimpl(tryfirst=True)  # (before `-m` picks tests by their marks)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `sqlite_only(why)` runs on the SQLite catalog alone (it says why);
    one marked `slow_on_postgresql` is `slow` on PostgreSQL (its SQLite run is the quick
    check, and the server's own tests cover the same ground there)."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and "postgresql" in (
            callspec.params.get("engine"),
            callspec.params.get("query_engine"),
        )
        if on_pg and item.get_closest_marker("slow_on_postgresql"):
            item.add_marker(pytest.mark.slow)
        (dropped if on_pg and item.get_closest_marker("sqlite_only") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=ENGINES)
def query_engine(request: pytest.FixtureRequest) -> str:
    """The engine of a module's library, built once and asked many questions."""
    return str(request.param)


def module_catalog(engine: str, request: pytest.FixtureRequest, base: Path) -> Target:
    """A catalog that does not exist yet, for a module-scoped fixture on `engine`."""
    if engine == "postgresql":
        return pg_schema_url(request.getfixturevalue("pg_server"))
    return base / "catalog" / "library.db"


@pytest.fixture
def catalog_target(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """A catalog that does not exist yet: a SQLite file, or an empty PostgreSQL schema."""
    if engine == "postgresql":
        return pg_schema_url(request.getfixturevalue("pg_server"))
    return tmp_path / "catalog" / "library.db"


def ready(db: Target) -> None:
    """Make the folder of a SQLite catalog (a server's needs nothing)."""
    if not isinstance(db, str):
        db.parent.mkdir(parents=True, exist_ok=True)


def exists(db: Target) -> bool:
    """The catalog is there (a SQLite file; a PostgreSQL schema with its tables)."""
    if isinstance(db, str):
        return bool(_pg_rows(db, "SELECT to_regclass('migrations') IS NOT NULL")[0][0])
    return os.path.exists(db)


def _pg_rows(url: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    from mediashelf.catalog.postgres import PgConnection, _connect

    con = PgConnection(_connect(url))
    try:
        cur = con.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []
    finally:
        con.close()


# -- the catalog, read directly ----------------------------------------------------------


def upsert(w: Writer, pairs: list[tuple[Extracted, int]]) -> None:
    """Write read files the way the scan does: catalog rows built by `item_row`."""
    now = time.time_ns()
    w.upsert([item_row(e, fid, w.scan_id, now) for e, fid in pairs])


def read_items(db: Target, *, missing: bool | None = None) -> dict[bytes, dict[str, Any]]:
    """Every item row by path, straight from the catalog's tables."""
    if isinstance(db, str):
        from mediashelf.catalog.postgres import PgConnection, _connect

        pg = PgConnection(_connect(db))
        try:
            sql = "SELECT * FROM items"
            if missing is not None:
                sql += f" WHERE missing = {int(missing)}"
            cur = pg.execute(sql)
            names = [d[0] for d in cur.description or ()]
            return {bytes(r[names.index("path")]): dict(zip(names, r, strict=True)) for r in cur}
        finally:
            pg.close()
    assert os.path.exists(db), db  # (connecting would create it)
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        sql = "SELECT * FROM items"
        if missing is not None:
            sql += f" WHERE missing = {int(missing)}"
        return {bytes(r["path"]): dict(r) for r in con.execute(sql)}
    finally:
        con.close()


def query(db: Target, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one statement (`?` placeholders) on either engine."""
    if isinstance(db, str):
        return _pg_rows(db, sql, params)
    assert os.path.exists(db), db  # (connecting would create it)
    con = sqlite3.connect(db)
    try:
        rows = con.execute(sql, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def integrity_ok(db: Target) -> None:
    if isinstance(db, str):  # the server checks its constraints on every statement
        assert exists(db)
        return
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []


def assert_catalog_matches_disk(db: Target, root: Path | str) -> dict[bytes, dict[str, Any]]:
    """Catalog and disk agree exactly: same set of paths, sizes, mtimes, inodes, quick hashes."""
    from mediashelf.quickhash import quick_hash, read_ends

    integrity_ok(db)
    rows = read_items(db, missing=False)
    on_disk = files_under(root)
    assert set(rows) == on_disk, (
        f"only in catalog: {sorted(set(rows) - on_disk)[:5]}, "
        f"only on disk: {sorted(on_disk - set(rows))[:5]}"
    )
    for path, row in rows.items():
        st = os.stat(path)
        assert (row["size"], row["mtime_ns"]) == (st.st_size, st.st_mtime_ns), path
        assert (row["dev"], row["ino"]) == (st.st_dev, st.st_ino), path
        if row["quick_hash"] is not None:
            with open(path, "rb") as f:
                head, tail = read_ends(f, st.st_size)
            assert bytes(row["quick_hash"]) == quick_hash(st.st_size, head, tail), path
    return rows


def assert_rows_exist_on_disk(db: Target) -> dict[bytes, dict[str, Any]]:
    """Every present item row names a file that exists with the recorded size."""
    integrity_ok(db)
    rows = read_items(db, missing=False)
    for path, row in rows.items():
        st = os.stat(path)
        assert st.st_size == row["size"], path
    return rows


# -- in-process scans ----------------------------------------------------------------------


def scan_in_process(
    db: Target,
    roots: Sequence[str | bytes | os.PathLike[str]],
    *,
    full: bool = False,
    jobs: int = 1,
    config: Path | None = None,
    **flags: Any,
) -> Any:
    """`run_scan` in this process, holding the scan lock as the command does."""
    from mediashelf.catalog import open_catalog
    from mediashelf.config import load_settings
    from mediashelf.scan import run_scan

    settings = load_settings(config_path=config, db=str(db), jobs=jobs, env={}, **flags)
    catalog = open_catalog(settings.catalog)
    try:
        catalog.acquire_lease()
        return run_scan(
            catalog,
            settings,
            [os.path.abspath(os.fsencode(r)) for r in roots],
            full=full,
        )
    finally:
        catalog.close()


# -- a library big enough to interrupt ----------------------------------------------------

BIG_ALBUMS = 240
BIG_TRACKS = 24  # plus one cover.jpg per album


def big_library_spec() -> dict[str | bytes, Any]:
    makers = (mp3, flac, ogg, m4a)
    exts = (".mp3", ".flac", ".ogg", ".m4a")
    spec: dict[str | bytes, Any] = {}
    for a in range(BIG_ALBUMS):
        folder = f"Artist {a // 6:02d}/Album {a:03d}"
        for t in range(BIG_TRACKS):
            k = (a + t) % len(makers)
            spec[f"{folder}/{t + 1:02d} Track{exts[k]}"] = makers[k](
                title=f"Track {a}-{t}", artist=f"Artist {a // 6}", album=f"Album {a}", track=t + 1
            )
        spec[f"{folder}/cover.jpg"] = jpeg() + a.to_bytes(2, "big")
    return spec


@pytest.fixture(scope="session")
def big_library_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big") / "library"
    make_tree(root, big_library_spec())
    return root


@pytest.fixture
def big_library(big_library_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a library of ~3,000 small files (120 albums of 24 tracks + cover)."""
    root = tmp_path / "library"
    shutil.copytree(big_library_template, root)
    return root


# -- processes -----------------------------------------------------------------------------


def wait_until(
    condition: Callable[[], bool], timeout: float, interval: float = 0.01, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left of a process group started by `Shelf.popen`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by a test; their groups are killed when the test ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        kill_group(p)
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()

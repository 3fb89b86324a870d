"""The command line itself: version, help, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediashelf import __version__
from tests.conftest import Shelf, exists, permissions_preexec, query
from tests.media import make_tree, mp3


def run(shelf: Shelf, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`python -m mediashelf ARGS` without the `--db` that `Shelf.run` adds."""
    return subprocess.run(
        [sys.executable, "-m", "mediashelf", *args], env=shelf.env, capture_output=True, timeout=60
    )


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_version(shelf: Shelf) -> None:
    r = run(shelf, "--version")
    assert r.returncode == 0
    assert r.stdout.decode().strip() == f"shelf {__version__}"


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_console_script_is_installed(shelf: Shelf) -> None:
    exe = Path(sys.executable).parent / "shelf"
    if not exe.exists():
        pytest.skip("the `shelf` console script is not installed next to this Python")
    r = subprocess.run([str(exe), "--version"], env=shelf.env, capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout.decode().strip() == f"shelf {__version__}"


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
@pytest.mark.parametrize("command", ["scan", "find", "ls", "info", "failures", "prune"])
def test_every_command_has_help(shelf: Shelf, command: str) -> None:
    r = run(shelf, command, "--help")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("usage: shelf ")
    assert "--db" in out


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_scan_help_describes_the_options(shelf: Shelf) -> None:
    out = run(shelf, "scan", "--help").stdout.decode()
    for option in ("--jobs", "--full", "--json", "--exclude", "--follow-symlinks", "--wait"):
        assert option in out


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_no_command_prints_help_to_stdout_and_exits_0(shelf: Shelf) -> None:
    # asked for nothing, `shelf` shows what it can do; nothing went wrong
    r = run(shelf)
    assert r.returncode == 0
    assert b"usage: shelf" in r.stdout
    assert b"organize" in r.stdout
    assert r.stderr == b""


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_every_command_that_changes_files_takes_yes(shelf: Shelf) -> None:
    for command in ("organize", "undo", "dupes"):
        out = run(shelf, command, "--help").stdout.decode()
        assert "--yes" in out and "-y" in out, command


@pytest.mark.sqlite_only("the command line alone: no catalog is opened")
def test_unknown_option_is_a_usage_error(shelf: Shelf) -> None:
    r = run(shelf, "scan", "--no-such-option", ".")
    assert r.returncode == 2
    assert b"unrecognized arguments" in r.stderr


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_tree(root, {"a.mp3": mp3(title="A"), "b.mp3": mp3(title="B")})
    return root


@pytest.mark.sqlite_only("where a SQLite catalog file is put")
def test_db_option_after_the_command(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    r = run(shelf, "scan", str(lib), "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr
    r = run(shelf, "find", "--db", str(db), "--count")
    assert r.stdout.splitlines()[-1] == b"2"


@pytest.mark.sqlite_only("where a SQLite catalog file is put")
def test_default_catalog_lives_in_xdg_data_home(shelf: Shelf, lib: Path) -> None:
    r = run(shelf, "scan", str(lib), "--json")
    assert r.returncode == 0, r.stderr
    assert (Path(shelf.env["XDG_DATA_HOME"]) / "mediashelf" / "library.db").exists()


@pytest.mark.sqlite_only("where a SQLite catalog file is put")
def test_shelf_db_environment_variable(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    shelf.env["SHELF_DB"] = str(tmp_path / "from-env.db")
    r = run(shelf, "scan", str(lib), "--json")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "from-env.db").exists()
    assert not (Path(shelf.env["XDG_DATA_HOME"]) / "mediashelf").exists()
    # the flag wins over the variable
    r = run(shelf, "--db", str(tmp_path / "flag.db"), "scan", str(lib), "--json")
    assert r.returncode == 0 and (tmp_path / "flag.db").exists()


def _config(shelf: Shelf, text: str) -> Path:
    path = Path(shelf.env["XDG_CONFIG_HOME"]) / "mediashelf" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "args", "needle"),
    [
        ("exlude = []\n", (), "unknown key 'exlude' (did you mean 'exclude'?)"),
        ("jobs = 'many'\n", (), "'jobs' must be a whole number"),
        ("[profiles.x]\ntimeout = -1\n", (), "'timeout' must be more than 0 seconds"),
        ("this is = not toml = at all\n", (), "not valid TOML"),
        ("", ("--profile", "nope"), "unknown profile 'nope'"),
        ("", ("--jobs", "-3"), "--jobs must be 0"),
    ],
)
def test_configuration_errors_exit_2_with_one_line(
    shelf: Shelf, lib: Path, text: str, args: tuple[str, ...], needle: str
) -> None:
    if text:
        _config(shelf, text)
    r = shelf.run("scan", lib, *args)
    assert r.returncode == 2
    assert r.stdout == b""
    err = r.stderr.decode()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("shelf: ") and needle in err
    assert not exists(shelf.db)


def test_shelf_profile_and_shelf_config_variables(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "custom.toml"
    cfg.write_text("[profiles.mine]\nbatch_size = 3\n")
    shelf.env["SHELF_CONFIG"] = str(cfg)
    shelf.env["SHELF_PROFILE"] = "mine"
    r = shelf.run("scan", lib, "--json")
    assert r.returncode == 0, r.stderr
    options = json.loads(query(shelf.db, "SELECT options FROM scans")[0][0])
    assert options["profile"] == "mine"
    shelf.env["SHELF_PROFILE"] = "absent"
    r = shelf.run("scan", lib)
    assert r.returncode == 2
    assert b"SHELF_PROFILE: unknown profile 'absent'" in r.stderr
    shelf.env["SHELF_CONFIG"] = str(tmp_path / "missing.toml")
    r = shelf.run("scan", lib)
    assert r.returncode == 2 and b"does not exist" in r.stderr


def test_read_commands_on_a_missing_catalog(shelf: Shelf) -> None:
    for args in (("find",), ("info", "x.mp3"), ("failures",), ("prune",)):
        r = shelf.run(*args)
        assert r.returncode == 3, args
        err = r.stderr.decode()
        assert len(err.splitlines()) == 1 and "no catalog" in err, err
    assert not exists(shelf.db)
    if not isinstance(shelf.db, str):
        assert not shelf.db.parent.exists()


def test_info_on_an_uncatalogued_file(shelf: Shelf, lib: Path) -> None:
    shelf.scan(lib)
    r = shelf.run("info", lib / "a.mp3", lib / "nope.mp3")
    assert r.returncode == 1
    assert r.stdout.startswith(os.fsencode(lib / "a.mp3") + b"\n")
    assert b"nope.mp3: not in the catalog" in r.stderr


def test_info_shows_fields(shelf: Shelf, lib: Path) -> None:
    shelf.scan(lib)
    r = shelf.run("info", lib / "a.mp3")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "title" in out and " A\n" in out
    assert "kind" in out and "audio" in out


def test_scan_prints_a_human_summary(shelf: Shelf, lib: Path) -> None:
    r = shelf.run("scan", lib)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("Scanned 2 files")
    assert "added 2" in out and "failed 0" in out
    assert r.stderr == b""  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("items", [3, 600])
def test_find_into_a_closed_pipe_is_not_an_error(shelf: Shelf, tmp_path: Path, items: int) -> None:
    """`shelf find | head -1`: the reader goes away; find exits quietly with 0."""
    root = tmp_path / "library"
    make_tree(root, {f"f{i:04d}-{'x' * 40}.txt": "x" for i in range(items)})
    shelf.scan(root)
    p = subprocess.Popen(
        shelf.argv("find", "--paths"), env=shelf.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader is gone before anything is written
    err = p.stderr.read()
    p.stderr.close()
    assert p.wait(timeout=60) == 0, err
    assert err == b""


@pytest.mark.sqlite_only("a read-only catalog file (a server's own errors: test_postgres.py)")
def test_a_catalog_that_cannot_be_written_is_a_fatal_one_line_error(
    shelf: Shelf, lib: Path
) -> None:
    """Catalog problems abort with exit 3 and one clear line, not a traceback."""
    shelf.scan(lib)
    preexec = permissions_preexec()
    shelf.db.chmod(0o444)
    try:
        r = shelf.run("scan", lib, "--full", preexec_fn=preexec)
    finally:
        shelf.db.chmod(0o644)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 3, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("shelf: ") and str(shelf.db) in err
    r = shelf.run("find", "--count", preexec_fn=preexec)  # reading still works
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == b"2"

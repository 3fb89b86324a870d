"""`shelf organize`, `undo` and `history` through the real command, on a messy library."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Shelf, read_items, ready
from tests.media import make_tree, mp3
from tests.organize.lib import build, catalog_agrees, contents, leftovers, tree


@pytest.fixture
def lib(shelf: Shelf, tmp_path: Path) -> Path:
    ready(shelf.db)
    return build(tmp_path, shelf.db)


def run(shelf: Shelf, *args: Any, code: int = 0) -> str:
    r = shelf.run(*args)
    assert r.returncode == code, (r.returncode, r.stdout.decode(), r.stderr.decode())
    return r.stdout.decode()


def plan(shelf: Shelf, dest: Path, *args: Any) -> tuple[dict[str, str], dict[str, Any]]:
    lines = [
        json.loads(x)
        for x in run(shelf, "organize", "--into", dest, "--dry-run", "--json", *args).splitlines()
    ]
    ops = {
        os.path.basename(o["src"]): os.path.relpath(o["dst"], dest) for o in lines if "action" in o
    }
    return ops, lines[-1]["plan"]


def test_default_templates(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    ops, counts = plan(shelf, tmp_path / "tidy")
    assert ops["track1.mp3"] == "The Beatles/Abbey Road/01 Come Together.mp3"
    assert ops["a.flac"] == "Queen/A Night at the Opera/01-01 Death on Two Legs.flac"
    assert ops["b.flac"] == "Queen/A Night at the Opera/02-11 Bohemian Rhapsody.flac"
    assert ops["x.mp3"] == "Compilations/Hits/01 Song A.mp3"
    assert ops["single.ogg"] == "Non-Album/Solo Artist/Lonely.ogg"
    assert ops["untagged.mp3"] == "Non-Album/Unknown Artist/untagged.mp3"
    # sidecars go with their album
    assert ops["cover.jpg"] == "The Beatles/Abbey Road/cover.jpg"
    assert ops["abbey.cue"] == "The Beatles/Abbey Road/abbey.cue"
    assert ops["rip.log"] == "The Beatles/Abbey Road/rip.log"
    assert counts["sidecars"] == 3 and counts["conflicts"] == 0


def test_aunique_tells_albums_apart(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    dest = tmp_path / "tidy"
    lines = [
        json.loads(x)
        for x in run(
            shelf, "organize", "--into", dest, "-n", "--json", "album:greatest"
        ).splitlines()
    ]
    dsts = sorted(os.path.relpath(o["dst"], dest) for o in lines if "action" in o)
    assert dsts == ["Band/Greatest Hits [1981]/01 One.mp3", "Band/Greatest Hits [1991]/01 Two.mp3"]
    ops, _ = plan(shelf, dest, "album:abbey")
    assert ops["track1.mp3"].startswith("The Beatles/Abbey Road/")  # unique: no suffix


def test_hostile_tags_stay_inside_the_destination(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    dest = tmp_path / "tidy"
    run(shelf, "organize", "--into", dest, "--yes", "path:" + str(lib / "hostile"))
    made = sorted(os.fsdecode(p) for p in tree(dest))
    assert len(made) == 3
    for rel in made:
        assert not rel.startswith(("/", "..")) and "/../" not in rel
        parts = rel.split("/")
        assert all(p not in ("", ".", "..") for p in parts)
    assert not (tmp_path / "etc").exists() and not Path("/root/passwd.mp3").exists()
    assert any("$HOME ~ `id`" in rel for rel in made)  # kept as text, never expanded
    assert any(rel.startswith("Latin/Bytes/") for rel in made)


def test_move_then_catalog_agrees_and_second_run_does_nothing(
    shelf: Shelf, lib: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "tidy"
    before = contents(lib)
    out = run(shelf, "organize", "--into", dest, "--yes")
    assert "run 1 done" in out
    assert contents(lib, dest) == before  # every byte still somewhere, nothing doubled
    assert not leftovers(lib, dest)
    catalog_agrees(shelf.db, lib, dest)
    assert not (lib / "incoming" / "abbey").exists()  # emptied folders pruned
    assert lib.exists()  # never past the scan root
    _, counts = plan(shelf, dest)
    assert counts["operations"] == 0 and counts["in_place"] == 13
    summary = shelf.scan(lib, dest)
    assert summary["counts"]["added"] == 0 and summary["counts"]["missing"] == 0


def test_no_prune_keeps_folders(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    run(shelf, "organize", "--into", tmp_path / "tidy", "--yes", "--no-prune", "album:abbey")
    assert (lib / "incoming" / "abbey").is_dir()


def test_undo_after_move_restores_the_exact_tree(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    original = tree(lib)
    dest = tmp_path / "tidy"
    run(shelf, "organize", "--into", dest, "--yes")
    assert tree(lib) != original
    run(shelf, "undo")
    assert tree(lib) == original
    assert not dest.exists() or not any(dest.iterdir())
    catalog_agrees(shelf.db, lib)
    history = [json.loads(x) for x in run(shelf, "history", "--json").splitlines()]
    assert [h["mode"] for h in history] == ["undo", "move"]
    assert history[1]["undone_by"] == history[0]["id"]
    r = shelf.run("undo", "1")
    assert r.returncode == 2 and b"already undone" in r.stderr


@pytest.mark.parametrize("yes", ["--yes", "-y"])
def test_undo_takes_yes_and_puts_the_files_back(
    shelf: Shelf, lib: Path, tmp_path: Path, yes: str
) -> None:
    original = tree(lib)
    dest = tmp_path / "tidy"
    run(shelf, "organize", "--into", dest, "--yes")
    assert tree(lib) != original
    out = run(shelf, "undo", yes)
    assert "run 2 done" in out
    assert tree(lib) == original
    assert not dest.exists() or not any(dest.iterdir())
    catalog_agrees(shelf.db, lib)


@pytest.mark.parametrize("mode", ["copy", "hardlink", "symlink", "reflink"])
def test_modes_and_their_undo(shelf: Shelf, lib: Path, tmp_path: Path, mode: str) -> None:
    original = tree(lib)
    dest = tmp_path / "tidy"
    out = run(shelf, "organize", "--into", dest, "--yes", "--mode", mode, "album:abbey")
    assert tree(lib) == original  # the sources stay
    made = dest / "The Beatles" / "Abbey Road" / "01 Come Together.mp3"
    src = lib / "incoming" / "abbey" / "track1.mp3"
    assert made.read_bytes() == src.read_bytes()
    if mode == "hardlink":
        assert os.path.samefile(made, src)
    elif mode == "symlink":
        assert made.is_symlink() and os.readlink(made) == str(src)
    else:
        assert not made.is_symlink() and not os.path.samefile(made, src)
    if mode == "reflink" and "copied instead" in out:
        pass  # this filesystem cannot share blocks: the fallback says so
    if mode != "symlink":
        catalog_agrees(shelf.db, lib, dest)
    assert "Would" in run(shelf, "organize", "--into", dest, "-n", "--mode", mode, "album:abbey")
    _, counts = plan(shelf, dest, "--mode", mode, "album:abbey")
    assert counts["operations"] == 0  # a second run does nothing
    run(shelf, "undo")
    assert tree(lib) == original
    assert not dest.exists() or not list(dest.rglob("*.*"))
    catalog_agrees(shelf.db, lib)


def test_reflink_falls_back_to_copy_with_a_message(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    out = run(
        shelf, "organize", "--into", tmp_path / "tidy", "--yes", "--mode", "reflink", "album:abbey"
    )
    assert "reflink" in out or "copy" in out


def test_undo_refuses_changed_files_unless_forced(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    dest = tmp_path / "tidy"
    run(shelf, "organize", "--into", dest, "--yes", "album:abbey")
    moved = dest / "The Beatles" / "Abbey Road" / "01 Come Together.mp3"
    moved.write_bytes(moved.read_bytes() + b"edited")
    r = shelf.run("undo")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "changed since" in err and "01 Come Together.mp3" in err and "nothing was changed" in err
    assert moved.exists()
    run(shelf, "undo", "--force")
    assert (lib / "incoming" / "abbey" / "track1.mp3").read_bytes().endswith(b"edited")


# -- conflicts --------------------------------------------------------------------------------


@pytest.fixture
def occupied(lib: Path, tmp_path: Path) -> Path:
    """A destination where the first Abbey Road track's place is taken by another file."""
    dest = tmp_path / "tidy"
    spot = dest / "The Beatles" / "Abbey Road" / "01 Come Together.mp3"
    spot.parent.mkdir(parents=True)
    spot.write_bytes(b"someone else's file")
    return dest


def test_conflict_skip(shelf: Shelf, lib: Path, occupied: Path) -> None:
    out = run(shelf, "organize", "--into", occupied, "--yes", "album:abbey")
    assert "1 conflicts" in out
    assert (lib / "incoming" / "abbey" / "track1.mp3").exists()
    assert (
        occupied / "The Beatles/Abbey Road/01 Come Together.mp3"
    ).read_bytes() == b"someone else's file"


def test_conflict_replace_keeps_the_old_file_aside_and_undo_restores_it(
    shelf: Shelf, lib: Path, occupied: Path
) -> None:
    src_bytes = (lib / "incoming/abbey/track1.mp3").read_bytes()
    run(shelf, "organize", "--into", occupied, "--yes", "--on-conflict", "replace", "album:abbey")
    spot = occupied / "The Beatles/Abbey Road/01 Come Together.mp3"
    assert spot.read_bytes() == src_bytes
    kept = occupied / ".mediashelf-replaced/The Beatles/Abbey Road/01 Come Together.mp3"
    assert kept.read_bytes() == b"someone else's file"
    run(shelf, "undo")
    assert spot.read_bytes() == b"someone else's file"
    assert (lib / "incoming/abbey/track1.mp3").read_bytes() == src_bytes


def test_a_replaced_file_keeps_its_catalog_row_aside_and_back(
    shelf: Shelf, lib: Path, occupied: Path
) -> None:
    """The catalogued file put aside by `--on-conflict replace` keeps its row, which goes
    aside with it and comes back with the undo (the two share one batch of the journal)."""
    shelf.scan(lib, occupied, expect=1)  # the file there is no MP3: catalogued, failed
    before = {p: r["size"] for p, r in read_items(shelf.db, missing=False).items()}
    run(shelf, "organize", "--into", occupied, "--yes", "--on-conflict", "replace", "album:abbey")
    spot = os.fsencode(occupied / "The Beatles/Abbey Road/01 Come Together.mp3")
    kept = os.fsencode(
        occupied / ".mediashelf-replaced/The Beatles/Abbey Road/01 Come Together.mp3"
    )
    rows = read_items(shelf.db, missing=False)
    assert rows[kept]["size"] == len(b"someone else's file")
    assert rows[spot]["size"] == os.path.getsize(spot)
    run(shelf, "undo")
    assert {p: r["size"] for p, r in read_items(shelf.db, missing=False).items()} == before


def test_a_chain_of_renames_keeps_every_row(shelf: Shelf, tmp_path: Path) -> None:
    """a.mp3 → b.mp3 while b.mp3 → c.mp3, in one batch: each row follows its file."""
    lib = tmp_path / "chain"
    make_tree(lib, {"a.mp3": mp3(title="b"), "b.mp3": mp3(title="c")})
    shelf.scan(lib)
    titles = {p: r["title"] for p, r in read_items(shelf.db).items()}
    run(shelf, "organize", "--into", lib, "--yes", "--template", "$title")
    assert sorted(n for n in os.listdir(lib) if n != ".mediashelf-root") == ["b.mp3", "c.mp3"]
    catalog_agrees(shelf.db, lib)
    moved = {p: r["title"] for p, r in read_items(shelf.db).items()}
    assert moved == {os.fsencode(lib / "b.mp3"): "b", os.fsencode(lib / "c.mp3"): "c"}
    run(shelf, "undo")
    assert {p: r["title"] for p, r in read_items(shelf.db).items()} == titles


def test_conflict_rename_and_keep_both(shelf: Shelf, lib: Path, occupied: Path) -> None:
    run(shelf, "organize", "--into", occupied, "--yes", "--on-conflict", "keep-both", "album:abbey")
    folder = occupied / "The Beatles/Abbey Road"
    assert (folder / "01 Come Together.mp3").read_bytes() == b"someone else's file"
    assert (folder / "01 Come Together (1).mp3").read_bytes().startswith(b"ID3")
    run(shelf, "undo")
    (folder / "01 Come Together.mp3").write_bytes(b"someone else's file")
    run(shelf, "organize", "--into", occupied, "--yes", "--on-conflict", "rename", "album:abbey")
    assert (folder / "01 Come Together.mp3").read_bytes().startswith(b"ID3")
    assert (folder / "01 Come Together (1).mp3").read_bytes() == b"someone else's file"


def test_skip_identical(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    dest = tmp_path / "tidy"
    spot = dest / "The Beatles" / "Abbey Road" / "01 Come Together.mp3"
    spot.parent.mkdir(parents=True)
    spot.write_bytes((lib / "incoming/abbey/track1.mp3").read_bytes())
    _, counts = plan(shelf, dest, "--skip-identical", "album:abbey")
    assert counts["identical"] == 1 and counts["conflicts"] == 0


def test_two_sources_one_destination(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    dest = tmp_path / "tidy"
    _, counts = plan(shelf, dest, "--template", "all/$album", "kind:audio")
    assert counts["conflicts"] > 0
    _, counts = plan(
        shelf, dest, "--template", "all/$album", "--on-conflict", "keep-both", "kind:audio"
    )
    assert counts["conflicts"] == 0


def test_templates_from_settings_first_match_wins(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[organize]\ntemplates = [\n"
        '  {match = "artist:queen", path = "Q/$title"},\n'
        '  {match = "", path = "Rest/%lower{$artist}/$title"},\n]\n'
    )
    dest = tmp_path / "tidy"
    ops, _ = plan(shelf, dest, "--config", config)
    assert ops["b.flac"] == "Q/Bohemian Rhapsody.flac"
    assert ops["track1.mp3"] == "Rest/the beatles/Come Together.mp3"
    config.write_text('[organize]\ntemplates = [{match = "artst:x", path = "$title"}]\n')
    r = shelf.run("organize", "--config", config, "--into", dest, "-n")
    assert r.returncode == 2 and b"unknown field 'artst'" in r.stderr


def test_bad_arguments(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    r = shelf.run("organize", "--into", tmp_path / "t", "-n", "--template", "$titel")
    assert r.returncode == 2 and b"unknown field $titel" in r.stderr
    (tmp_path / "file").write_text("x")
    r = shelf.run("organize", "--into", tmp_path / "file", "-n")
    assert r.returncode == 2 and b"is a file" in r.stderr


def test_cross_device_move(shelf: Shelf, lib: Path, tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem (/dev/shm) on this machine")
    import tempfile

    with tempfile.TemporaryDirectory(dir=shm) as other:
        dest = Path(other) / "tidy"
        original = tree(lib)
        before = contents(lib)
        run(shelf, "organize", "--into", dest, "--yes")
        assert contents(lib, dest) == before
        assert not leftovers(lib, dest)
        catalog_agrees(shelf.db, lib, dest)
        run(shelf, "undo")
        assert tree(lib) == original


def test_fail_after_stops_the_command_and_the_next_command_recovers(
    shelf: Shelf, lib: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "tidy"
    before = contents(lib)
    r = shelf.run("organize", "--into", dest, "--yes", "--fail-after", "7")
    assert r.returncode == 99 and b"injected failure after 7 steps" in r.stderr
    r = shelf.run("organize", "--into", dest, "--yes")  # recovers first, then finishes
    assert r.returncode == 0, r.stderr
    assert b"was interrupted; recovered" in r.stderr
    assert contents(lib, dest) == before
    catalog_agrees(shelf.db, lib, dest)
    history = [json.loads(x) for x in run(shelf, "history", "--json").splitlines()]
    assert [h["status"] for h in history] == ["done", "recovered"]


def test_an_interrupted_undo_is_finished_by_the_next_undo(
    shelf: Shelf, lib: Path, tmp_path: Path
) -> None:
    original = tree(lib)
    dest = tmp_path / "tidy"
    run(shelf, "organize", "--into", dest, "--yes")
    r = shelf.run("undo", "--fail-after", "12")
    assert r.returncode == 99
    run(shelf, "undo")  # recovers the interrupted undo, then undoes the rest
    assert tree(lib) == original
    catalog_agrees(shelf.db, lib)
    history = [json.loads(x) for x in run(shelf, "history", "--json").splitlines()]
    assert [h["status"] for h in history] == ["done", "recovered", "done"]

"""`shelf dupes --resolve`: real files, the real scanner, the organize journal."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from mediashelf import journal
from mediashelf.catalog import open_catalog
from mediashelf.dupes import Options, find_dupes
from mediashelf.dupes import resolve as resolution
from mediashelf.errors import InjectedCrash
from mediashelf.journal import recover, undo
from mediashelf.query import build
from tests.conftest import read_items
from tests.dupes.lib import BIG, scan, write
from tests.media import garbage
from tests.organize.lib import catalog_agrees, leftovers, tree

A = garbage(BIG, 21)  # past the quick hash: needs a full hash
B = garbage(5000, 22)  # settled by the quick hash alone


def library(root: Path) -> Path:
    lib = root / "lib"
    write(lib / "music/a.bin", A)
    write(lib / "backup/a.bin", A)
    write(lib / "old/deep/a copy.bin", A)
    write(lib / "music/b.dat", B)
    write(lib / "misc/b.dat", B)
    write(lib / "single.bin", garbage(BIG, 23))
    os.link(lib / "music/a.bin", lib / "music/a-link.bin")  # a link of the file kept
    os.utime(lib / "backup/a.bin", ns=(1_000_000_000, 1_000_000_000))  # the oldest
    return lib


@pytest.fixture
def lib(tmp_path: Path, isolated_env: dict[str, str]) -> Path:
    lib = library(tmp_path)
    scan(tmp_path / "cat.db", lib)
    return lib


def _plan(db: Path, action: str, keep: str = "best", to: Path | None = None) -> Any:
    catalog = open_catalog(db)
    try:
        result = find_dupes(catalog, build([]), Options())
        assert result.failures == []
        return resolution.plan(
            catalog, result.groups, keep, action, os.fsencode(to) if to else None
        )
    finally:
        catalog.close()


def _apply(db: Path, res: Any, fail_after: int | None = None) -> Any:
    catalog = open_catalog(db)
    try:
        catalog.acquire_lease()
        return resolution.execute(catalog, res, "test", fail_after=fail_after)
    finally:
        catalog.close()


def _undo(db: Path) -> Any:
    catalog = open_catalog(db)
    try:
        catalog.acquire_lease()
        return undo(catalog, None, force=False, command="undo")
    finally:
        catalog.close()


def _rows(db: Path) -> dict[bytes, tuple[int, int]]:
    return {p: (r["size"], r["mtime_ns"]) for p, r in read_items(db, missing=False).items()}


def _trash(tmp_path: Path) -> Path:
    return tmp_path / "xdg-data" / "Trash"


def _inodes(lib: Path) -> dict[str, int]:
    return {str(p.relative_to(lib)): p.stat().st_ino for p in lib.rglob("*") if p.is_file()}


# -- planning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keep", "kept"),
    [
        ("best", "music/a.bin"),
        ("first", "backup/a.bin"),
        ("oldest", "backup/a.bin"),
        ("path:{lib}/old", "old/deep/a copy.bin"),
        ("path:/nowhere", "music/a.bin"),
    ],
)
def test_keep_rules(tmp_path: Path, lib: Path, keep: str, kept: str) -> None:
    res = _plan(tmp_path / "cat.db", "delete", keep.format(lib=lib))
    big = [op for op in res.ops if op.size == BIG]
    assert {op.keep for op in big} == {os.fsencode(lib / kept)}
    acted = {os.fsdecode(os.path.relpath(op.path, os.fsencode(lib))) for op in big}
    everything = {"music/a.bin", "backup/a.bin", "old/deep/a copy.bin"}
    assert acted == everything - {kept}  # never every file of a group
    assert all(b"a-link" not in op.path for op in res.ops)  # the kept file's link: never


def test_newest(tmp_path: Path, lib: Path) -> None:
    os.utime(lib / "old/deep/a copy.bin", ns=(4_000_000_000_000_000_000,) * 2)
    scan(tmp_path / "cat.db", lib)
    res = _plan(tmp_path / "cat.db", "trash", "newest")
    assert {op.keep for op in res.ops if op.size == BIG} == {
        os.fsencode(lib / "old/deep/a copy.bin")
    }


def test_bad_rules(tmp_path: Path, lib: Path) -> None:
    from mediashelf.errors import ConfigError

    with pytest.raises(ConfigError):
        _plan(tmp_path / "cat.db", "trash", "largest")
    with pytest.raises(ConfigError):
        _plan(tmp_path / "cat.db", "move-to")  # without a folder


# -- each action, and its undo ---------------------------------------------------------------


def test_trash_and_undo(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    before, rows = tree(lib), _rows(db)
    outcome = _apply(db, _plan(db, "trash"))
    assert outcome.failures == [] and outcome.counts == {"trash": 3}
    trash = _trash(tmp_path)
    assert sorted(os.listdir(trash / "files")) == ["a copy.bin", "a.bin", "b.dat"]
    assert not (lib / "backup/a.bin").exists() and (lib / "music/a.bin").exists()
    assert (trash / "files").stat().st_mode & 0o777 == 0o700
    assert (trash / "info").stat().st_mode & 0o777 == 0o700
    info = (trash / "info" / "a copy.bin.trashinfo").read_text()
    lines = info.splitlines()
    assert lines[0] == "[Trash Info]"
    assert lines[1] == "Path=" + str(lib / "old/deep/a%20copy.bin")
    assert unquote(lines[1][5:]) == str(lib / "old/deep/a copy.bin")
    assert lines[2].startswith("DeletionDate=") and len(lines[2]) == len("DeletionDate=") + 19
    # the catalog: trashed files are missing, the rest agrees with the disk
    assert set(_rows(db)) == set(rows) - {
        os.fsencode(lib / p) for p in ("backup/a.bin", "old/deep/a copy.bin", "music/b.dat")
    }
    catalog_agrees(db, lib)
    _undo(db)
    assert tree(lib) == before and _rows(db) == rows
    assert os.listdir(trash / "files") == [] and os.listdir(trash / "info") == []
    catalog_agrees(db, lib)


def test_trash_names_are_unique(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    write(_trash(tmp_path) / "info/a.bin.trashinfo", b"[Trash Info]\n")  # taken: info alone
    res = _plan(db, "trash", "first")
    names = sorted(os.path.basename(op.dst) for op in res.ops)
    assert names == [b"a copy.bin", b"a.2.bin", b"b.dat"]
    _apply(db, res)
    assert (_trash(tmp_path) / "files/a.2.bin").read_bytes() == A


def test_move_to_and_undo(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    before, rows = tree(lib), _rows(db)
    aside = tmp_path / "aside"
    write(aside / "backup/a.bin", b"already here")
    outcome = _apply(db, _plan(db, "move-to", to=aside))
    assert outcome.failures == []
    assert tree(aside).keys() == {
        b"backup/a.bin",
        b"backup/a (1).bin",
        b"old/deep/a copy.bin",
        b"music/b.dat",
    }
    assert (aside / "backup/a (1).bin").read_bytes() == A
    catalog_agrees(db, lib)
    moved = {p for p in _rows(db) if p.startswith(os.fsencode(aside))}
    assert moved == {
        os.fsencode(aside / p) for p in ("backup/a (1).bin", "old/deep/a copy.bin", "music/b.dat")
    }
    _undo(db)
    assert tree(lib) == before and _rows(db) == rows
    assert tree(aside) == {b"backup/a.bin": tree(aside)[b"backup/a.bin"]}
    assert not (aside / "old").exists()  # the folders it made are gone


def test_hardlink_and_undo(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    before, rows, inodes = tree(lib), _rows(db), _inodes(lib)
    outcome = _apply(db, _plan(db, "hardlink"))
    assert outcome.failures == [] and outcome.counts == {"link-over": 3}
    kept = (lib / "music/a.bin").stat().st_ino
    assert (lib / "backup/a.bin").stat().st_ino == kept
    assert (lib / "old/deep/a copy.bin").stat().st_ino == kept
    assert tree(lib) == before  # the same bytes at the same paths
    items = read_items(db)
    assert items[os.fsencode(lib / "backup/a.bin")]["ino"] == kept
    catalog_agrees(db, lib)
    assert leftovers(lib) == []
    _undo(db)
    assert tree(lib) == before and _rows(db) == rows  # mtimes restored too
    after = _inodes(lib)
    assert after["music/a.bin"] == inodes["music/a.bin"] == after["music/a-link.bin"]
    assert len({after["music/a.bin"], after["backup/a.bin"], after["old/deep/a copy.bin"]}) == 3
    items = read_items(db)
    assert items[os.fsencode(lib / "backup/a.bin")]["ino"] == after["backup/a.bin"]
    assert leftovers(lib) == []


def test_delete_cannot_be_undone(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    _apply(db, _plan(db, "delete"))
    assert not (lib / "backup/a.bin").exists() and (lib / "music/a.bin").read_bytes() == A
    catalog_agrees(db, lib)
    outcome = _undo(db)
    assert len(outcome.failures) == 3
    assert all("cannot be undone" in reason for _, reason in outcome.failures)


def test_a_delete_undo_reverses_the_rest(tmp_path: Path, lib: Path) -> None:
    """A run with a deletion in it: the undo refuses that step and undoes the others."""
    db = tmp_path / "cat.db"
    res = _plan(db, "trash")
    last = res.steps[-1]
    res.steps[-1] = journal.Step("delete", None, last.src or b"", last.size, None, last.item_id)
    res.ops[-1] = resolution.Op(
        "delete", res.ops[-1].path, None, res.ops[-1].keep, res.ops[-1].size
    )
    _apply(db, res)
    outcome = _undo(db)
    assert [reason for _, reason in outcome.failures] == ["deleted by run 1: cannot be undone"]
    assert outcome.counts["untrash"] == 2


# -- what is never acted on ------------------------------------------------------------------


def test_last_copy_and_hard_links(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    _apply(db, _plan(db, "delete"))
    # every content is still there once, the single file untouched, the kept link too
    assert (lib / "single.bin").exists()
    assert (lib / "music/a-link.bin").read_bytes() == A
    assert (lib / "music/a.bin").read_bytes() == A
    assert len([p for p in lib.rglob("b.dat")]) == 1
    assert _plan(db, "delete").ops == []  # nothing left to resolve


def test_links_of_one_inode_are_not_duplicates(
    tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    lib = tmp_path / "lib"
    write(lib / "x.bin", A)
    os.link(lib / "x.bin", lib / "y.bin")
    scan(tmp_path / "cat.db", lib)
    assert _plan(tmp_path / "cat.db", "delete").ops == []


def test_a_file_changed_after_hashing_is_skipped(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    res = _plan(db, "delete")  # hashed and planned (the dry run)
    victim = lib / "backup/a.bin"
    st = victim.stat()
    changed = bytearray(A)
    changed[BIG // 2] ^= 1  # same size; the time put back: only the hash can tell
    victim.write_bytes(bytes(changed))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    outcome = _apply(db, res)
    assert [os.fsdecode(p) for p, _ in outcome.failures] == [str(victim)]
    assert victim.read_bytes() == bytes(changed)  # never acted on
    assert not (lib / "old/deep/a copy.bin").exists()  # the others were


def test_a_changed_kept_file_protects_its_group(tmp_path: Path, lib: Path) -> None:
    db = tmp_path / "cat.db"
    res = _plan(db, "trash")
    (lib / "music/a.bin").write_bytes(b"no longer the same")
    outcome = _apply(db, res)
    assert len(outcome.failures) == 2
    assert (lib / "backup/a.bin").read_bytes() == A
    assert (lib / "old/deep/a copy.bin").read_bytes() == A


# -- crashes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["trash", "move-to", "hardlink", "delete"])
def test_a_failure_after_every_step_is_recovered(
    tmp_path: Path, isolated_env: dict[str, str], action: str
) -> None:
    work, aside = tmp_path / "work", tmp_path / "work" / "aside"
    original = tree(library(tmp_path / "template"))
    n = 0
    while True:
        if work.exists():
            shutil.rmtree(work)
        shutil.rmtree(_trash(tmp_path), ignore_errors=True)
        lib, db = library(work), work / "cat.db"
        scan(db, lib)
        res = _plan(db, action, to=aside if action == "move-to" else None)
        try:
            _apply(db, res, fail_after=n)
            break
        except InjectedCrash:
            pass
        label = f"{action}, crash after step {n}"
        catalog = open_catalog(db)
        try:
            catalog.acquire_lease()
            recover(catalog)
            assert not journal.unfinished(catalog), label
        finally:
            catalog.close()
        trash = _trash(tmp_path)
        assert leftovers(lib) == [], label
        got = tree(lib)
        elsewhere = {**tree(aside)} if aside.exists() else {}
        if trash.exists():
            elsewhere |= {b"trash/" + k: v for k, v in tree(trash / "files").items()}
            infos = set(os.listdir(trash / "info"))
            assert infos == {f + ".trashinfo" for f in os.listdir(trash / "files")}, label
        # nothing lost: every original content is still in the library
        assert set(got.values()) == set(original.values()), label
        if action == "hardlink":
            assert got == original, label
        else:
            assert len(got) + len(elsewhere) == len(original) or action == "delete", label
        catalog_agrees(db, lib)
        if action != "delete":
            _undo(db)
            assert tree(lib) == original, label
            catalog_agrees(db, lib)
        n += 1
    assert n >= 5  # a commit, each file, a commit

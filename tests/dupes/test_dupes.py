"""`shelf dupes` on real files scanned by the real scanner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import Shelf, query, scan_in_process
from tests.dupes.lib import (
    BIG,
    audio_library,
    blocks,
    copy,
    groups_of,
    run,
    scan,
    twins_but_middle,
    write,
)
from tests.media import garbage


@pytest.fixture
def exact_lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    big = garbage(BIG, 7)
    write(root / "big/a.bin", big)
    write(root / "big/copy/a.bin", big)
    write(root / "big/a (1).bin", big)
    small = garbage(5000, 8)
    write(root / "small/x.dat", small)
    write(root / "small/y.dat", small)
    one, other = twins_but_middle()
    write(root / "same-size/one.bin", one)
    write(root / "same-size/other.bin", other)
    write(root / "same-size/head.bin", garbage(BIG, 9))  # equal size, other head
    write(root / "empty/1.txt", b"")
    write(root / "empty/2.txt", b"")
    write(root / "links/original.bin", garbage(70_000, 10))
    os.link(root / "links/original.bin", root / "links/hardlink.bin")
    linked = garbage(90_000, 11)
    write(root / "linkcopy/a.bin", linked)
    os.link(root / "linkcopy/a.bin", root / "linkcopy/a-link.bin")
    write(root / "linkcopy/b.bin", linked)
    return root


def test_exact_groups(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    result = run(db)
    assert groups_of(result, exact_lib) == {
        ("exact", frozenset({"big/a.bin", "big/copy/a.bin", "big/a (1).bin"})),
        ("exact", frozenset({"small/x.dat", "small/y.dat"})),
        # the hard link is one file with its inode: only the real copy is a duplicate
        ("exact", frozenset({"linkcopy/a.bin", "linkcopy/b.bin"})),
    }
    assert result.failures == []
    big = result.groups[0]  # the most reclaimable first
    assert big.members[0].path.endswith(b"big/a.bin")  # the path rule: no copy marker, shortest
    assert big.reclaimable == 2 * BIG
    linkgroup = next(g for g in result.groups if b"linkcopy" in g.members[0].path)
    assert linkgroup.reclaimable == 90_000  # the link's space is not reclaimable
    links = [m for m in linkgroup.members if m.links]
    assert len(links) == 1 and len(links[0].links) == 1
    assert result.reclaimable == 2 * BIG + 5000 + 90_000
    # only what the quick hashes could not settle was read: the big copies, the
    # equal-size twins and one inode of the linked pair with its copy
    assert result.stats.hashed["full"] == 3 + 2 + 2


def test_second_run_uses_cached_hashes(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    first = run(db)
    assert first.stats.hashed["full"] > 0
    scan(db, exact_lib)  # a rescan of unchanged files keeps their hashes
    second = run(db)
    assert second.stats.hashed["full"] == 0
    assert second.stats.bytes_read == 0
    assert second.stats.cached["full"] == first.stats.hashed["full"]
    assert groups_of(second, exact_lib) == groups_of(first, exact_lib)


def test_file_changed_after_hashing(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    run(db)
    target = exact_lib / "big/copy/a.bin"
    data = bytearray(target.read_bytes())
    data[BIG // 2] ^= 0xFF  # same size, same head and tail: same quick hash
    target.write_bytes(bytes(data))
    st = os.stat(target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    # not rescanned: the catalog is out of date; the file is reported, not grouped
    stale = run(db)
    assert [(f.path, f.kind) for f in stale.failures] == [(os.fsencode(target), "changed")]
    assert ("exact", frozenset({"big/a.bin", "big/a (1).bin"})) in groups_of(stale, exact_lib)

    scan(db, exact_lib)
    fresh = run(db)
    assert fresh.failures == []
    assert fresh.stats.hashed["full"] == 1  # the stale hash was not used
    assert ("exact", frozenset({"big/a.bin", "big/a (1).bin"})) in groups_of(fresh, exact_lib)
    rows = query(db, "SELECT count(*) FROM hashes WHERE kind = 'full'")
    assert rows == [(7,)]  # replaced, not added


def test_vanished_and_unreadable_are_reported(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    os.unlink(exact_lib / "big/a (1).bin")
    result = run(db)
    assert [f.kind for f in result.failures] == ["vanished"]
    assert ("exact", frozenset({"big/a.bin", "big/copy/a.bin"})) in groups_of(result, exact_lib)


def test_sequential_and_parallel_agree(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    a = groups_of(run(db, jobs=1), exact_lib)
    b = groups_of(run(db, jobs=4), exact_lib)
    assert a == b


def test_query_limits_the_candidates(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    result = run(db, "path:" + str(exact_lib / "small"))
    assert groups_of(result, exact_lib) == {("exact", frozenset({"small/x.dat", "small/y.dat"}))}


# -- audio -------------------------------------------------------------------------------------


def test_audio_groups_retagged_copies(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    audio_library(root)
    db = tmp_path / "cat.db"
    scan(db, root)
    assert run(db).groups == []  # no two files are byte-identical
    result = run(db, mode="audio")
    assert result.failures == []
    assert groups_of(result, root) == {
        ("audio", frozenset({"retag/mp3/a.mp3", "retag/mp3/b.mp3", "transcode/tone.mp3"})),
        ("audio", frozenset({"retag/flac/a.flac", "retag/flac/b.flac", "transcode/tone.flac"})),
        ("audio", frozenset({"retag/ogg/a.ogg", "retag/ogg/b.ogg", "transcode/tone.ogg"})),
        ("audio", frozenset({"retag/m4a/a.m4a", "retag/m4a/b.m4a"})),
    }
    again = run(db, mode="audio")
    assert again.stats.hashed["audio"] == 0 and again.stats.cached["audio"] == 11


def test_similar_groups_transcodes(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    audio_library(root)
    db = tmp_path / "cat.db"
    scan(db, root)
    result = run(db, mode="similar")
    assert groups_of(result, root) == {
        ("similar", frozenset({"transcode/tone.flac", "transcode/tone.mp3", "transcode/tone.ogg"})),
        ("similar", frozenset(f"retag/{f}/a.{f}" for f in ("mp3", "flac", "ogg", "m4a"))),
    }
    transcodes = next(g for g in result.groups if len(g.members) == 3)
    assert transcodes.members[0].path.endswith(b"tone.flac")  # lossless is kept
    assert result.stats.hashed == {"full": 0, "audio": 0}  # nothing read
    # the same MusicBrainz recording id groups whatever the names say
    _set_mbid(db, [root / "retag/mp3/b.mp3", root / "retag/ogg/b.ogg"], "ABC-1")
    with_mbid = groups_of(run(db, mode="similar"), root)
    assert ("similar", frozenset({"retag/mp3/b.mp3", "retag/ogg/b.ogg"})) in with_mbid
    # a tolerance below the durations' difference splits a group
    tight = groups_of(run(db, mode="similar", duration_tolerance=0.0), root)
    assert len(tight) <= len(with_mbid)


def _set_mbid(db: Path, paths: list[Path], mbid: str) -> None:
    import sqlite3

    con = sqlite3.connect(db)
    with con:
        for p in paths:
            con.execute(
                "UPDATE items SET mb_recordingid = ? WHERE path = ?", (mbid, os.fsencode(p))
            )
    con.close()


def test_similar_images(tmp_path: Path) -> None:
    import io

    from tests.extract.images import png_image

    root = tmp_path / "lib"
    big = blocks(3)
    write(root / "photo.png", png_image(big))
    small = io.BytesIO()
    big.resize((160, 120)).save(small, "JPEG", quality=70)
    write(root / "resized/photo.jpg", small.getvalue())
    write(root / "other.png", png_image(blocks(4)))
    db = tmp_path / "cat.db"
    scan(db, root)
    import sqlite3

    def phashes() -> dict[str, str | None]:
        con = sqlite3.connect(db)
        try:
            rows = con.execute("SELECT path, phash FROM items WHERE kind = 'image'").fetchall()
        finally:
            con.close()
        return {os.path.basename(os.fsdecode(p)): h for p, h in rows}

    # the scan hashes JPEGs (a reduced decode); PNGs wait for the first --similar run
    before = phashes()
    assert before["photo.png"] is None and before["photo.jpg"] is not None
    result = run(db, mode="similar")
    assert groups_of(result, root) == {("image", frozenset({"photo.png", "resized/photo.jpg"}))}
    assert result.groups[0].members[0].path.endswith(b"photo.png")  # more pixels
    after = phashes()
    assert after["photo.png"] and len(after["photo.png"] or "") == 16  # kept for next time


# -- the command line --------------------------------------------------------------------------


def test_cli_json_shape_and_exit_codes(shelf: Shelf, tmp_path: Path, exact_lib: Path) -> None:
    shelf.scan(exact_lib)
    r = shelf.run("dupes", "--json")
    assert r.returncode == 0, r.stderr
    groups = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(groups) == 3
    for g in groups:
        assert set(g) == {"kind", "reclaimable", "files"}
        assert g["kind"] == "exact"
        assert sum(f["keep"] for f in g["files"]) == 1
        for f in g["files"]:
            assert set(f) <= {"path", "size", "keep", "links"} and {"path", "size", "keep"} <= set(
                f
            )
        assert g["reclaimable"] == sum(f["size"] for f in g["files"] if not f["keep"])
    assert groups[0]["reclaimable"] == 2 * BIG  # the largest first
    linked = next(g for g in groups if "linkcopy" in g["files"][0]["path"])
    assert [len(f.get("links", [])) for f in linked["files"]].count(1) == 1

    text = shelf.run("dupes")
    assert text.returncode == 0
    out = text.stdout.decode()
    assert "3 groups, 7 files" in out and "keep" in out and "hard link" in out

    os.unlink(exact_lib / "small/y.dat")
    gone = shelf.run("dupes", "--json")
    assert gone.returncode == 1
    assert b"vanished" in gone.stderr and b"small/y.dat" in gone.stderr
    assert len(gone.stdout.splitlines()) == 2

    bad = shelf.run("dupes", "--exact", "--audio")
    assert bad.returncode == 2
    usage = shelf.run("dupes", "--duration-tolerance", "3")
    assert usage.returncode == 2 and usage.stderr.count(b"\n") == 1
    field = shelf.run("dupes", "artst:x")
    assert field.returncode == 2 and b"unknown field" in field.stderr


def test_empty_catalog_has_no_groups(shelf: Shelf, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    shelf.scan(tmp_path / "empty")
    r = shelf.run("dupes", "--similar")
    assert r.returncode == 0 and b"0 groups" in r.stdout


def test_copies_found_after_a_move(tmp_path: Path, exact_lib: Path) -> None:
    db = tmp_path / "cat.db"
    scan(db, exact_lib)
    run(db)
    copy(exact_lib / "small/x.dat", exact_lib / "small/z.dat")
    scan_in_process(db, [exact_lib])
    result = run(db)
    assert ("exact", frozenset({"small/x.dat", "small/y.dat", "small/z.dat"})) in groups_of(
        result, exact_lib
    )

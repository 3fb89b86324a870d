"""Broken, hostile and unreadable files: each is one recorded failure, never a stopped scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Shelf, exists, permissions_preexec, read_items
from tests.media import audio_template, flac, garbage, jpeg, make_tree, mp3, write_audio


def _flac_with_zeroed_streaminfo() -> bytes:
    data = audio_template("flac")
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    return data[:8] + bytes(34) + data[42:]  # sample rate 0, channels 0 ...


def _m4a_with_bad_moov_size(tmp: Path) -> bytes:
    data = write_audio(tmp / "x.m4a", "m4a", title="x").read_bytes()
    at = data.index(b"moov")
    return data[: at - 4] + (10**9).to_bytes(4, "big") + data[at:]  # runs a GB past the end


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


GOOD = {
    "ok/good.mp3": mp3(title="Good MP3"),
    "ok/good.flac": flac(title="Good FLAC"),
    "ok/cover.jpg": jpeg(),
    "ok/rip.cue": 'REM GENRE Rock\nFILE "good.flac" WAVE\n',
    "ok/rip.log": "Exact Audio Copy V1.0\n",
    "ok/info.nfo": "Release info\n",
    "ok/blob": garbage(3000, seed=7),  # no extension, not audio: just a file
}


@pytest.fixture
def bad_lib(tmp_path: Path) -> tuple[Path, set[bytes]]:
    root = tmp_path / "library"
    bad: dict[str | bytes, Any] = {
        "bad/zero.mp3": b"",
        # cut inside the first metadata block header: nothing at all can be read
        "bad/truncated.flac": write_audio(tmp_path / "t.flac", "flac").read_bytes()[:12],
        "bad/truncated.ogg": _half(write_audio(tmp_path / "t.ogg", "ogg", title="t").read_bytes()),
        "bad/corrupt.flac": _flac_with_zeroed_streaminfo(),
        "bad/corrupt.m4a": _m4a_with_bad_moov_size(tmp_path),
        "bad/garbage.flac": garbage(5000, seed=1),
        "bad/garbage.ogg": garbage(5000, seed=2),
        "bad/text-named.mp3": b"this is not audio at all\n" * 200,
    }
    paths = make_tree(root, {**GOOD, **bad})
    return root, {paths[k] for k in bad}


def test_each_bad_file_is_one_failure_with_a_reason(
    shelf: Shelf, bad_lib: tuple[Path, set[bytes]]
) -> None:
    root, bad = bad_lib
    summary = shelf.scan(root, expect=1)
    assert summary["files"] == len(GOOD) + len(bad)
    assert summary["counts"]["failed"] == len(bad)
    assert {os.fsencode(f["path"]) for f in summary["failures"]} == bad

    failures = shelf.failures()
    assert len(failures) == len(bad)  # exactly one each
    assert {os.fsencode(f["path"]) for f in failures} == bad
    for f in failures:
        name = os.path.basename(f["path"])
        assert f["stage"] == "extract", f
        # "error" is the catch-all for a reader that raised something unexpected
        assert f["kind"] in ("corrupt", "unsupported"), f
        assert f["message"].strip(), f"{name}: empty failure message"
        assert not f["message"].startswith("unexpected"), f

    rows = read_items(shelf.db)
    assert {os.fsencode(root / k) for k in GOOD} <= set(rows)
    assert rows[os.fsencode(root / "ok/good.flac")]["title"] == "Good FLAC"
    for path in bad:  # catalogued, with the reason kept on the item
        assert rows[path]["error"], path


def test_non_media_files_are_catalogued_without_failures(shelf: Shelf, tmp_path: Path) -> None:
    root = tmp_path / "library"
    make_tree(root, GOOD)
    summary = shelf.scan(root)
    assert summary["counts"]["added"] == len(GOOD) and summary["failures"] == []
    items = shelf.find_by_path()
    kinds = {os.path.basename(p).decode(): i["kind"] for p, i in items.items()}
    assert kinds == {
        "good.mp3": "audio",
        "good.flac": "audio",
        "cover.jpg": "image",
        "rip.cue": "other",
        "rip.log": "other",
        "info.nfo": "other",
        "blob": "other",
    }
    assert shelf.failures() == []


def test_human_summary_counts_the_failures(shelf: Shelf, bad_lib: tuple[Path, set[bytes]]) -> None:
    root, bad = bad_lib
    r = shelf.run("scan", root)
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert f"failed {len(bad)}" in out
    for path in bad:
        assert os.fsdecode(os.path.basename(path)) in out
    r = shelf.run("failures")
    assert r.returncode == 0
    assert r.stderr.decode().strip() == f"{len(bad)} failures"
    assert len(r.stdout.splitlines()) == len(bad)


def test_known_failures_stay_listed_on_an_unchanged_rescan(
    shelf: Shelf, bad_lib: tuple[Path, set[bytes]]
) -> None:
    root, bad = bad_lib
    shelf.scan(root, expect=1)
    summary = shelf.scan(root, expect=None)
    assert summary["counts"]["unchanged"] == summary["files"]
    assert summary["known_failures"] == len(bad)
    assert {os.fsencode(f["path"]) for f in shelf.failures()} == bad
    # fixing a file clears its failure
    fixed = next(p for p in bad if p.endswith(b"zero.mp3"))
    write_audio(fixed, "mp3", title="Fixed")
    summary = shelf.scan(root, expect=None)
    assert summary["counts"]["changed"] == 1
    assert {os.fsencode(f["path"]) for f in shelf.failures()} == bad - {fixed}
    assert shelf.find_by_path()[fixed]["title"] == "Fixed"


def test_flac_named_mp3_is_read_as_flac(shelf: Shelf, tmp_path: Path) -> None:
    root = tmp_path / "library"
    path = root / "mislabelled.mp3"
    write_audio(tmp_path / "real.flac", "flac", title="Secretly FLAC", artist="Someone")
    root.mkdir()
    path.write_bytes((tmp_path / "real.flac").read_bytes())
    summary = shelf.scan(root)
    assert summary["failures"] == []
    item = shelf.find_by_path()[os.fsencode(path)]
    assert item["kind"] == "audio"
    assert (item["format"] or "").lower() == "flac"
    assert (item["title"], item["artist"]) == ("Secretly FLAC", "Someone")


def test_garbage_named_mp3_is_a_failure(shelf: Shelf, tmp_path: Path) -> None:
    root = tmp_path / "library"
    make_tree(
        root, {"noise.mp3": b"\x00\x01not an mpeg stream\x02" * 300, "ok.mp3": mp3(title="ok")}
    )
    summary = shelf.scan(root, expect=1)
    assert [os.path.basename(f["path"]) for f in summary["failures"]] == ["noise.mp3"]
    assert shelf.find_by_path()[os.fsencode(root / "ok.mp3")]["title"] == "ok"


def test_unreadable_file_is_a_failure(shelf: Shelf, tmp_path: Path) -> None:
    root = tmp_path / "library"
    paths = make_tree(root, {"locked.mp3": mp3(title="locked"), "open.mp3": mp3(title="open")})
    preexec = permissions_preexec()
    os.chmod(paths["locked.mp3"], 0)
    summary = shelf.scan(root, expect=1, preexec_fn=preexec)
    (failure,) = summary["failures"]
    assert os.fsencode(failure["path"]) == paths["locked.mp3"]
    assert (failure["stage"], failure["kind"]) == ("extract", "unreadable")
    assert "ermission denied" in failure["message"]
    assert shelf.find_by_path()[paths["open.mp3"]]["title"] == "open"
    assert [os.fsencode(f["path"]) for f in shelf.failures()] == [paths["locked.mp3"]]
    # readable again: read and the failure is gone
    os.chmod(paths["locked.mp3"], 0o644)
    os.utime(paths["locked.mp3"])
    summary = shelf.scan(root, preexec_fn=preexec)
    assert shelf.failures() == []
    assert shelf.find_by_path()[paths["locked.mp3"]]["title"] == "locked"


def test_unreadable_folder_keeps_its_items(shelf: Shelf, tmp_path: Path) -> None:
    root = tmp_path / "library"
    paths = make_tree(
        root,
        {
            "Open/a.mp3": mp3(title="a"),
            "Locked/b.mp3": mp3(title="b"),
            "Locked/Inner/c.flac": flac(title="c"),
        },
    )
    shelf.scan(root)
    preexec = permissions_preexec()
    os.chmod(root / "Locked", 0)
    try:
        summary = shelf.scan(root, expect=1, preexec_fn=preexec)
    finally:
        os.chmod(root / "Locked", 0o755)
    assert summary["counts"]["missing"] == 0
    assert [(f["path"], f["stage"], f["kind"]) for f in summary["failures"]] == [
        (str(root / "Locked"), "walk", "unreadable")
    ]
    assert shelf.find("--missing") == []
    assert set(shelf.find_by_path()) == set(paths.values())
    assert [f["path"] for f in shelf.failures()] == [str(root / "Locked")]
    summary = shelf.scan(root)  # readable again: all well, failure cleared
    assert summary["counts"]["unchanged"] == 3
    assert shelf.failures() == []


def test_missing_scan_root_is_a_usage_error_and_creates_nothing(
    shelf: Shelf, tmp_path: Path
) -> None:
    root = tmp_path / "library"
    make_tree(root, {"a.mp3": mp3(title="a")})
    r = shelf.run("scan", root, tmp_path / "no-such-folder")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("shelf: ") and "no-such-folder" in err and "does not exist" in err
    assert r.stdout == b""
    assert not exists(shelf.db)


@pytest.mark.sqlite_only("where a SQLite catalog file is put")
def test_missing_scan_root_creates_no_default_catalog(shelf: Shelf, tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mediashelf", "scan", str(tmp_path / "nope")],
        env=shelf.env,
        capture_output=True,
    )
    assert r.returncode == 2
    assert b"does not exist" in r.stderr
    assert not (Path(shelf.env["XDG_DATA_HOME"]) / "mediashelf").exists()


def test_json_failure_report_is_valid_for_every_line(
    shelf: Shelf, bad_lib: tuple[Path, set[bytes]]
) -> None:
    root, bad = bad_lib
    shelf.scan(root, expect=1)
    r = shelf.run("failures", "--json", "--all")
    lines = r.stdout.splitlines()
    assert len(lines) == len(bad)
    for line in lines:
        record = json.loads(line)
        assert set(record) == {"path", "stage", "kind", "message", "scan_id"}

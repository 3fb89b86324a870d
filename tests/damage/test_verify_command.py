"""`shelf verify` as a user runs it, and damage as the other commands show it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from mediashelf.bench.templates import TemplateSpec, encode_template
from tests.conftest import Shelf, query, wait_until
from tests.damage import files as F


def _library(root: Path) -> dict[str, Path]:
    """Whole files of every audio format, a FLAC with a bit flip in its audio (only
    decoding finds it), a cut MP3 (the scan finds it) and a JPEG cut short."""
    root.mkdir()
    paths = {}
    for fmt in F.AUDIO:
        paths[fmt] = root / f"whole.{F.EXTENSIONS[fmt]}"
        paths[fmt].write_bytes(F.whole(fmt))
    paths["flipped"] = root / "flipped.flac"
    paths["flipped"].write_bytes(F.flip(0.6)(F.whole("flac")))
    paths["cut"] = root / "cut.mp3"
    paths["cut"].write_bytes(F.cut(0.5)(F.whole("mp3")))
    paths["photo"] = root / "photo.jpg"
    paths["photo"].write_bytes(F.cut(0.5)(F.whole("jpeg")))
    return paths


def _verify(shelf: Shelf, *args: str) -> tuple[int, dict[str, object]]:
    r = shelf.run("verify", "--json", *args)
    return r.returncode, json.loads(r.stdout)


def test_damage_is_queryable_and_shown(shelf: Shelf, tmp_path: Path) -> None:
    paths = _library(tmp_path / "lib")
    shelf.scan(tmp_path / "lib")
    damaged = {Path(i["path"]).name: i["damage"] for i in shelf.find("has:damage")}
    assert damaged == {"cut.mp3": ["truncated"], "photo.jpg": ["truncated"]}
    assert [Path(i["path"]).name for i in shelf.find("damage:truncated", "kind:audio")] == [
        "cut.mp3"
    ]
    assert len(shelf.find("^has:damage")) == len(paths) - 2
    item = shelf.find_by_path("path:" + str(paths["cut"]))[os.fsencode(paths["cut"])]
    assert item["duration"] is None  # the Xing header's length is not kept
    info = shelf.run("info", paths["cut"])
    assert b"damage" in info.stdout and b"truncated" in info.stdout
    stats = json.loads(shelf.run("stats", "--json").stdout)
    assert stats["damage"]["items"] == 2
    assert stats["damage"]["reasons"] == [{"reason": "truncated", "items": 2}]
    report = tmp_path / "report.html"
    assert shelf.run("report", "--html", report).returncode == 0
    assert "Damage" in report.read_text() and "truncated" in report.read_text()


def test_verify_finds_what_the_scan_cannot_and_skips_what_it_has_verified(
    shelf: Shelf, tmp_path: Path
) -> None:
    paths = _library(tmp_path / "lib")
    shelf.scan(tmp_path / "lib")
    assert shelf.find("has:damage", "format:flac") == []
    code, out = _verify(shelf)
    assert code == 1
    assert out["verified"] == len(F.AUDIO) + 2 and out["skipped"] == 0
    files = {Path(str(d["path"])).name: d["damage"] for d in out["damaged_files"]}  # type: ignore[attr-defined]
    assert "flipped.flac" in files and "checksum-mismatch" in files["flipped.flac"]
    assert "cut.mp3" in files
    assert not any(name.startswith("whole") for name in files)
    flagged = {Path(i["path"]).name: i["damage"] for i in shelf.find("has:damage", "format:flac")}
    assert set(flagged) == {"flipped.flac"}
    duration = shelf.find("damage:checksum")[0]["duration"]  # kept only if it decoded whole
    assert duration is None or abs(duration - F.SECONDS) < F.SECONDS / 100
    info = shelf.run("info", paths["flipped"]).stdout.decode()
    assert "verified: " in info and "damaged: " in info and "checksum-mismatch" in info
    assert "decoded cleanly" in shelf.run("info", paths["flac"]).stdout.decode()
    verified = json.loads(shelf.run("info", "--json", paths["flipped"]).stdout)["verified"]
    assert "checksum-mismatch" in verified["damage"] and verified["messages"]
    stats = json.loads(shelf.run("stats", "--json").stdout)["damage"]
    assert (stats["verified"], stats["verified_damaged"]) == (len(F.AUDIO) + 2, 2)

    # a rerun skips every verified file that did not change ...
    code, out = _verify(shelf)
    assert (code, out["verified"], out["skipped"]) == (0, 0, len(F.AUDIO) + 2)
    # ... and verifies a changed one again (after the scan has read it anew)
    paths["flac"].write_bytes(F.flip(0.5)(F.whole("flac")))
    shelf.scan(tmp_path / "lib")
    code, out = _verify(shelf)
    assert (code, out["verified"], out["damaged"]) == (1, 1, 1)
    # --again decodes them all
    code, out = _verify(shelf, "--again", "format:wav")
    assert (code, out["verified"]) == (0, 1)


def test_verify_takes_a_query_and_text_output(shelf: Shelf, tmp_path: Path) -> None:
    _library(tmp_path / "lib")
    shelf.scan(tmp_path / "lib")
    r = shelf.run("verify", "format:flac")
    assert r.returncode == 1
    text = r.stdout.decode()
    assert "damaged: " in text and "flipped.flac" in text and "checksum-mismatch" in text
    assert "Verified: 2 files decoded" in text


def _slow_library(root: Path, count: int) -> None:
    root.mkdir()
    data = encode_template(TemplateSpec("flac", "flac", 44100, "s16", 30.0, 440.0))
    for i in range(count):
        (root / f"{i:03}.flac").write_bytes(data)


def test_ctrl_c_keeps_what_was_verified(
    shelf: Shelf, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    count = 60
    _slow_library(tmp_path / "lib", count)
    shelf.scan(tmp_path / "lib")

    def verified() -> int:
        return int(query(shelf.db, "SELECT count(*) FROM verifications")[0][0])

    p = shelf.popen("verify", "--json", "--jobs", "2")
    procs.append(p)
    wait_until(lambda: verified() >= 4, 60, what="a few files verified")
    os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 130
    summary = json.loads(out)
    assert summary["interrupted"] is True
    kept = verified()
    assert 4 <= kept < count and summary["verified"] == kept
    code, out2 = _verify(shelf)
    assert code == 0 and out2["skipped"] == kept and out2["verified"] == count - kept


def test_a_file_longer_than_its_header_says_is_reported_not_damaged(
    shelf: Shelf, tmp_path: Path
) -> None:
    """STREAMINFO declaring half the samples that are there: the decoded length differs
    from the header's, which verify reports; the audio is whole, so it is no damage."""
    lib = tmp_path / "lib"
    lib.mkdir()
    data = F.whole("flac")
    at = data.index(b"fLaC") + 4 + 4 + 10
    bits = int.from_bytes(data[at : at + 8], "big")
    bits = (bits & ~0xFFFFFFFFF) | ((bits & 0xFFFFFFFFF) // 2)
    (lib / "long.flac").write_bytes(data[:at] + bits.to_bytes(8, "big") + data[at + 8 :])
    shelf.scan(lib)
    code, out = _verify(shelf)
    assert code == 0, out
    assert out["damaged"] == 0 and out["verified"] == 1
    noted = out["noted_files"]
    assert isinstance(noted, list) and len(noted) == 1
    assert "longer than declared" in noted[0]["messages"][0]
    assert shelf.find("has:damage") == []
    text = shelf.run("verify", "--again").stdout.decode()
    assert "note: " in text and "long.flac" in text

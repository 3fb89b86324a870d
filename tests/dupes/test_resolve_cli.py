"""`shelf dupes --resolve` through the real command: dry run, apply, undo, refusals."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from tests.conftest import Shelf


def test_resolve_from_the_command_line(shelf: Shelf, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    data = random.Random(3).randbytes(50_000)
    for rel in ("a/song.bin", "b/song.bin", "c/song copy.bin"):
        (lib / rel).parent.mkdir(parents=True, exist_ok=True)
        (lib / rel).write_bytes(data)
    (lib / "a/unique.bin").write_bytes(random.Random(4).randbytes(50_000))
    shelf.scan(lib)
    env_trash = Path(shelf.env["XDG_DATA_HOME"]) / "Trash"

    r = shelf.run("dupes", "--resolve", "--action", "trash", "--json")
    assert r.returncode == 0, r.stderr
    planned = [json.loads(x) for x in r.stdout.splitlines()]
    assert planned  # the plan is printed ...
    assert len(list(lib.rglob("*.bin"))) == 4  # ... and nothing is changed
    assert not env_trash.exists() or not any(env_trash.rglob("*.bin"))

    r = shelf.run("dupes", "--resolve", "--action", "delete", "--apply")
    assert r.returncode == 2 and b"--yes" in r.stderr  # delete must be confirmed

    r = shelf.run("dupes", "--resolve", "--action", "trash", "--apply", "--yes")
    assert r.returncode == 0, r.stderr
    left = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*.bin"))
    assert left == ["a/song.bin", "a/unique.bin"]  # the best copy and the unique file stay
    trashed = list((env_trash / "files").iterdir())
    assert len(trashed) == 2 and all(p.read_bytes() == data for p in trashed)
    assert len(list((env_trash / "info").glob("*.trashinfo"))) == 2

    r = shelf.run("undo")
    assert r.returncode == 0, r.stderr
    assert sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*.bin")) == [
        "a/song.bin", "a/unique.bin", "b/song.bin", "c/song copy.bin",
    ]  # fmt: skip
    assert not list((env_trash / "info").glob("*.trashinfo"))
    assert all(os.path.getsize(lib / rel) == 50_000 for rel in ("b/song.bin", "c/song copy.bin"))


def test_resolve_similar_and_audio_groups(shelf: Shelf, tmp_path: Path) -> None:
    from tests.dupes.lib import audio_library

    lib = tmp_path / "lib"
    audio_library(lib)
    shelf.scan(lib)
    # the FLAC of a transcoded recording is kept; its lossy copies go to the trash
    r = shelf.run(
        "dupes",
        "--similar",
        "--resolve",
        "--action",
        "trash",
        "--apply",
        "--yes",
        "path:" + str(lib / "transcode"),
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (lib / "transcode").iterdir()) == ["tone.flac"]
    # a link would change what a similar file holds: refused
    r = shelf.run("dupes", "--similar", "--resolve", "--action", "hardlink")
    assert r.returncode == 2 and b"byte-identical" in r.stderr
    # re-tagged copies of the same audio: one of each stays
    r = shelf.run(
        "dupes",
        "--audio",
        "--resolve",
        "--action",
        "move-to",
        "--to",
        tmp_path / "aside",
        "--apply",
        "--yes",
        "path:" + str(lib / "retag"),
    )
    assert r.returncode == 0, r.stderr
    for fmt in ("mp3", "flac", "ogg", "m4a"):
        assert len(list((lib / "retag" / fmt).iterdir())) == 1, fmt
    assert len(list((tmp_path / "aside").rglob("*.*"))) == 4
    r = shelf.run("undo")
    assert r.returncode == 0, r.stderr
    assert all(
        len(list((lib / "retag" / fmt).iterdir())) == 2 for fmt in ("mp3", "flac", "ogg", "m4a")
    )


def test_help_says_groups_of_every_mode_can_be_resolved(shelf: Shelf) -> None:
    out = shelf.run("dupes", "--help").stdout.decode()
    heading = next(line for line in out.splitlines() if line.startswith("resolving"))
    assert "--exact" not in heading and "any mode" in heading
    assert "byte-identical groups only" in " ".join(out.split())  # but hardlink

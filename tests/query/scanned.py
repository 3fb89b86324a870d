"""Small libraries of real, tagged audio files, scanned with the real `shelf scan`.

For table tests that ask many questions of one library: the library is built and
scanned once (a module-scoped fixture), then each question runs `shelf find` or
`shelf organize` through the command's own entry point in this process (`Scanned.run`),
which costs a few milliseconds instead of a process start.

    lib = Scanned.build(tmp, {"a/one.flac": Track(title="one", mtime="2013-03-30 22:21")})
    code, out, err = lib.run("find", "year:2001", "-f", "$title")
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHELF_VARS, Target, module_catalog
from tests.media import tag_file, write_audio

#: formats whose tags are Vorbis comments: any tag name, several values each
VORBIS = ("flac", "ogg", "opus")


@dataclass(frozen=True)
class Track:
    """An audio file to write: its format, tags (a list is several values) and mtime."""

    fmt: str = "flac"
    mtime: str | None = None  # local time, ISO 8601 ("2013-03-30 22:21")
    tags: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, fmt: str = "flac", mtime: str | None = None, **tags: Any) -> Track:
        return cls(fmt, mtime, tags)


def local_ns(when: str | dt.datetime) -> int:
    moment = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    return int(moment.timestamp() * 1_000_000) * 1000


def write_track(path: Path, track: Track) -> None:
    p = write_audio(path, track.fmt)
    if track.fmt in VORBIS:
        import mutagen

        f = mutagen.File(str(p))
        for key, value in track.tags.items():
            f[key] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        f.save()
    elif track.tags:
        tag_file(p, **track.tags)
    if track.mtime is not None:
        ns = local_ns(track.mtime)
        os.utime(p, ns=(ns, ns))


@dataclass
class Scanned:
    root: Path
    db: Target
    env: dict[str, str]

    @classmethod
    def build(cls, base: Path, tracks: Mapping[str, Track], db: Target | None = None) -> Scanned:
        """Write the tracks under `base/lib` and scan them with `shelf scan` into `db`
        (a SQLite catalog in `base` by default)."""
        root = base / "lib"
        for rel, track in tracks.items():
            write_track(root / rel, track)
        env = {k: v for k, v in os.environ.items() if k not in SHELF_VARS}
        env.update(XDG_CONFIG_HOME=str(base / "config"), XDG_DATA_HOME=str(base / "data"))
        lib = cls(root, base / "catalog" / "library.db" if db is None else db, env)
        scan = lib.subprocess("scan", str(root))
        assert scan.returncode == 0, scan.stderr.decode()
        return lib

    def subprocess(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        """`shelf ARGS` as its own process."""
        argv = [sys.executable, "-m", "mediashelf", "--db", str(self.db), *args]
        return subprocess.run(argv, env=self.env, capture_output=True, timeout=120)

    def run(self, *args: str) -> tuple[int, str, str]:
        """`shelf ARGS` through its entry point in this process: (exit code, stdout, stderr)."""
        from mediashelf.cli import main

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--db", str(self.db), *args])
        return code, out.getvalue(), err.getvalue()

    def lines(self, *args: str) -> list[str]:
        """The lines `shelf ARGS` prints; it must succeed."""
        code, out, err = self.run(*args)
        assert code == 0, err
        return out.splitlines()

    def titles(self, *query: str) -> list[str]:
        """The titles `shelf find QUERY` lists, in its order."""
        return self.lines("find", "-f", "$title", "--", *query)

    def path(self, rel: str) -> str:
        return str(self.root / rel)


def scanned(
    engine: str, request: pytest.FixtureRequest, base: Path, tracks: Mapping[str, Track]
) -> Scanned:
    """`Scanned.build` into a catalog of `engine` (a module fixture's `query_engine`)."""
    return Scanned.build(base, tracks, module_catalog(engine, request, base))

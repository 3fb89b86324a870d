"""`app.scan`: the scan as a service, with per-file events for the front end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mediashelf.app.scan import check_roots, scan
from mediashelf.app.session import writing
from mediashelf.config import load_settings
from mediashelf.errors import ConfigError
from mediashelf.events import FileEvent
from tests.media import flac, garbage, make_tree, mp3
from tests.progress import RecordingProgress


def test_failed_and_moved_files_are_told_to_the_sink(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    make_tree(lib, {"A/1.mp3": mp3(title="one"), "A/2.flac": flac(), "A/bad.mp3": garbage(4000)})
    settings = load_settings(db=str(tmp_path / "cat.db"), jobs=1, env={})
    sink = RecordingProgress()
    with writing(settings, create=True) as catalog:
        first = scan(settings, catalog, [str(lib)], full=False, sink=sink)
    assert first.counts["added"] == 3 and first.failure_count == 1
    bad = os.fsencode(lib / "A/bad.mp3")
    assert [(e.kind, e.path) for e in sink.events if isinstance(e, FileEvent)] == [("failed", bad)]
    assert sink.events[0].detail.startswith("corrupt: ")  # type: ignore[attr-defined]

    os.rename(lib / "A/1.mp3", lib / "A/one.mp3")
    sink = RecordingProgress()
    with writing(settings) as catalog:
        again = scan(settings, catalog, [str(lib)], full=False, sink=sink)
    assert again.counts["moved"] == 1
    moved = [e for e in sink.events if isinstance(e, FileEvent) and e.kind == "moved"]
    assert moved == [FileEvent("moved", os.fsencode(lib / "A/one.mp3"), str(lib / "A/1.mp3"))]
    assert (sink.files, sink.completed, sink.closed) == (3, 3, True)


def test_roots_are_checked_before_anything_is_opened(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    assert check_roots([str(tmp_path / "here")]) == [os.fsencode(tmp_path / "here")]
    with pytest.raises(ConfigError, match=r"scan root '.*nowhere' does not exist"):
        check_roots([str(tmp_path / "here"), str(tmp_path / "nowhere")])

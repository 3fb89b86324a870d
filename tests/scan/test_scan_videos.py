"""`shelf scan` end to end on a folder of generated videos: the fields reach the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Shelf, read_items
from tests.extract.videos import video_bytes
from tests.media import m4a, make_tree

PLACE = {
    "creation_time": "2023-04-05T10:11:12.000000Z",
    "location": "+48.8584+002.2945+035.000/",
    "title": "Holiday",
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_puts_video_fields_in_the_catalog(shelf: Shelf, tmp_path: Path, jobs: str) -> None:
    root = tmp_path / "videos"
    paths = make_tree(
        root,
        {
            "clip.mp4": video_bytes("mp4", metadata=PLACE),
            "clip.mov": video_bytes("mov", metadata=PLACE),
            "clip.m4v": video_bytes("m4v", audio=False),
            "clip.mkv": video_bytes("mkv", metadata=PLACE, width=96, height=64),
            "clip.webm": video_bytes("webm", audio=False, rate=30, frames=15),
            "song.m4a": m4a(title="Song"),
            "broken.mkv": video_bytes("mkv")[:100],
        },
    )
    summary = shelf.scan(root, "--jobs", jobs, expect=1)  # broken.mkv is one failure
    assert summary["exit_code"] == 1
    rows = read_items(shelf.db)
    expected = {
        "clip.mp4": ("mp4", 64, 48, "h264", 25.0, "aac"),
        "clip.mov": ("mov", 64, 48, "h264", 25.0, "aac"),
        "clip.m4v": ("m4v", 64, 48, "h264", 25.0, None),
        "clip.mkv": ("mkv", 96, 64, "h264", 25.0, "opus"),
        "clip.webm": ("webm", 64, 48, "vp9", 30.0, None),
    }
    for name, (fmt, width, height, vcodec, fps, acodec) in expected.items():
        row = rows[paths[name]]
        assert row["kind"] == "video", name
        assert row["format"] == fmt, name
        assert (row["width"], row["height"], row["video_codec"]) == (width, height, vcodec), name
        assert row["fps"] == fps, name
        assert row["codec"] == acodec, name
        assert row["duration"] == pytest.approx(0.4 if name != "clip.webm" else 0.5, abs=0.05)
    for name in ("clip.mp4", "clip.mov", "clip.mkv"):
        row = rows[paths[name]]
        assert row["taken"] == "2023-04-05T10:11:12+00:00"
        assert row["taken_source"] == "container"
        assert (row["gps_lat"], row["gps_lon"]) == (pytest.approx(48.8584), pytest.approx(2.2945))
        assert row["title"] == "Holiday"
        assert row["samplerate"] == 48000 and row["channels"] == 2
    assert json.loads(rows[paths["clip.mkv"]]["extra"])["streams"][1] == "audio opus 48000 Hz 2 ch"
    song = rows[paths["song.m4a"]]
    assert (song["kind"], song["title"], song["width"]) == ("audio", "Song", None)
    failures = shelf.failures()
    assert [(f["path"], f["kind"]) for f in failures] == [(str(root / "broken.mkv"), "corrupt")]

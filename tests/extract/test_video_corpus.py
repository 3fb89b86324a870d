"""The video reader over the video-container files of the shared corpus of real files:
each yields metadata or a clean MediaError, quickly."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mediashelf.extract.video.read import PRELOAD_EXTENSIONS
from mediashelf.model import FileStat, extension
from mediashelf.scan.extract import extract_one

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def _videos() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and extension(os.fsencode(p.name)) in PRELOAD_EXTENSIONS
    )


def test_corpus_has_video_container_files() -> None:
    assert len(_videos()) >= 5


@pytest.mark.parametrize("path", _videos(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_reads_or_fails_cleanly(path: Path) -> None:
    st = path.stat()
    fs = FileStat(os.fsencode(path), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
    t0 = time.perf_counter()
    ex = extract_one(fs, 10)
    assert time.perf_counter() - t0 < 5
    if ex.error is not None:
        assert ex.error.kind in ("corrupt", "unsupported"), ex.error
        return
    assert ex.kind in ("audio", "video")
    if ex.kind == "video" and "width" not in ex.fields:  # partial: said so in extra
        assert ex.extra is not None
        assert json.loads(ex.extra)["_warnings"]
    elif ex.kind == "video":
        assert isinstance(ex.fields["width"], int) and ex.fields["width"] > 0
        assert isinstance(ex.fields.get("video_codec"), str)


def test_ogg_theora_in_corpus_is_video() -> None:
    path = CORPUS / "tinytag" / "samples" / "multi_stream.ogv"
    if not path.is_file():
        pytest.skip("multi_stream.ogv not in this corpus")
    st = path.stat()
    ex = extract_one(FileStat(os.fsencode(path), st.st_size, st.st_mtime_ns, 0, 0), 10)
    assert ex.error is None
    assert ex.kind == "video"
    assert ex.fields["video_codec"] == "theora"
    assert ex.fields["width"] > 0 and ex.fields["height"] > 0

"""Thumbnails: where each comes from, the cache's budget and eviction, damaged files."""

from __future__ import annotations

import base64
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from mediashelf.app.thumbs import thumb
from mediashelf.catalog import open_catalog
from mediashelf.extract.audio.cover import embedded_cover
from mediashelf.thumbs import ThumbCache
from mediashelf.thumbs.cache import DEFAULT_BUDGET
from tests.extract.videos import write_video
from tests.media import write_audio
from tests.web import lib


def _picture(data: bytes) -> object:
    from mutagen.flac import Picture

    picture = Picture()
    picture.type, picture.mime, picture.data = 3, "image/jpeg", data
    return picture


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a", "ogg", "opus"])
def test_embedded_covers_are_read_from_every_tag_system(fmt: str, tmp_path: Path) -> None:
    import mutagen
    from mutagen.mp4 import MP4Cover

    art = lib.jpeg_bytes(lib.BLUE, (64, 64))
    path = write_audio(tmp_path / f"t.{fmt}", fmt, title="t")
    assert embedded_cover(os.fsencode(path)) is None
    if fmt == "mp3":
        lib.embed_cover(path, art)
    else:
        audio = mutagen.File(path)
        if fmt == "flac":
            audio.add_picture(_picture(art))
        elif fmt == "m4a":
            audio["covr"] = [MP4Cover(art, imageformat=MP4Cover.FORMAT_JPEG)]
        else:
            block = _picture(art).write()  # type: ignore[attr-defined]
            audio["metadata_block_picture"] = [base64.b64encode(block).decode("ascii")]
        audio.save()
    assert embedded_cover(os.fsencode(path)) == art


def test_a_video_gets_a_frame_and_a_damaged_file_no_art(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    write_video(root / "clip.mp4", width=320, height=240, frames=30)
    (root / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    write_audio(root / "music/song.mp3", "mp3", title="t")  # no art, no cover file
    db = tmp_path / "c.db"
    lib.scan(db, root)
    cache = ThumbCache(tmp_path / "thumbs")
    catalog = open_catalog(db)
    try:
        ids = {os.path.basename(p): i for i, p in catalog.db.execute("SELECT id, path FROM items")}
        clip = thumb(catalog, ids[b"clip.mp4"], 256, cache)
        assert clip is not None and Image.open(io.BytesIO(clip.data)).size == (256, 192)
        for name in (b"bad.jpg", b"song.mp3"):
            tile = thumb(catalog, ids[name], 256, cache)
            assert tile is not None and tile.data == b"" and tile.made
            again = thumb(catalog, ids[name], 256, cache)
            assert again is not None and not again.made  # "no art" is cached too
    finally:
        catalog.close()


def test_a_changed_file_gets_a_new_tile(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    photo = root / "p.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(lib.jpeg_bytes(lib.RED))
    db = tmp_path / "c.db"
    lib.scan(db, root)
    cache = ThumbCache(tmp_path / "thumbs")
    catalog = open_catalog(db)
    try:
        first = thumb(catalog, 1, 128, cache)
        photo.write_bytes(lib.jpeg_bytes(lib.GREEN, (500, 400)))
        os.utime(photo, ns=(time.time_ns(), time.time_ns() + 10**9))
        lib.scan(db, root)
        second = thumb(catalog, 1, 128, cache)
    finally:
        catalog.close()
    assert first is not None and second is not None and first.etag != second.etag
    assert Image.open(io.BytesIO(second.data)).size == (128, 102)


def test_the_cache_keeps_its_budget_by_evicting_the_least_recently_used(tmp_path: Path) -> None:
    cache = ThumbCache(tmp_path / "thumbs", budget=10_000)
    assert cache.budget < DEFAULT_BUDGET
    for i in range(5):
        cache.put(f"{i:02x}" * 16, bytes(3000))
        path = tmp_path / "thumbs" / f"{i:02x}" / f"{f'{i:02x}' * 16}.jpg"
        os.utime(path, (1000 + i, 1000 + i))  # put in this order, long ago
    assert cache.usage() <= 10_000
    kept = {p.name[:2] for p in (tmp_path / "thumbs").rglob("*.jpg")}
    assert kept == {"02", "03", "04"}  # the newest three fit under 90% of the budget
    assert cache.get("02" * 16) == bytes(3000) and cache.get("01" * 16) is None

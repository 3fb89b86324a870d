"""The synthetic library: real audio, varied tags, sidecars, deterministic, cached."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

av = pytest.importorskip("av")
mutagen = pytest.importorskip("mutagen")

from mediashelf.bench import BenchError  # noqa: E402
from mediashelf.bench.generate import (  # noqa: E402
    MARKER,
    GenerateReport,
    dirty_flag,
    generate_library,
)
from mediashelf.bench.library import SHARES, plan_library  # noqa: E402

TRACKS = 40
SEED = 7
AUDIO = {".mp3", ".flac", ".m4a", ".ogg", ".opus"}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    root = tmp_path_factory.mktemp("bench") / "library"
    return root, generate_library(root, TRACKS, seed=SEED, jobs=2)


def files_of(root: Path) -> dict[str, Path]:
    return {
        os.path.relpath(os.path.join(top, name), root): Path(top, name)
        for top, _, names in os.walk(root)
        for name in names
        if name != MARKER
    }


def audio_of(root: Path) -> dict[str, Path]:
    return {rel: p for rel, p in files_of(root).items() if p.suffix.lower() in AUDIO}


def manifest(root: Path) -> dict[str, tuple[str, int]]:
    return {
        rel: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for rel, p in files_of(root).items()
    }


def tags_of(path: Path) -> dict[str, list[Any]]:
    """A flat view of the raw tags: lower-case keys, list values, plus 'cover' if embedded."""
    f: Any = mutagen.File(path)
    out: dict[str, list[Any]] = {}
    if f.tags is None:
        return out
    for key, value in f.tags.items():
        key = key.lower()
        if hasattr(value, "text"):  # an ID3 frame
            out[key] = [str(v) for v in value.text] if isinstance(value.text, list) else [value]
        else:
            out[key] = value if isinstance(value, list) else [value]
    if getattr(f, "pictures", None) or any(
        k.startswith(("apic", "covr", "metadata_block_picture")) for k in out
    ):
        out["cover"] = [True]
    return out


def test_report_matches_disk(library: tuple[Path, GenerateReport]) -> None:
    root, report = library
    files = files_of(root)
    assert sum(report.formats.values()) == TRACKS == len(audio_of(root))
    assert report.files == len(files)
    assert report.bytes == sum(p.stat().st_size for p in files.values())
    assert not report.cached and report.seconds > 0


def test_every_file_decodes_and_reads(library: tuple[Path, GenerateReport]) -> None:
    root, _ = library
    codecs = set()
    for path in audio_of(root).values():
        f: Any = mutagen.File(path)
        assert f is not None and f.info.length > 0, path
        with av.open(str(path)) as container:
            codecs.add(container.streams.audio[0].codec_context.name)
            samples = sum(frame.samples for frame in container.decode(audio=0))
        assert samples > 0, path
    assert {"flac", "aac", "alac", "vorbis", "opus"} <= codecs
    assert codecs & {"mp3", "mp3float"}


def test_format_mix(library: tuple[Path, GenerateReport]) -> None:
    _, report = library
    assert set(report.formats) == {"mp3", "flac", "aac", "alac", "vorbis", "opus"}
    assert max(report.formats, key=lambda k: report.formats[k]) == "mp3"


def test_tag_variety(library: tuple[Path, GenerateReport]) -> None:
    root, _ = library
    tags = [tags_of(p) for p in audio_of(root).values()]
    text = " ".join(str(v) for t in tags for values in t.values() for v in values)

    def any_key(*names: str) -> list[dict[str, list[Any]]]:
        return [t for t in tags if any(n in t for n in names)]

    assert any(not t for t in tags), "some files carry no tags at all"
    assert any_key("cover"), "embedded covers"
    assert any_key("tcmp", "compilation", "cpil"), "compilations"
    assert "Various Artists" in text
    discs = [
        t.get("tpos", t.get("disctotal", t.get("disk", [])))[0]
        for t in any_key("tpos", "disctotal", "disk")
    ]
    assert any(("/2" in d or "/3" in d) if isinstance(d, str) else d[1] >= 2 for d in discs)
    assert any_key("ufid:http://musicbrainz.org", "musicbrainz_albumid")
    assert any(ord(c) > 0x2FFF for c in text), "CJK or Hangul text"
    assert any(0x400 <= ord(c) < 0x500 for c in text) or any(0xC0 <= ord(c) < 0x250 for c in text)
    paths = "".join(audio_of(root))
    assert any(ord(c) > 127 for c in paths), "non-ASCII file names"


def test_sidecars(library: tuple[Path, GenerateReport]) -> None:
    root, report = library
    other = {rel: p for rel, p in files_of(root).items() if p.suffix.lower() not in AUDIO}
    assert len(other) == report.sidecars > 0
    covers = [p for p in other.values() if p.suffix == ".jpg"]
    assert covers
    with av.open(str(covers[0])) as container:
        frame = next(container.decode(video=0))
        assert frame.width > 0


def test_same_seed_same_library(library: tuple[Path, GenerateReport], tmp_path: Path) -> None:
    root, _ = library
    again = tmp_path / "again"
    generate_library(again, TRACKS, seed=SEED, jobs=1)
    assert manifest(again) == manifest(root)
    other = tmp_path / "other"
    generate_library(other, TRACKS, seed=SEED + 1, jobs=1)
    assert set(files_of(other)) != set(files_of(root))


def test_cached_and_invalidated(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    first = generate_library(root, 12, seed=3, jobs=1)
    started = time.perf_counter()
    second = generate_library(root, 12, seed=3, jobs=1)
    assert second.cached and time.perf_counter() - started < 0.5
    assert second.formats == first.formats and second.bytes == first.bytes

    dirty_flag(root).touch()  # a benchmark left it modified
    (root / "stray.mp3").write_bytes(b"junk")
    third = generate_library(root, 12, seed=3, jobs=1)
    assert not third.cached and not (root / "stray.mp3").exists()
    assert not dirty_flag(root).exists()

    fourth = generate_library(root, 14, seed=3, jobs=1)
    assert not fourth.cached and len(audio_of(root)) == 14


def test_refuses_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "music.mp3").write_bytes(b"mine")
    with pytest.raises(BenchError):
        generate_library(tmp_path, 10, seed=1, jobs=1)
    assert (tmp_path / "music.mp3").read_bytes() == b"mine"


def test_plan_at_scale() -> None:
    folders = plan_library(20000, seed=1)
    tracks = [t for f in folders for t in f.tracks]
    assert len(tracks) == 20000
    paths = [t.relpath for t in tracks] + [s.relpath for f in folders for s in f.sidecars]
    assert len(set(paths)) == len(paths)
    assert all(len(part.encode()) <= 255 for p in paths for part in p.split("/"))
    by_container: dict[str, int] = {}
    for t in tracks:
        container = os.path.splitext(t.relpath)[1].lower().lstrip(".")
        by_container[container] = by_container.get(container, 0) + 1
    for container, share in SHARES.items():
        assert abs(by_container[container] / len(tracks) - share) < 0.02, container
    tagged = [t.tags for t in tracks if t.tags is not None]
    covered = sum(1 for t in tagged if t.cover is not None) / len(tracks)
    assert 0.2 < covered < 0.4
    mbid = sum(1 for t in tagged if t.mb_albumid) / len(tracks)
    assert 0.5 < mbid < 0.7
    albums = [f for f in folders if f.album]
    assert all(1 <= len(f.tracks) <= 24 for f in albums)
    assert sum(1 for f in albums if 6 <= len(f.tracks) <= 20) / len(albums) > 0.95
    assert any(t.compilation for t in tagged) and any((t.disctotal or 0) > 1 for t in tagged)
    assert plan_library(500, seed=1) == plan_library(500, seed=1)

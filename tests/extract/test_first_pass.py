"""The first-pass parsers (`extract.audio.fast`) against mutagen, field by field.

Every file is read twice, with the first pass and with mutagen alone
(`read_audio(..., first_pass=False)`), and the two outcomes must be the same:
kind, format, every field, every key and value of `extra` (warnings included), or
the same error.  Over the shared corpus of real files, over a generated library,
over hand-made files with each tag feature the first pass reads or declines, and
over damaged copies.  A difference we accept goes in ACCEPTED with its reason;
the list must stay exact.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediashelf.errors import MediaError
from mediashelf.extract.audio.detect import detect
from mediashelf.extract.audio.fast import FIRST_PASS, first_pass_load
from mediashelf.extract.audio.read import AUDIO_EXTENSIONS, AudioInfo, read_audio

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"

#: (corpus path relative to CORPUS, or "generated"/"crafted:<name>") -> why the two
#: readers may differ there.  None so far: a file the first pass cannot read exactly
#: as mutagen does is one it must hand to mutagen.
ACCEPTED: dict[str, str] = {}

Outcome = AudioInfo | tuple[str, str]


def outcome(data: bytes, ext: str, first_pass: bool) -> Outcome:
    try:
        return read_audio(io.BytesIO(data), b"/x", ext, data[:16384], first_pass=first_pass)
    except MediaError as e:
        return (type(e).__name__, e.message)


def took_first_pass(data: bytes, ext: str) -> bool:
    """Whether the first pass read the file (rather than handing it to mutagen)."""
    f = io.BytesIO(data)
    try:
        detection = detect(f, data[:16384], ext)
    except MediaError:
        return False
    if detection.format not in FIRST_PASS:
        return False
    f.seek(0)
    return first_pass_load(detection.format, f, detection, len(data), data[:16384]) is not None


def differences(a: Outcome, b: Outcome) -> list[str]:
    """What differs between two outcomes, one line per field or extra key."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return [] if a == b else [f"outcome: {a!r} != {b!r}"]
    out = [f"{name}: {getattr(a, name)!r} != {getattr(b, name)!r}"
           for name in ("kind", "format") if getattr(a, name) != getattr(b, name)]  # fmt: skip
    for label, x, y in (("field", a.fields, b.fields), ("extra", a.extra, b.extra)):
        for key in sorted(set(x) | set(y)):
            if x.get(key, "<missing>") != y.get(key, "<missing>"):
                out.append(
                    f"{label} {key}: {x.get(key, '<missing>')!r} != {y.get(key, '<missing>')!r}"
                )
            elif x.get(key) is not None and type(x[key]) is not type(y[key]):
                out.append(f"{label} {key}: {type(x[key]).__name__} != {type(y[key]).__name__}")
    return out


def compare(named: Iterator[tuple[str, bytes, str]]) -> tuple[dict[str, list[str]], int, int]:
    """({name: differences}, files compared, files the first pass read)."""
    found: dict[str, list[str]] = {}
    files = fast = 0
    for name, data, ext in named:
        files += 1
        fast += took_first_pass(data, ext)
        diff = differences(outcome(data, ext, True), outcome(data, ext, False))
        if diff:
            found[name] = diff
    return found, files, fast


def assert_same(found: dict[str, list[str]]) -> None:
    lines = [f"{name}: {d}" for name, diff in sorted(found.items()) if name not in ACCEPTED
             for d in diff]  # fmt: skip
    assert not lines, "the first pass differs from mutagen:\n" + "\n".join(lines)


# -- the shared corpus -----------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
def test_corpus_reads_the_same() -> None:
    def files() -> Iterator[tuple[str, bytes, str]]:
        for top, _, names in os.walk(CORPUS):
            for name in sorted(names):
                path = Path(top, name)
                if path.suffix[1:].lower() in AUDIO_EXTENSIONS or path.suffix.lower() == ".x":
                    yield str(path.relative_to(CORPUS)), path.read_bytes(), path.suffix[1:].lower()

    found, files_read, fast = compare(files())
    print(f"\ncorpus: {files_read} files, {fast} read by the first pass, {len(found)} differ")
    assert_same(found)
    corpus_accepted = [k for k in ACCEPTED if not k.startswith(("generated", "crafted:"))]
    assert sorted(k for k in corpus_accepted if k not in found) == [], "ACCEPTED lists a match"
    assert fast >= 100  # the first pass is exercised, not always declining


# -- a generated library ------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    pytest.importorskip("av")
    from mediashelf.bench.generate import generate_library

    root = tmp_path_factory.mktemp("first-pass") / "library"
    generate_library(root, 150, seed=15, jobs=2)
    return sorted(
        Path(top, name)
        for top, _, names in os.walk(root)
        for name in names
        if name.rpartition(".")[2].lower() in AUDIO_EXTENSIONS
    )


def test_generated_library_reads_the_same(generated: list[Path]) -> None:
    found, files_read, fast = compare(
        (str(p), p.read_bytes(), p.suffix[1:].lower()) for p in generated
    )
    assert files_read >= 150
    assert_same(found)
    # only files without an ID3v2 tag (the untagged ones of the unsorted dump) go to mutagen
    assert fast >= 0.95 * files_read, f"first pass read {fast} of {files_read}"


def test_damaged_copies_read_the_same(generated: list[Path]) -> None:
    """Cut, bit-flipped and padded copies: both readers give the same value or error."""
    rng = random.Random(15)
    samples = rng.sample(generated, 30)

    def mutants() -> Iterator[tuple[str, bytes, str]]:
        for i in range(400):
            path = rng.choice(samples)
            data = bytearray(path.read_bytes())
            how = rng.random()
            if how < 0.3:
                data = data[: rng.randrange(len(data))]
            elif how < 0.8:
                for _ in range(rng.randint(1, 4)):
                    pos = rng.randrange(min(len(data), 20000))
                    data[pos] ^= 1 << rng.randrange(8)
            else:
                pos = rng.randrange(min(len(data), 20000))
                data[pos:pos] = rng.randbytes(rng.randint(1, 8))
            yield f"mutant {i} of {path.name}", bytes(data), path.suffix[1:].lower()

    found, _, fast = compare(mutants())
    assert_same(found)
    assert fast > 100


# -- hand-made tags: what the first pass reads, and what it hands on ---------------------------


def _id3_file(tmp_path: Path, version: int, frames: list[Any], v1: bool = False) -> bytes:
    from mutagen.id3 import ID3

    from tests.extract.samples import encoded

    path = tmp_path / "x.mp3"
    path.write_bytes(encoded("mp3"))
    tags = ID3()
    for frame in frames:
        tags.add(frame)
    tags.save(path, v2_version=version, v1=2 if v1 else 0)
    return path.read_bytes()


def _frames(kind: str) -> list[Any]:
    from mutagen import id3

    from tests.media import jpeg

    common = [
        id3.TIT2(encoding=3, text=["Title", "Second"]),
        id3.TPE1(encoding=1, text=["Ärtist"]),
        id3.TALB(encoding=0, text="Album"),
        id3.TCON(encoding=3, text=["(17)Rock", "13", "Jazz"]),
        id3.TRCK(encoding=3, text="3/12"),
    ]
    extras = {
        "read": [
            id3.TDRC(encoding=3, text="2001-05-03"),
            id3.TXXX(
                encoding=1, desc="MusicBrainz Album Id", text="0a1b2c3d-aaaa-bbbb-cccc-000000000001"
            ),
            id3.TXXX(encoding=2, desc="Custom", text=["one", "two"]),
            id3.COMM(encoding=3, lang="eng", desc="", text="A comment"),
            id3.COMM(encoding=1, lang="deu", desc="Notiz", text="Ünïcode"),
            id3.USLT(encoding=3, lang="eng", desc="", text="la la\nla"),
            id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=jpeg()),
            id3.APIC(
                encoding=0, mime="", type=4, desc="back", data=b"\x89PNG\r\n\x1a\n" + b"0" * 40
            ),
            id3.UFID(owner="http://musicbrainz.org", data=b"0a1b2c3d-aaaa-bbbb-cccc-000000000002"),
            id3.PRIV(owner="WM/MediaClassPrimaryID", data=b"\x01\x02\x03"),
            id3.WXXX(encoding=3, desc="shop", url="https://example.org/a"),
            id3.WOAR(url="https://example.org/artist"),
            id3.WCOM(url="https://example.org/buy"),
            id3.TBPM(encoding=0, text="128"),
            id3.TCMP(encoding=0, text="1"),
        ],
        "declined": [id3.POPM(email="a@b", rating=200, count=3)],
    }
    return common + extras[kind]


@pytest.mark.parametrize("version", [3, 4])
@pytest.mark.parametrize("v1", [False, True])
def test_id3_frames_read_the_same(tmp_path: Path, version: int, v1: bool) -> None:
    pytest.importorskip("av")
    data = _id3_file(tmp_path, version, _frames("read"), v1=v1)
    assert took_first_pass(data, "mp3")
    found, _, _ = compare(iter([(f"crafted:id3v2.{version}", data, "mp3")]))
    assert_same(found)
    info = outcome(data, "mp3", True)
    assert isinstance(info, AudioInfo)
    assert info.fields["genre"] == "Rock" and info.fields["cover_count"] == 2
    assert info.fields["mb_albumid"] == "0a1b2c3d-aaaa-bbbb-cccc-000000000001"


def test_unread_frames_and_features_go_to_mutagen(tmp_path: Path) -> None:
    pytest.importorskip("av")
    data = _id3_file(tmp_path, 4, _frames("declined"))
    assert not took_first_pass(data, "mp3")  # POPM is not a frame the first pass reads
    unsynchronised = bytearray(_id3_file(tmp_path, 4, _frames("read")[:3]))
    unsynchronised[5] |= 0x80
    for name, case in (("popm", data), ("unsync", bytes(unsynchronised))):
        found, _, _ = compare(iter([(f"crafted:{name}", case, "mp3")]))
        assert_same(found)
    assert not took_first_pass(bytes(unsynchronised), "mp3")


def test_flac_blocks_read_the_same(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from mutagen.flac import FLAC

    from tests.extract.samples import encoded, flac_picture
    from tests.media import jpeg

    path = tmp_path / "x.flac"
    path.write_bytes(encoded("flac"))
    f = FLAC(path)
    f["TITLE"] = ["One", "Two"]
    f["artist"] = "Someone"
    f["DATE"] = "1999"
    f["COMMENT"] = "x" * 20000  # the comment block runs past the first 16 KiB
    f.add_picture(flac_picture(3, "image/jpeg", jpeg(), "cover"))  # type: ignore[arg-type]
    f.add_picture(flac_picture(8, "", b"\x89PNG\r\n\x1a\n" + b"0" * 100))  # type: ignore[arg-type]
    f.save(padding=lambda info: 8192)
    data = path.read_bytes()
    assert took_first_pass(data, "flac")
    found, _, _ = compare(iter([("crafted:flac", data, "flac")]))
    assert_same(found)
    bad_comment = data.replace(b"TITLE=One", b"TITLE\xffOne")
    found, _, _ = compare(iter([("crafted:flac-bad-key", bad_comment, "flac")]))
    assert_same(found)


@pytest.mark.parametrize("fmt", ["ogg", "opus"])
def test_ogg_comments_over_several_pages_read_the_same(tmp_path: Path, fmt: str) -> None:
    pytest.importorskip("av")
    import mutagen

    from tests.extract.samples import encoded

    path = tmp_path / f"x.{fmt}"
    path.write_bytes(encoded(fmt))
    f = mutagen.File(path)
    f["TITLE"] = "Title"
    f["ALBUM"] = "Album"
    f["LYRICS"] = "w" * 70000  # the comment packet spans several pages
    f.save()
    data = path.read_bytes()
    assert took_first_pass(data, fmt)
    found, _, _ = compare(iter([(f"crafted:{fmt}", data, fmt)]))
    assert_same(found)


@pytest.mark.parametrize("fmt", ["m4a", "alac"])
def test_mp4_atoms_read_the_same(tmp_path: Path, fmt: str) -> None:
    pytest.importorskip("av")
    from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

    from tests.extract.samples import encoded
    from tests.media import jpeg

    path = tmp_path / "x.m4a"
    path.write_bytes(encoded(fmt))
    f = MP4(path)
    f["\xa9nam"] = ["Title"]
    f["\xa9ART"] = ["A", "B"]
    f["trkn"] = [(2, 9)]
    f["disk"] = [(1, 2)]
    f["tmpo"] = [120]
    f["cpil"] = True
    f["covr"] = [MP4Cover(jpeg(), MP4Cover.FORMAT_JPEG)]
    f["----:com.apple.iTunes:MusicBrainz Album Id"] = [MP4FreeForm(b"0a1b2c3d")]
    f["----:com.apple.iTunes:BINARY"] = [MP4FreeForm(b"\x00\x01", dataformat=0x15)]
    f.save()
    data = path.read_bytes()
    assert took_first_pass(data, "m4a")
    found, _, _ = compare(iter([(f"crafted:{fmt}", data, "m4a")]))
    assert_same(found)

"""The reader registry: which reader a file goes to, and nothing heavy imported to decide."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mediashelf.extract.registry import BY_EXTENSION, choose, kind_for, readers
from tests.media import jpeg

ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
FLAC = b"fLaC\x00\x00\x00\x22"
MPEG_FRAME = b"\xff\xfb\x90\x64\x00"


@pytest.mark.parametrize(
    ("ext", "kind"),
    [("mp3", "audio"), ("flac", "audio"), ("m4a", "audio"), ("mp4", "audio"), ("jpg", "image"),
     ("heic", "image"), ("mkv", "video"), ("avi", "video"), ("nfo", "other"), ("", "other")],
)  # fmt: skip
def test_a_claimed_extension_decides_the_reader(ext: str, kind: str) -> None:
    assert kind_for(ext) == kind
    choice = choose(ext, b"anything at all")
    if kind == "other":
        assert choice is None
    else:
        assert choice is not None and choice.reader.kind == kind and not choice.sniffed


@pytest.mark.parametrize(
    "data", [ID3, FLAC, MPEG_FRAME, b"RIFF\0\0\0\0WAVEfmt ", b"\0\0\0\x18ftypM4A "]
)
def test_audio_without_a_telling_extension_is_sniffed(data: bytes) -> None:
    for ext in ("", "bin", "dat"):
        choice = choose(ext, data)
        assert choice is not None and choice.reader.kind == "audio" and choice.sniffed


def test_plain_files_are_never_sniffed_and_images_are_not_read_by_content() -> None:
    assert choose("nfo", ID3) is None  # a sidecar that starts like an MP3
    assert choose("", jpeg()[:64]) is None  # only extensions claim image files
    assert choose("", b"just some text") is None


def test_the_extension_claim_outscores_any_magic() -> None:
    assert all(r.magic_score < BY_EXTENSION for r in readers())
    choice = choose("jpg", FLAC)  # a FLAC named .jpg goes to the image reader
    assert choice is not None and choice.reader.kind == "image"


def test_choosing_imports_no_reader() -> None:
    code = (
        "import sys; from mediashelf.extract.registry import choose; "
        "choose('mp3', b'ID3'); choose('', b'fLaC'); choose('jpg', b'')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mutagen', 'PIL', 'av') "
        "or m.endswith('.read')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""The reader registry: which reader a file goes to, and nothing heavy imported to decide."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediashelf.extract import registry
from mediashelf.extract.registry import BY_EXTENSION, choose, kind_for, readers
from tests.conftest import read_items, scan_in_process
from tests.media import jpeg, make_tree

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


def test_a_new_reader_is_one_module_and_one_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_readers", list(registry._readers))
    monkeypatch.setattr(registry, "_claims", dict(registry._claims))
    registry.register(
        registry.Reader("toy", "tests.extract.toy_reader", frozenset({"toy"}), rb"TOY:")
    )
    lib = tmp_path / "lib"
    make_tree(lib, {"a.toy": b"TOY: First", "b.bin": b"TOY: Second", "c.toy": b"nothing"})
    s = scan_in_process(tmp_path / "cat.db", [lib])
    rows = read_items(tmp_path / "cat.db")
    got = {os.path.basename(p): (r["kind"], r["format"], r["title"]) for p, r in rows.items()}
    assert got == {
        b"a.toy": ("toy", "toy", "First"),  # by extension
        b"b.bin": ("toy", "toy", "Second"),  # by its magic
        b"c.toy": ("toy", None, None),  # claimed by extension, unreadable: a failure
    }
    assert [(f.kind, os.path.basename(f.path)) for f in s.failures] == [("corrupt", b"c.toy")]

"""No false positives: the corpus of real files from other projects' test suites, and a
generated tidy library, through the scan's structural checks and through decoding.

The corpus (../shared/corpus/real, see its SOURCES.md) is mostly small samples cut
from real files by the upstream suites (round sizes: 1000, 2048, 8192 ... bytes, far
less than their headers declare), plus files broken on purpose (their names say so:
`invalid_*`, `zero_value_*`, `bad-*`, `*-too-short-*`, `ooming-header`) and bare
tag dumps.  Every file either of the checks calls damaged is listed below, and the
lists must stay exact: a file not listed that gets flagged is a false positive.  Each
listed file was checked by hand against what it declares and what it holds, and
against `ffmpeg -v error -i F -f null -` for the decoding, which reports the same
files; the few that are whole files are named with the reason:

- `multipage-setup.ogg` (both copies): FFmpeg's Vorbis decoder reports "Overread 1
  bits" in its setup header, as the `ffmpeg` command line does.
- `8bit_pcm_to_als.mp4`: FFmpeg's ALS decoder reports a CRC error.

`UNOPENED` are the files FFmpeg cannot open at all: `shelf verify` counts them as
not verified (no verdict), never as damaged.  A file that decodes longer than its header
says (`no-tags.3g2`: 16.3 s against 15.0; `id3_frames.mp3`, whose length readers
disagree on: 4.5 s against 3.4) is whole, and not flagged.  Among them are mediafile's WMA files,
which FFmpeg's ASF demuxer rejects as the `ffmpeg` command line does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediashelf.errors import Unsupported
from mediashelf.extract.damage.decode import decode_file
from mediashelf.model import FileStat
from mediashelf.scan.extract import extract_one
from mediashelf.scan.verify import DECODABLE
from tests.conftest import Shelf

#: beside the repository (as CI has it), or where $SHELF_TEST_CORPUS says
CORPUS = Path(
    os.environ.get("SHELF_TEST_CORPUS")
    or Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"
)
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "expected.jsonl").is_file(),
    reason=f"shared corpus not found at {CORPUS} (it lives beside the repository)",
)

SCAN_DAMAGE: dict[str, list[str]] = {
    "mediafile/rsrc/emptylist.mp3": ["truncated"],
    "mutagen/data/106-invalid-streaminfo.flac": ["bad-header"],
    "mutagen/data/106-short-picture-block-size.flac": ["bad-header"],
    "mutagen/data/52-overwritten-metadata.flac": ["truncated"],
    "mutagen/data/52-too-short-block-size.flac": ["truncated"],
    "mutagen/data/64bit.mp4": ["truncated"],
    "mutagen/data/apev2-lyricsv2.mp3": ["truncated"],
    "mutagen/data/bad-POPM-frame.mp3": ["truncated"],
    "mutagen/data/bad-xing.mp3": ["truncated"],
    "mutagen/data/flac_application.flac": ["truncated"],
    "mutagen/data/id3v23_unsynch.id3": ["audio-missing"],
    "mutagen/data/id3v24_extended_header.id3": ["audio-missing"],
    "mutagen/data/ooming-header.flac": ["truncated"],
    "mutagen/data/sample_bitrate.oggtheora": ["truncated"],
    "mutagen/data/sample_length.oggtheora": ["truncated"],
    "mutagen/data/too-short.mp3": ["audio-missing"],
    "mutagen/data/truncated-64bit.mp4": ["truncated"],
    "mutagen/data/variable-block.flac": ["truncated"],
    "mutagen/data/vbri.mp3": ["truncated"],
    "tinytag/samples/106-invalid-streaminfo.flac": ["bad-header"],
    "tinytag/samples/106-short-picture-block-size.flac": ["bad-header"],
    "tinytag/samples/UTF16.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/alac_file.m4a": ["truncated"],
    "tinytag/samples/chinese_id3.mp3": ["truncated"],
    "tinytag/samples/detect_flac.x": ["bad-header"],
    "tinytag/samples/detect_mp4_m4a.x": ["truncated"],
    "tinytag/samples/detect_wav.x": ["truncated"],
    "tinytag/samples/flac_application.flac": ["truncated"],
    "tinytag/samples/id3_broken_frame_size.mp3": ["tag-overflow"],
    "tinytag/samples/id3_comment_utf_16_double_bom.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3_comment_utf_16_with_bom.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3_genre_id_out_of_bounds.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3v1-latin1.mp3": ["audio-missing"],
    "tinytag/samples/id3v1_does_not_overwrite_id3v2.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3v22.TCO.genre.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3v22_with_image.mp3": ["audio-missing"],
    "tinytag/samples/id3v22_with_image_stray_null.mp3": ["audio-missing"],
    "tinytag/samples/id3v24-long-title.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/id3v24_genre_null_byte.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/invalid_block_sizes.flac": ["bad-header"],
    "tinytag/samples/magic_bytes_only_mp4.x": ["bad-header"],
    "tinytag/samples/mp4_extended_size_truncated.m4a": ["truncated"],
    "tinytag/samples/multiple_images.mp3": ["audio-missing"],
    "tinytag/samples/mvhd_version_1.m4a": ["truncated"],
    "tinytag/samples/test.opus": ["truncated"],
    "tinytag/samples/title_after_image.mp3": ["audio-missing"],
    "tinytag/samples/utf-8-id3v2-invalid-string.mp3": ["audio-missing"],
    "tinytag/samples/utf-8-id3v2.mp3": ["audio-missing"],
    "tinytag/samples/utf16_no_bom.mp3": ["tag-overflow", "audio-missing"],
    "tinytag/samples/utf16be.mp3": ["audio-missing"],
    "tinytag/samples/variable-block.flac": ["truncated"],
    "tinytag/samples/vbr_xing_header_2channel.mp3": ["truncated"],
    "tinytag/samples/vbri.mp3": ["truncated"],
}
VERIFY_DAMAGE: dict[str, list[str]] = {
    "mediafile/rsrc/emptylist.mp3": [
        "truncated",
        "decode-error",
    ],  # 8192 bytes, scan: truncated: decoded 1.124 s, the header says 217.040 s
    "mutagen/data/52-overwritten-metadata.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 512 bytes, scan: truncated: Invalid data found when processing input
    "mutagen/data/52-too-short-block-size.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 50000 bytes, scan: truncated: Invalid data found when processing input
    "mutagen/data/64bit.mp4": [
        "audio-missing"
    ],  # 85 bytes, scan: truncated: no audio or video stream to decode
    "mutagen/data/apev2-lyricsv2.mp3": [
        "truncated"
    ],  # 49898 bytes, scan: truncated: decoded 1.934 s, the header says 210.919 s
    "mutagen/data/flac_application.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 13000 bytes, scan: truncated: Invalid data found when processing input
    "mutagen/data/issue_29.wma": [
        "truncated",
        "decode-error",
    ],  # 32000 bytes: Invalid data found when processing input
    "mutagen/data/mac-390-hdr.ape": [
        "truncated",
        "decode-error",
    ],  # 128 bytes: Invalid data found when processing input
    "mutagen/data/multipage-setup.ogg": ["decode-error"],  # 76983 bytes: Overread 1 bits
    "mutagen/data/nero-chapters.m4b": [
        "truncated"
    ],  # 80002 bytes: decoded 0.000 s, the header says 169022.694 s
    "mutagen/data/truncated-64bit.mp4": [
        "truncated",
        "decode-error",
    ],  # 2000 bytes, scan: truncated: Invalid data found when processing input
    "mutagen/data/variable-block.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 10240 bytes, scan: truncated: Invalid data found when processing input
    "mutagen/data/vbri.mp3": [
        "truncated",
        "decode-error",
    ],  # 8192 bytes, scan: truncated: decoded 0.444 s, the header says 222.198 s
    "tinytag/samples/8bit_pcm_to_als.mp4": ["checksum-mismatch"],  # 928 bytes: CRC error.
    "tinytag/samples/alac_file.m4a": [
        "truncated",
        "decode-error",
    ],  # 20000 bytes, scan: truncated: decoded 0.000 s, the header says 166.573 s
    "tinytag/samples/detect_mp4_m4a.x": [
        "audio-missing"
    ],  # 120 bytes, scan: truncated: no audio or video stream to decode
    "tinytag/samples/empty_custom_field.m4a": [
        "audio-missing"
    ],  # 72 bytes: no audio or video stream to decode
    "tinytag/samples/flac_application.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 13000 bytes, scan: truncated: Invalid data found when processing input
    "tinytag/samples/grouping.wma": [
        "truncated"
    ],  # 4070 bytes: decoded 0.093 s, the header says 2.141 s
    "tinytag/samples/id3_xxx_lang.mp3": ["decode-error"],  # 6943 bytes: invalid new backstep -1
    "tinytag/samples/lossless.wma": [
        "truncated"
    ],  # 2500 bytes: decoded 0.650 s, the header says 43.133 s
    "tinytag/samples/mp3_audio.asf": [
        "truncated"
    ],  # 6906 bytes: decoded 1.045 s, the header says 2.145 s
    "tinytag/samples/mp4_extended_size.m4a": [
        "truncated",
        "decode-error",
    ],  # 32014 bytes: Invalid data found when processing input
    "tinytag/samples/mpeg4_xa9des.m4a": [
        "audio-missing"
    ],  # 2639 bytes: no audio or video stream to decode
    "tinytag/samples/multipage-setup.ogg": ["decode-error"],  # 76983 bytes: Overread 1 bits
    "tinytag/samples/mvhd_version_1.m4a": [
        "truncated"
    ],  # 2048 bytes, scan: truncated: decoded 0.000 s, the header says 209.676 s
    "tinytag/samples/test.m4a": [
        "truncated",
        "decode-error",
    ],  # 61432 bytes: decoded 0.000 s, the header says 314.979 s
    "tinytag/samples/test2.wma": [
        "truncated"
    ],  # 5800 bytes: decoded 0.000 s, the header says 83.406 s
    "tinytag/samples/variable-block.flac": [
        "truncated",
        "decode-error",
        "checksum-mismatch",
    ],  # 10240 bytes, scan: truncated: Invalid data found when processing input
    "tinytag/samples/vbr_xing_header_2channel.mp3": [
        "truncated",
        "decode-error",
    ],  # 2000 bytes, scan: truncated: decoded 0.133 s, the header says 249.977 s
    "tinytag/samples/vbri.mp3": [
        "truncated",
        "decode-error",
    ],  # 8192 bytes, scan: truncated: decoded 0.444 s, the header says 222.198 s
    "tinytag/samples/wma_invalid_track_number.wma": [
        "truncated"
    ],  # 3940 bytes: decoded 0.093 s, the header says 2.141 s
    "tinytag/samples/xmp_data.wma": [
        "truncated"
    ],  # 4723 bytes: decoded 0.093 s, the header says 2.141 s
    "tinytag/samples/xmp_empty.m4a": [
        "truncated",
        "decode-error",
    ],  # 2019 bytes: decoded 0.000 s, the header says 0.523 s
    "tinytag/samples/zero_value_properties.m4a": [
        "truncated",
        "decode-error",
    ],  # 1995 bytes: Invalid data found when processing input
    "tinytag/samples/zero_value_properties_alac.m4a": [
        "decode-error"
    ],  # 1124 bytes: Invalid data found when processing input
}
UNOPENED: frozenset[str] = frozenset(
    (
        "mediafile/rsrc/empty.wma",  # the scan found no damage
        "mediafile/rsrc/full.wma",  # the scan found no damage
        "mediafile/rsrc/image.wma",  # the scan found no damage
        "mediafile/rsrc/oldape.ape",  # the scan found no damage
        "mediafile/rsrc/pure.wma",  # the scan found no damage
        "mediafile/rsrc/unparseable.wma",  # the scan found no damage
        "mutagen/data/106-invalid-streaminfo.flac",
        "mutagen/data/106-short-picture-block-size.flac",
        "mutagen/data/adif.aac",  # the scan found no damage
        "mutagen/data/bad-POPM-frame.mp3",
        "mutagen/data/id3v23_unsynch.id3",
        "mutagen/data/id3v24_extended_header.id3",
        "mutagen/data/ooming-header.flac",
        "mutagen/data/sample_bitrate.oggtheora",
        "mutagen/data/sv4_header.mpc",  # the scan found no damage
        "mutagen/data/sv5_header.mpc",  # the scan found no damage
        "mutagen/data/too-short.mp3",
        "tinytag/samples/106-invalid-streaminfo.flac",
        "tinytag/samples/106-short-picture-block-size.flac",
        "tinytag/samples/UTF16.mp3",
        "tinytag/samples/chinese_id3.mp3",
        "tinytag/samples/detect_flac.x",
        "tinytag/samples/detect_wav.x",
        "tinytag/samples/id3_comment_utf_16_double_bom.mp3",
        "tinytag/samples/id3_comment_utf_16_with_bom.mp3",
        "tinytag/samples/id3_genre_id_out_of_bounds.mp3",
        "tinytag/samples/id3v1-latin1.mp3",
        "tinytag/samples/id3v1_does_not_overwrite_id3v2.mp3",
        "tinytag/samples/id3v22.TCO.genre.mp3",
        "tinytag/samples/id3v22_with_image.mp3",
        "tinytag/samples/id3v22_with_image_stray_null.mp3",
        "tinytag/samples/id3v24-long-title.mp3",
        "tinytag/samples/id3v24_genre_null_byte.mp3",
        "tinytag/samples/invalid_block_sizes.flac",
        "tinytag/samples/invalid_second_streaminfo.flac",  # the scan found no damage
        "tinytag/samples/magic_bytes_only_mp4.x",
        "tinytag/samples/mp4_extended_size_truncated.m4a",
        "tinytag/samples/mpeg1_44khz.mp3",  # the scan found no damage
        "tinytag/samples/multiple_images.mp3",
        "tinytag/samples/title_after_image.mp3",
        "tinytag/samples/utf-8-id3v2-invalid-string.mp3",
        "tinytag/samples/utf-8-id3v2.mp3",
        "tinytag/samples/utf16_no_bom.mp3",
        "tinytag/samples/utf16be.mp3",
        "tinytag/samples/zero_value_properties.aiff",  # the scan found no damage
        "tinytag/samples/zero_value_properties.opus",  # the scan found no damage
        "tinytag/samples/zero_value_properties.wav",  # the scan found no damage
        "tinytag/samples/zero_value_properties.wma",  # the scan found no damage
    )
)


def _files() -> Iterator[tuple[str, bytes]]:
    for dirpath, _, names in os.walk(CORPUS):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            yield os.path.relpath(path, CORPUS), os.fsencode(path)


@needs_corpus
def test_the_corpus_through_scan_and_decoding() -> None:
    scanned: dict[str, list[str]] = {}
    decoded: dict[str, list[str]] = {}
    unopened: set[str] = set()
    for rel, path in _files():
        st = os.stat(path)
        ex = extract_one(FileStat(path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino), 30)
        if ex.fields.get("damage"):
            scanned[rel] = list(ex.fields["damage"])  # type: ignore[call-overload]
        if ex.error is not None or ex.kind not in ("audio", "video"):
            continue
        if ex.kind == "audio" and ex.format not in DECODABLE:
            continue
        duration = ex.fields.get("duration")
        try:
            found = decode_file(path, duration if isinstance(duration, float) else None)
        except Unsupported:
            unopened.add(rel)
            continue
        if found.damage:
            decoded[rel] = found.damage
    assert scanned == SCAN_DAMAGE
    assert decoded == VERIFY_DAMAGE
    assert unopened == UNOPENED


def test_a_tidy_library_has_no_damage(shelf: Shelf, tmp_path: Path) -> None:
    """Every file of a generated library (every format and template the benchmarks
    use) is whole: the scan and `shelf verify` find nothing."""
    from mediashelf.bench.generate import generate_library

    root = tmp_path / "lib"
    generate_library(root, 120, seed=16, jobs=2)
    summary = shelf.scan(root)
    assert summary["exit_code"] == 0
    assert shelf.find("has:damage") == []
    r = shelf.run("verify", "--json")
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert shelf.find("has:damage") == []

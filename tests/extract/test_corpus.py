"""read_audio over the shared corpus of real-world files from other projects' test suites.

(1) Robustness: every file either reads or raises a MediaError subclass, quickly.
(2) Oracle: for the fields the upstream test suites assert and SOURCES.md calls
    reliable, our values agree with theirs; the disagreements we accept are listed
    below with a reason each, and the list must stay exact.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediashelf.errors import MediaError
from mediashelf.extract.audio.read import AudioInfo, read_audio
from tests.extract.bounded import CorpusReads, read_bounded

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "expected.jsonl").is_file(),
    reason=f"shared corpus not found at {CORPUS} (it lives beside the repository)",
)

TIME_LIMIT = 10.0  # seconds per file
MIN_AGREEMENT = 0.97
#: over the files whose duration is kept (a damaged file's is null by design)
MIN_DURATION_AGREEMENT = 0.954

_NO_LOSSY_BITDEPTH = (
    "lossy codec: the container's nominal 16-bit sample size is not a bit depth, "
    "so bitdepth is left empty"
)
_MPEG25_VBR = (
    "2-3 frame MPEG-2.5 VBR file: mutagen's estimate; SOURCES.md says to treat "
    "tinytag's duration here as 'tinytag says'"
)
_NO_SYNC = (
    "one MPEG frame after a tag holding only a malformed SYLT frame: mutagen cannot "
    "sync on a single frame and the tag has nothing to salvage"
)
_ASF_REPEATS = (
    "attribute repeated in several ASF objects: we take the first in mutagen's order "
    "(Content Description first, as mediafile does), tinytag the last"
)
_ID3_IN_FLAC = (
    "FLAC with an ID3v2 tag in front as well as Vorbis comments: the Vorbis comments "
    "win, the ID3 values are kept in extra (ID3:TIT2 ...)"
)
_SPACES = "comment of spaces only: values are stripped and empty ones dropped"
_ZERO_TOTAL = "TPOS '/0': a total of 0 means 'unknown' and is not stored"

#: Disagreements with the upstream oracles that we accept, and why.
ACCEPTED: dict[tuple[str, str], str] = {
    **{
        (path, "bitdepth"): _NO_LOSSY_BITDEPTH
        for path in (
            "mutagen/data/covr-with-name.m4a",
            "mutagen/data/has-tags.m4a",
            "mutagen/data/no-tags.3g2",
            "mutagen/data/no-tags.m4a",
            "mutagen/data/truncated-64bit.mp4",
            "tinytag/samples/grouping.wma",
            "tinytag/samples/multiple_values_images.wma",
            "tinytag/samples/silence.wma",
            "tinytag/samples/test2.wma",
            "tinytag/samples/wma_invalid_track_number.wma",
            "tinytag/samples/xmp_data.wma",
        )
    },
    **{
        (f"tinytag/samples/{name}", "duration"): _MPEG25_VBR
        for name in (
            "detect_mp3_mpeg25.x",
            "mpeg25_11025hz_vbr.mp3",
            "mpeg25_12khz_vbr.mp3",
            "mpeg25_8khz_vbr.mp3",
            "mpeg25_id3v1.mp3",
            "mpeg25_id3v2.mp3",
        )
    },
    ("tinytag/samples/id3_frames.mp3", "duration"): (
        "SOURCES.md lists this file as one where readers disagree on the duration"
    ),
    ("tinytag/samples/vbr_xing_header_short.mp3", "duration"): (
        "the Xing header counts 0 frames and mutagen trusts it"
    ),
    **{
        (f"tinytag/samples/synced_lyrics_no_terminator_{enc}.mp3", field): _NO_SYNC
        for enc in ("latin1", "utf16")
        for field in ("channels", "samplerate", "duration")
    },
    ("tinytag/samples/detect_asf.x", "artist"): "ASF header cut short: mutagen rejects the file",
    ("tinytag/samples/detect_asf.x", "title"): "ASF header cut short: mutagen rejects the file",
    ("tinytag/samples/id3_genre_id_out_of_bounds.mp3", "genre"): (
        "ID3 genre (255): mutagen's genre mapping names it 'Unknown', tinytag keeps '(255)'"
    ),
    ("tinytag/samples/id3v24-long-title.mp3", "genre"): (
        "ID3v1 genre 40 is 'Alt. Rock' in mutagen's genre list, 'AlternRock' in tinytag's"
    ),
    ("tinytag/samples/id3_xxx_lang.mp3", "comment"): _SPACES,
    ("tinytag/samples/id3v1-latin1.mp3", "comment"): _SPACES,
    ("tinytag/samples/id3v22_with_image_stray_null.mp3", "images"): (
        "v2.2 PIC frame with a stray NUL before the image: mutagen counts it as picture "
        "data (1221 bytes), tinytag strips it (1220)"
    ),
    ("tinytag/samples/invalid_sample_rate.aiff", "bitdepth"): (
        "COMM chunk with an overflowing sample rate: mutagen rejects the file"
    ),
    ("tinytag/samples/invalid_sample_rate.aiff", "channels"): (
        "COMM chunk with an overflowing sample rate: mutagen rejects the file"
    ),
    ("tinytag/samples/multi_value.m4a", "composer"): (
        "both \xa9wrt and \xa9com atoms: \xa9wrt is the iTunes composer (mediafile's "
        "mapping) and wins, tinytag prefers \xa9com"
    ),
    **{
        ("tinytag/samples/multiple_values_images.wma", field): _ASF_REPEATS
        for field in ("album", "artist", "comment", "title")
    },
    ("tinytag/samples/utf-8-id3v2-invalid-string.mp3", "title"): (
        "TIT2 with invalid UTF-8: mutagen drops the frame, tinytag decodes it with "
        "replacement characters"
    ),
    ("tinytag/samples/utf-8-id3v2-invalid-string.mp3", "disctotal"): _ZERO_TOTAL,
    ("tinytag/samples/utf-8-id3v2.mp3", "disctotal"): _ZERO_TOTAL,
    **{
        ("tinytag/samples/with_padded_id3_header2.flac", field): _ID3_IN_FLAC
        for field in ("album", "artist", "title")
    },
    ("tinytag/samples/zero_value_properties.flac", "bitdepth"): (
        "STREAMINFO with sample rate 0: no valid stream properties, the file is Corrupt"
    ),
    ("tinytag/samples/zero_value_properties.flac", "channels"): (
        "STREAMINFO with sample rate 0: no valid stream properties, the file is Corrupt"
    ),
}


Outcome = AudioInfo | MediaError


def _read(path: Path) -> Outcome:
    return read_bounded(path, TIME_LIMIT, read_audio)


def _corpus_files() -> Iterator[Path]:
    for dirpath, _, names in os.walk(CORPUS):
        for name in sorted(names):
            yield Path(dirpath) / name


READS = CorpusReads(CORPUS, TIME_LIMIT, _read, AudioInfo)
_outcome = READS.outcome


def test_every_file_reads_or_raises_a_media_error() -> None:
    problems, infos = READS.robustness(_corpus_files())
    for info in infos:
        json.dumps(info.fields)
        json.dumps(info.extra)
    assert not problems, "\n".join(problems)


# -- the oracle ----------------------------------------------------------------------

#: Oracle field -> our field, where the meaning is the same.
_SAME = {
    name: name
    for name in [
        *("title", "artist", "album", "albumartist", "composer", "genre", "comment"),
        *("track", "tracktotal", "disc", "disctotal", "samplerate", "channels", "bitdepth"),
        *("bpm", "label", "isrc", "mb_albumid", "mb_artistid", "mb_albumartistid"),
        "mb_releasegroupid",
    ]
}
_MEDIAFILE = {
    **_SAME,
    "comments": "comment",
    "comp": "compilation",
    "catalognum": "catalognumber",
    # mediafile follows Picard: its mb_trackid is the recording id.
    "mb_trackid": "mb_recordingid",
    "mb_releasetrackid": "mb_trackid",
}


def _ours(source: str, field: str, info: AudioInfo) -> tuple[bool, object]:
    """(mappable, our value) for an oracle field."""
    f = info.fields
    if source == "tinytag":
        if field == "year":
            return True, f.get("date")
        if field in _SAME:
            return True, f.get(_SAME[field])
        return False, None
    if source == "mediafile":
        if field == "year":
            return True, f.get("year")
        if field == "original_year":
            date = f.get("originaldate")
            return True, int(str(date)[:4]) if date else None
        if field == "lyrics":
            return True, f.get("has_lyrics")
        if field == "art":
            return True, f.get("cover_count")
        if field in _MEDIAFILE:
            return True, f.get(_MEDIAFILE[field])
        return False, None
    if field in ("samplerate", "channels", "bitdepth"):
        return True, f.get(field)
    return False, None


def _agrees(source: str, field: str, expected: Any, ours: Any, info: AudioInfo) -> bool:
    if expected is None or expected == [] or (source == "mediafile" and expected == ""):
        return ours is None
    if field == "lyrics":
        return ours is True
    if field == "year" and source == "tinytag":
        # tinytag's year is its raw date string: a bare year compares with our year.
        year = info.fields.get("year")
        return str(expected).strip() in (str(ours), str(year))
    if isinstance(expected, str):
        return isinstance(ours, str) and ours == expected.strip()
    if isinstance(expected, bool):
        return ours is expected
    return bool(ours == expected)


def _images(expected: dict[str, Any], info: AudioInfo) -> bool:
    """tinytag's images: a front cover and other pictures grouped by type."""
    front = expected.get("front_cover")
    count = (1 if front else 0) + sum(len(v) for v in expected.get("other", {}).values())
    f = info.fields
    if f.get("cover_count") != (count or None):
        return False
    if front:
        return f.get("cover_mime") == front["mime_type"] and f.get("cover_bytes") == front["size"]
    return True


def _durations(entry: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """(field name, expected seconds, tolerance) of the entry's duration assertions."""
    expected = entry.get("expected", {})
    tol = entry.get("tolerance", {}).get("duration")
    for name in ("duration", "audio.length"):
        if name in entry.get("approximate", []) and isinstance(expected.get(name), int | float):
            value = float(expected[name])
            limit = 0.1 if name == "audio.length" else max(0.1, 0.02 * value)
            yield name, value, float(tol) if tol is not None else limit


class Tally:
    """Asserted and agreeing values of one kind of check."""

    def __init__(self) -> None:
        self.asserted = self.agreeing = 0

    def add(self, ok: bool) -> None:
        self.asserted += 1
        self.agreeing += ok

    @property
    def rate(self) -> float:
        return self.agreeing / self.asserted if self.asserted else 1.0


def _compare() -> tuple[Tally, Tally, dict[tuple[str, str], str], list[str]]:
    """(reliable fields, durations, disagreements {(path, field): what we read}, the
    damaged files whose asserted duration is not kept)."""
    reliable, durations = Tally(), Tally()
    withheld: list[str] = []
    disagreements: dict[tuple[str, str], str] = {}
    with (CORPUS / "expected.jsonl").open(encoding="utf-8") as lines:
        entries = [json.loads(line) for line in lines]
    for entry in entries:
        source = entry["source"]
        if not entry.get("oracle") or source not in ("tinytag", "mediafile", "mutagen"):
            continue
        rel = entry["path"]
        outcome = _outcome(rel)
        expected = entry.get("expected", {})
        checks: list[tuple[Tally, str, bool, str]] = []
        for field in entry.get("reliable", []):
            if field == "images" and source == "tinytag":
                ok = isinstance(outcome, AudioInfo) and _images(expected[field], outcome)
                checks.append((reliable, field, ok, _show(outcome, "cover_count")))
                continue
            if not isinstance(outcome, AudioInfo):
                mappable = _ours(source, field, AudioInfo("audio", "", {}, {}))[0]
                if mappable:
                    ok = expected.get(field) is None
                    checks.append((reliable, field, ok, _show(outcome, field)))
                continue
            mappable, ours = _ours(source, field, outcome)
            if mappable:
                ok = _agrees(source, field, expected.get(field), ours, outcome)
                checks.append((reliable, field, ok, repr(ours)))
        for field, value, tol in _durations(entry):
            if isinstance(outcome, AudioInfo) and _length_withheld(outcome):
                withheld.append(rel)  # damaged: its header's length is not kept
                continue
            if isinstance(outcome, AudioInfo):
                ours = outcome.fields.get("duration")
                ok = isinstance(ours, float) and math.isclose(ours, value, abs_tol=tol)
            else:
                ours, ok = None, False
            shown = repr(ours) if ours is not None else _show(outcome, "")
            checks.append((durations, field, ok, shown))
        for tally, field, ok, shown in checks:
            tally.add(ok)
            if not ok:
                disagreements[(rel, field)] = f"expected {expected.get(field)!r}, read {shown}"
    return reliable, durations, disagreements, withheld


def _length_withheld(outcome: AudioInfo) -> bool:
    """A damaged file's duration is null by design: the upstream suites assert what the
    headers of their cut samples declare, which is not the length of the file."""
    return bool(outcome.fields.get("damage")) and outcome.fields.get("duration") is None


def _show(outcome: Outcome, field: str) -> str:
    if isinstance(outcome, MediaError):
        return f"{type(outcome).__name__}: {outcome.message}"
    return repr(outcome.fields.get(field))


def test_agreement_with_upstream_oracles(record_property: Any) -> None:
    reliable, durations, disagreements, withheld = _compare()
    for name, tally in (("reliable fields", reliable), ("durations", durations)):
        print(f"\noracle agreement, {name}: {tally.agreeing}/{tally.asserted} = {tally.rate:.2%}")
    print(f"durations not kept: {len(withheld)} damaged files ({', '.join(sorted(withheld))})")
    record_property("oracle_agreement", f"{reliable.rate:.4f}")
    record_property("oracle_duration_agreement", f"{durations.rate:.4f}")
    unexpected = {k: v for k, v in disagreements.items() if k not in ACCEPTED}
    now_agree = sorted(k for k in ACCEPTED if k not in disagreements)
    lines = [f"new disagreement {k}: {v}" for k, v in sorted(unexpected.items())]
    lines += [f"listed disagreement now agrees, remove it from ACCEPTED: {k}" for k in now_agree]
    assert not lines, "\n".join(lines)
    assert reliable.rate >= MIN_AGREEMENT
    assert durations.rate >= MIN_DURATION_AGREEMENT

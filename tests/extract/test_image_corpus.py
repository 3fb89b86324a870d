"""The image reader on the shared corpus of real-world files.

Every image in the corpus must give metadata or a clean MediaError, within a time
limit.  For the files exif-py ships with a reference dump (`expected.jsonl`, oracle
"exif-py"), make, model, capture date, orientation and GPS must agree with the dump
on at least 97% of the asserted values; the disagreements we accept are listed
below with a reason each, and the list must stay exact.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from mediashelf.errors import MediaError
from mediashelf.extract.image.read import ImageInfo, read_image
from mediashelf.extract.registry import IMAGE_EXTENSIONS
from tests.extract.bounded import CorpusReads, read_bounded

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "expected.jsonl").is_file(),
    reason=f"shared corpus not found at {CORPUS} (it lives beside the repository)",
)

TIME_LIMIT = 10.0  # seconds per file
MIN_AGREEMENT = 0.97

#: Disagreements with exifread's dump that we accept, and why.
ACCEPTED: dict[tuple[str, str], str] = {}


Outcome = ImageInfo | MediaError


def _read(path: Path) -> Outcome:
    mtime_ns = path.stat().st_mtime_ns
    return read_bounded(
        path, TIME_LIMIT, lambda f, raw, ext, head: read_image(f, raw, ext, head, mtime_ns)
    )


def _corpus_images() -> Iterator[Path]:
    for dirpath, _, names in os.walk(CORPUS):
        for name in sorted(names):
            if name.rsplit(".", 1)[-1].lower() in IMAGE_EXTENSIONS:
                yield Path(dirpath) / name


READS = CorpusReads(CORPUS, TIME_LIMIT, _read, ImageInfo)
_outcome = READS.outcome


def test_every_image_reads_or_raises_a_media_error() -> None:
    problems, infos = READS.robustness(_corpus_images())
    for info in infos:
        json.dumps(info.fields)
        json.dumps(info.extra)
        assert info.fields.get("taken_source") is not None
    assert not problems, "\n".join(problems)
    assert len(infos) >= 90  # the corpus has about a hundred readable images


# -- the oracle ------------------------------------------------------------------------

_ORIENTATIONS = {
    "Horizontal (normal)": 1,
    "Mirrored horizontal": 2,
    "Rotated 180": 3,
    "Mirrored vertical": 4,
    "Mirrored horizontal then rotated 90 CCW": 5,
    "Rotated 90 CW": 6,
    "Mirrored horizontal then rotated 90 CW": 7,
    "Rotated 90 CCW": 8,
}


def _dms(text: str, ref: str) -> float | None:
    """exifread's printed rationals `[43, 28, 1407/500]` in decimal degrees."""
    parts = [p.strip() for p in text.strip("[]").split(",") if p.strip()]
    try:
        values = [float(Fraction(p)) for p in parts]
    except (ValueError, ZeroDivisionError):
        return None
    while len(values) < 3:
        values.append(0.0)
    degrees = values[0] + values[1] / 60 + values[2] / 3600
    return -degrees if ref.strip().upper() in ("S", "W") else degrees


def _date(text: str | None) -> str | None:
    """exifread's `2024:04:05 10:59:24` as our ISO prefix, None when not a real date."""
    if not text or not text[:4].isdigit() or text.startswith("0000"):
        return None
    iso = text[:10].replace(":", "-") + "T" + text[11:19]
    return iso if len(iso) == 19 else None


def _checks(entry: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(field, expected, ours-getter) for every asserted value of one exif-py entry."""
    expected = entry["expected"]
    raw = entry.get("raw", {})
    if "make" in expected:
        yield "make", expected["make"].strip() or None, "make"
    if "model" in expected:
        yield "model", expected["model"].strip() or None, "model"
    if "orientation" in expected and expected["orientation"] in _ORIENTATIONS:
        yield "orientation", _ORIENTATIONS[expected["orientation"]], "orientation"
    date = (
        _date(raw.get("EXIF DateTimeOriginal"))
        or _date(raw.get("EXIF DateTimeDigitized"))
        or _date(raw.get("Image DateTime"))
    )
    if "datetime_original" in expected or "datetime" in expected:
        yield "date", date, "taken"
    if "gps_latitude" in expected and "gps_longitude" in expected:
        lat = _dms(raw["GPS GPSLatitude"], raw.get("GPS GPSLatitudeRef", "N"))
        lon = _dms(raw["GPS GPSLongitude"], raw.get("GPS GPSLongitudeRef", "E"))
        if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
            yield "gps_lat", lat, "gps_lat"
            yield "gps_lon", lon, "gps_lon"


def _agrees(field: str, expected: Any, ours: Any, info: ImageInfo) -> bool:
    if field == "date":
        if expected is None:
            return info.fields.get("taken_source") not in (
                "exif",
                "exif-digitized",
                "exif-datetime",
            )
        return isinstance(ours, str) and ours.startswith(expected)
    if field in ("gps_lat", "gps_lon"):
        return isinstance(ours, float) and math.isclose(ours, expected, abs_tol=1e-5)
    return bool(ours == expected)


def _compare() -> tuple[int, int, dict[tuple[str, str], str]]:
    asserted = agreeing = 0
    disagreements: dict[tuple[str, str], str] = {}
    with (CORPUS / "expected.jsonl").open(encoding="utf-8") as lines:
        entries = [json.loads(line) for line in lines]
    for entry in entries:
        if entry["source"] != "exif-py" or not entry.get("oracle"):
            continue
        rel = entry["path"]
        if rel.rsplit(".", 1)[-1].lower() not in IMAGE_EXTENSIONS:
            continue
        outcome = _outcome(rel)
        for field, expected, ours_name in _checks(entry):
            if isinstance(outcome, ImageInfo):
                ours = outcome.fields.get(ours_name)
                ok = _agrees(field, expected, ours, outcome)
                shown = repr(ours)
            else:
                ok = expected is None
                shown = f"{type(outcome).__name__}: {outcome.message}"
            asserted += 1
            agreeing += ok
            if not ok:
                disagreements[(rel, field)] = f"expected {expected!r}, read {shown}"
    return asserted, agreeing, disagreements


def test_agreement_with_exifread_dump(record_property: Any) -> None:
    asserted, agreeing, disagreements = _compare()
    rate = agreeing / asserted
    print(f"\nexif-py oracle agreement: {agreeing}/{asserted} = {rate:.2%}")
    record_property("image_oracle_agreement", f"{rate:.4f}")
    unexpected = {k: v for k, v in disagreements.items() if k not in ACCEPTED}
    now_agree = sorted(k for k in ACCEPTED if k not in disagreements)
    lines = [f"new disagreement {k}: {v}" for k, v in sorted(unexpected.items())]
    lines += [f"listed disagreement now agrees, remove it from ACCEPTED: {k}" for k in now_agree]
    assert not lines, "\n".join(lines)
    assert asserted > 250
    assert rate >= MIN_AGREEMENT

"""Sidecar files beside a photo: XMP (`NAME.xmp`, `NAME.EXT.xmp`) and Google Takeout JSON.

Each candidate name is tried with one `open` (no directory listing); a missing
sidecar costs one failed system call.  Sidecars are read up to `MAX_SIDECAR`
bytes; a malformed one becomes a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.extract.image.dates import MAX_YEAR, MIN_YEAR
from mediashelf.extract.image.exif import clean_text
from mediashelf.extract.image.xmp import decode_xmp, xmp_fields

MAX_SIDECAR: Final = 1 << 20


@dataclass(slots=True)
class Sidecar:
    fields: dict[str, object] = field(default_factory=dict)
    date: str | None = None
    #: names of the sidecars that were read
    names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _candidates(path: bytes) -> tuple[list[bytes], list[bytes]]:
    base = os.path.splitext(path)[0]
    xmp = [path + b".xmp", base + b".xmp", path + b".XMP", base + b".XMP"]
    takeout = [path + b".json", path + b".supplemental-metadata.json", base + b".json"]
    return xmp, takeout


def _read(path: bytes) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(MAX_SIDECAR)
    except OSError:
        return None


def read_sidecars(path: bytes) -> Sidecar:
    """The fields and date found in the sidecars of the image at `path`."""
    out = Sidecar()
    xmp_names, json_names = _candidates(path)
    for name in xmp_names:
        data = _read(name)
        if data is None:
            continue
        fields, date = xmp_fields(decode_xmp(data))
        _merge(out, fields, date, name)
        break
    for name in json_names:
        data = _read(name)
        if data is None:
            continue
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError) as e:
            out.warnings.append(f"sidecar {os.fsdecode(os.path.basename(name))}: bad JSON ({e})")
            continue
        if isinstance(doc, dict) and ("photoTakenTime" in doc or "geoData" in doc):
            fields, date = takeout_fields(doc)
            _merge(out, fields, date, name)
            break
    return out


def _merge(out: Sidecar, fields: dict[str, object], date: str | None, name: bytes) -> None:
    out.names.append(os.fsdecode(os.path.basename(name)))
    for key, value in fields.items():
        out.fields.setdefault(key, value)
    if out.date is None:
        out.date = date


def takeout_fields(doc: dict[str, Any]) -> tuple[dict[str, object], str | None]:
    """(fields, date) of a Google Takeout photo JSON."""
    fields: dict[str, object] = {}
    description = clean_text(doc.get("description"))
    if description:
        fields["description"] = description
    for key in ("geoData", "geoDataExif"):
        geo = doc.get(key)
        if not isinstance(geo, dict):
            continue
        lat, lon = _float(geo.get("latitude")), _float(geo.get("longitude"))
        if lat is None or lon is None or (lat == 0 and lon == 0):
            continue
        if abs(lat) > 90 or abs(lon) > 180:
            continue
        fields["gps_lat"], fields["gps_lon"] = round(lat, 7), round(lon, 7)
        alt = _float(geo.get("altitude"))
        if alt is not None and -20_000 < alt < 100_000 and alt != 0:
            fields["gps_alt"] = round(alt, 3)
        break
    date = None
    for key in ("photoTakenTime", "creationTime"):
        stamp = doc.get(key)
        if isinstance(stamp, dict):
            date = _timestamp(stamp.get("timestamp"))
            if date:
                break
    return fields, date


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _timestamp(value: object) -> str | None:
    seconds = _float(value)
    if seconds is None or seconds <= 0:
        return None
    try:
        when = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        return None
    return when.isoformat(timespec="seconds")

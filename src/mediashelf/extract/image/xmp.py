"""The few XMP properties we catalogue, found in an XMP packet without an XML parser.

XMP writes a simple property either as an attribute (`exif:DateTimeOriginal="…"`)
or as an element (`<exif:DateTimeOriginal>…</exif:DateTimeOriginal>`), and a
language alternative as `<dc:description><rdf:Alt><rdf:li …>…</rdf:li>`.
Matching those forms with bounded regular expressions is enough for these
properties, costs far less than building a DOM per photo, and cannot be made to
expand entities or recurse.
"""

from __future__ import annotations

import html
import re
from typing import Final

from mediashelf.extract.image.dates import parse_date
from mediashelf.extract.image.exif import clean_text

#: an XMP packet is read up to this size
MAX_XMP: Final = 1 << 20

#: date properties, best first, as (property, taken_source)
DATE_PROPERTIES: Final = ("exif:DateTimeOriginal", "xmp:CreateDate", "photoshop:DateCreated")

_cache: dict[str, re.Pattern[str]] = {}


def _pattern(prop: str) -> re.Pattern[str]:
    pattern = _cache.get(prop)
    if pattern is None:
        name = re.escape(prop)
        pattern = _cache[prop] = re.compile(
            rf"""\b{name}\s*=\s*(?:"([^"]{{0,65536}})"|'([^']{{0,65536}})')"""
            rf"|<{name}(?:\s[^>]{{0,1024}})?>(.{{0,65536}}?)</{name}>",
            re.DOTALL,
        )
    return pattern


_LI = re.compile(r"<rdf:li(?:\s[^>]{0,1024})?>(.{0,65536}?)</rdf:li>", re.DOTALL)
_TAG = re.compile(r"<[^>]{0,1024}>")


def xmp_value(xmp: str, prop: str) -> str | None:
    """The text of a simple or language-alternative property (the first item of a list)."""
    m = _pattern(prop).search(xmp)
    if m is None:
        return None
    value = m[1] if m[1] is not None else m[2] if m[2] is not None else m[3]
    if m[3] is not None:
        li = _LI.search(value)
        if li is not None:
            value = li[1]
        value = _TAG.sub("", value)
    return clean_text(html.unescape(value))


def decode_xmp(data: bytes | str) -> str:
    if isinstance(data, str):
        return data[:MAX_XMP]
    data = data[:MAX_XMP]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8", "replace")


def xmp_fields(xmp: str) -> tuple[dict[str, object], str | None]:
    """(fields, date) of an XMP packet: description, camera, software, GPS; the best date."""
    fields: dict[str, object] = {}
    for name, prop in (
        ("description", "dc:description"),
        ("make", "tiff:Make"),
        ("model", "tiff:Model"),
        ("software", "xmp:CreatorTool"),
        ("lens", "aux:Lens"),
    ):
        value = xmp_value(xmp, prop)
        if value:
            fields[name] = value
    if "lens" not in fields:
        lens = xmp_value(xmp, "exifEX:LensModel")
        if lens:
            fields["lens"] = lens
    orientation = xmp_value(xmp, "tiff:Orientation")
    if orientation and orientation.isdigit() and 1 <= int(orientation) <= 8:
        fields["orientation"] = int(orientation)
    lat = xmp_coordinate(xmp_value(xmp, "exif:GPSLatitude"), "NS", 90.0)
    lon = xmp_coordinate(xmp_value(xmp, "exif:GPSLongitude"), "EW", 180.0)
    if lat is not None and lon is not None and not (lat == 0 and lon == 0):
        fields["gps_lat"], fields["gps_lon"] = round(lat, 7), round(lon, 7)
        alt = _rational(xmp_value(xmp, "exif:GPSAltitude"))
        if alt is not None and 0 <= alt < 100_000:
            below = xmp_value(xmp, "exif:GPSAltitudeRef") == "1"
            fields["gps_alt"] = round(-alt if below else alt, 3)
    date = None
    for prop in DATE_PROPERTIES:
        date = parse_date(xmp_value(xmp, prop))
        if date:
            break
    return fields, date


def _rational(text: str | None) -> float | None:
    if not text:
        return None
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


_COORD = re.compile(r"^\s*(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?\s*([NSEW])\s*$")


def xmp_coordinate(text: str | None, refs: str, limit: float) -> float | None:
    """XMP GPS coordinate `DDD,MM.mmk` or `DDD,MM,SSk` (k one of N S E W) in degrees."""
    if not text:
        return None
    m = _COORD.match(text.upper())
    if m is None or m[4] not in refs:
        return None
    minutes = float(m[2])
    seconds = float(m[3]) if m[3] else 0.0
    if minutes >= 60 or seconds >= 60:
        return None
    degrees = int(m[1]) + minutes / 60 + seconds / 3600
    if degrees > limit:
        return None
    return -degrees if m[4] == refs[1] else degrees


def embedded_xmp(
    packet: object, texts: dict[str, str], fields: dict[str, object], warn: list[str]
) -> str | None:
    """Fill `fields` EXIF left empty from an image's XMP packet (or PNG XMP text); its date.

    The description and creator tool are also offered to the AI readers as texts.
    """
    if not isinstance(packet, bytes | str) or not packet:
        packet = texts.get("XML:com.adobe.xmp")
    if not packet:
        return None
    try:
        found, date = xmp_fields(decode_xmp(packet))
    except (ValueError, TypeError) as e:
        warn.append(f"XMP unreadable: {str(e)[:300] or type(e).__name__}")
        return None
    for key, value in found.items():
        fields.setdefault(key, value)
    if "description" in found:
        texts.setdefault("Description", str(found["description"]))
    if "software" in found:
        texts.setdefault("CreatorTool", str(found["software"]))
    return date

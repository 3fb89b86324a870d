"""Container tags of a video file: into the normalized fields, or kept in `extra`.

FFmpeg's demuxers hand every container's tags over as one flat text dictionary:
MP4/MOV iTunes atoms and QuickTime user data (`©xyz` becomes `location`, `©mak`
`make`), QuickTime `mdta` keys under their full names
(`com.apple.quicktime.location.ISO6709`), 3GPP `loci` as `location`, Matroska tags
upper-case (`LOCATION`, `ARTIST`).  Keys may carry a language suffix (`location-eng`).
This module maps them: creation time to `taken`, ISO 6709 locations to `gps_*`,
make/model/software, and the usual descriptive tags; everything else goes to `extra`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from mediashelf.extract.text import clean

#: tag key (lower case, no language suffix) -> field; the first key found wins
TEXT_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "title": ("title",),
    "artist": ("artist", "author", "com.apple.quicktime.author", "com.apple.quicktime.artist"),
    "albumartist": ("album_artist",),
    "album": ("album", "com.apple.quicktime.album"),
    "genre": ("genre", "com.apple.quicktime.genre"),
    "composer": ("composer",),
    "comment": ("comment", "com.apple.quicktime.comment"),
    "description": (
        "description",
        "com.apple.quicktime.description",
        "synopsis",
        "summary",
    ),
    "make": ("com.apple.quicktime.make", "make", "com.android.manufacturer"),
    "model": ("com.apple.quicktime.model", "model", "com.android.model"),
    "software": ("com.apple.quicktime.software", "software", "encoder", "encoding_tool"),
}
#: keys holding the creation time, best first (Apple's creationdate keeps the local offset)
DATE_KEYS: Final = ("com.apple.quicktime.creationdate", "creation_time", "date_recorded")
#: keys holding an ISO 6709 location, best first
LOCATION_KEYS: Final = ("com.apple.quicktime.location.iso6709", "location", "xyz")
#: keys that say nothing about the content (muxer bookkeeping): dropped
_DROPPED: Final = frozenset(("minor_version", "compatible_brands", "duration"))

_LANG_SUFFIX: Final = re.compile(r"-[a-z]{3}$")
_YEAR: Final = re.compile(r"\s*(\d{4})")
_ISO6709: Final = re.compile(
    r"\s*(?P<lat>[+-]\d+(?:\.\d+)?)(?P<lon>[+-]\d+(?:\.\d+)?)(?P<alt>[+-]\d+(?:\.\d+)?)?"
    r"\s*(?:CRS[^/]*)?(?:/.*)?$",  # FFmpeg adds a 3GPP place name after the slash
    re.DOTALL,
)
#: creation times before this are a zero written by a muxer (1904 or 1970 epoch)
_EARLIEST: Final = datetime(1971, 1, 1, tzinfo=UTC)


def normalize_tags(raw: dict[str, str]) -> dict[str, str]:
    """Cleaned tags by lower-case key without a language suffix (first value kept)."""
    tags: dict[str, str] = {}
    for key, value in raw.items():
        text = clean(value) if isinstance(value, str) else ""
        if not text:
            continue
        name = _LANG_SUFFIX.sub("", key.lower())
        tags.setdefault(name, text)
    return tags


def tag_fields(raw: dict[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    """The normalized fields found in a container's tags, and the rest for `extra`."""
    tags = normalize_tags(raw)
    fields: dict[str, object] = {}
    used: set[str] = set()
    for field, keys in TEXT_FIELDS.items():
        for key in keys:
            if key in tags:
                fields[field] = tags[key]
                used.add(key)
                break
    date = tags.get("date") or tags.get("com.apple.quicktime.creationdate")
    if "date" in tags:
        fields["date"] = tags["date"]
        used.add("date")
    if date and (year := _YEAR.match(date)) and 1000 < int(year.group(1)) < 3000:
        fields["year"] = int(year.group(1))
    for key in DATE_KEYS:
        if key in tags and (taken := parse_taken(tags[key])) is not None:
            fields["taken"] = taken
            fields["taken_source"] = "container"
            used.add(key)
            break
    for key in LOCATION_KEYS:
        if key in tags and (place := parse_iso6709(tags[key])) is not None:
            lat, lon, alt = place
            fields["gps_lat"] = lat
            fields["gps_lon"] = lon
            if alt is not None:
                fields["gps_alt"] = alt
            used.add(key)
            break
    extra: dict[str, object] = {}
    for key, value in raw.items():
        name = _LANG_SUFFIX.sub("", key.lower())
        text = clean(value) if isinstance(value, str) else ""
        if not text or name in _DROPPED or (name in used and tags.get(name) == text):
            continue
        extra[key] = text
    return fields, extra


def parse_taken(text: str) -> str | None:
    """An ISO 8601 creation time (`2023-04-05T10:11:12+00:00`, milliseconds when not zero).

    Accepts FFmpeg's `2023-04-05T10:11:12.000000Z`, Apple's `2023-04-05T12:11:12+0200`
    and `2023-04-05 10:11:12`; times without an offset are kept without one.  Zero
    dates (before 1971) and unparsable text give None.
    """
    value = text.strip().replace(" ", "T", 1)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python < 3.12 wants the offset's colon and at most six fraction digits
    match = re.match(r"^(.*?)(\.\d+)?([+-]\d{2}):?(\d{2})$", value)
    if match and "T" in match.group(1):
        head, frac, hours, minutes = match.groups()
        value = f"{head}{(frac or '')[:7]}{hours}:{minutes}"
    else:
        value = re.sub(r"(\.\d{6})\d+$", r"\1", value)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.replace(tzinfo=when.tzinfo or UTC) < _EARLIEST:
        return None
    spec = "milliseconds" if when.microsecond >= 1000 else "seconds"
    return when.isoformat(timespec=spec)


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """(latitude, longitude, altitude or None) of an ISO 6709 point such as
    `+48.8584+002.2945+035.000/`; degrees may be written as DD, DDMM or DDMMSS.
    Out-of-range or malformed text gives None.
    """
    match = _ISO6709.match(text)
    if match is None:
        return None
    lat = _degrees(match.group("lat"), 2)
    lon = _degrees(match.group("lon"), 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    if lat == 0 and lon == 0:  # "no fix" written as a position
        return None
    alt_text = match.group("alt")
    alt = float(alt_text) if alt_text is not None else None
    if alt is not None and not -20000 < alt < 100000:
        alt = None
    return round(lat, 7), round(lon, 7), (round(alt, 3) if alt is not None else None)


def _degrees(text: str, width: int) -> float | None:
    """Signed ISO 6709 degrees: `width` integer digits (DD), `width`+2 (DDMM), +4 (DDMMSS)."""
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, frac = text[1:].partition(".")
    fraction = float("0." + frac) if frac else 0.0
    if len(whole) == width:
        value = int(whole) + fraction
    elif len(whole) == width + 2:
        minutes = int(whole[width:]) + fraction
        if minutes >= 60:
            return None
        value = int(whole[:width]) + minutes / 60
    elif len(whole) == width + 4:
        minutes = int(whole[width : width + 2])
        seconds = int(whole[width + 2 :]) + fraction
        if minutes >= 60 or seconds >= 60:
            return None
        value = int(whole[:width]) + minutes / 60 + seconds / 3600
    else:
        return None
    return sign * value

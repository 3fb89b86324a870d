"""Capture dates: EXIF and XMP date text, file-name patterns, the file's mtime.

Every parser returns ISO 8601 text (`2023-04-05T10:11:12.250+02:00`, offset and
fraction only when known) or None for anything missing or bogus (`0000:00:00
00:00:00`, month 13, year 10000 ...): a bad date is skipped, never fatal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

#: plausible capture years: anything outside is a camera's unset clock or garbage
MIN_YEAR: Final = 1826
MAX_YEAR: Final = 2200

_EXIF_DATE = re.compile(
    r"\s*(\d{4})[:\-./](\d{1,2})[:\-./](\d{1,2})"
    r"(?:[ T]+(\d{1,2})[:.](\d{1,2})(?:[:.](\d{1,2}))?(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2})\s*$")


def _iso(
    year: int,
    month: int,
    day: int,
    hms: tuple[int, int, int] | None,
    fraction: str = "",
    offset: str = "",
) -> str | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        date = dt.date(year, month, day)
        if hms is None:
            return date.isoformat()
        dt.time(*hms)
    except ValueError:
        return None
    text = f"{date.isoformat()}T{hms[0]:02d}:{hms[1]:02d}:{hms[2]:02d}"
    fraction = fraction.rstrip()
    if fraction and fraction.isdigit():
        text += "." + fraction[:6]
    return text + _norm_offset(offset)


def _norm_offset(offset: str) -> str:
    offset = offset.strip()
    if not offset:
        return ""
    if offset == "Z":
        return "+00:00"
    digits = offset[1:].replace(":", "")
    if len(digits) != 4 or not digits.isdigit():
        return ""
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        return ""
    return f"{offset[0]}{digits[:2]}:{digits[2:]}"


def parse_date(text: object, subsec: object = None, offset: object = None) -> str | None:
    """An EXIF/XMP date (`2023:04:05 10:11:12`, `2023-04-05T10:11:12.5+02:00` ...) as ISO text.

    `subsec` (EXIF SubSecTime*) and `offset` (EXIF OffsetTime*) are added when the
    text itself has no fraction or offset.
    """
    text = _text(text)
    if not text:
        return None
    m = _EXIF_DATE.match(text)
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hms = None
    if m[4] is not None:
        hms = (int(m[4]), int(m[5]), int(m[6] or 0))
    fraction = m[7] or ""
    sub = _text(subsec)
    if not fraction and sub and sub.isdigit():
        fraction = sub
    zone = m[8] or ""
    if not zone:
        extra = _text(offset)
        if extra and _OFFSET.match(extra):
            zone = extra
    if hms is None:
        return _iso(year, month, day, None)
    return _iso(year, month, day, hms, fraction, zone)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()


# -- file names ------------------------------------------------------------------------

_NAME_PATTERNS: Final = (
    # Android / Pixel / Samsung: IMG_20230405_101112, PXL_20230405_101112345, 20230405_101112
    re.compile(r"(?:^|[^0-9])(\d{4})(\d{2})(\d{2})[_-](\d{2})(\d{2})(\d{2})(\d{3})?(?:[^0-9]|$)"),
    # Screenshot_20230405-101112
    re.compile(r"(?:^|[^0-9])(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:[^0-9]|$)"),
    # macOS "Screenshot 2023-04-05 at 10.11.12", DALL·E "2024-01-01 10.11.12"
    re.compile(
        r"(?:^|[^0-9])(\d{4})-(\d{2})-(\d{2})(?: at|_|T| )\s?(\d{1,2})[.:\-](\d{2})[.:\-](\d{2})(?:[^0-9]|$)"
    ),
)
#: WhatsApp: IMG-20230405-WA0001 (a date only)
_NAME_DATE_ONLY: Final = re.compile(r"(?:^|[^0-9])(\d{4})(\d{2})(\d{2})-WA\d+", re.IGNORECASE)


def date_from_name(name: str) -> str | None:
    """A capture date written into a file name by a phone, app or generator."""
    for pattern in _NAME_PATTERNS:
        for m in pattern.finditer(name):
            hms = (int(m[4]), int(m[5]), int(m[6]))
            groups = m.groups()
            fraction = groups[6] or "" if len(groups) > 6 else ""
            found = _iso(int(m[1]), int(m[2]), int(m[3]), hms, fraction)
            if found is not None:
                return found
    day = _NAME_DATE_ONLY.search(name)
    if day is not None:
        return _iso(int(day[1]), int(day[2]), int(day[3]), None)
    return None


def date_from_mtime(mtime_ns: int) -> str | None:
    """The modification time as local ISO text with its UTC offset."""
    try:
        when = dt.datetime.fromtimestamp(mtime_ns / 1e9).astimezone()
    except (OverflowError, OSError, ValueError):
        return None
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        return None
    return when.isoformat(timespec="seconds")

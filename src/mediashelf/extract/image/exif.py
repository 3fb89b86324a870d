"""EXIF, as parsed by Pillow, into normalized fields.

`read_exif` takes the `Image.Exif` mapping of an open image and returns what it
found: camera fields, GPS in decimal degrees, the three EXIF dates (already ISO
text, bogus ones dropped), the decoded UserComment (where Automatic1111 writes its
parameters in JPEG/WebP), and the remaining simple tags for `extra`.  Every value
is untrusted: text is stripped of NULs and bounded, numbers are range-checked, and
a value that makes no sense is dropped rather than stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.extract.image.dates import parse_date

EXIF_IFD: Final = 0x8769
GPS_IFD: Final = 0x8825

# IFD0
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_SOFTWARE, _DESCRIPTION, _ARTIST, _XMP = 0x0131, 0x010E, 0x013B, 0x02BC
# Exif IFD
_EXPOSURE, _FNUMBER, _ISO, _FOCAL = 0x829A, 0x829D, 0x8827, 0x920A
_ORIGINAL, _DIGITIZED, _USER_COMMENT = 0x9003, 0x9004, 0x9286
_OFFSET, _OFFSET_ORIGINAL, _OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012
_SUBSEC, _SUBSEC_ORIGINAL, _SUBSEC_DIGITIZED = 0x9290, 0x9291, 0x9292
_LENS_MAKE, _LENS_MODEL, _MAKER_NOTE = 0xA433, 0xA434, 0x927C

#: longest text kept in a field (descriptions); other text is cut here too
MAX_TEXT: Final = 4096
#: tags copied to `extra` as they are: at most this many, strings cut to this length
MAX_EXTRA_TAGS: Final = 200
MAX_EXTRA_TEXT: Final = 512


@dataclass(slots=True)
class ExifData:
    fields: dict[str, object] = field(default_factory=dict)
    #: "original", "digitized", "datetime" -> ISO text
    dates: dict[str, str] = field(default_factory=dict)
    user_comment: str | None = None
    xmp: bytes | None = None
    extra: dict[str, object] = field(default_factory=dict)


def ascii_text(value: object, limit: int = MAX_TEXT) -> str | None:
    """An EXIF ASCII value: NUL-terminated, so cut at the first NUL after the text."""
    if isinstance(value, str):
        value = value.lstrip("\x00").split("\x00", 1)[0]
    elif isinstance(value, bytes):
        value = value.lstrip(b"\x00").split(b"\x00", 1)[0]
    return clean_text(value, limit)


def clean_text(value: object, limit: int = MAX_TEXT) -> str | None:
    """Text of a tag value: decoded, NULs and surrounding space removed, bounded."""
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
        value = text
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text[:limit] if text else None


def _number(value: object) -> float | None:
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _in(value: float | None, low: float, high: float) -> float | None:
    return value if value is not None and low < value < high else None


def decode_user_comment(value: object) -> str | None:
    """EXIF UserComment: an 8-byte character-code prefix, then the text."""
    if isinstance(value, str):
        return clean_text(value, 1 << 20)
    if not isinstance(value, bytes) or not value:
        return None
    prefix, body = value[:8], value[8:]
    if prefix == b"UNICODE\x00":
        if body.startswith(b"\xff\xfe"):
            return clean_text(body[2:].decode("utf-16-le", "replace"), 1 << 20)
        if body.startswith(b"\xfe\xff"):
            return clean_text(body[2:].decode("utf-16-be", "replace"), 1 << 20)
        # no byte order mark: ASCII-range text has its zero bytes first in big-endian
        sample = body[:512]
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        codec = "utf-16-be" if even >= odd else "utf-16-le"
        return clean_text(body[: len(body) // 2 * 2].decode(codec, "replace"), 1 << 20)
    if prefix in (b"ASCII\x00\x00\x00", b"\x00" * 8, b"JIS\x00\x00\x00\x00\x00"):
        return clean_text(body, 1 << 20)
    return clean_text(value, 1 << 20)


def gps(ifd: Any) -> dict[str, float]:
    """Decimal latitude, longitude and altitude; 0/0 and impossible values dropped."""
    out: dict[str, float] = {}
    lat = _degrees(ifd.get(2), ifd.get(1), "S", 90.0)
    lon = _degrees(ifd.get(4), ifd.get(3), "W", 180.0)
    if lat is not None and lon is not None and not (lat == 0.0 and lon == 0.0):
        out["gps_lat"] = round(lat, 7)
        out["gps_lon"] = round(lon, 7)
        alt = _number(ifd.get(6))
        if alt is not None and 0 <= alt < 100_000:
            ref = ifd.get(5)
            below = ref in (1, b"\x01", "\x01", "1") or (
                isinstance(ref, bytes) and ref[:1] == b"\x01"
            )
            out["gps_alt"] = round(-alt if below else alt, 3)
    return out


def _degrees(value: object, ref: object, negative: str, limit: float) -> float | None:
    if isinstance(value, tuple | list):
        parts = [_number(v) for v in value[:3]]
        if not parts or any(p is None or p < 0 for p in parts):
            return None
        d, m, s = ([*parts, 0.0, 0.0])[:3]
        assert d is not None and m is not None and s is not None
        if m >= 60 or s >= 60:
            return None
        degrees = d + m / 60 + s / 3600
    else:
        single = _number(value)
        if single is None:
            return None
        degrees = abs(single)
    if degrees > limit:
        return None
    ref_text = clean_text(ref, 4) or ""
    return -degrees if ref_text.upper().startswith(negative) else degrees


def read_exif(exif: Any) -> ExifData:
    """Fields, dates, UserComment and extra tags of a Pillow `Image.Exif`."""
    from PIL import ExifTags

    data = ExifData()
    f = data.fields
    sub = exif.get_ifd(EXIF_IFD) if EXIF_IFD in exif else {}
    for name, tag in (("make", _MAKE), ("model", _MODEL), ("software", _SOFTWARE)):
        text = ascii_text(exif.get(tag), 256)
        if text:
            f[name] = text
    description = ascii_text(exif.get(_DESCRIPTION))
    if description:
        f["description"] = description
    orientation = exif.get(_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        f["orientation"] = orientation
    lens = ascii_text(sub.get(_LENS_MODEL), 256)
    if lens:
        f["lens"] = lens
    iso = _in(_number(sub.get(_ISO)), 0, 10_000_000)
    if iso is not None:
        f["iso"] = int(iso)
    exposure = _in(_number(sub.get(_EXPOSURE)), 0, 100_000)
    if exposure is not None:
        f["exposure"] = exposure
    fnumber = _in(_number(sub.get(_FNUMBER)), 0, 1000)
    if fnumber is not None:
        f["fnumber"] = round(fnumber, 3)
    focal = _in(_number(sub.get(_FOCAL)), 0, 100_000)
    if focal is not None:
        f["focal_length"] = round(focal, 3)
    if GPS_IFD in exif:
        f.update(gps(exif.get_ifd(GPS_IFD)))
    for key, tag, subsec, offset in (
        ("original", _ORIGINAL, _SUBSEC_ORIGINAL, _OFFSET_ORIGINAL),
        ("digitized", _DIGITIZED, _SUBSEC_DIGITIZED, _OFFSET_DIGITIZED),
    ):
        date = parse_date(sub.get(tag), sub.get(subsec), sub.get(offset))
        if date:
            data.dates[key] = date
    date = parse_date(exif.get(_DATETIME), sub.get(_SUBSEC), sub.get(_OFFSET))
    if date:
        data.dates["datetime"] = date
    data.user_comment = decode_user_comment(sub.get(_USER_COMMENT))
    xmp = exif.get(_XMP)
    if isinstance(xmp, bytes):
        data.xmp = xmp
    _extra(data.extra, exif, ExifTags.TAGS)
    _extra(data.extra, sub, ExifTags.TAGS, skip=(_USER_COMMENT, _MAKER_NOTE))
    return data


_FIELD_TAGS: Final = frozenset(
    (_MAKE, _MODEL, _ORIENTATION, _SOFTWARE, _DESCRIPTION, _XMP, EXIF_IFD, GPS_IFD, _LENS_MODEL)
)


def _extra(
    out: dict[str, object], ifd: Any, names: dict[int, str], skip: tuple[int, ...] = ()
) -> None:
    for tag, value in list(ifd.items())[:MAX_EXTRA_TAGS]:
        if tag in _FIELD_TAGS or tag in skip:
            continue
        name = "EXIF:" + names.get(tag, f"0x{tag:04X}")
        if isinstance(value, str | bytes):
            text = clean_text(value, MAX_EXTRA_TEXT)
            if text and text.isprintable():
                out[name] = text
        elif isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
        else:
            number = _number(value) if not isinstance(value, tuple | list) else None
            if number is not None:
                out[name] = number

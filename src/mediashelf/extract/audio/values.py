"""Typed values from raw tags: the collector and the handlers every tag system shares.

Each tag system (ID3, Vorbis comments, MP4 atoms, APEv2, ASF, RIFF INFO) maps its
keys to a handler and a field in `tagmaps`; the handlers here turn raw text
values into typed fields.  A field may be offered by several tags: the candidate
with the lowest rank wins, and a losing raw value that differs from the winner is
kept in `extra`, so nothing that was read is thrown away.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.extract.text import MAX_TEXT, clean

#: Rank offset of a secondary tag block: above every main-tag rank, so it only fills gaps.
SECONDARY: Final = 100
#: Longest list kept for one extra key.
MAX_ITEMS: Final = 256
#: Text kept in `extra` for one file (characters, roughly); past it values are summarised.
MAX_EXTRA: Final = 192 * 1024

JSON = Any  # a JSON-serializable value

_NUMBER_RE: Final = re.compile(r"\s*[+]?(\d+)")
_PAIR_RE: Final = re.compile(r"\s*[+]?(\d+)?\s*(?:(?:/|of)\s*(\d+))?", re.IGNORECASE)
_YEAR_RE: Final = re.compile(r"\s*(\d{4})")
_ID_SEPARATORS: Final = re.compile(r"[/;]")
_TRUE: Final = frozenset(("1", "true", "yes", "y", "on"))
_FALSE: Final = frozenset(("0", "false", "no", "n", "off", ""))


def jsonable(value: object, depth: int = 0) -> JSON:
    """A JSON-serializable, bounded form of a raw tag value (bytes become a size)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": len(value)}
    if depth < 4 and isinstance(value, list | tuple):
        return [jsonable(v, depth + 1) for v in value[:MAX_ITEMS]]
    if depth < 4 and isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    return clean(str(value))


class Collector:
    """Gathers normalized fields, unmapped tags and pictures while tags are read."""

    __slots__ = ("_best", "_budget", "extra", "pictures")

    def __init__(self) -> None:
        # field -> (rank, value, source key or None, raw source value)
        self._best: dict[str, tuple[int, object, str | None, JSON]] = {}
        self._budget = MAX_EXTRA
        self.extra: dict[str, JSON] = {}
        self.pictures: list[tuple[str, int, bool]] = []  # (mime, size, is front cover)

    def offer(self, field: str, value: object, rank: int, key: str | None, raw: JSON) -> None:
        """Offer a value for a field; the lowest rank wins (the first one on a tie).

        `key`/`raw` name the tag it came from (None for a derived value); a losing
        raw value that differs from the winner is kept in `extra`.
        """
        best = self._best.get(field)
        if best is None:
            self._best[field] = (rank, value, key, raw)
        elif rank < best[0]:
            self._best[field] = (rank, value, key, raw)
            if best[2] is not None and best[1] != value:
                self.keep(best[2], best[3])
        elif key is not None and value != best[1]:
            self.keep(key, raw)

    def keep(self, key: str, value: JSON) -> None:
        """Record an unmapped tag in `extra` (several values under one key become a list)."""
        if value is None or value == "" or value == []:
            return
        if len(key) > 200:
            key = key[:200]
        size = _text_size(value)
        if size > self._budget:
            value = {"omitted": True, "chars": size}
        else:
            self._budget -= size
        old = self.extra.get(key)
        if old is None:
            self.extra[key] = value
            return
        merged = old if isinstance(old, list) else [old]
        if len(merged) < MAX_ITEMS:
            merged = [*merged, *(value if isinstance(value, list) else [value])]
            self.extra[key] = merged[:MAX_ITEMS]

    def warn(self, message: str) -> None:
        """Note a problem met while reading (kept in extra as "_warnings")."""
        self.keep("_warnings", [message])

    def picture(self, key: str, mime: str, size: int, front: bool, info: dict[str, JSON]) -> None:
        """Record an embedded picture (never its data)."""
        self.pictures.append((mime, size, front))
        self.keep(key, [{**info, "mime": mime, "bytes": size}])

    def fields(self) -> dict[str, object]:
        """The winning value of every field, and the cover fields."""
        out = {field: best[1] for field, best in self._best.items()}
        if self.pictures:
            front = [p for p in self.pictures if p[2]]
            mime, size, _ = (front or self.pictures)[0]
            out["cover_count"] = len(self.pictures)
            if mime:
                out["cover_mime"] = mime
            out["cover_bytes"] = size
        return out


@dataclass(slots=True)
class Loaded:
    """A loaded file: mutagen's stream info and main tags, plus corrections by the loader."""

    info: Any
    tags: Any
    video: bool = False
    #: Stream fields that override what is derived from `info` (codec, duration ...).
    stream: dict[str, object] = field(default_factory=dict)
    pictures: Any = ()  # FLAC picture blocks


def _text_size(value: JSON) -> int:
    """Roughly how much text a kept value holds."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(len(v) if isinstance(v, str) else 16 for v in value)
    return 16


# -- value parsers -------------------------------------------------------------------


def parse_int(text: str) -> int | None:
    """The leading integer of a text ("120", "120.5", " 7 ") or None."""
    match = _NUMBER_RE.match(text)
    return int(match.group(1)) if match else None


def parse_pair(text: str) -> tuple[int | None, int | None]:
    """Parse "2", "2/3", "02 of 10", "/3" into (number, total); junk gives (None, None)."""
    match = _PAIR_RE.match(text)
    if not match:
        return None, None
    num, total = match.group(1), match.group(2)
    return (int(num) if num else None), (int(total) if total else None)


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    number = parse_int(value)
    return None if number is None else number != 0


def grouped(pairs: Any) -> dict[str, tuple[str, list[Any]]]:
    """(key, value) pairs grouped by upper-case key: {KEY: (first spelling, values)}."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for key, value in pairs:
        norm = key.upper()
        found = out.get(norm)
        if found is None:
            out[norm] = (key, [value])
        else:
            found[1].append(value)
    return out


def texts(values: Sequence[object]) -> list[str]:
    """Cleaned (see `clean`), non-empty text values."""
    if len(values) == 1:  # the usual case, without the loop
        t = values[0]
        if type(t) is str and "\x00" not in t and len(t) <= MAX_TEXT:
            t = t.strip()
            return [t] if t else []
    out = []
    for v in values:
        t = v if isinstance(v, str) else str(v)
        if "\x00" in t:
            t = t.replace("\x00", "")
        t = t.strip()
        if t:
            out.append(t if len(t) <= MAX_TEXT else t[:MAX_TEXT])
    return out


def raw_of(values: list[str]) -> JSON:
    return values[0] if len(values) == 1 else values


# -- handlers: (collector, field, key, text values, rank) ----------------------------

Handler = Callable[[Collector, str, str, list[str], int], None]


def h_text(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """Text: the first value; all of them are kept in extra when there are several."""
    if len(values) == 1:
        c.offer(field, values[0], rank, key, values[0])
    else:
        c.offer(field, values[0], rank, None, None)
        c.keep(key, values)


def h_artist(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """An artist tag: the first value is `artist`, all values are `artists`."""
    c.offer(field, values[0], rank, key, raw_of(values))
    c.offer("artists", values, rank + 10, None, None)


def h_list(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    c.offer(field, values, rank, key, values)


def h_number(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """ "2/3"-style numbering: `field` and `field + "total"`."""
    num, total = parse_pair(values[0])
    if num is None and total is None:
        c.keep(key, raw_of(values))
        return
    if len(values) > 1:
        c.keep(key, values)
    if num is not None:
        c.offer(field, num, rank, key if len(values) == 1 else None, values[0])
    if total:
        c.offer(field + "total", total, rank + 1, None, None)


def h_int(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    number = parse_int(values[0])
    if number is None:
        c.keep(key, raw_of(values))
    elif number or field not in ("tracktotal", "disctotal"):
        c.offer(field, number, rank, key, raw_of(values))


def h_zero_based(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """A 0-based track number (ASF WM/Track)."""
    number = parse_int(values[0])
    if number is None:
        c.keep(key, raw_of(values))
    else:
        c.offer(field, number + 1, rank, key, raw_of(values))


def h_bool(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    flag = parse_bool(values[0])
    if flag is None:
        c.keep(key, raw_of(values))
    else:
        c.offer(field, flag, rank, key, raw_of(values))


def h_date(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """A date as tagged ("2001", "2001-05-03"); a release date also gives the year."""
    if len(values) > 1:
        c.keep(key, values)
    c.offer(field, values[0], rank, key if len(values) == 1 else None, values[0])
    if field == "date":
        match = _YEAR_RE.match(values[0])
        if match:
            c.offer("year", int(match.group(1)), rank, None, None)


def h_lyrics(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    c.offer("has_lyrics", True, rank, None, None)
    c.keep(key, raw_of(values))


def h_id(c: Collector, field: str, key: str, values: list[str], rank: int) -> None:
    """An identifier; several ids may be packed into one value with "/" or ";"."""
    ids = [p.strip() for v in values for p in _ID_SEPARATORS.split(v) if p.strip()]
    if not ids:
        return
    c.offer(field, ids[0], rank, key, raw_of(values))
    if len(ids) > 1:
        c.keep(key, ids)


def apply(
    c: Collector,
    table: dict[str, tuple[Handler, str, int]],
    key: str,
    values: list[str],
    norm: str,
    base: int,
) -> None:
    """Route one tag through `table` (looked up by `norm`), else keep it in extra."""
    entry = table.get(norm)
    if entry is None:
        c.keep(key, raw_of(values))
    else:
        handler, field, rank = entry
        handler(c, field, key, values, base + rank)


# -- pictures ------------------------------------------------------------------------

_IMAGE_MAGIC: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG", "image/png"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_MIME_ALIASES: Final = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
}


def image_mime(declared: str, data: bytes) -> str:
    """A clean MIME type for a picture: the declared one, else sniffed from its bytes."""
    mime = clean(declared).lower()
    mime = _MIME_ALIASES.get(mime, mime)
    if mime and "/" in mime:
        return mime
    for magic, sniffed in _IMAGE_MAGIC:
        if data.startswith(magic):
            return sniffed
    return mime

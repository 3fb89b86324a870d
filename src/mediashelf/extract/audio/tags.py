"""One reader per tag system (ID3, MP4, APEv2, ASF, RIFF/AIFF text; Vorbis comments
are in `vorbis`).

Each walks every tag of a mutagen tag object, routes mapped keys through the
tables of `tagmaps` into the collector, and keeps everything else in
`extra`: text as text, binary data as its size, pictures as their description.
mutagen objects are untyped: they enter as `Any`.
"""

from __future__ import annotations

from typing import Any, Final

from mediashelf.extract.audio.tagmaps import (
    ASF_ATTRIBUTES,
    COMMON,
    DESCRIBED,
    ID3_FRAMES,
    MP4_ATOMS,
    RIFF_INFO,
)
from mediashelf.extract.audio.values import (
    Collector,
    apply,
    grouped,
    h_id,
    h_text,
    image_mime,
    jsonable,
    raw_of,
    texts,
)
from mediashelf.extract.text import clean

_MUSICBRAINZ_UFID: Final = "http://musicbrainz.org"


def _entries(tags: Any) -> Any:
    """The dict behind a mutagen ID3 or MP4 tag: its own items()/values() are generic
    DictMixin loops that look every key up again."""
    found = getattr(tags, "_DictProxy__dict", None)
    return found if isinstance(found, dict) else tags


_ID3V1_COMMENT: Final = "ID3v1 Comment"


# -- ID3 -----------------------------------------------------------------------------


def read_id3(c: Collector, tags: Any, base: int = 0, prefix: str = "") -> None:
    """Every frame of a mutagen ID3 tag (v2.2 frames already upgraded by mutagen)."""
    for frame in _entries(tags).values():
        fid: str = frame.FrameID
        entry = ID3_FRAMES.get(fid)
        if entry is not None:
            values = texts(frame.genres if fid == "TCON" else frame.text)
            if fid == "TYER" and values:
                values[0] = _v23_date(values[0], tags)
            if values:
                handler, field, rank = entry
                handler(c, field, prefix + fid, values, base + rank)
        elif fid == "TXXX":
            values = texts(frame.text)
            if values:
                desc = clean(frame.desc)
                apply(c, DESCRIBED, prefix + "TXXX:" + desc, values, desc.upper(), base)
        elif fid == "COMM":
            _id3_comment(c, frame, base, prefix)
        elif fid == "APIC":
            data: bytes = frame.data
            c.picture(
                prefix + "APIC",
                image_mime(frame.mime, data),
                len(data),
                frame.type == 3,
                {"type": int(frame.type), "desc": clean(frame.desc)},
            )
        elif fid in ("USLT", "SYLT"):
            lyrics = frame.text
            if lyrics:
                key = prefix + frame.HashKey
                c.offer("has_lyrics", True, base, None, None)
                c.keep(key, clean(lyrics) if isinstance(lyrics, str) else jsonable(lyrics))
        elif fid == "UFID":
            _id3_ufid(c, frame, base, prefix)
        elif fid == "PRIV":
            c.keep(f"{prefix}PRIV:{clean(frame.owner)}", {"bytes": len(frame.data)})
        else:
            c.keep(prefix + _frame_key(frame), _frame_value(frame))
    short = getattr(tags, "version", (2, 4, 0))[1] == 2
    for raw in getattr(tags, "unknown_frames", None) or ():
        name = raw[: 3 if short else 4].decode("latin-1", "replace")
        c.keep(prefix + clean(name), {"bytes": len(raw)})


def _v23_date(year: str, tags: Any) -> str:
    """A v2.3 year (TYER) completed with the day and month of TDAT (DDMM), if any."""
    tdat = tags.get("TDAT")
    day_month = clean(str(tdat.text[0])) if tdat is not None and tdat.text else ""
    if len(year) == 4 and year.isdigit() and len(day_month) == 4 and day_month.isdigit():
        return f"{year}-{day_month[2:]}-{day_month[:2]}"
    return year


def _id3_comment(c: Collector, frame: Any, base: int, prefix: str) -> None:
    values = texts(frame.text)
    if not values:
        return
    desc = clean(frame.desc)
    key = prefix + frame.HashKey
    if not desc:
        h_text(c, "comment", key, values, base)
    elif desc.upper() in ("COMMENT", "DESCRIPTION"):
        h_text(c, "comment", key, values, base + 1)
    elif desc == _ID3V1_COMMENT:
        h_text(c, "comment", key, values, base + 2)
    else:
        c.keep(key, raw_of(values))


def _id3_ufid(c: Collector, frame: Any, base: int, prefix: str) -> None:
    owner = clean(frame.owner)
    data: bytes = frame.data
    try:
        text = clean(data.decode("ascii"))
    except UnicodeDecodeError:
        c.keep(f"{prefix}UFID:{owner}", {"bytes": len(data)})
        return
    if owner == _MUSICBRAINZ_UFID and text:
        h_id(c, "mb_recordingid", f"{prefix}UFID:{owner}", [text], base)
    else:
        c.keep(f"{prefix}UFID:{owner}", text)


def _frame_key(frame: Any) -> str:
    key: str = frame.HashKey
    if frame.FrameID in ("SIGN", "COMR", "LINK", "ENCR", "GRID"):
        key = frame.FrameID  # their hash key embeds binary data
    return clean(key)


def _frame_value(frame: Any) -> object:
    """A JSON form of any other frame: its text, URL or attributes (binary as sizes)."""
    text = getattr(frame, "text", None)
    if isinstance(text, list):
        values = texts(text)
        return raw_of(values) if values else None
    url = getattr(frame, "url", None)
    if isinstance(url, str):
        return clean(url)
    out: dict[str, object] = {}
    for spec in (*frame._framespec, *frame._optionalspec):
        name = spec.name
        if name != "encoding" and hasattr(frame, name):
            value = getattr(frame, name)
            if name == "sub_frames":
                value = {f.HashKey: _frame_value(f) for f in value.values()}
            out[name] = jsonable(value)
    return out


# -- MP4 -----------------------------------------------------------------------------

_MP4_IMAGE: Final = {13: "image/jpeg", 14: "image/png", 27: "image/bmp", 12: "image/gif"}
_MP4_TEXT_FORMATS: Final = (0, 1, 2, 3)
_ITUNES: Final = "----:com.apple.iTunes:"


def read_mp4(c: Collector, tags: Any) -> None:
    for key, raw in _entries(tags).items():
        values = raw if isinstance(raw, list) else [raw]
        if key == "covr":
            for cover in values:
                data = bytes(cover)
                mime = image_mime(_MP4_IMAGE.get(getattr(cover, "imageformat", 0), ""), data)
                c.picture("covr", mime, len(data), True, {})
        elif key in ("trkn", "disk"):
            _mp4_pair(c, key, values)
        elif key.startswith("----:"):
            _mp4_freeform(c, key, values)
        elif key in MP4_ATOMS:
            text = texts([_mp4_scalar(v) for v in values])
            if text:
                apply(c, MP4_ATOMS, key, text, key, 0)
        else:
            c.keep(key, _native(values))
    for key, blobs in (getattr(tags, "_failed_atoms", None) or {}).items():
        c.keep(str(key), [{"bytes": len(b)} for b in blobs])


def _native(values: list[Any]) -> Any:
    """Unmapped values as they are (numbers stay numbers), JSON-serializable."""
    kept = [v for v in (jsonable(v) for v in values) if v != ""]
    return kept[0] if len(kept) == 1 else kept


def _mp4_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _mp4_pair(c: Collector, key: str, values: list[Any]) -> None:
    field = "track" if key == "trkn" else "disc"
    try:
        num, total = (int(values[0][0]), int(values[0][1]))
    except (IndexError, TypeError, ValueError):
        c.keep(key, jsonable(values))
        return
    if num:
        c.offer(field, num, 0, key, [num, total])
    if total:
        c.offer(field + "total", total, 0, None, None)
    if len(values) > 1:
        c.keep(key, jsonable(values))


def _mp4_freeform(c: Collector, key: str, values: list[Any]) -> None:
    decoded: list[str] = []
    for v in values:
        fmt = getattr(v, "dataformat", 1)
        if fmt == 2:
            decoded.append(bytes(v).decode("utf-16-be", "replace"))
        elif fmt in _MP4_TEXT_FORMATS:
            decoded.append(bytes(v).decode("utf-8", "replace"))
        elif fmt == 21 and 1 <= len(v) <= 8:
            decoded.append(str(int.from_bytes(v, "big", signed=True)))
        else:
            c.keep(key, {"bytes": len(v), "format": int(fmt)})
    text = texts(decoded)
    if not text:
        return
    if key.startswith(_ITUNES):
        name = key[len(_ITUNES) :]
        apply(c, DESCRIBED, key, text, name.upper(), 0)
    else:
        c.keep(key, raw_of(text))


# -- APEv2 ---------------------------------------------------------------------------


def read_ape(c: Collector, tags: Any, base: int = 0, prefix: str = "") -> None:
    for key, value in tags.items():
        kind = value.kind
        if kind == 0:  # text, several values separated by NUL
            values = texts(list(value))
            if values:
                apply(c, COMMON, prefix + key, values, key.upper(), base)
        elif kind == 1:  # binary
            data: bytes = value.value
            if key.upper().startswith("COVER ART"):
                name, _, image = data.partition(b"\x00")
                ext = name.rsplit(b".", 1)[-1].decode("latin-1").lower() if b"." in name else ""
                front = "FRONT" in key.upper()
                c.picture(prefix + key, image_mime(ext, image[:16]), len(image), front, {})
            else:
                c.keep(prefix + key, {"bytes": len(data)})
        else:  # external reference (URL)
            c.keep(prefix + key, clean(str(value.value)))


# -- ASF -----------------------------------------------------------------------------


def read_asf(c: Collector, tags: Any) -> None:
    for norm, (key, attrs) in grouped(tags).items():
        if norm == "WM/PICTURE":
            for attr in attrs:
                _asf_picture(c, key, attr.value)
            continue
        values: list[Any] = []
        for attr in attrs:
            value = attr.value
            if isinstance(value, bytes) and type(attr).__name__ == "ASFGUIDAttribute":
                value = value.hex()
            values.append(value)
        if norm not in ASF_ATTRIBUTES:
            c.keep(key, _native(values))
            continue
        text = texts([_mp4_scalar(v) for v in values if not isinstance(v, bytes)])
        if text:
            apply(c, ASF_ATTRIBUTES, key, text, norm, 0)


def _asf_picture(c: Collector, key: str, data: bytes) -> None:
    """WM/Picture: type byte, data size, UTF-16 mime and description, data."""
    try:
        ptype = data[0]
        size = int.from_bytes(data[1:5], "little")
        mime, pos = _utf16z(data, 5)
        desc, pos = _utf16z(data, pos)
    except (IndexError, ValueError):
        c.keep(key, {"bytes": len(data)})
        return
    c.picture(
        key,
        image_mime(mime, data[pos : pos + 16]),
        size,
        ptype == 3,
        {"type": ptype, "desc": clean(desc)},
    )


def _utf16z(data: bytes, pos: int) -> tuple[str, int]:
    end = pos
    while True:
        end = data.index(b"\x00\x00", end)
        if (end - pos) % 2 == 0:
            break
        end += 1
    return data[pos:end].decode("utf-16-le", "replace"), end + 2


# -- RIFF INFO / AIFF text chunks ----------------------------------------------------


def read_text_chunks(c: Collector, chunks: list[tuple[str, bytes]], prefix: str, base: int) -> None:
    """Text chunks (RIFF INFO items, AIFF NAME/AUTH/ANNO/(c)): 8-bit text, NUL-separated."""
    for cid, data in chunks:
        values = texts(decode_8bit(data).split("\x00"))
        if values:
            apply(c, RIFF_INFO, prefix + cid.strip(), values, cid, base)


def decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")

"""ID3v2.3 and v2.4 tags parsed straight from their bytes, into frames that read like
mutagen's.

mutagen builds every frame through a chain of spec objects, one Python call per
field; on a typical tagged MP3 that is most of the time spent reading it.  Here
the frames that tidy libraries are made of (text, TXXX, COMM, USLT, APIC, UFID,
PRIV, URL frames) are cut out of the tag with slicing and `bytes.decode`, and
given the attributes the tag reader (`audio.tags.read_id3`) looks at, with the
values mutagen would give them.

Anything off the common path stops the parse with `NotFast`, and the file is
read by mutagen instead: ID3v2.2, unsynchronisation, an extended header or
footer, compressed, encrypted or grouped frames, a frame mutagen would merge
with another or drop as junk, text that does not decode as declared, and every
frame type not listed above.  So the values are always mutagen's; this module
only decides faster when it can.
"""

from __future__ import annotations

import re
import struct
from typing import Any, Final

from mediashelf.extract.audio.fast import id3_text as text
from mediashelf.extract.audio.fast.common import NotFast
from mediashelf.extract.audio.mutagen import mutagen_module

_FRAME_HEADER: Final = struct.Struct(">4sLH")
#: frame flags mutagen would act on (v2.4: grouping, compression, encryption,
#: unsynchronisation, data length; v2.3: compression, encryption, grouping)
_V24_FLAGS: Final = 0x004F
_V23_FLAGS: Final = 0x00E0

#: the reader of each frame id known to mutagen (None: left to mutagen)
_KINDS: dict[str, Any] = {}
_FRAMES: dict[str, Any] = {}
_genres: Any = None
_ID3TimeStamp: Any = None
#: a time stamp as mutagen's ID3TimeStamp writes it back
_STAMP: Final = re.compile(
    r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2}(?: [0-9]{2}(?::[0-9]{2}(?::[0-9]{2})?)?)?)?)?"
)


class Frame:
    """One frame, with the attributes of its mutagen counterpart that are read."""

    __slots__ = (
        "FrameID",
        "HashKey",
        "data",
        "desc",
        "encoding",
        "lang",
        "mime",
        "owner",
        "text",
        "type",
        "url",
    )

    #: for TCON's `genres` (mutagen's own property, applied to this frame)
    GENRES: Any = ()

    HashKey: str
    encoding: int
    text: Any  # a list of values (USLT: one text)
    desc: str
    lang: str
    mime: str
    type: int
    data: bytes
    owner: str
    url: str

    def __init__(self, frame_id: str) -> None:
        self.FrameID = frame_id
        self.HashKey = frame_id

    @property
    def genres(self) -> list[str]:
        result: list[str] = _genres(self)
        return result


class Tags(dict[str, Any]):
    """Frames by hash key, in file order, as mutagen's ID3 object holds them."""

    __slots__ = ("unknown_frames", "version")

    def __init__(self, version: tuple[int, int, int]) -> None:
        super().__init__()
        self.version = version
        self.unknown_frames: list[bytes] = []


def setup() -> None:
    """Sort mutagen's frame classes into the kinds read here (once per process)."""
    if _KINDS:
        return
    global _genres, _ID3TimeStamp
    frames = mutagen_module("id3._frames")
    specs = mutagen_module("id3._specs")
    _ID3TimeStamp = specs.ID3TimeStamp
    text_specs = (specs.EncodedTextSpec, specs.EncodedNumericTextSpec)
    explicit = {"TXXX": "txxx", "COMM": "comm", "USLT": "uslt", "APIC": "apic"}
    explicit |= {"UFID": "owned", "PRIV": "owned", "WXXX": "wxxx", "TCON": "text"}
    for name, cls in mutagen_module("id3").Frames.items():
        kind = explicit.get(name)
        if kind is None:
            spec = cls._framespec
            if issubclass(cls, frames.UrlFrame) and len(spec) == 1:
                kind = "url_keyed" if issubclass(cls, frames.UrlFrameU) else "url"
            elif (
                issubclass(cls, frames.TextFrame)
                and len(spec) == 2
                and not cls._optionalspec
                and isinstance(spec[0], specs.EncodingSpec)
                and isinstance(spec[1], specs.MultiSpec)
                and len(spec[1].specs) == 1
            ):
                inner = spec[1].specs[0]
                if isinstance(inner, specs.TimeStampSpec):
                    kind = "timestamp"
                elif type(inner) in (*text_specs, specs.EncodedNumericPartTextSpec):
                    kind = "text"
        _KINDS[name] = None if kind is None else _READERS[kind]
        _FRAMES[name] = cls
    Frame.GENRES = frames.TCON.GENRES
    _genres = frames.TCON.genres.fget


def parse_id3(tag: bytes) -> Tags:
    """The frames of a whole ID3v2.3/2.4 tag (header included); raises NotFast."""
    if not _KINDS:
        setup()
    major, flags = tag[3], tag[5]
    if major not in (3, 4) or flags & 0xF0:
        raise NotFast("ID3 version or tag flags")
    data = tag[10:]
    tags = Tags((2, major, tag[4]))
    if major == 4:
        syncsafe = _syncsafe_sizes(data)
        mask = _V24_FLAGS
    else:
        syncsafe, mask = False, _V23_FLAGS
    pos, end = 0, len(data)
    kinds, unpack = _KINDS, _FRAME_HEADER.unpack_from
    while pos + 10 <= end:
        name_b, size, fflags = unpack(data, pos)
        if not name_b[0] and not name_b.strip(b"\x00"):
            break
        if syncsafe:
            size = _unsyncsafe(size)
        start = pos + 10
        pos = start + size
        if size == 0:
            continue
        if pos > end:
            raise NotFast("frame runs past the tag")
        try:
            name = name_b.decode("ascii")
        except UnicodeDecodeError:
            continue
        kind = kinds.get(name, "")
        if kind == "":
            if name[-1] == "\x00":
                raise NotFast("v2.2 frame name in a v2.3/2.4 tag")
            if name.isalnum() and name.isupper():
                tags.unknown_frames.append(data[start - 10 : pos])
            continue
        if kind is None or fflags & mask:
            raise NotFast(f"frame {name}")
        frame = kind(name, data[start:pos], major)
        key = frame.HashKey
        if key in tags:
            raise NotFast("repeated frame")  # mutagen merges them
        tags[key] = frame
    return tags


# -- sizes -----------------------------------------------------------------------------


def _unsyncsafe(value: int) -> int:
    return (
        (value & 0x7F) | (value & 0x7F00) >> 1 | (value & 0x7F0000) >> 2 | (value & 0x7F000000) >> 3
    )


def _syncsafe_sizes(data: bytes) -> bool:
    """Whether a v2.4 tag's frame sizes are syncsafe, as mutagen decides it
    (`id3._tags.determine_bpi`: iTunes once wrote plain integers)."""
    found_bpi, off_bpi = _walk(data, True)
    found_int, off_int = _walk(data, False)
    return not (found_int > found_bpi or (found_int == found_bpi and off_bpi >= 1 and off_int <= 1))


def _walk(data: bytes, syncsafe: bool) -> tuple[int, int]:
    o = found = 0
    n = len(data)
    while o < n - 10:
        part = data[o : o + 10]
        if part == b"\x00" * 10:
            return found, -((n - o) % 10)
        name, size, _ = _FRAME_HEADER.unpack(part)
        o += 10 + (_unsyncsafe(size) if syncsafe else size)
        try:
            if name.decode("ascii") in _FRAMES:
                found += 1
        except UnicodeDecodeError:
            continue
    return found, o - n


# -- text ------------------------------------------------------------------------------


# -- one reader per kind -----------------------------------------------------------------


def _text(name: str, body: bytes, major: int) -> Frame:
    f = Frame(name)
    f.encoding = enc = body[0]
    if len(body) < 2:
        raise NotFast("frame ends before its fields")  # mutagen drops it as junk
    if enc == 0 or enc == 3:
        # One decode and a split: the same values as mutagen's NUL-terminated reads
        # but for empty ones (which no reader keeps).  NUL never occurs inside a UTF-8
        # sequence, so a piece fails to decode exactly when the whole does.
        try:
            values = body[1:].decode("latin-1" if enc == 0 else "utf-8").split("\x00")
        except UnicodeDecodeError:
            raise NotFast("text does not decode as declared") from None
        if len(values) > 1 and not values[-1]:
            values.pop()  # the last terminator
        f.text = values
    elif enc > 3:
        raise NotFast("unknown text encoding")
    else:
        f.text = text.values(body, enc, 1, major)
    return f


def _timestamp(name: str, body: bytes, major: int) -> Frame:
    """A time stamp frame: mutagen's ID3TimeStamp rewrites each value ("2001-05-03T12"
    reads "2001-05-03 12"), except those already in its form, kept as they are."""
    f = _text(name, body, major)
    f.text = [v if _STAMP.fullmatch(v) else _ID3TimeStamp(v) for v in f.text]
    return f


def _described(name: str, body: bytes) -> tuple[Frame, int]:
    """A frame that starts with an encoding and a description (TXXX, WXXX), keyed by
    the description; and where the rest starts."""
    f = Frame(name)
    f.encoding = text.encoding(body)
    text.need(body, 1)
    f.desc, pos = text.terminated(body, f.encoding, 1)
    text.need(body, pos)
    f.HashKey = f"{name}:{f.desc}"
    return f, pos


def _txxx(name: str, body: bytes, major: int) -> Frame:
    f, pos = _described(name, body)
    f.text = text.values(body, f.encoding, pos, major)
    return f


def _comm(name: str, body: bytes, major: int) -> Frame:
    """COMM and USLT: encoding, language, description, text."""
    f = Frame(name)
    f.encoding = enc = text.encoding(body)
    if len(body) < 4:
        raise NotFast("short frame")
    f.lang = text.lang(body)
    text.need(body, 4)
    f.desc, pos = text.terminated(body, enc, 4)
    text.need(body, pos)
    if name == "COMM":
        f.text = text.values(body, enc, pos, major)
    else:
        f.text = text.terminated(body, enc, pos)[0]
    f.HashKey = f"{name}:{f.desc}:{f.lang}"
    return f


def _apic(name: str, body: bytes, major: int) -> Frame:
    f = Frame(name)
    f.encoding = enc = text.encoding(body)
    text.need(body, 1)
    f.mime, pos = text.latin1(body, 1)
    text.need(body, pos)
    f.type = body[pos]
    text.need(body, pos + 1)
    f.desc, pos = text.terminated(body, enc, pos + 1)
    f.data = b"" if major < 4 and not body[pos:].strip(b"\x00") else body[pos:]
    f.HashKey = f"{name}:{f.desc}"
    return f


def _owned(name: str, body: bytes, major: int) -> Frame:
    """UFID and PRIV: an owner, then binary data."""
    f = Frame(name)
    f.owner, pos = text.latin1(body, 0)
    f.data = body[pos:]
    if name == "UFID":
        f.HashKey = f"{name}:{f.owner}"
    else:
        f.HashKey = f"{name}:{f.owner}:{f.data.decode('latin-1')}"
    return f


def _url(name: str, body: bytes, major: int) -> Frame:
    f = Frame(name)
    f.url = text.latin1(body, 0)[0]
    return f


def _url_keyed(name: str, body: bytes, major: int) -> Frame:
    """WCOM, WOAR: several may be present, told apart by their URL."""
    f = _url(name, body, major)
    f.HashKey = f"{name}:{f.url}"
    return f


def _wxxx(name: str, body: bytes, major: int) -> Frame:
    f, pos = _described(name, body)
    f.url = text.latin1(body, pos)[0]
    return f


_READERS: Final = {
    "text": _text,
    "timestamp": _timestamp,
    "txxx": _txxx,
    "comm": _comm,
    "uslt": _comm,
    "apic": _apic,
    "owned": _owned,
    "url": _url,
    "url_keyed": _url_keyed,
    "wxxx": _wxxx,
}

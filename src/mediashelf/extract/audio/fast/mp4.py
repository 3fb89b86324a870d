"""MP4 audio (m4a: AAC, ALAC) with one `moov` atom: mutagen's own stream and tag
parsers, over an atom tree built from one read of `moov`.

mutagen's `Atoms` walks the file atom by atom with a seek, a read and a tell
for each of the forty-odd atoms of a typical file, and `MP4Tags` renders every
value it parses back to bytes to validate it; together they are most of the time
mutagen takes over an m4a.  Here the top-level atoms are found with a few reads,
`moov` is read whole and split into the same tree (same containers, same rules),
and mutagen's `MP4Info.load` and `MP4Tags.load` run on it unchanged, without the
re-rendering (a value parsed from a file always renders).

A file whose atoms mutagen would not parse (a child running past its parent, a
zero length below the top level, a second `moov`, fragments), or that holds a
video track (the video reader reads those), raises NotFast.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.fast.common import NotFast
from mediashelf.extract.audio.mutagen import mutagen_module
from mediashelf.extract.audio.values import Loaded

#: mutagen's `mp4._atom._CONTAINERS` and the bytes `meta` has before its children
_CONTAINERS: Final = frozenset(
    (b"moov", b"udta", b"trak", b"mdia", b"meta", b"ilst", b"stbl", b"minf", b"moof", b"traf")
)
_SKIP: Final = {b"meta": 4}
#: the largest `moov` read into memory (a long file's sample tables included)
_MAX_MOOV: Final = 64 << 20


class Atom:
    """An atom as mutagen's `mp4._atom.Atom` presents it, its bytes in `buf`."""

    __slots__ = ("_buf", "_data", "_start", "children", "length", "name", "offset")

    def __init__(self, buf: bytes, base: int, pos: int, end: int) -> None:
        """The atom at buf[pos:] (file offset base + pos), inside buf[:end]; NotFast
        where mutagen would raise AtomError, or where it would not fit its parent."""
        if pos + 8 > end:
            raise NotFast("truncated atom")
        length = int.from_bytes(buf[pos : pos + 4], "big")
        self.name = buf[pos + 4 : pos + 8]
        self.offset = base + pos
        data = pos + 8
        if length == 1:
            if pos + 16 > end:
                raise NotFast("truncated atom")
            length, data = int.from_bytes(buf[pos + 8 : pos + 16], "big"), pos + 16
            if length < 16:
                raise NotFast("bad 64-bit atom length")
        elif length < 8:
            raise NotFast("atom length")  # 0 is for the top level only
        if pos + length > end:
            raise NotFast("atom runs past its parent")
        self.length = length
        self._buf, self._start, self._data = buf, pos, data
        self.children: list[Atom] | None = None
        if self.name in _CONTAINERS:
            self.children = []
            child, stop = data + _SKIP.get(self.name, 0), pos + length
            while child < stop:
                atom = Atom(buf, base, child, stop)
                self.children.append(atom)
                child += atom.length

    @property
    def datalength(self) -> int:
        return self.length - (self._data - self._start)

    def read(self, fileobj: object) -> tuple[bool, bytes]:
        """The atom's payload (mutagen's signature; the bytes are already here)."""
        return True, self._buf[self._data : self._start + self.length]

    def findall(self, name: bytes, recursive: bool = False) -> Iterator[Atom]:
        for child in self.children or ():
            if child.name == name:
                yield child
            if recursive:
                yield from child.findall(name, True)

    def __getitem__(self, remaining: tuple[bytes, ...]) -> Atom:
        if not remaining:
            return self
        if self.children is None:
            raise KeyError(f"{self.name!r} is not a container")
        for child in self.children:
            if child.name == remaining[0]:
                return child[remaining[1:]]
        raise KeyError(f"{remaining[0]!r} not found")


class Atoms:
    """The top-level atoms (only `moov` has its children), as mutagen's `Atoms`."""

    __slots__ = ("atoms",)

    def __init__(self, atoms: list[Atom]) -> None:
        self.atoms = atoms

    def path(self, *names: bytes) -> list[Atom]:
        path: list[Any] = [self]
        for name in names:
            path.append(path[-1][(name,)])
        return path[1:]

    def __contains__(self, names: bytes) -> bool:
        try:
            self[names]
        except KeyError:
            return False
        return True

    def __getitem__(self, names: bytes | tuple[bytes, ...]) -> Atom:
        parts = names.split(b".") if isinstance(names, bytes) else names
        for child in self.atoms:
            if child.name == parts[0]:
                return child[tuple(parts[1:])]
        raise KeyError(f"{parts[0]!r} not found")


def _moov(fileobj: BinaryIO, size: int, head: bytes) -> Atom:
    """The `moov` atom, found among the top-level atoms and read whole."""
    pos = 0
    found: Atom | None = None
    while pos + 8 <= size:
        header = head[pos : pos + 16]
        if len(header) < 16 and pos + len(header) < size:
            fileobj.seek(pos)
            header = fileobj.read(16)
        length, name = int.from_bytes(header[:4], "big"), header[4:8]
        if length == 1:
            if len(header) < 16:
                raise NotFast("truncated atom")
            length = int.from_bytes(header[8:16], "big")
            if length < 16:
                raise NotFast("bad 64-bit atom length")
        elif length == 0:
            length = size - pos
        elif length < 8:
            raise NotFast("atom length")
        if name in _CONTAINERS:
            if name != b"moov" or found is not None or length > _MAX_MOOV:
                raise NotFast("fragments, a second moov, or a huge one")
            if pos + length > size:
                raise NotFast("moov runs past the end of the file")
            if pos + length <= len(head):
                buf, base = head, 0
            else:
                fileobj.seek(pos)
                buf, base = fileobj.read(length), pos
            found = Atom(buf, base, pos - base, pos - base + length)
        pos += length
    if found is None:
        raise NotFast("no moov atom")
    return found


class _Tags:
    """mutagen's MP4Tags without re-rendering each value it parsed (made on first use)."""

    cls: Any = None

    @classmethod
    def make(cls) -> Any:
        if cls.cls is None:
            mp4 = mutagen_module("mp4")
            dict_proxy = mutagen_module("_util").DictProxy

            class Parsed(mp4.MP4Tags):  # type: ignore[misc, name-defined]
                def __setitem__(self, key: str, value: object) -> None:
                    dict_proxy.__setitem__(self, key, value)

            cls.cls = Parsed
        return cls.cls


def setup() -> None:
    """Make the tags class now (before the scan forks its workers)."""
    _Tags.make()


def load_mp4(fileobj: BinaryIO, detection: Detection, size: int, head: bytes) -> Loaded:
    """An MP4 audio file: stream properties and tags, by mutagen's parsers."""
    mp4 = mutagen_module("mp4")
    moov = _moov(fileobj, size, head)
    atoms = Atoms([moov])
    for trak in moov.findall(b"trak"):
        try:
            hdlr = trak[b"mdia", b"hdlr"]
        except KeyError:
            continue
        if hdlr.read(fileobj)[1][8:12] == b"vide":
            raise NotFast("a video track")
    info = mp4.MP4Info()
    try:
        info.load(atoms, fileobj)
    except mp4.MP4NoTrackError:
        info = None
    tags = _Tags.make()(atoms, fileobj) if b"moov.udta.meta.ilst" in atoms else None
    return Loaded(info, tags)

"""Which reader reads a file: one registry of light descriptions.

Each reader says what it can read: file extensions, magic bytes at the start of
the file, and how sure a match by content alone is (a score, the way mutagen's
`File()` lets each format class score a file and takes the best).  The scan asks
`choose(ext, head)`; only then is the chosen reader's module imported, so a rescan
with nothing to read never imports a reader, and an audio-only scan never imports
Pillow or PyAV.

Adding a reader means one module with a `read(fileobj, stat, ext, head)` function
(and, if it has heavy imports, a `preload(paths)`), and one `register()` call below.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, BinaryIO, Protocol

from mediashelf.extract.audio.formats import EXTENSION_FORMATS

if TYPE_CHECKING:  # (a Protocol class costs a millisecond to create: not at run time)
    from mediashelf.model import FileStat

    class Media(Protocol):
        """What a reader found in one file (AudioInfo, ImageInfo, VideoInfo...)."""

        @property
        def kind(self) -> str: ...
        @property
        def format(self) -> str: ...
        @property
        def fields(self) -> dict[str, object]: ...
        @property
        def extra(self) -> dict[str, object]: ...

    #: a reader's entry point: (open file at offset 0, its stat, extension, first bytes)
    ReadFunction = Callable[[BinaryIO, FileStat, str, bytes], Media]

#: score of a reader that claims a file by its extension (a match by magic bytes
#: scores what the reader declares, below this unless it is surer of its content)
BY_EXTENSION = 10


class Reader:
    """A reader as the registry knows it, before its module is imported.

    `kind` is the kind of file it reads ("audio"), as catalogued even when reading
    fails; `module` the module with its `read` function, imported on first use;
    `extensions` the lower-case extensions (no dot) it claims; `magic` a regular
    expression matched at the first bytes of a file whose extension no reader
    claims, and `magic_score` how sure such a match is (BY_EXTENSION is a claim by
    extension).  Plain slots rather than a dataclass: the registry is imported by
    every scan, and a dataclass costs most of a millisecond to create.
    """

    __slots__ = ("_read", "extensions", "kind", "magic", "magic_score", "module")

    def __init__(
        self,
        kind: str,
        module: str,
        extensions: frozenset[str],
        magic: bytes = b"",
        magic_score: int = 1,
    ) -> None:
        self.kind = kind
        self.module = module
        self.extensions = extensions
        self.magic = magic
        self.magic_score = magic_score
        self._read: ReadFunction | None = None

    def score(self, ext: str, head: bytes) -> int:
        if ext in self.extensions:
            return BY_EXTENSION
        if self.magic and re.match(self.magic, head, re.DOTALL):
            return self.magic_score
        return 0

    def load(self) -> ReadFunction:
        """The reader's `read` function (its module is imported the first time)."""
        read = self._read
        if read is None:
            read = self._read = importlib.import_module(self.module).read
        return read


class Choice:
    """The reader for one file, and whether it was chosen by content alone (then a
    file it cannot read is catalogued as a plain file)."""

    __slots__ = ("reader", "sniffed")

    def __init__(self, reader: Reader, sniffed: bool) -> None:
        self.reader = reader
        self.sniffed = sniffed


_readers: list[Reader] = []
_claims: dict[str, Choice] = {}  # extension -> the reader that claims it


def register(reader: Reader) -> Reader:
    """Add a reader; an extension belongs to the first reader that claims it."""
    _readers.append(reader)
    claim = Choice(reader, sniffed=False)
    for ext in reader.extensions:
        _claims.setdefault(ext, claim)
    return reader


def readers() -> Sequence[Reader]:
    return tuple(_readers)


def kind_for(ext: str) -> str:
    """The kind a file is catalogued as before its content is read."""
    claim = _claims.get(ext)
    return claim.reader.kind if claim is not None else "other"


def choose(ext: str, head: bytes) -> Choice | None:
    """The reader for a file with extension `ext` and first bytes `head`, or None
    for a plain file.  A claim by extension wins at once (the readers detect a
    mislabelled file themselves); otherwise the best magic score above 0 does."""
    claim = _claims.get(ext)
    if claim is not None:
        return claim
    if ext in PLAIN_EXTENSIONS:
        return None
    best, best_score = None, 0
    for candidate in _readers:
        score = candidate.score(ext, head)
        if score > best_score:
            best, best_score = candidate, score
    return Choice(best, best_score < BY_EXTENSION) if best is not None else None


def preload(paths: Sequence[bytes]) -> None:
    """Import what the readers need before worker processes are forked.

    `paths` are the first files to be read: a reader whose `preload` finds none of
    its files among them may skip its heavy imports.
    """
    for reader in _readers:
        module = importlib.import_module(reader.module)
        hook = getattr(module, "preload", None)
        if hook is not None:
            hook(paths)


# -- the readers ----------------------------------------------------------------------------

IMAGE_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "jpe",
        "png",
        "gif",
        "webp",
        "heic",
        "heif",
        "avif",
        "tif",
        "tiff",
        "bmp",
        "jxl",
        "dng",
        "cr2",
        "cr3",
        "nef",
        "arw",
        "raf",
        "orf",
        "rw2",
        "srw",
        "pef",
    ]
)
VIDEO_EXTENSIONS = frozenset(
    [
        "mkv",
        "webm",
        "avi",
        "mov",
        "m4v",
        "mpg",
        "mpeg",
        "wmv",
        "flv",
        "3gp",
        "3g2",
        "ts",
        "mts",
        "m2ts",
        "ogv",
        "vob",
    ]
)
#: extensions of files that are certainly not media (sidecars, playlists, archives):
#: never read, whatever their first bytes look like
PLAIN_EXTENSIONS = frozenset(
    [
        "cue",
        "log",
        "nfo",
        "txt",
        "md",
        "m3u",
        "m3u8",
        "pls",
        "sfv",
        "md5",
        "ffp",
        "accurip",
        "xml",
        "json",
        "lrc",
        "xmp",
        "pdf",
        "html",
        "htm",
        "db",
        "ini",
        "zip",
        "rar",
        "7z",
    ]
)
#: audio without a telling extension: tag or container magic, ASF's header GUID,
#: RIFF/AIFF forms, an ISO-BMFF `ftyp` box, or a bare MPEG audio frame sync
_AUDIO_MAGIC = (
    rb"ID3|fLaC|OggS|MAC |wvpk|MPCK|MP\+|TTA1|DSD |FRM8|ajkg|tBaK|OFR "
    rb"|\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"
    rb"|(?:RIFF|FORM).{4}(?:WAVE|AIFF|AIFC)"
    rb"|.{4}ftyp"
    rb"|\xff[\xe0-\xff]"
)

# MP4/MOV/3GP, ASF and Ogg files with a video stream have audio extensions: the audio
# reader reads their tags and hands the file on to the video reader itself.
register(Reader("audio", "mediashelf.extract.av", frozenset(EXTENSION_FORMATS), _AUDIO_MAGIC))
register(Reader("image", "mediashelf.extract.image.read", IMAGE_EXTENSIONS))
register(Reader("video", "mediashelf.extract.video.read", VIDEO_EXTENSIONS))

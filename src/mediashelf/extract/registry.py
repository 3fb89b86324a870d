"""Which reader handles a file: by extension first, by magic bytes for the rest."""

from __future__ import annotations

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
#: Sidecars and other files that are certainly not audio: never sniffed.
OTHER_EXTENSIONS = frozenset(
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


def kind_for(ext: str) -> str:
    """The kind a file is catalogued as before its content is read."""
    from mediashelf.extract.audio.read import AUDIO_EXTENSIONS

    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    return "other"


_AUDIO_MAGIC = (
    b"ID3",
    b"fLaC",
    b"OggS",
    b"MAC ",
    b"wvpk",
    b"MPCK",
    b"MP+",
    b"TTA1",
    b"DSD ",
    b"FRM8",
    b"ajkg",
    b"tBaK",
    b"OFR ",
)
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


def sniff_audio(ext: str, head: bytes) -> bool:
    """True when a file whose extension says nothing (none, or unknown) looks like audio."""
    if ext in OTHER_EXTENSIONS or ext in IMAGE_EXTENSIONS:
        return False
    if head.startswith(_AUDIO_MAGIC) or head.startswith(_ASF_GUID):
        return True
    if head[:4] in (b"RIFF", b"FORM") and head[8:12] in (b"WAVE", b"AIFF", b"AIFC"):
        return True
    if head[4:8] == b"ftyp":
        return True
    # a bare MPEG audio frame sync
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0

"""Image metadata reader built on Pillow (and pillow-heif for HEIC/HEIF).

`read_image` is called by the scan's worker processes once per image file.  It
opens the image once (headers only), reads EXIF, XMP and text chunks, looks for
AI-generation data and sidecar files, settles the capture date, and computes a
perceptual hash from a reduced decode.  Pillow is imported on first use, so
importing this module is cheap; `preload` imports it ahead of forking.

The work is split by concern:

    formats  size, orientation, EXIF, text chunks, XMP, C2PA per format (Pillow)
    exif     EXIF into camera fields, GPS, dates and the UserComment
    xmp      the XMP properties we catalogue
    dates    date text, file-name patterns and mtime into ISO 8601
    sidecar  NAME.xmp and Google Takeout JSON beside the file
    ai       generation metadata of AI tools ...
    comfyui  ... and ComfyUI's node graphs
    c2pa     C2PA manifests and their claim generator
    phash    the 64-bit perceptual hash
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from mediashelf.errors import Corrupt, MediaError, TooLarge, Unreadable
from mediashelf.extract.image.ai import read_ai
from mediashelf.extract.image.c2pa import generator
from mediashelf.extract.image.dates import date_from_mtime, date_from_name
from mediashelf.extract.image.exif import ExifData
from mediashelf.extract.image.formats import describe, read_jxl, read_pillow
from mediashelf.extract.image.jxl import CODESTREAM, SIGNATURE
from mediashelf.extract.image.sidecar import read_sidecars
from mediashelf.extract.registry import IMAGE_EXTENSIONS
from mediashelf.model import FileStat, extension

#: text chunks kept in extra when no AI tool read them: this many, each cut to this length
MAX_TEXT_EXTRA: Final = 2048
MAX_TEXTS_EXTRA: Final = 50


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What was read from one image file (the same shape as `AudioInfo`).

    `kind` is "image"; `format` the short type name (jpeg, png, webp, heic, avif,
    tiff, gif ...); `fields` the normalized fields found (names from
    model.VISUAL_FIELDS); `extra` every other value read, JSON-serializable, plus
    "_warnings" (a list of text) when something could not be read.
    """

    kind: str
    format: str
    fields: dict[str, object]
    extra: dict[str, object]


_pil: Any = None


def preload(paths: Iterable[bytes] | None = None) -> None:
    """Import Pillow, its plugins, the HEIF opener and numpy now.

    Called in the scanning process before it forks its workers, so that they start
    with the modules in memory (about 0.15 s apiece otherwise).  With `paths` (the
    first files to read), only when one of them is an image: an audio-only rescan
    does not pay for it.
    """
    if paths is not None and not any(extension(p) in IMAGE_EXTENSIONS for p in paths):
        return
    _pillow()


def _pillow() -> Any:
    """Pillow's Image module, with its plugins and the HEIF opener (imported once)."""
    global _pil
    if _pil is None:
        from PIL import Image, JpegImagePlugin, PngImagePlugin, TiffImagePlugin, WebPImagePlugin

        del JpegImagePlugin, PngImagePlugin, TiffImagePlugin, WebPImagePlugin
        Image.init()
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # HEIC files are then reported as unsupported
            pass
        import numpy  # for the perceptual hash

        del numpy
        _pil = Image
    return _pil


def pillow() -> Any:
    """Pillow's Image module, set up as the scan uses it (plugins, the HEIF opener)."""
    return _pillow()


def read(fileobj: BinaryIO, fs: FileStat, ext: str, head: bytes) -> ImageInfo:
    """The registry's entry point (see `read_image`)."""
    return read_image(fileobj, fs.path, ext, head, fs.mtime_ns)


def read_image(fileobj: BinaryIO, path: bytes, ext: str, head: bytes, mtime_ns: int) -> ImageInfo:
    """Read the metadata of one image file.

    `fileobj` is open in binary mode and seekable; `head` holds its first bytes;
    `ext` is its lower-case extension without the dot; `path` locates sidecars and
    gives the file name for date and generator patterns; `mtime_ns` is the last
    date to fall back on.  Raises only MediaError subclasses.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(fileobj, path, ext, head, mtime_ns)
    except MediaError:
        raise
    except MemoryError as e:
        raise TooLarge("image: not enough memory to read the file") from e
    except RecursionError as e:
        raise Corrupt("image: structure nested too deeply") from e
    except Exception as e:
        inner = _cause(e, MediaError)
        if isinstance(inner, MediaError):  # e.g. the scan's time limit, re-wrapped
            raise inner from None
        io_error = _cause(e, OSError)
        if isinstance(io_error, OSError) and io_error.errno is not None:
            raise Unreadable(f"read error: {io_error.strerror or io_error}") from e
        raise Corrupt(f"image: {describe(e)}") from e


def _cause(e: BaseException, kind: type[BaseException]) -> BaseException | None:
    cause: BaseException | None = e
    for _ in range(8):
        if cause is None:
            return None
        if isinstance(cause, kind):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _read(fileobj: BinaryIO, path: bytes, ext: str, head: bytes, mtime_ns: int) -> ImageInfo:
    Image = _pillow()
    warn: list[str] = []
    if head.startswith((SIGNATURE, CODESTREAM)):
        found = read_jxl(fileobj, head, warn)
    else:
        found = read_pillow(Image, fileobj, ext, head, warn)
    fields, extra = found.fields, found.extra
    texts = found.texts
    c2pa_generator = None
    if found.manifest is not None:
        c2pa_generator = generator(found.manifest)
        extra["c2pa"] = {"claim_generator": c2pa_generator or None}
    name = os.fsdecode(os.path.basename(path))
    ai = read_ai(texts, name, found.exif.user_comment, c2pa_generator)
    fields.update(ai.fields)
    extra.update(ai.extra)
    warn += ai.warnings
    if "ai_tool" not in fields:
        kept = [k for k in texts if k not in ("XML:com.adobe.xmp", "Description", "CreatorTool")]
        for key in kept[:MAX_TEXTS_EXTRA]:
            extra[f"text:{key}"] = texts[key][:MAX_TEXT_EXTRA]
    _taken(fields, found.exif, found.xmp_date, path, name, mtime_ns, extra, warn)
    if warn:
        extra["_warnings"] = warn[:50]
    return ImageInfo("image", found.format, fields, extra)


def _taken(
    fields: dict[str, object],
    exif: ExifData,
    xmp_date: str | None,
    path: bytes,
    name: str,
    mtime_ns: int,
    extra: dict[str, object],
    warn: list[str],
) -> None:
    """The capture date and where it came from; sidecars fill fields the file lacks."""
    sidecar = read_sidecars(path)
    if sidecar.names:
        extra["sidecars"] = sidecar.names
        for key, value in sidecar.fields.items():
            fields.setdefault(key, value)
    warn += sidecar.warnings
    candidates: tuple[tuple[Callable[[], str | None], str], ...] = (
        (lambda: exif.dates.get("original"), "exif"),
        (lambda: exif.dates.get("digitized"), "exif-digitized"),
        (lambda: exif.dates.get("datetime"), "exif-datetime"),
        (lambda: xmp_date, "xmp"),
        (lambda: sidecar.date, "sidecar"),
        (lambda: date_from_name(name), "filename"),
        (lambda: date_from_mtime(mtime_ns), "mtime"),
    )
    for get, source in candidates:
        date = get()
        if date:
            fields["taken"], fields["taken_source"] = date, source
            return

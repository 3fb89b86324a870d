"""Image metadata reader built on Pillow (and pillow-heif for HEIC/HEIF).

`read_image` is called by the scan's worker processes once per image file.  It
opens the image once (headers only), reads EXIF, XMP and text chunks, looks for
AI-generation data and sidecar files, settles the capture date, and computes a
perceptual hash from a reduced decode.  Pillow is imported on first use, so
importing this module is cheap; `preload` imports it ahead of forking.

The work is split by concern:

    image_exif     EXIF into camera fields, GPS, dates and the UserComment
    image_xmp      the XMP properties we catalogue
    image_dates    date text, file-name patterns and mtime into ISO 8601
    image_sidecar  NAME.xmp and Google Takeout JSON beside the file
    image_ai       generation metadata of AI tools ...
    image_comfyui  ... and ComfyUI's node graphs
    image_c2pa     C2PA manifests and their claim generator
    image_phash    the 64-bit perceptual hash
"""

from __future__ import annotations

import os
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from mediashelf.errors import Corrupt, MediaError, TooLarge, Unreadable, Unsupported
from mediashelf.extract.image_ai import read_ai
from mediashelf.extract.image_c2pa import from_jpeg, from_png, from_webp, generator
from mediashelf.extract.image_dates import date_from_mtime, date_from_name
from mediashelf.extract.image_exif import ExifData, read_exif
from mediashelf.extract.image_jxl import CODESTREAM, SIGNATURE, jxl_boxes
from mediashelf.extract.image_phash import phash, preview
from mediashelf.extract.image_sidecar import read_sidecars
from mediashelf.extract.image_xmp import embedded_xmp
from mediashelf.extract.registry import IMAGE_EXTENSIONS
from mediashelf.model import extension

#: images with more pixels than this (after a reduced JPEG decode) are not hashed
PHASH_MAX_PIXELS: Final = 50_000_000
#: formats hashed while scanning: cheap (a 1/8 JPEG decode, an EXIF preview, HEIF's
#: embedded thumbnail); the others are hashed by `shelf dupes --similar`
HASH_AT_SCAN: Final = frozenset(("JPEG", "MPO", "HEIF"))
#: text chunks kept in extra when no AI tool read them: this many, each cut to this length
MAX_TEXT_EXTRA: Final = 2048
MAX_TEXTS_EXTRA: Final = 50

#: Pillow format name -> our short name
_FORMATS: Final = {"MPO": "jpeg", "HEIF": "heic", "JPEG2000": "jp2", "DCX": "pcx"}
_RAW: Final = frozenset(("dng", "cr2", "nef", "arw", "orf", "rw2", "srw", "pef", "raf"))
_MAGIC: Final = (
    b"\xff\xd8",
    b"\x89PNG",
    b"GIF8",
    b"RIFF",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)


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
        raise Corrupt(f"image: {_describe(e)}") from e


def _cause(e: BaseException, kind: type[BaseException]) -> BaseException | None:
    cause: BaseException | None = e
    for _ in range(8):
        if cause is None:
            return None
        if isinstance(cause, kind):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _describe(e: BaseException) -> str:
    text = str(e).strip()
    return text[:300] if text else type(e).__name__


def _open(Image: Any, fileobj: BinaryIO, head: bytes, warn: list[str]) -> tuple[Any, bool]:
    """(image, decodable): headers parsed; pixels only decodable within the bomb limit."""
    try:
        return Image.open(fileobj), True
    except Image.DecompressionBombError:
        pass
    except Image.UnidentifiedImageError as e:
        if head.startswith(_MAGIC) or head[4:8] == b"ftyp":
            raise Corrupt("image: header unreadable or truncated") from e
        raise Unsupported("not an image format that can be read") from e
    # Beyond twice Image.MAX_IMAGE_PIXELS: parse the headers (never the pixels) for metadata.
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        fileobj.seek(0)
        img = Image.open(fileobj)
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    warn.append(f"image of {img.size[0]}x{img.size[1]} pixels is over the decompression limit")
    return img, False


@dataclass(slots=True)
class _Found:
    """What the format-specific part read, before dates, sidecars and AI data."""

    format: str
    fields: dict[str, object]
    extra: dict[str, object]
    exif: ExifData
    texts: dict[str, str]
    xmp_date: str | None
    manifest: bytes | None


def _read(fileobj: BinaryIO, path: bytes, ext: str, head: bytes, mtime_ns: int) -> ImageInfo:
    Image = _pillow()
    warn: list[str] = []
    if head.startswith((SIGNATURE, CODESTREAM)):
        found = _read_jxl(fileobj, head, warn)
    else:
        found = _read_pillow(Image, fileobj, ext, head, warn)
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


def _read_pillow(Image: Any, fileobj: BinaryIO, ext: str, head: bytes, warn: list[str]) -> _Found:
    img, decodable = _open(Image, fileobj, head, warn)
    with img:
        pil_format = str(img.format or ext or "image").upper()
        fmt = _FORMATS.get(pil_format, pil_format.lower())
        if pil_format == "HEIF" and ext in ("heif", "hif"):
            fmt = "heif"
        elif pil_format == "TIFF" and ext in _RAW:
            fmt = ext
        fields: dict[str, object] = {}
        extra: dict[str, object] = {}
        width, height = img.size
        if width > 0 and height > 0:
            fields["width"], fields["height"] = int(width), int(height)
        exif, exif_obj = _exif(img, warn)
        fields.update(exif.fields)
        extra.update(exif.extra)
        transform = fields.get("orientation")
        if pil_format == "HEIF":  # libheif rotates the pixels and resets the EXIF value
            transform = None
            original = img.info.get("original_orientation")
            if isinstance(original, int) and 1 <= original <= 8:
                fields["orientation"] = original
        if not decodable or (Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS):
            warn.append("perceptual hash skipped: image over the decompression limit")
        else:
            orientation = transform if isinstance(transform, int) else None
            _hash(img, exif_obj, fields, extra, warn, orientation)
        texts = _texts(img.info)
        xmp_date = embedded_xmp(img.info.get("xmp") or exif.xmp, texts, fields, warn)
        manifest = _c2pa(pil_format, img, fileobj, warn)
    return _Found(fmt, fields, extra, exif, texts, xmp_date, manifest)


def _read_jxl(fileobj: BinaryIO, head: bytes, warn: list[str]) -> _Found:
    """JPEG XL: no decoder, but EXIF and XMP from the container's boxes."""
    from PIL import Image

    exif = ExifData()
    fields: dict[str, object] = {}
    texts: dict[str, str] = {}
    xmp = None
    if head.startswith(SIGNATURE):
        tiff, xmp = jxl_boxes(fileobj)
        if tiff:
            parsed = Image.Exif()
            try:
                parsed.load(tiff)
                exif = read_exif(parsed)
            except (OSError, ValueError, SyntaxError, struct.error) as e:
                warn.append(f"EXIF unreadable: {_describe(e)}")
    fields.update(exif.fields)
    warn.append("JPEG XL: metadata only (no decoder for its pixels)")
    xmp_date = embedded_xmp(xmp or exif.xmp, texts, fields, warn)
    return _Found("jxl", fields, dict(exif.extra), exif, texts, xmp_date, None)


def _exif(img: Any, warn: list[str]) -> tuple[ExifData, Any]:
    """The EXIF fields, and Pillow's Exif object (None when there is none)."""
    try:
        if img.format == "PNG":
            # Pillow's PngImageFile.getexif decodes the pixels to look past IDAT: take
            # the eXIf chunk (or "Raw profile type exif" text) seen before IDAT instead.
            raw = img.info.get("exif")
            if not isinstance(raw, bytes) or not raw:
                return ExifData(), None
            from PIL import Image

            exif = Image.Exif()
            exif.load(raw if raw.startswith((b"Exif", b"II", b"MM")) else b"Exif\x00\x00" + raw)
        else:
            exif = img.getexif()
        return (read_exif(exif) if exif else ExifData()), exif
    except MemoryError:
        raise
    except MediaError:
        raise
    except Exception as e:
        warn.append(f"EXIF unreadable: {_describe(e)}")
        return ExifData(), None


def _hash(
    img: Any,
    exif: Any,
    fields: dict[str, object],
    extra: dict[str, object],
    warn: list[str],
    orientation: int | None,
) -> None:
    if img.format not in HASH_AT_SCAN or (img.format == "HEIF" and not img.info.get("thumbnails")):
        # A PNG or WebP (or a HEIF without an embedded thumbnail) has no reduced decode:
        # hashing it means decoding every pixel,
        # which measured at 70% of a scan's CPU on a mixed folder.  `shelf dupes
        # --similar` computes it when it is needed (image_phash.phash_path).
        extra["phash_source"] = "deferred"
        return
    scale = 8 if img.format in ("JPEG", "MPO") else 1  # the reduced decode of a JPEG
    if img.size[0] * img.size[1] // (scale * scale) > PHASH_MAX_PIXELS:
        warn.append(f"perceptual hash skipped: over {PHASH_MAX_PIXELS} pixels")
        return
    try:
        small = None
        if img.format in ("JPEG", "MPO") and exif is not None:
            try:
                small = preview(img, exif)
            except (OSError, ValueError, SyntaxError, KeyError):
                small = None  # a broken preview: hash the image itself
        fields["phash"] = phash(small if small is not None else img, orientation)
        extra["phash_source"] = "exif-preview" if small is not None else "image"
    except MemoryError:
        raise
    except MediaError:
        raise
    except Exception as e:
        warn.append(f"pixel data unreadable, no perceptual hash: {_describe(e)}")


def _texts(info: dict[str, Any]) -> dict[str, str]:
    """Text chunks and comments of the image (PNG tEXt/iTXt/zTXt, JPEG COM, GIF comment)."""
    texts: dict[str, str] = {}
    for key, value in info.items():
        if not isinstance(key, str):
            continue
        if isinstance(value, bytes) and key == "comment":
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and key not in ("xmp", "icc_profile", "exif"):
            texts[key] = value.replace("\x00", "")
    comment = texts.pop("comment", None)
    if comment and "parameters" not in texts and "Steps: " in comment:
        texts["parameters"] = comment
    elif comment:
        texts.setdefault("Comment", comment)
    return texts


def _c2pa(pil_format: str, img: Any, fileobj: BinaryIO, warn: list[str]) -> bytes | None:
    try:
        if pil_format in ("JPEG", "MPO"):
            return from_jpeg(img)
        if pil_format == "PNG":
            return from_png(fileobj)
        if pil_format == "WEBP":
            return from_webp(fileobj)
    except (OSError, ValueError) as e:
        warn.append(f"C2PA data unreadable: {_describe(e)}")
    return None


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

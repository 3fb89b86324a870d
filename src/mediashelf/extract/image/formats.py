"""What each image format holds, read through Pillow (or the JPEG XL container's boxes).

The format-specific half of `read.read_image`: size and orientation, EXIF, the
perceptual hash of a reduced decode, text chunks, embedded XMP and C2PA manifests.
Dates, sidecars and AI generation data are settled from what this returns.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from mediashelf.errors import Corrupt, MediaError, Unsupported
from mediashelf.extract.image.c2pa import from_jpeg, from_png, from_webp
from mediashelf.extract.image.exif import ExifData, read_exif
from mediashelf.extract.image.jxl import SIGNATURE, jxl_boxes
from mediashelf.extract.image.phash import PHASH_MAX_PIXELS, phash, preview
from mediashelf.extract.image.xmp import embedded_xmp

#: formats hashed while scanning: cheap (a 1/8 JPEG decode, an EXIF preview, HEIF's
#: embedded thumbnail); the others are hashed by `shelf dupes --similar`
HASH_AT_SCAN: Final = frozenset(("JPEG", "MPO", "HEIF"))
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


def describe(e: BaseException) -> str:
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
class Found:
    """What the format-specific part read, before dates, sidecars and AI data."""

    format: str
    fields: dict[str, object]
    extra: dict[str, object]
    exif: ExifData
    texts: dict[str, str]
    xmp_date: str | None
    manifest: bytes | None


def read_pillow(Image: Any, fileobj: BinaryIO, ext: str, head: bytes, warn: list[str]) -> Found:
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
    return Found(fmt, fields, extra, exif, texts, xmp_date, manifest)


def read_jxl(fileobj: BinaryIO, head: bytes, warn: list[str]) -> Found:
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
                warn.append(f"EXIF unreadable: {describe(e)}")
    fields.update(exif.fields)
    warn.append("JPEG XL: metadata only (no decoder for its pixels)")
    xmp_date = embedded_xmp(xmp or exif.xmp, texts, fields, warn)
    return Found("jxl", fields, dict(exif.extra), exif, texts, xmp_date, None)


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
        warn.append(f"EXIF unreadable: {describe(e)}")
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
        # --similar` computes it when it is needed (phash.phash_path).
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
        warn.append(f"pixel data unreadable, no perceptual hash: {describe(e)}")


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
        warn.append(f"C2PA data unreadable: {describe(e)}")
    return None

"""A 64-bit perceptual hash (DCT hash), computed from a reduced decode.

The same algorithm as `imagehash.phash` (hash_size 8, highfreq_factor 4): the image
in grey, resized to 32x32 with Lanczos, a 2-D DCT-II, the 8x8 lowest frequencies
compared with their median.  The DCT is two small matrix products (only the eight
rows and columns that are kept are computed), so neither scipy nor imagehash is
needed at run time; `tests/extract/test_image_phash.py` checks the bits are
imagehash's.  The hash is of the image as displayed: the EXIF orientation is
applied to the 32x32 grey.

A JPEG is decoded at up to 1/8 scale (`Image.draft`), a HEIC/HEIF from its
embedded thumbnail when it has one (pillow-heif's `draft`); even so, a 12-megapixel
photo costs tens of milliseconds.  Cameras and phones embed a small JPEG preview
in EXIF (IFD1), and a 32x32 hash needs no more: when the preview has the image's
aspect ratio (so no letterbox bars), it is hashed instead.  The two hashes of the
same photo differ by a few bits at most (checked in the tests), which is what a
perceptual hash compared by Hamming distance is for.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Final

#: images with more pixels than this (after a reduced JPEG decode) are not hashed
PHASH_MAX_PIXELS: Final = 50_000_000
HASH_SIZE: Final = 8
IMG_SIZE: Final = HASH_SIZE * 4

#: EXIF orientation -> PIL transpose operations, applied in order
_TRANSPOSE: Final[dict[int, tuple[int, ...]]] = {
    2: (0,),  # FLIP_LEFT_RIGHT
    3: (3,),  # ROTATE_180
    4: (1,),  # FLIP_TOP_BOTTOM
    5: (5,),  # TRANSPOSE
    6: (4,),  # ROTATE_270
    7: (6,),  # TRANSVERSE
    8: (2,),  # ROTATE_90
}


@cache
def _dct_rows() -> Any:
    """The first HASH_SIZE rows of the unnormalized DCT-II matrix of size IMG_SIZE."""
    import numpy as np

    k = np.arange(HASH_SIZE)[:, None]
    n = np.arange(IMG_SIZE)[None, :]
    return 2.0 * np.cos(math.pi * k * (2 * n + 1) / (2 * IMG_SIZE))


def hash_grey(small: Any) -> str:
    """The hash of a 32x32 mode "L" image, as 16 hex digits."""
    import numpy as np

    pixels = np.asarray(small, dtype=np.float64)
    d = _dct_rows()
    low = d @ pixels @ d.T
    bits = (low > np.median(low)).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def reduce(img: Any, reducing_gap: float | None = None) -> Any:
    """The 32x32 grey image a hash is made of (before orientation).

    Without `reducing_gap` this is exactly imagehash's resize.  With it, Pillow first
    shrinks by an integer factor with a box filter (down to `reducing_gap` times the
    target) and then applies Lanczos: the same role `Image.draft` plays for JPEG,
    several times cheaper on a large image, and a bit or two away at most.
    """
    from PIL import Image

    return img.convert("L").resize(
        (IMG_SIZE, IMG_SIZE), Image.Resampling.LANCZOS, reducing_gap=reducing_gap
    )


#: see `reduce`
REDUCING_GAP: Final = 3.0
#: a preview is used when its aspect ratio is within this fraction of the image's
ASPECT_TOLERANCE: Final = 0.02
#: ... and it is at least this many pixels on its short side
MIN_PREVIEW: Final = 64


def preview(img: Any, exif: Any) -> Any:
    """The EXIF preview of a JPEG, opened, if it can stand in for the image; else None."""
    import io

    from PIL import ExifTags, Image

    raw = img.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(b"Exif\x00\x00"):
        return None
    ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    data = raw[6 + offset : 6 + offset + length]
    if len(data) != length or not data.startswith(b"\xff\xd8"):
        return None
    thumb = Image.open(io.BytesIO(data), formats=("JPEG",))
    (w, h), (tw, th) = img.size, thumb.size
    if min(tw, th) < MIN_PREVIEW or w <= 0 or h <= 0:
        return None
    if abs(tw / th - w / h) > ASPECT_TOLERANCE * (w / h):
        return None
    return thumb


def phash(img: Any, orientation: int | None) -> str:
    """Hash an open image (decoding it, reduced when the format allows)."""
    if img.format in ("JPEG", "MPO"):
        img.draft("L", (IMG_SIZE * 8, IMG_SIZE * 8))
    elif img.format == "HEIF":  # pillow-heif: decode an embedded thumbnail if there is one
        img.draft(img.mode, (IMG_SIZE * 2, IMG_SIZE * 2))
    small = reduce(img, REDUCING_GAP)
    for op in _TRANSPOSE.get(orientation or 1, ()):
        small = small.transpose(op)
    return hash_grey(small)


def phash_path(path: bytes, max_pixels: int) -> str:
    """The perceptual hash of an image file, as displayed (its EXIF orientation applied);
    '' when it cannot be computed (unreadable, not an image, over `max_pixels`)."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                if img.size[0] * img.size[1] > max_pixels:
                    return ""
                try:
                    orientation = int(img.getexif().get(0x0112) or 1)
                except (OSError, ValueError, TypeError, SyntaxError):
                    orientation = 1
                return phash(img, orientation)
    except (OSError, ValueError, SyntaxError, MemoryError, Image.DecompressionBombError):
        return ""

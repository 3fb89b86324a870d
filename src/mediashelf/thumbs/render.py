"""Making a tile: decode as little as the size needs, turn it upright, shrink it, JPEG.

JPEG files are decoded at a reduced scale (Pillow's `draft()`: the decoder does 1/2,
1/4 or 1/8 of the work), the EXIF orientation is applied, and the tile is saved as a
JPEG whose quality steps down until it fits the size's byte budget (a grid tile is at
most 30 KB).
"""

from __future__ import annotations

import io
import os
from typing import Any, Final

from mediashelf.thumbs.source import Source

#: the edge lengths (pixels) tiles are made at; a request is rounded up to one of these
SIZES: Final = (128, 256, 512)
#: bytes a tile of each size may take at most
TILE_BUDGET: Final = {128: 12_000, 256: 30_000, 512: 100_000}
_QUALITIES: Final = (82, 72, 62, 50, 40, 30)
#: a transparent picture is laid on this before it becomes a JPEG
_BACKGROUND: Final = (236, 239, 243)


def render(source: Source, size: int) -> bytes | None:
    """The JPEG tile of `source` at `size` (one of SIZES); None when the source holds
    no picture.  Raises what a damaged file makes Pillow, mutagen or PyAV raise."""
    from PIL import Image, ImageOps

    image = _open(source, size)
    if image is None:
        return None
    with image:
        image.draft("RGB", (size, size))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
        tile = _rgb(upright)
    return _jpeg(tile, TILE_BUDGET[size])


def _open(source: Source, size: int) -> Any:
    from mediashelf.extract.image.read import pillow

    pil = pillow()
    if source.kind == "embedded":
        from mediashelf.extract.audio.cover import embedded_cover

        data = embedded_cover(source.path)
        return pil.open(io.BytesIO(data)) if data else None
    if source.kind == "frame":
        return _frame(source.path, size)
    return pil.open(os.fsdecode(source.path))


def _frame(path: bytes, size: int) -> Any:
    """A frame a tenth of the way into the video, as a Pillow image (None: no frame)."""
    import av

    with av.open(os.fsdecode(path)) as container:
        streams = container.streams.video
        if not streams:
            return None
        stream = streams[0]
        stream.thread_type = "AUTO"
        if container.duration:
            container.seek(container.duration // 10)  # in AV_TIME_BASE units
        for frame in container.decode(stream):
            image = frame.to_image()  # type: ignore[no-untyped-call]
            image.thumbnail((size * 2, size * 2))
            return image
    return None


def _rgb(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Any, budget: int) -> bytes:
    data = b""
    for quality in _QUALITIES:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        data = out.getvalue()
        if len(data) <= budget:
            break
    return data

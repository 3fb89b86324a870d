"""Images written by code, for tests and the image benchmark.

Pixels come from Pillow (a seeded gradient with noise, so perceptual hashes are
not degenerate); metadata is spliced into the encoded bytes: an EXIF block built
by the small TIFF writer below (IFD0, Exif IFD, GPS IFD and an IFD1 preview, or
deliberately bogus entries), XMP, JPEG comments, APP11 (C2PA) segments, and PNG
chunks.

    photo = jpeg_photo(exif=exif_block(ifd0={MAKE: "Canon"}, exif={DATE_ORIGINAL: "..."}))
    (tmp_path / "IMG_1.jpg").write_bytes(photo)
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

# tag numbers
MAKE, MODEL, ORIENTATION, DATETIME, SOFTWARE, DESCRIPTION = (
    0x010F,
    0x0110,
    0x0112,
    0x0132,
    0x0131,
    0x010E,
)
EXPOSURE, FNUMBER, ISO, FOCAL = 0x829A, 0x829D, 0x8827, 0x920A
DATE_ORIGINAL, DATE_DIGITIZED, USER_COMMENT, MAKER_NOTE = 0x9003, 0x9004, 0x9286, 0x927C
OFFSET_ORIGINAL, SUBSEC_ORIGINAL, LENS_MODEL = 0x9011, 0x9291, 0xA434
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6

Value = str | int | bytes | Fraction | Sequence[Fraction] | tuple[int, int, int]


def pattern(size: tuple[int, int] = (320, 240), seed: int = 0, noise: float = 8.0) -> Image.Image:
    """An RGB test image: seeded smooth waves plus noise."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    fx, fy = rng.uniform(0.005, 0.05, 2)
    base = np.sin(x * fx + seed) * 60 + np.cos(y * fy) * 60 + 128
    rgb = np.stack([base, base[::-1], np.roll(base, w // 3, axis=1)], axis=-1)
    rgb += rng.normal(0, noise, rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


# -- a small TIFF/EXIF writer ----------------------------------------------------------------


def _entry(tag: int, value: Any) -> tuple[int, int, int, bytes]:
    """(tag, type, count, data) of one IFD entry (little-endian)."""
    if isinstance(value, str):
        data = value.encode("utf-8") + b"\x00"
        return tag, 2, len(data), data
    if isinstance(value, bytes):
        return tag, 7, len(value), value
    if isinstance(value, Fraction):
        value = [value]
    if isinstance(value, int):
        if 0 <= value < 65536:
            return tag, 3, 1, struct.pack("<H", value)
        return tag, 4, 1, struct.pack("<I", value & 0xFFFFFFFF)
    if isinstance(value, list | tuple) and all(isinstance(v, Fraction) for v in value):
        data = b"".join(struct.pack("<II", v.numerator, v.denominator) for v in value)
        return tag, 5, len(value), data
    raise TypeError(f"no TIFF type for {value!r}")


def exif_block(
    ifd0: Mapping[int, Any] | None = None,
    exif: Mapping[int, Any] | None = None,
    gps: Mapping[int, Any] | None = None,
    preview: bytes | None = None,
    raw_entries: Sequence[tuple[int, int, int, int]] = (),
) -> bytes:
    """TIFF bytes of an EXIF block (no `Exif\\0\\0` prefix).

    `raw_entries` are (tag, type, count, value/offset) written verbatim into IFD0,
    for bogus counts and offsets.
    """
    ifds: list[list[tuple[int, int, int, bytes]]] = []
    main = [_entry(t, v) for t, v in (ifd0 or {}).items()]
    sub = [_entry(t, v) for t, v in (exif or {}).items()]
    gps_entries = [_entry(t, v) for t, v in (gps or {}).items()]
    # layout: header, IFD0, Exif IFD, GPS IFD, IFD1, then the data area
    pointer_tags = []
    if sub:
        pointer_tags.append(0x8769)
    if gps_entries:
        pointer_tags.append(0x8825)
    n0 = len(main) + len(pointer_tags) + len(raw_entries)
    sizes = [2 + 12 * n0 + 4, 2 + 12 * len(sub) + 4 if sub else 0]
    sizes.append(2 + 12 * len(gps_entries) + 4 if gps_entries else 0)
    sizes.append(2 + 12 * 2 + 4 if preview else 0)
    starts = [8]
    for size in sizes[:-1]:
        starts.append(starts[-1] + size)
    data_at = starts[-1] + sizes[-1]
    data = bytearray()

    def place(blob: bytes) -> int:
        nonlocal data
        offset = data_at + len(data)
        data += blob + (b"\x00" if len(blob) % 2 else b"")
        return offset

    def ifd(
        entries: list[tuple[int, int, int, bytes]],
        raw: Sequence[tuple[int, int, int, int]],
        next_at: int,
    ) -> bytes:
        out = bytearray(struct.pack("<H", len(entries) + len(raw)))
        for tag, kind, count, blob in sorted(entries):
            if len(blob) <= 4:
                out += struct.pack("<HHI", tag, kind, count) + blob.ljust(4, b"\x00")
            else:
                out += struct.pack("<HHII", tag, kind, count, place(blob))
        for tag, kind, count, value in raw:
            out += struct.pack("<HHII", tag, kind, count, value)
        return bytes(out + struct.pack("<I", next_at))

    if sub:
        main.append((0x8769, 4, 1, struct.pack("<I", starts[1])))
    if gps_entries:
        main.append((0x8825, 4, 1, struct.pack("<I", starts[2])))
    ifds_bytes = [ifd(main, raw_entries, starts[3] if preview else 0)]
    ifds_bytes.append(ifd(sub, (), 0) if sub else b"")
    ifds_bytes.append(ifd(gps_entries, (), 0) if gps_entries else b"")
    if preview:
        offset = place(preview)
        ifds_bytes.append(
            ifd(
                [
                    (0x0201, 4, 1, struct.pack("<I", offset)),
                    (0x0202, 4, 1, struct.pack("<I", len(preview))),
                ],
                (),
                0,
            )
        )
    del ifds
    return b"II*\x00" + struct.pack("<I", 8) + b"".join(ifds_bytes) + bytes(data)


def dms(degrees: float) -> list[Fraction]:
    d = int(degrees)
    m = int((degrees - d) * 60)
    s = Fraction(round(((degrees - d) * 60 - m) * 60 * 10000), 10000)
    return [Fraction(d), Fraction(m), s]


# -- containers -------------------------------------------------------------------------------


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_photo(
    img: Image.Image | None = None,
    *,
    exif: bytes | None = None,
    xmp: str | None = None,
    comment: bytes | None = None,
    app11: Sequence[bytes] = (),
    quality: int = 85,
) -> bytes:
    """A JPEG with the given metadata segments spliced in after SOI."""
    buf = io.BytesIO()
    (img or pattern()).save(buf, "JPEG", quality=quality)
    body = buf.getvalue()
    segments = b""
    if exif is not None:
        segments += _segment(0xE1, b"Exif\x00\x00" + exif)
    if xmp is not None:
        segments += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp.encode())
    for payload in app11:
        segments += _segment(0xEB, payload)
    if comment is not None:
        segments += _segment(0xFE, comment)
    return body[:2] + segments + body[2:]


def preview_of(img: Image.Image, size: tuple[int, int] = (160, 120)) -> bytes:
    buf = io.BytesIO()
    img.resize(size, Image.Resampling.BILINEAR).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_image(
    img: Image.Image | None = None,
    *,
    texts: Mapping[str, str] | None = None,
    itxt: bool = False,
    chunks: Sequence[tuple[bytes, bytes]] = (),
    exif: bytes | None = None,
) -> bytes:
    """A PNG with text chunks (tEXt, or iTXt for non-Latin-1) and extra raw chunks after IHDR."""
    info = PngInfo()
    for key, value in (texts or {}).items():
        if itxt:
            info.add_itxt(key, value)
        else:
            info.add_text(key, value)
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"pnginfo": info}
    if exif is not None:
        kwargs["exif"] = b"Exif\x00\x00" + exif
    (img or pattern((256, 256))).save(buf, "PNG", **kwargs)
    data = buf.getvalue()
    ihdr_end = 8 + 8 + 13 + 4
    return data[:ihdr_end] + b"".join(_chunk(k, d) for k, d in chunks) + data[ihdr_end:]


def add_png_texts(png: bytes, texts: Mapping[str, str]) -> bytes:
    """An encoded PNG with tEXt chunks (Latin-1 text) inserted after IHDR."""
    ihdr_end = 8 + 8 + 13 + 4
    added = b"".join(
        _chunk(b"tEXt", k.encode("latin-1") + b"\x00" + v.encode("latin-1", "replace"))
        for k, v in texts.items()
    )
    return png[:ihdr_end] + added + png[ihdr_end:]


def webp_image(img: Image.Image | None = None, *, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"quality": 80}
    if exif is not None:
        kwargs["exif"] = b"Exif\x00\x00" + exif
    (img or pattern()).save(buf, "WEBP", **kwargs)
    return buf.getvalue()


# -- AI generation metadata -------------------------------------------------------------------


def a1111_parameters(
    prompt: str = "a lighthouse at dusk, <lora:film_grain:0.6> oil painting",
    negative: str = "blurry, lowres",
    seed: int = 1234567890,
    version: str = "v1.9.4",
) -> str:
    return (
        f"{prompt}\nNegative prompt: {negative}\n"
        f"Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: {seed}, "
        'Size: 832x1216, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: "film_grain: 8a1b2c3d4e", '
        f"Version: {version}"
    )


def comfyui_prompt(seed: int = 987654321) -> dict[str, Any]:
    """An API-form ComfyUI graph: checkpoint -> 2 LoRAs -> KSampler, text via a reroute-like node."""
    return {
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "SDXL/juggernautXL_v9.safetensors"},
        },
        "10": {
            "class_type": "LoraLoader",
            "inputs": {
                "lora_name": "detail_tweaker.safetensors",
                "strength_model": 0.8,
                "strength_clip": 0.8,
                "model": ["4", 0],
                "clip": ["4", 1],
            },
        },
        "11": {
            "class_type": "LoraLoader",
            "inputs": {
                "lora_name": "styles/watercolor.safetensors",
                "strength_model": 0.5,
                "strength_clip": 0.5,
                "model": ["10", 0],
                "clip": ["10", 1],
            },
        },
        "20": {"class_type": "PrimitiveString", "inputs": {"value": "a red fox in the snow"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["20", 0], "clip": ["11", 1]}},
        "7": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "text, watermark", "clip": ["11", 1]},
        },
        "12": {
            "class_type": "ConditioningCombine",
            "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["6", 0]},
        },
        "5": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": 1024, "height": 1024, "batch_size": 1},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": seed,
                "steps": 30,
                "cfg": 7.0,
                "sampler_name": "dpmpp_2m",
                "scheduler": "karras",
                "denoise": 1.0,
                "model": ["11", 0],
                "positive": ["12", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {
            "class_type": "SaveImage",
            "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]},
        },
    }


def comfyui_workflow() -> dict[str, Any]:
    """An editor-form ComfyUI workflow (nodes with widgets_values, links)."""
    return {
        "nodes": [
            {
                "id": 4,
                "type": "CheckpointLoaderSimple",
                "widgets_values": ["dreamshaper_8.safetensors"],
            },
            {
                "id": 6,
                "type": "CLIPTextEncode",
                "widgets_values": ["a castle on a hill"],
                "inputs": [{"name": "clip", "link": 3}],
            },
            {
                "id": 7,
                "type": "CLIPTextEncode",
                "widgets_values": ["ugly"],
                "inputs": [{"name": "clip", "link": 5}],
            },
            {
                "id": 3,
                "type": "KSampler",
                "widgets_values": [42, "fixed", 25, 5.5, "euler", "normal", 1.0],
                "inputs": [
                    {"name": "model", "link": 1},
                    {"name": "positive", "link": 4},
                    {"name": "negative", "link": 6},
                ],
            },
        ],
        "links": [
            [1, 4, 0, 3, 0, "MODEL"],
            [3, 4, 1, 6, 0, "CLIP"],
            [5, 4, 1, 7, 0, "CLIP"],
            [4, 6, 0, 3, 1, "CONDITIONING"],
            [6, 7, 0, 3, 2, "CONDITIONING"],
        ],
    }


def invokeai_metadata() -> str:
    return json.dumps(
        {
            "generation_mode": "txt2img",
            "positive_prompt": "a misty forest",
            "negative_prompt": "people",
            "seed": 3141592653,
            "steps": 30,
            "cfg_scale": 7.5,
            "scheduler": "dpmpp_2m_k",
            "model": {"name": "juggernaut-xl", "hash": "blake3:abcdef", "base": "sdxl"},
            "loras": [{"model": {"name": "add-detail"}, "weight": 0.75}],
        }
    )


def novelai_texts() -> dict[str, str]:
    comment = {
        "prompt": "1girl, cherry blossoms",
        "steps": 28,
        "scale": 5.0,
        "seed": 2718281,
        "sampler": "k_euler_ancestral",
        "uc": "lowres, bad anatomy",
    }
    return {
        "Title": "NovelAI generated image",
        "Description": "1girl, cherry blossoms",
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V3 C1E7DB6",
        "Comment": json.dumps(comment),
    }


def c2pa_manifest(generator: str) -> bytes:
    """A JUMBF superbox labelled c2pa holding a CBOR map with a claim_generator."""
    key = b"\x6fclaim_generator"
    value = generator.encode()
    cbor = (
        b"\xa1"
        + key
        + (bytes([0x60 + len(value)]) if len(value) < 24 else b"\x78" + bytes([len(value)]))
        + value
    )
    label = b"c2pa\x00"
    jumd = (
        struct.pack(">I4s", 8 + 16 + 1 + len(label), b"jumd")
        + b"c2pa"
        + b"\x00" * 12
        + b"\x03"
        + label
    )
    cbor_box = struct.pack(">I4s", 8 + len(cbor), b"cbor") + cbor
    return struct.pack(">I4s", 8 + len(jumd) + len(cbor_box), b"jumb") + jumd + cbor_box


def jpeg_app11(manifest: bytes) -> bytes:
    """One JPEG APP11 payload (JPEG-XT header: CI, instance, sequence) carrying a JUMBF box."""
    return b"JP" + struct.pack(">HI", 1, 1) + manifest

"""Stream properties: duration, bitrate, sample rate, channels, bit depth, codec."""

from __future__ import annotations

import math
from typing import Any, Final

_FIXED_CODECS: Final[dict[str, str]] = {
    "flac": "flac",
    "ogg": "vorbis",
    "opus": "opus",
    "speex": "speex",
    "oggflac": "flac",
    "theora": "theora",
    "aiff": "pcm",
    "ape": "ape",
    "wavpack": "wavpack",
    "musepack": "musepack",
    "tta": "tta",
    "optimfrog": "optimfrog",
    "tak": "tak",
    "dsf": "dsd",
    "aac": "aac",
    "midi": "midi",
}
LOSSLESS: Final = frozenset(
    (
        "flac",
        "alac",
        "als",
        "pcm",
        "ape",
        "wavpack",
        "tta",
        "optimfrog",
        "tak",
        "wmalossless",
        "dsd",
        "dst",
    )
)
#: Formats whose samples have a bit depth (lossy codecs have none).
_HAS_BITDEPTH: Final = frozenset(
    ("flac", "oggflac", "wav", "aiff", "ape", "wavpack", "tta", "optimfrog", "tak", "dsf", "dff")
)
_NO_LOSSLESS_FLAG: Final = frozenset(("midi", "theora"))


def codec_of(fmt: str, info: Any) -> str | None:
    """The codec short name, from the format and mutagen's stream info."""
    fixed = _FIXED_CODECS.get(fmt)
    if fixed is not None:
        return fixed
    if fmt == "mp3":
        layer = getattr(info, "layer", 3)
        return f"mp{layer}" if layer in (1, 2, 3) else "mp3"
    if fmt == "mp4":
        return _mp4_codec(str(getattr(info, "codec", "") or ""))
    if fmt == "ac3":
        return "eac3" if getattr(info, "codec", "") == "ec-3" else "ac3"
    if fmt == "dff":
        return "dst" if str(getattr(info, "compression", "")).strip().upper() == "DST" else "dsd"
    if fmt == "asf":
        return _asf_codec(f"{getattr(info, 'codec_type', '')} {getattr(info, 'codec_name', '')}")
    return None


#: MPEG-4 audio object types (mp4a.40.N) that are not AAC.
_MP4_OBJECT_TYPES: Final = {"32": "mp1", "33": "mp2", "34": "mp3", "36": "als"}


def _mp4_codec(codec: str) -> str | None:
    lower = codec.lower()
    if lower.startswith("mp4a.40."):
        return _MP4_OBJECT_TYPES.get(lower[8:], "aac")
    if lower in ("mp4a.6b", "mp4a.69"):
        return "mp3"
    if lower == "mp4a":  # no decoder config: MPEG-4 audio, in practice AAC
        return "aac"
    known = {"alac": "alac", "ac-3": "ac3", "ec-3": "eac3", "flac": "flac", "opus": "opus"}
    return known.get(lower, lower or None)


def _asf_codec(text: str) -> str | None:
    lower = text.lower()
    if "windows media audio" not in lower:
        if "mp3" in lower or "layer iii" in lower:
            return "mp3"
        return "pcm" if "pcm" in lower else None
    for word, codec in (("lossless", "wmalossless"), ("pro", "wmapro"), ("voice", "wmavoice")):
        if word in lower:
            return codec
    return "wmav1" if "windows media audio standard" in lower else "wmav2"


def stream_fields(
    fmt: str, info: Any, overrides: dict[str, object], size: int
) -> dict[str, object]:
    """Normalized stream fields from mutagen's stream info.

    `overrides` (set by the loader where it knows better: codec, duration, channels
    ...) win over `info`.  A missing bitrate is estimated from the file size.
    """
    codec = overrides.get("codec") or codec_of(fmt, info)
    out: dict[str, object] = {}
    length = overrides.get("duration", getattr(info, "length", None))
    if isinstance(length, int | float) and math.isfinite(length) and length >= 0:
        out["duration"] = float(length)
        bps = getattr(info, "bitrate", 0) or 0
        if not bps and length > 0 and size and codec not in _NO_LOSSLESS_FLAG:
            bps = size * 8 / length  # an estimate: the file size includes the tags
        if round(bps / 1000) > 0:
            out["bitrate"] = round(bps / 1000)
    rate = getattr(info, "sample_rate", 0) or (48000 if fmt == "opus" else 0)
    if rate > 0:
        out["samplerate"] = int(rate)
    channels = getattr(info, "channels", 0)
    if channels > 0:
        out["channels"] = int(channels)
    if fmt in _HAS_BITDEPTH or codec in ("alac", "als", "pcm", "flac"):
        bits = getattr(info, "bits_per_sample", 0)
        if bits > 0:
            out["bitdepth"] = int(bits)
    out.update(overrides)
    if isinstance(codec, str) and codec:
        out["codec"] = codec
        if codec not in _NO_LOSSLESS_FLAG:
            out["lossless"] = codec in LOSSLESS
    return out

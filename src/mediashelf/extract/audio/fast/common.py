"""What the first-pass parsers share: the signal to hand a file to mutagen, and
the stream properties they find."""

from __future__ import annotations

from typing import Any


class NotFast(Exception):
    """The file is off the common path: mutagen reads it instead (never shown)."""


class StreamInfo:
    """Stream properties under the names of mutagen's `info` objects, which is what
    `audio.stream.stream_fields` reads."""

    __slots__ = (
        "bitrate",
        "bits_per_sample",
        "channels",
        "codec",
        "layer",
        "length",
        "sample_rate",
    )

    def __init__(self, length: float, bitrate: int, sample_rate: int, channels: int) -> None:
        self.length = length
        self.bitrate = bitrate
        self.sample_rate = sample_rate
        self.channels = channels
        self.bits_per_sample = 0
        self.layer = 3
        self.codec: Any = ""

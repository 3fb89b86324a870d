"""Full decoding for `shelf verify`: every packet of the first audio (else video)
stream through FFmpeg's decoders (PyAV), in the spirit of `flac -t`, mp3val and
beets' badfiles.

What counts as damage: an error the demuxer or decoder reports (what `ffmpeg -v
error` prints; with FFmpeg's CRC checking on, so FLAC frame CRCs are checked), a
stream that decodes shorter than its header says, and a FLAC whose decoded samples
do not match its STREAMINFO MD5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from mediashelf.errors import Unsupported
from mediashelf.extract.damage import Finding, reasons

#: how far the decoded length may be from the header's: 1%, and at least this much
#: (encoder delay and padding of lossy codecs)
_LENGTH_SLACK_S: Final = 0.2
_LENGTH_SLACK: Final = 0.01
#: the reason of a finding that is reported but is not damage
NOTE: Final = "note"
#: error messages kept per file
_MAX_MESSAGES: Final = 5


@dataclass(frozen=True, slots=True)
class Decoded:
    """What decoding one file found: the damage reasons (empty when it decoded
    cleanly), what the decoder said, and the decoded length in seconds."""

    damage: list[str]
    messages: list[str]
    seconds: float | None


def decode_file(path: bytes, declared: float | None = None) -> Decoded:
    """Decode the file at `path` to its end; `declared` is the length the catalog
    holds (else the container's is used).  Raises OSError (cannot read) and
    Unsupported (FFmpeg cannot open it).

    What FFmpeg says while it opens the file (about tags, pictures, a header field
    it corrects) is the structural checks' business; once the file is open, every
    error it reports counts.
    """
    import av
    import av.logging

    av.logging.set_level(av.logging.ERROR)
    # PyAV holds back a repeated message and tells it, counted, with the next one,
    # which would land in the next file's capture
    av.logging.set_skip_repeated(False)
    findings: list[Finding] = []
    seconds = None
    try:
        with av.logging.Capture(local=True):
            container = av.open(path.decode("utf-8", "surrogateescape"), "r")
    except av.error.FileNotFoundError as e:
        raise FileNotFoundError(str(e)) from e
    except av.error.FFmpegError as e:
        # Not a verdict: FFmpeg may lack what this file needs as much as the file may
        # be damaged, and the scan's checks have judged its structure already.
        raise Unsupported(f"FFmpeg cannot open it ({_text(e)})") from None
    with av.logging.Capture(local=True) as logs, container:
        seconds = _decode(container, findings, declared)
    for level, _, message in logs:
        if level is not None and level <= av.logging.ERROR:
            text = message.strip()
            kind = "checksum-mismatch" if "crc" in text.lower() else "decode-error"
            findings.append(Finding(kind, text))
    messages: list[str] = []
    for f in findings:
        if f.message not in messages and len(messages) < _MAX_MESSAGES:
            messages.append(f.message)
    return Decoded(reasons(findings), messages, seconds)


def _text(e: BaseException) -> str:
    """FFmpeg's message without the errno and the file name PyAV puts around it."""
    text = getattr(e, "strerror", None) or str(e)
    return str(text).strip() or type(e).__name__


def _decode(container: Any, findings: list[Finding], declared: float | None) -> float | None:
    """Decode the first audio stream (else the first video stream) to its end."""
    import av

    audio = next((s for s in container.streams if s.type == "audio"), None)
    stream = audio or next((s for s in container.streams if s.type == "video"), None)
    if stream is None:
        findings.append(Finding("audio-missing", "no audio or video stream to decode"))
        return None
    stream.codec_context.options = {"err_detect": "crccheck"}
    flac = audio is not None and stream.codec_context.name == "flac"
    md5 = _Md5(stream) if flac else None
    decoded = 0
    rate = stream.codec_context.sample_rate if audio is not None else 0
    errors = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError as e:
                # a packet the decoder rejects: go on with the next, as `ffmpeg` does
                errors += 1
                if errors <= _MAX_MESSAGES:
                    findings.append(Finding("decode-error", _text(e)))
                continue
            for frame in frames:
                if audio is not None:
                    decoded += frame.samples
                    if md5 is not None:
                        md5.update(frame)
    except av.error.FFmpegError as e:  # the demuxer gave up: the rest is unreadable
        findings.append(Finding("decode-error", _text(e)))
    if md5 is not None:
        md5.check(findings)
    if audio is None:
        return None  # a video's length is checked by the demuxer's errors only
    seconds = decoded / rate if rate else None
    declared = declared or _declared_seconds(container, stream)
    if seconds is not None and declared:
        slack = max(_LENGTH_SLACK_S, declared * _LENGTH_SLACK)
        # only a stream shorter than declared is damage: one that decodes longer than
        # its header says is whole (readers differ on priming, edit lists and padding;
        # FFmpeg gives a good 3GP 16.3 s where its header says 15.0)
        said = f"decoded {seconds:.3f} s, the header says {declared:.3f} s"
        if declared - seconds > slack:
            findings.append(Finding("truncated", said))
        elif seconds - declared > slack:
            findings.append(Finding(NOTE, f"{said}: longer than declared, which is not damage"))
    return seconds


def _declared_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    return None


class _Md5:
    """The MD5 of a FLAC stream's decoded samples, as STREAMINFO records it: signed
    little-endian samples of the stream's byte width, channels interleaved."""

    def __init__(self, stream: Any) -> None:
        extradata = bytes(stream.codec_context.extradata or b"")
        block = extradata[-34:] if len(extradata) >= 34 else b""
        self.expected = block[18:34] if block else b""
        bits = ((int.from_bytes(block[10:18], "big") >> 36) & 31) + 1 if block else 0
        self.bits = bits
        self.channels = int(stream.codec_context.channels or 1)
        self.active = bool(self.expected.strip(b"\0")) and bits in (8, 16, 24, 32)
        self.digest = hashlib.md5()

    def update(self, frame: Any) -> None:
        """Add one decoded frame: FFmpeg gives planar 16-bit samples for 8 and 16 bits,
        planar 32-bit ones (shifted to the top for 24 bits) above."""
        if not self.active:
            return
        import numpy as np

        n = frame.samples
        wide = frame.format.bytes == 4
        dtype = "<i4" if wide else "<i2"
        if not frame.format.is_planar:
            data = np.frombuffer(frame.planes[0], dtype=dtype, count=n * self.channels)
        else:
            planes = [np.frombuffer(p, dtype=dtype, count=n) for p in frame.planes]
            data = np.empty((n, len(planes)), dtype=dtype)
            for i, plane in enumerate(planes):
                data[:, i] = plane
        if self.bits == 16 and not wide:
            out = data
        elif self.bits == 8:
            out = data.astype("i1")
        elif self.bits == 24:
            shifted = (data >> 8) if wide else data.astype("<i4")
            out = np.ascontiguousarray(shifted).view("u1").reshape(-1, 4)[:, :3].copy()
        else:
            out = np.ascontiguousarray(data.astype("<i4", copy=False))
        self.digest.update(np.ascontiguousarray(out).data)

    def check(self, findings: list[Finding]) -> None:
        if self.active and self.digest.digest() != self.expected:
            findings.append(
                Finding("checksum-mismatch", "the decoded audio does not match the STREAMINFO MD5")
            )

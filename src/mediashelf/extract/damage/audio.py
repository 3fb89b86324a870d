"""The structural checks of the audio formats, chosen by the detected format.

They run on every audio file the scan reads, whichever loader read its tags (the
first pass or mutagen), so both give the same damage."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding
from mediashelf.extract.damage.bmff import check_bmff
from mediashelf.extract.damage.flac import check_flac
from mediashelf.extract.damage.id3 import check_id3
from mediashelf.extract.damage.mpeg import check_mp3
from mediashelf.extract.damage.ogg import check_ogg
from mediashelf.extract.damage.riff import check_aiff, check_wav

Check = Callable[[BinaryIO, bytes, int], list[Finding]]

_CHECKS: Final[dict[str, Check]] = {
    "mp3": check_mp3,
    "flac": check_flac,
    "mp4": check_bmff,
    "ogg": check_ogg,
    "opus": check_ogg,
    "oggflac": check_ogg,
    "speex": check_ogg,
    "theora": check_ogg,
    "wav": check_wav,
    "aiff": check_aiff,
}


def check_audio(fmt: str, fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    """What the structure of an audio file of format `fmt` says is wrong with it.

    An ID3v2 tag in front (MP3, AAC, TTA, a FLAC that carries one) is checked
    first; a tag longer than the file ends the checks (nothing after it is there).
    """
    findings = check_id3(fileobj, head, size)
    if findings and findings[0].message.startswith("the ID3 tag declares"):
        return findings
    check = _CHECKS.get(fmt)
    if check is not None:
        findings += check(fileobj, head, size)
    return findings

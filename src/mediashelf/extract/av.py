"""The reader of audio formats, some of whose files hold video (MP4, ASF, Ogg, Matroska).

The audio reader reads the tags and streams; when a file turns out to hold a video
stream, the video reader adds its fields.  Kept apart from both, so that neither
subpackage imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from mediashelf.extract.audio.read import AudioInfo, read_audio

if TYPE_CHECKING:
    from mediashelf.extract.video.read import VideoInfo
    from mediashelf.model import FileStat


def read(fileobj: BinaryIO, fs: FileStat, ext: str, head: bytes) -> AudioInfo | VideoInfo:
    """The registry's entry point: `read_audio`, and for an MP4, ASF or Ogg file with a
    video stream, the video reader's fields added (see `video.read.add_video_fields`)."""
    info = read_audio(fileobj, fs.path, ext, head)
    if info.kind == "video":
        from mediashelf.extract.video.read import add_video_fields

        return add_video_fields(info, fileobj, fs.path, ext, head)
    return info


def preload(paths: Sequence[bytes]) -> None:
    """What the audio reader loads before the scan forks its workers."""
    from mediashelf.extract.audio.read import preload as preload_audio

    preload_audio(paths)

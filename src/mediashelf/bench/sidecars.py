"""Contents of the non-media files that sit next to real albums.

A ripper leaves a cue sheet and a log, a release group an .nfo, a player a
playlist, Windows a Thumbs.db.  Their text is derived from the folder's plan,
so it is as deterministic as the rest of the library.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from mediashelf.bench.specs import FolderSpec, Sidecar


def _cue(folder: FolderSpec) -> bytes:
    lines = [
        f"REM DATE {folder.year}",
        'REM COMMENT "ExactAudioCopy v1.6"',
        f'PERFORMER "{folder.artist}"',
        f'TITLE "{folder.album}"',
        f'FILE "{folder.album}.wav" WAVE',
    ]
    offset = 0
    for n, track in enumerate(folder.tracks, start=1):
        title = track.tags.title if track.tags and track.tags.title else f"Track {n}"
        minutes, seconds = divmod(offset, 60)
        lines += [
            f"  TRACK {n:02d} AUDIO",
            f'    TITLE "{title}"',
            f'    PERFORMER "{folder.artist}"',
            f"    INDEX 01 {minutes:02d}:{seconds:02d}:00",
        ]
        offset += 180 + 7 * n
    # cue sheets in the wild often start with a byte order mark
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _log(folder: FolderSpec) -> bytes:
    lines = [
        "Exact Audio Copy V1.6 from 23. October 2020",
        "",
        f"EAC extraction logfile from {folder.year + 1}",
        "",
        f"{folder.artist} / {folder.album}",
        "",
        "Used drive  : HL-DT-STBD-RE  WH16NS40   Adapter: 1  ID: 0",
        "Read mode               : Secure",
        "Utilize accurate stream : Yes",
        "Defeat audio cache      : Yes",
        "",
    ]
    for n, _ in enumerate(folder.tracks, start=1):
        lines += [
            f"Track {n:2d}",
            "",
            f"     Filename C:\\Rips\\{n:02d}.wav",
            "     Peak level 98.2 %",
            f"     Copy CRC {0x1F3A5C7E ^ (n * 0x9E3779B1) & 0xFFFFFFFF:08X}",
            "     Copy OK",
            "",
        ]
    lines.append("No errors occurred")
    return "\r\n".join(lines).encode("utf-16")


def _nfo(folder: FolderSpec) -> bytes:
    body = [
        "─" * 40,
        f"  {folder.artist} - {folder.album} ({folder.year})",
        "─" * 40,
        f"  Tracks ..: {len(folder.tracks)}",
        "  Source ..: CD",
        "",
    ]
    return "\n".join(body).encode()


def _m3u(folder: FolderSpec) -> bytes:
    lines = ["#EXTM3U"]
    for track in folder.tracks:
        t = track.tags
        lines.append(f"#EXTINF:-1,{t.artist if t else ''} - {t.title if t else ''}")
        lines.append(os.path.relpath(track.relpath, folder.relpath))
    return ("\n".join(lines) + "\n").encode()


def sidecar_bytes(folder: FolderSpec, sidecar: Sidecar, covers: Sequence[bytes]) -> bytes:
    if sidecar.kind == "cover":
        return covers[sidecar.cover]
    if sidecar.kind == "cue":
        return _cue(folder)
    if sidecar.kind == "log":
        return _log(folder)
    if sidecar.kind == "nfo":
        return _nfo(folder)
    if sidecar.kind == "m3u":
        return _m3u(folder)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

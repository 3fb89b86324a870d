"""Which library reads video metadata: per-file cost and completeness of candidate readers.

    python benchmarks/video_readers.py                 # the libraries that are installed
    pip install --target /tmp/vlibs pymediainfo hachoir enzyme
    PYTHONPATH=/tmp/vlibs python benchmarks/video_readers.py --runs 5 --reads 20

Generates small real videos with PyAV (H.264/MPEG-4 in MP4, MOV, M4V and 3GP;
H.264, HEVC and VP9 in Matroska; VP8/VP9 in WebM; with and without an AAC/Opus track;
with `creation_time`, a 3GPP `loci` / QuickTime `©xyz` location, and QuickTime `mdta`
keys for make and model), then times each candidate on each file: open the file,
read the container and stream properties, no decoding.  A run reads every file
`--reads` times; a file's cost is the median over `--runs` runs.  Completeness counts
the catalog fields each reader returns, out of those the file holds.

Candidates: PyAV (`av.open` on the open file object, as the scan does, and by path),
pymediainfo (its manylinux wheel bundles libmediainfo), hachoir, enzyme (Matroska
only), and mutagen (MP4 only; it reads audio properties and iTunes tags, not the
video track).

Results on the 2-core reference machine (PyAV 18.1 with FFmpeg 8.1, pymediainfo 7.0.1
with its bundled libmediainfo, hachoir 3.4.0, enzyme 0.5.2, mutagen 1.48.1; 14 files,
5 runs of 20 reads each), per-file cost range and fields found out of those present:

    reader        mp4/mov/m4v/3gp   mkv/webm          fields found
    pyav          362-892 us        94-347 us         129/129
    pyav-path     177-696 us        86-331 us         129/129
    pymediainfo   1,626-3,161 us    1,611-3,278 us    117/129 (no 3GPP loci location)
    hachoir       696-2,799 us      1,348-3,858 us    72/129 (no codecs, no audio, no place)
    enzyme        -                 9,629-12,921 us   55/62 (Matroska only, no fps)
    mutagen       81-154 us         -                 25/67 (no video stream at all)

PyAV is 4-10 times faster than the other complete-enough candidate (pymediainfo),
the only one that finds every field, actively maintained (frequent releases, binary
wheels bundling FFmpeg for every platform), and was already a development dependency:
it is the reader's library.  Reading through the open file object (as the scan does,
so its time limit can interrupt a read) costs little over FFmpeg's own file I/O.
mutagen is faster on MP4 but sees only the audio track; a hand-written box/EBML
parser could save at most the ~0.1-0.5 ms per file FFmpeg takes, which is not where
a scan's time goes, so none was written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: the catalog fields compared
FIELDS = (
    "duration",
    "width",
    "height",
    "video_codec",
    "fps",
    "codec",
    "samplerate",
    "channels",
    "taken",
    "gps",
)

META = {"creation_time": "2023-04-05T10:11:12Z", "location": "+48.8584+002.2945+035.000/"}
APPLE = {
    **META,
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
}


def generate(folder: Path) -> list[tuple[Path, set[str]]]:
    """The benchmark's files, each with the fields it holds."""
    from tests.extract.videos import extension, video_bytes

    variants: list[tuple[str, str, dict[str, Any]]] = [
        ("mp4", "h264-aac", {"metadata": META}),
        ("mp4", "h264-silent", {"audio": False, "metadata": META}),
        ("mp4", "h264-big", {"width": 320, "height": 240, "frames": 250, "metadata": META}),
        ("mov", "h264-apple", {"metadata": APPLE, "movflags": "use_metadata_tags"}),
        ("mov", "h264-xyz", {"metadata": META}),
        ("m4v", "h264-aac", {"metadata": META}),
        ("3gp", "mpeg4-aac", {"metadata": META}),
        ("mkv", "h264-opus", {"metadata": META}),
        ("mkv", "hevc-opus", {"vcodec": "libx265", "metadata": META}),
        ("mkv", "vp9-silent", {"vcodec": "libvpx-vp9", "audio": False, "metadata": META}),
        ("mkv", "h264-big", {"width": 320, "height": 240, "frames": 250, "metadata": META}),
        ("webm", "vp9-opus", {"metadata": META}),
        ("webm", "vp8-opus", {"vcodec": "libvpx", "metadata": META}),
        ("webm", "vp9-silent", {"audio": False}),
    ]
    out = []
    for container, name, kwargs in variants:
        path = folder / f"{name}{extension(container)}"
        path.write_bytes(video_bytes(container, **kwargs))
        present = set(FIELDS)
        if kwargs.get("audio") is False:
            present -= {"codec", "samplerate", "channels"}
        if "metadata" not in kwargs:
            present -= {"taken", "gps"}
        out.append((path, present))
    return out


# -- candidates: each returns the catalog fields it found --------------------------------------


def read_pyav(path: Path, by_path: bool = False) -> dict[str, object]:
    import av

    with contextlib.ExitStack() as stack:
        source: Any = str(path) if by_path else stack.enter_context(open(path, "rb"))
        c = stack.enter_context(av.open(source, metadata_errors="replace"))
        found: dict[str, object] = {"duration": c.duration}
        for s in c.streams:
            if s.type == "video" and "width" not in found:
                cc = s.codec_context
                found.update(
                    width=cc.width,
                    height=cc.height,
                    video_codec=cc.codec.canonical_name,
                    fps=s.average_rate,
                )
            elif s.type == "audio" and "codec" not in found:
                ac = s.codec_context
                found.update(
                    codec=ac.codec.canonical_name, samplerate=ac.sample_rate, channels=ac.channels
                )
        meta = {k.lower(): v for k, v in c.metadata.items()}
        found["taken"] = meta.get("creation_time")
        found["gps"] = meta.get("location") or meta.get("com.apple.quicktime.location.iso6709")
        return found


def read_pymediainfo(path: Path) -> dict[str, object]:
    from pymediainfo import MediaInfo

    info = MediaInfo.parse(str(path))
    found: dict[str, object] = {}
    for t in info.tracks:
        if t.track_type == "General":
            found["duration"] = t.duration
            found["taken"] = t.encoded_date or t.recorded_date
            found["gps"] = t.xyz or t.comapplequicktimelocationiso6709
        elif t.track_type == "Video" and "width" not in found:
            found.update(width=t.width, height=t.height, video_codec=t.format, fps=t.frame_rate)
        elif t.track_type == "Audio" and "codec" not in found:
            found.update(codec=t.format, samplerate=t.sampling_rate, channels=t.channel_s)
    return found


def read_hachoir(path: Path) -> dict[str, object]:
    from hachoir.metadata import extractMetadata
    from hachoir.parser import createParser

    parser = createParser(str(path))
    if parser is None:
        return {}
    with parser:
        meta = extractMetadata(parser)
    if meta is None:
        return {}
    names = {
        "duration": "duration",
        "width": "width",
        "height": "height",
        "creation_date": "taken",
        "frame_rate": "fps",
        "sample_rate": "samplerate",
        "nb_channel": "channels",
        "compression": "video_codec",
    }
    found: dict[str, object] = {}
    for group in [meta, *getattr(meta, "iterGroups", lambda: [])()]:
        for key, field in names.items():
            if field not in found and group.has(key):
                found[field] = group.get(key)
    return found


def read_enzyme(path: Path) -> dict[str, object]:
    import enzyme

    with open(path, "rb") as f:
        mkv = enzyme.MKV(f)
    found: dict[str, object] = {"duration": mkv.info.duration, "taken": mkv.info.date_utc}
    if mkv.video_tracks:
        v = mkv.video_tracks[0]
        found.update(width=v.width, height=v.height, video_codec=v.codec_id)
    if mkv.audio_tracks:
        a = mkv.audio_tracks[0]
        found.update(codec=a.codec_id, samplerate=a.sampling_frequency, channels=a.channels)
    tags = {t.name.lower(): t for tag in mkv.tags for t in tag.simpletags}
    if "location" in tags:
        found["gps"] = tags["location"].string
    return found


def read_mutagen(path: Path) -> dict[str, object]:
    from mutagen.mp4 import MP4

    m = MP4(str(path))
    return {
        "duration": m.info.length,
        "codec": m.info.codec,
        "samplerate": m.info.sample_rate,
        "channels": m.info.channels,
    }


MP4_LIKE = (".mp4", ".mov", ".m4v", ".3gp")
MKV_LIKE = (".mkv", ".webm")

#: name -> (module that must be importable, reader, extensions it handles)
CANDIDATES: dict[str, tuple[str, Callable[[Path], dict[str, object]], tuple[str, ...]]] = {
    "pyav": ("av", read_pyav, MP4_LIKE + MKV_LIKE),
    "pyav-path": ("av", lambda p: read_pyav(p, by_path=True), MP4_LIKE + MKV_LIKE),
    "pymediainfo": ("pymediainfo", read_pymediainfo, MP4_LIKE + MKV_LIKE),
    "hachoir": ("hachoir", read_hachoir, MP4_LIKE + MKV_LIKE),
    "enzyme": ("enzyme", read_enzyme, MKV_LIKE),
    "mutagen": ("mutagen", read_mutagen, MP4_LIKE),
}


def time_one(read: Callable[[Path], object], path: Path, runs: int, reads: int) -> float:
    """Median over `runs` of the mean per-read cost (seconds) of `reads` reads."""
    read(path)  # imports, page cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reads):
            read(path)
        samples.append((time.perf_counter() - t0) / reads)
    return statistics.median(samples)


def found_fields(found: dict[str, object], present: set[str]) -> int:
    return sum(1 for f in present if found.get(f) not in (None, "", 0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reads", type=int, default=20)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stderr(io.StringIO()):
        files = generate(Path(tmp))
        names = [n for n, (mod, _, _) in CANDIDATES.items() if importlib.util.find_spec(mod)]
        missing = sorted(set(CANDIDATES) - set(names))
        rows: dict[str, dict[str, str]] = {p.name: {} for p, _ in files}
        totals = {n: [0, 0] for n in names}
        for name in names:
            _, read, exts = CANDIDATES[name]
            for path, present in files:
                if path.suffix not in exts:
                    rows[path.name][name] = "-"
                    continue
                try:
                    cost = time_one(read, path, args.runs, args.reads)
                    got = found_fields(read(path), present)
                except Exception as e:
                    rows[path.name][name] = f"error {type(e).__name__}"
                    continue
                totals[name][0] += got
                totals[name][1] += len(present)
                rows[path.name][name] = f"{cost * 1e6:,.0f} us {got}/{len(present)}"
    width = max(len(n) for n in rows) + 2
    print("per-file cost (median of runs) and fields found / fields present")
    print("file".ljust(width) + "".join(n.ljust(22) for n in names))
    for file, cells in rows.items():
        print(file.ljust(width) + "".join(cells.get(n, "").ljust(22) for n in names))
    print("fields found".ljust(width) + "".join(f"{a}/{b}".ljust(22) for a, b in totals.values()))
    if missing:
        print(f"not installed (skipped): {', '.join(missing)}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`shelf scan` against `exiftool -json -r` on a generated folder of mixed images.

    python benchmarks/images_vs_exiftool.py                  # 10,000 images, 5 runs each
    python benchmarks/images_vs_exiftool.py --count 2000 --runs 3

The folder is generated once and cached under ~/.cache/mediashelf-bench/
(`--mix photos`: the JPEG photos only, a camera library):
  - 72% JPEG photos, 2016x1512 (about 0.9 MB), with an EXIF block the size a phone
    writes (camera fields, dates with sub-seconds and offset, GPS, a 6-24 KiB maker
    note, a 160x120 preview in IFD1); some with an XMP packet;
  - 15% PNG, 768x768 to 1024x1024 (1-2 MB), with Automatic1111 `parameters` or
    ComfyUI `prompt`/`workflow` chunks;
  - 12% WebP, 1024x768, some with EXIF;
  - 1% HEIC (when pillow-heif can encode).
Pixels are a few dozen distinct encodings (a seeded gradient with noise); every
file gets its own metadata.  Each run scans into a fresh catalog; the two commands
alternate run by run (warm page cache for both), and the median wall time of each
is reported as images per second, with the ratio.  exiftool comes from the Debian
package libimage-exiftool-perl.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.extract.images import (  # noqa: E402
    DATE_ORIGINAL,
    DATETIME,
    EXPOSURE,
    FNUMBER,
    FOCAL,
    GPS_ALT,
    GPS_ALT_REF,
    GPS_LAT,
    GPS_LAT_REF,
    GPS_LON,
    GPS_LON_REF,
    ISO,
    LENS_MODEL,
    MAKE,
    MAKER_NOTE,
    MODEL,
    OFFSET_ORIGINAL,
    ORIENTATION,
    SOFTWARE,
    SUBSEC_ORIGINAL,
    a1111_parameters,
    add_png_texts,
    comfyui_prompt,
    comfyui_workflow,
    dms,
    exif_block,
    jpeg_photo,
    pattern,
    png_image,
    preview_of,
    webp_image,
)

VERSION = 1
CAMERAS = [
    ("Apple", "iPhone 13 Pro"),
    ("samsung", "SM-G991B"),
    ("Google", "Pixel 7"),
    ("Canon", "Canon EOS R6"),
    ("SONY", "ILCE-7M3"),
    ("FUJIFILM", "X-T4"),
]


def _xmp(i: int) -> str:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmp:CreateDate="2021-06-{i % 28 + 1:02d}T12:00:00" xmp:CreatorTool="Adobe Lightroom">'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Holiday photo {i}</rdf:li></rdf:Alt></dc:description>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def _heics() -> list[bytes]:
    """A few HEIC files, if this pillow-heif build can encode HEVC."""
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        out = []
        for k in range(4):
            buf = io.BytesIO()
            pattern((1024, 768), seed=300 + k).save(buf, "HEIF", quality=70)
            out.append(buf.getvalue())
        return out
    except Exception as e:  # no HEVC encoder in this build
        print(f"HEIC not written ({e}); JPEG instead", file=sys.stderr)
        return []


#: shares of JPEG, PNG and WebP (the rest HEIC) in each mix
MIXES = {"mixed": (0.72, 0.15, 0.12), "photos": (1.0, 0.0, 0.0)}


def generate(folder: Path, count: int, mix: str = "mixed", seed: int = 1) -> None:
    rng = random.Random(seed)
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    photos = []
    for k in range(24):
        img = pattern((2016, 1512), seed=k, noise=10.0)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=88)
        photos.append((buf.getvalue(), preview_of(img)))
    pngs = []
    for k in range(8):
        side = (768, 832, 896, 1024)[k % 4]
        pngs.append(png_image(pattern((side, side), seed=100 + k, noise=6.0)))
    webp_exif = exif_block(
        ifd0={MAKE: "Google", MODEL: "Pixel 7"}, exif={DATE_ORIGINAL: "2022:05:06 07:08:09"}
    )
    webps = [
        webp_image(pattern((1024, 768), seed=200 + k, noise=6.0), exif=webp_exif if k % 2 else None)
        for k in range(16)
    ]
    heics = _heics()
    shares = MIXES[mix]
    n_jpeg, n_png, n_webp = (int(count * share) for share in shares)
    n_heic = count - n_jpeg - n_png - n_webp
    for i in range(count):
        sub = tmp / f"{2015 + i % 10}" / f"{i % 12 + 1:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        if i < n_jpeg:
            make, model = CAMERAS[i % len(CAMERAS)]
            body, preview = photos[i % len(photos)]
            when = f"{2015 + i % 10}:{i % 12 + 1:02d}:{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"
            exif = exif_block(
                ifd0={
                    MAKE: make,
                    MODEL: model,
                    ORIENTATION: (1, 6, 1, 8)[i % 4],
                    DATETIME: when,
                    SOFTWARE: "17.1",
                },
                exif={
                    DATE_ORIGINAL: when,
                    SUBSEC_ORIGINAL: f"{i % 1000:03d}",
                    OFFSET_ORIGINAL: "+02:00",
                    EXPOSURE: Fraction(1, rng.choice((60, 125, 250, 1000))),
                    FNUMBER: Fraction(rng.choice((18, 28, 40, 56)), 10),
                    ISO: rng.choice((50, 100, 400, 1600)),
                    FOCAL: Fraction(rng.choice((26, 35, 50, 85))),
                    LENS_MODEL: f"{model} back camera 5.7mm f/1.5",
                    MAKER_NOTE: rng.randbytes(rng.randrange(6 << 10, 24 << 10)),
                },
                gps={
                    GPS_LAT_REF: "N",
                    GPS_LAT: dms(rng.uniform(35, 60)),
                    GPS_LON_REF: rng.choice("EW"),
                    GPS_LON: dms(rng.uniform(0, 20)),
                    GPS_ALT_REF: b"\x00",
                    GPS_ALT: Fraction(rng.randrange(0, 200000), 100),
                },
                preview=preview,
            )
            data = (
                body[:2] + b"\xff\xe1" + (len(exif) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + exif
            )
            if i % 5 == 0:
                xmp = b"http://ns.adobe.com/xap/1.0/\x00" + _xmp(i).encode()
                data += b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
            data += body[2:]
            (sub / f"IMG_{i:05d}.jpg").write_bytes(data)
        elif i < n_jpeg + n_png:
            if i % 2:
                texts = {"parameters": a1111_parameters(seed=i)}
            else:
                texts = {
                    "prompt": json.dumps(comfyui_prompt(seed=i)),
                    "workflow": json.dumps(comfyui_workflow()),
                }
            (sub / f"gen_{i:05d}.png").write_bytes(add_png_texts(pngs[i % len(pngs)], texts))
        elif i < n_jpeg + n_png + n_webp:
            (sub / f"web_{i:05d}.webp").write_bytes(webps[i % len(webps)])
        elif heics:
            (sub / f"IMG_{i:05d}.heic").write_bytes(heics[i % len(heics)])
        else:
            (sub / f"IMG_{i:05d}.jpg").write_bytes(jpeg_photo(pattern((1024, 768), seed=i % 4)))
    print(
        f"generated {count} images ({n_jpeg} jpeg, {n_png} png, {n_webp} webp, {n_heic} heic)",
        file=sys.stderr,
    )
    tmp.rename(folder)


def folder_size(folder: Path) -> tuple[int, int]:
    files = total = 0
    for top, _, names in os.walk(folder):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(top, name))
    return files, total


def time_shelf(folder: Path, jobs: int | None) -> float:
    with tempfile.TemporaryDirectory() as d:
        cmd = [
            sys.executable,
            "-m",
            "mediashelf",
            "--db",
            os.path.join(d, "c.db"),
            "scan",
            str(folder),
        ]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        env = {**os.environ, "XDG_CONFIG_HOME": d, "XDG_DATA_HOME": d}
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t
        if r.returncode not in (0, 1):
            raise SystemExit(f"shelf scan failed: {r.stderr.decode(errors='replace')}")
        return elapsed


def time_exiftool(folder: Path) -> float:
    t = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(
            ["exiftool", "-json", "-r", "-q", str(folder)], stdout=null, stderr=subprocess.DEVNULL
        )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--mix", choices=sorted(MIXES), default="mixed", help="photos: JPEG camera photos only"
    )
    ap.add_argument(
        "--jobs", type=int, default=None, help="passed to shelf scan (default: its own)"
    )
    ap.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "mediashelf-bench")
    args = ap.parse_args()
    if shutil.which("exiftool") is None:
        raise SystemExit("exiftool not found (Debian: apt-get install libimage-exiftool-perl)")
    suffix = "" if args.mix == "mixed" else f"-{args.mix}"
    folder = args.workdir / f"images-v{VERSION}-{args.count}{suffix}"
    if not folder.is_dir():
        t = time.perf_counter()
        generate(folder, args.count, args.mix)
        print(f"generation took {time.perf_counter() - t:.0f} s", file=sys.stderr)
    files, total = folder_size(folder)
    print(f"folder: {folder} ({files} images, {total / 1e6:.0f} MB, {os.cpu_count()} CPUs)")
    shelf_times: list[float] = []
    exif_times: list[float] = []
    for run in range(args.runs):
        pair = [
            ("shelf", lambda: time_shelf(folder, args.jobs)),
            ("exiftool", lambda: time_exiftool(folder)),
        ]
        if run % 2:
            pair.reverse()
        for name, fn in pair:
            seconds = fn()
            (shelf_times if name == "shelf" else exif_times).append(seconds)
            print(f"run {run + 1} {name}: {seconds:.2f} s", file=sys.stderr)
    shelf_s, exif_s = statistics.median(shelf_times), statistics.median(exif_times)
    print(
        f"shelf scan: median {shelf_s:.2f} s = {files / shelf_s:,.0f} images/s ({args.runs} runs)"
    )
    print(f"exiftool:   median {exif_s:.2f} s = {files / exif_s:,.0f} images/s ({args.runs} runs)")
    print(f"ratio: shelf is {exif_s / shelf_s:.1f}x exiftool's rate")


if __name__ == "__main__":
    main()

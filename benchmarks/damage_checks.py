"""What finding damage costs: the scan's structural checks, and `shelf verify` against
`flac -t` and `ffmpeg` over the same files.

    python benchmarks/damage_checks.py                  # a generated 2000-track library
    python benchmarks/damage_checks.py --tracks 5000 --rounds 5 --json out.json
    python benchmarks/damage_checks.py --parts flac          # one of the three

1. First index with and without the structural checks: the same library indexed into
   a fresh catalog by `shelf scan` (worker pool, default profile), the checks switched
   off by replacing them with a no-op in the scanning process before its workers fork.
   Runs are interleaved (with, without, with, ...) and the medians compared.  Plus the
   checks' own CPU time per file, timed in one process over every file.
2. `shelf verify format:flac --again` over the library's FLAC files against
   `flac -t -s` run once serially and once with `xargs -P 2`.
3. `shelf verify format:mp3 --again` against `ffmpeg -v error -i F -f null -` with
   `xargs -P 2`.

Needs Debian's `flac` and `ffmpeg` on PATH for 2 and 3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_NO_CHECKS = """
import sys
import mediashelf.extract.audio.read as audio
import mediashelf.extract.image.read as image
import mediashelf.extract.video.read as video
audio.check_audio = lambda *a: []
image.check_image = lambda *a: []
video.check_bmff = lambda *a: []
from mediashelf.cli import main
sys.exit(main(sys.argv[1:]))
"""
_CHECKS = "import sys\nfrom mediashelf.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def shelf(code: str, *args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=False, capture_output=True)
    return time.perf_counter() - t0


def first_index(lib: Path, work: Path, rounds: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {"with": [], "without": []}
    for i in range(rounds):
        for name, code in (("with", _CHECKS), ("without", _NO_CHECKS)):
            db = work / f"{name}{i}.db"
            times[name].append(shelf(code, "--db", str(db), "scan", str(lib), "--json"))
            db.unlink()
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "runs_s": times,
        "median_s": med,
        "cost": med["with"] / med["without"] - 1,
    }


def check_cpu(lib: Path) -> dict[str, Any]:
    """CPU µs per file of the checks alone, over every audio and image file."""
    from mediashelf.errors import MediaError
    from mediashelf.extract.audio.detect import detect
    from mediashelf.extract.damage.audio import check_audio

    per: list[float] = []
    for top, _, names in os.walk(lib):
        for name in names:
            path = os.path.join(top, name)
            with open(path, "rb") as f:
                head = f.read(16 << 10)
                f.seek(0)
                try:
                    fmt = detect(f, head, name.rpartition(".")[2].lower()).format
                except MediaError:  # cover images, sidecars
                    continue
                size = os.fstat(f.fileno()).st_size
                if fmt is None:
                    continue
                t0 = time.process_time()
                for _ in range(5):
                    check_audio(fmt, f, head, size)
                per.append((time.process_time() - t0) / 5)
    return {"files": len(per), "mean_us": 1e6 * statistics.fmean(per) if per else None}


def files_of(lib: Path, ext: str) -> list[str]:
    return sorted(
        os.path.join(t, n) for t, _, names in os.walk(lib) for n in names if n.endswith(ext)
    )


def timed(cmd: list[str], stdin: str | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, input=stdin, text=True, capture_output=True, check=False)
    return time.perf_counter() - t0


def verify_vs(lib: Path, db: Path, ext: str, rounds: int) -> dict[str, Any]:
    files = files_of(lib, "." + ext)
    listing = "\0".join(files)
    fmt = "flac" if ext == "flac" else "mp3"
    runs: dict[str, list[float]] = {}
    commands: dict[str, tuple[list[str], str | None]] = {
        "shelf verify (2 workers)": (
            [sys.executable, "-m", "mediashelf", "--db", str(db), "verify", "--again",
             "--jobs", "2", "-q", f"format:{fmt}"],
            None,
        ),
    }  # fmt: skip
    if ext == "flac":
        commands["flac -t (serial)"] = (["flac", "-t", "-s", *files], None)
        commands["flac -t (xargs -P 2)"] = (
            ["xargs", "-0", "-P", "2", "-n", "16", "flac", "-t", "-s"],
            listing,
        )
    else:
        script = 'for f; do ffmpeg -nostdin -v error -i "$f" -f null -; done'
        commands["ffmpeg -v error (xargs -P 2)"] = (
            ["xargs", "-0", "-P", "2", "-n", "16", "sh", "-c", script, "sh"],
            listing,
        )
    for _ in range(rounds):
        for name, (cmd, stdin) in commands.items():
            runs.setdefault(name, []).append(timed(cmd, stdin))
    med = {k: statistics.median(v) for k, v in runs.items()}
    return {"files": len(files), "runs_s": runs, "median_s": med}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracks", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", type=Path)
    p.add_argument(
        "--parts",
        default="index,flac,mp3",
        help="which measurements, comma-separated: index (1), flac (2), mp3 (3)",
    )
    args = p.parse_args()
    from mediashelf.bench.generate import generate_library

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lib = work / "lib"
        generate_library(lib, args.tracks, seed=16, jobs=2)
        parts = set(args.parts.split(","))
        out: dict[str, Any] = {"tracks": args.tracks, "rounds": args.rounds}
        if "index" in parts:
            out["first_index"] = first_index(lib, work, args.rounds)
            out["check_cpu"] = check_cpu(lib)
        db = work / "verify.db"
        subprocess.run(
            [sys.executable, "-m", "mediashelf", "--db", str(db), "scan", str(lib), "-q"],
            check=True,
            capture_output=True,
        )
        if "flac" in parts:
            out["verify_flac"] = verify_vs(lib, db, "flac", args.rounds)
        if "mp3" in parts:
            out["verify_mp3"] = verify_vs(lib, db, "mp3", args.rounds)
    text = json.dumps(out, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

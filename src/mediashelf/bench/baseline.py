"""The serial baseline for a first index: `for p in files: mutagen.File(p)`.

    python -m mediashelf.bench.baseline ROOT

Lists the files under ROOT first (untimed; dot-files skipped, as a scan skips them),
loads mutagen's format modules, then times only the loop and prints one JSON object:
{"files": N, "seconds": S, "files_per_second": R, "cpu_seconds": C, "unreadable": K}.
"""

from __future__ import annotations

import json
import os
import sys
import time


def list_files(root: str) -> list[str]:
    out: list[str] = []
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(os.path.join(top, f) for f in sorted(files) if not f.startswith("."))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m mediashelf.bench.baseline ROOT", file=sys.stderr)
        return 2
    import mutagen

    files = list_files(argv[0])
    mutagen.File(os.devnull)  # import every format module before the clock starts
    unreadable = 0
    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        try:
            mutagen.File(path)
        except Exception:
            unreadable += 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    rate = len(files) / seconds if seconds > 0 else 0.0
    print(
        json.dumps(
            {
                "files": len(files),
                "seconds": seconds,
                "files_per_second": rate,
                "cpu_seconds": cpu,
                "unreadable": unreadable,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

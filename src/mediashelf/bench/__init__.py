"""Benchmarks: a synthetic library generator and the timing scenarios behind `shelf bench`.

    shelf bench generate DIR --tracks 41000 --seed 1
    shelf bench run --sizes 10000,41000 --runs 5 --markdown

Imports stay lazy: PyAV is only needed (and only imported) to generate a library.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Final

from mediashelf.errors import EXIT_INTERRUPTED, EXIT_OK, ShelfError

INSTALL_HINT: Final = "generating a library needs PyAV: pip install -e '.[dev]'"
DEFAULT_WORKDIR: Final = Path("~/.cache/mediashelf-bench")
DEFAULT_SIZES: Final = (10000, 41000, 100000)
SCENARIOS: Final = (
    "first", "noop", "delta", "query", "organize", "cold", "version", "postgres",
)  # fmt: skip
#: what `run` times without --scenarios (postgres needs a server: --postgres URL)
DEFAULT_SCENARIOS: Final = SCENARIOS[:-1]


class BenchError(ShelfError):
    """The benchmark cannot go on (missing tool, failed scan, foreign directory)."""


def _ints(text: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"not a list of positive numbers: {text!r}")
    return values


def _scenarios(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario {', '.join(unknown) or text!r}; choose from {','.join(SCENARIOS)}"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shelf bench",
        description="Generate synthetic music libraries and time mediashelf against baselines.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="create a synthetic music library",
        description="Create a realistic, seed-deterministic music library of real, decodable "
        "audio files (mp3, flac, m4a, ogg, opus) with varied tags, covers and sidecar files. "
        "A library already generated with the same --tracks and --seed is reused.",
    )
    gen.add_argument("dir", type=Path, help="library root (created; must be empty or generated)")
    gen.add_argument(
        "--tracks", type=int, default=1000, metavar="N", help="number of audio files (1000)"
    )
    gen.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (1)")
    gen.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (CPU count)"
    )

    _add_run(sub)
    return parser


def _add_run(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="time scan scenarios against baselines",
        description="Time first index (warm and cold page cache), no-op rescan, 1% delta "
        "rescan and start-up against simple baselines on generated libraries, and print a "
        "table of the targets.",
    )
    run.add_argument(
        "--sizes",
        type=_ints,
        default=list(DEFAULT_SIZES),
        metavar="N,N,...",
        help="library sizes in tracks (10000,41000,100000)",
    )
    run.add_argument("--runs", type=int, default=5, metavar="N", help="timed runs per scenario (5)")
    run.add_argument(
        "--scenarios",
        type=_scenarios,
        default=list(DEFAULT_SCENARIOS),
        metavar="LIST",
        help=f"comma-separated subset of {','.join(SCENARIOS)} (all but postgres)",
    )
    run.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        metavar="DIR",
        help="where libraries are generated and kept (~/.cache/mediashelf-bench)",
    )
    run.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="passed to generate and `shelf scan`"
    )
    run.add_argument("--seed", type=int, default=1, metavar="N", help="library seed (1)")
    run.add_argument(
        "--json", type=Path, default=None, metavar="FILE", help="also write all results to FILE"
    )
    run.add_argument("--markdown", action="store_true", help="print the table as markdown")
    run.add_argument(
        "--postgres",
        default=None,
        metavar="URL",
        help="for the postgres scenario: a PostgreSQL database where the bench may create "
        "(and drops) schemas, e.g. postgresql://me@localhost/bench",
    )
    run.add_argument(
        "--shelf",
        default=None,
        metavar="CMD",
        help="command that runs shelf (default: this Python with -m mediashelf); "
        "e.g. to time another installed version",
    )
    run.add_argument(
        "--beets",
        default=None,
        metavar="CMD",
        help="also time the query scenario with beets: the command that runs `beet` on a "
        'library of the same files (e.g. "env BEETSDIR=/path beet")',
    )


class _Progress:
    """A one-line counter on stderr, redrawn at most twice a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.5:
            return
        self.last = now
        end = "\n" if done == total else ""
        print(f"\r  {done}/{total} tracks", end=end, file=sys.stderr, flush=True)


def bench_main(argv: list[str]) -> int:
    """Entry point of `shelf bench ...`; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            from mediashelf.bench.generate import generate_library

            report = generate_library(
                args.dir,
                args.tracks,
                args.seed,
                args.jobs,
                progress=_Progress() if sys.stderr.isatty() else None,
            )
            state = "reused" if report.cached else f"generated in {report.seconds:.1f} s"
            kinds = ", ".join(f"{k} {n}" for k, n in report.formats.items())
            print(
                f"{report.root}: {state}: {report.files} files ({kinds}; "
                f"{report.sidecars} other), {report.bytes / 1e6:.0f} MB"
            )
            return EXIT_OK
        import shlex

        from mediashelf.bench.run import run_bench

        run_bench(
            args.sizes,
            args.runs,
            args.scenarios,
            args.workdir.expanduser(),
            args.jobs,
            args.json,
            seed=args.seed,
            markdown=args.markdown,
            shelf_cmd=shlex.split(args.shelf) if args.shelf else None,
            beets_cmd=shlex.split(args.beets) if args.beets else None,
            postgres=args.postgres,
        )
        return EXIT_OK
    except BenchError as e:
        print(f"shelf bench: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("shelf bench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

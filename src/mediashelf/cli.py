"""Command line: parse arguments → call one command → exit code.  No logic here.

Each module of `mediashelf.commands` registers its subcommands and turns their
arguments into a call of the service layer (`mediashelf.app`).  Heavy modules are
imported inside the commands, so `shelf --version` and `shelf --help` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from mediashelf import __version__
from mediashelf.commands import catalog, dupes, organize, query, scan, serve, verify, watch
from mediashelf.commands.common import common_parent
from mediashelf.errors import (
    EXIT_FATAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InjectedCrash,
    ShelfError,
)

#: the exit code of a run stopped by `--fail-after` (crash-safety tests)
EXIT_INJECTED = 99


def build_parser() -> argparse.ArgumentParser:
    common = common_parent()
    p = argparse.ArgumentParser(
        prog="shelf", description="Index and organize large media libraries.", parents=[common]
    )
    p.add_argument("--version", action="version", version=f"shelf {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    scan.register(sub, common)
    query.register(sub, common)
    organize.register(sub, common)
    catalog.register(sub, common)
    dupes.register(sub, common)
    watch.register(sub, common)
    serve.register(sub, common)
    verify.register(sub, common)
    sub.add_parser(
        "bench",
        help="generate benchmark libraries and time scans",
        description="Benchmarks: `shelf bench generate DIR`, `shelf bench run`.",
        add_help=False,
    )
    return p


def main(argv: list[str] | None = None) -> int:
    # file names are bytes: print undecodable ones back as the bytes they were
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its own argument parser, `--help` included
        from mediashelf.bench import bench_main

        return bench_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("db", "config"):
        if not hasattr(args, name):
            setattr(args, name, None)
    if not getattr(args, "func", None):
        parser.print_help()  # `shelf` alone: the help, as `git` with no command
        return EXIT_OK
    try:
        return int(args.func(args))
    except ShelfError as e:
        print(f"shelf: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("shelf: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `shelf find | head`: the reader went away; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        print(f"shelf: {e}", file=sys.stderr)
        return EXIT_FATAL
    except Exception as e:
        from mediashelf.catalog import driver_error
        from mediashelf.dburl import masked

        url = getattr(args, "db", None) or os.environ.get("SHELF_DB")
        message = driver_error(e, url)
        if message is None:
            raise
        db = masked(url) if url else "the catalog"
        print(
            f"shelf: catalog error ({db}): {message}; check it and its permissions", file=sys.stderr
        )
        return EXIT_FATAL
    except InjectedCrash as e:
        print(f"shelf: {e} (--fail-after)", file=sys.stderr)
        return EXIT_INJECTED

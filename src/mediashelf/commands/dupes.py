"""`shelf dupes`: finding duplicates, and resolving them through the journal."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mediashelf.commands.common import (
    Subparsers,
    abspath_bytes,
    command_line,
    confirm,
    open_db,
    settings_of,
    writing,
)
from mediashelf.errors import EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK, ConfigError

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog
    from mediashelf.dupes import Options
    from mediashelf.dupes import Result as DupesResult


def _options(args: argparse.Namespace) -> Options:
    """The options of the search, checked."""
    import dataclasses

    from mediashelf.dupes import Mode, Options

    mode: Mode = "audio" if args.audio else "similar" if args.similar else "exact"
    if mode != "similar" and (
        args.duration_tolerance is not None or args.phash_distance is not None
    ):
        raise ConfigError("--duration-tolerance and --phash-distance apply to --similar")
    if args.duration_tolerance is not None and not args.duration_tolerance >= 0:
        raise ConfigError("--duration-tolerance must be 0 or more seconds")
    if args.phash_distance is not None and not 0 <= args.phash_distance <= 63:
        raise ConfigError("--phash-distance must be between 0 and 63")
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be 1 or more")
    _check_resolve_args(args, mode)
    options = Options(mode=mode, jobs=args.jobs)
    if args.duration_tolerance is not None:
        options = dataclasses.replace(options, duration_tolerance=args.duration_tolerance)
    if args.phash_distance is not None:
        options = dataclasses.replace(options, phash_distance=args.phash_distance)
    return options


def cmd_dupes(args: argparse.Namespace) -> int:
    import contextlib

    from mediashelf import query
    from mediashelf.app import dupes
    from mediashelf.console import make_progress
    from mediashelf.dupes import report as dupes_report

    options = _options(args)
    compiled = query.build(args.query)
    settings = settings_of(args)
    with contextlib.ExitStack() as stack:
        if args.apply:
            catalog = stack.enter_context(writing(args, settings, durable=True))
        else:
            catalog = stack.enter_context(contextlib.closing(open_db(settings)))
        progress = make_progress(args.json, args.quiet, "hashing")
        try:
            result = dupes.find(catalog, compiled, options, progress)
        finally:
            progress.close()
        if args.resolve:
            return _resolve(args, catalog, result)
    if args.json:
        dupes_report.write_json(result, sys.stdout)
    else:
        dupes_report.write_text(result, sys.stdout)
    _print_failures(result)
    return EXIT_FAILURES if result.failures else EXIT_OK


def _print_failures(result: DupesResult) -> None:
    for f in result.failures:
        print(f"shelf: {f.kind}: {os.fsdecode(f.path)}: {f.message}", file=sys.stderr)


def _check_resolve_args(args: argparse.Namespace, mode: str) -> None:
    from mediashelf.dupes.resolve import check_keep

    if not args.resolve:
        used = [f for f in ("keep", "action", "to") if getattr(args, f) is not None]
        used += [f for f in ("apply", "yes") if getattr(args, f)]
        if used:
            raise ConfigError(f"--{used[0]} goes with --resolve")
        return
    if args.action is None:
        raise ConfigError("--resolve needs --action trash|move-to|hardlink|delete")
    if (args.action == "move-to") != (args.to is not None):
        raise ConfigError("--action move-to needs --to DIR, and --to goes with move-to only")
    if args.to is not None and os.path.exists(args.to) and not os.path.isdir(args.to):
        raise ConfigError(f"--to {args.to!r} is a file, not a folder")
    if args.action == "delete" and args.apply and not args.yes:
        raise ConfigError("--action delete cannot be undone: add --yes to delete")
    args.keep = check_keep(args.keep or "best")


def _resolve(args: argparse.Namespace, catalog: Catalog, result: DupesResult) -> int:
    """`shelf dupes --resolve`: the plan (a dry run), or with --apply the run."""
    from mediashelf.app import resolve
    from mediashelf.console import make_progress
    from mediashelf.dupes.report import print_resolution
    from mediashelf.journal.report import print_outcome

    _print_failures(result)
    to = abspath_bytes(args.to) if args.to is not None else None
    res = resolve.plan(catalog, result.groups, args.keep, args.action, to)
    problems = EXIT_FAILURES if result.failures else EXIT_OK
    if not args.apply or not res.ops:
        print_resolution(res, sys.stdout, json_mode=args.json)
        return problems
    n = len(res.ops)
    verb = {"move-to": "Move", "hardlink": "Hard-link", "delete": "Delete"}.get(
        args.action, "Trash"
    )
    if not confirm(f"{verb} {n:,} duplicate files?", args.yes, n):
        print("shelf: nothing done", file=sys.stderr)
        return EXIT_OK
    progress = make_progress(args.json, args.quiet, "resolving")
    try:
        outcome = resolve.apply(
            catalog, res, command=command_line(), sink=progress, fail_after=args.fail_after
        )
    finally:
        progress.close()
    print_outcome(outcome, 0, sys.stdout, json_mode=args.json)
    if outcome.status == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_FAILURES if outcome.failures or problems else EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    du = sub.add_parser(
        "dupes",
        parents=[common],
        help="find duplicate files",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Find groups of duplicates among the catalogued files that match QUERY, "
        "with the copy to keep first and the space the others take. Files are hashed only "
        "when the catalog cannot settle it; hashes are kept in the catalog until the file "
        "changes. Nothing is changed on disk, but by --resolve --apply.",
        epilog="""modes:
  --exact      byte-identical files (the default)
  --audio      the same audio stream with different tags (MP3, FLAC, MP4, Ogg, WAV ...)
  --similar    the same recording in other formats or bitrates: (album artist or artist,
               title) and duration within --duration-tolerance, or the same MusicBrainz
               recording id; images whose perceptual hashes are within --phash-distance
hard links to one file are shown as one file and never counted as reclaimable.
examples:
  shelf dupes
  shelf dupes --audio kind:audio path:~/Music
  shelf dupes --similar --duration-tolerance 3 --json
  shelf dupes --resolve --keep path:~/Music --action trash          (the plan)
  shelf dupes --resolve --action move-to --to ~/dupes --apply
  shelf dupes --resolve --keep oldest --action hardlink --apply""",
    )
    du.add_argument("query", nargs="*", metavar="QUERY", help="only items matching the query")
    dmodes = du.add_mutually_exclusive_group()
    dmodes.add_argument("--exact", action="store_true", help="byte-identical files (default)")
    dmodes.add_argument("--audio", action="store_true", help="the same audio, other tags")
    dmodes.add_argument(
        "--similar", action="store_true", help="the same recording in other formats; images"
    )
    du.add_argument("--json", action="store_true", help="one JSON object per group")
    du.add_argument(
        "--duration-tolerance",
        type=float,
        default=None,
        metavar="S",
        help="--similar: seconds two durations may differ by (default: 2)",
    )
    du.add_argument(
        "--phash-distance",
        type=int,
        default=None,
        metavar="N",
        help="--similar: most bits two image hashes may differ by (default: 6)",
    )
    du.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="hashing threads (default: 2 per core, up to 8)"
    )
    du.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    res = du.add_argument_group("resolving (the groups of any mode; a dry run unless --apply)")
    res.add_argument(
        "--resolve", action="store_true", help="keep one file of each group, act on the others"
    )
    res.add_argument(
        "--keep",
        metavar="RULE",
        default=None,
        help="the file to keep: best (default), first (by path), newest, oldest, "
        "path:PREFIX (the one under PREFIX, else best)",
    )
    res.add_argument(
        "--action",
        choices=["trash", "move-to", "hardlink", "delete"],
        default=None,
        help="what to do with the others: trash (the freedesktop.org trash), move-to "
        "(--to DIR), hardlink (replace by a hard link to the file kept; byte-identical "
        "groups only), delete (needs --yes; "
        "cannot be undone)",
    )
    res.add_argument("--to", metavar="DIR", default=None, help="--action move-to: where to")
    res.add_argument("--apply", action="store_true", help="do it (journaled: `shelf undo`)")
    res.add_argument("--yes", "-y", action="store_true", help="do not ask; needed by delete")
    res.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=argparse.SUPPRESS)
    res.add_argument("--fail-after", type=int, default=None, help=argparse.SUPPRESS)
    du.set_defaults(func=cmd_dupes)

"""`shelf organize`, `undo`, `history`, `recover`: changing files through the journal."""

from __future__ import annotations

import argparse
import os
import sys

from mediashelf.commands.common import (
    Subparsers,
    abspath_bytes,
    applying_parent,
    command_line,
    confirm,
    open_db,
    settings_of,
    writing,
)
from mediashelf.errors import EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK, ConfigError


def cmd_organize(args: argparse.Namespace) -> int:
    from mediashelf.app import organize
    from mediashelf.console import make_progress
    from mediashelf.journal.report import print_outcome
    from mediashelf.organize.plan import Request
    from mediashelf.organize.report import print_plan

    settings = settings_of(args)
    dest = abspath_bytes(args.into)
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ConfigError(f"--into {args.into!r} is a file, not a folder")
    request = Request(
        query=args.query,
        dest=dest,
        mode=args.mode,
        on_conflict=args.on_conflict,
        skip_identical=args.skip_identical,
        template=args.template,
        preset=args.preset,
        sidecars=not args.no_sidecars,
    )
    if args.dry_run:
        catalog = open_db(settings)
        try:
            plan = organize.plan(catalog, settings, request)
        finally:
            catalog.close()
        print_plan(plan, sys.stdout, json_mode=args.json)
        return EXIT_OK
    with writing(args, settings, durable=True) as catalog:
        plan = organize.plan(catalog, settings, request)
        if not plan.ops:
            print_plan(plan, sys.stdout, json_mode=args.json, summary_only=True)
            return EXIT_OK
        verb = {"move": "Move", "copy": "Copy"}.get(args.mode, f"Make {args.mode}s of")
        files = len(plan.ops)
        if not confirm(f"{verb} {files:,} files into {args.into}?", args.yes, files):
            print("shelf: nothing done", file=sys.stderr)
            return EXIT_OK
        progress = make_progress(args.json, args.quiet, "organizing")
        try:
            outcome = organize.apply(
                catalog,
                plan,
                command=command_line(),
                sink=progress,
                prune=not args.no_prune,
                fail_after=args.fail_after,
            )
        finally:
            progress.close()
    print_outcome(outcome, len(plan.conflicts), sys.stdout, json_mode=args.json)
    if outcome.status == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_FAILURES if outcome.failures else EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from mediashelf.app import journal

    found = journal.recover(settings_of(args), wait=args.wait, command=command_line())
    for rec in found:
        print(rec.message())
        for line in rec.odd:
            print(f"  ! {line}")
    if not found:
        print("nothing to recover: every run finished")
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    from mediashelf.app import journal
    from mediashelf.console import make_progress
    from mediashelf.journal.report import print_outcome

    with writing(args, durable=True) as catalog:
        progress = make_progress(args.json, args.quiet, "undoing")
        try:
            outcome = journal.undo(
                catalog,
                args.run,
                force=args.force,
                command=command_line(),
                sink=progress,
                fail_after=args.fail_after,
            )
        finally:
            progress.close()
    print_outcome(outcome, 0, sys.stdout, json_mode=args.json)
    return EXIT_FAILURES if outcome.failures else EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from mediashelf.app import journal
    from mediashelf.journal.report import print_history

    catalog = open_db(settings_of(args))
    try:
        runs = journal.history(catalog, limit=args.limit)
    finally:
        catalog.close()
    print_history(runs, sys.stdout, json_mode=args.json)
    return EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    applying = applying_parent()
    _register_organize(sub, common, applying)
    _register_journal(sub, common, applying)


def _register_organize(
    sub: Subparsers, common: argparse.ArgumentParser, applying: argparse.ArgumentParser
) -> None:
    o = sub.add_parser(
        "organize",
        parents=[common, applying],
        help="move or copy files into a tidy tree from path templates",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Move (or copy, link) the catalogued files that match QUERY into DEST, "
        "named by path templates. Every operation is journaled: an interrupted run is "
        "recovered by the next command, and `shelf undo` reverses a run.",
        epilog="""default templates (first match wins; [organize] templates in the settings file):
  compilations  Compilations/$album%aunique{}/$track $title
  albums        $albumartist/$album%aunique{}/%if{$multidisc,$disc-}$track $title
  singletons    Non-Album/$artist/$title
  AI images     AI/$ai_tool/$year-$month-$day/$stem
  photos        Photos/$year/$year-$month-$day/$stem
  videos        Videos/$year/$year-$month-$day/$stem
examples:
  shelf organize --into ~/Music/tidy --dry-run
  shelf organize artist:queen --into ~/Music/tidy --yes
  shelf organize kind:image --into ~/Pictures --mode copy --on-conflict keep-both""",
    )
    o.add_argument("query", nargs="*", metavar="QUERY", help="only items matching the query")
    o.add_argument("--into", required=True, metavar="DEST", help="the root of the tidy tree")
    o.add_argument("--dry-run", "-n", action="store_true", help="print the plan, change nothing")
    o.add_argument(
        "--mode",
        choices=["move", "copy", "hardlink", "symlink", "reflink"],
        default="move",
        help="how files get there (default: move)",
    )
    o.add_argument(
        "--on-conflict",
        choices=["skip", "replace", "rename", "keep-both"],
        default="skip",
        help="when the destination exists: leave the file (skip, the default); put the "
        "existing one aside under DEST/.mediashelf-replaced (replace); rename the existing "
        "one to 'name (1)' (rename); or give the new one that name (keep-both)",
    )
    o.add_argument(
        "--skip-identical",
        action="store_true",
        help="leave files whose destination has the same bytes",
    )
    o.add_argument("--template", "-t", metavar="TEMPLATE", help="one template for every file")
    o.add_argument(
        "--preset",
        choices=["default", "ai-dated", "photos-by-date"],
        help="a built-in template set: ai-dated is DAY/project/source/ "
        "($year-$month-$day/$folder/$ai_tool/$stem) as AI-image organizers lay files out",
    )
    o.add_argument("--no-prune", action="store_true", help="keep emptied source folders")
    o.add_argument(
        "--no-sidecars", action="store_true", help="leave covers, .cue, .log ... where they are"
    )
    o.set_defaults(func=cmd_organize)


def _register_journal(
    sub: Subparsers, common: argparse.ArgumentParser, applying: argparse.ArgumentParser
) -> None:
    u = sub.add_parser(
        "undo",
        parents=[common, applying],
        help="reverse an organize run",
        description="Reverse a run exactly: move files back, remove the copies and links it "
        "made. Files changed since are refused (unless --force).",
    )
    u.add_argument("run", nargs="?", type=int, metavar="RUN", help="run id (default: the last)")
    u.add_argument("--force", action="store_true", help="undo the rest even if files changed")
    u.set_defaults(func=cmd_undo)

    h = sub.add_parser(
        "history",
        parents=[common],
        help="list organize runs",
        description="List organize and undo runs: id, time, command, counts.",
    )
    h.add_argument("--limit", type=int, default=None, metavar="N", help="the last N runs")
    h.add_argument("--json", action="store_true", help="one JSON object per run")
    h.set_defaults(func=cmd_history)

    rc = sub.add_parser(
        "recover",
        parents=[common],
        help="finish or roll back an interrupted organize run",
        description="Settle runs that a crash left unfinished (any command that takes the "
        "catalog lock does this first).",
    )
    rc.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    rc.set_defaults(func=cmd_recover)

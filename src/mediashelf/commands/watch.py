"""`shelf watch`: keep the catalog in step with folders, or organize an inbox, as files
arrive."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mediashelf.commands.common import Subparsers, abspath_bytes, command_line, settings_of
from mediashelf.errors import ConfigError

if TYPE_CHECKING:
    from mediashelf.config import Settings


def _duration(text: str) -> float:
    from mediashelf.config import parse_duration

    try:
        return parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration (like 5, 0.5, 30s, 15m, 6h)"
        ) from None


def cmd_watch(args: argparse.Namespace) -> int:
    import json

    from mediashelf.organize.plan import Request
    from mediashelf.watch.report import Batch
    from mediashelf.watch.run import Watcher, WatchRequest

    settings = settings_of(
        args,
        jobs=args.jobs,
        exclude=tuple(args.exclude or ()),
        one_file_system=args.one_file_system or None,
    )
    from dataclasses import replace  # here, so that `shelf --version` does not load it

    w = settings.watch
    if args.settle is not None:
        if args.settle <= 0:
            raise ConfigError("--settle must be more than 0 seconds")
        w = replace(w, settle=args.settle)
    if args.reconcile is not None:
        w = replace(w, reconcile=args.reconcile)
    if args.poll is not None:
        if args.poll <= 0:
            raise ConfigError("--poll must be more than 0 seconds")
        w = replace(w, poll=args.poll)
    if args.max_watches is not None:
        w = replace(w, max_watches=args.max_watches)
    settings = replace(settings, watch=w)
    roots = tuple(dict.fromkeys(abspath_bytes(p) for p in args.paths))
    _check_roots(settings, roots)
    inbox = None
    if args.into is not None:
        dest = abspath_bytes(args.into)
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise ConfigError(f"--into {args.into!r} is a file, not a folder")
        for root in roots:
            if dest == root or dest.startswith(root.rstrip(b"/") + b"/"):
                raise ConfigError(
                    f"--into {args.into!r} is inside the watched folder {os.fsdecode(root)!r}; "
                    "choose a destination outside the inbox"
                )
        inbox = Request(
            query=tuple(args.query or ()),
            dest=dest,
            mode=args.mode,
            on_conflict=args.on_conflict,
            skip_identical=args.skip_identical,
            template=args.template,
            preset=args.preset,
            sidecars=not args.no_sidecars,
        )
    elif args.query:
        raise ConfigError("a QUERY only applies with --into DEST (what to organize)")

    def report(batch: Batch) -> None:
        if args.json:
            print(json.dumps(batch.as_json()), flush=True)
        else:
            print(batch.line(), flush=True)

    def note(text: str) -> None:
        print(f"shelf watch: {text}", file=sys.stderr, flush=True)

    watcher = Watcher(
        settings,
        WatchRequest(roots, inbox, command_line()),
        report=report,
        note=note,
    )
    return watcher.run()


def _check_roots(settings: Settings, roots: tuple[bytes, ...]) -> None:
    """A root that does not exist is a typo, unless the catalog holds files under it
    (then it is an unmounted drive, and watching waits for it)."""
    from mediashelf.app.scan import check_roots
    from mediashelf.catalog import open_catalog
    from mediashelf.catalog.presence import any_present_under

    absent = [r for r in roots if not os.path.exists(r)]
    catalogued: set[bytes] = set()
    if absent and (settings.db_url is not None or settings.db.exists()):
        catalog = open_catalog(settings.catalog, create=False)
        try:
            catalogued = {r for r in absent if any_present_under(catalog, r)}
        finally:
            catalog.close()
    check_roots([r for r in roots if r not in catalogued])


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    w = sub.add_parser(
        "watch",
        parents=[common],
        help="keep the catalog current as files change; organize an inbox with --into",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Scan the folders (an ordinary incremental scan), then watch them: "
        "each folder that changed is rescanned once it has settled. With --into DEST, "
        "settled files are organized into DEST, one undoable run per batch. Runs until "
        "SIGINT/SIGTERM; prints one line (or --json object) per batch.",
        epilog="""examples:
  shelf watch ~/Music
  shelf watch ~/Music /mnt/nas/music --settle 10 --json
  shelf watch ~/Inbox --into ~/Music --on-conflict keep-both
  shelf watch ~/Downloads/photos --into ~/Pictures --preset photos-by-date""",
    )
    w.add_argument("paths", nargs="+", metavar="PATH", help="folders to watch")
    w.add_argument(
        "--settle",
        type=_duration,
        metavar="SECONDS",
        help="how long a folder must be quiet before it is rescanned (default 5)",
    )
    w.add_argument(
        "--reconcile",
        type=_duration,
        metavar="DURATION",
        help="a full incremental rescan this often, for anything missed (default 6h; 0: never)",
    )
    w.add_argument(
        "--poll",
        type=_duration,
        metavar="DURATION",
        help="how often folders without inotify watches are polled (default 30s)",
    )
    w.add_argument(
        "--max-watches",
        type=int,
        metavar="N",
        help="use at most N inotify watches (default: what the kernel allows); "
        "the folders beyond are polled",
    )
    w.add_argument("--json", action="store_true", help="one JSON object per batch")
    w.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes for reading")
    w.add_argument("--exclude", action="append", metavar="GLOB", help="as for `shelf scan`")
    w.add_argument(
        "--one-file-system", action="store_true", help="do not cross into other filesystems"
    )
    w.add_argument("--yes", "-y", action="store_true", help="(watch never asks; accepted)")
    o = w.add_argument_group("inbox (organize settled files into DEST)")
    o.add_argument("--into", metavar="DEST", help="organize settled files into DEST")
    o.add_argument(
        "--mode",
        choices=["move", "copy", "hardlink", "symlink", "reflink"],
        default="move",
        help="as for `shelf organize` (default: move)",
    )
    o.add_argument(
        "--on-conflict",
        choices=["skip", "replace", "rename", "keep-both"],
        default="skip",
        help="as for `shelf organize`; skipped files stay in the inbox and are listed",
    )
    o.add_argument("--skip-identical", action="store_true", help="as for `shelf organize`")
    o.add_argument("--template", "-t", metavar="TEMPLATE", help="one template for every file")
    o.add_argument(
        "--preset", choices=["default", "ai-dated", "photos-by-date"], help="a template set"
    )
    o.add_argument("--no-sidecars", action="store_true", help="leave covers, .cue … in the inbox")
    o.add_argument(
        "--match",
        dest="query",
        action="append",
        metavar="QUERY",
        help="only organize files matching this query term (repeatable)",
    )
    w.set_defaults(func=cmd_watch)

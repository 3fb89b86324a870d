"""Command line: parse arguments → call one function → exit code.  No logic here.

The commands themselves live in `mediashelf.commands` (find/stats/report, organize,
dupes); the scan and the small catalog commands are here.

Heavy modules (mutagen, rich, the scanner) are imported inside the commands so that
`shelf --version` and `shelf --help` start in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mediashelf import __version__
from mediashelf.errors import (
    EXIT_FATAL,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    InjectedCrash,
    ShelfError,
)

if TYPE_CHECKING:
    pass

from mediashelf.commands.common import abspath_bytes, item_json, open_db, recover_runs, settings_of
from mediashelf.commands.dupes import cmd_dupes
from mediashelf.commands.organize import cmd_history, cmd_organize, cmd_recover, cmd_undo
from mediashelf.commands.query import cmd_fields, cmd_find, cmd_report, cmd_stats


def cmd_scan(args: argparse.Namespace) -> int:
    from mediashelf.report import make_progress, print_scan_summary
    from mediashelf.scan import run_scan

    settings = settings_of(
        args,
        jobs=args.jobs,
        exclude=tuple(args.exclude or ()),
        follow_symlinks=args.follow_symlinks or None,
        one_file_system=args.one_file_system or None,
    )
    roots = [abspath_bytes(p) for p in args.paths]
    for raw, root in zip(args.paths, roots, strict=True):
        if not os.path.exists(root):
            raise ConfigError(f"scan root {raw!r} does not exist (check the path)")
        if not os.access(root, os.R_OK | (os.X_OK if os.path.isdir(root) else 0)):
            raise ConfigError(f"scan root {raw!r} cannot be read (check its permissions)")
    catalog = open_db(settings, create=True)
    try:
        catalog.acquire_scan_lock(wait=args.wait)
        recover_runs(catalog)
        summary = run_scan(
            catalog, settings, roots, full=args.full, progress=make_progress(args.json, args.quiet)
        )
    finally:
        catalog.close()
    print_scan_summary(summary, sys.stdout, args.json)
    if summary.interrupted:
        done = sum(summary.counts[k] for k in ("added", "changed", "moved", "failed"))
        print(
            f"interrupted: {summary.counts['unchanged'] + done:,} of {summary.files:,} files seen "
            f"are in the catalog; run the same scan again to continue",
            file=sys.stderr,
        )
    return summary.exit_code


def cmd_info(args: argparse.Namespace) -> int:
    import json

    from mediashelf.catalog.queries import current_failures, get_item

    settings = settings_of(args)
    catalog = open_db(settings)
    status = EXIT_OK
    try:
        for raw in args.paths:
            item = get_item(catalog.db, abspath_bytes(raw))
            if item is None:
                print(
                    f"{raw}: not in the catalog (run `shelf scan` on its folder)", file=sys.stderr
                )
                status = 1
                continue
            if args.json:
                fields = dict(
                    item.fields,
                    id=item.id,
                    missing=item.missing,
                    error=item.error,
                    extra=item.extra,
                )
                print(item_json(fields, item.path))
                continue
            print(os.fsdecode(item.path))
            rows = [("id", item.id), *item.fields.items()]
            if item.missing:
                rows.append(("missing", True))
            if item.error:
                rows.append(("error", item.error))
            width = max(len(k) for k, _ in rows)
            for key, value in rows:
                if value is not None:
                    shown = (
                        json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
                    )
                    print(f"  {key:<{width}}  {shown}")
            if item.extra:
                print("  other tags:")
                for key, value in sorted(item.extra.items()):
                    print(f"    {key}: {json.dumps(value, ensure_ascii=False)[:500]}")
            fails = [f for f in current_failures(catalog.db) if f.path == item.path]
            for f in fails:
                print(f"  failure: {f.stage}/{f.kind}: {f.message}")
    finally:
        catalog.close()
    return status


def cmd_failures(args: argparse.Namespace) -> int:
    from mediashelf.catalog.queries import current_failures

    settings = settings_of(args)
    catalog = open_db(settings)
    try:
        rows = current_failures(catalog.db, history=args.all)
    finally:
        catalog.close()
    for f in rows:
        if args.json:
            print(
                item_json(
                    {"stage": f.stage, "kind": f.kind, "message": f.message, "scan_id": f.scan_id},
                    f.path,
                )
            )
        else:
            print(f"{f.kind:<12} {os.fsdecode(f.path)}: {f.message}")
    if not args.json:
        print(f"{len(rows)} failure{'s' if len(rows) != 1 else ''}", file=sys.stderr)
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    catalog = open_db(settings)
    try:
        catalog.acquire_scan_lock(wait=args.wait)
        recover_runs(catalog)
        with catalog.atomic() as db:
            n = db.execute("DELETE FROM items WHERE missing = 1").rowcount
            db.execute("DELETE FROM folders WHERE id NOT IN (SELECT DISTINCT folder_id FROM items)")
    finally:
        catalog.close()
    print(f"removed {n:,} missing item{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from mediashelf.bench import bench_main

    return bench_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="catalog file (default: $SHELF_DB or ~/.local/share/mediashelf/library.db)",
    )
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="settings file (default: $SHELF_CONFIG or ~/.config/mediashelf/config.toml)",
    )
    p = argparse.ArgumentParser(
        prog="shelf", description="Index and organize large media libraries.", parents=[common]
    )
    p.add_argument("--version", action="version", version=f"shelf {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser(
        "scan",
        parents=[common],
        help="index folders into the catalog (incremental)",
        description="Walk the folders, read tags of new and changed files in parallel, "
        "and bring the catalog in step: added, changed, unchanged, moved, missing.",
    )
    s.add_argument("paths", nargs="+", metavar="PATH", help="folders (or files) to scan")
    s.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: one per core; 1 = sequential)",
    )
    s.add_argument(
        "--profile",
        choices=None,
        metavar="NAME",
        help="default | fast | low-memory | network, or one from the settings file",
    )
    s.add_argument("--full", action="store_true", help="re-read every file, even unchanged ones")
    s.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object, no progress bar"
    )
    s.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="skip names (or root-relative paths with '/') matching GLOB; repeatable",
    )
    s.add_argument(
        "--follow-symlinks", action="store_true", help="follow symbolic links (loops are detected)"
    )
    s.add_argument(
        "--one-file-system", action="store_true", help="do not cross into other filesystems"
    )
    s.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another scan of the catalog to finish",
    )
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_scan)

    f = sub.add_parser(
        "find",
        aliases=["ls"],
        parents=[common],
        help="query the catalog",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List the catalogued items (or albums) that match a query.",
        epilog="""query syntax (each argument is one term; see `shelf fields`):
  word              title, artist, album or albumartist contains word
  field:value       contains (text) or equals (numbers, kind, format ...)
  field:=value      exactly;  field::regex  regular expression
  field:low..high   range: year:1990..1999 bitrate:..192 size:10M.. duration:3:00..
                    added:2026-01.. mtime:..2024-06-30 added:-2w..
  field:            field is empty;  has:cover  has:lyrics  has:mbid  has:gps
  -term  ^term      not;  a lone , between terms means or
  field+  field-    sort (artist+ year- title+); default: by path
examples:
  shelf find beatles year:1960..1969 format:flac
  shelf find artist:queen , artist:bowie year-
  shelf find -f '$albumartist/$album/$track $title' album:abbey
  shelf find --albums lossless:true --json""",
    )
    f.add_argument("query", nargs="*", metavar="QUERY", help="query terms (default: everything)")
    f.add_argument("--format", "-f", metavar="TEMPLATE", help="one line per item from a template")
    f.add_argument("--albums", "-a", action="store_true", help="list albums instead of tracks")
    modes = f.add_mutually_exclusive_group()
    modes.add_argument("--json", action="store_true", help="one JSON object per line")
    modes.add_argument("--csv", action="store_true", help="CSV with a header row")
    modes.add_argument("--paths", action="store_true", help="paths only, one per line")
    modes.add_argument("-0", dest="null", action="store_true", help="paths only, NUL-separated")
    modes.add_argument("--m3u", action="store_true", help="an extended M3U playlist")
    modes.add_argument("--count", action="store_true", help="only the number of matches")
    f.add_argument("--fields", metavar="A,B", help="the fields of --json and --csv output")
    f.add_argument("--limit", type=int, metavar="N", help="at most N items")
    f.add_argument(
        "--missing", action="store_true", help="items whose files the last scan did not find"
    )
    f.set_defaults(func=cmd_find)

    st = sub.add_parser(
        "stats",
        parents=[common],
        help="library statistics",
        description="Items, size and duration; formats, codecs, bitrates, sample rates; "
        "tag completeness; top artists, genres and years; failures; the last scan.",
    )
    st.add_argument("query", nargs="*", metavar="QUERY", help="only items matching the query")
    st.add_argument("--json", action="store_true", help="the figures as one JSON object")
    st.set_defaults(func=cmd_stats)

    rp = sub.add_parser(
        "report",
        parents=[common],
        help="write a self-contained HTML report with charts",
        description="Write one HTML page (no network needed to view it) with the statistics "
        "and charts of formats, years, bitrates, growth and tag completeness.",
    )
    rp.add_argument("query", nargs="*", metavar="QUERY", help="only items matching the query")
    rp.add_argument("--html", required=True, metavar="FILE", help="the page to write")
    rp.set_defaults(func=cmd_report)

    # options of the commands that change files through the journal
    applying = argparse.ArgumentParser(add_help=False)
    applying.add_argument("--json", action="store_true", help="JSON output")
    applying.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    applying.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="wait for the catalog lock"
    )
    # stops the run as a crash would after N steps (crash-safety tests)
    applying.add_argument("--fail-after", type=int, default=None, help=argparse.SUPPRESS)
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
    o.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    o.set_defaults(func=cmd_organize)

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

    fd = sub.add_parser(
        "fields",
        parents=[common],
        help="list the fields queries and templates can use",
        description="List the queryable fields with their types.",
    )
    fd.add_argument("--json", action="store_true", help="one JSON object per field")
    fd.set_defaults(func=cmd_fields)

    i = sub.add_parser(
        "info",
        parents=[common],
        help="every catalogued field of files",
        description="Print every catalogued field of one or more files.",
    )
    i.add_argument("paths", nargs="+", metavar="PATH")
    i.add_argument("--json", action="store_true", help="one JSON object per file")
    i.set_defaults(func=cmd_info)

    fl = sub.add_parser(
        "failures",
        parents=[common],
        help="files that could not be read",
        description="List the files whose last scan recorded a failure, with the reason.",
    )
    fl.add_argument(
        "--all", action="store_true", help="every failure ever recorded, not only current ones"
    )
    fl.add_argument("--json", action="store_true", help="one JSON object per line")
    fl.set_defaults(func=cmd_failures)

    pr = sub.add_parser(
        "prune",
        parents=[common],
        help="forget items whose files are missing",
        description="Remove catalog rows of files that scans found missing.",
    )
    pr.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    pr.set_defaults(func=cmd_prune)

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
    res = du.add_argument_group("resolving (--exact groups; a dry run unless --apply)")
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
        "(--to DIR), hardlink (replace by a hard link to the file kept), delete (needs --yes; "
        "cannot be undone)",
    )
    res.add_argument("--to", metavar="DIR", default=None, help="--action move-to: where to")
    res.add_argument("--apply", action="store_true", help="do it (journaled: `shelf undo`)")
    res.add_argument("--yes", "-y", action="store_true", help="do not ask; needed by delete")
    res.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=argparse.SUPPRESS)
    res.add_argument("--fail-after", type=int, default=None, help=argparse.SUPPRESS)
    du.set_defaults(func=cmd_dupes)

    b = sub.add_parser(
        "bench",
        help="generate benchmark libraries and time scans",
        description="Benchmarks: `shelf bench generate DIR`, `shelf bench run`.",
        add_help=False,
    )
    b.add_argument("rest", nargs=argparse.REMAINDER)
    b.set_defaults(func=cmd_bench)
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
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except ShelfError as e:
        print(f"shelf: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("shelf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `shelf find | head`: the reader went away; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        print(f"shelf: {e}", file=sys.stderr)
        return EXIT_FATAL
    except Exception as e:
        import sqlite3

        if not isinstance(e, sqlite3.Error):
            raise
        db = getattr(args, "db", None) or "the catalog"
        print(
            f"shelf: catalog error ({db}): {e}; check the file and its permissions", file=sys.stderr
        )
        return EXIT_FATAL
    except InjectedCrash as e:  # --fail-after (crash-safety tests)
        print(f"shelf: {e} (--fail-after)", file=sys.stderr)
        return 99

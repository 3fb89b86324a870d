"""Command line: parse arguments → call one function → exit code.  No logic here.

Heavy modules (mutagen, rich, the scanner) are imported inside the commands so that
`shelf --version` and `shelf --help` start in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mediashelf import __version__
from mediashelf.errors import EXIT_FATAL, EXIT_OK, EXIT_USAGE, ConfigError, ShelfError

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog
    from mediashelf.config import Settings
    from mediashelf.dupes import Result as DupesResult
    from mediashelf.query import Compiled, Sort


def _settings(args: argparse.Namespace, **flags: object) -> Settings:
    from mediashelf.config import load_settings

    return load_settings(
        config_path=Path(args.config) if args.config else None,
        db=args.db,
        profile=getattr(args, "profile", None),
        **flags,  # type: ignore[arg-type]
    )


def _open(settings: Settings, create: bool = False) -> Catalog:
    from mediashelf.catalog import open_catalog

    return open_catalog(settings.db, create=create)


def _abs(path: str) -> bytes:
    return os.path.abspath(os.fsencode(path))


def cmd_scan(args: argparse.Namespace) -> int:
    from mediashelf.report import make_progress, print_scan_summary
    from mediashelf.scan import run_scan

    settings = _settings(
        args,
        jobs=args.jobs,
        exclude=tuple(args.exclude or ()),
        follow_symlinks=args.follow_symlinks or None,
        one_file_system=args.one_file_system or None,
    )
    roots = [_abs(p) for p in args.paths]
    for raw, root in zip(args.paths, roots, strict=True):
        if not os.path.exists(root):
            raise ConfigError(f"scan root {raw!r} does not exist (check the path)")
        if not os.access(root, os.R_OK | (os.X_OK if os.path.isdir(root) else 0)):
            raise ConfigError(f"scan root {raw!r} cannot be read (check its permissions)")
    catalog = _open(settings, create=True)
    try:
        catalog.acquire_scan_lock(wait=args.wait)
        _recover(catalog)
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


def _item_json(fields: dict[str, object], path: bytes) -> str:
    """One JSON object with the path first; undecodable bytes survive as \\udcXX."""
    from mediashelf.query.output import dumps

    return dumps({"path": os.fsdecode(path), **fields})


def cmd_find(args: argparse.Namespace) -> int:
    from mediashelf import query
    from mediashelf.query import output

    settings = _settings(args)
    q = query.parse(args.query)
    # albums sort by album fields, which _find_albums checks
    items_q = query.Query(q.groups, []) if args.albums else q
    compiled = query.compile_query(items_q, missing=bool(args.missing))
    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    if fields:
        unknown = [f for f in fields if f not in output.CSV_FIELDS]
        if unknown:
            from mediashelf.query.fields import suggest

            raise ConfigError(f"--fields: unknown field {unknown[0]!r}{suggest(unknown[0])}")
    catalog = _open(settings)
    out = sys.stdout
    try:
        if args.albums:
            return _find_albums(catalog, args, compiled, q.sort)
        if args.count:
            print(output.count(catalog.db, compiled))
            return EXIT_OK
        tmpl = None
        columns: list[str] | None = None
        if args.paths or args.null:
            columns = ["path"]
        elif args.m3u:
            columns = ["path", "duration", "artist", "title"]
        elif not (args.json or args.csv):
            from mediashelf.organize import template
            from mediashelf.query.display import TEMPLATE_FIELDS, columns_for

            tmpl = template.parse(args.format or output.DEFAULT_ITEM_FORMAT, TEMPLATE_FIELDS)
            columns = columns_for(tmpl.fields)
        rows = output.select(catalog.db, compiled, limit=args.limit, columns=columns)
        if tmpl is not None:
            output.write_lines(rows, out, tmpl)
        elif args.json:
            output.write_json(rows, out, fields)
        elif args.csv:
            output.write_csv(rows, out, fields)
        elif args.paths or args.null:
            output.write_paths(rows, out, "\0" if args.null else "\n")
        else:
            output.write_m3u(rows, out)
    finally:
        catalog.close()
    return EXIT_OK


def _find_albums(
    catalog: Catalog, args: argparse.Namespace, compiled: Compiled, sort: list[Sort]
) -> int:
    from mediashelf.query import albums, output

    if args.csv or args.m3u or args.paths or args.null or args.fields:
        raise ConfigError("--albums works with --format, --json and --count")
    rows = albums.select_albums(catalog.db, compiled, sort)
    if args.count:
        print(sum(1 for _ in rows))
    elif args.json:
        for album in rows:
            sys.stdout.write(output.dumps(albums.album_json(album)) + "\n")
    else:
        from mediashelf.organize import template

        fmt = args.format or albums.DEFAULT_ALBUM_FORMAT
        albums.write_album_lines(
            rows, sys.stdout, template.parse(fmt, albums.ALBUM_TEMPLATE_FIELDS)
        )
    return EXIT_OK


def _stats(args: argparse.Namespace) -> dict[str, object]:
    import sqlite3

    from mediashelf import query
    from mediashelf.query.compile import QueryFunctions
    from mediashelf.stats import compute_stats

    # the statistics count present items themselves
    compiled = query.compile_query(query.parse(args.query), missing=None)
    catalog = _open(_settings(args))
    try:
        funcs = QueryFunctions(catalog.db)
        try:
            return compute_stats(catalog.db, compiled.where, compiled.params)
        except sqlite3.OperationalError as e:
            funcs.check(e)
            raise  # pragma: no cover - check always raises
    finally:
        catalog.close()


def cmd_stats(args: argparse.Namespace) -> int:
    stats = _stats(args)
    if args.json:
        from mediashelf.query.output import dumps

        print(dumps(stats))
    else:
        from mediashelf.stats_text import render_text

        sys.stdout.write(render_text(stats))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from mediashelf.report_html import render_html

    target = Path(args.html)
    if target.is_dir():
        raise ConfigError(f"--html {args.html!r} is a folder; give a file name such as report.html")
    if not target.parent.is_dir():
        raise ConfigError(f"--html: folder {str(target.parent)!r} does not exist")
    stats = _stats(args)
    text = " ".join(args.query) or None
    page = render_html(stats, "mediashelf library", text)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    print(f"wrote {target} ({stats['items']:,} items)", file=sys.stderr)
    return EXIT_OK


def _command_line() -> str:
    import shlex

    return "shelf " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _recover(catalog: Catalog) -> None:
    """Settle runs a crash left unfinished (the caller holds the catalog lock)."""
    from mediashelf.organize.recover import recover

    for rec in recover(catalog):
        print(f"shelf: {rec.message()}", file=sys.stderr)
        for line in rec.odd[:10]:
            print(f"  ! {line}", file=sys.stderr)


def _locked(args: argparse.Namespace) -> Catalog:
    catalog = _open(_settings(args))
    catalog.acquire_scan_lock(wait=getattr(args, "wait", 0.0) or 0.0)
    catalog.db.execute("PRAGMA synchronous=FULL")  # each journal commit reaches the disk
    _recover(catalog)
    return catalog


def _scan_roots(catalog: Catalog) -> frozenset[bytes]:
    import json

    roots: set[bytes] = set()
    for (text,) in catalog.db.execute("SELECT roots FROM scans"):
        with contextlib.suppress(ValueError, TypeError):
            roots.update(os.fsencode(r) for r in json.loads(text))
    return frozenset(roots)


def _confirm(question: str, yes: bool, count: int) -> bool:
    if yes or count <= 5 or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    print(question + " [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cmd_organize(args: argparse.Namespace) -> int:
    from mediashelf.organize import apply, journal
    from mediashelf.organize.plan import Request, make_plan
    from mediashelf.organize.report import print_outcome, print_plan
    from mediashelf.report import make_progress

    settings = _settings(args)
    dest = _abs(args.into)
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
    catalog = _locked(args) if not args.dry_run else _open(settings)
    try:
        plan = make_plan(catalog.db, request, settings.organize)
        if args.dry_run:
            print_plan(plan, sys.stdout, json_mode=args.json)
            return EXIT_OK
        if not plan.ops:
            print_plan(plan, sys.stdout, json_mode=args.json, summary_only=True)
            return EXIT_OK
        verb = {"move": "Move", "copy": "Copy"}.get(args.mode, f"Make {args.mode}s of")
        files = len(plan.ops)
        if not _confirm(f"{verb} {files:,} files into {args.into}?", args.yes, files):
            print("shelf: nothing done", file=sys.stderr)
            return EXIT_OK
        run_id = journal.start_run(catalog, _command_line(), args.mode, plan.dest)
        steps = apply.plan_steps(plan)
        progress = make_progress(args.json, args.quiet, "organizing")
        progress.found(len(steps), 0)
        sources = sorted({os.path.dirname(op.src) for op in plan.ops})
        try:
            outcome = apply.execute(
                catalog,
                run_id,
                steps,
                progress=progress,
                fail_after=args.fail_after,
                prune_from=(lambda: sources) if args.mode == "move" and not args.no_prune else None,
                stop_at=_scan_roots(catalog) | {plan.dest},
                dest=plan.dest,
            )
        finally:
            progress.close()
        journal.finish_run(catalog, run_id, outcome.status, outcome.counts)
    finally:
        catalog.close()
    print_outcome(outcome, plan, sys.stdout, json_mode=args.json)
    if outcome.status == "interrupted":
        return 130
    return 1 if outcome.failures else EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    catalog = _open(_settings(args))
    try:
        catalog.acquire_scan_lock(wait=args.wait)
        from mediashelf.organize.recover import recover

        found = recover(catalog)
    finally:
        catalog.close()
    for rec in found:
        print(rec.message())
        for line in rec.odd:
            print(f"  ! {line}")
    if not found:
        print("nothing to recover: every run finished")
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    from mediashelf.organize.recover import undo
    from mediashelf.organize.report import print_outcome
    from mediashelf.report import make_progress

    catalog = _locked(args)
    try:
        progress = make_progress(args.json, args.quiet, "undoing")
        try:
            outcome = undo(
                catalog,
                args.run,
                force=args.force,
                command=_command_line(),
                progress=progress,
                fail_after=args.fail_after,
            )
        finally:
            progress.close()
    finally:
        catalog.close()
    print_outcome(outcome, None, sys.stdout, json_mode=args.json)
    return 1 if outcome.failures else EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from mediashelf.organize import journal
    from mediashelf.organize.report import print_history

    catalog = _open(_settings(args))
    try:
        runs = journal.runs(catalog.db, limit=args.limit)
    finally:
        catalog.close()
    print_history(runs, sys.stdout, json_mode=args.json)
    return EXIT_OK


def cmd_fields(args: argparse.Namespace) -> int:
    from mediashelf.query.albums import ALBUM_FIELDS
    from mediashelf.query.display import DERIVED
    from mediashelf.query.fields import FIELDS, HAS

    rows = [(f.name, f.kind, f.help) for f in FIELDS.values()]
    has = [(f"has:{k}", "test", h) for k, (_, h) in HAS.items()]
    derived = [(k, "template", h) for k, h in DERIVED.items()]
    album = [(k, kind, h) for k, (_, kind, h) in ALBUM_FIELDS.items() if k != "last_path"]
    if args.json:
        import json

        for section, items in (
            ("item", rows),
            ("has", has),
            ("template", derived),
            ("album", album),
        ):
            for name, kind, help_text in items:
                print(
                    json.dumps({"section": section, "name": name, "type": kind, "help": help_text})
                )
        return EXIT_OK
    for title, items in (
        ("Item fields (queries, sorting, --format templates)", rows),
        ("Tests", has),
        ("Template-only fields", derived),
        ("Album fields (find --albums: --format and sorting)", album),
    ):
        print(title + ":")
        width = max(len(n) for n, _, _ in items)
        for name, kind, help_text in items:
            print(f"  {name:<{width}}  {kind:<8}  {help_text}")
        print()
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    import json

    from mediashelf.catalog.queries import current_failures, get_item

    settings = _settings(args)
    catalog = _open(settings)
    status = EXIT_OK
    try:
        for raw in args.paths:
            item = get_item(catalog.db, _abs(raw))
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
                print(_item_json(fields, item.path))
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

    settings = _settings(args)
    catalog = _open(settings)
    try:
        rows = current_failures(catalog.db, history=args.all)
    finally:
        catalog.close()
    for f in rows:
        if args.json:
            print(
                _item_json(
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
    settings = _settings(args)
    catalog = _open(settings)
    try:
        catalog.acquire_scan_lock(wait=args.wait)
        _recover(catalog)
        with catalog.atomic() as db:
            n = db.execute("DELETE FROM items WHERE missing = 1").rowcount
            db.execute("DELETE FROM folders WHERE id NOT IN (SELECT DISTINCT folder_id FROM items)")
    finally:
        catalog.close()
    print(f"removed {n:,} missing item{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK


def cmd_dupes(args: argparse.Namespace) -> int:
    from mediashelf import query
    from mediashelf.dupes import Mode, Options, find_dupes
    from mediashelf.dupes import report as dupes_report
    from mediashelf.report import make_progress

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
    compiled = query.build(args.query)
    catalog = _locked(args) if args.apply else _open(_settings(args))
    try:
        progress = make_progress(args.json, args.quiet, "hashing")
        try:
            result = find_dupes(catalog, compiled, options, progress)
        finally:
            progress.close()
        if args.resolve:
            return _resolve(args, catalog, result)
    finally:
        catalog.close()
    if args.json:
        dupes_report.write_json(result, sys.stdout)
    else:
        dupes_report.write_text(result, sys.stdout)
    for f in result.failures:
        print(f"shelf: {f.kind}: {os.fsdecode(f.path)}: {f.message}", file=sys.stderr)
    return 1 if result.failures else EXIT_OK


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
    from mediashelf.dupes import resolve as resolution
    from mediashelf.organize.report import print_outcome
    from mediashelf.report import make_progress

    for f in result.failures:
        print(f"shelf: {f.kind}: {os.fsdecode(f.path)}: {f.message}", file=sys.stderr)
    to = _abs(args.to) if args.to is not None else None
    res = resolution.plan(catalog.db, result.groups, args.keep, args.action, to)
    problems = 1 if result.failures else EXIT_OK
    if not args.apply or not res.ops:
        resolution.print_plan(res, sys.stdout, json_mode=args.json)
        return problems
    n = len(res.ops)
    verb = {"move-to": "Move", "hardlink": "Hard-link", "delete": "Delete"}.get(
        args.action, "Trash"
    )
    if not _confirm(f"{verb} {n:,} duplicate files?", args.yes, n):
        print("shelf: nothing done", file=sys.stderr)
        return EXIT_OK
    progress = make_progress(args.json, args.quiet, "resolving")
    progress.found(len(res.steps), 0)
    try:
        outcome = resolution.execute(
            catalog, res, _command_line(), progress=progress, fail_after=args.fail_after
        )
    finally:
        progress.close()
    print_outcome(outcome, None, sys.stdout, json_mode=args.json)
    if outcome.status == "interrupted":
        return 130
    return 1 if outcome.failures or problems else EXIT_OK


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
    except BaseException as e:  # --fail-after's injected crash (tests only)
        if type(e).__name__ != "InjectedCrash":
            raise
        print(f"shelf: {e} (--fail-after)", file=sys.stderr)
        return 99

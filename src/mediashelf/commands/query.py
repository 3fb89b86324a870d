"""`shelf find`, `fields`, `stats`, `report`: reading the catalog."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mediashelf.commands.common import Subparsers, open_db, settings_of
from mediashelf.errors import EXIT_OK, ConfigError

if TYPE_CHECKING:
    from mediashelf.app.find import FindRequest, Found, Mode
    from mediashelf.app.stats import LibraryStats


def _mode(args: argparse.Namespace) -> Mode:
    for mode in ("json", "csv", "paths", "null", "m3u", "count"):
        if getattr(args, mode):
            return mode
    return "lines"


def cmd_find(args: argparse.Namespace) -> int:
    from mediashelf.app import find

    settings = settings_of(args)
    fields = tuple(f.strip() for f in args.fields.split(",") if f.strip()) if args.fields else None
    request = find.FindRequest(
        query=tuple(args.query),
        mode=_mode(args),
        albums=args.albums,
        format=args.format,
        fields=fields,
        limit=args.limit,
        missing=bool(args.missing),
    )
    search = find.prepare(request)
    catalog = open_db(settings)
    try:
        found = find.find(catalog, search)
        if found.template is not None and found.template.literal:
            _literal_note(found.template.literal)
        _show(found, request)
    finally:
        catalog.close()
    return EXIT_OK


def _literal_note(names: tuple[str, ...]) -> None:
    """Say once that the template shows some names as written (as beets does)."""
    shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    print(
        f"shelf: note: {shown} printed as written: an unknown field or function, or a call "
        "with too many arguments (`shelf fields` lists the fields)",
        file=sys.stderr,
    )


def _show(found: Found, request: FindRequest) -> None:
    from mediashelf.console import dumps
    from mediashelf.query import output
    from mediashelf.query.albums import album_json, write_album_lines

    out = sys.stdout
    if found.total is not None:
        print(found.total)
    elif found.albums is not None:
        if found.template is not None:
            write_album_lines(found.albums, out, found.template.render)
        else:
            for album in found.albums:
                out.write(dumps(album_json(album)) + "\n")
    elif found.items is not None:
        rows, mode, fields = found.items, request.mode, request.fields
        if found.line is not None:
            output.write_lines(rows, out, found.line)
        elif mode == "json":
            output.write_json(rows, out, fields)
        elif mode == "csv":
            output.write_csv(rows, out, fields)
        elif mode in ("paths", "null"):
            output.write_paths(rows, out, "\0" if mode == "null" else "\n")
        else:
            output.write_m3u(rows, out)


def _stats(args: argparse.Namespace) -> LibraryStats:
    from mediashelf.app import stats

    compiled = stats.prepare(args.query)
    catalog = open_db(settings_of(args))
    try:
        return stats.library_stats(catalog, compiled, args.query)
    finally:
        catalog.close()


def cmd_stats(args: argparse.Namespace) -> int:
    from mediashelf.console import dumps

    stats = _stats(args)
    if args.json:
        print(dumps(stats.figures))
    else:
        from mediashelf.stats.text import render_text

        sys.stdout.write(render_text(stats.figures))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from mediashelf.app.stats import report_page

    target = Path(args.html)
    if target.is_dir():
        raise ConfigError(f"--html {args.html!r} is a folder; give a file name such as report.html")
    if not target.parent.is_dir():
        raise ConfigError(f"--html: folder {str(target.parent)!r} does not exist")
    stats = _stats(args)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(report_page(stats), encoding="utf-8")
    os.replace(tmp, target)
    print(f"wrote {target} ({stats.items:,} items)", file=sys.stderr)
    return EXIT_OK


def cmd_fields(args: argparse.Namespace) -> int:
    from mediashelf.query.albums import ALBUM_FIELDS
    from mediashelf.query.display import DERIVED
    from mediashelf.query.fields import FIELDS, HAS

    rows = [(f.name, f.kind, f.help) for f in FIELDS.values()]
    has = [(f"has:{k}", "test", h) for k, (_, h) in HAS.items()]
    derived = [(k, "template", h) for k, h in DERIVED.items()]
    album = [(k, kind, h) for k, (kind, h) in ALBUM_FIELDS.items()]
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


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    f = sub.add_parser(
        "find",
        aliases=["ls"],
        parents=[common],
        help="query the catalog",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="List the catalogued items (or albums) that match a query.",
        epilog="""query syntax (each argument is one term; see `shelf fields`):
  word              title, artist, album, albumartist or genre contains word
  =word =~word :re  those fields: exactly, exactly ignoring case, regular expression
  field:value       contains (text) or equals (numbers, kind, format ...)
  field:=value      exactly;  field:=~value  ignoring case;  field::regex
  field:low..high   range: year:1990..1999 bitrate:..192 size:10M.. duration:3:00..
                    added:2026-01.. mtime:..2024-06-30T18:00 added:-2w..
  field:            field is empty;  has:cover  has:lyrics  has:mbid  has:gps
  -term  ^term      not (after `--`: shelf find -- -genre:rock)
  a b , c d         (a and b) or (c and d); `a b, c d` too
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

    fd = sub.add_parser(
        "fields",
        parents=[common],
        help="list the fields queries and templates can use",
        description="List the queryable fields with their types.",
    )
    fd.add_argument("--json", action="store_true", help="one JSON object per field")
    fd.set_defaults(func=cmd_fields)

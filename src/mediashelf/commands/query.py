"""`shelf find`, `fields`, `stats`, `report`: reading the catalog."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mediashelf.commands.common import open_db, settings_of
from mediashelf.errors import EXIT_OK, ConfigError

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog
    from mediashelf.query import Compiled, Sort


def cmd_find(args: argparse.Namespace) -> int:
    from mediashelf import query
    from mediashelf.query import output

    settings = settings_of(args)
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
    catalog = open_db(settings)
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
    catalog = open_db(settings_of(args))
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

"""`shelf info`, `failures`, `prune`: one file's fields, what could not be read, forgetting."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from mediashelf.commands.common import (
    Subparsers,
    abspath_bytes,
    item_json,
    open_db,
    settings_of,
    writing,
)
from mediashelf.errors import EXIT_FAILURES, EXIT_OK

if TYPE_CHECKING:
    from mediashelf.app.items import ItemInfo


def cmd_info(args: argparse.Namespace) -> int:
    from mediashelf.app import items

    status = EXIT_OK
    catalog = open_db(settings_of(args))
    try:
        for raw in args.paths:
            found = items.info(catalog, abspath_bytes(raw))
            if found is None:
                print(
                    f"{raw}: not in the catalog (run `shelf scan` on its folder)", file=sys.stderr
                )
                status = EXIT_FAILURES
            elif args.json:
                print(_info_json(found))
            else:
                sys.stdout.write(_info_text(found))
    finally:
        catalog.close()
    return status


def _info_json(found: ItemInfo) -> str:
    item = found.item
    fields = dict(item.fields, id=item.id, missing=item.missing, error=item.error, extra=item.extra)
    v = found.verified
    fields["verified"] = v._asdict() if v is not None else None
    return item_json(fields, item.path)


def _info_text(found: ItemInfo) -> str:
    item = found.item
    lines = [os.fsdecode(item.path)]
    rows = [("id", item.id), *item.fields.items()]
    if item.missing:
        rows.append(("missing", True))
    if item.error:
        rows.append(("error", item.error))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        if value is not None:
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            lines.append(f"  {key:<{width}}  {shown}")
    if item.extra:
        lines.append("  other tags:")
        for key, value in sorted(item.extra.items()):
            lines.append(f"    {key}: {json.dumps(value, ensure_ascii=False)[:500]}")
    for f in found.failures:
        lines.append(f"  failure: {f.stage}/{f.kind}: {f.message}")
    v = found.verified
    if v is not None:
        verdict = ("damaged: " + ", ".join(v.damage)) if v.damage else "decoded cleanly"
        lines.append(f"  verified: {v.verified}: {verdict}")
        lines += [f"    {m}" for m in v.messages]
    return "\n".join(lines) + "\n"


def cmd_failures(args: argparse.Namespace) -> int:
    from mediashelf.app import items

    catalog = open_db(settings_of(args))
    try:
        rows = items.failures(catalog, history=args.all)
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
    from mediashelf.app import items

    with writing(args) as catalog:
        n = items.prune(catalog)
    print(f"removed {n:,} missing item{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK


def cmd_copy(args: argparse.Namespace) -> int:
    from mediashelf.app.transfer import copy_catalog
    from mediashelf.commands.common import command_line
    from mediashelf.console import make_progress
    from mediashelf.dburl import is_server

    def target(value: str) -> str:
        return value if is_server(value) else os.path.abspath(os.path.expanduser(value))

    result = copy_catalog(
        target(args.source),
        target(args.destination),
        force=args.force,
        sink=make_progress(args.json, args.quiet),
        command=command_line(),
    )
    if args.json:
        from mediashelf.console import dumps

        print(
            dumps(
                {
                    "source": result.source,
                    "destination": result.destination,
                    "rows": result.rows,
                    "tables": {
                        t.table: {"rows": t.rows, "checksum": t.checksum} for t in result.tables
                    },
                }
            )
        )
    else:
        for t in result.tables:
            print(f"  {t.table:<9} {t.rows:>12,} rows  checksum {t.checksum[:16]}  ok")
        print(f"copied {result.rows:,} rows from {result.source} to {result.destination}; verified")
    return EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser(
        "catalog",
        parents=[common],
        help="move a whole catalog between SQLite and PostgreSQL",
        description="Work on whole catalogs.",
    )
    csub = c.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    cp = csub.add_parser(
        "copy",
        help="copy a catalog to another file or server, and verify the copy",
        description="Copy every table of the catalog SRC into DST (a SQLite file or a "
        "postgresql:// URL, either way), keeping ids, dates added, failures, hashes, scans "
        "and the journal; then check row counts and a checksum per table.  A destination "
        "that already holds a catalog is refused unless --force.",
    )
    cp.add_argument("source", metavar="SRC", help="the catalog to copy (file or URL)")
    cp.add_argument("destination", metavar="DST", help="where to copy it (file or URL)")
    cp.add_argument("--force", action="store_true", help="replace what DST holds")
    cp.add_argument("--json", action="store_true", help="the result as one JSON object")
    cp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cp.set_defaults(func=cmd_copy)

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

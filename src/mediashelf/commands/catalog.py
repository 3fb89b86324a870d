"""`shelf info`, `failures`, `prune`: one file's fields, what could not be read, forgetting."""

from __future__ import annotations

import argparse
import os
import sys

from mediashelf.commands.common import (
    Subparsers,
    abspath_bytes,
    command_line,
    item_json,
    open_db,
    print_settled,
    settings_of,
)
from mediashelf.errors import EXIT_OK


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
        catalog.acquire_lease(wait=args.wait, command=command_line())
        from mediashelf.app.session import settle

        for rec in settle(catalog):
            print_settled(rec)
        with catalog.atomic() as db:
            n = db.execute("DELETE FROM items WHERE missing = 1").rowcount
            db.execute("DELETE FROM folders WHERE id NOT IN (SELECT DISTINCT folder_id FROM items)")
    finally:
        catalog.close()
    print(f"removed {n:,} missing item{'s' if n != 1 else ''} from the catalog")
    return EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
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

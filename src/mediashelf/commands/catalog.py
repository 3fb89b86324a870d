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

"""`shelf verify [QUERY]`: decode files to find the damage their headers do not show."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, TextIO

from mediashelf.commands.common import Subparsers, add_jobs, settings_of, writing

if TYPE_CHECKING:
    from mediashelf.scan.verify import VerifySummary


def cmd_verify(args: argparse.Namespace) -> int:
    from mediashelf.app.verify import verify
    from mediashelf.console import make_progress

    settings = settings_of(args, jobs=args.jobs)
    with writing(args, settings) as catalog:
        sink = make_progress(args.json, args.quiet)
        summary = verify(
            settings,
            catalog,
            args.query,
            again=args.again,
            sink=sink,
            cwd=os.getcwdb(),
            timeout=args.timeout,
        )
    print_verify_summary(summary, sys.stdout, args.json)
    if summary.interrupted:
        print(
            f"interrupted: {summary.verified:,} files verified are kept; run the same "
            "command again to go on",
            file=sys.stderr,
        )
    return summary.exit_code


def print_verify_summary(summary: VerifySummary, out: TextIO, json_mode: bool) -> None:
    from mediashelf.console import printable_path

    if json_mode:
        obj = summary.as_json()
        obj["damaged_files"] = [
            {"path": os.fsdecode(p), "damage": reasons, "messages": said}
            for p, reasons, said in summary.damaged
        ]
        obj["noted_files"] = [
            {"path": os.fsdecode(p), "messages": said} for p, said in summary.noted
        ]
        obj["failures"] = [
            {"path": os.fsdecode(f.path), "kind": f.kind, "message": f.message}
            for f in summary.failures
        ]
        out.write(json.dumps(obj) + "\n")
        return
    lines = []
    for path, reasons, said in summary.damaged:
        lines.append(f"  damaged: {printable_path(path)}: {', '.join(reasons)}")
        lines += [f"      {message}" for message in said[:3]]
    for path, said in summary.noted[:10]:
        lines.append(f"  note: {printable_path(path)}: {said[0]}")
    for f in summary.failures[:10]:
        lines.append(f"  ! {f.kind}: {printable_path(f.path)}: {f.message}")
    if len(summary.failures) > 10:
        lines.append(f"  … {len(summary.failures) - 10} more could not be verified")
    head = "Interrupted" if summary.interrupted else "Verified"
    lines.append(
        f"{head}: {summary.verified:,} files decoded in {summary.seconds:.2f} s, "
        f"{len(summary.damaged):,} damaged, {len(summary.failures):,} not verified; "
        f"{summary.skipped:,} skipped (verified before, unchanged since)"
    )
    out.write("\n".join(lines) + "\n")


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "verify",
        parents=[common],
        help="decode audio and video files to find damage (like flac -t)",
        description="Decode the catalogued audio and video files the query keeps (every "
        "one without a query) in parallel: decoder errors, FLAC frame CRCs and the "
        "STREAMINFO MD5, streams shorter or longer than their headers say. Results are kept "
        "with each file's fingerprint, so files verified before and unchanged since are "
        "skipped. Exits 1 when something is damaged.",
    )
    s.add_argument("query", nargs="*", metavar="QUERY", help="which files (as for `shelf find`)")
    s.add_argument(
        "--again", action="store_true", help="decode files verified before and unchanged too"
    )
    add_jobs(s)
    s.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="most time one file may take to decode (default 120)",
    )
    s.add_argument("--profile", metavar="NAME", help="a scan profile (memory per worker ...)")
    s.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run on the catalog to finish",
    )
    s.add_argument(
        "--json", action="store_true", help="print the result as one JSON object, no progress bar"
    )
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_verify)

"""`shelf scan`: bring the catalog in step with folders, and print what the scan did."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import TYPE_CHECKING, TextIO

from mediashelf.commands.common import Subparsers, add_jobs, settings_of, writing

if TYPE_CHECKING:
    from mediashelf.scan.summary import ScanSummary


def cmd_scan(args: argparse.Namespace) -> int:
    from mediashelf.app.scan import check_roots, lease_keys, scan
    from mediashelf.console import make_progress

    settings = settings_of(
        args,
        jobs=args.jobs,
        exclude=tuple(args.exclude or ()),
        follow_symlinks=args.follow_symlinks or None,
        one_file_system=args.one_file_system or None,
    )
    check_roots(args.paths)  # before the catalog is created: a wrong path leaves nothing
    scope = functools.partial(lease_keys, roots=args.paths)
    with writing(args, settings, create=True, scope=scope) as catalog:
        sink = make_progress(args.json, args.quiet)
        summary = scan(
            settings,
            catalog,
            args.paths,
            full=args.full,
            sink=sink,
            accept_missing=args.accept_missing,
            accept_volume=args.accept_volume,
        )
    print_scan_summary(summary, sys.stdout, args.json)
    if args.json:  # (the summary lines say so otherwise)
        for h in summary.held:  # the mount guard's: rows left as they were
            print(f"shelf: scan held {h.message()}", file=sys.stderr)
    if summary.interrupted:
        done = sum(summary.counts[k] for k in ("added", "changed", "moved", "failed"))
        print(
            f"interrupted: {summary.counts['unchanged'] + done:,} of {summary.files:,} files seen "
            f"are in the catalog; run the same scan again to continue",
            file=sys.stderr,
        )
    return summary.exit_code


def print_scan_summary(summary: ScanSummary, out: TextIO, json_mode: bool) -> None:
    from mediashelf.console import printable_path, summary_size

    if json_mode:
        # ASCII: paths that are not UTF-8 stay valid JSON, as \udcXX escapes
        out.write(json.dumps(summary.as_json()) + "\n")
        return
    c = summary.counts
    s = summary.seconds
    lines = [
        f"{'Interrupted' if summary.interrupted else 'Scanned'} {summary.files:,} files "
        f"({summary_size(summary.bytes)}) in {s.get('total', 0):.2f} s "
        f"({summary.files_per_second:,.0f} files/s)",
        "  "
        + "  ".join(
            f"{k} {c.get(k, 0):,}" for k in ("added", "changed", "unchanged", "moved", "missing")
        ),
        f"  failed {summary.failure_count:,}"
        + (
            f"  (plus {summary.known_failures:,} known from earlier scans)"
            if summary.known_failures
            else ""
        )
        + (f"  non-media {c.get('other', 0):,}" if c.get("other") else "")
        + (f"  skipped {summary.skipped:,}" if summary.skipped else ""),
        "  time: "
        + "  ".join(f"{k} {s.get(k, 0):.2f}s" for k in ("walk", "diff", "extract", "write"))
        + "  (extract is summed over workers)",
        f"  peak memory: main {summary.peak_rss_mb.get('main', 0):.0f} MB, "
        f"workers {summary.peak_rss_mb.get('workers', 0):.0f} MB",
    ]
    for h in summary.held:
        lines.append(f"  held: {printable_path(h.root)} {h.reason}")
    for f in summary.failures[:10]:
        lines.append(f"  ! {f.kind}: {printable_path(f.path)}: {f.message}")
    if summary.failure_count > 10:
        lines.append(f"  … {summary.failure_count - 10} more: see `shelf failures`")
    out.write("\n".join(lines) + "\n")


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "scan",
        parents=[common],
        help="index folders into the catalog (incremental)",
        description="Walk the folders, read tags of new and changed files in parallel, "
        "and bring the catalog in step: added, changed, unchanged, moved, missing.",
    )
    s.add_argument("paths", nargs="+", metavar="PATH", help="folders (or files) to scan")
    add_jobs(s)
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
        "--accept-missing",
        action="store_true",
        help="mark files gone even when more than hold_missing_share of a root vanished "
        "at once (the mount guard holds such marks by default)",
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
    s.add_argument(
        "--accept-volume",
        action="store_true",
        help="trust what is mounted at the roots now: scan a root the mount guard stopped "
        "(its anchor file lost, or its files really gone) and record its identity afresh",
    )
    s.set_defaults(func=cmd_scan)

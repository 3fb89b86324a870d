"""`shelf organize`, `undo`, `history`, `recover`: changing files through the journal."""

from __future__ import annotations

import argparse
import os
import sys

from mediashelf.commands.common import (
    abspath_bytes,
    command_line,
    confirm,
    locked_catalog,
    open_db,
    scan_roots,
    settings_of,
)
from mediashelf.errors import EXIT_OK, ConfigError


def cmd_organize(args: argparse.Namespace) -> int:
    from mediashelf.organize import apply, journal
    from mediashelf.organize.plan import Request, make_plan
    from mediashelf.organize.report import print_outcome, print_plan
    from mediashelf.report import make_progress

    settings = settings_of(args)
    dest = abspath_bytes(args.into)
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
    catalog = locked_catalog(args) if not args.dry_run else open_db(settings)
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
        if not confirm(f"{verb} {files:,} files into {args.into}?", args.yes, files):
            print("shelf: nothing done", file=sys.stderr)
            return EXIT_OK
        run_id = journal.start_run(catalog, command_line(), args.mode, plan.dest)
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
                stop_at=scan_roots(catalog) | {plan.dest},
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
    catalog = open_db(settings_of(args))
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

    catalog = locked_catalog(args)
    try:
        progress = make_progress(args.json, args.quiet, "undoing")
        try:
            outcome = undo(
                catalog,
                args.run,
                force=args.force,
                command=command_line(),
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

    catalog = open_db(settings_of(args))
    try:
        runs = journal.runs(catalog.db, limit=args.limit)
    finally:
        catalog.close()
    print_history(runs, sys.stdout, json_mode=args.json)
    return EXIT_OK

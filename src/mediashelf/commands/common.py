"""What the commands share: settings, the catalog, its lock, confirmation."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog
    from mediashelf.config import Settings
    from mediashelf.journal import Recovered

#: what `ArgumentParser.add_subparsers()` returns (argparse has no public name for it)
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def common_parent() -> argparse.ArgumentParser:
    """--db and --config, accepted before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH|URL",
        help="catalog: a SQLite file, or a PostgreSQL server as postgresql://USER@HOST/DB "
        "(default: $SHELF_DB or ~/.local/share/mediashelf/library.db)",
    )
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="settings file (default: $SHELF_CONFIG or ~/.config/mediashelf/config.toml)",
    )
    return common


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """--jobs/-j: the worker processes of the commands that read files in a pool."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: one per core; 1 = sequential)",
    )


def applying_parent() -> argparse.ArgumentParser:
    """The options of the commands that change files through the journal."""
    applying = argparse.ArgumentParser(add_help=False)
    applying.add_argument("--json", action="store_true", help="JSON output")
    applying.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    applying.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="wait for the catalog lock"
    )
    applying.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    # stops the run as a crash would after N steps (crash-safety tests)
    applying.add_argument("--fail-after", type=int, default=None, help=argparse.SUPPRESS)
    return applying


def settings_of(args: argparse.Namespace, **flags: object) -> Settings:
    from mediashelf.app.settings import load

    return load(
        config_path=Path(args.config) if args.config else None,
        db=args.db,
        profile=getattr(args, "profile", None),
        **flags,
    )


def open_db(settings: Settings, create: bool = False) -> Catalog:
    from mediashelf.app.session import reading

    return reading(settings, create=create)


def writing(
    args: argparse.Namespace, settings: Settings | None = None, **kw: Any
) -> contextlib.AbstractContextManager[Catalog]:
    """The catalog under the writer lease for this command (see `app.session.writing`)."""
    from mediashelf.app.session import writing as _writing

    return _writing(
        settings or settings_of(args),
        wait=getattr(args, "wait", 0.0) or 0.0,
        command=command_line(),
        settled=print_settled,
        **kw,
    )


def abspath_bytes(path: str) -> bytes:
    return os.path.abspath(os.fsencode(path))


def command_line() -> str:
    """What the user ran, for the history and the lease's holder; a catalog URL's
    password masked."""
    import shlex

    from mediashelf.dburl import masked

    return "shelf " + " ".join(shlex.quote(masked(a)) for a in sys.argv[1:])


def print_settled(rec: Recovered) -> None:
    """Tell about a run a crash had left unfinished, settled before this command ran."""
    print(f"shelf: {rec.message()}", file=sys.stderr)
    for line in rec.odd[:10]:
        print(f"  ! {line}", file=sys.stderr)


def confirm(question: str, yes: bool, count: int) -> bool:
    if yes or count <= 5 or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    print(question + " [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def item_json(fields: dict[str, object], path: bytes) -> str:
    """One JSON object with the path first; undecodable bytes survive as \\udcXX."""
    from mediashelf.console import dumps

    return dumps({"path": os.fsdecode(path), **fields})

"""`shelf serve`: the catalog as a local web application (pages and a JSON API)."""

from __future__ import annotations

import argparse
import sys

from mediashelf.commands.common import Subparsers, open_db, settings_of
from mediashelf.errors import EXIT_OK, ConfigError


def cmd_serve(args: argparse.Namespace) -> int:
    from mediashelf.web.serve import make_state, run

    if not 0 <= args.port <= 65535:
        raise ConfigError(
            f"--port {args.port}: a port number is between 1 and 65535 (0: any free one)"
        )
    if args.thumb_cache_mb < 1:
        raise ConfigError("--thumb-cache-mb must be 1 or more")
    settings = settings_of(args)
    open_db(settings).close()  # a missing catalog is one line now, not an error per page
    state, token_note = make_state(
        settings, args.host, args.port, auth=not args.no_auth, cache_mb=args.thumb_cache_mb
    )
    return run(state, args.host, args.port, token_note, out=sys.stderr) or EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    sv = sub.add_parser(
        "serve",
        parents=[common],
        help="browse, search, review duplicates and run scans from a web page",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the catalog as a web application: albums, artists, genres, "
        "years, folders, photos, search, item pages with playback, duplicates review and "
        "resolution, scans with live progress, history with undo, statistics, and a JSON "
        "API under /api/.",
        epilog="""security:
  It listens on 127.0.0.1 by default and answers only to localhost names there.
  On any other address every request needs an access token: made on first use,
  stored with mode 0600 in ~/.config/mediashelf/serve-token and printed once
  (open the printed link, or send `Authorization: Bearer TOKEN`); --no-auth
  turns that off on a network you trust.
examples:
  shelf serve
  shelf serve --port 9000
  shelf serve --host 0.0.0.0          (other machines of the network, with the token)""",
    )
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free one)")
    sv.add_argument(
        "--no-auth",
        action="store_true",
        help="no access token on a non-loopback address (anyone who can reach it can "
        "change your files)",
    )
    sv.add_argument(
        "--thumb-cache-mb",
        type=int,
        default=512,
        metavar="MB",
        help="disk budget of the thumbnail cache (default: 512)",
    )
    sv.set_defaults(func=cmd_serve)

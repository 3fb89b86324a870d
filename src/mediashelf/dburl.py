"""Where the catalog is: a SQLite file, or a PostgreSQL server named by a URL.

`--db`, `SHELF_DB` and `db =` take either.  A value that starts with `postgresql://`
or `postgres://` is a libpq connection URI and is handed to libpq as it is, so its
conventions work because libpq implements them: `PGPASSWORD`, `PGPASSFILE`
(`~/.pgpass`), `sslmode=…`, `service=…` with `pg_service.conf`, `PGHOST` and the rest.
Anything else is a file path.

A connection URI may hold a password, which is a secret: it is shown only through
`masked()`, in every message, log and JSON output.
"""

from __future__ import annotations

import re
from typing import Final

SCHEMES: Final = ("postgresql://", "postgres://")

#: `scheme://user:password@` — the password part of a URI's authority
_PASSWORD_IN_AUTHORITY: Final = re.compile(r"^([a-z]+://[^/?#@:]*):([^/?#@]*)@", re.IGNORECASE)
#: `password=…` as a query parameter
_PASSWORD_PARAM: Final = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def is_server(value: str) -> bool:
    """True when `value` names a PostgreSQL server rather than a SQLite file."""
    return value.lower().startswith(SCHEMES)


def masked(url: str) -> str:
    """The URL with any password replaced by `***` (what every message shows)."""
    out = _PASSWORD_IN_AUTHORITY.sub(r"\1:***@", url)
    return _PASSWORD_PARAM.sub(r"\1***", out)


def password_of(url: str) -> str | None:
    """The password written in the URL itself, if any (to scrub it from driver messages)."""
    m = _PASSWORD_IN_AUTHORITY.match(url)
    if m and m.group(2):
        return m.group(2)
    p = _PASSWORD_PARAM.search(url)
    if p:
        value = p.group(0).split("=", 1)[1]
        return value or None
    return None


def scrub(message: str, url: str) -> str:
    """A driver's message with the URL's password (raw or percent-encoded) taken out."""
    import os
    from urllib.parse import unquote

    secrets = {password_of(url) or "", os.environ.get("PGPASSWORD", "")}
    for secret in secrets - {""}:
        for form in {secret, unquote(secret)}:
            if form:
                message = message.replace(form, "***")
    return message.replace(url, masked(url))

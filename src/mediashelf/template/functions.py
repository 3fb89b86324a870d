"""The functions of templates: `%name{arg,...}` with text arguments, text result.

Each takes its arguments as rendered text (missing ones take their defaults) and
returns text, as beets' functions of the same name do; none raises on a value it
cannot use (it gives "" or the text unchanged).  `%ifdef` (its first argument is a
field name) is the engine's; `%aunique` and `%sunique` (they need the catalog, see
values.py) are the caller's.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Final

Function = Callable[..., str]


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def f_if(cond: str = "", then: str = "", other: str = "") -> str:
    """`then` when `cond` is a non-zero number, or text other than "" and "false"."""
    try:
        true = bool(int(cond))
    except ValueError:
        true = bool(cond) and cond.lower() != "false"
    return then if true else other


def f_lower(text: str = "") -> str:
    return text.lower()


def f_upper(text: str = "") -> str:
    return text.upper()


def f_capitalize(text: str = "") -> str:
    """The first character upper case, the rest lower case."""
    return text.capitalize()


def f_title(text: str = "") -> str:
    return string.capwords(text)


def f_left(text: str = "", n: str = "0") -> str:
    return text[: max(0, _int(n, 0))]


def f_right(text: str = "", n: str = "0") -> str:
    k = max(0, _int(n, 0))
    return text[-k:] if k else ""


def f_first(
    text: str = "", count: str = "1", skip: str = "0", sep: str = "; ", join: str = "; "
) -> str:
    """The first `count` items of a `sep`-separated list, after skipping `skip`."""
    parts = text.split(sep) if sep else [text]
    start = max(0, _int(skip, 0))
    return join.join(parts[start : start + max(0, _int(count, 1))])


def f_asciify(text: str = "") -> str:
    """ASCII letters for other scripts (anyascii); a `/` it makes becomes `_`, as in beets
    (`½` is `1_2`), so it adds no folder to a path nor a separator to a line."""
    import unicodedata

    from anyascii import anyascii

    return str(anyascii(unicodedata.normalize("NFC", text))).replace("/", "_")


#: how a time that templates show is written: local times (`$added`, `$mtime`), ISO
#: 8601 dates and times (`$taken`, `$date`) at any precision
_TIME_FORMATS: Final = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m", "%Y")


def f_time(text: str = "", fmt: str = "") -> str:
    """The time `text` (as a template shows it) written with the strftime `fmt`;
    "" when `text` is not a time."""
    import datetime as dt

    text = text.strip()
    when: dt.datetime | None = None
    for pattern in _TIME_FORMATS:
        try:
            when = dt.datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    if when is None:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return ""
    try:  # (C's strftime ends at a NUL: the parts between NULs are written one by one)
        return "\x00".join(when.strftime(part) for part in fmt.split("\x00"))
    except ValueError:  # a format the platform's strftime refuses
        return ""


FUNCTIONS: Final[dict[str, Function]] = {
    "if": f_if,
    "lower": f_lower,
    "upper": f_upper,
    "capitalize": f_capitalize,
    "title": f_title,
    "left": f_left,
    "right": f_right,
    "first": f_first,
    "asciify": f_asciify,
    "time": f_time,
}

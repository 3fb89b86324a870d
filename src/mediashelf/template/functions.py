"""The functions of templates: `%name{arg,...}` with text arguments, text result.

Each takes its arguments as rendered text (missing ones take their defaults) and
returns text.  `%ifdef` (its first argument is a field name) and `%aunique` (it needs
the catalog, see values.py) are the engine's and the caller's.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Final

Function = Callable[..., str]


def _truthy(cond: str) -> bool:
    try:
        return bool(int(cond))
    except ValueError:
        return bool(cond.strip()) and cond.strip().lower() != "false"


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def f_if(cond: str = "", then: str = "", other: str = "") -> str:
    return then if _truthy(cond) else other


def f_lower(text: str = "") -> str:
    return text.lower()


def f_upper(text: str = "") -> str:
    return text.upper()


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
    from anyascii import anyascii

    return str(anyascii(text))


FUNCTIONS: Final[dict[str, Function]] = {
    "if": f_if,
    "lower": f_lower,
    "upper": f_upper,
    "title": f_title,
    "left": f_left,
    "right": f_right,
    "first": f_first,
    "asciify": f_asciify,
}

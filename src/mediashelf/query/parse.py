"""Query text → terms, OR groups and sort keys.  Pure: no SQL, no catalog.

The syntax follows beets' `beet ls` queries:

    word                 bare word: title, artist, album or albumartist contain it
    field:value          the field contains value (text), or equals it (numbers ...)
    field:=value         exactly value
    field::regex         matches the regular expression
    field:low..high      a range; either end may be left out
    field:               the field is empty or missing
    -term  ^term         not
    a b , c d            (a and b) or (c and d): a lone comma separates groups
    field+  field-       sort ascending / descending (several: first is primary)

Each command-line argument is one term, so `'artist:the beatles'` needs its quotes.
`parse_string` splits a single string the way a shell would, for queries written in
the settings file.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from mediashelf.errors import QueryError

MAX_QUERY_CHARS: Final = 10_000
MAX_TERMS: Final = 200

Op = Literal["contains", "exact", "regex", "range", "empty", "bare", "has"]


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: a bare word
    op: Op
    value: str
    negate: bool = False
    high: str | None = None  # the upper end of a range ("" = open)

    def describe(self) -> str:
        sign = "-" if self.negate else ""
        if self.field is None:
            return sign + self.value
        if self.op == "range":
            return f"{sign}{self.field}:{self.value}..{self.high}"
        marker = {"exact": "=", "regex": ":"}.get(self.op, "")
        return f"{sign}{self.field}:{marker}{self.value}"


@dataclass(frozen=True, slots=True)
class Sort:
    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    groups: list[list[Term]] = field(default_factory=lambda: [[]])  # OR of ANDs
    sort: list[Sort] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


_FIELD_TERM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(.*)$", re.DOTALL)
_SORT_TERM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)([+-])$")


def parse(args: Sequence[str]) -> Query:
    """One term per argument."""
    total = sum(len(a) for a in args)
    if total > MAX_QUERY_CHARS:
        raise QueryError(f"query is too long ({total:,} characters; at most {MAX_QUERY_CHARS:,})")
    groups: list[list[Term]] = [[]]
    sort: list[Sort] = []
    count = 0
    for arg in args:
        if arg.strip() == ",":
            groups.append([])
            continue
        if not arg:
            continue
        s = _SORT_TERM.match(arg)
        if s:  # the field is checked when the sort is compiled (items and albums differ)
            sort.append(Sort(s.group(1).lower(), s.group(2) == "-"))
            continue
        count += 1
        if count > MAX_TERMS:
            raise QueryError(f"query has more than {MAX_TERMS} terms; narrow it down")
        groups[-1].append(parse_term(arg))
    return Query(groups, sort)


def parse_string(text: str) -> Query:
    """A whole query in one string (settings file): split like a shell, no expansion."""
    return parse(split_query(text))


def split_query(text: str) -> tuple[str, ...]:
    """The terms of a query written as one string, split like a shell, no expansion."""
    try:
        return tuple(shlex.split(text, posix=True))
    except ValueError as e:
        raise QueryError(f"cannot split query {text!r}: {e}") from None


def parse_term(arg: str) -> Term:
    negate = False
    text = arg
    if len(text) > 1 and text[0] in "-^":
        negate, text = True, text[1:]
    m = _FIELD_TERM.match(text)
    if not m:
        if "\\:" in text:  # an escaped colon is a literal one
            text = text.replace("\\:", ":")
        return Term(None, "bare", text, negate)
    name, value = m.group(1).lower(), m.group(2)
    if name == "has":
        if not value:
            raise QueryError("`has:` needs a name, e.g. has:cover")
        return Term("has", "has", value.lower(), negate)
    if value == "":
        return Term(name, "empty", "", negate)
    if value.startswith(":"):
        return Term(name, "regex", value[1:], negate)
    if value.startswith("="):
        return Term(name, "exact", value[1:], negate)
    if ".." in value and not value.startswith("..."):
        low, _, high = value.partition("..")
        if ".." not in high and (low or high):
            return Term(name, "range", low, negate, high)
    return Term(name, "contains", value, negate)

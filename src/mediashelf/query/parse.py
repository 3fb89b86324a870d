r"""Query text → terms, OR groups and sort keys.  Pure: no SQL, no catalog.

The syntax follows beets' `beet ls` queries:

    word                 bare word: title, artist, album, albumartist or genre contains it
    =word  =~word  :re   bare exact, exact ignoring case, regex: on those same fields
    field:value          the field contains value (text), or equals it (numbers ...)
    field:=value         exactly value
    field:=~value        exactly value, ignoring case
    field::regex         matches the regular expression
    field:low..high      a range; either end may be left out; back to front is swapped
    field:               the field is empty or missing
    -term  ^term         not
    a b , c d            (a and b) or (c and d): a comma on its own, or ending a term
                         (`a b, c d`), separates groups
    field+  field-       sort ascending / descending (several: first is primary)
    \:                   a colon that is part of the value, not the end of a field name

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

Op = Literal["contains", "exact", "iexact", "regex", "range", "empty", "bare", "has"]


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: a bare word (op bare, exact, iexact or regex)
    op: Op
    value: str
    negate: bool = False
    high: str | None = None  # the upper end of a range ("" = open)

    def describe(self) -> str:
        sign = "-" if self.negate else ""
        marker = {"exact": "=", "iexact": "=~", "regex": ":"}.get(self.op, "")
        if self.field is None:
            return sign + marker + self.value
        if self.op == "range":
            return f"{sign}{self.field}:{self.value}..{self.high}"
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
    """One term per argument; an argument that ends with a comma ends its group too."""
    total = sum(len(a) for a in args)
    if total > MAX_QUERY_CHARS:
        raise QueryError(f"query is too long ({total:,} characters; at most {MAX_QUERY_CHARS:,})")
    groups: list[list[Term]] = [[]]
    sort: list[Sort] = []
    count = 0
    for arg in args:
        text = arg.rstrip()
        closes = text.endswith(",")  # `a, b` is `a , b`, as in beets
        text = text[:-1] if closes else arg
        if text.strip():
            s = _SORT_TERM.match(text)
            if s:  # the field is checked when the sort is compiled (items and albums differ)
                sort.append(Sort(s.group(1).lower(), s.group(2) == "-"))
            else:
                count += 1
                if count > MAX_TERMS:
                    raise QueryError(f"query has more than {MAX_TERMS} terms; narrow it down")
                groups[-1].append(parse_term(text))
        if closes:
            groups.append([])
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


def _unescape(text: str) -> str:
    """`\\:` is a colon that does not end a field name."""
    return text.replace("\\:", ":") if "\\:" in text else text


def _matcher(name: str | None, value: str, negate: bool) -> Term | None:
    """A `:regex`, `=exact` or `=~exact` value as a term (None: none of those)."""
    if value.startswith(":"):
        return Term(name, "regex", value[1:], negate)
    if value.startswith("=~"):
        return Term(name, "iexact", _unescape(value[2:]), negate)
    if value.startswith("="):
        return Term(name, "exact", _unescape(value[1:]), negate)
    return None


def parse_term(arg: str) -> Term:
    negate = False
    text = arg
    if len(text) > 1 and text[0] in "-^":
        negate, text = True, text[1:]
    m = _FIELD_TERM.match(text)
    if not m:  # a bare word, or a bare :regex / =exact for the fields words search
        return _matcher(None, text, negate) or Term(None, "bare", _unescape(text), negate)
    name, value = m.group(1).lower(), m.group(2)
    if name == "has":
        if not value:
            raise QueryError("`has:` needs a name, e.g. has:cover")
        return Term("has", "has", value.lower(), negate)
    if value == "":
        return Term(name, "empty", "", negate)
    matcher = _matcher(name, value, negate)
    if matcher is not None:
        return matcher
    value = _unescape(value)
    if ".." in value and not value.startswith("..."):
        low, _, high = value.partition("..")
        if ".." not in high:  # (`field:..` is any known value, as in beets)
            return Term(name, "range", low, negate, high)
    return Term(name, "contains", value, negate)

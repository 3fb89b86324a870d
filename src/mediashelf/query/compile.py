"""Parsed query → one SQL boolean expression over `items`, its parameters, an ORDER BY.

Every value is a bound parameter; field names come from the registry in fields.py,
never from the query text, so nothing a user (or a tag) writes reaches the SQL text.
Comparisons are written so that SQLite can use the catalog's indexes: equality and
ranges on the column itself, path prefixes as a range over the unique path index.
Only regular expressions call back into Python (the REGEXP function, with a time
budget for the whole query).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Final

from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.folding import fold
from mediashelf.catalog.queries import prefix_range
from mediashelf.errors import QueryError
from mediashelf.query import values as v
from mediashelf.query.fields import FIELDS, HAS, Field, lookup, suggest
from mediashelf.query.parse import Query, Sort, Term

#: the fields a bare word searches
BARE_FIELDS: Final = ("title", "artist", "album", "albumartist")


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _bad(term: Term, message: str) -> QueryError:
    return QueryError(f"bad query term {term.describe()!r}: {message}")


def _looks_like_path(word: str, cwd: bytes) -> bool:
    if "/" not in word and word not in (".", ".."):
        return False
    raw = os.path.expanduser(os.fsencode(word))
    return os.path.exists(os.path.join(cwd, raw))


class _Compiler:
    def __init__(self, cwd: bytes) -> None:
        self.cwd = cwd
        self.params: list[Any] = []
        self.uses_regex = False
        self.named: list[str] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    # -- one term -----------------------------------------------------------------------

    def term(self, t: Term) -> str:
        sql = self._positive(t)
        return f"NOT coalesce(({sql}), 0)" if t.negate else sql

    def _positive(self, t: Term) -> str:
        if t.field is None:
            if _looks_like_path(t.value, self.cwd):  # beets: a bare path is a path query
                return self.path(Term("path", "contains", t.value), FIELDS["path"])
            return self._bare(t.value)
        if t.op == "has":
            return self._has(t)
        f = lookup(t.field)
        self.named.append(f.name)
        if t.op == "regex":
            return self._regex(t, f)
        if t.op == "empty":
            return self._empty(f)
        handler = _HANDLERS[f.kind]
        try:
            return handler(self, t, f)
        except v.BadValue as e:
            raise _bad(t, str(e)) from None

    def _folded(self, needle: str, test: str) -> str:
        """Ids of items whose non-ASCII text fields, folded, pass `test` (SQL on `folded`).

        A scan of the small covering index of folded items; `folded LIKE` on the
        whole JSON text first, so the JSON is parsed only for candidates.
        """
        pattern = self.p("%" + escape_like(needle) + "%")
        prefilter = ""
        if '"' not in needle and "\\" not in needle:  # JSON escapes these two
            prefilter = f"folded LIKE {pattern} ESCAPE '\\' AND "
            pattern = self.p(self.params[-1])
        return f"SELECT id FROM items WHERE folded IS NOT NULL AND {prefilter}" + test.replace(
            "{pattern}", pattern
        )

    def _substring(self, columns: tuple[str, ...], needle: str, folded_test: str | None) -> str:
        """Items where any of `columns` contains `needle` (folded), as `id IN (...)`.

        Each column is searched in its own subquery, which SQLite answers from the
        column's index alone (a covering index scan, a fraction of the table's size);
        the outer query then fetches only the matching rows.
        """
        pattern = "%" + escape_like(needle) + "%"
        parts = [
            f"SELECT id FROM items WHERE {c} LIKE {self.p(pattern)} ESCAPE '\\'" for c in columns
        ]
        if folded_test is not None:
            parts.append(self._folded(needle, folded_test))
        return "id IN (" + " UNION ALL ".join(parts) + ")"

    def _bare(self, word: str) -> str:
        keys = ", ".join(f"'{c}'" for c in BARE_FIELDS)
        return self._substring(
            BARE_FIELDS,
            fold(word),
            f"EXISTS (SELECT 1 FROM json_each(folded) WHERE key IN ({keys}) "
            "AND value LIKE {pattern} ESCAPE '\\')",
        )

    def _has(self, t: Term) -> str:
        if t.value in HAS:
            return HAS[t.value][0]
        f = FIELDS.get(t.value)
        if f is None:
            raise QueryError(f"unknown has:{t.value}{suggest(t.value, [*HAS, *FIELDS])}")
        return f"NOT ({self._empty(f)})"

    def _regex(self, t: Term, f: Field) -> str:
        import regex

        try:
            regex.compile(t.value)
        except regex.error as e:
            raise _bad(t, f"not a valid regular expression ({e})") from None
        self.uses_regex = True
        return f"{f.sql} REGEXP {self.p(t.value)}"

    def _empty(self, f: Field) -> str:
        if f.kind == "path":
            return "0"
        if f.kind == "list":
            return f"({f.sql} IS NULL OR {f.sql} = '[]')"
        if f.kind in ("text", "keyword", "datetext"):
            return f"({f.sql} IS NULL OR {f.sql} = '')"
        return f"{f.sql} IS NULL"

    # -- by field kind ------------------------------------------------------------------

    def text(self, t: Term, f: Field) -> str:
        value = t.value if t.op != "range" else f"{t.value}..{t.high}"
        if t.op == "exact":
            return f"{f.sql} = {self.p(value)}"
        needle = fold(value)
        if f.folded:
            test = f"json_extract(folded, '$.{f.name}') LIKE {{pattern}} ESCAPE '\\'"
            return self._substring((f.sql,), needle, test)
        return f"{f.sql} LIKE {self.p('%' + escape_like(needle) + '%')} ESCAPE '\\'"

    def keyword(self, t: Term, f: Field) -> str:
        value = t.value if t.op != "range" else f"{t.value}..{t.high}"
        return f"{f.sql} = {self.p(value.strip().lower())}"

    def _interval(self, f: Field, low: Any, high: Any, *, high_inclusive: bool) -> str:
        parts = []
        if low is not None:
            parts.append(f"{f.sql} >= {self.p(low)}")
        if high is not None:
            parts.append(f"{f.sql} {'<=' if high_inclusive else '<'} {self.p(high)}")
        return "(" + " AND ".join(parts) + ")" if parts else f"{f.sql} IS NOT NULL"

    def _numeric(
        self,
        t: Term,
        f: Field,
        single: Callable[[str], tuple[Any, Any]],
        bound: Callable[[str], Any],
    ) -> str:
        if t.op == "range":
            low = bound(t.value) if t.value else None
            high = bound(t.high) if t.high else None
            return self._interval(f, low, high, high_inclusive=True)
        if t.op == "exact":
            return f"{f.sql} = {self.p(bound(t.value))}"
        lo, hi = single(t.value)
        if lo == hi - 1 and isinstance(lo, int):
            return f"{f.sql} = {self.p(lo)}"
        return self._interval(f, lo, hi, high_inclusive=False)

    def integer(self, t: Term, f: Field) -> str:
        def single(s: str) -> tuple[Any, Any]:
            i = v.number(s, integer=True)
            return i.low, i.high

        return self._numeric(t, f, single, lambda s: v.number_bound(s, integer=True))

    def real(self, t: Term, f: Field) -> str:
        def single(s: str) -> tuple[Any, Any]:
            i = v.number(s, integer=False)
            return i.low, i.high

        return self._numeric(t, f, single, lambda s: v.number_bound(s, integer=False))

    def _unit(self, t: Term, f: Field, parse: Callable[[str], tuple[Any, Any]]) -> str:
        def single(s: str) -> tuple[Any, Any]:
            value, step = parse(s)
            return value, value + step

        return self._numeric(t, f, single, lambda s: parse(s)[0])

    def size(self, t: Term, f: Field) -> str:
        return self._unit(t, f, v.size)

    def duration(self, t: Term, f: Field) -> str:
        return self._unit(t, f, v.duration)

    def bitrate(self, t: Term, f: Field) -> str:
        return self._unit(t, f, v.bitrate)

    def _dates(self, t: Term) -> tuple[v.DateSpan | None, v.DateSpan | None]:
        if t.op == "range":
            return (
                v.date_span(t.value) if t.value else None,
                v.date_span(t.high) if t.high else None,
            )
        span = v.date_span(t.value)
        return span, span

    def instant(self, t: Term, f: Field) -> str:
        low, high = self._dates(t)
        return self._interval(
            f,
            v.to_ns(low.start) if low else None,
            v.to_ns(high.end) if high else None,
            high_inclusive=False,
        )

    def datetext(self, t: Term, f: Field) -> str:
        if t.op == "exact":
            return f"{f.sql} = {self.p(t.value)}"
        low, high = self._dates(t)
        return self._interval(
            f,
            v.to_text(low.start, low.precision) if low else None,
            v.to_text(high.end, high.precision) if high else None,
            high_inclusive=False,
        )

    def boolean(self, t: Term, f: Field) -> str:
        if t.op == "range":
            raise v.BadValue("true or false has no range")
        if v.boolean(t.value):
            return f"{f.sql} = 1"  # (missing = 1 has a partial index)
        return f"coalesce({f.sql}, 0) = 0"

    def listing(self, t: Term, f: Field) -> str:
        value = t.value if t.op != "range" else f"{t.value}..{t.high}"
        if t.op == "exact":
            return f"EXISTS (SELECT 1 FROM json_each({f.sql}) WHERE value = {self.p(value)})"
        return f"{f.sql} LIKE {self.p('%' + escape_like(value) + '%')} ESCAPE '\\'"

    def path(self, t: Term, f: Field) -> str:
        value = t.value if t.op != "range" else f"{t.value}..{t.high}"
        raw = os.path.expanduser(os.fsencode(value))
        full = os.path.normpath(os.path.join(self.cwd, raw))
        if t.op == "exact":
            return f"path = {self.p(full)}"
        exact, low, high = prefix_range(full)
        return f"(path = {self.p(exact)} OR (path >= {self.p(low)} AND path < {self.p(high)}))"

    # -- sorting ------------------------------------------------------------------------

    def order(self, sort: list[Sort], filtered: bool) -> str:
        """ORDER BY keys.  For a filtered query they are written `+col`, which keeps
        SQLite from walking an index in sort order and looking up every row to test
        the filter; it filters first (with the filter's index) and sorts the matches."""
        plus = "+" if filtered else ""
        keys = []
        for s in sort:
            f = lookup(s.field)
            direction = "DESC" if s.descending else "ASC"
            if f.kind == "path":
                keys.append(f"{plus}path {direction}")
                continue
            collate = " COLLATE NOCASE" if f.kind in ("text", "keyword", "list") else ""
            keys.append(f"{f.sql} IS NULL, {plus}{f.sql}{collate} {direction}")
        if not any(s.field == "path" for s in sort):
            keys.append(f"{plus}path ASC")
        return ", ".join(keys)


_HANDLERS: Final[dict[str, Callable[[_Compiler, Term, Field], str]]] = {
    "text": _Compiler.text,
    "keyword": _Compiler.keyword,
    "int": _Compiler.integer,
    "real": _Compiler.real,
    "bitrate": _Compiler.bitrate,
    "size": _Compiler.size,
    "duration": _Compiler.duration,
    "instant": _Compiler.instant,
    "datetext": _Compiler.datetext,
    "bool": _Compiler.boolean,
    "list": _Compiler.listing,
    "path": _Compiler.path,
}


def compile_query(
    query: Query,
    *,
    cwd: bytes | None = None,
    missing: bool | None = False,
    default_sort: list[Sort] | None = None,
) -> Compiled:
    """SQL for a parsed query.

    `missing`: False lists present files only, True only files the last scan missed,
    None both; a query that names the `missing` field decides for itself.
    """
    c = _Compiler(cwd if cwd is not None else os.getcwdb())
    groups = []
    for group in query.groups:
        if group:
            groups.append("(" + " AND ".join(c.term(t) for t in group) + ")")
        else:
            groups.append("1")
    where = groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"
    if missing is not None and "missing" not in c.named:
        # Missing items are few and have a partial index.  Excluding them by id keeps
        # the rest of the query free to use a covering index (artist:X scans only
        # items_artist), where `missing = 0` would force a scan of the whole table.
        if missing:
            where = f"missing = 1 AND {where}"
        else:
            where = f"id NOT IN (SELECT id FROM items WHERE missing = 1) AND {where}"
    order = c.order(query.sort or default_sort or [], filtered=bool(query.terms))
    return Compiled(where, c.params, order, c.uses_regex, c.named)

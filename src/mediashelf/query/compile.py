"""Parsed query → a query tree (catalog/tree.py): which items, in which order.

The tree says what is asked, never how an engine answers it: the catalog's dialect
renders it (catalog/dialect.py).  Values stay values (bound parameters when
rendered); field names come from the registry in fields.py, never from the query
text, so nothing a user (or a tag) writes reaches the SQL text.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Final

from mediashelf.catalog import tree as t
from mediashelf.catalog.folding import fold
from mediashelf.errors import QueryError
from mediashelf.query import values as v
from mediashelf.query.fields import FIELDS, HAS, Field, lookup, suggest
from mediashelf.query.parse import Query, Sort, Term

#: the fields a bare word searches (beets searches comments too: see the README)
BARE_FIELDS: Final = ("title", "artist", "album", "albumartist", "genre")
#: the kinds of field whose values sort without regard to case
_NOCASE: Final = frozenset(("text", "keyword", "list"))
_SHAPES: Final[dict[str, t.Shape]] = {
    "list": "list",
    "text": "text",
    "keyword": "text",
    "datetext": "text",
}


def _bad(term: Term, message: str) -> QueryError:
    return QueryError(f"bad query term {term.describe()!r}: {message}")


def _looks_like_path(word: str, cwd: bytes) -> bool:
    if "/" not in word and word not in (".", ".."):
        return False
    raw = os.path.expanduser(os.fsencode(word))
    return os.path.exists(os.path.join(cwd, raw))


def _whole(term: Term) -> str:
    """The term's value as written, a range's `..` included (text has no ranges)."""
    return term.value if term.op != "range" else f"{term.value}..{term.high}"


def _empty(f: Field) -> t.Node:
    if f.kind == "path":
        return t.Nothing()
    return t.Empty(f.expr, _SHAPES.get(f.kind, "value"))


class _Compiler:
    def __init__(self, cwd: bytes) -> None:
        self.cwd = cwd
        self.uses_regex = False
        self.named: list[str] = []

    # -- one term -----------------------------------------------------------------------

    def term(self, term: Term) -> t.Node:
        node = self._positive(term)
        return t.Not(node) if term.negate else node

    def _positive(self, term: Term) -> t.Node:
        if term.field is None:
            return self._bare(term)
        if term.op == "has":
            return self._has(term)
        f = lookup(term.field)
        self.named.append(f.name)
        if term.op == "regex":
            return self._regex(term, f)
        if term.op == "empty":
            return _empty(f)
        handler = _HANDLERS[f.kind]
        try:
            return handler(self, term, f)
        except v.BadValue as e:
            raise _bad(term, str(e)) from None

    def _bare(self, term: Term) -> t.Node:
        """A term without a field: a path that exists, or a test on the fields words search."""
        if term.op == "bare":
            if _looks_like_path(term.value, self.cwd):  # beets: a bare path is a path query
                return self.path(t.Column("path"), "contains", term.value)
            return t.Search(BARE_FIELDS, fold(term.value))
        if term.op == "iexact":
            return t.Search(BARE_FIELDS, fold(term.value), whole=True)
        if term.op == "regex":
            self._check_regex(term)
            return t.Or(tuple(t.Regex(t.Column(c), term.value) for c in BARE_FIELDS))
        return t.Or(tuple(t.Equals(t.Column(c), term.value) for c in BARE_FIELDS))

    def _has(self, term: Term) -> t.Node:
        if term.value in HAS:
            return HAS[term.value][0]
        f = FIELDS.get(term.value)
        if f is None:
            raise QueryError(f"unknown has:{term.value}{suggest(term.value, [*HAS, *FIELDS])}")
        if f.kind == "path":
            return t.Not(t.Nothing())
        return t.NotEmpty(f.expr, _SHAPES.get(f.kind, "value"))

    def _check_regex(self, term: Term) -> None:
        import regex

        try:
            regex.compile(term.value)
        except regex.error as e:
            raise _bad(term, f"not a valid regular expression ({e})") from None
        self.uses_regex = True

    def _regex(self, term: Term, f: Field) -> t.Node:
        self._check_regex(term)
        return t.Regex(f.expr, term.value)

    # -- by field kind ------------------------------------------------------------------

    def text(self, term: Term, f: Field) -> t.Node:
        value = _whole(term)
        if term.op == "exact":
            return t.Equals(f.expr, value)
        whole = term.op == "iexact"
        if f.folded and isinstance(f.expr, t.Column):
            return t.Search((f.expr.name,), fold(value), whole=whole)
        return t.Contains(f.expr, fold(value), whole=whole)

    def keyword(self, term: Term, f: Field) -> t.Node:
        return t.Equals(f.expr, _whole(term).strip().lower())

    def _numeric(
        self,
        term: Term,
        f: Field,
        single: Callable[[str], tuple[Any, Any]],
        bound: Callable[[str], Any],
    ) -> t.Node:
        if term.op == "range":
            low = bound(term.value) if term.value else None
            high = bound(term.high) if term.high else None
            if low is not None and high is not None and low > high:  # back to front
                low, high = high, low
            return t.Range(f.expr, low, high, high_inclusive=True)
        if term.op in ("exact", "iexact"):
            return t.Equals(f.expr, bound(term.value))
        lo, hi = single(term.value)
        if lo == hi - 1 and isinstance(lo, int):
            return t.Equals(f.expr, lo)
        return t.Range(f.expr, lo, hi)

    def integer(self, term: Term, f: Field) -> t.Node:
        def single(s: str) -> tuple[Any, Any]:
            i = v.number(s, integer=True)
            return i.low, i.high

        return self._numeric(term, f, single, lambda s: v.number_bound(s, integer=True))

    def real(self, term: Term, f: Field) -> t.Node:
        def single(s: str) -> tuple[Any, Any]:
            i = v.number(s, integer=False)
            return i.low, i.high

        return self._numeric(term, f, single, lambda s: v.number_bound(s, integer=False))

    def _unit(self, term: Term, f: Field, parse: Callable[[str], tuple[Any, Any]]) -> t.Node:
        def single(s: str) -> tuple[Any, Any]:
            value, step = parse(s)
            return value, value + step

        return self._numeric(term, f, single, lambda s: parse(s)[0])

    def size(self, term: Term, f: Field) -> t.Node:
        return self._unit(term, f, v.size)

    def duration(self, term: Term, f: Field) -> t.Node:
        return self._unit(term, f, v.duration)

    def bitrate(self, term: Term, f: Field) -> t.Node:
        return self._unit(term, f, v.bitrate)

    def _dates(self, term: Term) -> tuple[v.DateSpan | None, v.DateSpan | None]:
        if term.op == "range":
            low = v.date_span(term.value) if term.value else None
            high = v.date_span(term.high) if term.high else None
            if low is not None and high is not None and low.start >= high.end:
                return high, low  # back to front, as beets reads it: `2014..2013`
            return low, high
        span = v.date_span(term.value)
        return span, span

    def instant(self, term: Term, f: Field) -> t.Node:
        low, high = self._dates(term)
        return t.Range(
            f.expr, v.to_ns(low.start) if low else None, v.to_ns(high.end) if high else None
        )

    def datetext(self, term: Term, f: Field) -> t.Node:
        if term.op in ("exact", "iexact"):
            return t.Equals(f.expr, term.value)
        low, high = self._dates(term)
        return t.Range(
            f.expr,
            v.to_text(low.start, low.precision) if low else None,
            v.to_text(high.end, high.precision) if high else None,
        )

    def boolean(self, term: Term, f: Field) -> t.Node:
        if term.op == "range":
            raise v.BadValue("true or false has no range")
        return t.Truth(f.expr, v.boolean(term.value))

    def listing(self, term: Term, f: Field) -> t.Node:
        value = _whole(term)
        if term.op in ("exact", "iexact"):
            return t.ListHas(f.expr, value, nocase=term.op == "iexact")
        return t.Contains(f.expr, value)

    def path_term(self, term: Term, f: Field) -> t.Node:
        return self.path(f.expr, term.op, _whole(term))

    def path(self, expr: t.Expr, op: str, value: str) -> t.Node:
        raw = os.path.expanduser(os.fsencode(value))
        full = os.path.normpath(os.path.join(self.cwd, raw))
        return t.Equals(expr, full) if op in ("exact", "iexact") else t.Under(full)

    # -- sorting ------------------------------------------------------------------------

    def order(self, sort: list[Sort]) -> tuple[t.SortKey, ...]:
        """The sort keys, unknown values last, then by path.  Text sorts without regard
        to case, paths too (as beets sorts them); the path's bytes break any tie."""
        keys = []
        for s in sort:
            f = lookup(s.field)
            if f.kind == "path":
                keys.append(t.SortKey(f.expr, s.descending, nocase=True, nulls_last=False))
            else:
                keys.append(t.SortKey(f.expr, s.descending, nocase=f.kind in _NOCASE))
        last = next((s for s in reversed(sort) if s.field == "path"), None)
        descending = last.descending if last is not None else False
        keys.append(t.SortKey(t.Column("path"), descending, nulls_last=False))
        return tuple(keys)


_HANDLERS: Final[dict[str, Callable[[_Compiler, Term, Field], t.Node]]] = {
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
    "path": _Compiler.path_term,
}


def compile_query(
    query: Query,
    *,
    cwd: bytes | None = None,
    missing: bool | None = False,
    default_sort: list[Sort] | None = None,
) -> t.Compiled:
    """The tree of a parsed query: an OR of groups, each an AND of terms.

    `missing`: False lists present files only, True only files the last scan missed,
    None both; a query that names the `missing` field decides for itself.
    """
    c = _Compiler(cwd if cwd is not None else os.getcwdb())
    groups = tuple(t.And(tuple(c.term(term) for term in group)) for group in query.groups)
    sort = c.order(query.sort or default_sort or [])
    return t.Compiled(
        filter=t.Or(groups),
        sort=sort,
        missing=None if "missing" in c.named else missing,
        uses_regex=c.uses_regex,
        fields=tuple(c.named),
    )

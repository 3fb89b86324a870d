"""Dialects: how a compiled query becomes SQL for one database engine.

The query language (`mediashelf.query`) compiles a user's query into a `Compiled`
tree (tree.py); the catalog's dialect renders it as the WHERE and ORDER BY of its
engine, with parameters (`render`), and runs the statements that use it with the
functions they need in place (`querying`).  Code outside the catalog uses only
`Catalog.querying(compiled)`.

SQLite (`SQLiteDialect`) answers substring tests with `LIKE … ESCAPE` on the
column and on the `folded` JSON copy of non-ASCII text, lists with `json_each`,
regular expressions and file names through Python functions registered on the
connection (one time budget for all of a query's regular expressions; their errors
come out as the QueryError they are, not as the engine's generic error).  Its SQL
is written for the indexes the catalog has: substrings as `id IN (…)` of one
subquery per column (a covering index scan each), path prefixes as a range over
the unique path index, missing items left out by their partial index.

PostgreSQL (`pgdialect.PostgresDialect`) is one more class with the same methods: it
renders `Search` as ILIKE over the columns and their folded copies (JSONB), `Regex`
as `~` under a statement timeout, lists as JSONB containment, and `FileName` with a
function of the schema.  Besides queries, a dialect gives the few pieces of other
statements that differ between the engines (`begin`, `ddl`, `concat_distinct`, …),
so the catalog modules keep one copy of every statement.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from mediashelf.catalog import tree as t
from mediashelf.catalog.tree import Compiled
from mediashelf.catalog.values import prefix_range
from mediashelf.errors import QueryError

__all__ = [
    "REGEX_BUDGET",
    "Compiled",
    "Dialect",
    "QueryFunctions",
    "RegexTimeout",
    "Rendered",
    "SQLiteDialect",
]

#: seconds a query's regular expressions may take in all
REGEX_BUDGET: Final = 10.0


@dataclass(frozen=True, slots=True)
class Rendered:
    """A compiled query as SQL text for one engine: WHERE and ORDER BY, and parameters."""

    where: str
    params: list[Any]
    order: str


class Dialect(Protocol):
    """What the catalog needs of an engine to run compiled queries, and the parts of
    other statements that differ between engines."""

    @property
    def name(self) -> str:
        """ "sqlite" or "postgresql"."""

    @property
    def begin(self) -> str:
        """The statement that starts the single writer's transaction."""

    @property
    def record_separator(self) -> str:
        """A text literal of the character U+001E (ends each title of an album's list)."""

    @property
    def unit_separator(self) -> str:
        """A text literal of the character U+001F (joins the parts of a grouping key)."""

    def ddl(self, statement: str) -> str:
        """A migration's DDL (written for SQLite) as this engine's."""

    def concat_distinct(self, expr: str) -> str:
        """An aggregate: the distinct values of `expr` joined by commas."""

    def json_member(self, column: str, key: str) -> str:
        """The value of `key` (a plain name) in the JSON object in `column`, as JSON
        text; NULL when there is none.  Filters on it start with `has_member`."""

    def has_member(self, column: str, key: str) -> str:
        """A cheap condition true of every row whose JSON in `column` has `key`."""

    def plain_text(self, column: str) -> str:
        """True where the column holds ASCII letters, digits and spaces only."""

    def render(self, compiled: Compiled) -> Rendered:
        """The WHERE and ORDER BY of a compiled query, and its parameters."""

    def order(self, keys: Sequence[t.SortKey], *, filtered: bool = False) -> str:
        """An ORDER BY of sort keys (`filtered`: the query has a filter)."""

    def querying(
        self, db: Any, *, regex_budget: float = REGEX_BUDGET
    ) -> contextlib.AbstractContextManager[None]:
        """Statements run inside may use rendered queries: the functions they call are
        in place, and their errors come out as QueryError."""
        ...


class RegexTimeout(QueryError):
    pass


class _Regexp:
    """SQLite's `X REGEXP Y` calls regexp(Y, X).  Bounded by one deadline per query."""

    def __init__(self, budget: float) -> None:
        self.deadline = time.monotonic() + budget
        self.budget = budget
        self.cache: dict[str, Any] = {}
        self.error: QueryError | None = None

    def __call__(self, pattern: str, value: Any) -> int:
        import regex

        if value is None:
            return 0
        if isinstance(value, bytes):
            value = value.decode("utf-8", "surrogateescape")
        elif not isinstance(value, str):
            value = str(value)
        compiled = self.cache.get(pattern)
        if compiled is None:
            compiled = self.cache[pattern] = regex.compile(pattern)
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            return 1 if compiled.search(value, timeout=remaining) else 0
        except TimeoutError:
            self.error = RegexTimeout(
                f"the regular expression {pattern[:80]!r} took more than {self.budget:g} s; "
                "simplify it (nested repeats like (a+)+ backtrack badly)"
            )
            raise


def _filename(path: Any) -> str | None:
    if path is None:
        return None
    name = os.path.basename(path)
    return name.decode("utf-8", "surrogateescape") if isinstance(name, bytes) else str(name)


class QueryFunctions:
    """Registers the SQL functions queries use on a connection; reports their errors."""

    def __init__(self, db: Any, *, regex_budget: float = REGEX_BUDGET) -> None:
        self.regexp = _Regexp(regex_budget)
        db.create_function("regexp", 2, self.regexp, deterministic=True)
        db.create_function("filename", 1, _filename, deterministic=True)

    def check(self, error: BaseException) -> None:
        """Re-raise a function's own error in place of SQLite's generic one."""
        if self.regexp.error is not None:
            raise self.regexp.error from None
        raise error


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_pattern(needle: str, whole: bool = False) -> str:
    """The LIKE pattern of a substring, or of a whole value (`whole`)."""
    return escape_like(needle) if whole else "%" + escape_like(needle) + "%"


#: columns that hold bytes (BLOB), not text
_BYTES: Final = frozenset(("path",))

_EMPTY: Final[dict[t.Shape, str]] = {
    "text": "({e} IS NULL OR {e} = '')",
    "list": "({e} IS NULL OR {e} = '[]')",
    "value": "{e} IS NULL",
}


class _SQLite:
    """One rendering: the SQL text of a tree, its parameters collected in order."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def expr(self, e: t.Expr) -> str:
        if isinstance(e, t.Column):
            return e.name
        if isinstance(e, t.FileName):
            return "filename(path)"
        return f"({e.column} IS NOT NULL)"

    def node(self, n: t.Node) -> str:
        method: Callable[[t.Node], str] = getattr(self, _NODES[type(n)])
        return method(n)

    def everything(self, n: t.Everything) -> str:
        return "1"

    def nothing(self, n: t.Nothing) -> str:
        return "0"

    def search(self, n: t.Search) -> str:
        """`id IN (…)`: one subquery per column, which SQLite answers from the column's
        index alone (a covering index scan, a fraction of the table's size), and one
        over the small covering index of folded items; the outer query then fetches
        only the matching rows."""
        pattern = _contains_pattern(n.needle, n.whole)
        parts = [
            f"SELECT id FROM items WHERE {c} LIKE {self.p(pattern)} ESCAPE '\\'" for c in n.columns
        ]
        parts.append(self._folded(n, pattern))
        return "id IN (" + " UNION ALL ".join(parts) + ")"

    def _folded(self, n: t.Search, pattern: str) -> str:
        """Ids of the items whose folded copy of one of the columns contains the needle:
        `folded LIKE` on the whole JSON text first, so the JSON is parsed only for
        candidates (JSON escapes `"` and `\\`, so not with those)."""
        prefilter = ""
        if '"' not in n.needle and "\\" not in n.needle:
            prefilter = f"folded LIKE {self.p(_contains_pattern(n.needle))} ESCAPE '\\' AND "
        if len(n.columns) == 1:
            test = f"json_extract(folded, '$.{n.columns[0]}') LIKE {self.p(pattern)} ESCAPE '\\'"
        else:
            keys = ", ".join(f"'{c}'" for c in n.columns)
            test = (
                f"EXISTS (SELECT 1 FROM json_each(folded) WHERE key IN ({keys}) "
                f"AND value LIKE {self.p(pattern)} ESCAPE '\\')"
            )
        return f"SELECT id FROM items WHERE folded IS NOT NULL AND {prefilter}{test}"

    def contains(self, n: t.Contains) -> str:
        pattern = _contains_pattern(n.needle, n.whole)
        return f"{self.expr(n.expr)} LIKE {self.p(pattern)} ESCAPE '\\'"

    def equals(self, n: t.Equals) -> str:
        return f"{self.expr(n.expr)} = {self.p(n.value)}"

    def range(self, n: t.Range) -> str:
        e = self.expr(n.expr)
        parts = []
        if n.low is not None:
            parts.append(f"{e} >= {self.p(n.low)}")
        if n.high is not None:
            parts.append(f"{e} {'<=' if n.high_inclusive else '<'} {self.p(n.high)}")
        return "(" + " AND ".join(parts) + ")" if parts else f"{e} IS NOT NULL"

    def regex(self, n: t.Regex) -> str:
        return f"{self.expr(n.expr)} REGEXP {self.p(n.pattern)}"

    def empty(self, n: t.Empty) -> str:
        return _EMPTY[n.shape].format(e=self.expr(n.expr))

    def not_empty(self, n: t.NotEmpty) -> str:
        return f"NOT ({_EMPTY[n.shape].format(e=self.expr(n.expr))})"

    def not_null(self, n: t.NotNull) -> str:
        return f"{self.expr(n.expr)} IS NOT NULL"

    def truth(self, n: t.Truth) -> str:
        e = self.expr(n.expr)
        return f"{e} = 1" if n.value else f"coalesce({e}, 0) = 0"  # (= 1 has a partial index)

    def list_has(self, n: t.ListHas) -> str:
        test = (
            f"value LIKE {self.p(_contains_pattern(n.item, whole=True))} ESCAPE '\\'"
            if n.nocase
            else f"value = {self.p(n.item)}"
        )
        return f"EXISTS (SELECT 1 FROM json_each({self.expr(n.expr)}) WHERE {test})"

    def under(self, n: t.Under) -> str:
        exact, low, high = prefix_range(n.path)
        return f"(path = {self.p(exact)} OR (path >= {self.p(low)} AND path < {self.p(high)}))"

    def not_(self, n: t.Not) -> str:
        return f"NOT coalesce(({self.node(n.node)}), 0)"

    def and_(self, n: t.And) -> str:
        if not n.nodes:
            return "1"
        return "(" + " AND ".join(self.node(c) for c in n.nodes) + ")"

    def or_(self, n: t.Or) -> str:
        if len(n.nodes) == 1:
            return self.node(n.nodes[0])
        return "(" + " OR ".join(self.node(c) for c in n.nodes) + ")"


#: the method of a renderer that renders each kind of node
_NODES: Final[dict[type, str]] = {
    t.Everything: "everything",
    t.Nothing: "nothing",
    t.Search: "search",
    t.Contains: "contains",
    t.Equals: "equals",
    t.Range: "range",
    t.Regex: "regex",
    t.Empty: "empty",
    t.NotEmpty: "not_empty",
    t.NotNull: "not_null",
    t.Truth: "truth",
    t.ListHas: "list_has",
    t.Under: "under",
    t.Not: "not_",
    t.And: "and_",
    t.Or: "or_",
}


class SQLiteDialect:
    """SQLite: the embedded default."""

    name: Final = "sqlite"
    begin: Final = "BEGIN IMMEDIATE"
    unit_separator: Final = "x'1f'"
    record_separator: Final = "char(30)"

    def ddl(self, statement: str) -> str:
        return statement

    def concat_distinct(self, expr: str) -> str:
        return f"group_concat(DISTINCT {expr})"

    def json_member(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def has_member(self, column: str, key: str) -> str:
        # a text match before JSON is parsed: most rows are ruled out without it
        return f"{column} LIKE '%\"{key}\"%'"

    def plain_text(self, column: str) -> str:
        return f"{column} NOT GLOB '*[^A-Za-z0-9 ]*'"

    def render(self, compiled: Compiled) -> Rendered:
        r = _SQLite()
        where = r.node(compiled.filter)
        if compiled.missing is True:
            where = f"missing = 1 AND {where}"
        elif compiled.missing is False:
            # Missing items are few and have a partial index.  Excluding them by id keeps
            # the rest of the query free to use a covering index (artist:X scans only
            # items_artist), where `missing = 0` would force a scan of the whole table.
            where = f"id NOT IN (SELECT id FROM items WHERE missing = 1) AND {where}"
        return Rendered(
            where, r.params, self.order(compiled.sort, filtered=t.narrows(compiled.filter))
        )

    def order(self, keys: Sequence[t.SortKey], *, filtered: bool = False) -> str:
        """ORDER BY keys.  For a filtered query they are written `+col`, which keeps
        SQLite from walking an index in sort order and looking up every row to test
        the filter; it filters first (with the filter's index) and sorts the matches."""
        plus = "+" if filtered else ""
        r = _SQLite()
        out = []
        for key in keys:
            e = r.expr(key.expr)
            nulls = f"{e} IS NULL, " if key.nulls_last else ""
            value = f"{plus}{e}"
            if key.nocase:
                # collations compare text only: the path's bytes are read as text for it
                value = f"CAST({e} AS TEXT)" if e in _BYTES else value
                value += " COLLATE NOCASE"
            out.append(f"{nulls}{value} {'DESC' if key.descending else 'ASC'}")
        return ", ".join(out)

    @contextlib.contextmanager
    def querying(
        self, db: sqlite3.Connection, *, regex_budget: float = REGEX_BUDGET
    ) -> Iterator[None]:
        """Run queries with the functions they call; report a function's own error."""
        funcs = QueryFunctions(db, regex_budget=regex_budget)
        try:
            yield
        except sqlite3.OperationalError as e:
            funcs.check(e)

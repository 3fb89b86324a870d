"""Dialects: how a compiled query becomes SQL for one database engine.

The query language (`mediashelf.query`) compiles a user's query into a `Compiled`
value; the catalog renders it for its engine and runs it.  SQLite runs regular
expressions and file-name tests through Python functions registered on the
connection, with one time budget for all of a query's regular expressions; their
errors come out as the QueryError they are, not as the engine's generic error.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.errors import QueryError

#: seconds a query's regular expressions may take in all
REGEX_BUDGET: Final = 10.0


@dataclass(frozen=True, slots=True)
class Compiled:
    where: str
    params: list[Any]
    order: str
    uses_regex: bool = False
    fields: list[str] = field(default_factory=list)  # fields the query names


@dataclass(frozen=True, slots=True)
class Rendered:
    """A compiled query as SQL text for one engine: WHERE and ORDER BY, and parameters."""

    where: str
    params: list[Any]
    order: str


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


class SQLiteDialect:
    """SQLite: the embedded default."""

    name: Final = "sqlite"

    def render(self, compiled: Compiled) -> Rendered:
        return Rendered(compiled.where, list(compiled.params), compiled.order)

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

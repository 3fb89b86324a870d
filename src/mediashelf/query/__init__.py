"""The query language: text → a query tree the catalog runs (see parse.py for the syntax)."""

from __future__ import annotations

from collections.abc import Sequence

from mediashelf.catalog.tree import Compiled
from mediashelf.query.compile import compile_query
from mediashelf.query.fields import FIELDS
from mediashelf.query.parse import Query, Sort, parse

__all__ = [
    "FIELDS",
    "Compiled",
    "Query",
    "Sort",
    "build",
    "compile_query",
    "parse",
]


def build(
    args: Sequence[str],
    *,
    cwd: bytes | None = None,
    missing: bool | None = False,
    default_sort: list[Sort] | None = None,
) -> Compiled:
    """Parse and compile the terms of a command line."""
    return compile_query(parse(args), cwd=cwd, missing=missing, default_sort=default_sort)

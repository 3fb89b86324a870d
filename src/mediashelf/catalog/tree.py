"""The query tree: what a compiled query means, as values, with no SQL in it.

The query language (`mediashelf.query`) parses a user's query and builds a small
tree of these nodes; a dialect (dialect.py) renders the tree for one database
engine.  The nodes say what is asked (a case- and accent-insensitive substring over
some text columns, a range of a column, a path and everything under it ...), never
how an engine answers it, so a second engine is one more dialect rendering the same
tree.  Every value in a node becomes a bound parameter; column names come from the
query language's field registry, never from the query text.

Expressions (the value a test looks at):

    Column(name)         a column of `items`
    FileName()           the last component of the item's path
    IsSet(column)        true when the column holds a value (the `failed` field)

Conditions (each true, false or unknown for one item):

    Everything()         every item               Nothing()        no item
    Search(columns, s)   any of the text columns (or its folded copy) contains `s`
    Contains(expr, s)    the expression contains `s` (ASCII letters in any case)
    Equals(expr, v)      the expression equals `v`
    Range(expr, lo, hi)  lo <= expr < hi (or <= hi); either end may be None
    Regex(expr, p)       the regular expression `p` matches somewhere in it
    Empty(expr, shape)   unknown, or empty text (`text`) or an empty list (`list`)
    NotEmpty(expr, shape), NotNull(expr)
    Truth(expr, value)   a flag is set (value True) or not set or unknown (False)
    ListHas(expr, v)     a list (JSON array) holds `v` as one of its items
    Under(path)          the path itself or anything below it
    Not(c)  And(cs)  Or(cs)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

# -- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str


@dataclass(frozen=True, slots=True)
class FileName:
    """The file's name: the last component of `path`."""


@dataclass(frozen=True, slots=True)
class IsSet:
    """A flag computed from a column: it holds a value."""

    column: str


Expr = Union[Column, FileName, IsSet]  # noqa: UP007 - a runtime alias used in annotations

#: how emptiness looks for a field: text ("" too), a list ("[]" too), or any other value
Shape = Literal["text", "list", "value"]

# -- conditions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Everything:
    pass


@dataclass(frozen=True, slots=True)
class Nothing:
    pass


@dataclass(frozen=True, slots=True)
class Search:
    """Any of `columns` contains `needle`, ignoring case and accents.

    The columns are text columns with folded copies; `needle` is folded already
    (catalog/folding.py), so it matches the folded copy as it is.
    """

    columns: tuple[str, ...]
    needle: str


@dataclass(frozen=True, slots=True)
class Contains:
    expr: Expr
    needle: str


@dataclass(frozen=True, slots=True)
class Equals:
    expr: Expr
    value: object


@dataclass(frozen=True, slots=True)
class Range:
    """`low <= expr < high` (`<=` with `high_inclusive`); an open end is None.

    With both ends open: the expression is known.
    """

    expr: Expr
    low: object
    high: object
    high_inclusive: bool = False


@dataclass(frozen=True, slots=True)
class Regex:
    expr: Expr
    pattern: str


@dataclass(frozen=True, slots=True)
class Empty:
    expr: Expr
    shape: Shape


@dataclass(frozen=True, slots=True)
class NotEmpty:
    expr: Expr
    shape: Shape


@dataclass(frozen=True, slots=True)
class NotNull:
    expr: Expr


@dataclass(frozen=True, slots=True)
class Truth:
    """The flag is set (`value` True), or it is not set or unknown (`value` False)."""

    expr: Expr
    value: bool


@dataclass(frozen=True, slots=True)
class ListHas:
    expr: Expr
    item: str


@dataclass(frozen=True, slots=True)
class Under:
    """The path `path` itself or anything below it (a path prefix)."""

    path: bytes


@dataclass(frozen=True, slots=True)
class Not:
    """True where the condition is false or unknown."""

    node: Node


@dataclass(frozen=True, slots=True)
class And:
    """Every condition holds (no condition: every item)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Union[  # noqa: UP007 - a runtime alias used in annotations
    Everything,
    Nothing,
    Search,
    Contains,
    Equals,
    Range,
    Regex,
    Empty,
    NotEmpty,
    NotNull,
    Truth,
    ListHas,
    Under,
    Not,
    And,
    Or,
]

# -- sorting and the whole query -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SortKey:
    """One sort key.  `nocase`: text compared without case; `nulls_last`: unknown last."""

    expr: Expr
    descending: bool = False
    nocase: bool = False
    nulls_last: bool = True


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled query: which items (`filter`), in which order (`sort`).

    `missing`: False keeps the items the last scan found, True only those it missed,
    None both.  `uses_regex`: the filter holds a regular expression; `fields`: the
    fields the query names.
    """

    filter: Node = field(default_factory=Everything)
    sort: tuple[SortKey, ...] = ()
    missing: bool | None = None
    uses_regex: bool = False
    fields: tuple[str, ...] = ()


def narrows(node: Node) -> bool:
    """The condition can leave items out (it is more than a combination of Everything)."""
    if isinstance(node, Everything):
        return False
    if isinstance(node, And | Or):
        return any(narrows(n) for n in node.nodes)
    return True

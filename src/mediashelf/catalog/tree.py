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
                         (with `whole`: is `s`, ignoring case and accents)
    Contains(expr, s)    the expression contains `s` (ASCII letters in any case;
                         with `whole`: is `s`)
    Equals(expr, v)      the expression equals `v`
    Range(expr, lo, hi)  lo <= expr < hi (or <= hi); either end may be None
    Regex(expr, p)       the regular expression `p` matches somewhere in it
    Empty(expr, shape)   unknown, or empty text (`text`) or an empty list (`list`)
    NotEmpty(expr, shape), NotNull(expr)
    Truth(expr, value)   a flag is set (value True) or not set or unknown (False)
    ListHas(expr, v)     a list (JSON array) holds `v` as one of its items (with
                         `nocase`: ASCII letters in any case)
    Under(path)          the path itself or anything below it
    Not(c)  And(cs)  Or(cs)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal, Union


class _Value:
    """Value semantics for the small classes below: equal when of one class with equal
    fields, hashable, shown with their fields; treated as immutable.

    (Plain classes rather than dataclasses: they are defined on every start of the
    program, and a frozen dataclass takes half a millisecond to define.)
    """

    __slots__: tuple[str, ...] = ()
    #: the fields of the class, its bases' first
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._fields = (*cls._fields, *cls.__dict__.get("__slots__", ()))

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._values()))})"


# -- expressions ---------------------------------------------------------------------------


class Column(_Value):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class FileName(_Value):
    """The file's name: the last component of `path`."""

    __slots__ = ()


class IsSet(_Value):
    """A flag computed from a column: it holds a value."""

    __slots__ = ("column",)

    def __init__(self, column: str) -> None:
        self.column = column


Expr = Union[Column, FileName, IsSet]  # noqa: UP007 - a runtime alias used in annotations

#: how emptiness looks for a field: text ("" too), a list ("[]" too), or any other value
Shape = Literal["text", "list", "value"]

# -- conditions ----------------------------------------------------------------------------


class Everything(_Value):
    __slots__ = ()


class Nothing(_Value):
    __slots__ = ()


class Search(_Value):
    """Any of `columns` contains `needle`, ignoring case and accents.

    The columns are text columns with folded copies; `needle` is folded already
    (catalog/folding.py), so it matches the folded copy as it is.  With `whole`, the
    column's whole value (or its folded copy) is the needle, ignoring case.
    """

    __slots__ = ("columns", "needle", "whole")

    def __init__(self, columns: tuple[str, ...], needle: str, whole: bool = False) -> None:
        self.columns, self.needle, self.whole = columns, needle, whole


class Contains(_Value):
    """The expression contains `needle` (`whole`: is it), ASCII letters in any case."""

    __slots__ = ("expr", "needle", "whole")

    def __init__(self, expr: Expr, needle: str, whole: bool = False) -> None:
        self.expr, self.needle, self.whole = expr, needle, whole


class Equals(_Value):
    __slots__ = ("expr", "value")

    def __init__(self, expr: Expr, value: object) -> None:
        self.expr, self.value = expr, value


class Range(_Value):
    """`low <= expr < high` (`<=` with `high_inclusive`); an open end is None.

    With both ends open: the expression is known.
    """

    __slots__ = ("expr", "low", "high", "high_inclusive")  # noqa: RUF023 - in the order of the arguments

    def __init__(self, expr: Expr, low: object, high: object, high_inclusive: bool = False) -> None:
        self.expr, self.low, self.high, self.high_inclusive = expr, low, high, high_inclusive


class Regex(_Value):
    __slots__ = ("expr", "pattern")

    def __init__(self, expr: Expr, pattern: str) -> None:
        self.expr, self.pattern = expr, pattern


class _Emptiness(_Value):
    __slots__ = ("expr", "shape")

    def __init__(self, expr: Expr, shape: Shape) -> None:
        self.expr, self.shape = expr, shape


class Empty(_Emptiness):
    """Unknown, or empty in the way of its shape."""

    __slots__ = ()


class NotEmpty(_Emptiness):
    __slots__ = ()


class NotNull(_Value):
    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr


class Truth(_Value):
    """The flag is set (`value` True), or it is not set or unknown (`value` False)."""

    __slots__ = ("expr", "value")

    def __init__(self, expr: Expr, value: bool) -> None:
        self.expr, self.value = expr, value


class ListHas(_Value):
    """One of the list's items is `item` (`nocase`: ASCII letters in any case)."""

    __slots__ = ("expr", "item", "nocase")

    def __init__(self, expr: Expr, item: str, nocase: bool = False) -> None:
        self.expr, self.item, self.nocase = expr, item, nocase


class Under(_Value):
    """The path `path` itself or anything below it (a path prefix)."""

    __slots__ = ("path",)

    def __init__(self, path: bytes) -> None:
        self.path = path


class Not(_Value):
    """True where the condition is false or unknown."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class _Group(_Value):
    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[Node, ...]) -> None:
        self.nodes = nodes


class And(_Group):
    """Every condition holds (no condition: every item)."""

    __slots__ = ()


class Or(_Group):
    """One of the conditions holds."""

    __slots__ = ()


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


class SortKey(_Value):
    """One sort key.  `nocase`: text compared without case; `nulls_last`: unknown last."""

    __slots__ = ("expr", "descending", "nocase", "nulls_last")  # noqa: RUF023 - in the order of the arguments

    def __init__(
        self,
        expr: Expr,
        descending: bool = False,
        nocase: bool = False,
        nulls_last: bool = True,
    ) -> None:
        self.expr, self.descending, self.nocase, self.nulls_last = (
            expr,
            descending,
            nocase,
            nulls_last,
        )


class Compiled(_Value):
    """A compiled query: which items (`filter`), in which order (`sort`).

    `missing`: False keeps the items the last scan found, True only those it missed,
    None both.  `uses_regex`: the filter holds a regular expression; `fields`: the
    fields the query names.
    """

    __slots__ = ("filter", "sort", "missing", "uses_regex", "fields")  # noqa: RUF023 - in the order of the arguments

    def __init__(
        self,
        filter: Node | None = None,
        sort: tuple[SortKey, ...] = (),
        missing: bool | None = None,
        uses_regex: bool = False,
        fields: tuple[str, ...] = (),
    ) -> None:
        self.filter: Node = filter if filter is not None else Everything()
        self.sort, self.missing, self.uses_regex, self.fields = sort, missing, uses_regex, fields


def map_paths(compiled: Compiled, fn: Callable[[bytes], bytes]) -> Compiled:
    """The query with every path it names (`Under`, `path` equal to) passed through `fn`."""

    def walk(node: Node) -> Node:
        if isinstance(node, Under):
            return Under(fn(node.path))
        if (
            isinstance(node, Equals)
            and isinstance(node.expr, Column)
            and node.expr.name == "path"
            and isinstance(node.value, bytes)
        ):
            return Equals(node.expr, fn(node.value))
        if isinstance(node, Not):
            return Not(walk(node.node))
        if isinstance(node, And | Or):
            return type(node)(tuple(walk(n) for n in node.nodes))
        return node

    c = compiled
    return Compiled(walk(c.filter), c.sort, c.missing, c.uses_regex, c.fields)


def narrows(node: Node) -> bool:
    """The condition can leave items out (it is more than a combination of Everything)."""
    if isinstance(node, Everything):
        return False
    if isinstance(node, _Group):
        return any(narrows(n) for n in node.nodes)
    return True

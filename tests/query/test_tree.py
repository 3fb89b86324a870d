"""The query tree and its SQLite rendering: complete, and values only as parameters."""

from __future__ import annotations

import typing

import pytest

from mediashelf import query
from mediashelf.catalog import tree
from mediashelf.catalog.albums import AGGREGATES
from mediashelf.catalog.dialect import SQLiteDialect
from mediashelf.query.albums import ALBUM_FIELDS


def test_the_sqlite_dialect_renders_every_node() -> None:
    dialect = SQLiteDialect()
    column = tree.Column("title")
    samples: dict[type, tree.Node] = {
        tree.Everything: tree.Everything(),
        tree.Nothing: tree.Nothing(),
        tree.Search: tree.Search(("title",), "x"),
        tree.Contains: tree.Contains(tree.FileName(), "x"),
        tree.Equals: tree.Equals(column, "x"),
        tree.Range: tree.Range(column, 1, 2),
        tree.Regex: tree.Regex(column, "x"),
        tree.Empty: tree.Empty(column, "text"),
        tree.NotEmpty: tree.NotEmpty(column, "list"),
        tree.NotNull: tree.NotNull(tree.IsSet("error")),
        tree.Truth: tree.Truth(column, False),
        tree.ListHas: tree.ListHas(column, "x"),
        tree.Under: tree.Under(b"/music"),
        tree.Not: tree.Not(tree.Everything()),
        tree.And: tree.And((tree.Nothing(), tree.Everything())),
        tree.Or: tree.Or((tree.Nothing(),)),
    }
    assert set(samples) == set(typing.get_args(tree.Node))
    for node in samples.values():
        rendered = dialect.render(tree.Compiled(node))
        assert rendered.where and rendered.order == ""


@pytest.mark.parametrize(
    "args",
    [
        ["'; DROP TABLE items; --"],
        ["title:x' OR '1'='1"],
        ["album::.*'\\); DELETE FROM items; --"],
        ["loras:=') OR 1=1 --"],
        ["path:/a' OR 'b"],
        ["date:='2020"],
    ],
)
def test_query_text_reaches_sql_only_as_parameters(args: list[str]) -> None:
    rendered = SQLiteDialect().render(query.build(args, cwd=b"/"))
    assert "DROP" not in rendered.where and "DELETE" not in rendered.where
    assert "'1'" not in rendered.where and "OR 1" not in rendered.where
    assert "' OR" not in rendered.where and "'20" not in rendered.where
    assert rendered.params


def test_album_fields_are_catalog_aggregates() -> None:
    assert set(ALBUM_FIELDS) <= set(AGGREGATES)


def test_nodes_are_values() -> None:
    title, album = tree.Column("title"), tree.Column("album")
    assert tree.Empty(title, "text") == tree.Empty(tree.Column("title"), "text")
    assert tree.Empty(title, "text") != tree.Empty(album, "text")
    assert tree.Empty(title, "text") != tree.NotEmpty(title, "text")
    assert tree.And((tree.Nothing(),)) != tree.Or((tree.Nothing(),))
    assert tree.Or((tree.Nothing(),)) != tree.Or((tree.Everything(),))
    assert len({tree.Range(title, 1, 2), tree.Range(title, 1, 2), tree.Range(title, 1, 3)}) == 2
    assert repr(tree.Range(title, 1, None)) == "Range(Column('title'), 1, None, False)"

"""Albums in the catalog: `shelf find --albums`, and what `%aunique{}` and `%sunique{}`
tell apart.

An album is the tracks that share a MusicBrainz album id or, without one, the same
album artist (the track artist when there is none, "Various Artists" for a
compilation) and album title, compared without case.  Tracks with no album title
are not part of any album.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Dialect
from mediashelf.catalog.rows import ITEM_COLUMNS
from mediashelf.catalog.tree import Column, Compiled, SortKey

#: a track's album artist: its own, "Various Artists" on a compilation, else its artist
_ALBUM_ARTIST: Final = (
    "coalesce(nullif(albumartist, ''), CASE WHEN compilation = 1 THEN 'Various Artists' "
    "ELSE nullif(artist, '') END)"
)
#: album field → its aggregate over the album's matching tracks
AGGREGATES: Final[dict[str, str]] = {
    "albumartist": f"min({_ALBUM_ARTIST})",
    "album": "min(album)",
    "year": "min(year)",
    "date": "min(date)",
    "genre": "min(genre)",
    "label": "min(label)",
    "catalognumber": "min(catalognumber)",
    "mb_albumid": "min(mb_albumid)",
    "compilation": "max(coalesce(compilation, 0))",
    "tracks": "count(*)",
    "discs": "max(coalesce(disctotal, disc, 1))",
    "duration": "sum(duration)",
    "size": "sum(size)",
    "bitrate": "CAST(round(avg(bitrate)) AS INTEGER)",
    "lossless": "min(coalesce(lossless, 0))",
    "format": "{concat_distinct_format}",
    "added": "min(added_ns)",
    "path": "min(path)",
    "last_path": "max(path)",
    # the track whose art stands for the album: one with embedded art, else the first
    "cover_id": "coalesce(min(CASE WHEN cover_count > 0 THEN id END), min(id))",
}
_KEY: Final = f"coalesce(mb_albumid, lower({_ALBUM_ARTIST}) || {{sep}} || lower(album))"


def _aggregates(dialect: Dialect) -> dict[str, str]:
    """AGGREGATES as `dialect` writes them."""
    fmt = dialect.concat_distinct("format")
    return {name: sql.format(concat_distinct_format=fmt) for name, sql in AGGREGATES.items()}


def _key(dialect: Dialect) -> str:
    """An album's grouping key as `dialect` writes it."""
    return _KEY.format(sep=dialect.unit_separator)


def select_albums(
    catalog: Catalog, compiled: Compiled, sort: Sequence[SortKey]
) -> Iterator[dict[str, Any]]:
    """The albums of the matching tracks, one dict of AGGREGATES each, in `sort` order.

    The sort keys name album fields (`Column("year")`); figures count the matching
    tracks only.
    """
    dialect = catalog.dialect
    columns = ", ".join(f"{sql} AS a_{name}" for name, sql in _aggregates(dialect).items())
    keys = [
        SortKey(Column(f"a_{_aggregate(k)}"), k.descending, k.nocase, k.nulls_last) for k in sort
    ]
    with catalog.querying(compiled) as q:
        # sorted outside the grouping: an ORDER BY may name output columns only bare
        # in PostgreSQL, and the sort keys test them (`a_year IS NULL, a_year`)
        sql = (
            f"SELECT * FROM (SELECT {columns} FROM items WHERE {q.where} AND album IS NOT NULL "
            f"AND album != '' GROUP BY {_key(dialect)}) albums "
            f"ORDER BY {dialect.order(keys)}"
        )
        for row in catalog.db.execute(sql, q.params):
            yield dict(zip(AGGREGATES, row, strict=True))


#: an album as `album_keys` names it: (its grouping key, the titles of its tracks)
AlbumKey = tuple[str, tuple[str, ...]]


def album_keys(catalog: Catalog, compiled: Compiled, sort: Sequence[SortKey]) -> list[AlbumKey]:
    """Every album of the matching tracks, in `sort` order, as its key and titles only:
    the order of a listing, to be paged through with `albums_of`.  Only the aggregates
    the sort needs are computed."""
    dialect = catalog.dialect
    aggregates, key = _aggregates(dialect), _key(dialect)
    names = list(dict.fromkeys(_aggregate(k) for k in sort))
    extra = "".join(f", {aggregates[n]} AS a_{n}" for n in names)
    titles = dialect.concat_distinct(f"album || {dialect.record_separator}")
    keys = [
        SortKey(Column(f"a_{_aggregate(k)}"), k.descending, k.nocase, k.nulls_last) for k in sort
    ]
    with catalog.querying(compiled) as q:
        # sorted outside the grouping (see select_albums)
        sql = (
            f"SELECT * FROM (SELECT {key} AS a_key, {titles} AS a_titles{extra} "
            f"FROM items WHERE {q.where} "
            f"AND album IS NOT NULL AND album != '' GROUP BY {key}) albums "
            f"ORDER BY {dialect.order(keys)}"
        )
        return [
            (str(row[0]), tuple(t.rstrip("\x1e") for t in str(row[1]).split("\x1e,")))
            for row in catalog.db.execute(sql, q.params)
        ]


def albums_of(
    catalog: Catalog, compiled: Compiled, wanted: Sequence[AlbumKey]
) -> dict[str, dict[str, Any]]:
    """The albums `wanted` names, one dict of AGGREGATES each, by key: the matching
    tracks are found through their titles (indexed), then grouped."""
    if not wanted:
        return {}
    keys = {key for key, _ in wanted}
    titles = sorted({title for _, names in wanted for title in names})
    key = _key(catalog.dialect)
    aggregates = _aggregates(catalog.dialect)
    columns = ", ".join(f"{sql} AS a_{name}" for name, sql in aggregates.items())
    with catalog.querying(compiled) as q:
        sql = (
            f"SELECT {columns}, {key} FROM items WHERE {q.where} "
            f"AND album IN ({','.join('?' * len(titles))}) GROUP BY {key}"
        )
        rows = catalog.db.execute(sql, [*q.params, *titles])
        return {
            row[-1]: dict(zip(AGGREGATES, row[:-1], strict=True)) for row in rows if row[-1] in keys
        }


def _aggregate(key: SortKey) -> str:
    if not isinstance(key.expr, Column) or key.expr.name not in AGGREGATES:
        raise ValueError(f"not an album field: {key.expr!r}")
    return key.expr.name


def unique_rows(
    catalog: Catalog, columns: Sequence[str], *, singletons: bool = False
) -> Iterator[dict[str, Any]]:
    """The rows `%aunique{}` and `%sunique{}` tell apart, with the given columns.

    Present audio items only.  Albums: the distinct values of `columns` over the tracks
    that have an album title (the tracks of an album mostly share them).  Singletons
    (`singletons`): one row per track without an album title, its `id` included.
    """
    unknown = [c for c in columns if c not in ITEM_COLUMNS and c != "id"]
    if unknown:
        raise ValueError(f"not catalog columns: {unknown}")
    names = list(dict.fromkeys(columns))
    if singletons:
        names = ["id", *(c for c in names if c != "id")]
        sql = (
            f"SELECT {', '.join(names)} FROM items WHERE kind = 'audio' AND missing = 0 "
            "AND (album IS NULL OR album = '')"
        )
    else:
        sql = (
            f"SELECT DISTINCT {', '.join(names)} FROM items WHERE kind = 'audio' "
            "AND missing = 0 AND album IS NOT NULL AND album != ''"
        )
    for row in catalog.db.execute(sql):
        yield dict(zip(names, row, strict=True))

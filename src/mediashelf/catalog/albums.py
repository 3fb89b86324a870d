"""Albums in the catalog: `shelf find --albums` and the groups `%aunique{}` tells apart.

An album is the tracks that share a MusicBrainz album id or, without one, the same
album artist (the track artist when there is none, "Various Artists" for a
compilation) and album title, compared without case.  Tracks with no album title
are not part of any album.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
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
}
_KEY: Final = f"coalesce(mb_albumid, lower({_ALBUM_ARTIST}) || {{sep}} || lower(album))"


def select_albums(
    catalog: Catalog, compiled: Compiled, sort: Sequence[SortKey]
) -> Iterator[dict[str, Any]]:
    """The albums of the matching tracks, one dict of AGGREGATES each, in `sort` order.

    The sort keys name album fields (`Column("year")`); figures count the matching
    tracks only.
    """
    dialect = catalog.dialect
    columns = ", ".join(
        f"{sql.format(concat_distinct_format=dialect.concat_distinct('format'))} AS a_{name}"
        for name, sql in AGGREGATES.items()
    )
    keys = [
        SortKey(Column(f"a_{_aggregate(k)}"), k.descending, k.nocase, k.nulls_last) for k in sort
    ]
    with catalog.querying(compiled) as q:
        # sorted outside the grouping: an ORDER BY may name output columns only bare
        # in PostgreSQL, and the sort keys test them (`a_year IS NULL, a_year`)
        sql = (
            f"SELECT * FROM (SELECT {columns} FROM items WHERE {q.where} AND album IS NOT NULL "
            f"AND album != '' GROUP BY {_KEY.format(sep=dialect.unit_separator)}) albums "
            f"ORDER BY {dialect.order(keys)}"
        )
        for row in catalog.db.execute(sql, q.params):
            yield dict(zip(AGGREGATES, row, strict=True))


def _aggregate(key: SortKey) -> str:
    if not isinstance(key.expr, Column) or key.expr.name not in AGGREGATES:
        raise ValueError(f"not an album field: {key.expr!r}")
    return key.expr.name


#: the fields whose values an album group is told apart by: disambiguator values
AlbumGroups = dict[str, list[tuple[Any, ...]]]


def album_groups(catalog: Catalog, keys: Sequence[str], disam: Sequence[str]) -> AlbumGroups:
    """The present audio albums by their key fields (lower case, joined by U+001F).

    Each key maps to the distinct (MusicBrainz album id, disambiguator values ...)
    of the albums that share it; `albumartist` stands for the album artist as above.
    The names must be catalog columns.
    """
    unknown = [n for n in (*keys, *disam) if n not in ITEM_COLUMNS]
    if unknown:
        raise ValueError(f"not catalog columns: {unknown}")
    cols = [_ALBUM_ARTIST if k == "albumartist" else k for k in keys]
    sep = f" || {catalog.dialect.unit_separator} || "
    key_sql = sep.join(f"lower(coalesce(CAST({c} AS TEXT), ''))" for c in cols)
    dis_sql = ", ".join(f"coalesce(CAST({d} AS TEXT), '')" for d in disam) or "''"
    groups: AlbumGroups = defaultdict(list)
    rows = catalog.db.execute(
        f"SELECT {key_sql}, coalesce(mb_albumid, ''), {dis_sql} FROM items "
        "WHERE kind = 'audio' AND missing = 0 AND album IS NOT NULL AND album != '' "
        f"GROUP BY 1, 2, {', '.join(str(i + 3) for i in range(max(1, len(disam))))}"
    )
    for key, mbid, *values in rows:
        groups[key].append((mbid, *values))
    return groups

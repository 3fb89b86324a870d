"""`%aunique{}` and `%sunique{}`: tell apart albums, or singletons, that would share a name.

As in beets: `%aunique{keys,disambiguators,brackets}` looks at the albums that share
the item's values of the key fields (default `albumartist album`); when there is more
than one, the first disambiguating field (default `year label catalognumber`) that
gives every one of them a different value is added, in brackets: "Greatest Hits
[1981]", "Greatest Hits [1991]".  When none does, a number tells them apart ([1],
[2] ...).  An album whose value is empty gets nothing, and so does a unique album.
`%sunique{}` does the same for tracks without an album (keys `artist title`,
disambiguator `year`; its number is the track's catalog id, as beets uses its own).

Any organize field can be a key or a disambiguator (`month`, `stem` ...): the values
are computed as the template shows them (values.py), from the catalog's rows
(catalog/albums.py).  An album is the tracks that share a MusicBrainz album id or,
without one, their values of the disambiguating fields; the value of an album with
an id is the smallest of its tracks', so its tracks stay in one folder.  The value
added is a tag value, and is cleaned as every value of a path is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Final

from mediashelf.catalog.albums import unique_rows
from mediashelf.template.values import ORGANIZE_FIELDS, raw_values, sources

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog

AUNIQUE_KEYS: Final = ("albumartist", "album")
AUNIQUE_DISAMBIGUATORS: Final = ("year", "label", "catalognumber")
SUNIQUE_KEYS: Final = ("artist", "title")
SUNIQUE_DISAMBIGUATORS: Final = ("year",)


def _audio_sources(fields: tuple[str, ...]) -> set[str]:
    """The catalog columns the values of `fields` of an audio file come from: its year,
    month and day come from its tags (values.py), never from the file's time, which
    differs from track to track."""
    dated = {"year", "month", "day"}
    names = [f for f in fields if f not in dated]
    return sources(names) | {"album", "kind", "mb_albumid", "date", "year"}


#: the catalog columns the default %aunique{} of an item depends on
AUNIQUE_INPUTS: Final = tuple(sorted(_audio_sources((*AUNIQUE_KEYS, *AUNIQUE_DISAMBIGUATORS))))

#: members of a group (albums or singletons) → their disambiguating values
Group = dict[Hashable, tuple[str, ...]]
#: key values → group
Table = dict[tuple[str, ...], Group]


@functools.lru_cache(maxsize=64)
def _fields(text: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Field names from an argument; names no template knows are left out."""
    names = tuple(n for n in text.split() if n in ORGANIZE_FIELDS)
    return names or default


def _bracketed(value: str, brackets: str) -> str:
    """` [value]`; a pair of brackets other than two characters means none (beets)."""
    if not value:
        return ""
    open_, close = (brackets[0], brackets[1]) if len(brackets) == 2 else ("", "")
    return f" {open_}{value}{close}"


def _choose(group: Group, mine: Hashable, number: str) -> str:
    """The first disambiguating value that differs for every member of the group (the
    item's own, "" when empty); else `number`."""
    width = len(group[mine])
    for i in range(width):
        if len({values[i] for values in group.values()}) == len(group):
            return group[mine][i]
    return number


class _Unique:
    """The tables of one kind of group, built once per set of fields."""

    singletons: bool = False

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._tables: dict[tuple[tuple[str, ...], tuple[str, ...]], Table] = {}

    def _member(self, row: Mapping[str, Any], values: Callable[[str], str], dis: Any) -> Hashable:
        raise NotImplementedError

    def table(self, keys: tuple[str, ...], dis: tuple[str, ...]) -> Table:
        found = self._tables.get((keys, dis))
        if found is not None:
            return found
        table: Table = {}
        columns = sorted(_audio_sources((*keys, *dis)))
        for row in unique_rows(self.catalog, columns, singletons=self.singletons):
            values = raw_values(row)
            mine = tuple(values(d) for d in dis)
            group = table.setdefault(tuple(values(k).lower() for k in keys), {})
            member = self._member(row, values, mine)
            known = group.get(member)
            group[member] = mine if known is None else tuple(map(min, known, mine))
        self._tables[(keys, dis)] = table
        return table


class AlbumUnique(_Unique):
    """`%aunique{keys,disambiguators,brackets}` over the catalog's albums."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog)
        self._memo: dict[tuple[Any, ...], str] = {}

    def _member(self, row: Mapping[str, Any], values: Callable[[str], str], dis: Any) -> Hashable:
        mbid = row.get("mb_albumid")
        return ("id", mbid) if mbid else ("tags", dis)

    def function(self, row: Mapping[str, Any], clean: Callable[[str], str]) -> Callable[..., str]:
        """%aunique{} for one item; `clean` cleans the disambiguator it adds."""

        def aunique(keys: str = "", disam: str = "", brackets: str = "[]") -> str:
            if not row.get("album") or row.get("kind") != "audio":
                return ""
            key_fields = _fields(keys, AUNIQUE_KEYS)
            dis_fields = _fields(disam, AUNIQUE_DISAMBIGUATORS)
            values = raw_values(row)
            key = tuple(values(k).lower() for k in key_fields)
            member = self._member(row, values, tuple(values(d) for d in dis_fields))
            # every track of an album asks the same question: answer it once
            memo_key = (key_fields, dis_fields, key, member)
            answer = self._memo.get(memo_key)
            if answer is None:
                group = self.table(key_fields, dis_fields).get(key, {})
                if len(group) < 2 or member not in group:
                    answer = ""
                else:
                    number = str(sorted(group, key=repr).index(member) + 1)
                    answer = _choose(group, member, number)
                self._memo[memo_key] = answer
            return _bracketed(clean(answer) if answer else "", brackets)

        return aunique


class SingletonUnique(_Unique):
    """`%sunique{keys,disambiguators,brackets}` over the catalog's tracks without an album."""

    singletons = True

    def _member(self, row: Mapping[str, Any], values: Callable[[str], str], dis: Any) -> Hashable:
        return row.get("id")

    def function(self, row: Mapping[str, Any], clean: Callable[[str], str]) -> Callable[..., str]:
        """%sunique{} for one item; `clean` cleans the disambiguator it adds."""

        def sunique(keys: str = "", disam: str = "", brackets: str = "[]") -> str:
            if row.get("album") or row.get("kind") != "audio":
                return ""
            key_fields = _fields(keys, SUNIQUE_KEYS)
            dis_fields = _fields(disam, SUNIQUE_DISAMBIGUATORS)
            values = raw_values(row)
            key = tuple(values(k).lower() for k in key_fields)
            group = self.table(key_fields, dis_fields).get(key, {})
            member = row.get("id")
            if len(group) < 2 or member not in group:
                return ""
            answer = _choose(group, member, str(member))
            return _bracketed(clean(answer) if answer else "", brackets)

        return sunique


class Uniques:
    """Both functions, for the items of one run: `functions(row, clean)` gives the
    `extra` functions a template renders one item with."""

    def __init__(self, catalog: Catalog) -> None:
        self.albums = AlbumUnique(catalog)
        self.singletons = SingletonUnique(catalog)

    def functions(
        self, row: Mapping[str, Any], clean: Callable[[str], str]
    ) -> dict[str, Callable[..., str]]:
        return {
            "aunique": self.albums.function(row, clean),
            "sunique": self.singletons.function(row, clean),
        }

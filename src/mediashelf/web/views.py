"""What the pages and the JSON API share: each function calls the services for one
thing a route shows, so a page and its API twin always agree."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from mediashelf.app import find, items, session
from mediashelf.errors import ConfigError
from mediashelf.events import NullSink
from mediashelf.query import build
from mediashelf.query.parse import Sort
from mediashelf.web.state import State

if TYPE_CHECKING:
    from mediashelf.app.dupes import ItemGroups
    from mediashelf.dupes import Group, Result
    from mediashelf.journal import Outcome

#: the actions the page offers for the duplicates it resolves (move-to: use the CLI)
ACTIONS: Final = ("trash", "hardlink", "delete")
#: where relative paths in a query typed on the page start (nothing is relative there)
ROOT: Final = b"/"


def request(
    text: str,
    *,
    albums: bool = False,
    limit: int,
    offset: int = 0,
    sort: str = "",
    kinds: tuple[str, ...] = (),
    default_sort: tuple[Sort, ...] = (),
) -> find.FindRequest:
    terms = find.split(text) + find.split(sort)
    return find.FindRequest(
        query=terms,
        mode="json",
        albums=albums,
        limit=limit,
        offset=offset,
        cwd=ROOT,
        kinds=kinds,
        default_sort=default_sort,
    )


def page(state: State, req: find.FindRequest) -> find.Page:
    search = find.prepare(req)  # a bad query fails here, before the catalog is opened
    with state.catalogs.reading() as catalog:
        if req.albums and req.limit is not None:
            return _album_page(state, catalog, search)
        return find.page(catalog, search)


def _album_page(state: State, catalog: Any, search: find.Search) -> find.Page:
    """A page of albums: the listing's order is kept (see AlbumOrders), the page's own
    albums are looked up."""
    req = search.request
    key = (req.query, req.kinds)
    mark = find.changed_mark(catalog)
    order = state.albums.get(key, mark, lambda: find.album_order(catalog, search))
    wanted = order[req.offset : req.offset + (req.limit or 0)]
    return find.Page(find.albums_named(catalog, search, wanted), len(order))


def values(
    state: State, text: str, field: str, *, limit: int, offset: int, by_count: bool = False
) -> find.Page:
    search = find.prepare(request(text, limit=limit))
    with state.catalogs.reading() as catalog:
        return find.values(catalog, search, field, by_count=by_count, limit=limit, offset=offset)


def dupes_of(state: State, kind: str, *, refresh: bool = False) -> Result:
    """The duplicate groups of a kind in the whole library (a recent search reused)."""
    from mediashelf.app import dupes
    from mediashelf.dupes import MODES, Options

    if kind not in MODES:
        raise ConfigError(f"kind must be one of {', '.join(MODES)}")
    result = None if refresh else state.dupes.get(kind)
    if result is None:
        with state.catalogs.reading() as catalog:
            options = Options(mode=MODES[MODES.index(kind)])
            result = dupes.find(catalog, build([]), options, NullSink())
        state.dupes.put(kind, result)
    return result


class Choice(NamedTuple):
    """A group to resolve, named by one of its files, and the file to keep."""

    item: int
    keep: int


def group_of(state: State, kind: str, item_id: int) -> Group | None:
    """The group of `kind` that item `item_id` is a file of, if any."""
    from mediashelf.app import dupes

    return dupes.group_of(dupes_of(state, kind).groups, item_id)


def chosen_groups(state: State, kind: str, choices: Sequence[Choice]) -> list[Group]:
    """The groups picked on the page, each with the copy to keep the user chose."""
    from mediashelf.app import dupes

    groups = dupes_of(state, kind).groups
    out: list[Group] = []
    for choice in choices:
        group = dupes.group_of(groups, choice.item)
        if group is None:
            raise ConfigError(
                f"item {choice.item} is no longer in a group of {kind} duplicates: "
                "review the duplicates again"
            )
        out.append(dupes.keeping(group, choice.keep))
    return out


class Resolved(NamedTuple):
    plan: Any  # dupes.resolve.Resolution
    digest: str
    outcome: Outcome | None  # None: only the plan (a dry run)


def resolve_groups(
    state: State,
    kind: str,
    choices: Sequence[Choice],
    action: str,
    *,
    apply: bool,
    digest: str | None = None,
) -> Resolved:
    """The plan that resolves the chosen groups; with `apply`, the run that carries it
    out, but only when planning again gives the plan the user saw (`digest`)."""
    from mediashelf.app import resolve

    if action not in ACTIONS:
        raise ConfigError(f"action must be one of {', '.join(ACTIONS)}")
    if not choices:
        raise ConfigError("choose at least one group of duplicates")
    groups = chosen_groups(state, kind, choices)
    if not apply:
        with state.catalogs.reading() as catalog:
            res = resolve.plan(catalog, groups, "best", action, None)
        return Resolved(res, resolve.digest(res), None)
    command = f"{state.command} (dupes {kind} {action})"
    with session.writing(state.settings, command=command, durable=True) as catalog:
        res = resolve.plan(catalog, groups, "best", action, None)
        if digest != resolve.digest(res):
            raise ConfigError(
                "the duplicates changed since the plan was shown: review the plan again"
            )
        outcome = resolve.apply(catalog, res, command=command, sink=NullSink())
    state.dupes.clear()
    return Resolved(res, resolve.digest(res), outcome)


def undo(state: State, run_id: int) -> Outcome:
    from mediashelf.app import journal as history

    command = f"{state.command} (undo {run_id})"
    with session.writing(state.settings, command=command, durable=True) as catalog:
        outcome = history.undo(catalog, run_id, force=False, command=command, sink=NullSink())
    state.dupes.clear()
    return outcome


def runs(state: State) -> list[Any]:
    from mediashelf.app import journal as history

    with state.catalogs.reading() as catalog:
        return history.history(catalog)


def known_roots(state: State) -> list[bytes]:
    from mediashelf.app.folders import roots

    with state.catalogs.reading() as catalog:
        return roots(catalog)


def start_scan(state: State, asked: Sequence[str | bytes]) -> Any:
    """Start scanning catalogued roots (anything else is refused)."""
    known = set(known_roots(state))
    roots = [os.fsencode(r) for r in asked]
    if not roots:
        raise ConfigError("choose a folder to scan")
    unknown = [r for r in roots if r not in known]
    if unknown:
        raise ConfigError(
            f"{os.fsdecode(unknown[0])!r} is not a catalogued root: only folders scanned "
            "before can be scanned from here (use `shelf scan` for new ones)"
        )
    return state.scans.start(roots)


def item_detail(state: State, item_id: int) -> tuple[items.ItemDetail, ItemGroups] | None:
    from mediashelf.app import dupes

    with state.catalogs.reading() as catalog:
        detail = items.detail(catalog, item_id)
        if detail is None:
            return None
        return detail, dupes.of_item(catalog, detail.row)


def library_stats(state: State, text: str) -> Any:
    from mediashelf.app import stats

    terms = find.split(text)
    compiled = stats.prepare(terms, cwd=ROOT)
    with state.catalogs.reading() as catalog:
        return stats.library_stats(catalog, compiled, terms)

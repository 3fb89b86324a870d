"""Finding duplicates among the catalogued files a query picks."""

from __future__ import annotations

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.dupes import Options, Result, find_dupes
from mediashelf.events import Sink


def find(catalog: Catalog, compiled: Compiled, options: Options, sink: Sink) -> Result:
    """Groups of duplicates, the copy to keep first; files are hashed (and the hashes
    kept in the catalog) only where the catalog cannot settle it.  Changes no file."""
    return find_dupes(catalog, compiled, options, sink)

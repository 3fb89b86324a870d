"""Content hashes kept in the catalog (`hashes`), each with the fingerprint (size,
mtime_ns, dev, ino) of the file it was taken of: a hash counts only while that
fingerprint is still its item's, so an unchanged file keeps its hashes across rescans
and a changed one loses them."""

from __future__ import annotations

from collections.abc import Sequence

from mediashelf.catalog.connect import Catalog

#: (item_id, kind, value, size, mtime_ns, dev, ino)
HashRow = tuple[int, str, bytes, int, int, int, int]
_COLUMNS = ("item_id", "kind", "value", "size", "mtime_ns", "dev", "ino")


def valid_hashes(catalog: Catalog, kind: str) -> dict[int, bytes]:
    """Every stored hash of `kind` whose fingerprint is still its item's, by item id."""
    rows = catalog.db.execute(
        "SELECT h.item_id, h.value FROM hashes h JOIN items i ON i.id = h.item_id "
        "WHERE h.kind = ? AND h.size = i.size AND h.mtime_ns = i.mtime_ns "
        "AND h.dev = i.dev AND h.ino = i.ino",
        (kind,),
    )
    return {rid: bytes(value) for rid, value in rows}


def store_hashes(catalog: Catalog, rows: Sequence[HashRow]) -> None:
    """Keep hashes, each against the fingerprint of what was read (one transaction)."""
    if not rows:
        return
    with catalog.atomic():
        catalog.bulk_upsert("hashes", _COLUMNS, rows, "item_id, kind")

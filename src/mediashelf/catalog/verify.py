"""What `shelf verify` reads and keeps: the files to decode, and each decoding's result
(`verifications`) with the fingerprint (size, mtime_ns, dev, ino) of the file it
decoded.  A result counts only while that fingerprint is still its item's, so an
unchanged file is not decoded again and a changed one is.  The reasons a decoding
found are added to the item's `damage`, and the lengths of a stream that decoded
shorter or longer than its header said are cleared (never kept as facts)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.tree import Compiled
from mediashelf.catalog.values import iso_utc
from mediashelf.model import DAMAGE_REASONS

#: (item_id, size, mtime_ns, dev, ino, verified_ns, damage as JSON or None, messages as JSON or None)
VerificationRow = tuple[int, int, int, int, int, int, str | None, str | None]
#: reasons after which the item's stored lengths are not facts about the file (frames the
#: decoder rejected have no length either)
_LENGTH_REASONS: Final = frozenset(("truncated", "decode-error"))

_COLUMNS: Final = ("item_id", "size", "mtime_ns", "dev", "ino", "verified_ns", "damage", "message")

_TO_VERIFY_SQL = """
SELECT i.id, i.path, i.size, i.mtime_ns, i.dev, i.ino, i.kind, i.format, i.duration,
       CASE WHEN v.item_id IS NULL THEN 0 ELSE 1 END
FROM (SELECT id, path, size, mtime_ns, dev, ino, kind, format, duration FROM items
      WHERE missing = 0 AND error IS NULL AND kind IN ('audio', 'video') AND ({where})) i
LEFT JOIN verifications v ON v.item_id = i.id AND v.size = i.size
    AND v.mtime_ns = i.mtime_ns AND v.dev = i.dev AND v.ino = i.ino
ORDER BY i.path
"""


class ToVerify(NamedTuple):
    id: int
    path: bytes
    size: int
    mtime_ns: int
    dev: int
    ino: int
    kind: str
    format: str | None
    duration: float | None


def to_verify(catalog: Catalog, compiled: Compiled, *, again: bool) -> tuple[list[ToVerify], int]:
    """The present audio and video items `compiled` keeps that have no result for
    their current fingerprint (every one with `again`), by path; and how many were
    left out because they have one."""
    todo: list[ToVerify] = []
    skipped = 0
    with catalog.querying(compiled) as q:
        for row in catalog.db.execute(_TO_VERIFY_SQL.format(where=q.where), q.params):
            if row[9] and not again:
                skipped += 1
            else:
                todo.append(ToVerify(row[0], bytes(row[1]), *row[2:9]))
    return todo, skipped


def store_verifications(catalog: Catalog, rows: Sequence[VerificationRow]) -> None:
    """Keep the results of one batch, and add their reasons to the items' damage (for
    items whose file is still the one decoded); one transaction."""
    if not rows:
        return
    with catalog.atomic() as db:
        catalog.bulk_upsert("verifications", _COLUMNS, rows, "item_id")
        for item_id, size, mtime_ns, dev, ino, _, damage, _ in rows:
            if damage is None:
                continue
            found = db.execute(
                "SELECT damage FROM items WHERE id = ? AND size = ? AND mtime_ns = ? "
                "AND dev = ? AND ino = ?",
                (item_id, size, mtime_ns, dev, ino),
            ).fetchone()
            if found is None:
                continue
            reasons = json.loads(damage)
            merged = _merged(found[0], reasons)
            db.execute("UPDATE items SET damage = ? WHERE id = ?", (merged, item_id))
            if _LENGTH_REASONS.intersection(reasons):
                db.execute(
                    "UPDATE items SET duration = NULL, bitrate = NULL WHERE id = ?", (item_id,)
                )


def _merged(old: str | None, new: list[str]) -> str:
    listed: list[Any] = json.loads(old) if old else []
    have = {str(r) for r in listed} | set(new)
    order = {r: i for i, r in enumerate(DAMAGE_REASONS)}
    return json.dumps(sorted(have, key=lambda r: (order.get(r, len(order)), r)))


class Verification(NamedTuple):
    """What `shelf verify` found in an item's current file."""

    verified: str  # when, ISO 8601 UTC
    damage: list[str]
    messages: list[str]


def verification(catalog: Catalog, item_id: int) -> Verification | None:
    """The item's verification for its current file, or None (never verified, or
    verified before the file changed)."""
    row = catalog.db.execute(
        "SELECT v.verified_ns, v.damage, v.message FROM verifications v "
        "JOIN items i ON i.id = v.item_id AND v.size = i.size AND v.mtime_ns = i.mtime_ns "
        "AND v.dev = i.dev AND v.ino = i.ino WHERE v.item_id = ?",
        (item_id,),
    ).fetchone()
    if row is None:
        return None
    return Verification(
        iso_utc(int(row[0])) or "",
        json.loads(row[1]) if row[1] else [],
        json.loads(row[2]) if row[2] else [],
    )

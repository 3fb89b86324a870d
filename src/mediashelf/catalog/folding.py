"""Case- and accent-folded copies of text fields, for accent-insensitive search.

SQLite's LIKE folds ASCII letters only.  Values that are pure ASCII need nothing
more; for the others, the writer stores their folded forms in the `folded` column
(a JSON object, NULL for an all-ASCII item), and a text query matches
`col LIKE p OR json_extract(folded, '$.col') LIKE p` with `p` folded the same way:
C-speed matching that also finds "Beyoncé" with `beyonce` (and the reverse).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Final

from mediashelf.model import MEDIA_FIELDS

#: the text fields that get a folded copy when they are not plain ASCII
TEXT_FIELDS: Final[tuple[str, ...]] = tuple(n for n, t in MEDIA_FIELDS if t == "text")


def fold(text: str) -> str:
    """Compatibility-decomposed, combining marks dropped, case-folded: "Beyoncé" → "beyonce"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def folded_json(fields: Mapping[str, object]) -> str | None:
    """The `folded` column of an item: folded copies of its non-ASCII text fields."""
    out = {}
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and not value.isascii():
            out[name] = fold(value)
    return json.dumps(out, ensure_ascii=False) if out else None

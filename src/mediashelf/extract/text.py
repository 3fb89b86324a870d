"""Text read from tags, whatever the format: NULs dropped, whitespace stripped, length capped."""

from __future__ import annotations

from typing import Final

#: Longest text kept for one value (characters); longer values are cut.
MAX_TEXT: Final = 64 * 1024


def clean(value: str) -> str:
    """Strip NULs and surrounding whitespace, cap the length."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    value = value.strip()
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    return value

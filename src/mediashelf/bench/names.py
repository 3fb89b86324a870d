"""Artist, album and track names for the synthetic library, drawn from `bench.words`."""

from __future__ import annotations

import random
import uuid
from typing import Final

from mediashelf.bench import words as W

_MAX_COMPONENT_BYTES: Final = 140


def component(name: str) -> str:
    """A tag value made safe as one path component (no separator, bounded length)."""
    out = name.replace("/", "_").replace("\0", "")
    if out in ("", ".", ".."):
        out = "_"
    raw = out.encode()
    if len(raw) > _MAX_COMPONENT_BYTES:
        out = raw[:_MAX_COMPONENT_BYTES].decode(errors="ignore").rstrip()
    return out


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Names:
    """Artist, album and track names drawn from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _word(self) -> str:
        rng = self.rng
        return rng.choice(W.UNICODE_WORDS) if rng.random() < 0.08 else rng.choice(W.WORDS)

    def artist(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.30:
            return f"{rng.choice(W.FIRST_NAMES)} {rng.choice(W.LAST_NAMES)}"
        if r < 0.50:
            return f"The {rng.choice(W.ADJECTIVES)} {rng.choice(W.NOUNS)}"
        if r < 0.62:
            return rng.choice(W.NOUNS)
        if r < 0.80:
            return f"{rng.choice(W.ADJECTIVES)} {rng.choice(W.NOUNS)}"
        if r < 0.97:
            return " ".join(rng.choice(W.UNICODE_WORDS) for _ in range(rng.randint(1, 2)))
        if r < 0.99:
            return rng.choice(W.ODD_NAMES)
        return f"{rng.choice(W.ADJECTIVES)} {rng.choice(W.NOUNS)} {rng.choice(W.EMOJI)}"

    def album(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.01:
            return rng.choice(W.ODD_NAMES)
        if r < 0.05:
            return rng.choice(
                ("Greatest Hits", "Live at the Harbor", "B-Sides & Rarities", "Demos")
            )
        n = rng.randint(1, 4)
        name = " ".join(self._word().capitalize() for _ in range(n))
        if rng.random() < 0.3:
            name = f"{rng.choice(W.ADJECTIVES)} {rng.choice(W.NOUNS)}"
        if rng.random() < 0.1:
            name += rng.choice(W.ALBUM_SUFFIXES)
        if rng.random() < 0.01:
            name += " " + rng.choice(W.EMOJI)
        return name

    def title(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.005:
            return rng.choice(W.ODD_NAMES)
        n = rng.randint(1, 5)
        name = " ".join(self._word() for _ in range(n))
        name = name[:1].upper() + name[1:]
        if rng.random() < 0.08:
            name += rng.choice(W.TITLE_SUFFIXES)
        if rng.random() < 0.005:
            name += " " + rng.choice(W.EMOJI)
        return name

"""A reader for the registry tests: `.toy` files hold `TOY:` and a title."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from mediashelf.errors import Corrupt
from mediashelf.model import FileStat


@dataclass(frozen=True)
class ToyInfo:
    kind: str
    format: str
    fields: dict[str, object]
    extra: dict[str, object]


def read(fileobj: BinaryIO, fs: FileStat, ext: str, head: bytes) -> ToyInfo:
    if not head.startswith(b"TOY:"):
        raise Corrupt("toy: no TOY: header")
    title = head[4:].decode("utf-8", "replace").strip()
    return ToyInfo("toy", "toy", {"title": title}, {"size_seen": fs.size})

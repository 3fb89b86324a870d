"""Bytes of a file by offset: from its first bytes when they hold them, else read."""

from __future__ import annotations

from typing import BinaryIO

from mediashelf.extract.audio.fast.common import NotFast


class Source:
    """A file being parsed: `head` (its first bytes, already read) and the file itself."""

    __slots__ = ("fileobj", "head", "size")

    def __init__(self, fileobj: BinaryIO, head: bytes, size: int) -> None:
        self.fileobj = fileobj
        self.head = head
        self.size = size

    def get(self, pos: int, n: int) -> bytes:
        """Exactly `n` bytes at `pos`; NotFast when the file ends before them."""
        end = pos + n
        if end <= len(self.head):
            return self.head[pos:end]
        if end > self.size:
            raise NotFast("the file ends inside a structure")
        self.fileobj.seek(pos)
        data = self.fileobj.read(n)
        if len(data) != n:
            raise NotFast("short read")
        return data

    def extend(self, end: int) -> None:
        """Make `head` hold the first `end` bytes (or the whole file)."""
        if end > len(self.head) and len(self.head) < self.size:
            self.fileobj.seek(0)
            self.head = self.fileobj.read(max(end, 2 * len(self.head)))

"""The quick hash: a file's cheap content identity, kept in the catalog for every file.

xxh3-128 over the size and the first and last 16 KiB.  The scan uses it to recognise a
file copied elsewhere and deleted (a move), and duplicate finding as its second stage.
"""

from __future__ import annotations

from typing import BinaryIO, Final

import xxhash

#: bytes read from each end of a file
HASH_CHUNK: Final = 16 * 1024


def quick_hash(size: int, head: bytes, tail: bytes) -> bytes:
    """xxh3-128 over the size and the first and last 16 KiB: cheap identity for move detection."""
    return xxhash.xxh3_128_digest(size.to_bytes(8, "little") + head + tail)


def read_ends(f: BinaryIO, size: int) -> tuple[bytes, bytes]:
    """The first HASH_CHUNK bytes and the last (up to HASH_CHUNK, not overlapping the first).

    Leaves the file positioned at its start again.
    """
    head = f.read(HASH_CHUNK)
    tail = b""
    if size > 2 * HASH_CHUNK:
        f.seek(-HASH_CHUNK, 2)
        tail = f.read(HASH_CHUNK)
    elif size > HASH_CHUNK:
        tail = f.read()
    f.seek(0)
    return head, tail

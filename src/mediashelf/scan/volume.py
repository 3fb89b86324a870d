"""Volume identities: which disk or share a root is, wherever it is mounted.

A volume's identity (see `identify`) is, best first: the anchor file `.mediashelf-root`
that mediashelf writes in a root (a UUID; it survives remounts, other mount points
and other hosts), else the filesystem's UUID with the root's place in it (read-only
media), else the host and path (nothing better is known).  The mount guard
(scan.guard) compares a root's identity now with the one the `roots` table recorded;
identities also name a root's writer lock on a server catalog (`lock_key`), so two
agents never scan the same volume at once, whatever path each mounts it at.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Sequence

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.roots import Root, all_roots
from mediashelf.scan.walk import ANCHOR


def read_anchor(root: bytes) -> str | None:
    """The volume identity an anchor file in `root` holds, or None."""
    try:
        with open(os.path.join(root, ANCHOR), "rb") as f:
            data = json.loads(f.read(4096))
        value = data.get("volume") if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None
    if isinstance(value, str) and value.startswith("anchor:") and len(value) < 100:
        return value
    return None


def write_anchor(root: bytes) -> str | None:
    """Write a new anchor file in `root`; its identity, or None where it cannot be written."""
    volume = f"anchor:{uuid.uuid4()}"
    path = os.path.join(root, ANCHOR)
    text = json.dumps({"volume": volume, "note": "mediashelf: identifies this folder's volume"})
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return read_anchor(root)
    except OSError:
        return None
    try:
        os.write(fd, text.encode() + b"\n")
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    finally:
        os.close(fd)
    return volume


def _mount_point(dev: int) -> bytes | None:
    """Where the filesystem of device `dev` is mounted (from /proc/self/mountinfo)."""
    want = f"{os.major(dev)}:{os.minor(dev)}"
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 4 and parts[2].decode() == want:
                    return parts[4].replace(b"\\040", b" ")
    except OSError:
        return None
    return None


def fs_identity(root: bytes, st: os.stat_result) -> str | None:
    """`fs:UUID:HEXPATH` — the filesystem's UUID (from /dev/disk/by-uuid) and the
    root's path inside that filesystem — or None when the UUID is not known."""
    folder = b"/dev/disk/by-uuid"
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    for name in names:
        try:
            if os.stat(os.path.join(folder, name)).st_rdev == st.st_dev:
                mount = _mount_point(st.st_dev) or b"/"
                inside = os.path.relpath(root, mount)
                return f"fs:{name.decode(errors='replace')}:{inside.hex()}"
        except OSError:
            continue
    return None


def identify(root: bytes, host: str, *, write: bool = True) -> str:
    """The volume identity of `root` (see the module's notes); writes an anchor if
    there is none and `write`."""
    found = read_anchor(root)
    if found is None and write:
        found = write_anchor(root)
    if found is not None:
        return found
    with contextlib.suppress(OSError):
        fs = fs_identity(root, os.stat(root))
        if fs is not None:
            return fs
    return f"path:{host}:{root.hex()}"


def volume_of(path: bytes, host: str, *, write: bool) -> str:
    """The identity of the volume a scan of `path` changes: the anchor of the nearest
    folder at or above it that has one; else a new anchor in `path` (`write`), else
    its filesystem's or its path's identity."""
    folder = path
    while True:
        found = read_anchor(folder)
        if found is not None:
            return found
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return identify(path, host, write=write)


def root_keys(catalog: Catalog, roots: Sequence[bytes], host: str) -> list[int]:
    """The writer lock keys of a scan of `roots` (one per volume): a known root's
    recorded volume, else the volume found at (or written in) the root."""
    known_roots = all_roots(catalog)
    keys = set()
    for root in roots:
        is_dir = os.path.isdir(root)
        folder = root if is_dir else os.path.dirname(root)
        known = known_root(known_roots, host, folder)
        if known is not None:  # (the guard checks its volume under the lock)
            keys.add(lock_key(known.volume))
        else:
            keys.add(lock_key(volume_of(folder, host, write=catalog.server and is_dir)))
    return sorted(keys)


def lock_key(volume: str) -> int:
    """The advisory lock key of a volume (a signed 64-bit number)."""
    digest = hashlib.blake2b(volume.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def known_root(roots: Sequence[Root], host: str, path: bytes) -> Root | None:
    """This host's root that holds `path` (the deepest)."""
    best = None
    for r in roots:
        inside = path == r.path or path.startswith(r.path.rstrip(b"/") + b"/")
        if r.host == host and inside and (best is None or len(r.path) > len(best.path)):
            best = r
    return best

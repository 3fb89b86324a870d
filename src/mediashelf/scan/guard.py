"""The mount guard: a scan never takes an unmounted volume for deleted files.

A scan marks missing what it does not find, so a root whose volume is not there (an
unmounted disk leaves its empty mount point; a network share that did not come up; a
different disk mounted in its place) would mark every item under it missing.  Before
anything is walked, each root is checked, and a root that fails is stopped with a
message and its rows are left as they were:

- its volume identity differs from the one recorded for it (another volume is
  mounted there), or the anchor file that identified it is gone;
- it is empty while the catalog holds present items under it;
- no identity could be recorded and it is on another device than every one of its
  catalogued files.

A volume's identity (see `identify`) is, best first: the anchor file `.mediashelf-root`
that mediashelf writes in a root (a UUID; it survives remounts, other mount points
and other hosts), else the filesystem's UUID with the root's place in it (read-only
media), else the host and path (nothing better is known).  Identities also name a
root's writer lock on a server catalog (`lock_key`), so two agents never scan the
same volume at once, whatever path each mounts it at.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import uuid
from collections.abc import Sequence
from typing import NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.roots import (
    Mounts,
    Root,
    add_root,
    all_roots,
    by_volume,
    on_device_under,
    present_under,
)
from mediashelf.model import display_path
from mediashelf.scan.walk import ANCHOR


class Stopped(NamedTuple):
    """A root the guard stopped, and why (one line)."""

    root: bytes
    reason: str


class Guarded(NamedTuple):
    """What the guard let through: the roots to scan, as this host sees them, the
    translation of their paths, and those it stopped."""

    roots: list[bytes]
    mounts: Mounts
    stopped: list[Stopped]


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
        known = _known(known_roots, host, folder)
        if known is not None:  # (the guard checks its volume under the lock)
            keys.add(lock_key(known.volume))
        else:
            keys.add(lock_key(volume_of(folder, host, write=catalog.server and is_dir)))
    return sorted(keys)


def lock_key(volume: str) -> int:
    """The advisory lock key of a volume (a signed 64-bit number)."""
    digest = hashlib.blake2b(volume.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _is_empty(root: bytes) -> bool:
    try:
        with os.scandir(root) as it:
            return all(entry.name == ANCHOR for entry in it)
    except OSError:
        return False


def _known(roots: Sequence[Root], host: str, path: bytes) -> Root | None:
    """This host's root that holds `path` (the deepest)."""
    best = None
    for r in roots:
        inside = path == r.path or path.startswith(r.path.rstrip(b"/") + b"/")
        if r.host == host and inside and (best is None or len(r.path) > len(best.path)):
            best = r
    return best


def _check(catalog: Catalog, root: bytes, known: Root, mounts: Mounts) -> str | None:
    """Why the known root `known` (holding `root`) must not be scanned now, or None.

    The healthy case costs a folder listing's first entry and a small file read (or
    one index look-up); the catalog's items are counted only for a message.
    """
    shown = display_path(root)
    canon = mounts.canon(root)
    if _is_empty(root):
        present = present_under(catalog, canon)
        if present:
            return (
                f"{shown} is empty, but the catalog holds {present:,} files under it: is its "
                "volume mounted?  Nothing was marked missing (if its files really are gone, "
                "scan it with --accept-volume)"
            )
    if known.volume.startswith("anchor:"):
        now = read_anchor(known.path)
        if now is None and (present := present_under(catalog, canon)):
            return (
                f"{display_path(known.path)} has lost its {ANCHOR.decode()} file: its volume "
                f"is not mounted there, or was replaced; {present:,} files left as they were "
                "(if it is the right volume, scan it with --accept-volume)"
            )
        if now is not None and now != known.volume:
            return (
                f"another volume is mounted at {display_path(known.path)} (its "
                f"{ANCHOR.decode()} names {now}, the catalog {known.volume}); "
                "nothing was marked missing"
            )
    elif known.volume.startswith("fs:"):
        with contextlib.suppress(OSError):
            now_fs = fs_identity(known.path, os.stat(known.path))
            if now_fs is not None and now_fs != known.volume and present_under(catalog, canon):
                return (
                    f"another filesystem is mounted at {display_path(known.path)}; "
                    "nothing was marked missing"
                )
    else:
        with contextlib.suppress(OSError):
            dev = os.stat(root).st_dev
            if not on_device_under(catalog, canon, dev) and (
                present := present_under(catalog, canon)
            ):
                return (
                    f"{shown} is on another device than its {present:,} catalogued files: "
                    "is its volume mounted?  Nothing was marked missing (if it is the right "
                    "volume, scan it with --accept-volume)"
                )
    return None


def guard(catalog: Catalog, roots: Sequence[bytes], host: str, *, accept: bool = False) -> Guarded:
    """Check each root before a scan; record the roots it meets for the first time.

    `accept`: the user vouches for what is mounted at these roots now (its anchor file
    was lost, its files really are gone): it is scanned, and its identity recorded
    afresh.
    """
    known_roots = all_roots(catalog)
    mounts = Mounts(host, known_roots)
    out: list[bytes] = []
    stopped: list[Stopped] = []
    for root in roots:
        try:
            if not stat.S_ISDIR(os.stat(root).st_mode):
                out.append(root)  # a single file: its folder's root guards it, if any
                continue
        except OSError as e:
            stopped.append(Stopped(root, f"{display_path(root)}: {e.strerror}"))
            continue
        known = _known(known_roots, host, root)
        if known is not None and not accept:
            why = _check(catalog, root, known, mounts)
            if why is not None:
                stopped.append(Stopped(root, why))
                continue
        elif known is None or (accept and known.path == root):
            if accept and known is not None:  # the old anchor is gone: a new one
                with contextlib.suppress(OSError):
                    if read_anchor(root) is None:
                        os.unlink(os.path.join(root, ANCHOR))
            volume = identify(root, host, write=catalog.server)
            same = [r for r in by_volume(catalog, volume) if r.path != root or r.host != host]
            canon = same[0].canon if same else mounts.canon(root)
            known_roots.append(add_root(catalog, host, root, volume, canon))
            mounts = Mounts(host, known_roots)
        out.append(root)
    return Guarded(out, mounts, stopped)

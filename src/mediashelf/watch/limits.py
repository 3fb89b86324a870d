"""How many inotify watches the roots need, how many the kernel allows, and which
folders are therefore watched and which are polled.

inotify watches one folder per watch, and a user may hold `max_user_watches` of them
in all.  Running out silently is how watchers miss changes (watchdog, for one, stops
adding watches without a word when the limit is reached), so the folders are counted
first: whole sub-trees are watched while the budget lasts, and the folders that do
not fit are polled by their mtimes instead.  Network filesystems (NFS, SMB, sshfs …)
send no events for changes made by other machines, so they are always polled.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from mediashelf.config import Settings
from mediashelf.model import display_path

MAX_USER_WATCHES = "/proc/sys/fs/inotify/max_user_watches"
#: filesystem types whose changes made elsewhere send no inotify event
NETWORK_TYPES = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
        "lustre", "gpfs", "beegfs", "davfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs",
        "fuse.glusterfs", "fuse.davfs2", "fuse.gvfsd-fuse", "fuse.cephfs", "fuse.smbnetfs",
    }
)  # fmt: skip
#: watches left for other programs of the same user
MARGIN = 512
#: at most this many watched sub-trees (each costs watchdog a thread)
MAX_SUBTREES = 128


def kernel_limit() -> int | None:
    try:
        with open(MAX_USER_WATCHES) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def watches_in_use() -> int:
    """inotify watches the processes of this user hold now (each `inotify wd:` line of
    their inotify descriptors' fdinfo); best effort: unreadable processes count 0."""
    uid = os.getuid()
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:inotify":
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    total += sum(1 for line in f if line.startswith("inotify wd:"))
            except OSError:
                continue
    return total


def _unescape(field_: str) -> bytes:
    """A mountinfo path field: spaces, tabs, newlines and backslashes are octal escapes."""
    raw = os.fsencode(field_)
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\" and raw[i + 1 : i + 4].isdigit():
            out.append(int(raw[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def mounts(mountinfo: str = "/proc/self/mountinfo") -> dict[bytes, str]:
    """Mount point → filesystem type."""
    out: dict[bytes, str] = {}
    try:
        with open(mountinfo) as f:
            for line in f:
                left, _, right = line.partition(" - ")
                parts = left.split()
                if len(parts) >= 5 and right:
                    out[_unescape(parts[4])] = right.split()[0]
    except OSError:
        pass
    return out


def _under(path: bytes, root: bytes) -> bool:
    return path == root or path.startswith(root.rstrip(b"/") + b"/")


def network_mounts(roots: Iterable[bytes], table: dict[bytes, str]) -> dict[bytes, str]:
    """The network mounts at, above or below the roots: mount point → type."""
    out: dict[bytes, str] = {}
    for root in roots:
        above = max((m for m in table if _under(root, m)), key=len, default=None)
        if above is not None and table[above] in NETWORK_TYPES:
            out[root] = table[above]
        for m, kind in table.items():
            if kind in NETWORK_TYPES and _under(m, root) and m != root:
                out[m] = kind
    return out


@dataclass
class WatchPlan:
    """Which folders get inotify watches (whole sub-trees) and which are polled."""

    watched: list[bytes] = field(default_factory=list)  # sub-trees, watched recursively
    polled: list[bytes] = field(default_factory=list)  # single folders, polled by mtime
    needed: int = 0  # watches the roots need in all (one per folder)
    available: int | None = None  # watches this process may use (None: unknown)
    network: dict[bytes, str] = field(default_factory=dict)  # polled mounts → type

    @property
    def short(self) -> int:
        """Folders polled for want of watches (not network ones)."""
        return 0 if self.available is None else max(0, self.needed - self.available)


def _subtrees(
    root: bytes, skip: Sequence[bytes]
) -> tuple[dict[bytes, int], dict[bytes, list[bytes]]]:
    """Folders below `root` (itself included) → the folders in their sub-tree, and
    each folder's sub-folders; the sub-trees in `skip` (polled anyway) left out."""
    sizes: dict[bytes, int] = {}
    children: dict[bytes, list[bytes]] = {}
    order: list[bytes] = []
    stack = [root]
    while stack:
        top = stack.pop()
        order.append(top)
        subs = children[top] = []
        try:
            with os.scandir(top) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False) and not any(
                        _under(entry.path, s) for s in skip
                    ):
                        subs.append(entry.path)
        except OSError:
            pass
        stack += subs
    for top in reversed(order):  # sub-folders before their parents
        sizes[top] = 1 + sum(sizes[c] for c in children[top])
    return sizes, children


def folders_below(top: bytes) -> list[bytes]:
    """`top` and every folder below it (symlinks not followed)."""
    out, stack = [], [top]
    while stack:
        d = stack.pop()
        out.append(d)
        try:
            with os.scandir(d) as it:
                stack.extend(e.path for e in it if e.is_dir(follow_symlinks=False))
        except OSError:
            pass
    return out


def plan_watches(
    roots: Sequence[bytes], *, budget: int | None, table: dict[bytes, str] | None = None
) -> WatchPlan:
    """Watch whole sub-trees while `budget` watches last (None: no limit known), from
    the roots down; the folders that do not fit, and network mounts, are polled."""
    plan = WatchPlan(available=budget)
    plan.network = network_mounts(roots, mounts() if table is None else table)
    skip = list(plan.network)
    left = budget
    for root in roots:
        if any(_under(root, m) for m in skip):
            plan.polled += folders_below(root)
            continue
        sizes, children = _subtrees(root, skip)
        plan.needed += sizes[root]
        queue = deque([root])
        while queue:
            top = queue.popleft()
            size = sizes[top]
            if left is None or (size <= left and len(plan.watched) < MAX_SUBTREES):
                plan.watched.append(top)
                left = None if left is None else left - size
                continue
            plan.polled.append(top)  # polled itself; its sub-folders may still fit
            queue += children[top]
    polled = set(plan.polled)
    for m in plan.network:
        if m not in roots:  # a network mount below a root
            plan.polled += [d for d in folders_below(m) if d not in polled]
    return plan


class Budget:
    """The watches this watcher may use, shared out root by root as they are watched.

    `[watch] max_watches` (or `--max-watches`) stands in for what the kernel allows:
    set low, it makes the fallback to polling happen on any machine.
    """

    def __init__(self, settings: Settings, note: Callable[[str], None]) -> None:
        self.note = note
        self.forced = settings.watch.max_watches or None
        self.poll_every = settings.watch.poll
        self.kernel = kernel_limit()
        if self.forced is not None:
            self.available: int | None = self.forced
        elif self.kernel is None:
            self.available = None  # not Linux's inotify as we know it: no counting
        else:
            self.in_use = watches_in_use()
            self.available = max(0, self.kernel - self.in_use - MARGIN)
        self.used: dict[bytes, int] = {}

    def plan(self, root: bytes) -> WatchPlan:
        left = None if self.available is None else self.available - sum(self.used.values())
        plan = plan_watches([root], budget=left)
        self.used[root] = plan.needed - plan.short
        for mount, kind in plan.network.items():
            self.note(
                f"polling {display_path(mount)} every {self.poll_every:g} s: it is a network "
                f"filesystem ({kind}), whose changes made elsewhere send no events"
            )
        if plan.short:
            self._short(root, plan)
        return plan

    def _short(self, root: bytes, plan: WatchPlan) -> None:
        limit = "--max-watches" if self.forced else "fs.inotify.max_user_watches"
        wanted = 1 << max(17, (2 * (plan.needed + sum(self.used.values()))).bit_length())
        self.note(
            f"{display_path(root)} has {plan.needed:,} folders but only {plan.available:,} "
            f"inotify watches are free ({limit}); polling {len(plan.polled):,} of them "
            f"every {self.poll_every:g} s. To watch them all: "
            f"sudo sysctl fs.inotify.max_user_watches={wanted}"
        )

    def release(self, root: bytes) -> None:
        self.used.pop(root, None)

    @staticmethod
    def folders(tree: bytes) -> list[bytes]:
        return folders_below(tree)

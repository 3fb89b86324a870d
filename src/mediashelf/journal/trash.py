"""The freedesktop.org trash: which trash a file goes to, its name there, and the moves
in and out of it.

A trashed file is `TRASH/files/NAME` with `TRASH/info/NAME.trashinfo` beside it (its
original path and the time it was trashed), so a desktop's trash can show and restore
it.  The .trashinfo is written first and exclusively: it reserves NAME.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from urllib.parse import quote

from mediashelf.journal.fileops import fsync_dir, removed_on_error, rename_noreplace
from mediashelf.xdg import data_home


def home_trash() -> bytes:
    """$XDG_DATA_HOME/Trash ($XDG_DATA_HOME: ~/.local/share when unset or relative)."""
    return os.path.join(os.fsencode(data_home()), b"Trash")


def _device(path: bytes) -> int:
    """The device of `path`, or of its nearest existing folder."""
    while True:
        try:
            return os.stat(path).st_dev
        except FileNotFoundError:
            parent = os.path.dirname(path)
            if parent == path:
                raise
            path = parent


def _topdir(folder: bytes, dev: int) -> bytes:
    """The mount point of the filesystem `folder` is on."""
    while True:
        parent = os.path.dirname(folder)
        if parent == folder or os.stat(parent).st_dev != dev:
            return folder
        folder = parent


def trash_dir(path: bytes) -> bytes:
    """The trash a file goes to: the home trash when on its device, else the trash of
    the file's filesystem: `$topdir/.Trash/$uid` when an administrator made `$topdir/.Trash`
    (a folder with the sticky bit, not a symlink), else `$topdir/.Trash-$uid`."""
    dev = os.lstat(path).st_dev
    home = home_trash()
    if _device(home) == dev:
        return home
    top = _topdir(os.path.dirname(path), dev)
    uid = os.getuid()
    shared = os.path.join(top, b".Trash")
    try:
        st = os.lstat(shared)
    except OSError:
        pass
    else:
        if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX:
            return os.path.join(shared, b"%d" % uid)
    return os.path.join(top, b".Trash-%d" % uid)


def trash_name(trash: bytes, name: bytes, taken: set[bytes]) -> bytes:
    """TRASH/files/NAME with a NAME neither there nor in info/ (`name.2.ext`, …) nor in
    `taken` (names given earlier in the same plan; the one returned is added)."""
    stem, ext = os.path.splitext(name)
    n = 1
    while True:
        candidate = name if n == 1 else b"%s.%d%s" % (stem, n, ext)
        dst = os.path.join(trash, b"files", candidate)
        info = os.path.join(trash, b"info", candidate + b".trashinfo")
        if dst not in taken and not os.path.lexists(dst) and not os.path.lexists(info):
            taken.add(dst)
            return dst
        n += 1


def trash_info(dst: bytes) -> bytes:
    """The .trashinfo of a file trashed to `dst` (TRASH/files/NAME → TRASH/info/NAME.trashinfo)."""
    files, name = os.path.split(dst)
    return os.path.join(os.path.dirname(files), b"info", name + b".trashinfo")


def trash(src: bytes, dst: bytes) -> None:
    """Move `src` to `dst` (TRASH/files/NAME) the freedesktop.org way: the .trashinfo is
    written first, exclusively (it reserves NAME), then the file is renamed (no-replace)."""
    info = trash_info(dst)
    for folder in (os.path.dirname(os.path.dirname(dst)), os.path.dirname(dst)):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    os.makedirs(os.path.dirname(info), mode=0o700, exist_ok=True)
    when = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
    text = f"[Trash Info]\nPath={quote(os.path.abspath(src), safe='/')}\nDeletionDate={when}\n"
    fd = os.open(info, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with removed_on_error(info):
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        rename_noreplace(src, dst)
    fsync_dir(os.path.dirname(dst))


def untrash(src: bytes, dst: bytes) -> None:
    """Put a trashed file (`src`, TRASH/files/NAME) back at `dst`; drop its .trashinfo."""
    rename_noreplace(src, dst)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(trash_info(src))


def drop_orphan_info(trashed: bytes) -> None:
    """Remove the .trashinfo of `trashed` (TRASH/files/NAME) when the file is not there:
    a crash between writing it and moving the file, or after moving the file back."""
    if not os.path.lexists(trashed):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(trash_info(trashed))

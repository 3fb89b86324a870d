"""The file operations of the journal, each one all-or-nothing on disk.

- A rename never replaces an existing file: `renameat2(RENAME_NOREPLACE)`, else a
  hard link and unlink (also atomic and no-clobber), else a checked rename.
- Across filesystems a move is copy to a temporary name beside the destination →
  fsync → verify size and xxh3-128 hash against the source → rename into place
  (no-replace) → unlink the source.  A crash at any point leaves the source whole;
  at worst a `.mediashelf-tmp` file, which recovery deletes.
- Copies use the same temporary-name protocol; reflinks use the FICLONE ioctl and
  fall back to a copy where the filesystem cannot share blocks.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import filecmp
import os
import shutil
from collections.abc import Iterator
from typing import Any, Final

import xxhash

_RENAME_NOREPLACE: Final = 1
_AT_FDCWD: Final = -100
_FICLONE: Final = 0x40049409
_CHUNK: Final = 1 << 20
TMP_SUFFIX: Final = b".mediashelf-tmp"

_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


class ReflinkUnsupported(OSError):
    pass


def tmp_name(dst: bytes) -> bytes:
    """The temporary name a copy to `dst` is written under (hidden, same folder)."""
    folder, name = os.path.split(dst)
    return os.path.join(folder, b"." + name[:200] + TMP_SUFFIX)


def rename_noreplace(src: bytes, dst: bytes) -> None:
    """Rename without ever replacing `dst`: FileExistsError if it exists."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, src, _AT_FDCWD, dst, _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), os.fsdecode(src), None, os.fsdecode(dst))
    try:  # no renameat2 here: a hard link is just as atomic and never replaces
        os.link(src, dst, follow_symlinks=False)
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(dst):  # last resort (filesystems without hard links)
            raise FileExistsError(errno.EEXIST, "File exists", os.fsdecode(dst)) from None
        os.rename(src, dst)
        return
    os.unlink(src)


@contextlib.contextmanager
def removed_on_error(path: bytes) -> Iterator[None]:
    """Delete `path` (a temporary file or a .trashinfo) if the block does not finish."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def fsync_dir(path: bytes) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _hash_file(path: bytes) -> tuple[int, bytes]:
    h = xxhash.xxh3_128()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.digest()


def _copy_to_temp(src: bytes, tmp: bytes) -> None:
    """Copy the bytes of `src` into a new file `tmp`, fsync it, and check it against
    the xxh3-128 hash of what was read."""
    h = xxhash.xxh3_128()
    size = 0
    with open(src, "rb") as fin, open(tmp, "xb") as fout:
        while chunk := fin.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if _hash_file(tmp) != (size, h.digest()):
        raise OSError(errno.EIO, "the copy does not match the source (size or hash)")


def _clone_to_temp(src: bytes, tmp: bytes) -> None:
    """A new file `tmp` sharing the blocks of `src` (FICLONE), fsynced."""
    with open(src, "rb") as fin, open(tmp, "xb") as fout:
        try:
            fcntl.ioctl(fout.fileno(), _FICLONE, fin.fileno())
        except OSError as e:
            raise ReflinkUnsupported(e.errno, e.strerror) from e
        os.fsync(fout.fileno())


def _fresh_temp(dst: bytes) -> bytes:
    tmp = tmp_name(dst)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)  # left by an earlier crash
    return tmp


def copy_verified(src: bytes, dst: bytes, *, reflink: bool = False) -> None:
    """Copy `src` to a new file `dst` (never replacing one), durably and verified."""
    tmp = _fresh_temp(dst)
    with removed_on_error(tmp):
        (_clone_to_temp if reflink else _copy_to_temp)(src, tmp)
        shutil.copystat(src, tmp, follow_symlinks=False)
        rename_noreplace(tmp, dst)
    fsync_dir(os.path.dirname(dst))


def same_bytes(a: bytes, b: bytes) -> bool:
    """Whether two files hold the same bytes (False when either cannot be read)."""
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def move(src: bytes, dst: bytes) -> bool:
    """Move one file; True when it had to be copied across filesystems."""
    try:
        rename_noreplace(src, dst)
        return False
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
    copy_verified(src, dst)
    os.unlink(src)
    fsync_dir(os.path.dirname(src))
    return True


def link(src: bytes, dst: bytes) -> None:
    os.link(src, dst, follow_symlinks=False)


def symlink(src: bytes, dst: bytes) -> None:
    os.symlink(src, dst)


# -- replacing a file by a link to another, and back ------------------------------------------


def link_over(src: bytes, dst: bytes) -> None:
    """Replace `dst` by a hard link to `src`: linked under a temporary name, then renamed
    over it (atomic: `dst` is at every moment either the old file or the link)."""
    tmp = _fresh_temp(dst)
    os.link(src, tmp, follow_symlinks=False)
    with removed_on_error(tmp):
        os.rename(tmp, dst)
    fsync_dir(os.path.dirname(dst))


def unshare(dst: bytes, mtime_ns: int | None) -> None:
    """Make `dst` (a hard link) an independent file with the same bytes: a verified copy
    under its temporary name renamed over it; `mtime_ns` restores its modification time."""
    tmp = _fresh_temp(dst)
    with removed_on_error(tmp):
        _copy_to_temp(dst, tmp)
        shutil.copymode(dst, tmp)
        if mtime_ns is not None:
            os.utime(tmp, ns=(mtime_ns, mtime_ns))
        os.rename(tmp, dst)
    fsync_dir(os.path.dirname(dst))


def stat_after(path: bytes) -> dict[str, Any] | None:
    """What a finished operation left at `path`, for undo to check it is unchanged."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}

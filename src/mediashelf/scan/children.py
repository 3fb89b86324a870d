"""Forked helper processes (extraction workers, parallel walkers): how they are started,
how they talk to the scan, and how they never outlive it."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL.

    Forked children hold copies of the parent's pipes, so they would not notice on
    their own that a killed scan is gone; without this they would read on and keep
    files open.  If the parent is already gone when this runs, exit at once.  Also
    closes the catalog lock the child inherited, so that only the scan holds it.
    """
    import ctypes  # here, not at the top: a no-op rescan that forks nothing never pays

    from mediashelf.catalog.connect import drop_inherited_locks

    drop_inherited_locks()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


# -- messages between the scan and its children ------------------------------------------
#
# Length-prefixed pickles on plain pipes.  multiprocessing would bring a management
# thread, queues and futures per batch, and 40 ms of imports on every rescan that has
# anything to read; a fork and two pipes per child are all the scan needs.

_HEADER = struct.Struct("<I")


def send(fd: int, msg: Any) -> None:
    """Write one message (blocking until the pipe has taken all of it)."""
    data = pickle.dumps(msg, protocol=5)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def unpack(buf: bytearray) -> Iterator[Any]:
    """The complete messages at the front of `buf`, removed as they are read."""
    while len(buf) >= 4:
        (size,) = _HEADER.unpack_from(buf)
        if len(buf) < 4 + size:
            return
        msg = pickle.loads(buf[4 : 4 + size])
        del buf[: 4 + size]
        yield msg


def receive(fd: int) -> Any | None:
    """Block for the next message on `fd`; None at end of file."""
    header = _read_exactly(fd, 4)
    if header is None:
        return None
    data = _read_exactly(fd, _HEADER.unpack(header)[0])
    if data is None:
        return None
    return pickle.loads(data)


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def fork(child: Callable[[], None]) -> int:
    """Fork a child that runs `child()` and exits (status 1 if it raised)."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            child()
            status = 0
        finally:
            os._exit(status)
    return pid


def reap(pid: int, kill: bool = False) -> None:
    if kill:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)

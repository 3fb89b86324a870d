"""Forked helper processes (extraction workers, parallel walkers) never outlive the scan."""

from __future__ import annotations

import contextlib
import os
import signal

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

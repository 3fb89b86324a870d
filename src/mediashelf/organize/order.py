"""The order of a plan's operations: a file goes where another one was only once that
one has moved away."""

from __future__ import annotations

from collections.abc import Sequence

from mediashelf.organize.model import Conflict, Op


def order(ops: Sequence[Op], waiting: set[bytes]) -> tuple[list[Op], list[Conflict]]:
    """`ops` ordered so that an operation whose destination is another's source waits
    for that one, and the conflicts found on the way.

    `waiting`: destinations occupied by a file the plan moves away; an operation to
    one whose file stays after all is a conflict, as are cycles of renames (a swap).
    """
    conflicts: list[Conflict] = []
    by_src = {op.src: op for op in ops}
    kept = []
    for op in ops:
        if op.dst in waiting and op.dst not in by_src:  # that file stays after all
            conflicts.append(Conflict(op.src, op.dst, "a file already exists there"))
        else:
            kept.append(op)
    by_src = {op.src: op for op in kept}
    if not any(op.dst in by_src for op in kept):
        return kept, conflicts
    done: list[Op] = []
    placed: set[bytes] = set()
    pending = kept
    while pending:
        progress = False
        rest = []
        for op in pending:
            blocker = by_src.get(op.dst)
            if blocker is None or blocker.src in placed or blocker is op:
                done.append(op)
                placed.add(op.src)
                progress = True
            else:
                rest.append(op)
        if not progress:  # a cycle (a swap): those files stay where they are
            for op in rest:
                conflicts.append(Conflict(op.src, op.dst, "part of a cycle of renames"))
            break
        pending = rest
    return done, conflicts

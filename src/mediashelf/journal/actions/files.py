"""The actions of organizing: making a file at its destination (moved, copied, linked),
removing what a run made (undo), and folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from mediashelf.catalog.journal import Effect, Step
from mediashelf.journal import fileops
from mediashelf.journal.actions.base import GONE, Action, Reversal, one_file, register, settle_move
from mediashelf.journal.results import Outcome, Recovered

# -- making a file at dst from src ---------------------------------------------------------------


@register
class Move(Action):
    name = "move"
    effect: ClassVar[Effect] = "moved"
    temporary = True
    back = "move"  # the action that puts it back
    where = ""  # where it is, for a problem with its undo

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        if fileops.move(step.src, step.dst):
            outcome.add("copied_across_filesystems")

    def settle(self, step: Step, rec: Recovered) -> bool:
        return settle_move(step, rec)

    def plan_undo(self, step: Step, rev: Reversal) -> None:
        assert step.src is not None
        why = self.changed(step)
        if why == GONE or (why and not rev.force):
            rev.problems.append(f"{os.fsdecode(step.dst)}: {why}{self.where}")
        elif os.path.lexists(step.src) and step.src not in rev.vacated:
            rev.problems.append(f"{os.fsdecode(step.src)}: a file is now at the original place")
        else:
            rev.steps.append(
                Step(self.back, step.dst, step.src, step.size, step.mtime_ns, step.item_id)
            )
            rev.returning.append(step.src)
            rev.vacated.add(step.dst)

    def undid(self, step: Step) -> bytes | None:
        return step.src


@register
class Aside(Move):
    """An existing file moved out of the way (`--on-conflict replace` and `rename`)."""

    name = "aside"


@register
class Copy(Action):
    name = "copy"
    effect: ClassVar[Effect] = "copied"
    temporary = True

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        fileops.copy_verified(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        assert step.src is not None
        return os.path.lexists(step.dst) and fileops.same_bytes(step.src, step.dst)

    def plan_undo(self, step: Step, rev: Reversal) -> None:
        why = self.changed(step)
        if why == GONE:
            return  # already gone: nothing to remove
        if why and not rev.force:
            rev.problems.append(f"{os.fsdecode(step.dst)}: {why}")
            return
        rev.steps.append(Step("remove", None, step.dst, step.size, step.mtime_ns, step.item_id))
        rev.vacated.add(step.dst)


@register
class Reflink(Copy):
    """A copy sharing the source's blocks (FICLONE), or a plain copy where it cannot."""

    name = "reflink"

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        try:
            fileops.copy_verified(step.src, step.dst, reflink=True)
        except fileops.ReflinkUnsupported:
            fileops.copy_verified(step.src, step.dst)
            if "reflink_fallback" not in outcome.counts:
                outcome.notes.append(
                    "this filesystem cannot share blocks between files (reflink): copied instead"
                )
            outcome.add("reflink_fallback")


@register
class Hardlink(Copy):
    name = "hardlink"
    temporary = False

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        fileops.link(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return bool(one_file(step.src, step.dst))


@register
class Symlink(Copy):
    name = "symlink"
    effect = "none"  # a link is not catalogued
    temporary = False

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        fileops.symlink(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return self._points_to_src(step)

    def changed(self, step: Step) -> str | None:
        if fileops.stat_after(step.dst) is None:
            return GONE
        return None if self._points_to_src(step) else "changed"

    @staticmethod
    def _points_to_src(step: Step) -> bool:
        return os.path.islink(step.dst) and os.readlink(step.dst) == step.src


# -- removing a file this program made, and folders ----------------------------------------------


@register
class Remove(Action):
    """Delete a copy or link this program made (undoing it)."""

    name = "remove"
    effect: ClassVar[Effect] = "removed"
    inside_dest = False

    def perform(self, step: Step, outcome: Outcome) -> None:
        os.unlink(step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return not os.path.lexists(step.dst)

    def undid(self, step: Step) -> bytes | None:
        return step.dst


@register
class Mkdir(Action):
    name = "mkdir"

    def perform(self, step: Step, outcome: Outcome) -> None:
        os.mkdir(step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return os.path.isdir(step.dst)

    def plan_undo(self, step: Step, rev: Reversal) -> None:
        rev.created.append(step.dst)


@register
class Rmdir(Action):
    name = "rmdir"
    inside_dest = False

    def perform(self, step: Step, outcome: Outcome) -> None:
        os.rmdir(step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return not os.path.lexists(step.dst)


#: what a done operation of each action changes in the catalog
def mkdir_steps(dirs: Iterable[bytes]) -> list[Step]:
    """Steps that make every folder of `dirs` that does not exist, parents first."""
    out: list[bytes] = []
    seen: set[bytes] = set()
    for d in sorted(dirs):
        chain = []
        current = d
        while current not in seen and not os.path.isdir(current):
            chain.append(current)
            seen.add(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        out.extend(reversed(chain))
    return [Step("mkdir", None, d) for d in sorted(set(out), key=lambda p: (p.count(b"/"), p))]

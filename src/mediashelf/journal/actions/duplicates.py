"""The actions of resolving duplicates: deleting one, moving it to the freedesktop.org
trash (and back), replacing it by a hard link to the file kept (and back)."""

from __future__ import annotations

import os

from mediashelf.catalog.journal import Step
from mediashelf.journal import fileops, trash
from mediashelf.journal.actions.base import GONE, Action, Reversal, one_file, register, settle_move
from mediashelf.journal.actions.files import Move, Remove
from mediashelf.journal.results import Outcome, Recovered


@register
class Delete(Remove):
    """Delete a duplicate: it cannot come back."""

    name = "delete"
    final = True


@register
class Trash(Move):
    """Move a file into the freedesktop.org trash (`dst`: TRASH/files/NAME)."""

    name = "trash"
    effect = "trashed"
    inside_dest = False
    back = "untrash"
    where = " (in the trash)"

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        trash.trash(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        done = settle_move(step, rec)
        trash.drop_orphan_info(step.dst)
        return done


@register
class Untrash(Action):
    """Put a trashed file back (undoing a trash)."""

    name = "untrash"
    effect = "restored"
    temporary = True

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        trash.untrash(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        assert step.src is not None
        done = settle_move(step, rec)
        trash.drop_orphan_info(step.src)
        return done

    def undid(self, step: Step) -> bytes | None:
        return step.src


# -- replacing a duplicate by a link to the file kept, and back -----------------------------------


@register
class LinkOver(Action):
    """Replace `dst` by a hard link to `src` (a duplicate by the file kept)."""

    name = "link-over"
    effect = "relinked"
    inside_dest = False
    temporary = True

    def perform(self, step: Step, outcome: Outcome) -> None:
        assert step.src is not None
        fileops.link_over(step.src, step.dst)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return bool(one_file(step.src, step.dst))  # done: the two paths are one file

    def plan_undo(self, step: Step, rev: Reversal) -> None:
        why = self.changed(step)
        if why and not rev.force:
            rev.problems.append(f"{os.fsdecode(step.dst)}: {why}")
        elif why != GONE:
            rev.steps.append(
                Step("unshare", step.src, step.dst, step.size, step.mtime_ns, step.item_id)
            )


@register
class Unshare(Action):
    """Make `dst`, a hard link, a file of its own again (undoing a link-over)."""

    name = "unshare"
    effect = "relinked"
    inside_dest = False
    temporary = True

    def perform(self, step: Step, outcome: Outcome) -> None:
        fileops.unshare(step.dst, step.mtime_ns)

    def settle(self, step: Step, rec: Recovered) -> bool:
        return one_file(step.src, step.dst) not in (True, None)  # done: two files again

    def undid(self, step: Step) -> bytes | None:
        return step.dst

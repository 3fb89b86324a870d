"""The journal's actions: one small class per kind of file operation, in a registry.

Each action knows the four things the journal asks of it:

- `perform`: do it on disk, all or nothing (fileops.py, trash.py);
- `effect`: what a done one changes in the catalog (`catalog.journal.Effect`);
- `settle`: after a crash, whether an operation left `intended` was done, from what
  the disk holds (recover.py); nothing is guessed: where the disk holds something
  unexpected it says so and leaves both files alone;
- `plan_undo`: the steps that reverse a done one, or why it cannot be (undo.py).

A dry run never reaches here: it is the plan printed.  Adding an action means one
class in one of these modules, registered with `@register`, and its name in the plans
that use it.
"""

from __future__ import annotations

from typing import Final

from mediashelf.catalog.journal import Effect
from mediashelf.journal.actions import duplicates, files
from mediashelf.journal.actions.base import ACTIONS, GONE, Action, Reversal
from mediashelf.journal.actions.files import mkdir_steps

#: what a done operation of each action changes in the catalog
EFFECTS: Final[dict[str, Effect]] = {name: a.effect for name, a in ACTIONS.items()}

__all__ = ["ACTIONS", "EFFECTS", "GONE", "Action", "Reversal", "duplicates", "files", "mkdir_steps"]

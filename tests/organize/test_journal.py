"""The journal's registry of actions: every operation a plan or an undo makes has one."""

from __future__ import annotations

from mediashelf.catalog.journal import Step
from mediashelf.journal import ACTIONS, undo_steps
from mediashelf.journal.actions import EFFECTS
from mediashelf.organize.model import MODES


def test_every_action_a_run_can_journal_is_registered() -> None:
    organize = {*MODES, "aside", "mkdir", "rmdir"}
    resolve = {"trash", "move", "link-over", "delete"}
    undo = {"move", "untrash", "remove", "unshare", "mkdir", "rmdir"}
    assert organize | resolve | undo <= set(ACTIONS)
    assert set(EFFECTS) == set(ACTIONS)
    assert all(ACTIONS[name].name == name for name in ACTIONS)


def test_undo_of_unknown_or_irreversible_steps_is_nothing() -> None:
    done = [Step("delete", None, b"/nowhere/a"), Step("no-such-action", None, b"/nowhere/b")]
    assert undo_steps(done, force=False) == ([], [])

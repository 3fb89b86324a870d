from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import Shelf
from tests.watch.lib import Watching


@pytest.fixture
def watch(shelf: Shelf) -> Iterator[Callable[..., Watching]]:
    """Start `shelf watch ARGS` (killed when the test ends)."""
    started: list[Watching] = []

    def start(*args: Any, **kw: Any) -> Watching:
        w = Watching(shelf, *args, **kw)
        started.append(w)
        return w

    yield start
    for w in started:
        w.kill()

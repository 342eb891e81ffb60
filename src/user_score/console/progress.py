"""Progress bars for long loops (training's protocol splits, scoring chunks, backfill days).

A bar is drawn on a terminal only, and disappears when the loop ends
(``transient``), so it adds no line to a log file, CI output or a test's
captured output. Nodes stay pure: a bar only observes the loop it wraps.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.progress import track as rich_track

Item = TypeVar("Item")


def enabled() -> bool:
    """Whether a bar can be drawn: standard error is a terminal."""
    return sys.stderr.isatty()


def track(items: Iterable[Item], description: str, total: int | None = None) -> Iterator[Item]:
    """Iterate ``items``, with a transient progress bar on a terminal."""
    if not enabled():
        yield from items
        return
    yield from rich_track(items, description=description, total=total, transient=True, console=None)
